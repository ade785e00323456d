/**
 * arXiv abstract → introduction with two agents (paper's writing task 2): agent 1 writes the
 * background and motivation, agent 2 the methodology and implications; the joint reward is the
 * level-based writing reward of {@link ./writing_reward.ts} with its own thresholds.
 *
 * @module
 */

import type { AgentHistory, Environment, RewardBreakdown } from "./types.ts";
import {
  jointWritingReward,
  type RatioBand,
  twoWriterEnv,
  type WritingRewardConfig,
} from "./writing_reward.ts";
import { TRANSITION_CATEGORIES, WRITING_STOPWORDS } from "./writing_words.ts";
import { authorsArxivPrompt, authorsArxivSinglePrompt } from "./writing_prompts.ts";

// Re-exported so that the documented signatures below are complete.
export type { AgentHistory, Environment, RatioBand, RewardBreakdown, WritingRewardConfig };

/** One arXiv example: the abstract to expand. */
export interface ArxivRow {
  /** The paper's abstract. */
  abstract_text: string;
}

/**
 * The arXiv reward settings: both texts 128–256 tokens (+0.5); ρ optimum [1.0, 1.3] with ramps on
 * [0.8, 1.0) and (1.3, 1.5] (+1); u optimum [0.7, 1.3] with ramps on [0.5, 0.7) and (1.3, 1.7]
 * (+0.5); L4 with transitions counted in both texts and Ĵ = min(J, 0.23)/0.23. Maximum 2.98.
 *
 * These are the bands of the authors' `rewards/arxiv_rewards.py` at commit 45c74e5; another
 * revision of that file uses a ρ optimum of [1.3, 1.6] (ramps [0.8, 1.3) and (1.6, 2.0]) while its
 * docstring still says 1.0–1.3. The authors count transitions in the concatenation `c1 + c2`; we
 * take the union of the categories found in each text, which differs only when a phrase would
 * straddle the junction of the two texts.
 */
export const ARXIV_REWARD_CONFIG: WritingRewardConfig = {
  name: "arxiv",
  tokenRange: [128, 256],
  tokenReward: 0.5,
  lengthRatio: { optimum: [1.0, 1.3], acceptable: [0.8, 1.5], weight: 1 },
  uniqueWordRatio: { optimum: [0.7, 1.3], acceptable: [0.5, 1.7], weight: 0.5 },
  transitionsIn: "both",
  transitionMatch: "substring",
  transitionCategories: TRANSITION_CATEGORIES,
  stopwords: WRITING_STOPWORDS,
  transitionWeight: 0.4,
  jaccardWeight: 0.6,
  jaccardCap: 0.23,
};

/**
 * Agent 1's prompt, the authors' background-agent prompt (see `writing_prompts.ts`): the
 * background and motivation part of an introduction.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { arxivBackgroundPrompt } from "./arxiv.ts";
 * assert.deepEqual(arxivBackgroundPrompt({ abstract_text: "We study ..." }).includes("We study"), true);
 * ```
 */
export function arxivBackgroundPrompt(row: ArxivRow): string {
  return authorsArxivPrompt(row.abstract_text, 0);
}

/** Agent 2's prompt, the authors' complementary-agent prompt: methodology and implications. */
export function arxivMethodsPrompt(row: ArxivRow): string {
  return authorsArxivPrompt(row.abstract_text, 1);
}

/** The single-agent baseline's prompt (the authors' `train_grpo.py`): both paragraphs at once. */
export function arxivSinglePrompt(row: ArxivRow): string {
  return authorsArxivSinglePrompt(row.abstract_text);
}

/**
 * The arXiv joint reward of `[background, methods]`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { arxivReward } from "./arxiv.ts";
 * assert.equal(arxivReward(["too short", "also too short"]).total, 0); // L1 needs 128-256 tokens each
 * ```
 */
export function arxivReward(
  completions: readonly string[],
  config: WritingRewardConfig = ARXIV_REWARD_CONFIG,
): RewardBreakdown {
  return jointWritingReward(completions, config);
}

/**
 * The two-agent arXiv environment over `rows` (agent 1: background/motivation, agent 2:
 * methodology/implications; each agent sees only its own prompt).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { arxivEnv } from "./arxiv.ts";
 * import { loadArxivRows } from "./writing_data.ts";
 * const env = arxivEnv(await loadArxivRows());
 * assert.deepEqual(env.numAgents, 2);
 * ```
 */
export function arxivEnv(
  rows: ArxivRow[],
  config: WritingRewardConfig = ARXIV_REWARD_CONFIG,
): Environment<ArxivRow> {
  return twoWriterEnv(
    "arxiv",
    rows,
    [
      arxivBackgroundPrompt,
      arxivMethodsPrompt,
    ],
    config,
    arxivSinglePrompt,
  );
}
