/**
 * ROUGE-N, ROUGE-L and ROUGE-Lsum, computed as Google's `rouge-score` package does, so numbers are
 * comparable with papers that report it.
 *
 * Tokenization (as `rouge_score.tokenize`): lowercase; replace every run of characters outside
 * `[a-z0-9]` with a space (so non-ASCII letters vanish); split on whitespace; optionally Porter-stem
 * tokens longer than 3 characters; drop empty tokens. `rouge-score` stems with NLTK's default
 * Porter mode, which is the default here too (`stemmer: "nltk"`); `stemmer: "original"` runs the
 * published algorithm instead.
 *
 * Scores: precision is measured against the prediction, recall against the target, and
 * F = 2PR/(P+R) (0 when P+R = 0). Empty inputs give 0s, never NaN.
 *
 * @module
 */

import { UserError } from "../util/errors.ts";
import { porterStem, type PorterVariant } from "./porter.ts";
import { ngramCounts } from "./ngrams.ts";

export type { PorterVariant };

/** Precision, recall and F-measure of one ROUGE variant (each in [0, 1]). */
export interface RougeScore {
  /** Matches divided by the prediction's size. */
  precision: number;
  /** Matches divided by the target's size. */
  recall: number;
  /** Harmonic mean of precision and recall; 0 when both are 0. */
  fmeasure: number;
}

/** Tokenizer options shared by every ROUGE function. */
export interface RougeOptions {
  /** Porter-stem tokens longer than 3 characters (default `false`, as in `rouge-score`). */
  useStemmer?: boolean;
  /** Which Porter variant to use when stemming (default `"nltk"`, what `rouge-score` runs). */
  stemmer?: PorterVariant;
}

const ZERO: RougeScore = { precision: 0, recall: 0, fmeasure: 0 };

/**
 * Splits text into ROUGE tokens exactly as `rouge_score.tokenize.tokenize` does.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { rougeTokenize } from "./rouge.ts";
 * assert.deepEqual(rougeTokenize("The cats' running-shoes!"), ["the", "cats", "running", "shoes"]);
 * assert.deepEqual(rougeTokenize("The cats' running-shoes!", { useStemmer: true }), ["the", "cat", "run", "shoe"]);
 * ```
 */
export function rougeTokenize(
  text: string,
  options: RougeOptions = {},
): string[] {
  if (typeof text !== "string") {
    throw new UserError(`rougeTokenize: expected a string, got ${typeof text}`);
  }
  const tokens = text.toLowerCase().replace(/[^a-z0-9]+/g, " ").split(/\s+/)
    .filter((t) => t.length > 0);
  if (!options.useStemmer) return tokens;
  const variant = options.stemmer ?? "nltk";
  return tokens.map((t) => (t.length > 3 ? porterStem(t, variant) : t));
}

/** The F-measure used by `rouge-score`: 2PR/(P+R), or 0 when P+R = 0. */
export function fMeasure(precision: number, recall: number): number {
  return precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
}

/**
 * ROUGE-N: clipped n-gram overlap between target and prediction.
 *
 * @param target the reference text
 * @param prediction the generated text
 * @param n the n-gram order (1 for ROUGE-1, 2 for ROUGE-2, ...); a positive integer
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { rougeN } from "./rouge.ts";
 * assert.ok(Math.abs(rougeN("the cat sat", "the cat ran", 1).fmeasure - 2 / 3) < 1e-12); // P = R = 2/3
 * assert.deepEqual(rougeN("the cat sat", "the cat ran", 2), { precision: 0.5, recall: 0.5, fmeasure: 0.5 });
 * ```
 */
export function rougeN(
  target: string,
  prediction: string,
  n: number,
  options: RougeOptions = {},
): RougeScore {
  if (!Number.isInteger(n) || n < 1) {
    throw new UserError(`rougeN: 'n' must be a positive integer, got ${n}`);
  }
  const targetCounts = ngramCounts(rougeTokenize(target, options), n);
  const predictionCounts = ngramCounts(rougeTokenize(prediction, options), n);
  let overlap = 0;
  let targetTotal = 0;
  let predictionTotal = 0;
  for (const [gram, count] of targetCounts) {
    targetTotal += count;
    overlap += Math.min(count, predictionCounts.get(gram) ?? 0);
  }
  for (const count of predictionCounts.values()) predictionTotal += count;
  const precision = overlap / Math.max(predictionTotal, 1);
  const recall = overlap / Math.max(targetTotal, 1);
  return { precision, recall, fmeasure: fMeasure(precision, recall) };
}

/**
 * The dynamic-programming table of longest-common-subsequence lengths: `table[i][j]` is the LCS
 * length of `a[0..i)` and `b[0..j)`.
 */
function lcsTable(a: readonly string[], b: readonly string[]): Uint32Array[] {
  const table = Array.from(
    { length: a.length + 1 },
    () => new Uint32Array(b.length + 1),
  );
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      table[i][j] = a[i - 1] === b[j - 1]
        ? table[i - 1][j - 1] + 1
        : Math.max(table[i - 1][j], table[i][j - 1]);
    }
  }
  return table;
}

/**
 * Length of the longest common subsequence of two token lists.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { lcsLength } from "./rouge.ts";
 * assert.deepEqual(lcsLength(["a", "b", "c", "d"], ["a", "c", "b", "d"]), 3);
 * ```
 */
export function lcsLength(a: readonly string[], b: readonly string[]): number {
  return lcsTable(a, b)[a.length][b.length];
}

/**
 * ROUGE-L: longest common subsequence of the whole token sequences.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { rougeL } from "./rouge.ts";
 * // LCS of "a b c d e" and "a c e x" is "a c e" (3): P = 3/4, R = 3/5
 * const { precision, recall, fmeasure } = rougeL("a b c d e", "a c e x");
 * assert.deepEqual([precision, recall], [0.75, 0.6]);
 * assert.ok(Math.abs(fmeasure - 2 / 3) < 1e-12);
 * ```
 */
export function rougeL(
  target: string,
  prediction: string,
  options: RougeOptions = {},
): RougeScore {
  const t = rougeTokenize(target, options);
  const p = rougeTokenize(prediction, options);
  if (t.length === 0 || p.length === 0) return { ...ZERO };
  const lcs = lcsLength(t, p);
  const precision = lcs / p.length;
  const recall = lcs / t.length;
  return { precision, recall, fmeasure: fMeasure(precision, recall) };
}

/** Indices into `ref` of one LCS of `ref` and `can`, backtracked as `rouge-score` does. */
function lcsIndices(ref: readonly string[], can: readonly string[]): number[] {
  const table = lcsTable(ref, can);
  const out: number[] = [];
  let i = ref.length;
  let j = can.length;
  while (i > 0 && j > 0) {
    if (ref[i - 1] === can[j - 1]) {
      out.push(i - 1);
      i--;
      j--;
    } else if (table[i][j - 1] > table[i - 1][j]) j--;
    else i--;
  }
  return out.reverse();
}

function countTokens(sentences: readonly string[][]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const s of sentences) {
    for (const t of s) counts.set(t, (counts.get(t) ?? 0) + 1);
  }
  return counts;
}

/**
 * ROUGE-Lsum: summary-level LCS. Both texts are split into sentences on newlines (empty lines
 * dropped); for each target sentence the union of its LCS with every prediction sentence is
 * counted, each token at most as often as it occurs in both texts (as `rouge-score` does when the
 * caller has already put one sentence per line).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { rougeLsum } from "./rouge.ts";
 * assert.deepEqual(rougeLsum("a b\nc d", "a b\nc d"), { precision: 1, recall: 1, fmeasure: 1 });
 * ```
 */
export function rougeLsum(
  target: string,
  prediction: string,
  options: RougeOptions = {},
): RougeScore {
  const split = (text: string) =>
    text.split("\n").filter((s) => s.length > 0).map((s) => rougeTokenize(s, options));
  const refSents = split(target);
  const canSents = split(prediction);
  const m = refSents.reduce((acc, s) => acc + s.length, 0);
  const n = canSents.reduce((acc, s) => acc + s.length, 0);
  if (m === 0 || n === 0) return { ...ZERO };
  const refCounts = countTokens(refSents);
  const canCounts = countTokens(canSents);
  let hits = 0;
  for (const ref of refSents) {
    const union = new Set<number>();
    for (const can of canSents) {
      for (const i of lcsIndices(ref, can)) union.add(i);
    }
    for (const i of [...union].sort((x, y) => x - y)) {
      const token = ref[i];
      const inRef = refCounts.get(token) ?? 0;
      const inCan = canCounts.get(token) ?? 0;
      if (inRef > 0 && inCan > 0) {
        hits++;
        refCounts.set(token, inRef - 1);
        canCounts.set(token, inCan - 1);
      }
    }
  }
  const precision = hits / n;
  const recall = hits / m;
  return { precision, recall, fmeasure: fMeasure(precision, recall) };
}
