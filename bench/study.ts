/**
 * Does cooperation training work? MAGRPO against independent learners, single-agent GRPO, a
 * centralized critic and the untrained agents, on tasks built to tell them apart
 * (coordination, complementarity), the toy task as a control, and the paper's tasks in
 * miniature (TLDR, arXiv, coding), with the same budget per method and several seeds. Each run
 * is evaluated on held-out rows after training; `bench/study_report.ts` turns the runs into
 * means with 95 % bootstrap intervals over seeds, paired comparisons and figures.
 *
 * Resumable: `results.json` gets one entry per finished run (written atomically after each),
 * and a restart skips the runs already there (same task, method, seed and budget). A progress
 * bar shows the runs left.
 *
 * Run: `deno run -A bench/study.ts [--quick] [--out bench/study] [--tasks a,b] [--methods a,b]
 * [--seeds 0,1,2,3,4] [--report-only]`. `--quick` (CI): two steps per run, two seeds, tiny
 * groups, written to `--out` (default `runs/study-quick`, not the shipped results).
 *
 * @module
 */
import { parseArgs } from "node:util";
import { validateConfig } from "../lib/rl/config.ts";
import { evaluate, train } from "../lib/rl/trainer.ts";
import type { EvalRecord, MetricsRecord } from "../lib/rl/records.ts";
import { loadPolicy } from "../lib/policy/load.ts";
import { progress } from "../lib/viz/progress.ts";
import { QUICK_TASKS, quickTask, STUDY_TASKS, type StudyTask } from "./study_tasks.ts";
import { writeStudyReport } from "./study_report.ts";

/** Methods of the study: the four algorithms and the untrained agents. */
export const METHODS = ["magrpo", "independent", "grpo_single", "critic", "untrained"];

/** One finished run as `results.json` stores it. */
export interface StudyRun {
  task: string;
  method: string;
  seed: number;
  /** The run's budget (a restart with another budget reruns it). */
  budget: string;
  /** Held-out evaluation after training. */
  eval: {
    rows: number;
    reward: number;
    coop: number;
    levels: Record<string, number>;
    metrics: Record<string, number>;
    passAtK?: Record<string, number>;
  };
  /** Per training step: mean sampled joint reward and cooperative levels (empty: untrained). */
  curve: { step: number; reward: number; coop: number }[];
  /** Wall seconds of the run (training + evaluation). */
  seconds: number;
}

/** The whole results file. */
export interface StudyResults {
  quick: boolean;
  settings: Record<string, Omit<StudyTask, "open">>;
  /** Each invocation that ran runs: when, how long, how many, the machine's load at the start. */
  invocations?: { started: string; seconds: number; runs: number; loadavg: number[] }[];
  runs: StudyRun[];
}

const budgetOf = (t: StudyTask) =>
  `steps=${t.steps},G=${t.groupSize},P=${t.promptsPerStep},tok=${t.maxNewTokens},lr=${t.lr},` +
  `eval=${t.evalRows}x${t.evalSamples}`;

const coopOf = (levels: Record<string, number> | undefined, t: StudyTask) =>
  t.coop.reduce((a, k) => a + (levels?.[k] ?? 0), 0);

function config(t: StudyTask, method: string, seed: number, root: string) {
  return validateConfig({
    algorithm: method === "untrained" ? "magrpo" : method,
    groupSize: t.groupSize,
    promptsPerStep: t.promptsPerStep,
    steps: t.steps,
    seed,
    sampling: { maxNewTokens: t.maxNewTokens },
    optimizer: { lr: t.lr },
    eval: { every: t.steps, prompts: t.evalRows, greedy: false, samples: t.evalSamples },
    checkpoint: { every: 0, keep: 1 },
    log: { dir: `${root}/<name>`, tensorboard: false, completionsEvery: 0 },
  }, "bench/study.ts");
}

function evalSummary(r: EvalRecord, t: StudyTask): StudyRun["eval"] {
  const metrics = (r.turnMetrics?.[0] ?? {}) as Record<string, number>;
  const out: StudyRun["eval"] = {
    rows: r.rows,
    reward: r.reward.mean,
    coop: coopOf(r.reward.levels, t),
    levels: r.reward.levels ?? {},
    metrics,
  };
  const pk = (r as { passAtK?: Record<string, number>[] }).passAtK?.[0];
  if (pk) out.passAtK = pk;
  return out;
}

/** Trains (or, for "untrained", only evaluates) one method on one task and seed. */
async function oneRun(
  t: StudyTask,
  method: string,
  seed: number,
  root: string,
): Promise<StudyRun> {
  const t0 = performance.now(), env = await t.open(), cfg = config(t, method, seed, root);
  let ev: EvalRecord, curve: StudyRun["curve"] = [];
  if (method === "untrained") {
    const base = await loadPolicy("data/default-model");
    ev = await evaluate(cfg, env, env.evalRows!.slice(0, t.evalRows), [base, base], 0);
  } else {
    const r = await train(cfg, { environment: env, quiet: true, resume: false });
    const steps = r.records.filter((x: MetricsRecord) => x.type === "step") as unknown as {
      step: number;
      reward: { mean: number; levels: Record<string, number> };
    }[];
    curve = steps.map((s) => ({
      step: s.step,
      reward: s.reward.mean,
      coop: coopOf(s.reward.levels, t),
    }));
    ev = r.records.filter((x: MetricsRecord) => x.type === "eval").at(-1) as EvalRecord;
    await Deno.remove(r.dir, { recursive: true }).catch(() => {});
  }
  const seconds = (performance.now() - t0) / 1000;
  return {
    task: t.name,
    method,
    seed,
    budget: budgetOf(t),
    eval: evalSummary(ev, t),
    curve,
    seconds,
  };
}

async function readResults(path: string): Promise<StudyResults | undefined> {
  try {
    return JSON.parse(await Deno.readTextFile(path));
  } catch {
    return undefined;
  }
}

async function writeAtomic(path: string, text: string): Promise<void> {
  await Deno.writeTextFile(`${path}.tmp`, text);
  await Deno.rename(`${path}.tmp`, path);
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      quick: { type: "boolean", default: false },
      out: { type: "string" },
      tasks: { type: "string" },
      methods: { type: "string", default: METHODS.join(",") },
      seeds: { type: "string" },
      "report-only": { type: "boolean", default: false },
    },
  });
  const quick = values.quick;
  const out = values.out ?? (quick ? "runs/study-quick" : "bench/study");
  const names = values.tasks?.split(",") ??
    (quick ? QUICK_TASKS : STUDY_TASKS.map((t) => t.name));
  const tasks = STUDY_TASKS.filter((t) => names.includes(t.name)).map((t) =>
    quick ? quickTask(t) : t
  );
  const methods = values.methods.split(",");
  const seeds = (values.seeds ?? (quick ? "0,1" : "0,1,2,3,4")).split(",").map(Number);
  await Deno.mkdir(out, { recursive: true });
  const path = `${out}/results.json`;
  const results: StudyResults = (await readResults(path)) ??
    { quick, settings: {}, runs: [] };
  for (const t of tasks) {
    const { open: _, ...settings } = t;
    results.settings[t.name] = settings;
  }
  // a run made with another budget than the task's current one is redone (and left out of the report)
  results.runs = results.runs.filter((r) => {
    const t = tasks.find((t) => t.name === r.task);
    return !t || r.budget === budgetOf(t);
  });
  const done = (t: StudyTask, m: string, s: number) =>
    results.runs.some((r) =>
      r.task === t.name && r.method === m && r.seed === s && r.budget === budgetOf(t)
    );
  // seeds outermost within a task: a partial study has every method for its first seeds
  const todo = tasks.flatMap((t) =>
    seeds.flatMap((s) => methods.filter((m) => !done(t, m, s)).map((m) => ({ t, m, s })))
  );
  const root = await Deno.makeTempDir({ prefix: "study-" });
  const t0 = performance.now(), started = new Date().toISOString(), loadavg = Deno.loadavg();
  if (!values["report-only"] && todo.length) {
    console.log(`${todo.length} runs to do (${results.runs.length} already in ${path})`);
    const bar = progress({ total: todo.length, label: "study" });
    for (const { t, m, s } of todo) {
      const run = await oneRun(t, m, s, root);
      results.runs = results.runs.filter((r) =>
        !(r.task === t.name && r.method === m && r.seed === s)
      );
      results.runs.push(run);
      await writeAtomic(path, JSON.stringify(results, null, 1) + "\n");
      bar.tick(
        1,
        `${t.name}/${m}/seed${s}: eval ${run.eval.reward.toFixed(3)} (${run.seconds.toFixed(0)}s)`,
      );
    }
    bar.done();
    const seconds = (performance.now() - t0) / 1000;
    (results.invocations ??= []).push({ started, seconds, runs: todo.length, loadavg });
    await writeAtomic(path, JSON.stringify(results, null, 1) + "\n");
    console.log(`wall time of this invocation: ${seconds.toFixed(0)} s (load at start ${loadavg})`);
  }
  if (!todo.length) console.log(`nothing to do: all ${results.runs.length} runs are in ${path}`);
  await Deno.remove(root, { recursive: true }).catch(() => {});
  console.log(await writeStudyReport(results, out));
}
