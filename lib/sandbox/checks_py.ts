/**
 * Python source of the test harness that runs a HumanEval-style `check(candidate)` one
 * statement at a time inside the sandbox (see `runChecks` in `checks.ts`).
 *
 * The harness: parses the solution with `ast` (reporting a syntax error with its line),
 * optionally analyses one function (does it call a helper? is it a thin wrapper?), plans the
 * tests (each top-level statement of `check` that contains an `assert` and mentions the
 * candidate is one test; other statements are setup), defines the solution, then runs each
 * statement with an in-process timer. It reports progress as JSON lines prefixed by a nonce
 * on the real stdout; the program's own prints go to a sink. Tests listed in `skip` are not
 * run again (the caller restarts the harness after a hard kill, skipping finished tests).
 *
 * @module
 */

/** The harness; `__CFG__` is replaced by a JSON string literal of the configuration. */
export const CHECKS_PY: string = String.raw`
import ast, json, signal, sys
_cfg = json.loads(__CFG__)
_nonce = _cfg.pop("nonce")
_out = sys.stdout
_BUILTIN_TYPES = (int, float, complex, str, bytes, bool, type(None), list, tuple, dict, set, frozenset)

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

def _arm():
    signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, _cfg["testTimeoutS"])

def _disarm():
    signal.setitimer(signal.ITIMER_REAL, 0)

def _describe(e):
    try:
        msg = str(e)
    except BaseException:
        msg = ""
    text = type(e).__name__ + (": " + msg if msg else "")
    return text if len(text) <= 300 else text[:297] + "..."

def _calls(node, helper):
    return any(isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == helper
               for n in ast.walk(node))

def _is_wrapper(body, helper):
    if not body:
        return True
    if len(body) == 1 and isinstance(body[0], ast.Return) and body[0].value is not None:
        return _calls(body[0].value, helper)
    if (len(body) == 2 and isinstance(body[0], ast.Assign) and len(body[0].targets) == 1
            and isinstance(body[0].targets[0], ast.Name) and _calls(body[0].value, helper)
            and isinstance(body[1], ast.Return) and isinstance(body[1].value, ast.Name)
            and body[1].value.id == body[0].targets[0].id):
        return True
    return False

def _analyze(tree, name, helper):
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
    body = [s for s in body if not isinstance(s, ast.Pass)]
    return {"found": True, "calls": _calls(fn, helper), "wrapper": _is_wrapper(body, helper)}

def _check_value(value, depth=0, budget=[0]):
    if type(value) not in _BUILTIN_TYPES:
        raise TypeError("returned an object of type %s; only built-in types are accepted"
                        % type(value).__name__)
    budget[0] += 1
    if depth > 20 or budget[0] > 100000:
        return
    if isinstance(value, dict):
        for k, v in value.items():
            _check_value(k, depth + 1, budget)
            _check_value(v, depth + 1, budget)
    elif isinstance(value, (list, tuple, set, frozenset)):
        for v in value:
            _check_value(v, depth + 1, budget)

def _guard(fn):
    def candidate(*args, **kwargs):
        result = fn(*args, **kwargs)
        _check_value(result, 0, [0])
        return result
    return candidate

def _main():
    src = _cfg["program"]
    try:
        tree = ast.parse(src, "<solution>")
    except SyntaxError as e:
        _say("syntax", ok=False, line=e.lineno, col=e.offset, message=e.msg)
        return
    except (ValueError, RecursionError, MemoryError) as e:
        _say("syntax", ok=False, line=None, col=None, message=_describe(e))
        return
    _say("syntax", ok=True)
    if _cfg.get("analyze"):
        _say("analysis", **_analyze(tree, _cfg["analyze"]["function"], _cfg["analyze"]["helper"]))
    test_src = _cfg["test"]
    try:
        ttree = ast.parse(test_src, "<test>")
    except SyntaxError as e:
        _say("plan", error="the test code has a syntax error at line %s: %s" % (e.lineno, e.msg))
        return
    check, other = None, []
    for node in ttree.body:
        if isinstance(node, ast.FunctionDef) and node.name == "check":
            check = node
        else:
            other.append(node)
    if check is None:
        _say("plan", error="the test code defines no check(candidate) function")
        return
    param = check.args.args[0].arg if check.args.args else "candidate"
    units = []
    for stmt in check.body:
        nodes = list(ast.walk(stmt))
        is_test = any(isinstance(n, ast.Assert) for n in nodes) and \
            any(isinstance(n, ast.Name) and n.id == param for n in nodes)
        units.append((stmt, is_test))
    _say("plan", tests=[ast.get_source_segment(test_src, s) or ast.unparse(s) for s, t in units if t])
    g = {"__name__": "__solution__"}
    sys.stdout = sys.stderr = _Sink()
    _say("begin", unit=-1)
    try:
        _arm()
        try:
            exec(compile(tree, "<solution>", "exec"), g)
            exec(compile(ast.Module(other, []), "<test>", "exec"), g)
        finally:
            _disarm()
    except _Timeout:
        _say("load", ok=False, error="timed out while defining the program")
        return
    except BaseException as e:
        _say("load", ok=False, error=_describe(e))
        return
    entry = _cfg["entry"]
    if not callable(g.get(entry)):
        _say("load", ok=False, error="the program does not define %s()" % entry)
        return
    _say("load", ok=True)
    ns = dict(g)
    ns[param] = _guard(g[entry]) if _cfg["strictTypes"] else g[entry]
    skip = set(_cfg["skip"])
    timeouts = _cfg["timeoutsSoFar"]
    k = -1
    for u, (stmt, is_test) in enumerate(units):
        if is_test:
            k += 1
            if k in skip:
                continue
        if timeouts >= _cfg["maxTimeouts"]:
            _say("stopped")
            return
        code = compile(ast.Module([stmt], []), "<test>", "exec")
        _say("begin", unit=u, test=k if is_test else None)
        status, error = "pass", ""
        try:
            _arm()
            try:
                exec(code, ns)
            finally:
                _disarm()
        except _Timeout:
            status, error = "timeout", "timed out after %g s" % _cfg["testTimeoutS"]
        except AssertionError as e:
            status, error = "fail", _describe(e)
        except BaseException as e:
            status, error = "error", _describe(e)
        if is_test:
            if status == "timeout":
                timeouts += 1
            _say("result", test=k, status=status, error=error)
    _say("done")

_main()
`;
