/**
 * The trainer configuration's types: {@link TrainerConfig} (one typed plain object) and the
 * names of its choices. Kept apart from `config.ts` so that the schema (`config_schema.ts`) and
 * the checks (`config_checks.ts`) can name the type without importing the validator.
 *
 * @module
 */
import type { Aggregation } from "./aggregation.ts";
import type { JointMode } from "./joint.ts";
import type { Baseline } from "./advantages.ts";
import type { LrSchedule } from "./schedule.ts";
export type { Aggregation, Baseline, JointMode };

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

/** What a run trains: every weight, or per-agent LoRA adapters over one frozen base. */
export type Finetune = "full" | "lora";
/** How a LoRA run holds its frozen base: float32, or float16 (half the memory). */
export type BaseDtype = "float32" | "float16";
/** Module names LoRA adapters can target (Llama/Qwen projections). */
export { LORA_TARGETS } from "../model/lora.ts";

/** The whole trainer configuration (every field present after `validateConfig`). */
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
   * Run on CPU, with one warning, when `ep` cannot start (default true); false: an error
   * instead of a silent CPU run.
   */
  epFallback: boolean;
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
  /** Rows per micro-batch of a policy update (default 0: the whole batch in one call). */
  microBatchRows: number;
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
  /**
   * What is trained (default "full": every weight, one fp32 copy and AdamW state per agent;
   * "lora": per-agent LoRA adapters over one frozen base shared by all agents).
   */
  finetune: Finetune;
  /** LoRA adapters (read with `finetune: "lora"`). */
  lora: {
    /** Rank r (default 16). */ r: number;
    /** Scaling numerator α: the update is `(α/r)·B·A` (default 32). */ alpha: number;
    /** Target modules (default all seven: q/k/v/o/gate/up/down_proj). */ targets: string[];
    /** rsLoRA scaling `α/√r` instead of `α/r` (default false). */ rslora: boolean;
    /**
     * How the frozen base is held (default "float32"; "float16": its weights stay float16, half
     * the memory, widened inside the graphs; `finetune: "full"` refuses it).
     */
    baseDtype: BaseDtype;
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
    /** Log sampled completions at step 1 and every this many steps, 0 = off (default 10). */
    completionsEvery: number;
    /** Write TensorBoard event files beside `metrics.jsonl` (default true). */
    tensorboard: boolean;
  };
  /** Rollout and reward jobs on workers through Redis + BullMQ (`lib/dist`); no `redis`: local. */
  distributed: {
    /** Redis URL, e.g. `redis://10.0.0.5:6379` (omit: every job runs in the trainer). */
    redis?: string;
    /** Queue name prefix shared by the trainer and its workers (default "magrpo"). */
    queue: string;
    /** Tries of a failing job before the step fails (default 3). */ attempts: number;
    /** Jobs in flight per queue at most (default 256). */ maxPending: number;
    /** Largest job payload or result in bytes (default 8 MiB). */ maxPayloadBytes: number;
  };
  /** Checkpoints. */
  checkpoint: {
    /** Save every this many steps, 0 = off (default 50). */ every: number;
    /** Keep the newest this many checkpoints (default 2). */ keep: number;
  };
}
