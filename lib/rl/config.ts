/**
 * The trainer's configuration: one typed plain object ({@link TrainerConfig}), its defaults
 * ({@link DEFAULT_CONFIG}), and a validator that merges a partial JSON object over the defaults
 * and reports every problem at once (unknown keys with a "did you mean" suggestion, wrong
 * types, out-of-range numbers, unknown enum values) in one {@link UserError}.
 *
 * One table (`SCHEMA` in `config_schema.ts`) describes every key: the validator,
 * {@link configToJson} (its key order) and {@link describeConfig} (the Markdown reference for
 * the README) all read it. Settings that only make sense together are checked here too (e.g.
 * `independent` with `turns > 1`), and {@link resumeConflicts} says which settings may change
 * when a run is resumed from a checkpoint.
 *
 * @module
 */
import type { Aggregation } from "./aggregation.ts";
export type { Aggregation };
import type { JointMode } from "./joint.ts";
import type { Baseline } from "./advantages.ts";
import type { LrSchedule } from "./schedule.ts";
import { UserError } from "../util/errors.ts";
import { configWarnings, groupSizeProblem, SLICE } from "./config_checks.ts";
import { readConfigFile } from "./config_file.ts";
import { applyOverrides } from "./config_overrides.ts";
export { configWarnings };
import {
  deepFreeze,
  type Fields,
  isPlainObject,
  mergeConfig,
  SCHEMA,
  show,
  typeText,
} from "./config_schema.ts";
export type { Baseline, JointMode };

/** Learning-rate schedule after warm-up. */
export type ScheduleName = NonNullable<LrSchedule["schedule"]>;

/** Training algorithm: MAGRPO or one of the baselines. */
export type Algorithm = "magrpo" | "grpo_single" | "independent" | "critic";
/** Built-in environments. */
export type EnvName = "toy" | "tldr" | "arxiv" | "coding";
/** onnxruntime execution provider. */
export type ExecutionProviderName = "cpu" | "webgpu" | "cuda";
/** How the rewards of the joint actions containing one completion make its return. */
export type CrossAggregate = "sum" | "mean";
/** Which rewards the early-termination test reads. */
export type EarlyStopOn = "shaped" | "raw";
/** One AdamW step per node group ("group", the authors') or per training step ("joint"). */
export type UpdateSchedule = "group" | "joint";

/** The whole trainer configuration (every field present after {@link validateConfig}). */
export interface TrainerConfig {
  /** Training algorithm (default "magrpo"). */ algorithm: Algorithm;
  /** The task. */
  env: {
    /** Environment name (default "toy"). */ name: EnvName;
    /** Data file or folder (default: the environment's built-in data). */ dataPath?: string;
    /** Use at most this many training rows (default: all). */ maxRows?: number;
    /** Training rows as a Python slice `"start:stop"` (default: the environment's split). */
    trainSlice?: string;
    /** Evaluation rows as a Python slice (of `evalDataPath`'s rows when set). */
    evalSlice?: string;
    /** Evaluation data file (default: rows held out from `dataPath`). */ evalDataPath?: string;
    /** Share held out by the seeded split (default 0.2). */ evalFraction: number;
    /** Coding reward: the authors' (default) or our stricter one. */
    rewardVariant?: "authors" | "strict";
    /** Coding multi-turn transition: the authors' level feedback (default) or ours. */
    feedback?: "authors" | "full";
    /** Coding first-turn prompts: the authors' formatter strings (default) or ours. */
    prompts?: "authors" | "ours";
    /**
     * Run generated code even where the kernel cannot isolate it (resource limits and audit
     * hook only; default false: refuse). Only on a machine you are willing to lose.
     */
    sandboxUnsafe: boolean;
  };
  /**
   * Hugging Face model folder every agent starts from (default "data/default-model"), or one
   * folder per trained policy (agents of different models; tokenizers need not agree, agents
   * exchange text).
   */
  model: string | string[];
  /** Number of agents N (default 2). */ agents: number;
  /** onnxruntime execution provider (default "cpu"). */ ep: ExecutionProviderName;
  /**
   * Bit-identical runs and exact resume on CPU (default true): every ORT session runs on one
   * intra-op thread. False: sampling and scoring use every core (faster, not guaranteed
   * reproducible); train steps stay on one thread (see `hasScatterND` in engine/runtime.ts).
   */
  deterministic: boolean;
  /** Completions per prompt and agent, the group size G (default 4). */ groupSize: number;
  /** Joint-action mode (default "aligned"). */ jointMode: JointMode;
  /** With `cross`, how joint rewards combine per completion (default "mean"). */
  crossAggregate: CrossAggregate;
  /** Turns per episode (default 1). */ turns: number;
  /** Discount γ across turns (default 0.9). */ gamma: number;
  /**
   * Multi-turn early termination (default null: always expand): a node is not expanded when the
   * mean of its G sibling joint actions' immediate rewards (shaped or raw: `earlyStopOn`) is
   * strictly greater than this.
   */
  earlyStopThreshold: number | null;
  /**
   * Which rewards the early-termination test reads (default "shaped": after `rewardScale`,
   * `rewardShift` and `rewardClamp`, as the authors' trainer does; "raw": as the reward returned).
   */
  earlyStopOn: EarlyStopOn;
  /**
   * When the policies are updated (default "group": one AdamW step per agent for each node's
   * group of G joint actions, children before parents, as the authors' trainer; "joint": one
   * step per agent over every sample of the training step).
   */
  updateSchedule: UpdateSchedule;
  /** Group-relative advantages. */
  advantage: {
    /** Baseline (default "mean"). */ baseline: Baseline;
    /** Divide by the group's standard deviation (default false). */ normalize: boolean;
  };
  /** Token aggregation of the policy loss (default "sequence_sum"). */ aggregation: Aggregation;
  /** PPO clip range ε (default 0: no ratio, no clipping). */ clipEps: number;
  /** Policy updates per batch of rollouts (default 1). */ innerIterations: number;
  /** Weight β of the KL penalty to the initial policy (default 0: off). */ klBeta: number;
  /** Rollout sampling. */
  sampling: {
    /** Longest completion in tokens (default 32). */ maxNewTokens: number;
    /** Softmax temperature, 0 = greedy (default 1). */ temperature: number;
    /** Keep the K most likely tokens, 0 = off (default 0). */ topK: number;
    /** Nucleus sampling mass (default 1: off). */ topP: number;
    /** Strings that end a completion (default none). */ stop: string[];
    /** Wrap prompts in the tokenizer's chat template (default false: raw text). */
    chatTemplate: boolean;
  };
  /** AdamW and learning-rate schedule. */
  optimizer: {
    /** Peak learning rate (default 1e-4). */ lr: number;
    /** First-moment decay β₁ (default 0.9). */ beta1: number;
    /** Second-moment decay β₂ (default 0.999). */ beta2: number;
    /** Denominator ε (default 1e-8). */ eps: number;
    /** Decoupled weight decay (default 0, as the authors). */ weightDecay: number;
    /** Clip the global gradient norm, 0 = off (default 0, as the authors). */ maxGradNorm: number;
    /** Linear warm-up steps (default 0). */ warmupSteps: number;
    /** Schedule after warm-up (default "constant"). */ schedule: ScheduleName;
  };
  /** Training steps (default 100). */ steps: number;
  /** Prompts per step (default 1). */ promptsPerStep: number;
  /** Seed of every random stream (default 0). */ seed: number;
  /** Rewards become `clamp(reward · rewardScale + rewardShift)` (default 1). */
  rewardScale: number;
  /** Added after scaling (default 0). */ rewardShift: number;
  /** `[min, max]` clamp of shaped rewards (default null: none). */
  rewardClamp: [number, number] | null;
  /**
   * A reward call whose promise has not settled after this many milliseconds fails the step,
   * naming the example (default 600000: 10 minutes).
   */
  rewardTimeoutMs: number;
  /** Periodic evaluation. */
  eval: {
    /** Evaluate every this many steps, 0 = off (default 0). */ every: number;
    /** The first this many eval rows (default null: every eval row). */ prompts: number | null;
    /** Greedy decoding for evaluation, with one sample (default true). */ greedy: boolean;
    /** Episodes per eval row; n > 1: sampled, with pass@k (default 1). */ samples: number;
  };
  /** Logging. */
  log: {
    /** Run folder; `<name>` becomes the run name (default "runs/<name>"). */ dir: string;
    /** Run name (default `<algorithm>-<env.name>-seed<seed>`). */ name?: string;
    /** Log sampled completions every this many steps, 0 = off (default 10). */
    completionsEvery: number;
    /** Write TensorBoard event files beside `metrics.jsonl` (default true). */
    tensorboard: boolean;
  };
  /** Checkpoints. */
  checkpoint: {
    /** Save every this many steps, 0 = off (default 50). */ every: number;
    /** Keep the newest this many checkpoints (default 2). */ keep: number;
  };
}

/** Settings that the trainer cannot run together (checked after every key is valid). */
function combinationProblems(cfg: TrainerConfig): string[] {
  const out: string[] = [];
  if (cfg.jointMode === "cross" && cfg.algorithm !== "magrpo") {
    out.push(
      `jointMode: "cross" applies to algorithm "magrpo" only; "${cfg.algorithm}" samples ` +
        `aligned groups (use jointMode "aligned")`,
    );
  } else if (cfg.jointMode === "cross" && cfg.turns > 1) {
    out.push(
      `jointMode: "cross" needs turns = 1 (multi-turn trees use aligned joint actions), got turns ${cfg.turns}`,
    );
  }
  const policies = cfg.algorithm === "grpo_single" ? 1 : cfg.agents;
  if (Array.isArray(cfg.model) && cfg.model.length !== policies) {
    out.push(
      `model: lists ${cfg.model.length} folder(s) but ${cfg.algorithm} trains ${policies} ` +
        `polic${policies === 1 ? "y" : "ies"} (agents ${cfg.agents}); give one folder per agent, ` +
        `or one path for all`,
    );
  }
  if (cfg.turns > 1 && cfg.algorithm === "independent") {
    out.push(
      `turns: algorithm "${cfg.algorithm}" is single-turn (turns = 1), got ${cfg.turns}`,
    );
  }
  for (const key of ["trainSlice", "evalSlice"] as const) {
    const v = cfg.env[key];
    if (v !== undefined && !SLICE.test(v)) {
      out.push(
        `env.${key}: expected a Python slice "start:stop" (e.g. "33:163", ":32"), got ${show(v)}`,
      );
    }
  }
  return out;
}

/**
 * The defaults (deeply frozen: copy before changing, or pass overrides to {@link validateConfig}).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { DEFAULT_CONFIG } from "./config.ts";
 * assert.equal(DEFAULT_CONFIG.groupSize, 4);
 * ```
 */
export const DEFAULT_CONFIG: TrainerConfig = deepFreeze(
  mergeConfig(SCHEMA, {}, "", []) as unknown as TrainerConfig,
);

/**
 * Checks a (partial) config object and merges it over {@link DEFAULT_CONFIG}. Every problem is
 * reported in one {@link UserError} naming `source`, each with its dotted key path, what was
 * expected and what was found. Optional keys may be omitted or null. Combinations the trainer
 * cannot run are problems too: `jointMode: "cross"` with any algorithm but `magrpo` (the
 * baselines sample aligned groups) or with `turns > 1` (trees are aligned), and `turns > 1`
 * with `independent` (a single-turn baseline; `grpo_single` with `turns > 1` needs the
 * environment's `singleTransition`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { validateConfig } from "./config.ts";
 * const cfg = validateConfig({ groupSize: 8, optimizer: { lr: 3e-5 } }, "inline");
 * assert.equal(cfg.optimizer.beta2, 0.999); // the default
 * // Throws one UserError listing both problems (groupSize too small, "optimzer" misspelt):
 * assert.throws(() => validateConfig({ groupSize: 0, optimzer: {} }, "run.json"), /2 problems/);
 * ```
 */
export function validateConfig(json: unknown, source: string): TrainerConfig {
  if (!isPlainObject(json)) {
    throw new UserError(`${source}: expected a JSON object of settings, got ${show(json)}`);
  }
  const { $schema: _, ...settings } = json; // editors' schema pointer, not a setting
  const problems: string[] = [];
  const cfg = mergeConfig(SCHEMA, settings, "", problems);
  problems.push(...groupSizeProblem(settings));
  if (!problems.length) problems.push(...combinationProblems(cfg as unknown as TrainerConfig));
  if (problems.length) {
    const n = problems.length;
    throw new UserError(
      `${source}: invalid trainer config (${n} problem${n > 1 ? "s" : ""}):\n` +
        problems.map((p) => `  - ${p}`).join("\n"),
    );
  }
  return cfg as unknown as TrainerConfig;
}

/** Options of {@link loadConfig}. */
export interface LoadConfigOptions {
  /** `key=value` overrides applied over the file (`--set`; typed by the schema). */
  set?: readonly string[];
}

/**
 * Reads and validates a config file: JSON, or YAML (`.yaml`/`.yml`); a `$schema` key is
 * ignored; relative paths (`model`, `env.dataPath`, `env.evalDataPath`, `log.dir`) resolve
 * against the file's folder; `set` overrides are applied last (see `config_file.ts`,
 * `config_overrides.ts` and {@link validateConfig}).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { loadConfig } from "./config.ts";
 * const path = new URL("../../data/configs/toy_magrpo.yaml", import.meta.url).pathname;
 * const cfg = await loadConfig(path, { set: ["steps=10"] });
 * assert.equal(cfg.steps, 10);
 * ```
 */
export async function loadConfig(
  path: string,
  opts: LoadConfigOptions = {},
): Promise<TrainerConfig> {
  const file = await readConfigFile(path);
  const source = file.path === path ? path : `${path} (${file.path})`;
  return validateConfig(applyOverrides(file.json, opts.set ?? [], source), source);
}

/**
 * A plain JSON object of `cfg` with keys in schema order (omitted optional keys stay omitted):
 * `validateConfig(configToJson(cfg), …)` gives back an equal config.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { configToJson, DEFAULT_CONFIG, validateConfig } from "./config.ts";
 * const json = JSON.stringify(configToJson(DEFAULT_CONFIG), null, 2); // what a config file holds
 * assert.deepEqual(validateConfig(JSON.parse(json), "config.json"), DEFAULT_CONFIG);
 * ```
 */
export function configToJson(cfg: TrainerConfig): Record<string, unknown> {
  const walk = (fields: Fields, v: Record<string, unknown>) => {
    const out: Record<string, unknown> = {};
    for (const [k, s] of Object.entries(fields)) {
      if (v[k] === undefined) continue;
      out[k] = s.kind === "object"
        ? walk(s.fields, v[k] as Record<string, unknown>)
        : structuredClone(v[k]);
    }
    return out;
  };
  return walk(SCHEMA, cfg as unknown as Record<string, unknown>);
}

/**
 * The run name (`log.name`, else `<algorithm>-<env.name>-seed<seed>`) and the run folder
 * (`log.dir` with `<name>` replaced by it). `envName` replaces `env.name` (an environment
 * object's name, see `train(cfg, { environment })`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { DEFAULT_CONFIG, runPaths } from "./config.ts";
 * assert.deepEqual(runPaths(DEFAULT_CONFIG), { name: "magrpo-toy-seed0", dir: "runs/magrpo-toy-seed0" });
 * ```
 */
export function runPaths(
  cfg: TrainerConfig,
  envName: string = cfg.env.name,
): { name: string; dir: string } {
  const name = cfg.log.name ?? `${cfg.algorithm}-${envName}-seed${cfg.seed}`;
  return { name, dir: cfg.log.dir.replaceAll("<name>", name) };
}

/**
 * A Markdown table of every key (dotted path), its type, its default and its meaning.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { describeConfig } from "./config.ts";
 * assert.ok(describeConfig().startsWith("| key | type | default | meaning |"));
 * ```
 */
export function describeConfig(): string {
  const cell = (s: string) => s.replaceAll("|", "\\|");
  const rows: string[] = [];
  const walk = (fields: Fields, prefix: string) => {
    for (const [k, s] of Object.entries(fields)) {
      if (s.kind === "object") {
        walk(s.fields, `${prefix}${k}.`);
        continue;
      }
      const type = cell(typeText(s)) + (s.optional ? " (optional)" : "");
      const dflt = s.default === undefined ? "(unset)" : `\`${JSON.stringify(s.default)}\``;
      rows.push(`| \`${prefix}${k}\` | ${type} | ${cell(dflt)} | ${cell(s.doc)} |`);
    }
  };
  walk(SCHEMA, "");
  return ["| key | type | default | meaning |", "| --- | --- | --- | --- |", ...rows].join("\n");
}

/**
 * Keys that may differ between a checkpoint's config and the config that resumes it: the
 * step budget (the learning-rate schedule then follows the new total), evaluation,
 * checkpointing, logging, the execution provider and `deterministic` (threads change speed
 * and the last bits, not the algorithm), the reward timeout and `env.sandboxUnsafe` (a
 * property of the machine, not of the run). A pattern `a.*` covers every key under `a`.
 */
export const RESUME_SAFE_KEYS: readonly string[] = Object.freeze([
  "steps",
  "ep",
  "deterministic",
  "rewardTimeoutMs",
  "env.sandboxUnsafe",
  "eval.*",
  "checkpoint.*",
  "log.*",
]);

/** Dotted leaf paths → JSON text of their values (arrays are leaves). */
function flatten(v: unknown, prefix = "", out = new Map<string, string>()): Map<string, string> {
  if (isPlainObject(v)) {
    for (const [k, x] of Object.entries(v)) flatten(x, prefix ? `${prefix}.${k}` : k, out);
  } else if (v !== undefined) out.set(prefix, JSON.stringify(v));
  return out;
}

const isSafe = (key: string) =>
  RESUME_SAFE_KEYS.some((p) => p.endsWith(".*") ? key.startsWith(p.slice(0, -1)) : key === p);

/**
 * The keys (dotted paths, sorted) whose values differ between a checkpoint's stored config and
 * `current`, ignoring {@link RESUME_SAFE_KEYS}; each entry reads `key: saved → current`. An
 * empty list means the run can be resumed exactly.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { DEFAULT_CONFIG, resumeConflicts } from "./config.ts";
 * const saved = { ...DEFAULT_CONFIG, groupSize: 8, steps: 10 };
 * assert.deepEqual(resumeConflicts(saved, DEFAULT_CONFIG), ["groupSize: 8 → 4"]); // steps may change
 * ```
 */
export function resumeConflicts(saved: unknown, current: TrainerConfig): string[] {
  const a = flatten(saved), b = flatten(current);
  const keys = [...new Set([...a.keys(), ...b.keys()])].filter((k) => !isSafe(k)).sort();
  return keys.filter((k) => a.get(k) !== b.get(k)).map((k) =>
    `${k}: ${a.get(k) ?? "(unset)"} → ${b.get(k) ?? "(unset)"}`
  );
}
