/**
 * The measurements behind the writing reward of {@link ./writing_reward.ts}: its configuration
 * type, text measures that match the authors' Python (whitespace tokens, code points, `\w+`
 * words), ratio bands, transition categories and vocabulary overlap. Every function here is
 * ungated and pure; the gating lives in `writing_reward.ts`.
 *
 * @module
 */

import { splitWhitespace } from "../metrics/codebleu_bleu.ts";

/**
 * A scored range for a ratio: full `weight` on the closed `optimum`, linear ramps down to 0 at
 * the ends of the closed `acceptable` range, and outside `acceptable` the gate closes.
 * Use `Infinity` for an open upper end.
 */
export interface RatioBand {
  /** [low, high] where the full weight is given. */
  optimum: readonly [number, number];
  /** [low, high] outside which the level gives 0 and stops the evaluation. */
  acceptable: readonly [number, number];
  /** Credit at the optimum. */
  weight: number;
}

/** The result of scoring a value against a {@link RatioBand}. */
export interface BandScore {
  /** Credit earned, in [0, weight]. */
  reward: number;
  /** Whether the gate is open (the value lies in the acceptable range). */
  pass: boolean;
}

/** Everything that defines one writing reward; plain data, so a notebook can tweak a copy. */
export interface WritingRewardConfig {
  /** Short name used in error messages, e.g. `"tldr"`. */
  name: string;
  /** Inclusive [min, max] whitespace-token count required of BOTH texts (L1). */
  tokenRange: readonly [number, number];
  /** Credit for passing L1. */
  tokenReward: number;
  /** Band for ρ = chars(c2) / chars(c1) (L2). */
  lengthRatio: RatioBand;
  /** Band for u = unique words of c2 / unique words of c1 (L3). */
  uniqueWordRatio: RatioBand;
  /** Which text the transition categories are counted in: c2 only, or c1 and c2 together. */
  transitionsIn: "second" | "both";
  /** `"substring"` (the authors' `phrase in text`) or `"word"` (whole words/phrases only). */
  transitionMatch: "substring" | "word";
  /** Transition-phrase categories (category → lowercase phrases). */
  transitionCategories: Readonly<Record<string, readonly string[]>>;
  /** Words left out of the Jaccard vocabularies. */
  stopwords: ReadonlySet<string>;
  /** Weight of T in L4. */
  transitionWeight: number;
  /** Weight of Ĵ in L4. */
  jaccardWeight: number;
  /** Ĵ = min(J, cap) / cap. */
  jaccardCap: number;
}

/** Raw, ungated measurements of one pair of texts (what the levels are computed from). */
export interface WritingMeasurements {
  /** Whitespace-token counts [c1, c2]. */
  tokens: [number, number];
  /** Code-point lengths [c1, c2]. */
  chars: [number, number];
  /** Unique-word counts [c1, c2] (stopwords kept). */
  uniqueWords: [number, number];
  /** chars(c2) / chars(c1), or `null` when c1 is empty. */
  lengthRatio: number | null;
  /** uniqueWords(c2) / uniqueWords(c1), or `null` when c1 has no words. */
  uniqueWordRatio: number | null;
  /** Transition categories found (sorted). */
  transitionCategories: string[];
  /** T in [0, 1]. */
  transitionScore: number;
  /** Jaccard overlap J of the non-stopword vocabularies. */
  jaccard: number;
  /** Ĵ = min(J, cap) / cap. */
  jaccardScore: number;
}

/** Python's Unicode `\w+`: letters, digits/numbers and underscore. */
const WORD = /[\p{L}\p{N}_]+/gu;

/** Number of whitespace-separated tokens (Python's `len(text.split())`). */
export function countWhitespaceTokens(text: string): number {
  return splitWhitespace(text).length;
}

/** Number of Unicode code points (Python's `len(text)`). */
export function countCodePoints(text: string): number {
  let n = 0;
  for (const _ of text) n++;
  return n;
}

/** Lowercase words of a text (Python's `re.findall(r"\b\w+\b", text.lower())`). */
export function lowercaseWords(text: string): string[] {
  return text.toLowerCase().match(WORD) ?? [];
}

/**
 * Scores `x` against a band: full weight on the optimum, linear ramps on the acceptable margins,
 * gate closed (reward 0) outside, and also when `x` is `null` (an undefined ratio).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { bandScore } from "./writing_measure.ts";
 * const band = { optimum: [1.6, 3.2], acceptable: [1.1, 5.0], weight: 1 } as const;
 * bandScore(1.35, band); // { reward: ≈0.5, pass: true } (midpoint of the lower ramp)
 * assert.deepEqual(bandScore(6, band), { reward: 0, pass: false });
 * ```
 */
export function bandScore(x: number | null, band: RatioBand): BandScore {
  const [optLo, optHi] = band.optimum;
  const [accLo, accHi] = band.acceptable;
  if (x === null || !(x >= accLo && x <= accHi)) {
    return { reward: 0, pass: false };
  }
  if (x >= optLo && x <= optHi) return { reward: band.weight, pass: true };
  if (x < optLo) {
    return {
      reward: band.weight * ((x - accLo) / (optLo - accLo)),
      pass: true,
    };
  }
  return {
    reward: band.weight * (1 - (x - optHi) / (accHi - optHi)),
    pass: true,
  };
}

const wordRegexCache = new Map<string, RegExp>();

function containsPhrase(
  lowerText: string,
  phrase: string,
  mode: "substring" | "word",
): boolean {
  if (mode === "substring") return lowerText.includes(phrase);
  let re = wordRegexCache.get(phrase);
  if (!re) {
    const escaped = phrase.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    re = new RegExp(`(?<![\\p{L}\\p{N}_])${escaped}(?![\\p{L}\\p{N}_])`, "u");
    wordRegexCache.set(phrase, re);
  }
  return re.test(lowerText);
}

/**
 * The transition categories with at least one phrase present in `text` (sorted).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { transitionCategoriesIn } from "./writing_measure.ts";
 * import { TRANSITION_CATEGORIES } from "./writing_words.ts";
 * assert.deepEqual(transitionCategoriesIn("However, it rained.", TRANSITION_CATEGORIES), ["concession", "contrast"]);
 * ```
 */
export function transitionCategoriesIn(
  text: string,
  categories: Readonly<Record<string, readonly string[]>>,
  mode: "substring" | "word" = "substring",
): string[] {
  const lower = text.toLowerCase();
  return Object.keys(categories)
    .filter((name) => categories[name].some((p) => containsPhrase(lower, p, mode)))
    .sort();
}

/** T for k distinct categories: 0 if none, else min(0.4 + 0.05·(k − 1), 1). */
export function transitionScore(k: number): number {
  return k <= 0 ? 0 : Math.min(0.4 + 0.05 * (k - 1), 1);
}

/** Jaccard overlap of two texts' non-stopword vocabularies; 1 when both are empty. */
export function vocabularyJaccard(
  a: string,
  b: string,
  stopwords: ReadonlySet<string>,
): number {
  const vocab = (t: string) => new Set(lowercaseWords(t).filter((w) => !stopwords.has(w)));
  const sa = vocab(a);
  const sb = vocab(b);
  if (sa.size === 0 && sb.size === 0) return 1;
  let inter = 0;
  for (const w of sa) if (sb.has(w)) inter++;
  return inter / (sa.size + sb.size - inter);
}

/**
 * Every raw quantity the reward uses, computed without gating (for logs and plots).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { measureWriting } from "./writing_measure.ts";
 * import { TLDR_REWARD_CONFIG } from "./tldr.ts";
 * assert.equal(measureWriting("short one", "a much longer one", TLDR_REWARD_CONFIG).lengthRatio, 17 / 9);
 * ```
 */
export function measureWriting(
  first: string,
  second: string,
  config: WritingRewardConfig,
): WritingMeasurements {
  const chars: [number, number] = [
    countCodePoints(first),
    countCodePoints(second),
  ];
  const uniqueWords: [number, number] = [
    new Set(lowercaseWords(first)).size,
    new Set(lowercaseWords(second)).size,
  ];
  const categoryTexts = config.transitionsIn === "both" ? [first, second] : [second];
  const found = new Set<string>();
  for (const t of categoryTexts) {
    for (
      const c of transitionCategoriesIn(
        t,
        config.transitionCategories,
        config.transitionMatch,
      )
    ) {
      found.add(c);
    }
  }
  const transitionCategories = [...found].sort();
  const jaccard = vocabularyJaccard(first, second, config.stopwords);
  return {
    tokens: [countWhitespaceTokens(first), countWhitespaceTokens(second)],
    chars,
    uniqueWords,
    lengthRatio: chars[0] > 0 ? chars[1] / chars[0] : null,
    uniqueWordRatio: uniqueWords[0] > 0 ? uniqueWords[1] / uniqueWords[0] : null,
    transitionCategories,
    transitionScore: transitionScore(transitionCategories.length),
    jaccard,
    jaccardScore: Math.min(jaccard, config.jaccardCap) / config.jaccardCap,
  };
}
