/**
 * The trainer config's schema: one table ({@link SCHEMA}) describing every key (its checks,
 * default and meaning), and the machinery that reads it: merging a partial JSON object over the
 * defaults while collecting problems ({@link mergeConfig}), "did you mean" suggestions for
 * unknown keys, and the type text used in messages and in the README table. The public API
 * (`validateConfig`, `describeConfig`, …) is in `config.ts`.
 *
 * @module
 */
import { AGGREGATIONS } from "./aggregation.ts";
import { LORA_TARGETS, type TrainerConfig } from "./config_types.ts";

/** How one key is checked, documented and defaulted: a leaf setting or a nested object. */
export type Spec =
  & { doc: string; default?: unknown; optional?: boolean; nullable?: boolean }
  & (
    // number bounds: min/max inclusive, above/below exclusive
    | { kind: "number"; int?: boolean; min?: number; above?: number; max?: number; below?: number }
    | { kind: "enum"; values: readonly string[] }
    | { kind: LeafKind }
    | { kind: "object"; fields: Fields }
  );
/** The keys of one (nested) config object. */
export type Fields = Record<string, Spec>;
/** Kinds of leaf settings without extra checks. */
/** (`paths`: one string, or a non-empty list of strings.) */
export type LeafKind = "boolean" | "string" | "strings" | "range" | "paths";
type Extra = { optional?: boolean; nullable?: boolean };
type Bounds = Extra & { min?: number; above?: number; max?: number; below?: number };
/** A leaf whose default has the type of its config field. */
export type Leaf<V> = Spec & { default: V };
/** The schema of a config type: the compiler checks every key and every default. */
export type Schema<T> = {
  [K in keyof T]-?: Exclude<T[K], undefined> extends unknown[] | null ? Leaf<T[K]>
    : Exclude<T[K], undefined> extends object ? Spec & { kind: "object"; fields: Schema<T[K]> }
    : Leaf<T[K]>;
};

const num = <V extends number | null | undefined>(dflt: V, doc: string, b: Bounds = {}) =>
  ({ kind: "number", default: dflt, doc, ...b }) as Leaf<V>;
const int = <V extends number | null | undefined>(dflt: V, doc: string, b: Bounds = {}) =>
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

/** Every key in `configToJson`'s order, with its checks, default and meaning. */
// deno-fmt-ignore
export const SCHEMA: Schema<TrainerConfig> = deepFreeze({
  algorithm: oneOf(["magrpo", "grpo_single", "independent", "critic"], "magrpo", "Training algorithm: MAGRPO, or a baseline (single-agent GRPO, independent learners, critic)."),
  env: obj("The task.", {
    name: oneOf(["toy", "tldr", "arxiv", "coding"], "toy", "Environment name."),
    dataPath: leaf("string", undefined, "Data file or folder for the environment (omit: its built-in data).", { optional: true }),
    maxRows: int(undefined, "Use at most this many training rows (omit: all).", { min: 1, optional: true }),
    trainSlice: leaf("string", undefined, "Training rows as a Python slice of the data rows, e.g. `\"33:163\"` (the authors' `test[33:163]`; omit: the environment's split).", { optional: true }),
    evalSlice: leaf("string", undefined, "Evaluation rows as a Python slice, e.g. `\":32\"`, of `evalDataPath`'s rows if set, else of the data rows (omit: the environment's split).", { optional: true }),
    evalDataPath: leaf("string", undefined, "Evaluation data file (e.g. a test split); omit: held out from `dataPath`'s rows.", { optional: true }),
    evalFraction: num(0.2, "Share of the rows held out for evaluation by the seeded split (when no slice, eval file or authors' split applies).", { above: 0, below: 1 }),
    rewardVariant: { kind: "enum", values: ["authors", "strict"], default: undefined, optional: true, doc: "Coding reward (omit: `authors`): the MAGRPO authors' `execution_reward_aux` exactly, or ours (`strict`: AST checks, prompt helpers included, test statements of `check` run whole)." },
    feedback: { kind: "enum", values: ["authors", "full"], default: undefined, optional: true, doc: "Coding multi-turn transition (omit: `authors`): the authors' level feedback (first assert only, full history), or ours (`full`: every assert run, pass count and first failing assert shown)." },
    prompts: { kind: "enum", values: ["authors", "ours"], default: undefined, optional: true, doc: "Coding first-turn prompts (omit: `authors`): the authors' formatter strings, or ours." },
    sandboxUnsafe: leaf("boolean", false, "Run generated code even where the kernel cannot isolate it (no bubblewrap or user namespaces): resource limits and audit hook only. Unsafe: untrusted code can then read and write what your user can."),
  }),
  model: leaf("paths", "data/default-model" as string | string[], "Hugging Face model folder each agent starts from, or a list of folders, one per agent (different models and sizes allowed)."),
  agents: int(2, "Number of agents N.", { min: 1 }),
  ep: oneOf(["cpu", "webgpu", "cuda"], "cpu", "onnxruntime execution provider."),
  epFallback: leaf("boolean", true, "When `ep` cannot start (no GPU adapter, no CUDA libraries), run on CPU with one warning; false: stop with an error instead (CLI `--no-fallback`)."),
  deterministic: leaf("boolean", true, "Bit-identical runs and exact resume on CPU (ORT's deterministic compute, a fixed thread count, graphs with racy ScatterND on one thread). false: drops ORT's deterministic-compute flag (matters on GPU providers)."),
  groupSize: int(4, "Completions per prompt and agent (the group size G; at least 2, as CoMLRL requires).", { min: 1, max: 1024 }),
  jointMode: oneOf(["aligned", "cross"], "aligned", "Joint actions: the i-th completions of all agents together (G), or every combination (G^N)."),
  crossAggregate: oneOf(["sum", "mean"], "mean", "With `cross`: how the rewards of the joint actions holding a completion make its return."),
  turns: int(1, "Turns per episode.", { min: 1 }),
  gamma: num(0.9, "Discount across turns.", { min: 0, max: 1 }),
  earlyStopThreshold: num(null, "Do not expand a node whose G siblings' mean immediate reward (see `earlyStopOn`) is > this (null: never).", { nullable: true }),
  earlyStopOn: oneOf(["shaped", "raw"], "shaped", "Rewards the early-termination test reads: after `rewardScale`/`rewardShift`/`rewardClamp` (the authors'), or raw."),
  updateSchedule: oneOf(["group", "joint"], "group", "One AdamW step per agent for each node's group of G joint actions, children first (the authors'), or one step over all of a step's samples."),
  advantage: obj("Group-relative advantages.", {
    baseline: oneOf(["mean", "rloo", "max", "none"], "mean", "Baseline subtracted from returns (rloo: mean of the others)."),
    normalize: leaf("boolean", false, "Divide advantages by the group's standard deviation."),
  }),
  aggregation: oneOf([...AGGREGATIONS], "sequence_sum", "Token aggregation of the policy loss (see aggregation.ts)."),
  clipEps: num(0, "PPO clip range ε (0: plain policy gradient, no ratio).", { min: 0 }),
  innerIterations: int(1, "Policy updates per batch of rollouts.", { min: 1, max: 100 }),
  microBatchRows: int(0, "Rows per micro-batch of a policy update (0: the whole batch in one call). The loss and backward pass then run on this many rows at a time and their gradients are summed before one AdamW step: the same update up to rounding, with one micro-batch's activations in memory (rows are padded to a multiple of 4: use 1, 2 or 4).", { min: 0 }),
  klBeta: num(0, "Weight β of the k3 KL penalty to the initial policy (0: off).", { min: 0 }),
  sampling: obj("Rollout sampling.", {
    maxNewTokens: int(32, "Longest completion in tokens (prompt + this must fit the model's positions).", { min: 1, max: 131072 }),
    temperature: num(1, "Softmax temperature (0: greedy).", { min: 0 }),
    topK: int(0, "Keep only the K most likely tokens (0: off).", { min: 0 }),
    topP: num(1, "Nucleus sampling mass (1: off).", { above: 0, max: 1 }),
    stop: leaf("strings", [] as string[], "Strings that end a completion."),
    chatTemplate: leaf("boolean", false, "Wrap each prompt in the tokenizer's chat template (false: raw prompt text, as the authors tokenize)."),
  }),
  optimizer: obj("AdamW and the learning-rate schedule.", {
    lr: num(1e-4, "Peak learning rate.", { above: 0 }),
    beta1: num(0.9, "First-moment decay β₁.", { min: 0, below: 1 }),
    beta2: num(0.999, "Second-moment decay β₂.", { min: 0, below: 1 }),
    eps: num(1e-8, "AdamW denominator ε.", { above: 0 }),
    weightDecay: num(0, "Decoupled weight decay (not on norms and biases; 0 as the authors).", { min: 0 }),
    maxGradNorm: num(0, "Clip the global gradient norm to this (0: off, as the authors).", { min: 0 }),
    warmupSteps: int(0, "Linear learning-rate warm-up steps.", { min: 0 }),
    schedule: oneOf(["constant", "cosine"], "constant", "Learning-rate schedule after warm-up."),
  }),
  finetune: oneOf(["full", "lora"], "full", "What is trained: every weight (`full`), or per-agent LoRA adapters over one frozen base shared by all agents (`lora`, see `lora`)."),
  // No LoRA defaults in the authors' runs (CoMLRL's examples/tldr-multi-tasks.py, removed in
  // 6aa7b2d, has `use_peft = False` with r 1024, alpha 2048 = 2r, all seven projections):
  // we keep their targets and alpha = 2r at the usual r 16.
  lora: obj("LoRA adapters (with `finetune: \"lora\"`); saved in PEFT's layout.", {
    r: int(16, "Rank r of each adapter.", { min: 1, max: 4096 }),
    alpha: num(32, "Scaling α: the update is (α/r)·B·A (α/√r with `rslora`).", { above: 0 }),
    targets: leaf("strings", [...LORA_TARGETS] as string[], "Modules that get adapters: any of q_proj, k_proj, v_proj, o_proj, gate_proj, up_proj, down_proj."),
    rslora: leaf("boolean", false, "rsLoRA scaling α/√r instead of α/r."),
    baseDtype: oneOf(["float32", "float16"], "float32", "How the frozen base is held: float32, or float16 (half the memory: weights rounded to float16 once at load, widened inside the graphs; a weight beyond float16's range is refused). Only with `finetune: \"lora\"`."),
  }),
  steps: int(100, "Training steps.", { min: 1 }),
  promptsPerStep: int(1, "Prompts per training step.", { min: 1 }),
  seed: int(0, "Seed of every random stream (init, sampling, data order)."),
  rewardScale: num(1, "Rewards become clamp(reward · rewardScale + rewardShift)."),
  rewardShift: num(0, "Added to rewards after scaling."),
  rewardClamp: leaf("range", null, "[min, max] clamp of shaped rewards (null: none).", { nullable: true }),
  rewardTimeoutMs: int(600000, "Fail the step, naming the example, when a reward call has not settled after this many ms.", { min: 1 }),
  eval: obj("Periodic evaluation.", {
    every: int(0, "Evaluate every this many steps (0: off).", { min: 0 }),
    prompts: int(null, "Evaluate the first this many eval rows (null: every eval row).", { min: 1, nullable: true }),
    greedy: leaf("boolean", true, "Greedy decoding for evaluation (with `samples` 1)."),
    samples: int(1, "Episodes per eval row: 1, or n > 1 sampled ones with pass@k (k = 1, 2, 4, …, n) from the environment's `passed` metric.", { min: 1 }),
  }),
  log: obj("Logging.", {
    dir: leaf("string", "runs/<name>", "Run folder (metrics, checkpoints); `<name>` becomes the run name."),
    name: leaf("string", undefined, "Run name (omit: `<algorithm>-<env.name>-seed<seed>`).", { optional: true }),
    completionsEvery: int(10, "Log the sampled completions of a step's first prompt, with their rewards, to `completions.jsonl` at step 1 and every this many steps (0: off).", { min: 0 }),
    tensorboard: leaf("boolean", true, "Write the step and eval scalars as TensorBoard event files (`events.out.tfevents.*`) beside `metrics.jsonl`."),
  }),
  distributed: obj("Rollout and reward jobs on workers (`deno task worker`) through Redis + BullMQ; results are bit-identical to a local run.", {
    redis: leaf("string", undefined, "Redis URL, e.g. `redis://10.0.0.5:6379` (omit: every job runs in the trainer).", { optional: true }),
    queue: leaf("string", "magrpo", "Queue name prefix shared by the trainer and its workers."),
    attempts: int(3, "Tries of a failing job (a reward that throws) before the step fails, naming the example.", { min: 1 }),
    maxPending: int(256, "Jobs in flight per queue at most (the queues stay bounded).", { min: 1 }),
    maxPayloadBytes: int(8388608, "Largest job payload or result in bytes.", { min: 1024 }),
  }),
  checkpoint: obj("Checkpoints.", {
    every: int(50, "Save every this many steps (0: off).", { min: 0 }),
    keep: int(2, "Keep the newest this many checkpoints.", { min: 1 }),
  }),
});

/** Freezes `x` and everything inside it. */
export function deepFreeze<T>(x: T): T {
  if (x && typeof x === "object") {
    for (const v of Object.values(x)) deepFreeze(v);
    Object.freeze(x);
  }
  return x;
}

/** A non-null, non-array object. */
export const isPlainObject = (x: unknown): x is Record<string, unknown> =>
  x !== null && typeof x === "object" && !Array.isArray(x);
/** A short display form of a value for messages. */
export const show = (x: unknown): string => {
  const s = typeof x === "number" || x === undefined ? String(x) : JSON.stringify(x) ?? String(x);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
};

/** The type column of a spec, e.g. `integer ≥ 1`, `number in [0, 1)`, `"a" | "b"`. */
export function typeText(s: Spec): string {
  let t: string = s.kind === "strings"
    ? "string[]"
    : s.kind === "range"
    ? "[min, max]"
    : s.kind === "paths"
    ? "string or string[]"
    : s.kind;
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
export function leafPaths(fields: Fields, prefix = ""): string[] {
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
    case "paths":
      return typeof v === "string" ||
          (Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === "string" && x))
        ? undefined
        : bad;
    case "range":
      if (!Array.isArray(v) || v.length !== 2 || !v.every(Number.isFinite)) return bad;
      return v[0] <= v[1] ? undefined : `expected min ≤ max, got ${show(v)}`;
  }
  return bad;
}

/** Merges `value` over the defaults of `fields`, collecting problems (`prefix`: key path so far). */
export function mergeConfig(
  fields: Fields,
  value: Record<string, unknown>,
  prefix: string,
  problems: string[],
) {
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
      out[key] = mergeConfig(s.fields, isPlainObject(v) ? v : {}, `${path}.`, problems);
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
