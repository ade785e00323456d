/**
 * The two n-gram parts of CodeBLEU, as the reference implementation (k4black/codebleu, derived
 * from Microsoft CodeXGLUE, itself derived from NLTK) defines them:
 *
 * - {@link corpusBleu}: corpus BLEU-4 with uniform weights, clipped counts taken against the
 *   best reference, brevity penalty from the closest reference length, and NLTK's smoothing
 *   "method1" (a zero match count becomes 0.1 over that order's unreduced denominator).
 * - {@link weightedCorpusBleu}: the "weighted n-gram match": a per-reference *recall* (reference
 *   n-grams found in the hypothesis, summed over all references), unigrams weighted 1 for
 *   keywords and 0.2 otherwise. Its brevity penalty keeps the reference's quirk: the "reference
 *   length" it uses is the length of the `[tokens, weights]` pair, i.e. always 2, so the penalty
 *   only bites for hypotheses of one token (and empty ones score 0).
 *
 * Tokens are whitespace-split, as Python's `str.split()` does ({@link splitWhitespace}).
 *
 * @module
 */
import { ngramCounts } from "./ngrams.ts";

/** Python's `str.isspace()` characters (the separators of `str.split()`), as a regex class. */
const PY_SPACE =
  "[\\t\\n\\v\\f\\r\\x1c-\\x20\\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]";
const SPACE_RUN = new RegExp(`${PY_SPACE}+`);
const EDGE_SPACE = new RegExp(`^${PY_SPACE}+|${PY_SPACE}+$`, "g");

/**
 * Splits text on runs of whitespace and drops empty pieces, like Python's `str.split()` (the
 * same Unicode whitespace set), which is CodeBLEU's default tokenizer.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { splitWhitespace } from "./codebleu_bleu.ts";
 * assert.deepEqual(splitWhitespace("def foo ( x ) :\n    return x"), ["def","foo","(","x",")",":","return","x"]);
 * ```
 */
export function splitWhitespace(text: string): string[] {
  return text.split(SPACE_RUN).filter((t) => t.length > 0);
}

/** Python's `str.strip()` (no argument): trims the same Unicode whitespace as `str.split()`. */
export function pyStrip(text: string): string {
  return text.replace(EDGE_SPACE, "");
}

/** Correctly rounded sum of a few floats (Python's `math.fsum`, Shewchuk's partials). */
function fsum(values: readonly number[]): number {
  const partials: number[] = [];
  for (let x of values) {
    let i = 0;
    for (let y of partials) {
      if (Math.abs(x) < Math.abs(y)) [x, y] = [y, x];
      const hi = x + y;
      const lo = y - (hi - x);
      if (lo !== 0) partials[i++] = lo;
      x = hi;
    }
    partials.length = i;
    partials.push(x);
  }
  return partials.reduce((a, b) => a + b, 0);
}

/** The reference length closest to `hypLen` (ties go to the shorter reference), as NLTK does. */
function closestRefLength(
  refLengths: readonly number[],
  hypLen: number,
): number {
  let best = refLengths[0];
  for (const len of refLengths) {
    const d = Math.abs(len - hypLen);
    const bestD = Math.abs(best - hypLen);
    if (d < bestD || (d === bestD && len < best)) best = len;
  }
  return best;
}

/** BLEU's brevity penalty for corpus-level lengths (0 for an empty hypothesis corpus). */
function brevityPenalty(refLength: number, hypLength: number): number {
  if (hypLength > refLength) return 1;
  if (hypLength === 0) return 0;
  return Math.exp(1 - refLength / hypLength);
}

/**
 * BP × exp(Σ ¼·log pₙ) over the four orders, after method1 smoothing (a zero numerator becomes
 * 0.1); returns 0 when no unigram matches at all.
 */
function combineOrders(
  numerators: number[],
  denominators: number[],
  bp: number,
): number {
  if (numerators[0] === 0) return 0;
  const logs = numerators.map((num, i) =>
    0.25 * Math.log((num === 0 ? 0.1 : num) / denominators[i])
  );
  return bp * Math.exp(fsum(logs));
}

/**
 * Corpus BLEU-4 (uniform weights, NLTK smoothing method1) of tokenized hypotheses against their
 * tokenized references: `references[i]` holds the one or more references of `hypotheses[i]`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { corpusBleu } from "./codebleu_bleu.ts";
 * assert.deepEqual(corpusBleu([[["a", "b", "c", "d"]]], [["a", "b", "c", "d"]]), 1);
 * ```
 */
export function corpusBleu(
  references: readonly (readonly string[])[][],
  hypotheses: readonly string[][],
): number {
  const numerators = [0, 0, 0, 0];
  const denominators = [0, 0, 0, 0];
  let hypLengths = 0;
  let refLengths = 0;
  hypotheses.forEach((hyp, k) => {
    const refs = references[k];
    for (let n = 1; n <= 4; n++) {
      const counts = ngramCounts(hyp, n);
      const refCounts = refs.map((ref) => ngramCounts(ref, n));
      let clipped = 0;
      let total = 0;
      for (const [gram, count] of counts) {
        const maxRef = Math.max(0, ...refCounts.map((rc) => rc.get(gram) ?? 0));
        clipped += Math.min(count, maxRef);
        total += count;
      }
      numerators[n - 1] += clipped;
      denominators[n - 1] += Math.max(1, total);
    }
    hypLengths += hyp.length;
    refLengths += closestRefLength(refs.map((r) => r.length), hyp.length);
  });
  return combineOrders(
    numerators,
    denominators,
    brevityPenalty(refLengths, hypLengths),
  );
}

/**
 * CodeBLEU's weighted n-gram match: like {@link corpusBleu} but each order's ratio is a recall
 * summed over every reference (reference n-grams, clipped by the hypothesis counts), and the
 * unigram counts are weighted 1 for tokens in `keywords`, 0.2 for all others.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { weightedCorpusBleu } from "./codebleu_bleu.ts";
 * assert.deepEqual(weightedCorpusBleu([[["def", "f", ":", "pass"]]], [["def", "f", ":", "pass"]], new Set(["def", "pass"])), 1);
 * ```
 */
export function weightedCorpusBleu(
  references: readonly (readonly string[])[][],
  hypotheses: readonly string[][],
  keywords: ReadonlySet<string>,
): number {
  const numerators = [0, 0, 0, 0];
  const denominators = [0, 0, 0, 0];
  let hypLengths = 0;
  hypotheses.forEach((hyp, k) => {
    for (let n = 1; n <= 4; n++) {
      const hypCounts = ngramCounts(hyp, n);
      for (const ref of references[k]) {
        let clipped = 0;
        let total = 0;
        for (const [gram, count] of ngramCounts(ref, n)) {
          const weight = n === 1 ? (keywords.has(gram) ? 1 : 0.2) : 1;
          clipped += Math.min(count, hypCounts.get(gram) ?? 0) * weight;
          total += count * weight;
        }
        numerators[n - 1] += clipped;
        denominators[n - 1] += Math.max(1, total);
      }
    }
    hypLengths += hyp.length;
  });
  // The reference measures the length of each `[tokens, weights]` pair: 2 per hypothesis.
  return combineOrders(
    numerators,
    denominators,
    brevityPenalty(2 * hypotheses.length, hypLengths),
  );
}
