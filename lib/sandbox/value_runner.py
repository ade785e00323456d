"""Untrusted side of the coding tests: computes values, decides nothing.

Run inside the sandbox with `plain_codec.py` prepended and CFG set to the JSON configuration.
Parses the program (reporting a syntax error before any of its code runs), optionally analyses
how main uses aux (pure AST, also before running), defines the program, then runs each unit:
- "value": evaluates `call` `times` times under one timer and reports the last result as plain
  data (see plain_codec.py); whether it is right is decided by the caller, which alone knows
  the expected value;
- "exec": runs a test the planner could not split (optionally evaluating `call` and
  `expected` first, as the MAGRPO authors' reward does) and reports pass or fail itself.
Each message is one JSON line after a nonce on the real stdout; the program's own prints go to
a sink. Units listed in `skip` are not run again (the caller restarts after a hard kill).
"""
import ast
import json
import math
import signal
import sys

_nonce = CFG.pop("nonce")  # noqa: F821 (set by the caller)
_out = sys.stdout


def _say(kind, **data):
    data["kind"] = kind
    try:
        _out.write(_nonce + json.dumps(data) + "\n")
        _out.flush()
    except BaseException:
        pass


class _Sink:
    def write(self, s):
        return len(s)

    def flush(self):
        pass


class _Timeout(BaseException):
    pass


def _alarm(signum, frame):
    raise _Timeout()


def _arm(seconds):
    signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)


def _disarm():
    signal.setitimer(signal.ITIMER_REAL, 0)


def _text(e):
    try:
        msg = str(e)
    except BaseException:
        msg = ""
    return msg if len(msg) <= 4000 else msg[:3997] + "..."


def _aux_misuse(code, helper):
    """Calls of `helper` in `code` whose result is ignored or wasted, as 'Line N: reason'.

    Walks the AST in pre-order, as the MAGRPO authors' level feedback does: a variable counts
    as used only through loads met *earlier in the walk* on a later line (so `y = aux(x)`
    followed by `return y` reads as "never used", their behaviour), and a reassignment before
    the first later load (over the whole tree) makes the call wasted.
    """
    if not code or helper not in code:
        return []
    try:
        tree = ast.parse(code)
    except (SyntaxError, ValueError):
        return []
    all_loads = {}
    stores = {}
    for n in ast.walk(tree):
        if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load):
            all_loads.setdefault(n.id, []).append(n.lineno)
        if isinstance(n, ast.Assign):
            for t in n.targets:
                if isinstance(t, ast.Name):
                    stores.setdefault(t.id, []).append(n.lineno)
    seen_loads = {}
    found = []
    stack = [(tree, None)]
    while stack:
        node, up = stack.pop()
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) \
                and node.func.id == helper:
            reason = None
            if up is None or isinstance(up, ast.Expr):
                reason = "standalone call (not assigned)"
            elif isinstance(up, ast.Assign):
                for t in up.targets:
                    if not isinstance(t, ast.Name):
                        continue
                    name = t.id
                    if not [ln for ln in seen_loads.get(name, []) if ln > up.lineno]:
                        reason = "assigned to %s but never used" % name
                        break
                    again = [ln for ln in stores.get(name, []) if ln > up.lineno]
                    later = [ln for ln in all_loads.get(name, []) if ln > up.lineno]
                    if again and min(again) < (min(later) if later else float("inf")):
                        reason = "assigned to %s but reassigned on line %d before use" % (
                            name, min(again))
                        break
            if reason:
                found.append("Line %d: %s" % (node.lineno, reason))
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
            seen_loads.setdefault(node.id, []).append(node.lineno)
        children = list(ast.iter_child_nodes(node))
        for child in reversed(children):
            stack.append((child, node))
    return found


def _calls(node, helper):
    return any(isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == helper
               for n in ast.walk(node))


def _strict_analysis(tree, name, helper):
    """Our strict variant: does top-level `name` call `helper`; is its body (docstring and
    `pass` aside) only `return helper(...)`-like, `v = helper(...)` + `return v`, or empty?"""
    fn = None
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name == name:
            fn = node
    if fn is None:
        return {"found": False, "calls": False, "wrapper": False}
    body = list(fn.body)
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
            and isinstance(body[0].value.value, str):
        body = body[1:]
    body = [b for b in body if not isinstance(b, ast.Pass)]
    wrapper = not body
    if len(body) == 1 and isinstance(body[0], ast.Return) and body[0].value is not None:
        wrapper = _calls(body[0].value, helper)
    elif (len(body) == 2 and isinstance(body[0], ast.Assign) and len(body[0].targets) == 1
          and isinstance(body[0].targets[0], ast.Name) and _calls(body[0].value, helper)
          and isinstance(body[1], ast.Return) and isinstance(body[1].value, ast.Name)
          and body[1].value.id == body[0].targets[0].id):
        wrapper = True
    return {"found": True, "calls": _calls(fn, helper), "wrapper": wrapper}


def _guard(fn):
    def candidate(*args, **kwargs):
        return plain_copy(fn(*args, **kwargs))  # noqa: F821 (plain_codec.py)
    return candidate


def _main():
    cfg = CFG  # noqa: F821
    src = cfg["program"]
    if cfg.get("analyze") is not None:
        _say("analysis", misuse=_aux_misuse(cfg["analyze"], "aux"))
    try:
        tree = ast.parse(src)
    except SyntaxError as e:
        _say("syntax", ok=False, text=_text(e), line=e.lineno, offset=e.offset, msg=e.msg,
             isSyntaxError=True)
        return
    except (ValueError, RecursionError, MemoryError) as e:
        _say("syntax", ok=False, text=_text(e), line=None, offset=None, msg=_text(e))
        return
    _say("syntax", ok=True)
    if cfg.get("strictAnalyze"):
        a = cfg["strictAnalyze"]
        _say("strictAnalysis", **_strict_analysis(tree, a["function"], a["helper"]))
    if not cfg["load"]:
        _say("done")
        return
    g = {"math": math} if cfg["preloadMath"] else {}
    if cfg.get("moduleName"):
        g["__name__"] = cfg["moduleName"]
    code = compile(tree, "<string>", "exec")
    prelude = compile(cfg["prelude"], "<test>", "exec") if cfg.get("prelude") else None
    sys.stdout = sys.stderr = _Sink()
    _say("begin", unit=-1)
    try:
        _arm(cfg["loadTimeoutS"])
        try:
            exec(code, g)
            if prelude is not None:
                exec(prelude, g)
        finally:
            _disarm()
    except _Timeout:
        _say("load", ok=False, type="Timeout", message="timed out while defining the program")
        return
    except BaseException as e:
        _say("load", ok=False, type=type(e).__name__, message=_text(e))
        return
    ns = g
    if cfg.get("param"):
        entry = g.get(cfg["entry"])
        if not callable(entry):
            _say("load", ok=False, type="NameError",
                 message="the program does not define %s()" % cfg["entry"])
            return
        ns = dict(g)
        ns[cfg["param"]] = _guard(entry) if cfg["guard"] else entry
    _say("load", ok=True)
    skip = set(cfg["skip"])
    timeouts = cfg["timeoutsSoFar"]
    for unit in cfg["units"]:
        i = unit["i"]
        if i in skip:
            continue
        if timeouts >= cfg["maxTimeouts"]:
            _say("stopped")
            return
        _say("begin", unit=i)
        out = {"status": "pass"}
        try:
            _arm(cfg["testTimeoutS"])
            try:
                if unit["kind"] == "value":
                    value = None
                    for _ in range(unit["times"]):
                        value = eval(unit["call"], ns)
                    try:
                        out = {"status": "value", "value": encode(value)}  # noqa: F821
                    except Exception as e:
                        out = {"status": "notplain", "type": "TypeError", "message": _text(e)}
                else:
                    if unit.get("call") is not None:
                        eval(unit["call"], ns)
                        eval(unit["expected"], ns)
                    exec(unit["line"], ns)
            finally:
                _disarm()
        except _Timeout:
            out = {"status": "timeout", "type": "TimeoutException",
                   "message": "Code execution timed out"}
        except AssertionError as e:
            out = {"status": "fail", "type": "AssertionError", "message": _text(e)}
        except BaseException as e:
            out = {"status": "error", "type": type(e).__name__, "message": _text(e)}
        if out["status"] == "timeout" and unit.get("test") is not None:
            timeouts += 1
        _say("result", unit=i, **out)
    _say("done")


_main()
