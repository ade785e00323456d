/**
 * Token aggregation: how per-token loss terms are summed into one loss, expressed as token
 * weights `w` (the loss is `Σ_t w_t · ℓ_t`). With B sequences, completion mask m and
 * completion lengths |o_b|:
 *
 * - `"sequence_sum"` (the MAGRPO paper): `−mean_b(A_b · Σ_t log π)` → `w = m / B`;
 * - `"grpo"` (TRL): mean over each sequence's tokens, then over sequences → `w = m / (|o_b|·B)`;
 * - `"bnpo"` (TRL): mean over all completion tokens of the batch → `w = m / Σ m`;
 * - `"dr_grpo"` (TRL, Dr. GRPO): `w = m / (B · L_max)` with L_max the longest allowed completion;
 * - `"dapo"` (TRL): token-level mean over the whole (global) batch → `w = m / Σ m` (the same as
 *   `bnpo` in a single process).
 *
 * @module
 */
import type { PackedBatch } from "../policy/pack.ts";
import type { PgBatch } from "./train_step.ts";
import { UserError } from "../util/errors.ts";

/** A token aggregation mode. */
export type Aggregation = "sequence_sum" | "grpo" | "bnpo" | "dr_grpo" | "dapo";

/** All aggregation modes. */
export const AGGREGATIONS: readonly Aggregation[] = [
  "sequence_sum",
  "grpo",
  "bnpo",
  "dr_grpo",
  "dapo",
];

/**
 * Token weights for `mask` (`[B·T]`, 1 on completion tokens) under an aggregation mode.
 * `sequences` is B (rows with at least one token may be fewer: padding rows have mask 0).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { tokenWeights } from "./aggregation.ts";
 * // two sequences of 2 and 1 completion tokens, T = 2
 * assert.deepEqual([...tokenWeights(new Float32Array([1, 1, 1, 0]), 2, 2, "grpo")], [0.25, 0.25, 0.5, 0]);
 * ```
 */
export function tokenWeights(
  mask: ArrayLike<number>,
  sequences: number,
  seqLen: number,
  mode: Aggregation,
  opts: { maxCompletionLength?: number } = {},
): Float32Array {
  const w = new Float32Array(mask.length);
  let total = 0;
  for (let i = 0; i < mask.length; i++) total += mask[i];
  for (let b = 0; b < sequences; b++) {
    let len = 0;
    for (let t = 0; t < seqLen; t++) len += mask[b * seqLen + t];
    for (let t = 0; t < seqLen; t++) {
      const k = b * seqLen + t, m = mask[k];
      if (!m) continue;
      switch (mode) {
        case "sequence_sum":
          w[k] = m / sequences;
          break;
        case "grpo":
          w[k] = m / (len * sequences);
          break;
        case "bnpo":
        case "dapo":
          w[k] = m / total;
          break;
        case "dr_grpo": {
          const lmax = opts.maxCompletionLength;
          if (!lmax || lmax < 1) {
            throw new UserError(
              "tokenWeights: 'dr_grpo' needs maxCompletionLength (the max new tokens)",
            );
          }
          w[k] = m / (sequences * lmax);
          break;
        }
        default:
          throw new UserError(
            `tokenWeights: unknown aggregation '${mode}' (one of ${AGGREGATIONS.join(", ")})`,
          );
      }
    }
  }
  return w;
}

/**
 * A train batch from packed sequences and one advantage per sequence (broadcast to its
 * tokens), with token weights of the given aggregation.
 */
export function toPgBatch(
  packed: PackedBatch,
  seqAdvantages: ArrayLike<number>,
  mode: Aggregation,
  opts: { sequences?: number; maxCompletionLength?: number } = {},
): PgBatch {
  const n = opts.sequences ?? seqAdvantages.length;
  if (seqAdvantages.length > packed.batch) {
    throw new UserError(
      `toPgBatch: ${seqAdvantages.length} advantages for ${packed.batch} rows`,
    );
  }
  const t = packed.seqLen, adv = new Float32Array(packed.batch * t);
  for (let b = 0; b < seqAdvantages.length; b++) {
    adv.fill(seqAdvantages[b], b * t, (b + 1) * t);
  }
  return {
    ids: packed.ids,
    targets: packed.targets,
    positions: packed.positions,
    attn: packed.attn,
    weights: tokenWeights(packed.mask, n, t, mode, opts),
    adv,
  };
}
