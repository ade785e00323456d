/**
 * Learning-rate schedules: linear warmup, then constant or cosine decay to `minRatio · lr`.
 *
 * @module
 */

/** A learning-rate schedule. */
export interface LrSchedule {
  /** Peak learning rate. */
  lr: number;
  /** Steps of linear warmup from lr/warmup to lr (0 = none). */
  warmupSteps?: number;
  /** After warmup: constant, or cosine decay over the remaining steps. */
  schedule?: "constant" | "cosine";
  /** Total steps (needed for cosine). */
  totalSteps?: number;
  /** Final fraction of lr for cosine (default 0.1). */
  minRatio?: number;
}

/**
 * The learning rate of 1-based step `step`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { lrAt } from "./schedule.ts";
 * assert.deepEqual(lrAt(1, { lr: 1e-3, warmupSteps: 10 }), 1e-4);
 * assert.deepEqual(lrAt(100, { lr: 1e-3, schedule: "cosine", totalSteps: 100, minRatio: 0 }), 0);
 * ```
 */
export function lrAt(step: number, s: LrSchedule): number {
  const warm = s.warmupSteps ?? 0;
  if (step <= warm) return (s.lr * step) / warm;
  if ((s.schedule ?? "constant") === "constant" || !s.totalSteps) return s.lr;
  const min = s.minRatio ?? 0.1;
  const frac = Math.min(1, (step - warm) / Math.max(1, s.totalSteps - warm));
  return s.lr * (min + (1 - min) * 0.5 * (1 + Math.cos(Math.PI * frac)));
}
