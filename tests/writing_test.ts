// The writing rewards (TLDR, arXiv): every reward level by hand, gates, edge cases, config checks.
// Environments, per-agent rewards, datasets and loaders: tests/env_writing_test.ts.
import assert from "node:assert/strict";
import { ARXIV_REWARD_CONFIG, arxivReward } from "../lib/envs/arxiv.ts";
import { TLDR_REWARD_CONFIG, tldrReward } from "../lib/envs/tldr.ts";
import {
  bandScore,
  countCodePoints,
  countWhitespaceTokens,
  lowercaseWords,
  maxWritingReward,
  measureWriting,
  transitionCategoriesIn,
  transitionScore,
  vocabularyJaccard,
  writingPaperMetrics,
  writingReward,
} from "../lib/envs/writing_reward.ts";
import { TRANSITION_CATEGORIES, WRITING_STOPWORDS } from "../lib/envs/writing_words.ts";

const close = (a: number, b: number, what = "") =>
  assert.ok(Math.abs(a - b) < 1e-12, `${what}: got ${a}, expected ${b}`);

/**
 * `count` distinct 5-letter words made of consonants only (so no transition phrase and no
 * stopword can occur in them), from namespace letter `ns`, starting at index `from`.
 * A text of n such words has n tokens, n unique words and 6n − 1 characters.
 */
function consonantWords(count: number, ns: string, from = 0): string[] {
  const alphabet = "bcdfghjklmnpqrstvwxz";
  return Array.from({ length: count }, (_, k) => {
    let i = from + k;
    let w = "";
    for (let d = 0; d < 4; d++) {
      w = alphabet[i % 20] + w;
      i = Math.floor(i / 20);
    }
    return ns + w;
  });
}
const text = (words: string[]) => words.join(" ");

Deno.test("text measures: Python-compatible tokens, code points and \\w+ words", () => {
  assert.equal(countWhitespaceTokens(""), 0);
  assert.equal(countWhitespaceTokens("  \n\t "), 0);
  assert.equal(countWhitespaceTokens(" a  b\nc\u3000d\u001ce\u0085f "), 6);
  assert.equal(countWhitespaceTokens("a\ufeffb"), 1); // U+FEFF is not whitespace to Python
  assert.equal(countCodePoints("😀😀"), 2); // UTF-16 length would be 4
  assert.equal(countCodePoints("café"), 4);
  assert.deepEqual(lowercaseWords("Café naïve ÜBER-straße, 你好世界 x_1 😀"), [
    "café",
    "naïve",
    "über",
    "straße",
    "你好世界",
    "x_1",
  ]);
  const w = consonantWords(3, "b");
  assert.deepEqual(w, ["bbbbb", "bbbbc", "bbbbd"]);
  assert.equal(countCodePoints(text(consonantWords(20, "b"))), 119);
});

Deno.test("bandScore: optimum, ramp midpoints, edges, gate", () => {
  const l2 = TLDR_REWARD_CONFIG.lengthRatio; // optimum [1.6, 3.2], acceptable [1.1, 5.0], weight 1
  assert.deepEqual(bandScore(2, l2), { reward: 1, pass: true });
  assert.deepEqual(bandScore(1.6, l2), { reward: 1, pass: true });
  assert.deepEqual(bandScore(3.2, l2), { reward: 1, pass: true });
  close(bandScore(1.35, l2).reward, 0.5, "lower ramp midpoint");
  close(bandScore(4.1, l2).reward, 0.5, "upper ramp midpoint");
  close(bandScore(1.2, l2).reward, 0.2, "(1.2 − 1.1)/0.5");
  assert.deepEqual(bandScore(1.1, l2), { reward: 0, pass: true }); // edge: 0 but gate open
  assert.deepEqual(bandScore(5.0, l2), { reward: 0, pass: true });
  assert.deepEqual(bandScore(1.09, l2), { reward: 0, pass: false });
  assert.deepEqual(bandScore(5.01, l2), { reward: 0, pass: false });
  assert.deepEqual(bandScore(null, l2), { reward: 0, pass: false });
  const l3 = TLDR_REWARD_CONFIG.uniqueWordRatio; // ≥ 2 → 0.5, ramp [1.3, 2)
  assert.deepEqual(bandScore(100, l3), { reward: 0.5, pass: true });
  close(bandScore(1.65, l3).reward, 0.25, "TLDR L3 ramp midpoint");
  assert.deepEqual(bandScore(1.29, l3), { reward: 0, pass: false });
  const a2 = ARXIV_REWARD_CONFIG.lengthRatio; // [1.0, 1.3] in [0.8, 1.5]
  close(bandScore(0.9, a2).reward, 0.5);
  close(bandScore(1.4, a2).reward, 0.5);
  const a3 = ARXIV_REWARD_CONFIG.uniqueWordRatio; // 0.5 on [0.7, 1.3] in [0.5, 1.7]
  close(bandScore(0.6, a3).reward, 0.25);
  close(bandScore(1.5, a3).reward, 0.25);
  assert.equal(bandScore(1.71, a3).pass, false);
});

Deno.test("transition score T and Jaccard J by hand", () => {
  assert.equal(transitionScore(0), 0);
  assert.equal(transitionScore(1), 0.4);
  close(transitionScore(3), 0.5);
  close(transitionScore(12), 0.95); // 12 categories: T never reaches 1
  assert.equal(transitionScore(13), 1); // min(0.4 + 0.6, 1)
  assert.equal(Object.keys(TRANSITION_CATEGORIES).length, 12);
  assert.deepEqual(
    transitionCategoriesIn("However, it rained.", TRANSITION_CATEGORIES),
    [
      "concession",
      "contrast",
    ],
  );
  // Substring matching (the authors' rule): "has" contains "as" (time); "word" mode does not.
  assert.deepEqual(
    transitionCategoriesIn("She has it", TRANSITION_CATEGORIES),
    ["time"],
  );
  assert.deepEqual(
    transitionCategoriesIn("She has it", TRANSITION_CATEGORIES, "word"),
    [],
  );
  assert.deepEqual(transitionCategoriesIn("", TRANSITION_CATEGORIES), []);
  // Non-stopword vocabularies {cats, sleep} and {cats, run}: J = 1/3.
  close(
    vocabularyJaccard("The cats sleep", "Cats run!", WRITING_STOPWORDS),
    1 / 3,
  );
  assert.equal(vocabularyJaccard("the a", "of", WRITING_STOPWORDS), 1); // both empty
  assert.equal(vocabularyJaccard("", "cats", WRITING_STOPWORDS), 0);
});

Deno.test("TLDR L1 gate: token counts in [8, 256] for both, else 0 and stop", () => {
  const seven = text(consonantWords(7, "b"));
  const eight = text(consonantWords(8, "b"));
  const long = text(consonantWords(20, "c"));
  const zero = { tokens: 0, lengthRatio: 0, uniqueWords: 0, transitions: 0, overlap: 0 };
  assert.deepEqual(tldrReward([seven, long]), { total: 0, levels: zero });
  assert.deepEqual(tldrReward([eight, text(consonantWords(257, "c"))]), {
    total: 0,
    levels: zero,
  });
  // One agent silent, or both: 0 without NaN.
  assert.deepEqual(tldrReward(["", long]), { total: 0, levels: zero });
  assert.deepEqual(tldrReward([long, ""]), { total: 0, levels: zero });
  assert.deepEqual(tldrReward(["", ""]), { total: 0, levels: zero });
  // 8 and 256 tokens are inside; ρ = 1535/47 ≈ 32.7 then closes the L2 gate: total 0.5.
  assert.deepEqual(tldrReward([eight, text(consonantWords(256, "c"))]), {
    total: 0.5,
    levels: { ...zero, tokens: 0.5 },
  });
});

Deno.test("TLDR L2: ramps and gate on ρ = chars(c2)/chars(c1)", () => {
  // c1: 8 words, 7 of 4 letters and one of 5 → 7·4 + 5 + 7 spaces = 40 chars, 8 unique words.
  const c1 = "bbbb cccc dddd ffff gggg hhhh jjjj kkkkk";
  assert.equal(countCodePoints(c1), 40);
  // c2 = c1 + " " + 13 letters: 54 chars (ρ = 1.35), 9 unique words (u = 9/8 < 1.3: L3 stops).
  const r1 = tldrReward([c1, `${c1} ${"m".repeat(13)}`]);
  close(r1.levels.lengthRatio, 0.5, "ρ = 1.35 → (1.35 − 1.1)/0.5");
  assert.equal(r1.levels.uniqueWords, 0);
  assert.equal(r1.levels.transitions, 0);
  assert.equal(r1.levels.overlap, 0);
  close(r1.total, 1.0);
  // ρ = 164/40 = 4.1 → 1 − (4.1 − 3.2)/1.8 = 0.5 (u = 9/8 again stops at L3).
  const r2 = tldrReward([c1, `${c1} ${"m".repeat(123)}`]);
  close(r2.levels.lengthRatio, 0.5, "ρ = 4.1");
  close(r2.total, 1.0);
  // ρ = 42/40 = 1.05 < 1.1: gate closes after L1.
  assert.equal(tldrReward([c1, `${c1} m`]).total, 0.5);
  // ρ = 44/40 = 1.1 exactly: L2 gives 0 but the gate stays open; c2 has 22 unique words
  // (u = 22/8 = 2.75 → 0.5), no transition phrase, no shared words (J = 0): total 1.0.
  const c2 = "a b c d e f g h i j k l m n o p q r s t u vv";
  assert.equal(countCodePoints(c2), 44);
  assert.deepEqual(tldrReward([c1, c2]), {
    total: 1,
    levels: { tokens: 0.5, lengthRatio: 0, uniqueWords: 0.5, transitions: 0, overlap: 0 },
  });
});

Deno.test("TLDR L3 ramp and L4 Jaccard term by hand", () => {
  // c1: 20 distinct words (119 chars); c2: 33 distinct words (197 chars), none shared.
  // ρ = 197/119 ≈ 1.655 → 1; u = 33/20 = 1.65 → 0.5·(1.65 − 1.3)/0.7 = 0.25; T = 0, J = 0.
  const c1 = text(consonantWords(20, "b"));
  const r = tldrReward([c1, text(consonantWords(33, "c"))]);
  close(r.levels.lengthRatio, 1);
  close(r.levels.uniqueWords, 0.25, "u = 1.65");
  assert.equal(r.levels.transitions, 0);
  assert.equal(r.levels.overlap, 0);
  close(r.total, 1.75);
  // Same, but c2's first word is c1's first word: J = 1/52, Ĵ = (1/52)/0.03 = 25/39,
  // L4 = 0.6 · 25/39 = 5/13.
  const shared = [...consonantWords(1, "b"), ...consonantWords(32, "c")];
  const s = tldrReward([c1, text(shared)]);
  close(measureWriting(c1, text(shared), TLDR_REWARD_CONFIG).jaccard, 1 / 52);
  assert.equal(s.levels.transitions, 0);
  close(s.levels.overlap, 5 / 13, "L4b = 0.6·Ĵ");
  close(s.total, 1.75 + 5 / 13);
  // u = 25/20 = 1.25 < 1.3 closes the gate at L3 (ρ = 149/119 ≈ 1.25 → ramp 0.3).
  const g = tldrReward([c1, text(consonantWords(25, "c"))]);
  close(g.levels.lengthRatio, (149 / 119 - 1.1) / 0.5);
  assert.equal(g.levels.uniqueWords, 0);
  assert.equal(g.levels.transitions + g.levels.overlap, 0);
});

Deno.test("TLDR maximum is exactly 2.98 (T ≤ 0.95 with 12 categories)", () => {
  assert.equal(maxWritingReward(TLDR_REWARD_CONFIG), 2.98);
  assert.equal(maxWritingReward(ARXIV_REWARD_CONFIG), 2.98);
  // 18 tokens / 111 chars / 18 unique words vs 48 tokens / 324 chars / 45 unique words:
  // ρ ≈ 2.92 → 1, u = 2.5 → 0.5; c2 hits all 12 categories (furthermore, for example,
  // in other words, therefore, however, finally, certainly, in summary, similarly, unless, ...)
  // → T = 0.95; 6 shared content words of 42 → J = 1/7 ≥ 0.03 → Ĵ = 1. L4 = 0.38 + 0.6 = 0.98.
  const c1 =
    "Our landlord kept the entire security deposit after we moved out, claiming one small " +
    "carpet stain justified it.";
  const c2 = "Furthermore, the landlord refused to return any deposit money. For example, he " +
    "blamed one tiny carpet stain; in other words, nothing serious. Therefore we wrote a " +
    "formal letter. However, unless he replies, we will finally go to small-claims court. " +
    "Certainly, in summary, tenants similarly treated should document everything.";
  const m = measureWriting(c1, c2, TLDR_REWARD_CONFIG);
  assert.deepEqual(m.tokens, [18, 48]);
  assert.deepEqual(m.chars, [111, 324]);
  assert.deepEqual(m.uniqueWords, [18, 45]);
  assert.equal(m.transitionCategories.length, 12);
  close(m.jaccard, 1 / 7);
  const r = tldrReward([c1, c2]);
  assert.equal(r.total, 2.98); // L4 summed first: 0.5 + 1 + 0.5 + (0.4·0.95 + 0.6)
  const { transitions, overlap, ...rest } = r.levels;
  assert.deepEqual(rest, { tokens: 0.5, lengthRatio: 1, uniqueWords: 0.5 });
  close(transitions, 0.38, "Coherence: 0.4·T, T = 0.95");
  assert.equal(overlap, 0.6); // Ĵ = 1
  close(transitions + overlap, 0.98, "the old single L4 level");
  // grouped as the authors' plotting/plot_writing.py: structure = level 1 + 2 + 3,
  // coherence = transition reward, consistency = Jaccard reward
  const paper = writingPaperMetrics(r.levels);
  assert.equal(paper.structure, 2);
  close(paper.coherence, 0.38, "coherence");
  assert.equal(paper.consistency, 0.6);
});

Deno.test("TLDR non-ASCII: characters are code points, emoji are not words", () => {
  // c1: 8 ASCII tokens, 39 chars. c2: 8 tokens of 3 emoji = 31 code points (55 UTF-16 units).
  // ρ = 31/39 ≈ 0.79 < 1.1 → stop after L1 (with UTF-16 lengths ρ would be 1.41, inside).
  const c1 = "abcd efgh ijkl mnop qrst uvwx yzab cdef";
  const c2 = Array(8).fill("😀😀😀").join(" ");
  const m = measureWriting(c1, c2, TLDR_REWARD_CONFIG);
  assert.deepEqual(m.chars, [39, 31]);
  assert.deepEqual(m.uniqueWords, [8, 0]);
  assert.deepEqual(tldrReward([c1, c2]).levels, {
    tokens: 0.5,
    lengthRatio: 0,
    uniqueWords: 0,
    transitions: 0,
    overlap: 0,
  });
  // c1 made only of emoji/punctuation: u undefined (no words) → L3 gate closes, no NaN.
  const e1 = Array(8).fill("😀").join(" "); // 15 code points
  const e2 = Array(15).fill("好").join(" "); // 29 code points, 1 unique word → ρ ≈ 1.93
  const r = tldrReward([e1, e2]);
  assert.equal(
    measureWriting(e1, e2, TLDR_REWARD_CONFIG).uniqueWordRatio,
    null,
  );
  assert.deepEqual(r, {
    total: 1.5,
    levels: { tokens: 0.5, lengthRatio: 1, uniqueWords: 0, transitions: 0, overlap: 0 },
  });
});

Deno.test("arXiv levels by hand: 128–256 tokens, ρ and u bands, transitions in both texts", () => {
  const c1 = text(consonantWords(150, "b")); // 150 tokens, 899 chars, 150 unique words
  // L1: 127 tokens fails.
  assert.equal(arxivReward([text(consonantWords(127, "b")), c1]).total, 0);
  // c2 = 150 tokens reusing 90 of c1's words: ρ = 1 → 1; u = 0.6 → 0.25; J = 90/150 ≥ 0.23
  // → Ĵ = 1; T = 0 → L4 = 0.6. Total 0.5 + 1 + 0.25 + 0.6 = 2.35.
  const w90 = consonantWords(90, "b");
  const c2 = text([...w90, ...w90.slice(0, 60)]);
  const r = arxivReward([c1, c2]);
  close(r.levels.lengthRatio, 1);
  close(r.levels.uniqueWords, 0.25, "u = 0.6");
  assert.equal(r.levels.transitions, 0);
  close(r.levels.overlap, 0.6);
  close(r.total, 2.35);
  // ρ = 0.9: c1' = 900 chars (one 6-letter word), c2' = 810 chars with 135 fresh words:
  // L2 = 0.5, u = 135/150 = 0.9 → 0.5, J = 0, T = 0 → total 1.5.
  const c1b = text([...consonantWords(149, "b"), "bxxxxx"]);
  const c2b = text([...consonantWords(134, "c"), "cxxxxx"]);
  assert.deepEqual([countCodePoints(c1b), countCodePoints(c2b)], [900, 810]);
  const rb = arxivReward([c1b, c2b]);
  close(rb.levels.lengthRatio, 0.5, "ρ = 0.9");
  close(rb.total, 1.5);
  // Transitions are counted in both texts: one category in c1 ("however" → contrast,
  // concession) and one in c2 ("therefore" → cause_effect) → k = 3, T = 0.5, 0.4·T = 0.2.
  const t1 = `however ${text(consonantWords(149, "b"))}`;
  const t2 = `therefore ${text(consonantWords(149, "c"))}`;
  const m = measureWriting(t1, t2, ARXIV_REWARD_CONFIG);
  assert.deepEqual(m.transitionCategories, [
    "cause_effect",
    "concession",
    "contrast",
  ]);
  close(arxivReward([t1, t2]).levels.transitions, 0.2);
  // TLDR counts c2 only: the same pair would give k = 1.
  assert.deepEqual(
    measureWriting(t1, t2, TLDR_REWARD_CONFIG).transitionCategories,
    [
      "cause_effect",
    ],
  );
});

Deno.test("writing config checks: no silent NaN from a bad config", () => {
  const bad = { ...TLDR_REWARD_CONFIG, jaccardCap: 0 };
  assert.throws(() => writingReward("a", "b", bad), {
    message: "writing reward config 'tldr': jaccardCap must be > 0, got 0",
  });
  const band = {
    optimum: [2, 3] as const,
    acceptable: [2.5, 4] as const,
    weight: 1,
  };
  assert.throws(
    () => writingReward("a", "b", { ...TLDR_REWARD_CONFIG, lengthRatio: band }),
    /lengthRatio/,
  );
});
