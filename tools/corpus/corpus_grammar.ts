/**
 * The generator of the shipped pretraining corpus (`data/corpus/stories.txt`): simple,
 * grammatical English written by templates over a hand-written vocabulary, one item per line.
 * A block is either a short story (2–6 sentences on one line, sometimes followed by a
 * `Summary: …` line) or a topic pair (a short sentence and a longer sentence about the same
 * topic, either as two plain lines or after the prompts {@link shortPrompt} / {@link longPrompt}).
 * All randomness flows from `makeRng(seed)`, so a seed and a byte budget fix the text exactly.
 *
 * @module
 */

import { UserError } from "../../lib/util/errors.ts";
import { makeRng, randInt, type Rng } from "../../lib/util/rng.ts";

export type { Rng, RngState } from "../../lib/util/rng.ts";
import { capitalize } from "./corpus_morph.ts";
import { chance, type Story } from "./corpus_phrases.ts";
import { HOME_PLOTS } from "./corpus_stories.ts";
import { OUTING_PLOTS } from "./corpus_stories_out.ts";
import { EVERYDAY_PLOTS } from "./corpus_stories_everyday.ts";
import { longPrompt, makeTopicPair, shortPrompt } from "./corpus_pairs.ts";

export { longPrompt, makeTopicPair, shortPrompt };
export type { Story };
export type { TopicPair } from "./corpus_pairs.ts";

/** Every story plot (thirteen). */
const PLOTS = [...HOME_PLOTS, ...OUTING_PLOTS, ...EVERYDAY_PLOTS];

/**
 * One random story of about `sentences` sentences (2–6).
 *
 * @example
 * ```ts
 * import { makeRng } from "../../lib/util/rng.ts";
 * import { makeStory } from "./corpus_grammar.ts";
 * console.log(makeStory(makeRng(0), 4).text);
 * ```
 */
export function makeStory(rng: Rng, sentences: number): Story {
  return PLOTS[randInt(rng, PLOTS.length)](rng, sentences);
}

/** Most sentences in one story line. */
const MAX_SENTENCES = 6;

/**
 * Sentences in a line, counted as the places where ".", "!" or "?" is followed by a space or the
 * end (so a quoted question inside a sentence, `"Why?" she asked.`, does not end it).
 *
 * @example
 * ```ts
 * import { countSentences } from "./corpus_grammar.ts";
 * console.assert(countSentences('"Why?" asked Mia. She smiled.') === 2);
 * ```
 */
export function countSentences(line: string): number {
  return line.trim() === "" ? 0 : line.trim().split(/(?<=[.!?])\s+/).length;
}

/** Share of blocks that are stories (the rest are topic pairs). */
const STORY_SHARE = 0.6;
/** Share of stories followed by a `Summary:` line. */
const SUMMARY_SHARE = 0.3;
/** Share of topic pairs written after their prompts (the rest as two plain lines). */
const PROMPTED_SHARE = 0.6;

/**
 * One block of corpus lines: a story (plus, sometimes, its summary line) or a topic pair.
 *
 * @example
 * ```ts
 * import { makeRng } from "../../lib/util/rng.ts";
 * import { corpusBlock } from "./corpus_grammar.ts";
 * const rng = makeRng(0);
 * for (let i = 0; i < 3; i++) console.log(corpusBlock(rng).join("\n"));
 * ```
 */
export function corpusBlock(rng: Rng): string[] {
  if (chance(rng, STORY_SHARE)) {
    let story = makeStory(rng, 2 + randInt(rng, 5));
    // A beat may hold two sentences; retell the rare story that runs past six.
    while (countSentences(story.text) > MAX_SENTENCES) {
      story = makeStory(rng, 2 + randInt(rng, 5));
    }
    return chance(rng, SUMMARY_SHARE)
      ? [story.text, `Summary: ${capitalize(story.summary)}`]
      : [story.text];
  }
  const pair = makeTopicPair(rng);
  if (!chance(rng, PROMPTED_SHARE)) return [pair.short, pair.long];
  return [
    `${shortPrompt(pair.topic)} ${pair.short}`,
    `${longPrompt(pair.topic)} ${pair.long}`,
  ];
}

/**
 * The corpus for `seed`: blocks from {@link corpusBlock}, exact repeats skipped, one line each
 * (every line ends with "\n"), stopping before the block that would pass `bytes`. The text is
 * printable ASCII, so its length in characters is its size in bytes, and the corpus for a
 * smaller budget is a prefix of the corpus for a larger one.
 *
 * @example
 * ```ts
 * import { generateCorpus } from "./corpus_grammar.ts";
 * const text = generateCorpus(0, 10_000);
 * console.assert(text.length <= 10_000 && text === generateCorpus(0, 10_000));
 * ```
 */
export function generateCorpus(seed: string | number, bytes: number): string {
  if (!Number.isInteger(bytes) || bytes < 1) {
    throw new UserError(
      `generateCorpus: 'bytes' must be a positive integer, got ${bytes}`,
    );
  }
  if (seed === "") {
    throw new UserError("generateCorpus: 'seed' must not be empty");
  }
  const rng = makeRng(seed);
  const seen = new Set<string>();
  const parts: string[] = [];
  let total = 0;
  for (;;) {
    const block = corpusBlock(rng).join("\n") + "\n";
    if (seen.has(block)) continue;
    if (total + block.length > bytes) break;
    if (/[^\x20-\x7e\n]/.test(block)) {
      throw new Error(
        `corpus_grammar: non-ASCII text in ${JSON.stringify(block)}`,
      );
    }
    seen.add(block);
    parts.push(block);
    total += block.length;
  }
  return parts.join("");
}

/** Size and vocabulary statistics of a corpus text. */
export interface CorpusStats {
  /** UTF-8 bytes. */
  bytes: number;
  /** Lines (newline-terminated). */
  lines: number;
  /** Word tokens (lowercased runs of letters, with inner apostrophes). */
  words: number;
  /** Distinct words. */
  distinctWords: number;
  /** The 20 most frequent words with their counts (ties by word). */
  top20: Array<[string, number]>;
  /** Fraction of all word tokens that are one of the top 20 words. */
  top20Share: number;
}

/**
 * Counts bytes, lines, words, distinct words and the share of the 20 most frequent words.
 *
 * @example
 * ```ts
 * import { corpusStats } from "./corpus_grammar.ts";
 * const s = corpusStats("The cat sat.\nThe dog ran.\n");
 * console.assert(s.lines === 2 && s.words === 6 && s.distinctWords === 5);
 * ```
 */
export function corpusStats(text: string): CorpusStats {
  const counts = new Map<string, number>();
  let words = 0;
  for (const w of text.toLowerCase().match(/[a-z]+(?:'[a-z]+)*/g) ?? []) {
    counts.set(w, (counts.get(w) ?? 0) + 1);
    words++;
  }
  const top20 = [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, 20);
  const topSum = top20.reduce((s, [, c]) => s + c, 0);
  return {
    bytes: new TextEncoder().encode(text).length,
    lines: (text.match(/\n/g) ?? []).length,
    words,
    distinctWords: counts.size,
    top20,
    top20Share: words ? topSum / words : 0,
  };
}
