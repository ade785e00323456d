/**
 * TLDR summarization with two agents (paper's writing task 1): agent 1 writes a concise summary of
 * a Reddit-style post, agent 2 a more detailed one; the joint reward checks that the pair is
 * well-proportioned (see {@link ./writing_reward.ts} for the levels and why the maximum is 2.98).
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
import {
  authorsTldrElaborationPrompt,
  authorsTldrSinglePrompt,
  authorsTldrSummaryPrompt,
} from "./writing_prompts.ts";

// Re-exported so that the documented signatures below are complete.
export type { AgentHistory, Environment, RatioBand, RewardBreakdown, WritingRewardConfig };

/** One TLDR example: the post (`prompt`) and a reference summary (`completion`). */
export interface TldrRow {
  /** The post to summarize (in trl-lib/tldr, "SUBREDDIT: … TITLE: … POST: … TL;DR:"). */
  prompt: string;
  /** A reference TL;DR (used for ROUGE, not by the reward). */
  completion: string;
}

/**
 * The TLDR reward settings (the authors' values): both texts 8–256 tokens (+0.5);
 * ρ = chars(c2)/chars(c1) optimum [1.6, 3.2], ramps on [1.1, 1.6) and (3.2, 5.0] (+1);
 * u = unique words of c2 / of c1 ≥ 2.0, ramp on [1.3, 2.0) (+0.5); L4 with transitions counted
 * in c2 only and Ĵ = min(J, 0.03)/0.03. Maximum 2.98.
 */
export const TLDR_REWARD_CONFIG: WritingRewardConfig = {
  name: "tldr",
  tokenRange: [8, 256],
  tokenReward: 0.5,
  lengthRatio: { optimum: [1.6, 3.2], acceptable: [1.1, 5.0], weight: 1 },
  uniqueWordRatio: {
    optimum: [2.0, Infinity],
    acceptable: [1.3, Infinity],
    weight: 0.5,
  },
  transitionsIn: "second",
  transitionMatch: "substring",
  transitionCategories: TRANSITION_CATEGORIES,
  stopwords: WRITING_STOPWORDS,
  transitionWeight: 0.4,
  jaccardWeight: 0.6,
  jaccardCap: 0.03,
};

/**
 * A length setting for small models: the row with its post body cut to the first `maxWords`
 * whitespace-separated words (the SUBREDDIT and TITLE lines, the reference summary and the
 * closing "TL;DR:" kept). The authors' prompts and reward are unchanged; only the post is
 * shorter. Why: the shipped posts make ~520-token prompts, four times the 128-token sequences
 * the default model was pretrained on, and past those positions it often ends its answer after
 * one or two words, which closes the reward's first gate (both answers 8–256 tokens). Rows whose
 * prompt has no "POST:" line are returned as they are.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { shortenTldrPost } from "./tldr.ts";
 * const row = { prompt: "TITLE: t\n\nPOST: one two three four\n\nTL;DR:", completion: "c" };
 * assert.deepEqual(shortenTldrPost(row, 2).prompt, "TITLE: t\n\nPOST: one two\n\nTL;DR:");
 * ```
 */
export function shortenTldrPost(row: TldrRow, maxWords: number): TldrRow {
  const at = row.prompt.indexOf("POST:");
  if (at < 0) return row;
  const body = row.prompt.slice(at + 5).replace(/\s*TL;DR:\s*$/, "").trim().split(/\s+/);
  const kept = body.slice(0, Math.max(0, maxWords)).join(" ");
  return { ...row, prompt: `${row.prompt.slice(0, at)}POST: ${kept}\n\nTL;DR:` };
}

/**
 * Agent 1's prompt, the authors' summary-agent prompt (see `writing_prompts.ts`): a brief,
 * factual summary of the post.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { tldrConcisePrompt } from "./tldr.ts";
 * assert.deepEqual(tldrConcisePrompt({ prompt: "POST: my cat ...", completion: "" }).startsWith("Create a concise"), true);
 * ```
 */
export function tldrConcisePrompt(row: TldrRow): string {
  return authorsTldrSummaryPrompt(row.prompt);
}

/** Agent 2's prompt, the authors' elaboration-agent prompt: more unique words, transitions. */
export function tldrDetailedPrompt(row: TldrRow): string {
  return authorsTldrElaborationPrompt(row.prompt);
}

/** The single-agent baseline's prompt (the authors' `train_grpo.py`): both paragraphs at once. */
export function tldrSinglePrompt(row: TldrRow): string {
  return authorsTldrSinglePrompt(row.prompt);
}

/**
 * The TLDR joint reward of `[concise, detailed]`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { tldrReward } from "./tldr.ts";
 * assert.deepEqual(tldrReward(["", "agent 1 said nothing"]).total, 0);
 * ```
 */
export function tldrReward(
  completions: readonly string[],
  config: WritingRewardConfig = TLDR_REWARD_CONFIG,
): RewardBreakdown {
  return jointWritingReward(completions, config);
}

/**
 * The two-agent TLDR environment over `rows` (agent 1: concise, agent 2: detailed; each agent sees
 * only its own prompt).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { tldrEnv } from "./tldr.ts";
 * import { loadTldrRows } from "./writing_data.ts";
 * const env = tldrEnv(await loadTldrRows());
 * const lengths = env.formatters.map((f) => f(env.rows[0]).length);
 * assert.ok(lengths.length === 2 && lengths.every((n) => n > 0)); // one prompt per agent
 * ```
 */
export function tldrEnv(
  rows: TldrRow[],
  config: WritingRewardConfig = TLDR_REWARD_CONFIG,
): Environment<TldrRow> {
  return twoWriterEnv(
    "tldr",
    rows,
    [tldrConcisePrompt, tldrDetailedPrompt],
    config,
    tldrSinglePrompt,
  );
}
