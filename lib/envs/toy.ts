/**
 * A toy cooperative writing task, small enough for the embedded default model to learn in
 * minutes on 2 CPU cores, with the paper's writing structure: agent 1 writes a short sentence
 * about a topic, agent 2 a longer sentence about the same topic, and neither sees the other.
 *
 * Joint reward (max 1.0), four levels of 0.25:
 * - `topic`: 0.125 for each agent whose text mentions the topic's noun;
 * - `short`: agent 1 uses 4–9 words (ramps to 0 at 2 and 14 words);
 * - `ratio`: agent 2 uses 1.8–3.5× as many words as agent 1 (ramps to 0 at 1.0× and 5.0×);
 * - `overlap`: the Jaccard overlap of the two texts' content words is ≥ 0.25 (linear below).
 * `ratio` and `overlap` depend on both texts: the optimum needs both agents.
 *
 * Every level is scaled by the fluency of the texts it reads (see {@link fluency}: the share of
 * words that are real words of the corpus' vocabulary and not repeated more than twice), so
 * that gibberish with the right word counts earns nothing (an early version without it was
 * "solved" by `"b b b b …"`).
 *
 * For the independent-learners baseline, `agentReward(i, text, row)` scores what agent i
 * controls alone: its `topic` share plus `short` (agent 1) or a `long` level (agent 2: 10–30
 * words, ramps to 0 at 5 and 45).
 *
 * @module
 */
import type { Environment, RewardBreakdown } from "./types.ts";
import { TOY_VOCABULARY_TEXT } from "./toy_vocabulary.ts";

/** One toy example: a topic phrase and its head noun. */
export interface ToyRow {
  /** Topic as written in the prompt, e.g. `"a quiet girl"`. */
  topic: string;
  /** The word a text must mention, e.g. `"girl"`. */
  noun: string;
}

/** Topics of the toy task (nouns that the default model's corpus writes about). */
export const TOY_TOPICS: readonly string[] = [
  "a quiet girl",
  "a jolly girl",
  "the campsite",
  "a small dog",
  "a brave boy",
  "the old farmer",
  "a clever fox",
  "the garden",
  "a sleepy cat",
  "the little robot",
  "a kind teacher",
  "the river",
  "a happy baker",
  "the forest",
  "a tiny mouse",
  "the beach",
  "a busy bee",
  "the library",
  "a curious rabbit",
  "the village",
  "a young painter",
  "the meadow",
  "a shy turtle",
  "the market",
  "a friendly bear",
  "the school",
  "a lazy pig",
  "the mountain",
  "a proud horse",
  "the kitchen",
  "a gentle giant",
  "the park",
  "a silly goat",
  "the castle",
  "a busy mother",
  "the lake",
];

const STOPWORDS = new Set(
  ("a an the and or but so then of to in on at by for with from as is was were are be been it its " +
    "he she they we you i his her their our my your this that there these those very just also not " +
    "had has have did do does will would can could")
    .split(" "),
);

/** Lowercase `\w+` words of a text. */
export function words(text: string): string[] {
  return text.toLowerCase().match(/\w+/g) ?? [];
}

/** 1 inside [lo, hi], linear ramps to 0 at `zeroLo` and `zeroHi`, 0 beyond. */
export function plateau(
  x: number,
  zeroLo: number,
  lo: number,
  hi: number,
  zeroHi: number,
): number {
  if (x >= lo && x <= hi) return 1;
  if (x < lo) return x <= zeroLo ? 0 : (x - zeroLo) / (lo - zeroLo);
  return x >= zeroHi ? 0 : (zeroHi - x) / (zeroHi - hi);
}

let vocabulary: Set<string> | undefined;

/** The words of the default model's corpus (`data/corpus/stories.txt`; listed in `toy_vocabulary.ts`). */
export function toyVocabulary(): Set<string> {
  vocabulary ??= new Set(TOY_VOCABULARY_TEXT.split(" "));
  return vocabulary;
}

/**
 * Fluency of a text in [0, 1]: the share of its words that are vocabulary words, counting each
 * word at most twice (0 for an empty text).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { fluency } from "./toy.ts";
 * assert.deepEqual(fluency("The girl found a feather."), 1);
 * assert.deepEqual(fluency("b b b b"), 0);
 * ```
 */
export function fluency(text: string): number {
  const ws = words(text), seen = new Map<string, number>(), vocab = toyVocabulary();
  let good = 0;
  for (const w of ws) {
    const n = (seen.get(w) ?? 0) + 1;
    seen.set(w, n);
    if (n <= 2 && vocab.has(w)) good++;
  }
  return ws.length === 0 ? 0 : good / ws.length;
}

/** Jaccard overlap of two texts' content words (0 when both are empty). */
export function contentJaccard(a: string, b: string): number {
  const sa = new Set(words(a).filter((w) => !STOPWORDS.has(w)));
  const sb = new Set(words(b).filter((w) => !STOPWORDS.has(w)));
  const inter = [...sa].filter((w) => sb.has(w)).length;
  const union = new Set([...sa, ...sb]).size;
  return union === 0 ? 0 : inter / union;
}

const mentions = (text: string, noun: string) =>
  words(text).some((w) => w === noun || w === `${noun}s`);

/**
 * The joint reward of a short text (agent 1) and a long text (agent 2).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { toyReward } from "./toy.ts";
 * const r = toyReward(["The girl found a feather."], { topic: "a quiet girl", noun: "girl" });
 * assert.equal(r.levels.ratio, 0); // one agent silent
 * ```
 */
export function toyReward(completions: string[], row: ToyRow): RewardBreakdown {
  const [short = "", long = ""] = completions;
  const n1 = words(short).length, n2 = words(long).length;
  const q1 = fluency(short), q2 = fluency(long);
  const topic = 0.125 *
    (q1 * Number(mentions(short, row.noun)) + q2 * Number(mentions(long, row.noun)));
  const shortLevel = 0.25 * q1 * plateau(n1, 2, 4, 9, 14);
  const ratio = n1 === 0 ? 0 : 0.25 * q1 * q2 * plateau(n2 / n1, 1.0, 1.8, 3.5, 5.0);
  const overlap = 0.25 * q1 * q2 * Math.min(1, contentJaccard(short, long) / 0.25);
  const levels = { topic, short: shortLevel, ratio, overlap };
  return { total: topic + shortLevel + ratio + overlap, levels };
}

/** What agent `i` controls alone (independent-learners baseline), max 0.375. */
export function toyAgentReward(i: number, text: string, row: ToyRow): number {
  const q = fluency(text), n = words(text).length;
  const topic = 0.125 * q * Number(mentions(text, row.noun));
  return topic + 0.25 * q * (i === 0 ? plateau(n, 2, 4, 9, 14) : plateau(n, 5, 10, 30, 45));
}

/** The prompt of agent 1 (short sentence). */
export const toyShortPrompt = (row: ToyRow): string => `Write a short sentence about ${row.topic}:`;
/** The prompt of agent 2 (longer sentence). */
export const toyLongPrompt = (row: ToyRow): string => `Write a longer sentence about ${row.topic}:`;

/** Rows for the topics (all of {@link TOY_TOPICS} by default). */
export function toyRows(topics: readonly string[] = TOY_TOPICS): ToyRow[] {
  return topics.map((topic) => ({ topic, noun: topic.split(" ").at(-1)! }));
}

/** The toy environment. */
export function toyEnv(rows: ToyRow[] = toyRows()): Environment<ToyRow> {
  return {
    name: "toy",
    numAgents: 2,
    rows,
    formatters: [toyShortPrompt, toyLongPrompt],
    reward: toyReward,
    agentReward: toyAgentReward,
    singlePrompt: (row, sep) =>
      `Write a short sentence about ${row.topic}, then "${sep}", then a longer sentence about ${row.topic}:`,
  };
}
