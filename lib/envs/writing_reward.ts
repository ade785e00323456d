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
 * | L4a `transitions` | 0.4·T (transition-word categories) | ≤ 0.38 | — |
 * | L4b `overlap` | 0.6·Ĵ (shared non-stopword vocabulary) | ≤ 0.6 | — |
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
 * L4 of the authors' code is one number, 0.4·T + 0.6·Ĵ, reached only when L1–L3 pass; we log its
 * two terms as the separate levels `transitions` and `overlap` (their sum is that number, so the
 * total is unchanged).
 *
 * Paper names. The paper plots three writing metrics, Structure, Coherence and Consistency,
 * grouped by the authors' `plotting/plot_writing.py` as:
 * **Structure** = `tokens` + `lengthRatio` + `uniqueWords` (their level 1 + 2 + 3, max 2),
 * **Coherence** = `transitions` (their transition reward, max 0.4),
 * **Consistency** = `overlap` (their Jaccard reward, max 0.6).
 * {@link writingPaperMetrics} makes those sums (and the plot's normalized values, each divided
 * by its maximum; Total by 3); {@link measureWriting} returns every raw quantity, ungated.
 *
 * Independent learners ({@link writingAgentReward}) get only the part of this reward one agent
 * controls alone: its own L1 window and, where transitions are counted in its text, its T.
 *
 * @module
 */

import { UserError } from "../util/errors.ts";
import { splitParagraphs } from "./writing_prompts.ts";
import type { AgentHistory, Environment, RewardBreakdown } from "./types.ts";
import {
  bandScore,
  countWhitespaceTokens,
  measureWriting,
  transitionCategoriesIn,
  transitionScore,
  type WritingRewardConfig,
} from "./writing_measure.ts";

// Re-exported so that the documented signatures below are complete, and so that this module
// stays the one entry point of the writing reward.
export type { AgentHistory, Environment, RewardBreakdown };
export type {
  BandScore,
  RatioBand,
  WritingMeasurements,
  WritingRewardConfig,
} from "./writing_measure.ts";
export {
  bandScore,
  countCodePoints,
  countWhitespaceTokens,
  lowercaseWords,
  measureWriting,
  transitionCategoriesIn,
  transitionScore,
  vocabularyJaccard,
} from "./writing_measure.ts";
/**
 * The gated joint reward of one pair of texts. `levels` holds each level's credit
 * (`tokens`, `lengthRatio`, `uniqueWords`, `transitions` = weight·T, `overlap` = weight·Ĵ);
 * levels after a closed gate are 0, and `total` is their sum.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { writingReward } from "./writing_reward.ts";
 * import { TLDR_REWARD_CONFIG } from "./tldr.ts";
 * assert.equal(writingReward("", "anything", TLDR_REWARD_CONFIG).total, 0); // L1 gate: agent 1 silent
 * ```
 */
export function writingReward(
  first: string,
  second: string,
  config: WritingRewardConfig,
): RewardBreakdown {
  const levels = {
    tokens: 0,
    lengthRatio: 0,
    uniqueWords: 0,
    transitions: 0,
    overlap: 0,
  };
  // L4 is summed first, as one number, so that the total is bit-identical to the authors' order.
  const done = () => ({
    total: levels.tokens + levels.lengthRatio + levels.uniqueWords +
      (levels.transitions + levels.overlap),
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
  levels.transitions = config.transitionWeight * m.transitionScore;
  levels.overlap = config.jaccardWeight * m.jaccardScore;
  return done();
}

/** The paper's three writing metrics, grouped as the authors' `plotting/plot_writing.py`. */
export interface WritingPaperMetrics {
  /** `tokens` + `lengthRatio` + `uniqueWords` (their levels 1–3; max 2). */
  structure: number;
  /** `transitions` (their transition reward; max 0.4). */
  coherence: number;
  /** `overlap` (their Jaccard reward; max 0.6). */
  consistency: number;
}

/** The maxima the authors' plot divides by ("Normalized Rewards"); Total by 3. */
export const WRITING_PAPER_MAXIMA: Readonly<WritingPaperMetrics & { total: number }> = Object
  .freeze({ structure: 2, coherence: 0.4, consistency: 0.6, total: 3 });

/**
 * Groups the levels of {@link writingReward} into the paper's Structure / Coherence /
 * Consistency as the authors' plotting script does (see the module notes). Missing levels
 * count 0. Divide by {@link WRITING_PAPER_MAXIMA} for the plot's normalized values.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { writingPaperMetrics } from "./writing_reward.ts";
 * assert.deepEqual(writingPaperMetrics({ tokens: 0.5, lengthRatio: 1, uniqueWords: 0.5, transitions: 0.38, overlap: 0.6 }), { structure: 2, coherence: 0.38, consistency: 0.6 });
 * ```
 */
export function writingPaperMetrics(
  levels: Readonly<Record<string, number>>,
): WritingPaperMetrics {
  const at = (k: string) => levels[k] ?? 0;
  return {
    structure: at("tokens") + at("lengthRatio") + at("uniqueWords"),
    coherence: at("transitions"),
    consistency: at("overlap"),
  };
}

/**
 * The part of the joint writing reward that agent `agent` (0-based) controls alone, for the
 * independent-learners baseline:
 *
 * - its share of L1: `tokenReward / 2` when its own whitespace-token count lies in `tokenRange`
 *   (else the whole agent reward is 0, as a closed L1 gate stops the joint reward);
 * - plus `transitionWeight`·T(its own text) when the configuration counts transitions in that
 *   agent's text (`transitionsIn: "second"`: agent 2 only; `"both"`: either agent).
 *
 * Levels that need the other agent's text (length ratio, unique-word ratio, Jaccard overlap)
 * are left out. Maxima with the paper's settings: TLDR agent 1 0.25, agent 2 0.25 + 0.38 = 0.63;
 * arXiv 0.63 each.
 *
 * @throws {UserError} when `agent` is not 0 or 1 or `text` is not a string.
 *
 * @example
 * ```ts
 * import { writingAgentReward } from "./writing_reward.ts";
 * import { TLDR_REWARD_CONFIG } from "./tldr.ts";
 * writingAgentReward(1, "The cat sat; however, the dog ran off and then slept all day.", TLDR_REWARD_CONFIG);
 * // ≈ 0.47: 13 tokens → 0.25, plus 0.4·T with k = 4 ("however": contrast, concession;
 * // "then": cause_effect, sequence), T = 0.4 + 0.05·3 = 0.55
 * ```
 */
export function writingAgentReward(
  agent: number,
  text: string,
  config: WritingRewardConfig,
): number {
  if (agent !== 0 && agent !== 1) {
    throw new UserError(
      `${config.name} agentReward: agent must be 0 or 1 (two writers), got ${agent}`,
    );
  }
  if (typeof text !== "string") {
    throw new UserError(
      `${config.name} agentReward: text of agent ${agent} must be a string, got ${typeof text}`,
    );
  }
  checkWritingConfig(config);
  const [lo, hi] = config.tokenRange;
  const n = countWhitespaceTokens(text);
  if (!(n >= lo && n <= hi)) return 0;
  const share = config.tokenReward / 2;
  const countsHere = config.transitionsIn === "both" || agent === 1;
  if (!countsHere) return share;
  const k = transitionCategoriesIn(
    text,
    config.transitionCategories,
    config.transitionMatch,
  ).length;
  return share + config.transitionWeight * transitionScore(k);
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
 * import assert from "node:assert/strict";
 * import { maxWritingReward } from "./writing_reward.ts";
 * import { TLDR_REWARD_CONFIG } from "./tldr.ts";
 * assert.ok(Math.abs((maxWritingReward(TLDR_REWARD_CONFIG)) - 2.98) <= 0.01); // 2.98
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
 * import assert from "node:assert/strict";
 * import { jointWritingReward } from "./writing_reward.ts";
 * import { TLDR_REWARD_CONFIG } from "./tldr.ts";
 * assert.deepEqual(jointWritingReward(["", "agent 1 said nothing"], TLDR_REWARD_CONFIG).total, 0);
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
 * the pair is scored by {@link jointWritingReward} under `config`, and `agentReward` is
 * {@link writingAgentReward} (independent learners). With `single`, the single-agent baseline
 * is prompted by it and its answer is cut by the authors' `splitParagraphs`.
 */
export function twoWriterEnv<E>(
  name: string,
  rows: E[],
  formatters: [(example: E) => string, (example: E) => string],
  config: WritingRewardConfig,
  single?: (example: E) => string,
): Environment<E> {
  return {
    name,
    numAgents: 2,
    rows,
    formatters,
    reward: (completions) => jointWritingReward(completions, config),
    agentReward: (agent, text) => writingAgentReward(agent, text, config),
    ...(single
      ? { singlePrompt: (example: E) => single(example), singleSplit: splitParagraphs }
      : {}),
  };
}
