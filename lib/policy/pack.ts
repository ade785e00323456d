/**
 * Packing prompt + completion pairs into right-padded `[B, T]` arrays for scoring and
 * training: `targets[t] = ids[t+1]`, and `mask[t] = 1` exactly where `targets[t]` is a
 * completion token (padding and anything after the completion are masked out).
 *
 * @module
 */
import { UserError } from "../util/errors.ts";

/** One sequence: prompt tokens followed by completion tokens. */
export interface PromptCompletion {
  /** Prompt tokens (context, not trained). */
  promptIds: readonly number[];
  /** Completion tokens (scored / trained). */
  ids: readonly number[];
}

/** Packed `[B·T]` arrays (row-major). */
export interface PackedBatch {
  /** Rows. */
  batch: number;
  /** Padded length. */
  seqLen: number;
  /** Input tokens. */
  ids: BigInt64Array;
  /** Next token at each position. */
  targets: BigInt64Array;
  /** Absolute positions. */
  positions: BigInt64Array;
  /** 1 for real tokens. */
  attn: Float32Array;
  /** 1 where `targets` is a completion token. */
  mask: Float32Array;
}

/** Rounds `n` up to a multiple of `bucket` (so that few distinct graph shapes are compiled). */
export function bucketLength(n: number, bucket = 16): number {
  return Math.max(bucket, Math.ceil(n / bucket) * bucket);
}

/**
 * Packs sequences right-padded to `seqLen` (default: the longest, rounded up to a multiple of
 * 16); `rows` ≥ the number of sequences adds all-padding rows (to reuse a compiled shape).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { packSequences } from "./pack.ts";
 * const b = packSequences([{ promptIds: [5, 6], ids: [7, 8] }], { seqLen: 4 });
 * assert.deepEqual([...b.ids], [5n, 6n, 7n, 8n]);
 * assert.deepEqual([...b.targets].slice(0, 3), [6n, 7n, 8n]); // then padding
 * assert.deepEqual([...b.mask], [0, 1, 1, 0]); // the completion tokens 7, 8 are predicted
 * ```
 */
export function packSequences(
  seqs: readonly PromptCompletion[],
  opts: { seqLen?: number; rows?: number; padId?: number } = {},
): PackedBatch {
  const longest = Math.max(
    1,
    ...seqs.map((s) => s.promptIds.length + s.ids.length),
  );
  const t = opts.seqLen ?? bucketLength(longest);
  const b = Math.max(seqs.length, opts.rows ?? 0),
    pad = BigInt(opts.padId ?? 0);
  if (longest > t) {
    throw new UserError(
      `packSequences: a sequence has ${longest} tokens, seqLen is ${t}`,
    );
  }
  const n = b * t;
  const out: PackedBatch = {
    batch: b,
    seqLen: t,
    ids: new BigInt64Array(n).fill(pad),
    targets: new BigInt64Array(n).fill(pad),
    positions: new BigInt64Array(n),
    attn: new Float32Array(n),
    mask: new Float32Array(n),
  };
  seqs.forEach((s, r) => {
    const all = [...s.promptIds, ...s.ids], p = s.promptIds.length;
    if (p === 0) {
      throw new UserError(`packSequences: sequence ${r} has an empty prompt`);
    }
    for (let i = 0; i < t; i++) {
      const k = r * t + i;
      out.positions[k] = BigInt(Math.min(i, all.length - 1));
      if (i < all.length) {
        out.ids[k] = BigInt(all[i]);
        out.attn[k] = 1;
      }
      if (i + 1 < all.length) out.targets[k] = BigInt(all[i + 1]);
      if (i + 1 >= p && i + 1 < all.length) out.mask[k] = 1;
    }
  });
  return out;
}
