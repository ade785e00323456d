/**
 * The log record of a training step ({@link StepRecord}, one line of `metrics.jsonl`), built
 * from what the step collected and what the updates reported ({@link stepRecord}).
 *
 * @module
 */
import type { Collected } from "./collect.ts";
import type { UpdateMetrics } from "./update.ts";
import { rewardStats } from "./rewards.ts";
export type { Collected, UpdateMetrics };

import type { StepRecord } from "./records.ts";
export type { StepRecord };

/** Mean (0 for none). */
export const mean = (xs: number[]): number =>
  xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0;
const std = (xs: number[]) => Math.sqrt(mean(xs.map((x) => (x - mean(xs)) ** 2)));

/**
 * Per turn t, the mean of `lists[k][t]` over the lists that have that turn.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { perTurn } from "./step_record.ts";
 * assert.deepEqual(perTurn([[1, 2], [3]]), [2, 2]);
 * ```
 */
export function perTurn(lists: number[][]): number[] {
  const byTurn: number[][] = [];
  for (const l of lists) l.forEach((x, t) => (byTurn[t] ??= []).push(x));
  return byTurn.map(mean);
}

/**
 * The step's wall-clock breakdown in seconds: `sampling` (collecting minus the reward calls),
 * `reward`, `update` (the agents' updates) and `overhead` (the rest: the algorithm's own fit,
 * bookkeeping), which add up to `total`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { stepSeconds } from "./step_record.ts";
 * assert.deepEqual(stepSeconds({ start: 0, sampled: 3000, updated: 4500, end: 5000, reward: 0.5 }), { total: 5, sampling: 2.5, reward: 0.5, update: 1.5, overhead: 0.5 });
 * ```
 */
export function stepSeconds(t: StepSummary["times"]): {
  total: number;
  sampling: number;
  reward: number;
  update: number;
  overhead: number;
} {
  const reward = t.reward ?? 0, updated = t.updated ?? t.end;
  const total = (t.end - t.start) / 1000, update = (updated - t.sampled) / 1000;
  const sampling = (t.sampled - t.start) / 1000 - reward;
  return { total, sampling, reward, update, overhead: total - sampling - reward - update };
}

/** What {@link stepRecord} summarizes. */
export interface StepSummary {
  /** The step just completed. */
  step: number;
  /** Its learning rate. */
  lr: number;
  /** What was collected, one entry per example. */
  collected: Collected[];
  /** One merged entry per trained policy. */
  updates: UpdateMetrics[];
  /** Metrics of the algorithm's own update (e.g. `criticLoss`). */
  algorithm: Record<string, number>;
  /**
   * `performance.now()` at the start, after collecting, after the agents' updates (optional)
   * and at the end of the step; `reward`: seconds spent in reward calls while collecting.
   */
  times: { start: number; sampled: number; updated?: number; end: number; reward?: number };
}

/**
 * The step's record: reward statistics and levels, per-turn rewards and returns, advantage
 * statistics, per policy the last loss, first gradient norm, KL, clip fraction, entropy proxy
 * and mean completion length, the algorithm's metrics, throughput and timings (seconds).
 */
export function stepRecord(s: StepSummary): StepRecord {
  const { collected, updates } = s;
  const rs = rewardStats(collected.flatMap((c) => c.breakdowns));
  const adv = collected.flatMap((c) => c.advantages);
  const lengths = updates.map((_, i) =>
    collected.flatMap((c) => c.samples[i].map((x) => x.completion.ids.length))
  );
  const tokens = updates.reduce((a, u) => a + u.tokens, 0);
  const dt = (s.times.end - s.times.start) / 1000;
  return {
    type: "step",
    step: s.step,
    lr: s.lr,
    reward: { mean: rs.mean, std: rs.std, min: rs.min, max: rs.max, levels: rs.levels },
    turnRewards: perTurn(collected.map((c) => c.turnRewards)),
    turnReturns: perTurn(collected.map((c) => c.turnReturns)),
    advantage: { mean: mean(adv), std: std(adv), absMean: mean(adv.map(Math.abs)) },
    loss: updates.map((u) => u.losses.at(-1)!),
    gradNorm: updates.map((u) => u.gradNorms[0]),
    kl: updates.map((u) => u.kl ?? null),
    clipFraction: updates.map((u) => u.clipFraction ?? null),
    entropy: updates.map((u) => u.negLogp),
    completionLength: lengths.map((l) => mean(l)),
    ...s.algorithm,
    tokensPerSecond: tokens / dt,
    seconds: stepSeconds(s.times),
  };
}
