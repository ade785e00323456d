// Tests for lib/metrics/codebleu*.ts: known values from the reference CodeBLEU (k4black/codebleu)
// tests and README, NLTK's BLEU doctests, hand-computed components, and edge cases.
import assert from "node:assert/strict";
import { codebleu } from "../lib/metrics/codebleu.ts";
import {
  corpusBleu,
  pyStrip,
  splitWhitespace,
  weightedCorpusBleu,
} from "../lib/metrics/codebleu_bleu.ts";
import { MAX_DFG_STEPS, pythonDataFlow } from "../lib/metrics/codebleu_dataflow.ts";
import { normalizeDataFlow } from "../lib/metrics/codebleu_dataflow_match.ts";
import { removeCommentsAndDocstrings, subtreeSexps } from "../lib/metrics/codebleu_syntax.ts";
import { PYTHON_KEYWORDS } from "../lib/metrics/python_keywords.ts";
import { pythonParser, withSyntaxTree } from "../lib/metrics/treesitter.ts";
import { UserError } from "../lib/util/errors.ts";

const close = (actual: number, expected: number, tol: number, what: string) =>
  assert.ok(
    Math.abs(actual - expected) <= tol,
    `${what}: expected ${expected} ± ${tol}, got ${actual}`,
  );

const FOO = "def foo ( x ) :\n    return x";

Deno.test("codebleu: the reference test suite's simple cases", async () => {
  // [prediction, reference, reference's expected codebleu, [ngram, weighted, syntax, dataflow]]
  const cases: [string, string, number, number[]][] = [
    [FOO, FOO, 1.0, [1, 1, 1, 1]],
    // BLEU: p1..p4 = 7/8, 5/7, 4/6, 3/5 → (1/4)^(1/4) = 0.7071; weighted unigram recall 3.0/3.2
    // (only `foo`, weight 0.2, is missed) → (0.9375·5/7·4/6·3/5)^(1/4) = 0.7194.
    ["def bar ( x ) :\n    return x", FOO, 0.85, [
      Math.SQRT1_2,
      0.719408902854813,
      1,
      1,
    ]],
    // Hypothesis `... return x * x` against `def bar ...`: p = 7/10, 5/9, 4/8, 3/7; syntax 1/5.
    [
      "def foo ( x ) :\n    return x * x",
      "def bar ( x ) :\n    return x",
      0.61,
      [
        Math.pow(0.7 * (5 / 9) * 0.5 * (3 / 7), 0.25),
        0.719408902854813,
        0.2,
        1,
      ],
    ],
    ["def bar ( y , x ) :\n    a = x * x\n    return a", FOO, 0.36, [
      0.08085298080223222,
      0.17286039232097053,
      0.2,
      1,
    ]],
    // No data flow in the reference: the score is 0 and enters the sum as 1.
    [
      "some rannnndom words in length more than 3",
      "def test ( ) :\n pass",
      0.25,
      [0, 0, 0, 0],
    ],
  ];
  for (const [prediction, reference, expected, parts] of cases) {
    const s = await codebleu([reference], [prediction]);
    close(
      s.codebleu,
      expected,
      0.01,
      `codebleu of ${JSON.stringify(prediction)}`,
    );
    const got = [
      s.ngram_match_score,
      s.weighted_ngram_match_score,
      s.syntax_match_score,
      s.dataflow_match_score,
    ];
    got.forEach((g, i) =>
      close(
        g,
        parts[i],
        1e-12,
        `component ${i} of ${JSON.stringify(prediction)}`,
      )
    );
    const sum = 0.25 * (got[0] + got[1] + got[2] + (got[3] || 1));
    close(s.codebleu, sum, 1e-15, "weighted sum");
  }
});

Deno.test("codebleu: README and HF-space examples, all four components", async () => {
  const readme = await codebleu([
    "def sum ( first , second ) :\n return second + first",
  ], [
    "def add ( a , b ) :\n return a + b",
  ]);
  close(readme.codebleu, 0.5537, 1e-4, "codebleu"); // README truncates to 4 digits
  close(readme.ngram_match_score, 0.1041, 1e-4, "ngram");
  close(readme.weighted_ngram_match_score, 0.1109, 1e-4, "weighted");
  assert.equal(readme.syntax_match_score, 1);
  assert.equal(readme.dataflow_match_score, 1);

  const src = [
    "class AcidicSwampOoze(MinionCard):",
    "    def __init__(self):",
    '        super().__init__("Acidic Swamp Ooze", 2, CHARACTER_CLASS.ALL, CARD_RARITY.COMMON, ' +
    "battlecry=Battlecry(Destroy(), WeaponSelector(EnemyPlayer())))",
    "",
    "    def create_minion(self, player):",
    "        return Minion(3, 2)",
    "",
  ].join("\n");
  const hf = await codebleu([[src]], [
    src.replace("AcidicSwampOoze", "AcidSwampOoze"),
  ]);
  close(hf.codebleu, 0.9473264567644872, 1e-12, "codebleu");
  close(hf.ngram_match_score, 0.8915993127600096, 1e-12, "ngram");
  close(hf.weighted_ngram_match_score, 0.8977065142979394, 1e-12, "weighted");
  assert.equal(hf.syntax_match_score, 1);
  assert.equal(hf.dataflow_match_score, 1);
});

Deno.test("codebleu: several references per prediction (reference's input variants)", async () => {
  const pred = "def foo ( x ) : pass";
  assert.equal((await codebleu([pred], [pred])).codebleu, 1);
  assert.equal((await codebleu([[pred]], [pred])).codebleu, 1);
  for (
    const refs of [["def bar ( x ) : pass", pred], [
      pred,
      "def bar ( x ) : pass",
    ]]
  ) {
    const s = await codebleu([refs], [pred]);
    close(s.codebleu, 0.95, 0.0095, "codebleu"); // reference: approx(0.95, rel=0.01)
    // Weighted recall sums over both references: unigrams (2.8 + 3.0) / (3.0 + 3.0) (only
    // `bar`, weight 0.2, is missed), n ≥ 2: (4 + 6) / 12, (3 + 5) / 10, (2 + 4) / 8.
    close(
      s.weighted_ngram_match_score,
      Math.pow((5.8 / 6) * (10 / 12) * (8 / 10) * (6 / 8), 0.25),
      1e-12,
      "weighted",
    );
    assert.equal(s.ngram_match_score, 1);
    assert.equal(s.syntax_match_score, 1);
  }
  // Corpus of two predictions: counts are pooled, not averaged.
  const two = await codebleu([FOO, "def bar ( x ) :\n    return x"], [
    FOO,
    FOO,
  ]);
  close(
    two.ngram_match_score,
    Math.pow(
      ((8 + 7) / 16) * ((7 + 5) / 14) * ((6 + 4) / 12) * ((5 + 3) / 10),
      0.25,
    ),
    1e-12,
    "pooled",
  );
});

Deno.test("corpusBleu matches NLTK's doctest values; smoothing and brevity penalty", () => {
  const s = (t: string) => t.split(" ");
  const hyp1 = s(
    "It is a guide to action which ensures that the military always obeys the commands of the party",
  );
  const hyp2 = s(
    "It is to insure the troops forever hearing the activity guidebook that party direct",
  );
  const r1 = s(
    "It is a guide to action that ensures that the military will forever heed Party commands",
  );
  const r2 = s(
    "It is the guiding principle which guarantees the military forces always being under the command of the Party",
  );
  const r3 = s(
    "It is the practical guide for the army always to heed the directions of the party",
  );
  close(corpusBleu([[r1, r2, r3]], [hyp1]), 0.5045, 1e-4, "sentence_bleu hyp1");
  close(corpusBleu([[r1]], [hyp1]), 0.4118, 1e-4, "single reference");
  close(corpusBleu([[r1, r2, r3]], [hyp2]), 0.0370, 1e-4, "method1 smoothing");
  const h2 = s("he read the book because he was interested in world history");
  const r2a = s("he was interested in world history because he read the book");
  close(
    corpusBleu([[r1, r2, r3], [r2a]], [hyp1, h2]),
    0.5920,
    1e-4,
    "corpus_bleu",
  );
  // One-token hypothesis against 4 reference tokens: p1 = 1, p2..p4 smoothed to 0.1/1, BP = e^(1-4).
  close(
    corpusBleu([[s("return x + 1")]], [["return"]]),
    Math.exp(-3) * Math.pow(0.001, 0.25),
    1e-15,
    "bp",
  );
  assert.equal(corpusBleu([[s("a b")]], [[]]), 0);
  assert.equal(corpusBleu([[s("a b")]], [s("c d")]), 0);
});

Deno.test("weightedCorpusBleu: keyword weights, recall denominators, the reference's length-2 penalty", () => {
  const keywords = new Set(PYTHON_KEYWORDS);
  // Unigram recall: return(1) matched of return(1) + x, +, 1 (0.2 each) = 1/1.6; orders 2..4 have
  // 3, 2, 1 reference n-grams and no match → 0.1/3, 0.1/2, 0.1/1. The reference measures the length
  // of each [tokens, weights] pair (2), so BP = e^(1 - 2/1), not e^(1 - 4/1).
  const expected = Math.exp(-1) *
    Math.pow((1 / 1.6) * (0.1 / 3) * (0.1 / 2) * 0.1, 0.25);
  close(
    weightedCorpusBleu([[["return", "x", "+", "1"]]], [["return"]], keywords),
    expected,
    1e-15,
    "weighted",
  );
  assert.equal(weightedCorpusBleu([[["return", "x"]]], [[]], keywords), 0);
  assert.equal(PYTHON_KEYWORDS.length, 38);
  assert.ok(["match", "case", "type", "None"].every((k) => keywords.has(k)));
});

Deno.test("tokenization follows Python's str.split() / str.strip() whitespace", () => {
  assert.equal(
    splitWhitespace(" a\u00a0b\u3000c\x1cd\n\te ").join("|"),
    "a|b|c|d|e",
  );
  assert.deepEqual(splitWhitespace("x\u200by"), ["x\u200by"]); // zero-width space is not whitespace
  assert.deepEqual(splitWhitespace(""), []);
  assert.equal(pyStrip("\u2003 def f ( ) \x85\n"), "def f ( )");
});

Deno.test("removeCommentsAndDocstrings reproduces Python 3.11 tokenize-based stripping", () => {
  // Expected strings produced by the reference function under CPython 3.11.
  const cases: [string, string][] = [
    [
      'def f():\n    """doc"""\n    return 1  # one',
      "def f():\n    return 1  ",
    ],
    [
      "def f(x):\n    '''Doc.'''\n    # comment\n    return x  # trailing",
      "def f(x):\n    return x  ",
    ],
    ['x = foo(\n"abc")', "x = foo(\n)"], // a string at column 0 counts as a docstring
    ['def f():\n    x = 1\n\n    "s"\n', 'def f():\n    x = 1\n    "s"'], // after a blank line: kept
    ["x = 1 + \\\n    2", "x = 1 +    2"], // continuation lines are joined
    ["x = (1,\n", "x = (1,\n"], // tokenize fails (EOF in statement): unchanged
    [
      "def f():\n\tif x:\n\t\treturn 1\n\treturn 2",
      "def f():\n\tif x:\n\t\treturn 1\n return 2",
    ],
    ['é = "ü"  # ç\nprint(é)', 'é = "ü"  \nprint(é)'],
  ];
  for (const [source, expected] of cases) {
    assert.equal(removeCommentsAndDocstrings(source), expected);
  }
});

Deno.test("syntax subtrees are s-expressions of named nodes with children", async () => {
  const parser = await pythonParser();
  assert.equal(await pythonParser(), parser); // loaded once, on first use
  assert.deepEqual(withSyntaxTree(parser, "pass", subtreeSexps), [
    "(module (pass_statement))",
    "(pass_statement)",
  ]);
  assert.deepEqual(withSyntaxTree(parser, "", subtreeSexps), ["(module)"]);
  const sexps = withSyntaxTree(parser, FOO, subtreeSexps);
  assert.equal(sexps.length, 5); // module, function_definition, parameters, block, return_statement
  assert.ok(sexps.includes("(parameters (identifier))"));
});

Deno.test("data flow: edges, normalization, and the reference's byte-column quirk", async () => {
  const parser = await pythonParser();
  const flowOf = (code: string) =>
    withSyntaxTree(
      parser,
      code,
      (root) => normalizeDataFlow(pythonDataFlow(root, code)),
    );
  const ascii = [
    { variable: "var_1", relation: "computedFrom", parents: ["var_0"] }, // x ← 1
    { variable: "var_0", relation: "comesFrom", parents: [] }, // 1
    { variable: "var_2", relation: "computedFrom", parents: ["var_1"] }, // y ← x
    { variable: "var_1", relation: "comesFrom", parents: ["var_1"] }, // x (use) ← x (definition)
  ];
  assert.deepEqual(flowOf("x = 1\ny = x"), ascii);
  // Tokens are cut by UTF-8 byte columns: `données` after `é` on line 1 reads "données " while the
  // use on line 2 reads "données", so the use no longer links to the definition.
  assert.deepEqual(flowOf("données = 1\ny = données").slice(2), [
    { variable: "var_3", relation: "computedFrom", parents: ["var_2"] },
    { variable: "var_2", relation: "comesFrom", parents: [] },
  ]);
  assert.equal(
    (await codebleu(["x = 1\ny = x"], ["z = 1\ny = z"])).dataflow_match_score,
    1,
  );
  assert.equal(
    (await codebleu(["x = 1\ny = x"], ["données = 1\ny = données"]))
      .dataflow_match_score,
    0.5,
  );
  const unicode = 'def grüß(naïve="ü"):\n    return naïve + "€"';
  assert.deepEqual(await codebleu([unicode], [unicode]), {
    codebleu: 1,
    ngram_match_score: 1,
    weighted_ngram_match_score: 1,
    syntax_match_score: 1,
    dataflow_match_score: 1,
  });
});

Deno.test("data flow: loops are walked twice; runaway nesting is cut off", async () => {
  const parser = await pythonParser();
  const code = "s = 0\nfor i in range(n):\n    s = s + i";
  const flow = withSyntaxTree(
    parser,
    code,
    (root) => pythonDataFlow(root, code),
  );
  const sum = flow.find((e) =>
    e.name === "s" && e.relation === "computedFrom" && e.parents.length === 2
  )!;
  assert.deepEqual(sum.parents, ["s", "i"]);
  // The `s` read inside the loop comes from the definition before the loop and from itself.
  const read = flow.find((e) => e.name === "s" && e.relation === "comesFrom")!;
  assert.deepEqual(read.parentIdx, [0, 11]); // tokens: s(0) = 0 for i in range ( n ) : s(11) = s(13) + i
  // 40 nested loops would take 2^40 steps in the reference; here the walk gives up (no edges).
  let deep = "";
  for (let d = 0; d < 40; d++) deep += "    ".repeat(d) + `for v${d} in r:\n`;
  deep += "    ".repeat(40) + "x = v0";
  const t0 = performance.now();
  assert.deepEqual(
    withSyntaxTree(parser, deep, (root) => pythonDataFlow(root, deep)),
    [],
  );
  assert.ok(performance.now() - t0 < 20_000 && MAX_DFG_STEPS > 0);
});

Deno.test("codebleu resolves to a plain object with exactly the five scores", async () => {
  const s = await codebleu(["def bar ( x ) :\n    return x"], [FOO]);
  assert.deepEqual(Object.keys(s).sort(), [
    "codebleu",
    "dataflow_match_score",
    "ngram_match_score",
    "syntax_match_score",
    "weighted_ngram_match_score",
  ]);
  // BLEU 1/sqrt(2) (unigram..4-gram precisions 8/9, 6/8, 5/7, 4/6 → reference value), syntax 1,
  // data flow 1: 0.25·(0.7071 + 0.7194 + 1 + 1) ≈ 0.8566 (the 0.85 ± 0.01).
  close(s.codebleu, 0.8566, 0.0001, "codebleu");
  assert.equal(s.syntax_match_score, 1);
  assert.equal(s.dataflow_match_score, 1);
});

Deno.test("codebleu: empty predictions and references", async () => {
  // Empty prediction: no n-grams, "(module)" matches no reference subtree, data flow 0 → counted 1.
  const emptyPred = await codebleu([FOO], [""]);
  assert.deepEqual(emptyPred, {
    codebleu: 0.25,
    ngram_match_score: 0,
    weighted_ngram_match_score: 0,
    syntax_match_score: 0,
    dataflow_match_score: 0,
  });
  assert.equal((await codebleu([""], [FOO])).codebleu, 0.25);
  // Both empty: the only reference subtree "(module)" matches → syntax 1.
  assert.equal((await codebleu(["  \n"], [""])).codebleu, 0.5);
});

Deno.test("codebleu: bad input raises UserError naming the problem", async () => {
  await assert.rejects(
    () => codebleu(["def f(): pass"], ["a", "b"]),
    (e: unknown) => {
      assert.ok(e instanceof UserError);
      assert.match(e.message, /1 references for 2 predictions/);
      return true;
    },
  );
  await assert.rejects(() => codebleu(["x"], ["x"], "java"), (e: unknown) => {
    assert.ok(e instanceof UserError);
    assert.match(e.message, /"java" is not supported; supported: python/);
    return true;
  });
  await assert.rejects(() => codebleu([], []), /at least one prediction/);
  await assert.rejects(
    () => codebleu([[]], ["x"]),
    /references\[0\] must be a string or a non-empty array/,
  );
  await assert.rejects(
    () => codebleu(["x"], [3 as unknown as string]),
    /'predictions' must be an array of strings/,
  );
});
