/**
 * Choosing the next token from one row of logits: greedy, or sampling with temperature,
 * top-k and top-p (nucleus) filtering, every draw from an explicit {@link Rng}. Pure
 * functions over one vocabulary row (O(V log V) at most), so they are unit-testable with
 * hand-computed numbers.
 *
 * @module
 */
import type { Rng } from "../util/rng.ts";
import { UserError } from "../util/errors.ts";

/** How to choose a token. */
export interface ChooseOptions {
  /** Softmax temperature; 0 means greedy (default 1). */
  temperature?: number;
  /** Keep only the k most likely tokens (0 = off). */
  topK?: number;
  /** Keep the smallest set of most likely tokens whose probability reaches p (1 = off). */
  topP?: number;
}

/** log Σ exp(row). */
export function logSumExp(row: ArrayLike<number>): number {
  let m = -Infinity;
  for (let i = 0; i < row.length; i++) if (row[i] > m) m = row[i];
  if (m === -Infinity) return m;
  let s = 0;
  for (let i = 0; i < row.length; i++) s += Math.exp(row[i] - m);
  return m + Math.log(s);
}

/** Index of the largest value (lowest index on ties). */
export function argmax(row: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < row.length; i++) if (row[i] > row[best]) best = i;
  return best;
}

/**
 * The logit threshold below which tokens are dropped by top-k / top-p, for logits already
 * divided by the temperature. Tokens tied at the threshold are kept.
 */
export function filterThreshold(
  scaled: Float64Array,
  topK: number,
  topP: number,
): number {
  const k = topK > 0 ? Math.min(topK, scaled.length) : scaled.length;
  if (k === scaled.length && topP >= 1) return -Infinity;
  const sorted = Float64Array.from(scaled).sort().reverse();
  let cut = sorted[k - 1];
  if (topP < 1) {
    const lse = logSumExp(sorted);
    let cum = 0;
    for (let i = 0; i < k; i++) {
      cum += Math.exp(sorted[i] - lse);
      if (cum >= topP) {
        cut = Math.max(cut, sorted[i]);
        break;
      }
    }
  }
  return cut;
}

/**
 * Chooses a token from `logits` (one row). Returns the token and its log-probability under
 * the model's own distribution (temperature 1, no filtering), which is what the policy
 * gradient and scoring use.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { chooseToken } from "./choose.ts";
 * import { makeRng } from "../util/rng.ts";
 * const { token } = chooseToken(new Float32Array([0, 5, 1]), { temperature: 0 }, makeRng(1));
 * assert.equal(token, 1); // greedy
 * ```
 */
export function chooseToken(
  logits: ArrayLike<number>,
  opts: ChooseOptions,
  rng: Rng,
): { token: number; logprob: number } {
  for (let i = 0; i < logits.length; i++) {
    if (Number.isNaN(logits[i])) {
      throw new UserError(
        `chooseToken: logit ${i} of ${logits.length} is NaN (the model's weights or inputs ` +
          `produced NaN; check the checkpoint for NaN/Inf values)`,
      );
    }
  }
  const lse = logSumExp(logits);
  if (!Number.isFinite(lse)) {
    throw new UserError(
      `chooseToken: the log-sum-exp of the ${logits.length} logits is ${lse}, expected a finite value`,
    );
  }
  const temp = opts.temperature ?? 1;
  if (temp <= 0) {
    const token = argmax(logits);
    return { token, logprob: logits[token] - lse };
  }
  const scaled = Float64Array.from(logits, (x) => x / temp);
  const cut = filterThreshold(scaled, opts.topK ?? 0, opts.topP ?? 1);
  let m = -Infinity;
  for (let i = 0; i < scaled.length; i++) {
    if (scaled[i] >= cut && scaled[i] > m) m = scaled[i];
  }
  let z = 0;
  for (let i = 0; i < scaled.length; i++) {
    if (scaled[i] >= cut) z += Math.exp(scaled[i] - m);
  }
  let u = rng.next() * z, token = -1;
  for (let i = 0; i < scaled.length; i++) {
    if (scaled[i] < cut) continue;
    token = i;
    u -= Math.exp(scaled[i] - m);
    if (u < 0) break;
  }
  return { token, logprob: logits[token] - lse };
}
