/**
 * A pure coordination task whose convention no shared prior gives away: two agents each write a
 * sentence about the same topic, agent 1 a short one and agent 2 a longer one (the corpus
 * prompts the default model knows), and the joint reward pays when both sentences start with
 * the same word. Any shared first word is an equally good convention ("The …" / "The …",
 * "If …" / "If …"); nothing in the task prefers one.
 *
 * Why it is built like this (issue 14's warning): a task where both agents name "the same
 * animal for a place" did not separate MAGRPO from independent learners, because the shared
 * pretrained prior is a focal point: both agents already favour the same answer, and sharpening
 * one's own habit (all an independent learner can do) raises agreement. Here the two prompts
 * give the agents different priors over their first word (measured on the default model,
 * 96 samples each: the short prompt opens with "the" 51 % and "you" 20 % of the time, the
 * longer prompt with "first" 22 %, "if" 10 %, "in" 8 %, "although" 8 %, and "the" under 4 %),
 * so the untrained agents agree on about 2 % of joint answers, and each one sharpening its own
 * favourite drives agreement to 0. Only a convention learned jointly moves it, and such a
 * convention (a first word) carries over to held-out topics.
 *
 * Joint reward (max 1), two levels:
 * - `valid`: 0.25 × the mean fluency of the two texts (see `toy.ts`: the share of corpus words);
 * - `agree`: 0.75 × `fluency₁ × fluency₂ × [same first word]`.
 *
 * `agentReward(i, text, row)` is what agent i controls alone: its fluency (max 1). It cannot
 * tell an agent which word its partner will start with: that is the point of the task.
 *
 * @module
 */
import type { AgentHistory, Environment, RewardBreakdown } from "./types.ts";
export type { AgentHistory, Environment, RewardBreakdown };
import { fluency, TOY_TOPICS, words } from "./toy.ts";

/** One example of the opening-word tasks: a topic phrase. */
export interface TopicRow {
  /** Topic as written in the prompt, e.g. `"a sleepy cat"`. */
  topic: string;
}

/** Animals the default model's corpus writes about (each 70–170 times in `data/corpus`). */
export const STUDY_ANIMALS: readonly string[] = [
  "fox",
  "cat",
  "dog",
  "bee",
  "pig",
  "frog",
  "owl",
  "cow",
  "duck",
  "goat",
  "horse",
  "bear",
  "lion",
  "bird",
  "sheep",
  "turtle",
  "snail",
  "deer",
  "otter",
  "crab",
  "tiger",
  "zebra",
  "puppy",
  "camel",
];

/**
 * Topic rows: the toy task's 36 topics and "a <animal>" for each of {@link STUDY_ANIMALS}
 * (60 rows); the registry holds a seeded fifth out for evaluation.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { topicRows } from "./coordination.ts";
 * assert.equal(topicRows().length, 60);
 * assert.deepEqual(topicRows(["the lake"]), [{ topic: "the lake" }]);
 * ```
 */
export function topicRows(
  topics: readonly string[] = [...TOY_TOPICS, ...STUDY_ANIMALS.map((a) => `a ${a}`)],
): TopicRow[] {
  return topics.map((topic) => ({ topic }));
}

/**
 * The first word of a text, lowercase (`""` for a text without words).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { firstWord } from "./coordination.ts";
 * assert.equal(firstWord(' "If you go,'), "if");
 * assert.equal(firstWord("..."), "");
 * ```
 */
export function firstWord(text: string): string {
  return words(text)[0] ?? "";
}

/**
 * The coordination reward of `[agent 1's text, agent 2's text]` (see the module doc).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { coordinationReward } from "./coordination.ts";
 * const row = { topic: "a fox" };
 * // both start with "the" (every word a corpus word): valid 0.25 + agree 0.75
 * assert.equal(coordinationReward(["The fox ran.", "The fox can run fast."], row).total, 1);
 * assert.equal(coordinationReward(["The fox ran.", "You can see a fox."], row).total, 0.25);
 * ```
 */
export function coordinationReward(completions: string[], _row: TopicRow): RewardBreakdown {
  const [t1 = "", t2 = ""] = completions;
  const q1 = fluency(t1), q2 = fluency(t2), w1 = firstWord(t1);
  const valid = 0.25 * (q1 + q2) / 2;
  const agree = 0.75 * q1 * q2 * Number(w1 !== "" && w1 === firstWord(t2));
  return { total: valid + agree, levels: { valid, agree } };
}

/**
 * What agent `i` controls alone: the fluency of its text.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { coordinationAgentReward } from "./coordination.ts";
 * assert.equal(coordinationAgentReward(0, "The fox ran.", { topic: "a fox" }), 1);
 * assert.equal(coordinationAgentReward(1, "zzq qqz", { topic: "a fox" }), 0);
 * ```
 */
export function coordinationAgentReward(_agent: number, text: string, _row: TopicRow): number {
  return fluency(text);
}

/**
 * The coordination environment over `rows` (default: {@link topicRows}).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { coordinationEnv } from "./coordination.ts";
 * const env = coordinationEnv([{ topic: "the lake" }]);
 * assert.deepEqual(env.formatters.map((f) => f(env.rows[0])), [
 *   "Write a short sentence about the lake:",
 *   "Write a longer sentence about the lake:",
 * ]);
 * ```
 */
export function coordinationEnv(rows: TopicRow[] = topicRows()): Environment<TopicRow> {
  return {
    name: "coordination",
    numAgents: 2,
    rows,
    formatters: [
      (r) => `Write a short sentence about ${r.topic}:`,
      (r) => `Write a longer sentence about ${r.topic}:`,
    ],
    reward: coordinationReward,
    agentReward: coordinationAgentReward,
    singlePrompt: (r, sep) =>
      `Write a short sentence about ${r.topic}, then "${sep}", then a longer sentence about ` +
      `${r.topic} that starts with the same word:`,
  };
}
