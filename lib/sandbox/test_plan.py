"""Trusted side of the coding tests: splits each test into a value to compute and an expected
value, and evaluates the expected side. It reads only the dataset's test lines (never a
candidate's code), is run with plain_codec.py prepended and CFG set, and prints one JSON object.

Modes ("strict" plans a whole test file, see plan_strict):
- "authors": the MAGRPO authors' reward. A line matching `assert\\s+(\\w+)\\(([^)]*)\\)\\s*==\\s*(.+)`
  is run by them as eval(call), eval(expected), exec(line); otherwise exec(line).
- "once": exec(line) only (their level feedback).
Each test becomes
- {"kind": "fail", ...}: it can only fail and runs nothing (the call text does not compile);
- {"kind": "value", "call", "times", "expected" | "never", "type", "message"}: the sandbox computes
  `call` (`times` times, reporting the last); the test passes exactly when that value equals
  `expected`; `never`: the test fails once the call has run; type/message: the error a
  failure reports;
- {"kind": "exec", "line", "call", "expected"}: not of the form `value == expected` with a
  trusted expected side: the sandbox runs it and reports pass or fail.
"""
import ast
import json
import math
import re

SAFE_NAMES = {
    "abs", "all", "any", "bool", "bytes", "chr", "complex", "dict", "divmod", "enumerate",
    "float", "frozenset", "int", "len", "list", "max", "min", "ord", "pow", "range",
    "reversed", "round", "set", "sorted", "str", "sum", "tuple", "zip",
}
SAFE_NODES = (
    ast.Expression, ast.Constant, ast.List, ast.Tuple, ast.Set, ast.Dict, ast.UnaryOp,
    ast.BinOp, ast.BoolOp, ast.Compare, ast.IfExp, ast.Subscript, ast.Slice, ast.keyword,
    ast.Starred, ast.Load, ast.operator, ast.unaryop, ast.boolop, ast.cmpop,
)
REGEX = re.compile(r"assert\s+(\w+)\(([^)]*)\)\s*==\s*(.+)")


def trusted(node):
    """The expression uses only literals, operators, a few pure builtins and math.*."""
    for n in ast.walk(node):
        if isinstance(n, SAFE_NODES):
            continue
        if isinstance(n, ast.Call) and isinstance(n.func, (ast.Name, ast.Attribute)):
            continue
        if isinstance(n, ast.Name) and (n.id in SAFE_NAMES or n.id == "math"):
            continue
        if isinstance(n, ast.Attribute) and isinstance(n.value, ast.Name) \
                and n.value.id == "math" and not n.attr.startswith("_"):
            continue
        return False
    return True


def evaluate(node):
    import builtins
    env = {"__builtins__": {k: getattr(builtins, k) for k in SAFE_NAMES}, "math": math}
    return eval(compile(ast.Expression(node), "<expected>", "eval"), env)


def compiles(text):
    try:
        compile(text, "<string>", "eval")
        return None
    except (SyntaxError, ValueError) as e:
        return e


def err(e):
    return {"type": type(e).__name__, "message": str(e)}


def split(line_tree, entry_call_ast=None, expected_ast=None):
    """(left, right, msg) when the line is exactly `assert left == right[, msg]`."""
    if len(line_tree.body) != 1 or not isinstance(line_tree.body[0], ast.Assert):
        return None
    a = line_tree.body[0]
    t = a.test
    if not (isinstance(t, ast.Compare) and len(t.ops) == 1 and isinstance(t.ops[0], ast.Eq)):
        return None
    left, right, msg = t.left, t.comparators[0], a.msg
    if entry_call_ast is not None:
        if ast.dump(left) != ast.dump(entry_call_ast):
            return None
        want = right if msg is None else ast.Tuple([right, msg], ast.Load())
        if ast.dump(want) != ast.dump(expected_ast):
            return None
    return left, right, msg


def expected_of(right, msg):
    """('ok', encoded, message) | ('raises', error) | None (not trusted or not plain)."""
    if not trusted(right) or (msg is not None and not trusted(msg)):
        return None
    try:
        value = evaluate(right)
        message = "" if msg is None else str(evaluate(msg))
    except Exception as e:
        return ("raises", err(e))
    try:
        return ("ok", encode(value), message)  # noqa: F821 (plain_codec.py)
    except NotPlain:  # noqa: F821
        return None


def plan_line(line, mode):
    try:
        tree, line_error = compile(line, "<string>", "exec", ast.PyCF_ONLY_AST), None
    except (SyntaxError, ValueError) as e:
        tree, line_error = None, e
    m = REGEX.search(line) if mode == "authors" else None
    if m:
        call = "%s(%s)" % (m.group(1), m.group(2))
        expected = m.group(3)
        bad = compiles(call)
        if bad is not None:
            return {"kind": "fail", **err(bad)}
        bad = compiles(expected)
        if bad is not None:
            return {"kind": "value", "call": call, "times": 1, "never": True, **err(bad)}
        exec_unit = {"kind": "exec", "line": line, "call": call, "expected": expected}
        if tree is None:
            return exec_unit
        parts = split(tree, ast.parse(call, mode="eval").body,
                      ast.parse(expected, mode="eval").body)
        if parts is None:
            return exec_unit
        got = expected_of(parts[1], parts[2])
        if got is None:
            return exec_unit
        if got[0] == "raises":
            return {"kind": "value", "call": call, "times": 1, "never": True, **got[1]}
        return {"kind": "value", "call": call, "times": 2, "expected": got[1],
                "type": "AssertionError", "message": got[2]}
    if tree is None:
        return {"kind": "fail", **err(line_error)}
    exec_unit = {"kind": "exec", "line": line, "call": None, "expected": None}
    parts = split(tree)
    if parts is None:
        return exec_unit
    got = expected_of(parts[1], parts[2])
    if got is None or got[0] == "raises":
        return exec_unit
    call = ast.get_source_segment(line, parts[0]) or ast.unparse(parts[0])
    return {"kind": "value", "call": call, "times": 1, "expected": got[1],
            "type": "AssertionError", "message": got[2]}


def plan_strict(test_src):
    """Our strict harness: each top-level statement of check() that contains an assert and
    names the candidate is one test; the others are setup, run in order in the same namespace;
    the test file's other top-level statements are the prelude."""
    try:
        tree = ast.parse(test_src, "<test>")
    except (SyntaxError, ValueError) as e:
        return {"error": "the test code has a syntax error at line %s: %s" % (
            getattr(e, "lineno", "?"), getattr(e, "msg", str(e)))}
    check, other = None, []
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name == "check":
            check = node
        else:
            other.append(node)
    if check is None:
        return {"error": "the test code defines no check(candidate) function"}
    param = check.args.args[0].arg if check.args.args else "candidate"
    units, tests = [], []
    for stmt in check.body:
        nodes = list(ast.walk(stmt))
        is_test = any(isinstance(n, ast.Assert) for n in nodes) and \
            any(isinstance(n, ast.Name) and n.id == param for n in nodes)
        source = ast.get_source_segment(test_src, stmt) or ast.unparse(stmt)
        unit = {"kind": "exec", "line": ast.unparse(stmt), "test": None}
        if is_test:
            unit["test"] = len(tests)
            tests.append(source)
            parts = split(ast.Module([stmt], []))
            got = expected_of(parts[1], parts[2]) if parts else None
            if got is not None and got[0] == "ok":
                unit = {"kind": "value", "call": ast.unparse(parts[0]), "times": 1,
                        "expected": got[1], "type": "AssertionError", "message": got[2],
                        "test": unit["test"]}
        units.append(unit)
    return {"param": param, "prelude": ast.unparse(ast.Module(other, [])), "units": units,
            "tests": tests}


if CFG["mode"] == "strict":  # noqa: F821
    print(json.dumps(plan_strict(CFG["test"])))  # noqa: F821
else:
    print(json.dumps([plan_line(line, CFG["mode"]) for line in CFG["lines"]]))  # noqa: F821
