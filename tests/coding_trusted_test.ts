// Test verdicts decided outside the untrusted process (issue 10, deliverable 2) and answers
// returning dict/list subclasses keeping full credit in every variant (issue 9, deliverable 3).
import assert from "node:assert/strict";
import { codingEnv, codingReward } from "../lib/envs/coding.ts";
import type { HumanEvalProblem } from "../lib/envs/datasets.ts";
import { runVerdictTests } from "../lib/sandbox/verdict.ts";
import { type Plain, pyEqual } from "../lib/sandbox/plain.ts";

const DOUBLE: HumanEvalProblem = {
  task_id: "t/double",
  prompt: "def double(x):\n",
  test: "def check(candidate):\n    assert candidate(1) == 2\n    assert candidate(2) == 4\n" +
    "    assert candidate(3) == 6\n",
  entry_point: "double",
};
const COUNT: HumanEvalProblem = {
  task_id: "t/count",
  prompt: "def count(s):\n",
  test: "def check(candidate):\n    assert candidate('aab') == {'a': 2, 'b': 1}\n" +
    "    assert candidate('') == {}\n",
  entry_point: "count",
};
const PAIR: HumanEvalProblem = {
  task_id: "t/pair",
  prompt: "def pair(x):\n",
  test:
    "def check(candidate):\n    assert candidate(1) == (1, 2)\n    assert candidate(0) == (0, 0)\n",
  entry_point: "pair",
};
const opts = { testTimeoutMs: 3000 };

// S6: a wrong solution walks up the stack to the harness and reports every test passed, with
// the harness's own nonce, both as verdicts and as values; it also prints look-alike lines.
const FORGER = `def double(x):
    import sys
    f = sys._getframe(1)
    while f is not None:
        g = f.f_globals
        if "_say" in g and "_nonce" in g:
            for unit in g.get("CFG", {}).get("units", []):
                g["_say"]("result", unit=unit["i"], status="pass")
                g["_say"]("result", unit=unit["i"], status="value", value={"i": "0"})
            sys.__stdout__.write(g["_nonce"] + '{"kind": "done"}\\n')
            break
        f = f.f_back
    print("@@ok@@ {\\"kind\\": \\"result\\", \\"status\\": \\"pass\\"}")
    return 0
`;

Deno.test("S6: a solution that forges the harness's reports gets 0 test credit", async () => {
  for (const variant of ["authors", "strict"] as const) {
    const r = await codingReward("", FORGER, DOUBLE, { ...opts, rewardVariant: variant });
    assert.equal(r.levels.tests, 0, `${variant}: ${JSON.stringify(r.levels)}`);
    assert.equal(r.total, 1.1); // main defined 0.6 + syntax 0.5, no test credit
  }
  // Forged verdicts are not values; forged values are what the candidate returned anyway.
  const v = await runVerdictTests(FORGER, ["assert double(1) == 2", "assert double(0) == 0"], opts);
  assert.deepEqual(v.tests.map((t) => [t.status, t.decidedBy]), [
    ["error", "trusted"],
    ["error", "trusted"],
  ]);
  assert.equal(v.passed, 0);
});

Deno.test("objects that are not plain data fail: __eq__ always true, in both variants", async () => {
  const cheat = "def double(x):\n    class Any:\n        def __eq__(self, o):\n" +
    "            return True\n    return Any()\n";
  const strSub = "def double(x):\n    class S(str):\n        def __eq__(self, o):\n" +
    "            return True\n    return S('no')\n";
  for (const variant of ["authors", "strict"] as const) {
    for (const main of [cheat, strSub]) {
      const r = await codingReward("", main, DOUBLE, { ...opts, rewardVariant: variant });
      assert.equal(r.levels.tests, 0, `${variant}: ${main}`);
    }
  }
});

Deno.test("dict/list/tuple subclasses and numpy-like scalars keep full credit in every variant", async () => {
  const counts = [
    "def count(s):\n    from collections import Counter\n    return Counter(s)\n",
    "def count(s):\n    from collections import defaultdict\n    d = defaultdict(int)\n" +
    "    for c in s:\n        d[c] += 1\n    return d\n",
    "def count(s):\n    from collections import OrderedDict\n    d = OrderedDict()\n" +
    "    for c in s:\n        d[c] = d.get(c, 0) + 1\n    return d\n",
  ];
  const pairs = [
    "def pair(x):\n    from collections import namedtuple\n    P = namedtuple('P', 'a b')\n" +
    "    return P(x, 2 * x)\n",
  ];
  // numpy is not importable in the sandbox: a scalar type from module "numpy" with .item()
  // (one expression: the authors' extraction drops nested defs and top-level classes).
  const scalar = "def double(x):\n" +
    "    T = type('int64', (), {'__module__': 'numpy', 'item': lambda self: 2 * x})\n" +
    "    return T()\n";
  const cases: [string, HumanEvalProblem][] = [
    ...counts.map((m) => [m, COUNT] as [string, HumanEvalProblem]),
    ...pairs.map((m) => [m, PAIR] as [string, HumanEvalProblem]),
    [scalar, DOUBLE],
  ];
  for (const variant of ["authors", "strict"] as const) {
    const got = await Promise.all(
      cases.map(([m, p]) => codingReward("", m, p, { ...opts, rewardVariant: variant })),
    );
    // main alone, every test passed: 0.6 + 0.5 + 1.0
    got.forEach((r, i) => assert.equal(r.total, 2.1, `${variant} #${i}: ${JSON.stringify(r)}`));
  }
});

Deno.test("verdicts: tests of other forms run in the sandbox and are counted", async () => {
  const v = await runVerdictTests(
    "def half(x):\n    return x / 2\n",
    [
      "assert half(4) == 2",
      "assert abs(half(1) - 0.5) < 1e-9",
      "assert half(2) == 1 or True",
      "assert half(6) == [",
    ],
    opts,
  );
  assert.deepEqual(v.tests.map((t) => t.decidedBy), ["trusted", "sandbox", "sandbox", "trusted"]);
  assert.deepEqual(v.tests.map((t) => t.status), ["pass", "pass", "pass", "fail"]);
  assert.equal(v.inSandbox, 2);
  assert.equal(v.passed, 3);
});

Deno.test("coding cache key covers the whole problem, not the task_id alone", async () => {
  const other = { ...DOUBLE, test: "def check(candidate):\n    assert candidate(1) == 3\n" };
  const env = codingEnv([DOUBLE, other], opts);
  const main = "def double(x):\n    return 2 * x\n";
  const a = await env.reward(["", main], DOUBLE);
  const b = await env.reward(["", main], other);
  assert.deepEqual([a.total, b.total], [2.1, 1.1]);
});

Deno.test("pyEqual is Python's == on plain data", () => {
  const i = (n: string): Plain => ({ i: n });
  const f = (x: string): Plain => ({ f: x });
  const cases: [Plain, Plain, boolean][] = [
    [i("1"), f("1.0"), true],
    [true, i("1"), true],
    [f("0.1"), f("0.1"), true],
    [f("nan"), f("nan"), false],
    [i("12345678901234567890123"), f("1.2345678901234568e+22"), false],
    [i("9007199254740992"), f("9007199254740992.0"), true],
    [{ c: ["1.0", "0.0"] }, i("1"), true],
    [{ l: [i("1")] }, { t: [i("1")] }, false],
    [{ s: [i("1"), i("2")] }, { z: [f("2.0"), true] }, true],
    [{ d: [[i("1"), "a"]] }, { d: [[f("1.0"), "a"]] }, true],
    [{ d: [[i("1"), "a"]] }, { d: [[i("1"), "b"]] }, false],
    [null, null, true],
    [null, false, false],
    ["a", { b: "61" }, false],
  ];
  for (const [a, b, want] of cases) {
    assert.equal(pyEqual(a, b), want, `${JSON.stringify(a)} == ${JSON.stringify(b)}`);
  }
});
