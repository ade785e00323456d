"""The (aux, main, problem) cases of tools/authors_coding_corpus.py: every level and edge case of
the authors' coding reward, HumanEval canonical solutions, and level-feedback cases.
Our own programs; the authors' values for them come from their code."""


def problem(task_id, prompt, test, entry):
    return {"task_id": task_id, "prompt": prompt, "test": test, "entry_point": entry}


ADD = problem(
    "edge/add", 'def add(a, b):\n    """Return a + b."""\n',
    "def check(candidate):\n    assert candidate(1, 2) == 3\n    assert candidate(0, 0) == 0\n"
    "    assert candidate(-1, 1) == 0\n    assert candidate(10, 5) == 15\n", "add")
COUNT = problem(
    "edge/count", 'from typing import Dict\n\n\ndef count(s: str) -> Dict[str, int]:\n'
    '    """Letter counts."""\n',
    "def check(candidate):\n    assert candidate('aab') == {'a': 2, 'b': 1}\n"
    "    assert candidate('') == {}\n    assert candidate('z') == {'z': 1}\n", "count")
PAIR = problem(
    "edge/pair", "def pair(x):\n    \"\"\"(x, 2x).\"\"\"\n",
    "def check(candidate):\n    assert candidate(1) == (1, 2)\n    assert candidate(0) == (0, 0)\n",
    "pair")
LOOP = problem(
    "edge/loop", "def dbl(x):\n",
    "def check(candidate):\n    for x in range(3):\n        assert candidate(x) == x * 2\n"
    "    assert candidate(5) == 10\n", "dbl")
SPLIT = problem(
    "edge/split", "def dbl_all(xs):\n",
    "def check(candidate):\n    assert candidate([1, 2]) == [\n        2, 4]\n"
    "    assert candidate([]) == []\n    assert candidate([3]) == [6]\n", "dbl_all")
HELPER = problem(
    "edge/helper", "def _sq(x):\n    return x * x\n\n\ndef sum_sq(xs):\n    \"\"\"Sum of squares.\"\"\"\n",
    "def check(candidate):\n    assert candidate([1, 2]) == 5\n    assert candidate([]) == 0\n",
    "sum_sq")
MATHP = problem(
    "edge/math", "def half(x):\n",
    "def check(candidate):\n    assert math.fabs(candidate(1.0) - 0.5) < 1e-9\n"
    "    assert abs(candidate(3) - 1.5) < 1e-9\n    assert candidate(4) == 2\n", "half")
BADIMPORT = problem(
    "edge/badimport", "import not_a_module_xyz\n\n\ndef one():\n",
    "def check(candidate):\n    assert candidate() == 1\n", "one")
SLOW = problem(
    "edge/slow", "def spin(n):\n",
    "def check(candidate):\n" + "".join("    assert candidate(%d) == %d\n" % (i, i) for i in range(6)),
    "spin")
NOTEST = problem(
    "edge/notest", "def same(x):\n", "def check(f):\n    assert f(1) == 1\n", "same")
NOSPACE = problem(
    "edge/nospace", "def inc(x):\n",
    "def check(candidate):\n    assert(candidate(1) == 2)\n    assert candidate(2) == 3\n", "inc")
STRCAND = problem(
    "edge/strcand", "def length(s):\n",
    "def check(candidate):\n    assert candidate('candidate') == 9\n    assert candidate('ab') == 2\n",
    "length")
MSG = problem(
    "edge/msg", "def sq(x):\n",
    "def check(candidate):\n    assert candidate(2) == 4, 'two'\n"
    "    assert candidate(3) == 9, \"This prints if this assert fails 1 (good for debugging!)\"\n"
    "    assert candidate(1) == 1 or True\n    assert candidate(0) == 0\n", "sq")
TESTDEFS = problem(
    "edge/testdefs", "def triple(x):\n",
    "METADATA = {}\n\n\ndef _ref(x):\n    return 3 * x\n\n\ndef check(candidate):\n"
    "    assert candidate(2) == _ref(2)\n    assert candidate(1) == 3\n", "triple")
VALUES = problem(
    "edge/values", "def pick(k):\n",
    "def check(candidate):\n    assert candidate(0) == 1\n    assert candidate(1) == True\n"
    "    assert candidate(2) == {1, 2}\n    assert candidate(3) == None\n"
    "    assert candidate(4) == 2 ** 100\n    assert candidate(5) == [[1, 2]]\n"
    "    assert candidate(6) == 'a\\nb'\n    assert candidate(7) == 0.5\n", "pick")
STATE = problem(
    "edge/state", "def acc(x):\n",
    "def check(candidate):\n    assert candidate(1) == 1\n    assert candidate((1)) >= 1\n", "acc")
RAISE = problem(
    "edge/raise", "def inv(x):\n",
    "def check(candidate):\n    assert candidate(1) == 1.0\n    assert candidate(0) == 0\n"
    "    assert candidate(2) == 0.5\n", "inv")

PICK_OK = ("def pick(k):\n    if k == 0:\n        return 1.0\n    if k == 1:\n        return 1\n"
           "    if k == 2:\n        return frozenset([2, 1])\n    if k == 3:\n        return None\n"
           "    if k == 4:\n        return 2 ** 100\n    if k == 5:\n        return [[1, 2]]\n"
           "    if k == 6:\n        return 'a\\nb'\n    return 1 / 2\n")
PICK_BAD = PICK_OK.replace("[[1, 2]]", "[(1, 2)]").replace("2 ** 100", "2 ** 100 + 1")


def reward_cases():
    c = []

    def add(cid, aux, main, prob, **extra):
        c.append({"id": cid, "aux": aux, "main": main, "problem": prob, **extra})

    good_aux = "def aux(a, b):\n    return a + b\n"
    add("add/no-aux", "", "def add(a, b):\n    return a + b\n", ADD)
    add("add/aux-nonwrapper", good_aux,
        "def add(a, b):\n    s = aux(a, b)\n    if s is None:\n        return 0\n    return s\n", ADD)
    add("add/aux-wrapper-1line", good_aux, "def add(a, b):\n    return aux(a, b)\n", ADD)
    add("add/aux-wrapper-2line", good_aux, "def add(a, b):\n    r = aux(a, b)\n    return r\n", ADD)
    add("add/aux-wrapper-docstring", good_aux,
        'def add(a, b):\n    """Sum."""\n    # use aux\n    return aux(a, b)\n', ADD)
    add("add/ignored-call-space", "def aux(a):\n    return a\n",
        "def add(a, b):\n    aux (a)\n    return a + b\n", ADD)
    add("add/ignored-call-nospace", "def aux(a):\n    return a\n",
        "def add(a, b):\n    aux(a)\n    return a + b\n", ADD)
    add("add/ignored-two-args", good_aux, "def add(a, b):\n    aux (a, b)\n    return a + b\n", ADD)
    add("add/aux-in-comment", good_aux, "def add(a, b):\n    # could call aux(a, b)\n    return a + b\n", ADD)
    add("add/aux-not-called", good_aux, "def add(a, b):\n    return a + b\n", ADD)
    add("add/aux-missing-called", "", "def add(a, b):\n    return aux(a, b)\n", ADD)
    add("add/aux-no-return", "def aux(a, b):\n    print(a + b)\n",
        "def add(a, b):\n    t = aux(a, b)\n    return a + b\n", ADD)
    add("add/return-paren", good_aux, "def add(a, b):\n    return(a + b)\n", ADD)
    add("add/aux-return-paren", "def aux(a, b):\n    return(a + b)\n",
        "def add(a, b):\n    x = aux(a, b)\n    return x + 0\n", ADD)
    add("add/return-in-comment", good_aux, "def add(a, b):\n    # return a + b\n    a + b\n", ADD)
    add("add/bare-return", good_aux, "def add(a, b):\n    if a:\n        return\n    return a + b\n", ADD)
    add("add/no-main", good_aux, "def plus(a, b):\n    return a + b\n", ADD)
    add("add/empty", "", "", ADD)
    add("add/main-syntax-error", good_aux, "def add(a, b)\n    return a + b\n", ADD)
    add("add/main-syntax-error-body", good_aux, "def add(a, b):\n    return a +\n", ADD)
    add("add/aux-syntax-error", "def aux(a, b):\n    return (a +\n",
        "def add(a, b):\n    return a + b\n", ADD)
    add("add/wrong", good_aux, "def add(a, b):\n    return a - b\n", ADD)
    add("add/partly-right", good_aux, "def add(a, b):\n    x = aux(a, b)\n    return abs(x) + 0\n", ADD)
    add("add/markdown", "Here is aux:\n```python\ndef aux(a, b):\n    return a + b\n```\nDone.",
        "Sure!\n```python\ndef add(a, b):\n    total = aux(a, b)\n    return total * 1\n```\n", ADD)
    add("add/prose-inside", good_aux,
        "def add(a, b):\n    Adds the numbers.\n    return a + b\n", ADD)
    add("add/two-aux", "def aux(a, b):\n    return a + b\n\ndef aux(a, b):\n    return a * b\n",
        "def add(a, b):\n    v = aux(a, b)\n    return v + 0\n", ADD)
    add("add/helper-in-aux", "def _h(a):\n    return a\n\ndef aux(a, b):\n    return _h(a) + b\n",
        "def add(a, b):\n    v = aux(a, b)\n    return v + 0\n", ADD)
    add("add/main-defines-aux", "", "def aux(a, b):\n    return a + b\n\ndef add(a, b):\n    v = aux(a, b)\n    return v\n", ADD)
    add("add/tabs", good_aux, "def add(a, b):\n\ts = aux(a, b)\n\treturn s + 0\n", ADD)
    add("add/nested-def", good_aux,
        "def add(a, b):\n    def inner(x):\n        return x\n    return inner(aux(a, b))\n", ADD)
    add("add/dedented-docstring", good_aux,
        'def add(a, b):\n"""\nDoc.\n"""\n    return a + b\n', ADD)
    add("add/multiline-string", good_aux,
        "def add(a, b):\n    s = '''\nHello there.\n'''\n    return a + b + len(s) - len(s)\n", ADD)
    add("add/raises", good_aux, "def add(a, b):\n    if a < 0:\n        raise ValueError('neg')\n    return a + b\n", ADD)
    add("add/exit", good_aux, "def add(a, b):\n    return a + b if a != 10 else int('x')\n", ADD)
    add("add/assign-unused", good_aux, "def add(a, b):\n    y = aux(a, b)\n    y = a + b\n    return y\n", ADD)
    for i, (aux, main) in enumerate([
        ("", "def count(s):\n    from collections import Counter\n    return Counter(s)\n"),
        ("", "def count(s):\n    from collections import defaultdict\n    d = defaultdict(int)\n"
             "    for ch in s:\n        d[ch] += 1\n    return d\n"),
        ("", "def count(s):\n    from collections import OrderedDict\n    d = OrderedDict()\n"
             "    for ch in s:\n        d[ch] = d.get(ch, 0) + 1\n    return d\n"),
        ("def aux(s):\n    from collections import Counter\n    return Counter(s)\n",
         "def count(s):\n    c = aux(s)\n    return dict(c) if c else {}\n"),
        ("", "def count(s):\n    return {ch: s.count(ch) for ch in s}\n"),
        ("", "def count(s):\n    return [(ch, s.count(ch)) for ch in set(s)]\n"),
    ]):
        add("count/%d" % i, aux, main, COUNT)
    add("pair/namedtuple", "",
        "def pair(x):\n    from collections import namedtuple\n    P = namedtuple('P', 'a b')\n"
        "    return P(x, 2 * x)\n", PAIR)
    add("pair/list", "", "def pair(x):\n    return [x, 2 * x]\n", PAIR)
    add("pair/tuple", "", "def pair(x):\n    return (x, x + x)\n", PAIR)
    add("loop/right", "", "def dbl(x):\n    return 2 * x\n", LOOP)
    add("loop/aux", "def aux(x):\n    return x + x\n", "def dbl(x):\n    y = aux(x)\n    return y * 1\n", LOOP)
    add("split/right", "", "def dbl_all(xs):\n    return [2 * x for x in xs]\n", SPLIT)
    add("split/aux", "def aux(x):\n    return 2 * x\n",
        "def dbl_all(xs):\n    out = [aux(x) for x in xs]\n    return out\n", SPLIT)
    add("helper/uses-prompt-helper", "", "def sum_sq(xs):\n    return sum(_sq(x) for x in xs)\n", HELPER)
    add("helper/own", "", "def sum_sq(xs):\n    return sum(x * x for x in xs)\n", HELPER)
    add("helper/as-aux", "def aux(x):\n    return x * x\n",
        "def sum_sq(xs):\n    t = 0\n    for x in xs:\n        t += aux(x)\n    return t\n", HELPER)
    add("math/right", "", "def half(x):\n    return x / 2\n", MATHP)
    add("math/uses-math", "", "def half(x):\n    return math.ldexp(x, -1)\n", MATHP)
    add("math/wrong", "", "def half(x):\n    return x // 2\n", MATHP)
    add("badimport/any", "def aux():\n    return 1\n", "def one():\n    v = aux()\n    return v\n", BADIMPORT)
    add("slow/forever", "", "def spin(n):\n    while True:\n        n += 1\n    return n\n", SLOW, ourTimeoutMs=400)
    add("slow/forever-some", "def aux(n):\n    return n\n",
        "def spin(n):\n    while n % 2:\n        pass\n    v = aux(n)\n    return v\n", SLOW, ourTimeoutMs=400)
    add("notest/right", "", "def same(x):\n    return x\n", NOTEST)
    add("notest/syntax", "", "def same(x):\n    return x +\n", NOTEST)
    add("nospace/right", "", "def inc(x):\n    return x + 1\n", NOSPACE)
    add("strcand/right", "", "def length(s):\n    return len(s)\n", STRCAND)
    add("msg/right", "", "def sq(x):\n    return x * x\n", MSG)
    add("msg/wrong", "", "def sq(x):\n    return x + x\n", MSG)
    add("testdefs/right", "", "def triple(x):\n    return 3 * x\n", TESTDEFS)
    add("values/right", "", PICK_OK, VALUES)
    add("values/wrong", "", PICK_BAD, VALUES)
    add("state/default-arg", "", "def acc(x, seen=[]):\n    seen.append(x)\n    return len(seen)\n", STATE)
    add("raise/zero", "", "def inv(x):\n    return 1 / x\n", RAISE)
    add("raise/guarded", "def aux(x):\n    return 0 if x == 0 else 1 / x\n",
        "def inv(x):\n    r = aux(x)\n    return r + 0\n", RAISE)
    return c


def humaneval_cases(rows):
    """Every canonical solution as main with no aux, and variants with an aux for a third."""
    c = []
    for r in rows:
        main = r["prompt"] + r["canonical_solution"]
        c.append({"id": "he/%s/canonical" % r["task_id"], "aux": "", "main": main, "problem": r})
    for r in rows[::3]:
        e = r["entry_point"]
        body = r["prompt"] + r["canonical_solution"]
        aux = body.replace("def %s(" % e, "def aux(", 1)
        sig = body[body.index("def %s(" % e):].split("\n")[0]
        params = sig[sig.index("(") + 1:sig.rindex(")")]
        names = ", ".join(p.split(":")[0].split("=")[0].strip() for p in params.split(",")
                          if p.strip())
        wrapper = "%s\n    return aux(%s)\n" % (sig, names)
        nonwrap = "%s\n    res = aux(%s)\n    if res is None:\n        return res\n    return res\n" % (
            sig, names)
        c.append({"id": "he/%s/aux-wrapper" % r["task_id"], "aux": aux, "main": wrapper, "problem": r})
        c.append({"id": "he/%s/aux-nonwrapper" % r["task_id"], "aux": aux, "main": nonwrap,
                  "problem": r})
    return c


def feedback_cases(rows):
    good_aux = "def aux(a, b):\n    return a + b\n"
    hist = [["turn-1 aux prompt"], ["turn-1 main prompt"]]
    resp = [[good_aux], ["def add(a, b):\n    return aux(a, b)\n"]]
    c = [
        ("fb/right", good_aux, "def add(a, b):\n    s = aux(a, b)\n    return s\n", ADD, hist, resp),
        ("fb/wrong", good_aux, "def add(a, b):\n    return a - b\n", ADD, hist, resp),
        ("fb/wrapper", good_aux, "def add(a, b):\n    return aux(a, b)\n", ADD, [[], []], [[], []]),
        ("fb/ignored", good_aux, "def add(a, b):\n    aux(a, b)\n    return a + b\n", ADD, hist, resp),
        ("fb/syntax", good_aux, "def add(a, b):\n    return a +\n", ADD, hist, resp),
        ("fb/no-main", good_aux, "def plus(a, b):\n    return a + b\n", ADD, hist, resp),
        ("fb/no-aux", "", "def add(a, b):\n    return a + b\n", ADD,
         [["p1", "p2"], ["q1", "q2"]], [["r1", "r2"], ["s1", "s2"]]),
        ("fb/raises", good_aux, "def add(a, b):\n    return [a][b]\n", ADD, hist, resp),
        ("fb/badimport", "", "def one():\n    return 1\n", BADIMPORT, hist, resp),
        ("fb/reassigned", good_aux,
         "def add(a, b):\n    y = aux(a, b)\n    y = a + b\n    return y\n", ADD, hist, resp),
        ("fb/he0", "", rows[0]["prompt"] + rows[0]["canonical_solution"].replace("<", ">"), rows[0],
         hist, resp),
        ("fb/he10", "", rows[10]["prompt"] + rows[10]["canonical_solution"], rows[10], hist, resp),
    ]
    return [{"id": i, "aux": a, "main": m, "problem": p, "promptHistory": h,
             "responseHistory": r} for i, a, m, p, h, r in c]


TEXT_PIECES = [
    "def aux(x):", "def aux(a, b):", "def aux (x) :", "async def aux(x):", "  def aux(x):",
    "def main_fn(a, b):", "def main_fn(xs: List[int]) -> int:", "    def main_fn(y):",
    "    return x", "    return(x)", "  return x + 1", "\treturn x", "    return", "    return  ",
    "    return\t1", "\u00a0   return x", "return result", "    # return x", "    x = 1",
    "    y = aux(x)", "    return y", "    r = aux(a, b)", "    return r", "    aux (x)",
    "    aux(x)", "    aux (x);", "    aux (xy)", "    total = aux(x) + 1", "    # aux(x)",
    "    for i in range(3):", "        pass", "        return aux(i)", '    """Doc."""',
    '    """', "    Multi-line doc.", '"""', "'''", "    '''Doc.'''", "```python", "```",
    "```py", "Here is the code:", "This function adds numbers.", "    Returns the sum.",
    "Note: it works!", "", "    ", "\t", "import math", "from typing import List",
    "import os, sys", "from . import x", "class A:", "    def aux(self):", "x = 1",
    "print(aux(1))", "    result = aux(a)", "    if aux(a):", "    return aux(a) * 2",
    "    myaux(x)", "    _aux(x)", "    éaux(x)", "    return [aux(v) for v in xs]",
    "    assert candidate(1) == 2", "assert candidate(1) == 2", "assert(candidate(2) == 3)",
    "    assert candidate([1, 2]) == [", "        3]", "    for x in [1]:",
    "        assert candidate(x) == x", "def check(candidate):", "def check(c):",
    "    assert abs(candidate(1.0) - 1.0) < 1e-6", "    assert candidate('candidate') == 1",
    "\r", "    return x\r", "def aux(x):\r", "\u3000return x", "    \u2028",
]


def text_cases(count=400, seed=20251207):
    import random
    rng = random.Random(seed)
    out = []
    for _ in range(count):
        n = rng.randint(1, 12)
        out.append("\n".join(rng.choice(TEXT_PIECES) for _ in range(n)))
    # a few hand-made ones at the front
    return [
        "def aux(x):\n    return x\n",
        "```python\ndef main_fn(a, b):\n    y = aux(a, b)\n    return y\n```",
        "def main_fn(a, b):\n    aux (a)\n    return a\n",
        "def check(candidate):\n    assert candidate(1) == 2\n\ndef other():\n    assert candidate(3) == 4\n",
    ] + out


def misuse_cases():
    """Main functions for the level feedback's aux-usage analysis (theirs is AST-based)."""
    body = [
        "    aux(x)\n    return x",
        "    y = aux(x)\n    return y",
        "    y = aux(x)\n    y = 2\n    return y",
        "    return aux(x)",
        "    return aux(x) + 1",
        "    if aux(x):\n        return 1\n    return 0",
        "    while aux(x):\n        x -= 1\n    return x",
        "    z = [aux(x), 2]\n    return z",
        "    print(aux(x))\n    return x",
        "    a, b = aux(x)\n    return a",
        "    y: int = aux(x)\n    return y",
        "    y += aux(x)\n    return y",
        "    for i in range(3):\n        aux(i)\n    return x",
        "    y = aux(aux(x))\n    return y",
        "    return [aux(v) for v in x]",
        "    y = aux(x)\n    z = y\n    return z",
        "    y = aux(x)\n    y = y + 1\n    return y",
        "    def inner():\n        return aux(x)\n    return inner()",
        "    t = aux(x) if x else 0\n    return t",
        "    s = x\n    s = aux(x)\n    return s",
        "    return x  # aux(x)",
        "    lambda: aux(x)\n    return x",
        "    y = z = aux(x)\n    return y",
        "    aux(x); aux(x)\n    return x",
        "    return {aux(x): 1}",
    ]
    return ["def f(x):\n" + b + "\n" for b in body] + ["def f(x)\n    aux(x)\n", "aux(1)\n"]
