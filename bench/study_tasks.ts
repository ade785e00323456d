/**
 * The study's tasks and budgets (used by `bench/study.ts`): each task's environment, the reward
 * levels that need both agents (its "cooperative levels"), the task metrics added to the
 * evaluation (the paper's writing metrics and ROUGE-L, the authors' coding metrics), and the
 * settings of one run in the full and the `--quick` study.
 *
 * @module
 */
import { loadEnvironment } from "../lib/envs/registry.ts";
import { shortenTldrPost, tldrEnv, type TldrRow } from "../lib/envs/tldr.ts";
import { writingPaperMetrics } from "../lib/envs/writing_reward.ts";
import type { Environment } from "../lib/envs/types.ts";
import { rougeL } from "../lib/metrics/rouge.ts";
import { codebleu } from "../lib/metrics/codebleu.ts";
import type { HumanEvalProblem } from "../lib/envs/datasets.ts";

// deno-lint-ignore no-explicit-any
export type AnyEnv = Environment<any>;

/** One task of the study. */
export interface StudyTask {
  /** Task name (an environment name). */
  name: string;
  /** Why the task is in the study (one line, for the tables). */
  about: string;
  /** Reward levels that need both agents' texts. */
  coop: string[];
  /** Training steps (full study). */
  steps: number;
  /** Group size G. */
  groupSize: number;
  /** Prompts per step. */
  promptsPerStep: number;
  /** Longest completion in tokens. */
  maxNewTokens: number;
  /** AdamW learning rate. */
  lr: number;
  /** Held-out rows evaluated after training. */
  evalRows: number;
  /** Sampled episodes per eval row (> 1: pass@k for coding). */
  evalSamples: number;
  /** Opens the environment (train rows + held-out `evalRows`). */
  open: () => Promise<AnyEnv>;
}

/** Post words kept in TLDR prompts (see `shortenTldrPost` and the study's TLDR diagnosis). */
export const TLDR_POST_WORDS = 30;

/** Adds the paper's writing metrics (and ROUGE-L of agent 1's text, where there is a reference). */
function withWritingMetrics(env: AnyEnv, reference?: (row: TldrRow) => string): AnyEnv {
  return {
    ...env,
    evalMetrics: async (row: TldrRow, turnTexts: string[][]) => {
      const out: Record<string, number>[] = [];
      for (const texts of turnTexts) {
        const r = await env.reward(texts, row);
        const m: Record<string, number> = { ...writingPaperMetrics(r.levels), total: r.total };
        if (reference) m.rougeL = rougeL(reference(row), texts[0] ?? "").fmeasure;
        out.push(m);
      }
      return out;
    },
  };
}

/** Adds CodeBLEU of the joint program (aux + main) against the problem's reference solution. */
function withCodeBleu(env: AnyEnv): AnyEnv {
  const base = env.evalMetrics!;
  return {
    ...env,
    evalMetrics: async (row: HumanEvalProblem, turnTexts: string[][]) => {
      const out = await base(row, turnTexts);
      const ref = row.aux_solution && row.main_solution
        ? `${row.aux_solution}\n${row.main_solution}`
        : `${row.prompt}${row.canonical_solution ?? ""}`;
      for (const [t, texts] of turnTexts.entries()) {
        let score = 0;
        try {
          score = (await codebleu([texts.join("\n")], [ref])).codebleu;
        } catch { /* unparsable text: 0 */ }
        out[t] = { ...out[t], codebleu: Number.isFinite(score) ? score : 0 };
      }
      return out;
    },
  };
}

async function openTldr(): Promise<AnyEnv> {
  const raw = await loadEnvironment({ name: "tldr" });
  const env = tldrEnv(raw.rows.map((r: TldrRow) => shortenTldrPost(r, TLDR_POST_WORDS)));
  env.evalRows = raw.evalRows!.map((r: TldrRow) => shortenTldrPost(r, TLDR_POST_WORDS));
  return withWritingMetrics(env, (r) => r.completion);
}

async function openArxiv(): Promise<AnyEnv> {
  return withWritingMetrics(await loadEnvironment({ name: "arxiv" }));
}

/** The study's tasks, in the order they run (cheapest and most telling first). */
export const STUDY_TASKS: StudyTask[] = [
  {
    name: "coordination",
    about: "both sentences start with the same word; the prompts give different priors",
    coop: ["agree"],
    steps: 30,
    groupSize: 8,
    promptsPerStep: 2,
    maxNewTokens: 10,
    lr: 1e-3,
    evalRows: 12,
    evalSamples: 4,
    open: () => loadEnvironment({ name: "coordination" }),
  },
  {
    name: "complementarity",
    about: "cover the openings {The, You} without overlap; same prompt for both",
    coop: ["cover"],
    steps: 30,
    groupSize: 8,
    promptsPerStep: 2,
    maxNewTokens: 10,
    lr: 1e-3,
    evalRows: 12,
    evalSamples: 4,
    open: () => loadEnvironment({ name: "complementarity" }),
  },
  {
    name: "toy",
    about: "control: per-agent rewards correlate with the joint one",
    coop: ["ratio", "overlap"],
    steps: 30,
    groupSize: 8,
    promptsPerStep: 2,
    maxNewTokens: 40,
    lr: 3e-4, // 1e-3 (the others' rate) made every trained toy run fall below the untrained agents
    evalRows: 7,
    evalSamples: 4,
    open: () => loadEnvironment({ name: "toy" }),
  },
  {
    name: "tldr",
    about: `the paper's TL;DR task, authors' reward, posts cut to ${TLDR_POST_WORDS} words`,
    coop: ["lengthRatio", "uniqueWords", "overlap"],
    steps: 20,
    groupSize: 4,
    promptsPerStep: 2,
    maxNewTokens: 48,
    lr: 1e-3,
    evalRows: 10,
    evalSamples: 2,
    open: openTldr,
  },
  {
    name: "coding",
    about:
      "the paper's coding task, authors' reward and metrics (6 steps: sandbox and prompt cost)",
    coop: ["aux_used", "not_wrapper", "aux_ignored"],
    steps: 6,
    groupSize: 4,
    promptsPerStep: 1,
    maxNewTokens: 64,
    lr: 1e-3,
    evalRows: 6,
    evalSamples: 2,
    open: async () => withCodeBleu(await loadEnvironment({ name: "coding" })),
  },
  {
    name: "arxiv",
    about: "the paper's arXiv task, authors' reward (needs 128-256 words per agent; 4 steps)",
    coop: ["lengthRatio", "uniqueWords", "overlap"],
    steps: 4,
    groupSize: 4,
    promptsPerStep: 1,
    maxNewTokens: 192,
    lr: 1e-3,
    evalRows: 4,
    evalSamples: 1,
    open: openArxiv,
  },
];

/** Tasks of the `--quick` study (CI): arXiv runs the same code path as TLDR, only longer. */
export const QUICK_TASKS = ["coordination", "complementarity", "toy", "tldr", "coding"];

/** The `--quick` budget of a task: two steps, G = 2, one prompt, two eval rows. */
export function quickTask(t: StudyTask): StudyTask {
  return {
    ...t,
    steps: 2,
    groupSize: 2,
    promptsPerStep: 1,
    maxNewTokens: Math.min(t.maxNewTokens, 24),
    evalRows: 2,
    evalSamples: Math.min(t.evalSamples, 2),
  };
}
