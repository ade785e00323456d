// Tests of the pretraining-corpus generator: morphology, determinism, grammar checks on a
// sample, the topic pairs, and that the shipped data/corpus/stories.txt is exactly what the
// recorded seed and size produce.
import assert from "node:assert/strict";
import { UserError } from "../lib/util/errors.ts";
import { makeRng } from "../lib/util/rng.ts";
import {
  article,
  capitalize,
  ingForm,
  joinList,
  pastTense,
  plural,
  presentThird,
  withArticle,
} from "../tools/corpus/corpus_morph.ts";
import {
  corpusStats,
  countSentences,
  generateCorpus,
  longPrompt,
  makeTopicPair,
  shortPrompt,
} from "../tools/corpus/corpus_grammar.ts";
import { parseMakeCorpusArgs } from "../tools/make_corpus.ts";
import { WRITING_STOPWORDS } from "../lib/envs/writing_words.ts";
import { toyVocabulary, words } from "../lib/envs/toy.ts";

/** The recorded settings of the shipped corpus (see data/corpus/README.md). */
const SHIPPED = {
  seed: "0",
  bytes: 1_500_000,
  path: new URL("../data/corpus/stories.txt", import.meta.url),
};

/** Whether "an" is right before `word`, by an independent rule list. */
function wantsAn(word: string): boolean {
  const w = word.toLowerCase();
  if (/^(hour|honest|honor|heir)/.test(w)) return true;
  return /^[aeiou]/.test(w) && !/^(uni|use|usu|ukulele|eu|one)/.test(w);
}

Deno.test("morphology: articles, plurals, verb forms, lists", () => {
  assert.deepEqual(
    ["owl", "unicorn", "hour", "old map", "useful", "kite", "egg"].map(article),
    [
      "an",
      "a",
      "an",
      "an",
      "a",
      "a",
      "an",
    ],
  );
  assert.equal(withArticle("orange ribbon"), "an orange ribbon");
  assert.deepEqual(
    [
      "fox",
      "berry",
      "day",
      "mouse",
      "sheep",
      "wolf",
      "teddy bear",
      "potato",
      "radio",
      "child",
    ].map(plural),
    [
      "foxes",
      "berries",
      "days",
      "mice",
      "sheep",
      "wolves",
      "teddy bears",
      "potatoes",
      "radios",
      "children",
    ],
  );
  assert.deepEqual(
    ["go", "carry", "hop", "visit", "bake", "play", "pick up", "knit", "open"]
      .map(pastTense),
    [
      "went",
      "carried",
      "hopped",
      "visited",
      "baked",
      "played",
      "picked up",
      "knitted",
      "opened",
    ],
  );
  assert.deepEqual(["go", "fly", "have", "watch", "eat"].map(presentThird), [
    "goes",
    "flies",
    "has",
    "watches",
    "eats",
  ]);
  assert.deepEqual(
    ["run", "bake", "see", "tie", "begin", "visit"].map(ingForm),
    [
      "running",
      "baking",
      "seeing",
      "tying",
      "beginning",
      "visiting",
    ],
  );
  assert.equal(joinList(["a"]), "a");
  assert.equal(joinList(["a", "b", "c"]), "a, b and c");
  assert.equal(
    capitalize('"where is it?" she asked.'),
    '"Where is it?" she asked.',
  );
  assert.equal(countSentences('"Why?" asked Mia. She smiled. "Yes!"'), 3);
});

Deno.test("generateCorpus is deterministic, seed-dependent, and prefix-stable", () => {
  const a = generateCorpus(7, 60_000);
  assert.equal(a, generateCorpus(7, 60_000));
  assert.equal(
    a,
    generateCorpus("7", 60_000),
    "numeric and string seeds name the same stream",
  );
  assert.notEqual(a, generateCorpus(8, 60_000));
  const small = generateCorpus(7, 20_000);
  assert.ok(a.startsWith(small), "a smaller budget gives a prefix");
  assert.ok(a.length <= 60_000 && a.length > 59_000, `size ${a.length}`);
  assert.ok(a.endsWith("\n"));
  assert.equal(generateCorpus(7, 10), "", "no block fits in 10 bytes");
});

Deno.test("a sample is ASCII with correct a/an, capitalized sentences, 2-6 sentence stories", () => {
  const text = generateCorpus(3, 200_000);
  assert.match(text, /^[\x20-\x7e\n]+$/);
  const lines = text.trimEnd().split("\n");
  let articles = 0;
  for (const m of text.matchAll(/\b(a|an) ([A-Za-z-]+)/gi)) {
    articles++;
    assert.equal(
      m[1].toLowerCase() === "an",
      wantsAn(m[2]),
      `article in "${m[0]}"`,
    );
  }
  assert.ok(articles > 2000, `articles checked: ${articles}`);
  for (const line of lines) {
    assert.match(line, /[.!?"]$/, `line ends a sentence: ${line}`);
    for (const sentence of line.split(/(?<=[.!?])\s+/)) {
      assert.match(
        sentence,
        /^"?[A-Z]/,
        `capitalized: "${sentence}" in ${line}`,
      );
    }
    assert.doesNotMatch(line, /\b(\w+) \1\b/i, `doubled word in ${line}`);
    assert.doesNotMatch(line, /\s\s|\s[,.!?]/, `spacing in ${line}`);
  }
  const stories = lines.filter((l) => !/^(Write a|Summary:)/.test(l) && countSentences(l) >= 2);
  const counts = stories.map(countSentences);
  assert.equal(Math.min(...counts), 2);
  assert.equal(Math.max(...counts), 6);
  const prompted = lines.filter((l) => l.startsWith("Write a short sentence about ")).length;
  const summaries = lines.filter((l) => l.startsWith("Summary: ")).length;
  assert.ok(
    stories.length / lines.length > 0.3,
    `story share ${stories.length}/${lines.length}`,
  );
  assert.ok(
    prompted / lines.length > 0.08 && summaries / lines.length > 0.05,
    `${prompted} ${summaries}`,
  );
});

Deno.test("topic pairs: the long sentence is longer and shares non-stopwords with the short one", () => {
  assert.equal(
    shortPrompt("the rain"),
    "Write a short sentence about the rain:",
  );
  assert.equal(longPrompt("foxes"), "Write a longer sentence about foxes:");
  const rng = makeRng("pairs");
  const words = (s: string) => new Set(s.toLowerCase().match(/[a-z]+/g));
  for (let i = 0; i < 300; i++) {
    const { topic, short, long } = makeTopicPair(rng);
    const ns = short.split(" ").length, nl = long.split(" ").length;
    assert.ok(ns >= 3 && ns <= 12, `short has ${ns} words: ${short}`);
    assert.ok(nl >= 11 && nl > ns + 4, `long has ${nl} words: ${long}`);
    const longWords = words(long);
    const shared = [...words(short)].filter((w) => longWords.has(w) && !WRITING_STOPWORDS.has(w));
    assert.ok(shared.length >= 1, `no shared content word:\n${short}\n${long}`);
    assert.ok(topic.length > 0 && /^[a-z]/.test(topic), `topic '${topic}'`);
  }
});

Deno.test("corpusStats counts by hand-checked values", () => {
  const s = corpusStats("The cat sat.\nThe dog ran.\n");
  assert.equal(s.bytes, 26);
  assert.equal(s.lines, 2);
  assert.equal(s.words, 6);
  assert.equal(s.distinctWords, 5);
  assert.deepEqual(s.top20[0], ["the", 2]);
  assert.equal(s.top20Share, 1);
  assert.equal(corpusStats("").top20Share, 0);
});

Deno.test("bad inputs raise UserError naming the argument", () => {
  assert.throws(
    () => generateCorpus(0, 0),
    (e) => e instanceof UserError && /'bytes'/.test(e.message),
  );
  assert.throws(() => generateCorpus(0, 1.5), UserError);
  assert.throws(
    () => generateCorpus("", 100),
    (e) => e instanceof UserError && /'seed'/.test(e.message),
  );
  assert.throws(
    () => parseMakeCorpusArgs(["--bytes", "lots"]),
    (e) => e instanceof UserError && /--bytes/.test(e.message),
  );
  assert.throws(() => parseMakeCorpusArgs(["--colour", "red"]), UserError);
  assert.deepEqual(parseMakeCorpusArgs(["--seed", "3", "--bytes", "1000"]), {
    seed: "3",
    out: "",
    bytes: 1000,
    sample: 0,
  });
});

Deno.test("the shipped corpus is exactly what seed 0 and 1500000 bytes generate", async () => {
  const shipped = await Deno.readTextFile(SHIPPED.path);
  const fresh = generateCorpus(SHIPPED.seed, SHIPPED.bytes);
  assert.equal(shipped.length, fresh.length);
  assert.ok(
    shipped === fresh,
    "data/corpus/stories.txt differs: rerun tools/make_corpus.ts (see its README)",
  );
  const stats = corpusStats(shipped);
  assert.ok(
    stats.bytes > 1_400_000 && stats.bytes <= 1_500_000,
    `bytes ${stats.bytes}`,
  );
  assert.ok(
    stats.distinctWords >= 1500 && stats.distinctWords <= 3000,
    `distinct ${stats.distinctWords}`,
  );
  assert.ok(stats.top20Share < 0.4, `top-20 share ${stats.top20Share}`);
});

Deno.test("lib/envs/toy_vocabulary.ts lists exactly the words of the shipped corpus", () => {
  const want = [...new Set(words(generateCorpus(SHIPPED.seed, SHIPPED.bytes)))].sort();
  assert.deepEqual(
    [...toyVocabulary()].sort(),
    want,
    "lib/envs/toy_vocabulary.ts is stale: regenerate it from generateCorpus(0, 1_500_000)",
  );
});
