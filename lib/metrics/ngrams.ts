/**
 * N-gram counting shared by the text metrics (ROUGE-N, BLEU).
 *
 * @module
 */

/**
 * Counts the n-grams of `tokens`; keys join the tokens with a space (tokens hold no spaces).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ngramCounts } from "./ngrams.ts";
 * assert.deepEqual(ngramCounts(["a", "b", "a", "b"], 2), new Map([["a b", 2], ["b a", 1]]));
 * ```
 */
export function ngramCounts(
  tokens: readonly string[],
  n: number,
): Map<string, number> {
  const counts = new Map<string, number>();
  for (let i = 0; i + n <= tokens.length; i++) {
    const key = tokens.slice(i, i + n).join(" ");
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
}
