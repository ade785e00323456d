/**
 * The gated, level-based joint reward of the paper's two writing tasks (TLDR summarization and
 * arXiv introduction writing), as one configurable function. {@link ./tldr.ts} and
 * {@link ./arxiv.ts} are two configurations of it.
 *
 * For a pair (c1, c2) = (agent 1's text, agent 2's text), levels are scored in order and a
 * level that fails its gate stops the evaluation (later levels score 0):
 *
 * | level | measures | credit | gate |
 * | --- | --- | --- | --- |
 * | L1 `tokens` | whitespace-token counts of c1 and c2 | `tokenReward` if both in `tokenRange` | both in range |
 * | L2 `lengthRatio` | ρ = chars(c2) / chars(c1) | band: full on the optimum, linear ramps | ρ in the acceptable range |
 * | L3 `uniqueWords` | u = \|unique words of c2\| / \|unique words of c1\| | band, as L2 | u in the acceptable range |
 * | L4 `style` | 0.4·T + 0.6·Ĵ (transition words, vocabulary overlap) | ≤ 0.98 | — |
 *
 * Details that follow the authors' code (OpenMLRL/LLM_Collab_Writing, `rewards/*_rewards.py`):
 * - tokens split on whitespace as Python's `str.split()`; chars are Unicode code points
 *   (Python's `len`), not UTF-16 units;
 * - words are lowercase runs of Unicode letters, digits and `_` (Python's `\w+`); the unique-word
 *   ratio u keeps stopwords (the authors' docstring says "excluding stopwords" but their code
 *   counts every word; we follow the code);
 * - a band's gate is its closed acceptable range, so a ratio exactly on the outer edge scores 0
 *   at that level but still opens the next one;
 * - T = 0 with no category found, else min(0.4 + 0.05·(k − 1), 1) for k distinct categories
 *   (substring matching on the lowercased text, so `"as"` also matches inside `"has"`);
 * - J = Jaccard overlap of the two texts' non-stopword vocabularies (1 when both are empty),
 *   Ĵ = min(J, cap) / cap.
 *
 * Why the maximum is 2.98, not 3: there are 12 transition categories, so k ≤ 12 and
 * T ≤ 0.4 + 0.05·11 = 0.95 < 1; hence L4 ≤ 0.4·0.95 + 0.6·1 = 0.98 and the total is at most
 * 0.5 + 1 + 0.5 + 0.98 = 2.98 (see {@link maxWritingReward}).
 *
 * Paper names. The paper reports three writing metrics; in our reading of the levels:
 * **Structure** ↔ L1 + L2 (length bounds and the length ratio between the two texts),
 * **Consistency** ↔ L3 + the Ĵ part of L4 (vocabulary proportion and shared vocabulary),
 * **Coherence** ↔ the T part of L4 (transition words). {@link measureWriting} returns every raw
 * quantity, ungated, for logging those separately.
 *
 * @module
 */

import { UserError } from "../util/errors.ts";
import { splitWhitespace } from "../metrics/codebleu_bleu.ts";
import type { AgentHistory, Environment, RewardBreakdown } from "./types.ts";

// Re-exported so that the documented signatures below are complete.
export type { AgentHistory, Environment, RewardBreakdown };
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
 * import { bandScore } from "./writing_reward.ts";
 * const band = { optimum: [1.6, 3.2], acceptable: [1.1, 5.0], weight: 1 } as const;
 * bandScore(1.35, band); // { reward: ≈0.5, pass: true } (midpoint of the lower ramp)
 * bandScore(6, band); // { reward: 0, pass: false }
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
 * import { transitionCategoriesIn } from "./writing_reward.ts";
 * import { TRANSITION_CATEGORIES } from "./writing_words.ts";
 * transitionCategoriesIn("However, it rained.", TRANSITION_CATEGORIES); // ["concession", "contrast"]
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
 * import { measureWriting } from "./writing_reward.ts";
 * import { TLDR_REWARD_CONFIG } from "./tldr.ts";
 * measureWriting("short one", "a much longer one", TLDR_REWARD_CONFIG).lengthRatio; // 17 / 9
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

/**
 * The gated joint reward of one pair of texts. `levels` holds each level's credit
 * (`tokens`, `lengthRatio`, `uniqueWords`, `style`); levels after a closed gate are 0, and
 * `total` is their sum.
 *
 * @example
 * ```ts
 * import { writingReward } from "./writing_reward.ts";
 * import { TLDR_REWARD_CONFIG } from "./tldr.ts";
 * writingReward("", "anything", TLDR_REWARD_CONFIG).total; // 0 (L1 gate: agent 1 silent)
 * ```
 */
export function writingReward(
  first: string,
  second: string,
  config: WritingRewardConfig,
): RewardBreakdown {
  const levels = { tokens: 0, lengthRatio: 0, uniqueWords: 0, style: 0 };
  const done = () => ({
    total: levels.tokens + levels.lengthRatio + levels.uniqueWords +
      levels.style,
    levels: { ...levels },
  });
  checkWritingConfig(config);
  const m = measureWriting(first, second, config);
  const [lo, hi] = config.tokenRange;
  if (!m.tokens.every((n) => n >= lo && n <= hi)) return done();
  levels.tokens = config.tokenReward;
  const l2 = bandScore(m.lengthRatio, config.lengthRatio);
  levels.lengthRatio = l2.reward;
  if (!l2.pass) return done();
  const l3 = bandScore(m.uniqueWordRatio, config.uniqueWordRatio);
  levels.uniqueWords = l3.reward;
  if (!l3.pass) return done();
  levels.style = config.transitionWeight * m.transitionScore +
    config.jaccardWeight * m.jaccardScore;
  return done();
}

/**
 * Throws a {@link UserError} naming the field when a configuration could give NaN or a band makes
 * no sense (optimum not inside the acceptable range, token range reversed, cap not positive).
 */
export function checkWritingConfig(config: WritingRewardConfig): void {
  const where = `writing reward config '${config.name}'`;
  const [lo, hi] = config.tokenRange;
  if (!(lo >= 0 && lo <= hi)) {
    throw new UserError(
      `${where}: tokenRange must be [min, max] with 0 <= min <= max, got [${lo}, ${hi}]`,
    );
  }
  for (const key of ["lengthRatio", "uniqueWordRatio"] as const) {
    const { optimum: [o0, o1], acceptable: [a0, a1] } = config[key];
    if (!(a0 <= o0 && o0 <= o1 && o1 <= a1)) {
      throw new UserError(
        `${where}: ${key} needs acceptable[0] <= optimum[0] <= optimum[1] <= acceptable[1], ` +
          `got optimum [${o0}, ${o1}], acceptable [${a0}, ${a1}]`,
      );
    }
  }
  if (!(config.jaccardCap > 0)) {
    throw new UserError(
      `${where}: jaccardCap must be > 0, got ${config.jaccardCap}`,
    );
  }
}

/**
 * The largest total a configuration can give: L1 + both band weights + the L4 weights, with T
 * capped by the number of categories (12 categories → T ≤ 0.95, hence 2.98 for the paper's
 * settings rather than 3).
 *
 * @example
 * ```ts
 * import { maxWritingReward } from "./writing_reward.ts";
 * import { TLDR_REWARD_CONFIG } from "./tldr.ts";
 * maxWritingReward(TLDR_REWARD_CONFIG); // 2.98
 * ```
 */
export function maxWritingReward(config: WritingRewardConfig): number {
  const k = Object.keys(config.transitionCategories).length;
  return config.tokenReward + config.lengthRatio.weight +
    config.uniqueWordRatio.weight +
    config.transitionWeight * transitionScore(k) + config.jaccardWeight;
}

/** Checks that a joint action holds exactly two strings and returns them. */
function writingPair(
  completions: readonly unknown[],
  envName: string,
): [string, string] {
  if (!Array.isArray(completions) || completions.length !== 2) {
    throw new UserError(
      `${envName} reward: expected 2 completions (agent 1, agent 2), got ${
        Array.isArray(completions) ? completions.length : typeof completions
      }`,
    );
  }
  completions.forEach((c, i) => {
    if (typeof c !== "string") {
      throw new UserError(
        `${envName} reward: completion ${i} must be a string, got ${typeof c}`,
      );
    }
  });
  return [completions[0] as string, completions[1] as string];
}

/**
 * The joint reward of one joint action `[agent 1's text, agent 2's text]` under `config`; throws
 * a {@link UserError} naming `config.name` unless there are exactly two strings.
 *
 * @example
 * ```ts
 * import { jointWritingReward } from "./writing_reward.ts";
 * import { TLDR_REWARD_CONFIG } from "./tldr.ts";
 * jointWritingReward(["", "agent 1 said nothing"], TLDR_REWARD_CONFIG).total; // 0
 * ```
 */
export function jointWritingReward(
  completions: readonly string[],
  config: WritingRewardConfig,
): RewardBreakdown {
  const [first, second] = writingPair(completions, config.name);
  return writingReward(first, second, config);
}

/**
 * A two-writer environment: agent i is prompted by `formatters[i]` (and sees only that prompt),
 * and the pair is scored by {@link jointWritingReward} under `config`.
 */
export function twoWriterEnv<E>(
  name: string,
  rows: E[],
  formatters: [(example: E) => string, (example: E) => string],
  config: WritingRewardConfig,
): Environment<E> {
  return {
    name,
    numAgents: 2,
    rows,
    formatters,
    reward: (completions) => jointWritingReward(completions, config),
  };
}
