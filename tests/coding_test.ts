// The coding environment: code extraction, every reward level by hand, syntax-error location,
// the feedback transition. Datasets and the HumanEval check: tests/env_coding_data_test.ts.
import assert from "node:assert/strict";
import { codingEnv, codingReward, evaluateCoding, promptPreamble } from "../lib/envs/coding.ts";
import {
  extractCode,
  extractFunction,
  hasReturnValue,
  importLines,
} from "../lib/sandbox/source.ts";
import { functionParams } from "../lib/envs/coding_feedback.ts";
import { SUM_SQ } from "./fixtures.ts";
import { UserError } from "../lib/util/errors.ts";

const AUX_SQ = "def aux(x):\n    return x * x";
const MAIN_LOOP =
  "def sum_sq(nums):\n    total = 0\n    for x in nums:\n        total += aux(x)\n    return total";

Deno.test("extractCode: fences, unterminated fence, prose before code", () => {
  assert.equal(
    extractCode("Sure!\n```python\ndef aux(x):\n    return x\n```\nDone."),
    "def aux(x):\n    return x",
  );
  assert.equal(
    extractCode("```py\ndef f():\n    return 1"),
    "def f():\n    return 1",
  );
  assert.equal(
    extractCode("Here it is:\ndef f():\n    return 1\n"),
    "def f():\n    return 1",
  );
  assert.equal(
    extractCode("```js\nlet x\n```\n```\nimport os\n```"),
    "import os",
  );
  assert.equal(extractCode(""), "");
  assert.equal(extractCode("no code at all"), "no code at all");
});

Deno.test("extractFunction: block, decorators, docstrings, signatures, nesting", () => {
  assert.equal(
    extractFunction("x = 1\ndef aux(a):\n    return a\nprint(aux(2))", "aux"),
    "def aux(a):\n    return a",
  );
  const doc = 'def f(a,\n      b):\n    """Doc\nat column 0\n"""\n\n    return a\n\nf(1, 2)';
  assert.equal(
    extractFunction(doc, "f"),
    'def f(a,\n      b):\n    """Doc\nat column 0\n"""\n\n    return a',
  );
  assert.equal(
    extractFunction("@cache\ndef g(n):\n    return n\n", "g"),
    "@cache\ndef g(n):\n    return n",
  );
  assert.equal(
    extractFunction("class A:\n    def aux(self):\n        return 1\n", "aux"),
    "def aux(self):\n    return 1",
  );
  assert.equal(extractFunction("def auxiliary():\n    return 1", "aux"), "");
  assert.equal(extractFunction("", "aux"), "");
});

Deno.test("hasReturnValue / importLines / preamble / params", () => {
  assert.equal(hasReturnValue("def f():\n    return 1"), true);
  assert.equal(hasReturnValue("def f():\n    return(1)"), true);
  assert.equal(hasReturnValue("def f():\n    return\n"), false);
  assert.equal(
    hasReturnValue(
      'def f():\n    """return the value"""\n    # return x\n    print("return x")',
    ),
    false,
  );
  assert.deepEqual(
    importLines(
      "import math\nfrom typing import List\n  import os\nx = 1\nimport a, b as c",
    ),
    [
      "import math",
      "from typing import List",
      "import a, b as c",
    ],
  );
  assert.equal(promptPreamble(SUM_SQ), "from typing import List");
  assert.equal(functionParams(SUM_SQ), "nums");
});

/** Our strict variant (the authors' default is pinned in coding_authors_corpus_test.ts). */
async function reward(aux: string, main: string, opts = {}) {
  return await codingReward(aux, main, SUM_SQ, { rewardVariant: "strict", ...opts });
}

/** The six reward levels, in order: aux, main, syntax, tests, aux used, not a wrapper. */
function levels(...v: number[]): Record<string, number> {
  const names = [
    "aux_defined",
    "main_defined",
    "syntax",
    "tests",
    "aux_used",
    "not_wrapper",
  ];
  return Object.fromEntries(names.map((k, i) => [k, v[i]]));
}

/** Completions used by the level table below. */
const C = {
  auxAll: "def aux(nums):\n    return sum(x * x for x in nums)",
  auxPrint: "def aux(x):\n    print(x)",
  auxFenced: "Voilà:\n```python\ndef aux(x):\n    return x * x  # квадрат\n```",
  wrap: "def sum_sq(nums):\n    return aux(nums)",
  wrap2: "def sum_sq(nums):\n    r = aux(nums)\n    return r",
  alone: "def sum_sq(nums):\n    return sum(x * x for x in nums)",
  noReturn: "def sum_sq(nums):\n    pass",
  broken: "def sum_sq(nums):\n    return sum(x * x for x in nums",
  half: "def sum_sq(nums):\n    return sum(nums) ** 2",
  ignoresAux: "def sum_sq(nums):\n    aux(nums)\n    return sum(x * x for x in nums)",
  allFail: "def sum_sq(nums):\n    return aux(len(nums)) - 100",
  fenced: "```python\n# 计算平方和 ✓\ndef sum_sq(nums):\n    total = 0\n" +
    "    for x in nums:\n        total += aux(x)\n    note = 'naïve'\n    return total\n```",
};

Deno.test("codingReward: every level, hand-computed totals", async () => {
  // levels: aux_defined, main_defined, syntax, tests, aux_used, not_wrapper.
  // "full" = 0.4 + 0.6 + 0.5 + 4/4 + 0.5 + 1.0; a missing entry point or a syntax error
  // stops after its level; "2 of 4": only [] and [3] pass; bonuses need >= 1 passing test.
  const cases: Array<[string, string, string, Record<string, number>]> = [
    ["full", AUX_SQ, MAIN_LOOP, levels(0.4, 0.6, 0.5, 1, 0.5, 1)],
    ["wrapper", C.auxAll, C.wrap, levels(0.4, 0.6, 0.5, 1, 0.5, 0)],
    ["wrapper2", C.auxAll, C.wrap2, levels(0.4, 0.6, 0.5, 1, 0.5, 0)],
    ["ignores aux", AUX_SQ, C.alone, levels(0.4, 0.6, 0.5, 1, 0, 0)],
    ["aux silent", "", C.alone, levels(0, 0.6, 0.5, 1, 0, 0)],
    ["main silent", AUX_SQ, "", levels(0.4, 0, 0, 0, 0, 0)],
    ["both silent", "", "", levels(0, 0, 0, 0, 0, 0)],
    ["no return", AUX_SQ, C.noReturn, levels(0.4, 0, 0, 0, 0, 0)],
    ["syntax", AUX_SQ, C.broken, levels(0.4, 0.6, 0, 0, 0, 0)],
    ["2 of 4", AUX_SQ, C.half, levels(0.4, 0.6, 0.5, 0.5, 0, 0)],
    ["aux prints", C.auxPrint, C.ignoresAux, levels(0, 0.6, 0.5, 1, 0.5, 1)],
    ["all fail", AUX_SQ, C.allFail, levels(0.4, 0.6, 0.5, 0, 0, 0)],
    ["non-ASCII", C.auxFenced, C.fenced, levels(0.4, 0.6, 0.5, 1, 0.5, 1)],
  ];
  const results = await Promise.all(cases.map(([, a, m]) => reward(a, m)));
  cases.forEach(([name, , , levels], i) => {
    assert.deepEqual(results[i].levels, levels, name);
    const total = Object.values(levels).reduce((s, x) => s + x, 0);
    assert.ok(
      Math.abs(results[i].total - total) < 1e-9,
      `${name}: ${results[i].total} vs ${total}`,
    );
  });
  assert.equal(results[0].total, 4);
  assert.equal(results[5].total, 0.4);
  assert.equal(results[6].total, 0);
  assert.equal(results[8].total, 1);
  assert.equal(results[9].total, 2);
});

Deno.test("codingReward: timeouts stop after 3, no bonus without a passing test", async () => {
  const r = await reward(
    AUX_SQ,
    "def sum_sq(nums):\n    while True:\n        aux(1)\n    return 0",
    { testTimeoutMs: 300 },
  );
  assert.deepEqual(r.levels, levels(0.4, 0.6, 0.5, 0, 0, 0));
  const rep = await evaluateCoding(
    AUX_SQ,
    "def sum_sq(nums):\n    while nums:\n        pass\n    return 0",
    SUM_SQ,
    { testTimeoutMs: 300 },
  );
  assert.equal(rep.checks?.timeouts, 3);
  assert.deepEqual(rep.checks?.tests.map((t) => t.status), [
    "timeout",
    "pass",
    "timeout",
    "timeout",
  ]);
});

Deno.test("evaluateCoding: syntax errors are located in the agent's part", async () => {
  const rep = await evaluateCoding(
    AUX_SQ,
    "def sum_sq(nums):\n    return sum(x * x for x in nums",
    SUM_SQ,
  );
  assert.equal(rep.checks?.syntax.ok, false);
  assert.deepEqual(rep.syntaxWhere, { part: "main", line: 2 });
  const rep2 = await evaluateCoding(
    "def aux(x):\n    return x +* 2",
    MAIN_LOOP,
    SUM_SQ,
  );
  assert.deepEqual(rep2.syntaxWhere, { part: "aux", line: 2 });
  assert.deepEqual(rep2.joint.parts.map((p) => p.name), [
    "problem",
    "aux",
    "main",
  ]);
});

Deno.test("codingEnv (strict, full feedback, our prompts): prompts, reward, feedback transition", async () => {
  const env = codingEnv([SUM_SQ], {
    testTimeoutMs: 1000,
    rewardVariant: "strict",
    feedback: "full",
    prompts: "ours",
  });
  assert.equal(env.numAgents, 2);
  assert.equal(env.name, "coding");
  const [pa, pm] = env.formatters.map((f) => f(SUM_SQ));
  assert.ok(
    pa.includes(SUM_SQ.prompt.trimEnd()) && pa.includes("def aux(...)"),
  );
  assert.ok(pm.includes("def sum_sq(nums):") && pm.includes("aux(...)"));
  assert.ok(!pa.includes("def sum_sq(nums):\n    ..."));
  const completions = [AUX_SQ, "def sum_sq(nums):\n    return sum(nums) ** 2"];
  const r = await env.reward(completions, SUM_SQ);
  assert.equal(r.total, 2);
  const hist = [{ prompts: [pa], responses: [completions[0]] }, {
    prompts: [pm],
    responses: [completions[1]],
  }];
  const [na, nm] = await env.transition!(SUM_SQ, completions, hist);
  for (const p of [na, nm]) {
    assert.ok(p.includes("aux(...): FOUND"));
    assert.ok(p.includes("sum_sq(...): FOUND"));
    assert.ok(p.includes("Syntax: OK"));
    assert.ok(p.includes("Tests: 2/4 passed"));
    assert.ok(
      p.includes(
        "First failing test: assert candidate([1, 2]) == 5\n  -> AssertionError",
      ),
    );
    assert.ok(p.startsWith("Another attempt. You are agent"));
  }
  assert.ok(na.includes(completions[0]) && !na.includes(completions[1]));
  assert.ok(nm.includes(completions[1]) && !nm.includes(completions[0]));
  assert.ok(nm.includes("aux usage: aux is never called"));
  const [, bad] = await env.transition!(SUM_SQ, [
    "",
    "def sum_sq(nums):\n    return (",
  ], hist);
  assert.ok(bad.includes("aux(...): MISSING"));
  assert.match(bad, /Syntax: ERROR in main at line 2: /);
  const [, none] = await env.transition!(
    SUM_SQ,
    [AUX_SQ, "I cannot do this."],
    hist,
  );
  assert.ok(
    none.includes("sum_sq(...): MISSING") && none.includes("Tests: not run"),
  );
  await assert.rejects(
    async () => await env.reward(["a", "b", "c"], SUM_SQ),
    UserError,
  );
});
