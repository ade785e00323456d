/**
 * The typed lines of a run's `metrics.jsonl`: a {@link StepRecord} after each training step and
 * an {@link EvalRecord} after each evaluation, told apart by `type`, so that
 * `records.filter((r) => r.type === "step")` gives typed step records without a cast.
 * Per-agent fields are arrays indexed by agent (the critic's loss is `criticLoss`).
 * {@link readMetrics} reads a `metrics.jsonl` back as these types. They are type aliases (not
 * interfaces), so a record also fits where a `Record<string, unknown>` is expected.
 *
 * @module
 */

/** Reward statistics over a step's joint answers (raw rewards, before shaping). */
export type RewardSummary = {
  /** Mean joint reward. */
  mean: number;
  /** Standard deviation (population). */
  std: number;
  /** Smallest joint reward. */
  min: number;
  /** Largest joint reward. */
  max: number;
  /** Mean of each reward level (e.g. the toy task's `format`, `coop`), by name. */
  levels: Record<string, number>;
};

/** One training step: `metrics.jsonl` line with `type: "step"`. */
export type StepRecord = {
  /** Discriminator. */
  type: "step";
  /** Step number, from 1. */
  step: number;
  /** Learning rate used at this step. */
  lr: number;
  /** Joint reward statistics. */
  reward: RewardSummary;
  /** Mean shaped immediate reward per turn. */
  turnRewards: number[];
  /** Mean return per turn (with γ). */
  turnReturns: number[];
  /** Advantage statistics: mean, standard deviation, mean absolute value. */
  advantage: { mean: number; std: number; absMean: number };
  /** Per agent: the loss of the last update. */
  loss: number[];
  /** Per agent: gradient norm of the first update (before clipping). */
  gradNorm: number[];
  /** Per agent: KL to the initial policy (null: `klBeta` 0). */
  kl: (number | null)[];
  /** Per agent: fraction of clipped tokens (null: no PPO clipping). */
  clipFraction: (number | null)[];
  /** Per agent: mean negative log-probability of the sampled tokens (an entropy proxy). */
  entropy: number[];
  /** Per agent: mean completion length in tokens. */
  completionLength: number[];
  /** The critic's regression loss (`critic` only; null or absent otherwise). */
  criticLoss?: number | null;
  /** Trained tokens per second. */
  tokensPerSecond: number;
  /**
   * Wall-clock seconds: the whole step, sampling (without the reward calls), the reward calls,
   * the agents' updates, and the overhead (the rest), which add up to `total`.
   */
  seconds: { total: number; sampling: number; reward: number; update: number; overhead: number };
};

/** One evaluation: `metrics.jsonl` line with `type: "eval"`. */
export type EvalRecord = {
  /** Discriminator. */
  type: "eval";
  /** The training step after which it ran. */
  step: number;
  /** Evaluation rows. */
  rows: number;
  /** Mean joint reward and mean levels. */
  reward: { mean: number; levels: Record<string, number> };
  /** Mean shaped immediate reward per turn. */
  turnRewards: number[];
  /** Mean return per turn. */
  turnReturns: number[];
  /** Per turn: the environment's evaluation metrics (or the reward levels), averaged. */
  turnMetrics: Record<string, number>[];
  /** Per turn: pass@k by `k` (`eval.samples` > 1 only). */
  passAtK?: Record<string, number>[];
};

/** A line of `metrics.jsonl`. */
export type MetricsRecord = StepRecord | EvalRecord;

/**
 * Reads a run's `metrics.jsonl` (blank lines skipped) as typed records.
 *
 * @throws {Error} naming the file and line when a line is not JSON or has no `type`/`step`
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { readMetrics } from "./records.ts";
 * const path = await Deno.makeTempFile({ suffix: ".jsonl" });
 * await Deno.writeTextFile(path, '{"type":"step","step":1,"reward":{"mean":0.5}}\n');
 * const steps = (await readMetrics(path)).filter((r) => r.type === "step");
 * assert.deepEqual(steps.map((r) => r.reward.mean), [0.5]); // typed: no cast
 * ```
 */
export async function readMetrics(path: string): Promise<MetricsRecord[]> {
  const out: MetricsRecord[] = [];
  const lines = (await Deno.readTextFile(path)).split("\n");
  lines.forEach((line, i) => {
    if (!line.trim()) return;
    let r: unknown;
    try {
      r = JSON.parse(line);
    } catch (err) {
      throw new Error(`${path}:${i + 1}: not JSON (${(err as Error).message})`);
    }
    const o = r as { type?: unknown; step?: unknown };
    if ((o?.type !== "step" && o?.type !== "eval") || typeof o.step !== "number") {
      throw new Error(`${path}:${i + 1}: expected a step or eval record`);
    }
    out.push(r as MetricsRecord);
  });
  return out;
}
