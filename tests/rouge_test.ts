// ROUGE (as Google's rouge-score) and the Porter stemmer: hand-computed known values.
import assert from "node:assert/strict";
import { porterMeasure, porterStem } from "../lib/metrics/porter.ts";
import {
  fMeasure,
  lcsLength,
  rougeL,
  rougeLsum,
  rougeN,
  type RougeScore,
  rougeTokenize,
} from "../lib/metrics/rouge.ts";
import { UserError } from "../lib/util/errors.ts";

function assertScore(actual: RougeScore, p: number, r: number, f: number) {
  const close = (a: number, b: number, what: string) =>
    assert.ok(Math.abs(a - b) < 1e-12, `${what}: got ${a}, expected ${b}`);
  close(actual.precision, p, "precision");
  close(actual.recall, r, "recall");
  close(actual.fmeasure, f, "fmeasure");
}

Deno.test("porter: the paper's examples and the classic stems", () => {
  const cases: Record<string, string> = {
    caresses: "caress",
    ponies: "poni",
    caress: "caress",
    cats: "cat",
    feed: "feed",
    agreed: "agre",
    plastered: "plaster",
    bled: "bled",
    motoring: "motor",
    sing: "sing",
    conflated: "conflat",
    troubled: "troubl",
    sized: "size",
    hopping: "hop",
    falling: "fall",
    hissing: "hiss",
    filing: "file",
    happy: "happi",
    sky: "sky",
    relational: "relat",
    conditional: "condit",
    generalization: "gener",
    running: "run",
    hopefulness: "hope",
    electrical: "electr",
    adjustment: "adjust",
    adoption: "adopt",
    controlling: "control",
    roll: "roll",
    probate: "probat",
    rate: "rate",
    cease: "ceas",
  };
  for (const [word, stem] of Object.entries(cases)) {
    assert.equal(porterStem(word), stem, word);
    assert.equal(porterStem(word, "nltk"), stem, `${word} (nltk)`);
  }
});

Deno.test("porter: where NLTK's default mode (used by rouge-score) differs", () => {
  // [word, original algorithm, NLTK extensions]
  const cases: [string, string, string][] = [
    ["dies", "di", "die"], // -ies on a 4-letter word
    ["ties", "ti", "tie"], // (the paper's own example: ties -> ti)
    ["died", "di", "die"], // -ied on a 4-letter word
    ["enjoy", "enjoi", "enjoy"], // y -> i only after a consonant
    ["cry", "cry", "cri"],
    ["dying", "dy", "die"], // irregular form
    ["skies", "ski", "sky"],
    ["conformably", "conform", "conform"],
    ["archaeology", "archaeologi", "archaeolog"], // logi -> log
    ["hopefully", "hopefulli", "hope"], // fulli -> ful
    ["as", "a", "as"], // NLTK leaves words of <= 2 letters alone
  ];
  for (const [word, original, nltk] of cases) {
    assert.equal(porterStem(word, "original"), original, `${word} (original)`);
    assert.equal(porterStem(word, "nltk"), nltk, `${word} (nltk)`);
  }
  assert.equal(porterStem("Running"), "run"); // lowercased first
});

Deno.test("porter: measure m of [C](VC)^m[V]", () => {
  for (const w of ["tr", "ee", "tree", "y", "by"]) {
    assert.equal(porterMeasure(w), 0, w);
  }
  for (const w of ["trouble", "oats", "trees", "ivy"]) {
    assert.equal(porterMeasure(w), 1, w);
  }
  for (const w of ["troubles", "private", "oaten", "orrery"]) {
    assert.equal(porterMeasure(w), 2, w);
  }
});

Deno.test("rouge tokenize: lowercase, non-alphanumerics to spaces, stem only > 3 chars", () => {
  assert.deepEqual(rougeTokenize("The cats' running-shoes!"), [
    "the",
    "cats",
    "running",
    "shoes",
  ]);
  assert.deepEqual(
    rougeTokenize("The cats' running-shoes!", { useStemmer: true }),
    [
      "the",
      "cat",
      "run",
      "shoe",
    ],
  );
  // "dies" has 4 chars so it is stemmed; "was" (3 chars) is not ("wa" if it were).
  assert.deepEqual(rougeTokenize("dies was", { useStemmer: true }), [
    "die",
    "was",
  ]);
  assert.deepEqual(
    rougeTokenize("dies was", { useStemmer: true, stemmer: "original" }),
    [
      "di",
      "was",
    ],
  );
  // Non-ASCII letters are not [a-z0-9]: they become spaces, as in rouge-score.
  assert.deepEqual(rougeTokenize("Café ÜBER 你好 x2"), ["caf", "ber", "x2"]);
  assert.deepEqual(rougeTokenize(""), []);
  assert.deepEqual(rougeTokenize("  ...  "), []);
});

Deno.test("lcsLength: hand-computed cases", () => {
  assert.equal(lcsLength(["a", "b", "c", "d"], ["a", "c", "b", "d"]), 3);
  assert.equal(lcsLength([..."ABCBDAB"], [..."BDCABA"]), 4); // CLRS example
  assert.equal(lcsLength([], ["a"]), 0);
  assert.equal(lcsLength(["a", "b"], ["c", "d"]), 0);
});

Deno.test("rougeL: LCS precision/recall/F by hand", () => {
  // LCS(a b c d e, a c e x) = a c e: P = 3/4, R = 3/5, F = 2·(3/4)(3/5)/(27/20) = 2/3.
  assertScore(rougeL("a b c d e", "a c e x"), 3 / 4, 3 / 5, 2 / 3);
  // The ROUGE paper's example: without stemming "killed" ≠ "kill"; with stemming all 4 match.
  const target = "police killed the gunman";
  assertScore(rougeL(target, "police kill the gunman"), 3 / 4, 3 / 4, 3 / 4);
  assertScore(
    rougeL(target, "police kill the gunman", { useStemmer: true }),
    1,
    1,
    1,
  );
  assertScore(rougeL(target, "the gunman kill police"), 2 / 4, 2 / 4, 2 / 4);
});

Deno.test("rougeN: clipped n-gram overlap by hand", () => {
  const target = "the cat sat on the mat";
  const prediction = "the cat on the mat";
  // Unigrams: overlap 5 of 5 predicted, 6 target → P = 1, R = 5/6, F = 10/11.
  assertScore(rougeN(target, prediction, 1), 1, 5 / 6, 10 / 11);
  // Bigrams: {the cat, on the, the mat} match → P = 3/4, R = 3/5, F = 2/3.
  assertScore(rougeN(target, prediction, 2), 3 / 4, 3 / 5, 2 / 3);
  // Clipping: "the the the" vs "the": 1 match.
  assertScore(rougeN("the", "the the the", 1), 1 / 3, 1, 0.5);
  assert.throws(() => rougeN("a", "a", 0), UserError);
  assert.throws(() => rougeN("a", "a", 1.5), UserError);
});

Deno.test("rouge: empty strings give zeros (never NaN); identical texts give 1", () => {
  for (const [t, p] of [["", ""], ["", "a b"], ["a b", ""], ["!!!", "a"]]) {
    assertScore(rougeL(t, p), 0, 0, 0);
    assertScore(rougeN(t, p, 1), 0, 0, 0);
    assertScore(rougeN(t, p, 2), 0, 0, 0);
    assertScore(rougeLsum(t, p), 0, 0, 0);
  }
  const text = "MAGRPO trains two agents.\nThey cooperate on a shared reward.";
  assertScore(rougeL(text, text), 1, 1, 1);
  assertScore(rougeN(text, text, 1), 1, 1, 1);
  assertScore(rougeN(text, text, 2), 1, 1, 1);
  assertScore(rougeLsum(text, text), 1, 1, 1);
  assert.equal(fMeasure(0, 0), 0);
});

Deno.test("rouge: non-ASCII text", () => {
  // Only "au lait" survives on both sides besides caf/cafe: LCS 2 of 3.
  assertScore(rougeL("café au lait", "cafe au lait"), 2 / 3, 2 / 3, 2 / 3);
  // Entirely non-ASCII text has no ROUGE tokens at all (rouge-score behaves the same).
  assertScore(rougeL("你好 世界", "你好 世界"), 0, 0, 0);
  assertScore(rougeN("Привет мир", "Привет мир", 1), 0, 0, 0);
});

Deno.test("rougeLsum: summary-level union LCS with clipped counts", () => {
  // Sentence order swapped: plain ROUGE-L finds LCS 2 of 4, ROUGE-Lsum matches every sentence.
  assertScore(rougeL("a b\nc d", "c d\na b"), 0.5, 0.5, 0.5);
  assertScore(rougeLsum("a b\nc d", "c d\na b"), 1, 1, 1);
  // r1 = [a b c]: union of LCS with [a b] ({a,b}) and [c d e] ({c}) = 3 hits; r2 = [d e]: 2 hits.
  assertScore(rougeLsum("a b c\nd e", "a b\nc d e"), 1, 1, 1);
  // Each target "a" would match the single predicted "a"; counts are clipped → 1 hit.
  assertScore(rougeLsum("a\na", "a"), 1, 1 / 2, 2 / 3);
  // Empty lines are ignored.
  assertScore(rougeLsum("a b\n\n", "\na b"), 1, 1, 1);
});
