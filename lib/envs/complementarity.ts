/**
 * A complementarity task: both agents get the same prompt (a short sentence about a topic) and,
 * between them, must cover the set of openings {"The", "You"} (the default model's two most
 * common first words for this prompt) without overlapping: one sentence should start with
 * "The", the other with "You". Which agent takes which opening is arbitrary (both splits are
 * equally good), so each agent's best answer depends on its partner's habit. Both agents start
 * from the same model and prompt, so they share one prior ("the" 51 %, "you" 20 % of first
 * words, measured on 96 samples): untrained, they overlap more often than they split.
 *
 * Joint reward (max 1), one level: `cover` = 1/2 × the number of the two openings used by
 * exactly one of the sentences, × `fluency₁ × fluency₂` (see `toy.ts`). Both opening with
 * "The" earns 0; "The" and "You" earns 1; "The" and anything else earns 0.5.
 *
 * `agentReward(i, text, row)`, what agent i controls alone: its own share of the cover,
 * `fluency × [its first word is "the" or "you"] / 2`. It is honest (alone, an agent covers one
 * opening by using it), and it cannot say which opening is left to the agent: both
 * independent learners sharpen towards the opening they already prefer, the same one.
 *
 * @module
 */
import type { AgentHistory, Environment, RewardBreakdown } from "./types.ts";
export type { AgentHistory, Environment, RewardBreakdown };
import { fluency } from "./toy.ts";
import { firstWord, type TopicRow, topicRows } from "./coordination.ts";
export type { TopicRow };

/** The set of openings the two sentences must cover between them. */
export const OPENINGS: readonly string[] = ["the", "you"];

/**
 * The complementarity reward of `[agent 1's text, agent 2's text]` (see the module doc).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { complementarityReward } from "./complementarity.ts";
 * const row = { topic: "the lake" };
 * assert.equal(complementarityReward(["The lake is calm.", "You can see swans."], row).total, 1);
 * assert.equal(complementarityReward(["The lake is calm.", "The swans swim."], row).total, 0);
 * assert.equal(complementarityReward(["The lake is calm.", "A swan can swim."], row).total, 0.5);
 * ```
 */
export function complementarityReward(completions: string[], _row: TopicRow): RewardBreakdown {
  const [t1 = "", t2 = ""] = completions;
  const w1 = firstWord(t1), w2 = firstWord(t2);
  const exclusive = OPENINGS.filter((w) => (w1 === w) !== (w2 === w)).length;
  const cover = 0.5 * exclusive * fluency(t1) * fluency(t2);
  return { total: cover, levels: { cover } };
}

/**
 * What agent `i` controls alone: `fluency × [first word in {@link OPENINGS}] / 2`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { complementarityAgentReward } from "./complementarity.ts";
 * assert.equal(complementarityAgentReward(0, "You can see swans.", { topic: "the lake" }), 0.5);
 * assert.equal(complementarityAgentReward(1, "A swan can swim.", { topic: "the lake" }), 0);
 * ```
 */
export function complementarityAgentReward(_agent: number, text: string, _row: TopicRow): number {
  return fluency(text) * Number(OPENINGS.includes(firstWord(text))) / 2;
}

/**
 * The complementarity environment over `rows` (default: the coordination task's 60 topics);
 * both agents get the same prompt.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { complementarityEnv } from "./complementarity.ts";
 * const env = complementarityEnv([{ topic: "the lake" }]);
 * assert.deepEqual(env.formatters.map((f) => f(env.rows[0])), [
 *   "Write a short sentence about the lake:",
 *   "Write a short sentence about the lake:",
 * ]);
 * ```
 */
export function complementarityEnv(rows: TopicRow[] = topicRows()): Environment<TopicRow> {
  const prompt = (r: TopicRow) => `Write a short sentence about ${r.topic}:`;
  return {
    name: "complementarity",
    numAgents: 2,
    rows,
    formatters: [prompt, prompt],
    reward: complementarityReward,
    agentReward: complementarityAgentReward,
    singlePrompt: (r, sep) =>
      `Write a short sentence about ${r.topic}, then "${sep}", then another short sentence ` +
      `about ${r.topic}; one starts with "The", the other with "You":`,
  };
}
