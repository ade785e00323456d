/**
 * The trainer's configuration: one typed plain object ({@link TrainerConfig}), its defaults
 * ({@link DEFAULT_CONFIG}), and a validator that merges a partial JSON object over the defaults
 * and reports every problem at once (unknown keys with a "did you mean" suggestion, wrong
 * types, out-of-range numbers, unknown enum values) in one {@link UserError}.
 *
 * One internal table describes every key: the validator, {@link configToJson} (its key order)
 * and {@link describeConfig} (the Markdown reference for the README) all read it.
 *
 * @module
 */
import { type Aggregation, AGGREGATIONS } from "./aggregation.ts";
export type { Aggregation };
import type { JointMode } from "./joint.ts";
import type { Baseline } from "./advantages.ts";
import type { LrSchedule } from "./schedule.ts";
import { UserError } from "../util/errors.ts";
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

/** The whole trainer configuration (every field present after {@link validateConfig}). */
export interface TrainerConfig {
  /** Training algorithm (default "magrpo"). */ algorithm: Algorithm;
  /** The task. */
  env: {
    /** Environment name (default "toy"). */ name: EnvName;
    /** Data file or folder (default: the environment's built-in data). */ dataPath?: string;
    /** Use at most this many data rows (default: all). */ maxRows?: number;
  };
  /** Path of a Hugging Face model folder (default "data/default-model"). */ model: string;
  /** Number of agents N (default 2). */ agents: number;
  /** onnxruntime execution provider (default "cpu"). */ ep: ExecutionProviderName;
  /** Completions per prompt and agent, the group size G (default 4). */ groupSize: number;
  /** Joint-action mode (default "aligned"). */ jointMode: JointMode;
  /** With `cross`, how joint rewards combine per completion (default "mean"). */
  crossAggregate: CrossAggregate;
  /** Turns per episode (default 1). */ turns: number;
  /** Discount γ across turns (default 0.9). */ gamma: number;
  /** Stop expanding a branch once its reward reaches this (default null: never). */
  earlyStopThreshold: number | null;
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
  };
  /** AdamW and learning-rate schedule. */
  optimizer: {
    /** Peak learning rate (default 1e-4). */ lr: number;
    /** First-moment decay β₁ (default 0.9). */ beta1: number;
    /** Second-moment decay β₂ (default 0.999). */ beta2: number;
    /** Denominator ε (default 1e-8). */ eps: number;
    /** Decoupled weight decay (default 0.01). */ weightDecay: number;
    /** Clip the global gradient norm, 0 = off (default 1). */ maxGradNorm: number;
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
  /** Periodic evaluation. */
  eval: {
    /** Evaluate every this many steps, 0 = off (default 0). */ every: number;
    /** Evaluation prompts (default 8). */ prompts: number;
    /** Greedy decoding for evaluation (default true). */ greedy: boolean;
  };
  /** Logging. */
  log: {
    /** Run folder; `<name>` becomes the run name (default "runs/<name>"). */ dir: string;
    /** Run name (default `<algorithm>-<env.name>-seed<seed>`). */ name?: string;
  };
  /** Checkpoints. */
  checkpoint: {
    /** Save every this many steps, 0 = off (default 50). */ every: number;
    /** Keep the newest this many checkpoints (default 2). */ keep: number;
  };
}

/** How one key is checked, documented and defaulted: a leaf setting or a nested object. */
type Spec =
  & { doc: string; default?: unknown; optional?: boolean; nullable?: boolean }
  & (
    // number bounds: min/max inclusive, above/below exclusive
    | { kind: "number"; int?: boolean; min?: number; above?: number; max?: number; below?: number }
    | { kind: "enum"; values: readonly string[] }
    | { kind: LeafKind }
    | { kind: "object"; fields: Fields }
  );
type Fields = Record<string, Spec>;
type LeafKind = "boolean" | "string" | "strings" | "range";
type Extra = { optional?: boolean; nullable?: boolean };
type Bounds = Extra & { min?: number; above?: number; max?: number; below?: number };
/** A leaf whose default has the type of its config field. */
type Leaf<V> = Spec & { default: V };
/** The schema of a config type: the compiler checks every key and every default. */
type Schema<T> = {
  [K in keyof T]-?: Exclude<T[K], undefined> extends unknown[] | null ? Leaf<T[K]>
    : Exclude<T[K], undefined> extends object ? Spec & { kind: "object"; fields: Schema<T[K]> }
    : Leaf<T[K]>;
};

const num = <V extends number | null | undefined>(dflt: V, doc: string, b: Bounds = {}) =>
  ({ kind: "number", default: dflt, doc, ...b }) as Leaf<V>;
const int = <V extends number | undefined>(dflt: V, doc: string, b: Bounds = {}) =>
  ({ kind: "number", int: true, default: dflt, doc, ...b }) as Leaf<V>;
const oneOf = <V extends string>(values: readonly V[], dflt: V, doc: string) =>
  ({ kind: "enum", values, default: dflt, doc }) as Leaf<V>;
const leaf = <V>(kind: LeafKind, dflt: V, doc: string, e: Extra = {}) =>
  ({ kind, default: dflt, doc, ...e }) as Leaf<V>;
const obj = <F extends Fields>(doc: string, fields: F) => ({
  kind: "object" as const,
  doc,
  fields,
});

/** Every key in {@link configToJson}'s order, with its checks, default and meaning. */
// deno-fmt-ignore
const SCHEMA: Schema<TrainerConfig> = deepFreeze({
  algorithm: oneOf(["magrpo", "grpo_single", "independent", "critic"], "magrpo", "Training algorithm: MAGRPO, or a baseline (single-agent GRPO, independent learners, critic)."),
  env: obj("The task.", {
    name: oneOf(["toy", "tldr", "arxiv", "coding"], "toy", "Environment name."),
    dataPath: leaf("string", undefined, "Data file or folder for the environment (omit: its built-in data).", { optional: true }),
    maxRows: int(undefined, "Use at most this many data rows (omit: all).", { min: 1, optional: true }),
  }),
  model: leaf("string", "data/default-model", "Path of a Hugging Face model folder (each agent starts from it)."),
  agents: int(2, "Number of agents N.", { min: 1 }),
  ep: oneOf(["cpu", "webgpu", "cuda"], "cpu", "onnxruntime execution provider."),
  groupSize: int(4, "Completions per prompt and agent (the group size G).", { min: 1 }),
  jointMode: oneOf(["aligned", "cross"], "aligned", "Joint actions: the i-th completions of all agents together (G), or every combination (G^N)."),
  crossAggregate: oneOf(["sum", "mean"], "mean", "With `cross`: how the rewards of the joint actions holding a completion make its return."),
  turns: int(1, "Turns per episode.", { min: 1 }),
  gamma: num(0.9, "Discount across turns.", { min: 0, max: 1 }),
  earlyStopThreshold: num(null, "Stop expanding a branch once its reward reaches this value (null: never).", { nullable: true }),
  advantage: obj("Group-relative advantages.", {
    baseline: oneOf(["mean", "rloo", "max", "none"], "mean", "Baseline subtracted from returns (rloo: mean of the others)."),
    normalize: leaf("boolean", false, "Divide advantages by the group's standard deviation."),
  }),
  aggregation: oneOf([...AGGREGATIONS], "sequence_sum", "Token aggregation of the policy loss (see aggregation.ts)."),
  clipEps: num(0, "PPO clip range ε (0: plain policy gradient, no ratio).", { min: 0 }),
  innerIterations: int(1, "Policy updates per batch of rollouts.", { min: 1 }),
  klBeta: num(0, "Weight β of the k3 KL penalty to the initial policy (0: off).", { min: 0 }),
  sampling: obj("Rollout sampling.", {
    maxNewTokens: int(32, "Longest completion in tokens.", { min: 1 }),
    temperature: num(1, "Softmax temperature (0: greedy).", { min: 0 }),
    topK: int(0, "Keep only the K most likely tokens (0: off).", { min: 0 }),
    topP: num(1, "Nucleus sampling mass (1: off).", { above: 0, max: 1 }),
    stop: leaf("strings", [] as string[], "Strings that end a completion."),
  }),
  optimizer: obj("AdamW and the learning-rate schedule.", {
    lr: num(1e-4, "Peak learning rate.", { above: 0 }),
    beta1: num(0.9, "First-moment decay β₁.", { min: 0, below: 1 }),
    beta2: num(0.999, "Second-moment decay β₂.", { min: 0, below: 1 }),
    eps: num(1e-8, "AdamW denominator ε.", { above: 0 }),
    weightDecay: num(0.01, "Decoupled weight decay (not on norms and biases).", { min: 0 }),
    maxGradNorm: num(1, "Clip the global gradient norm to this (0: off).", { min: 0 }),
    warmupSteps: int(0, "Linear learning-rate warm-up steps.", { min: 0 }),
    schedule: oneOf(["constant", "cosine"], "constant", "Learning-rate schedule after warm-up."),
  }),
  steps: int(100, "Training steps.", { min: 1 }),
  promptsPerStep: int(1, "Prompts per training step.", { min: 1 }),
  seed: int(0, "Seed of every random stream (init, sampling, data order)."),
  rewardScale: num(1, "Rewards become clamp(reward · rewardScale + rewardShift)."),
  rewardShift: num(0, "Added to rewards after scaling."),
  rewardClamp: leaf("range", null, "[min, max] clamp of shaped rewards (null: none).", { nullable: true }),
  eval: obj("Periodic evaluation.", {
    every: int(0, "Evaluate every this many steps (0: off).", { min: 0 }),
    prompts: int(8, "Evaluation prompts.", { min: 1 }),
    greedy: leaf("boolean", true, "Greedy decoding for evaluation."),
  }),
  log: obj("Logging.", {
    dir: leaf("string", "runs/<name>", "Run folder (metrics, checkpoints); `<name>` becomes the run name."),
    name: leaf("string", undefined, "Run name (omit: `<algorithm>-<env.name>-seed<seed>`).", { optional: true }),
  }),
  checkpoint: obj("Checkpoints.", {
    every: int(50, "Save every this many steps (0: off).", { min: 0 }),
    keep: int(2, "Keep the newest this many checkpoints.", { min: 1 }),
  }),
});

function deepFreeze<T>(x: T): T {
  if (x && typeof x === "object") {
    for (const v of Object.values(x)) deepFreeze(v);
    Object.freeze(x);
  }
  return x;
}

const isPlainObject = (x: unknown): x is Record<string, unknown> =>
  x !== null && typeof x === "object" && !Array.isArray(x);
const show = (x: unknown): string => {
  const s = typeof x === "number" || x === undefined ? String(x) : JSON.stringify(x) ?? String(x);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
};

/** The type column of a spec, e.g. `integer ≥ 1`, `number in [0, 1)`, `"a" | "b"`. */
function typeText(s: Spec): string {
  let t: string = s.kind === "strings" ? "string[]" : s.kind === "range" ? "[min, max]" : s.kind;
  if (s.kind === "enum") t = s.values.map((v) => `"${v}"`).join(" | ");
  if (s.kind === "number") {
    type End = [bracket: string, op: string, x: number];
    const lo: End | undefined = s.min !== undefined
      ? ["[", "≥", s.min]
      : s.above !== undefined
      ? ["(", ">", s.above]
      : undefined;
    const hi: End | undefined = s.max !== undefined
      ? ["]", "≤", s.max]
      : s.below !== undefined
      ? [")", "<", s.below]
      : undefined;
    const one = lo ?? hi;
    t = s.int ? "integer" : "number";
    if (lo && hi) t += ` in ${lo[0]}${lo[2]}, ${hi[2]}${hi[0]}`;
    else if (one) t += ` ${one[1]} ${one[2]}`;
  }
  return s.nullable ? `${t} or null` : t;
}

const expected = (s: Spec) =>
  s.kind === "enum"
    ? `one of ${typeText(s)}`
    : `${/^[aeiou]/.test(typeText(s)) ? "an" : "a"} ${typeText(s)}`;

/** Levenshtein distance (insertions, deletions, substitutions). */
function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length];
}

/** Every dotted key path of the schema, leaves only (`optimizer.lr`, …). */
function leafPaths(fields: Fields, prefix = ""): string[] {
  return Object.entries(fields).flatMap(([k, s]) =>
    s.kind === "object" ? leafPaths(s.fields, `${prefix}${k}.`) : [`${prefix}${k}`]
  );
}

/**
 * "did you mean" for an unknown key: the nearest sibling (edit distance ≤ a third of its length,
 * ignoring case and `_`/`-`, or a prefix of it), else a key of a close name at another level.
 */
function suggestion(key: string, siblings: string[], prefix: string): string {
  const norm = (s: string) => s.toLowerCase().replace(/[_\-\s]/g, "");
  const k = norm(key);
  const dist = (s: string) => editDistance(k, norm(s));
  const near = (s: string) =>
    dist(s) <= Math.max(1, Math.floor(norm(s).length / 3)) ||
    (k.length >= 4 && norm(s).startsWith(k));
  const best = siblings.filter(near).sort((a, b) => dist(a) - dist(b))[0];
  if (best) return ` (did you mean "${prefix}${best}"?)`;
  const elsewhere = [...Object.keys(SCHEMA), ...leafPaths(SCHEMA)]
    .filter((p) => near(p.slice(p.lastIndexOf(".") + 1)));
  return elsewhere.length ? ` (did you mean "${elsewhere[0]}"?)` : "";
}

/** Checks one leaf value; returns a problem description or undefined. */
function leafProblem(s: Spec, v: unknown): string | undefined {
  const bad = `expected ${expected(s)}, got ${show(v)}`;
  if (v === null) return s.nullable ? undefined : bad;
  switch (s.kind) {
    case "number": {
      const ok = typeof v === "number" && Number.isFinite(v) &&
        (!s.int || Number.isSafeInteger(v)) &&
        (s.min === undefined || v >= s.min) &&
        (s.max === undefined || v <= s.max) &&
        (s.above === undefined || v > s.above) &&
        (s.below === undefined || v < s.below);
      return ok ? undefined : bad;
    }
    case "enum":
      return typeof v === "string" && s.values.includes(v) ? undefined : bad;
    case "boolean":
      return typeof v === "boolean" ? undefined : bad;
    case "string":
      return typeof v === "string" ? undefined : bad;
    case "strings":
      return Array.isArray(v) && v.every((x) => typeof x === "string") ? undefined : bad;
    case "range":
      if (!Array.isArray(v) || v.length !== 2 || !v.every(Number.isFinite)) return bad;
      return v[0] <= v[1] ? undefined : `expected min ≤ max, got ${show(v)}`;
  }
  return bad;
}

/** Merges `value` over the defaults of `fields`, collecting problems. */
function merge(fields: Fields, value: Record<string, unknown>, prefix: string, problems: string[]) {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    if (!Object.hasOwn(fields, key) && value[key] !== undefined) {
      problems.push(`${prefix}${key}: unknown key${suggestion(key, Object.keys(fields), prefix)}`);
    }
  }
  for (const [key, s] of Object.entries(fields)) {
    const path = `${prefix}${key}`, v = value[key];
    if (s.kind === "object") {
      if (v !== undefined && !isPlainObject(v)) {
        problems.push(`${path}: expected an object, got ${show(v)}`);
      }
      out[key] = merge(s.fields, isPlainObject(v) ? v : {}, `${path}.`, problems);
    } else if (v === undefined || (v === null && s.optional)) {
      if (s.default !== undefined) out[key] = structuredClone(s.default);
    } else {
      const problem = leafProblem(s, v);
      if (problem) problems.push(`${path}: ${problem}`);
      out[key] = structuredClone(problem ? s.default : v);
    }
  }
  return out;
}

/**
 * The defaults (deeply frozen: copy before changing, or pass overrides to {@link validateConfig}).
 *
 * @example
 * ```ts
 * import { DEFAULT_CONFIG } from "./config.ts";
 * console.log(DEFAULT_CONFIG.groupSize); // 4
 * ```
 */
export const DEFAULT_CONFIG: TrainerConfig = deepFreeze(
  merge(SCHEMA, {}, "", []) as unknown as TrainerConfig,
);

/**
 * Checks a (partial) config object and merges it over {@link DEFAULT_CONFIG}. Every problem is
 * reported in one {@link UserError} naming `source`, each with its dotted key path, what was
 * expected and what was found. Optional keys may be omitted or null.
 *
 * @example
 * ```ts
 * import { validateConfig } from "./config.ts";
 * const cfg = validateConfig({ groupSize: 8, optimizer: { lr: 3e-5 } }, "inline");
 * console.log(cfg.optimizer.beta2); // 0.999 (default)
 * validateConfig({ groupSize: 0, optimzer: {} }, "run.json"); // throws, listing both problems
 * ```
 */
export function validateConfig(json: unknown, source: string): TrainerConfig {
  if (!isPlainObject(json)) {
    throw new UserError(`${source}: expected a JSON object of settings, got ${show(json)}`);
  }
  const problems: string[] = [];
  const cfg = merge(SCHEMA, json, "", problems);
  if (problems.length) {
    const n = problems.length;
    throw new UserError(
      `${source}: invalid trainer config (${n} problem${n > 1 ? "s" : ""}):\n` +
        problems.map((p) => `  - ${p}`).join("\n"),
    );
  }
  return cfg as unknown as TrainerConfig;
}

/**
 * Reads and validates a JSON config file (see {@link validateConfig}).
 *
 * @example
 * ```ts
 * import { loadConfig } from "./config.ts";
 * const cfg = await loadConfig("configs/toy.json");
 * ```
 */
export async function loadConfig(path: string): Promise<TrainerConfig> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (err) {
    const why = err instanceof Deno.errors.NotFound ? "file not found" : (err as Error).message;
    throw new UserError(`${path}: cannot read config (${why})`, { cause: err });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new UserError(`${path}: invalid JSON (${(err as Error).message})`, { cause: err });
  }
  return validateConfig(json, path);
}

/**
 * A plain JSON object of `cfg` with keys in schema order (omitted optional keys stay omitted):
 * `validateConfig(configToJson(cfg), …)` gives back an equal config.
 *
 * @example
 * ```ts
 * import { configToJson, DEFAULT_CONFIG } from "./config.ts";
 * await Deno.writeTextFile("config.json", JSON.stringify(configToJson(DEFAULT_CONFIG), null, 2));
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
 * (`log.dir` with `<name>` replaced by it).
 *
 * @example
 * ```ts
 * import { DEFAULT_CONFIG, runPaths } from "./config.ts";
 * runPaths(DEFAULT_CONFIG); // { name: "magrpo-toy-seed0", dir: "runs/magrpo-toy-seed0" }
 * ```
 */
export function runPaths(cfg: TrainerConfig): { name: string; dir: string } {
  const name = cfg.log.name ?? `${cfg.algorithm}-${cfg.env.name}-seed${cfg.seed}`;
  return { name, dir: cfg.log.dir.replaceAll("<name>", name) };
}

/**
 * A Markdown table of every key (dotted path), its type, its default and its meaning.
 *
 * @example
 * ```ts
 * import { describeConfig } from "./config.ts";
 * console.log(describeConfig()); // | key | type | default | meaning | ...
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
