#!/usr/bin/env python3
"""Pins the MAGRPO authors' coding reward, level feedback and prompts on a corpus of cases.

Usage:
    python3 tools/authors_coding_corpus.py AUTHORS_CHECKOUT [--humaneval PATH] [--out PATH]

AUTHORS_CHECKOUT is a local checkout of LLM_Collab_Code_Generation (OpenMLRL, or the fork
shady-cs15/LLM_Collab_Code_Generation). This script imports its `rewards/code_rewards.py`,
`rewards/code_utils.py` and `external/level_feedback.py` (standard library only, VERBOSE off),
and takes the prompt formatters and `_make_sliced_assert_tests` out of `train_magrpo.py` with
`ast` (that file imports torch). Each case runs in a child process (their code uses
signal.alarm and exec); their pure text functions run here on 404 seeded random completions
("textCases") and their AST aux-usage analysis on 27 mains ("misuseCases").
Output: tests/authors/coding_corpus.json, and the first 3 rows of their CoopHumanEval and MBPP
files (tests/authors/che_raw_head.json, mbpp_raw_head.json) with the row counts in the corpus.

Upstream vs fork: the fork (HEAD 2026-01-18) starts the program's globals empty
(`exec_globals = {}`) in `execution_reward_aux` and in the level feedback's `_run_tests`; the
newest upstream OpenMLRL version starts them with `{"math": math}`. Every other function used
here is identical (compared: upstream code_rewards.py 0b914ca, code_utils.py 11f24c3,
level_feedback.py 3618829, train_magrpo.py 056dde1). This script pins the UPSTREAM behaviour:
when the checkout has the fork's line, it is replaced in memory by the upstream one before the
module is compiled (it says so in the output's "upstream" field). Another stored upstream
code_rewards.py (a62489b: a "format gate", max 4.5, never in the fork's history) could not be
dated against 0b914ca; it is taken as an experimental version and not pinned.
"""
import argparse
import ast
import gzip
import json
import os
import subprocess
import sys
import types
from concurrent.futures import ThreadPoolExecutor

HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True
sys.path.insert(0, HERE)
from authors_coding_cases import (  # noqa: E402
    feedback_cases, humaneval_cases, misuse_cases, reward_cases, text_cases)

UPSTREAM_PATCHES = {
    "rewards/code_rewards.py": ("exec_globals = {}", 'exec_globals = {"math": math}'),
    "external/level_feedback.py": (
        "exec_globals: Dict[str, object] = {}", 'exec_globals: Dict[str, object] = {"math": math}'),
}


def load_module(checkout, rel, name, notes):
    path = os.path.join(checkout, rel)
    with open(path) as f:
        src = f.read()
    old, new = UPSTREAM_PATCHES.get(rel, (None, None))
    if old is not None:
        if src.count(new) == 1:
            notes.append("%s: already upstream" % rel)
        elif src.count(old) == 1:
            src = "import math\n" + src.replace(old, new)
            notes.append("%s: fork line %r replaced by upstream %r" % (rel, old, new))
        else:
            raise SystemExit("%s: cannot find the exec_globals line to pin" % rel)
    mod = types.ModuleType(name)
    mod.__file__ = path
    sys.modules[name] = mod
    exec(compile(src, path, "exec"), mod.__dict__)
    return mod


def load_authors(checkout):
    sys.path.insert(0, checkout)
    notes = []
    import rewards.code_utils  # noqa: F401  (plain import: identical upstream)
    rewards_mod = load_module(checkout, "rewards/code_rewards.py", "rewards.code_rewards", notes)
    rewards_mod.VERBOSE = False
    pkg = types.ModuleType("external")
    pkg.__path__ = [os.path.join(checkout, "external")]
    sys.modules["external"] = pkg
    feedback_mod = load_module(checkout, "external/level_feedback.py", "external.level_feedback",
                               notes)
    with open(os.path.join(checkout, "train_magrpo.py")) as f:
        tree = ast.parse(f.read())
    wanted = {"extract_function_params_from_prompt", "aux_function_formatter",
              "main_function_formatter", "_make_sliced_assert_tests"}
    funcs = [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef) and n.name in wanted]
    if {f.name for f in funcs} != wanted:
        raise SystemExit("train_magrpo.py: formatters not found")
    ns = {}
    exec("import re\nfrom typing import Any, Dict, List\n", ns)
    exec(compile(ast.Module(funcs, []), "train_magrpo.py", "exec"), ns)
    return rewards_mod, feedback_mod, ns, notes


def worker(checkout):
    """Child process: one case from stdin, its result as JSON on the real stdout."""
    case = json.loads(sys.stdin.read())
    real = sys.stdout
    sys.stdout = open(os.devnull, "w")
    rewards_mod, feedback_mod, ns, _ = load_authors(checkout)
    p = case["problem"]
    if case["kind"] == "reward":
        out = rewards_mod.execution_reward_aux(
            [case["aux"]], [case["main"]], [p["test"]], [p["entry_point"]], [p["prompt"]])[0]
    else:
        sliced = ns["_make_sliced_assert_tests"](p["test"], 1)
        out = list(feedback_mod.format_followup_prompts(
            original_prompt=p["prompt"], aux_completion=case["aux"],
            main_completion=case["main"], test_code=sliced, entry_point=p["entry_point"],
            num_agent=2, prompt_history_per_agent=case["promptHistory"],
            response_history_per_agent=case["responseHistory"]))
    real.write(json.dumps(out) + "\n")
    real.flush()
    os._exit(0)


def text_outputs(checkout):
    """Their pure text functions on seeded random completions (no code is run)."""
    cu = sys.modules["rewards.code_utils"]
    _, _, ns, _ = load_authors(checkout)
    out = []
    for t in text_cases():
        main = cu.extract_specific_function(t, "main_fn")
        out.append({
            "text": t,
            "cleanup": cu.cleanup_code(t),
            "aux": cu.extract_specific_function(t, "aux"),
            "main": main,
            "auxDefined": list(cu.check_function_definition(t, "aux", "Aux function")),
            "usesAux": cu.check_aux_function_usage(t, "aux"),
            "isWrapper": cu.is_wrapper_function(t, "aux"),
            "ignoresAux": cu.check_aux_call_without_assignment(t, "aux")[1],
            "imports": cu.extract_imports_from_prompt(t),
            "tests": cu.extract_test_cases(t, "f"),
            "sliced": ns["_make_sliced_assert_tests"](t, 1),
        })
    return out


def run_case(checkout, case):
    res = subprocess.run([sys.executable, os.path.abspath(__file__), "--worker", checkout],
                         input=json.dumps(case), capture_output=True, text=True, timeout=600)
    if res.returncode != 0:
        raise SystemExit("case %s failed:\n%s" % (case["id"], res.stderr[-3000:]))
    return json.loads(res.stdout.strip().splitlines()[-1])


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "--worker":
        worker(sys.argv[2])
        return
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("checkout")
    ap.add_argument("--humaneval", default="/work/shared/datasets/humaneval/HumanEval.jsonl.gz")
    ap.add_argument("--out", default=os.path.join(HERE, "..", "tests", "authors",
                                                   "coding_corpus.json"))
    args = ap.parse_args()
    checkout = os.path.abspath(args.checkout)
    _, _, ns, notes = load_authors(checkout)
    with gzip.open(args.humaneval, "rt") as f:
        humaneval = [json.loads(line) for line in f]
    problems = {}

    def key_of(p):
        fields = {k: p[k] for k in ("task_id", "prompt", "test", "entry_point")}
        key = p["task_id"]
        while key in problems and problems[key] != fields:
            key += "'"
        problems[key] = fields
        return key

    cases = []
    for c in reward_cases() + humaneval_cases(humaneval):
        cases.append({"kind": "reward", **c})
    for c in feedback_cases(humaneval):
        cases.append({"kind": "feedback", **c})
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        results = list(pool.map(lambda c: run_case(checkout, c), cases))
    reward_out, feedback_out = [], []
    for c, r in zip(cases, results):
        entry = {k: v for k, v in c.items() if k not in ("kind", "problem")}
        entry["problem"] = key_of(c["problem"])
        if c["kind"] == "reward":
            entry["reward"] = r
            reward_out.append(entry)
        else:
            entry["prompts"] = r
            feedback_out.append(entry)
    che = json.load(open(os.path.join(checkout, "data", "che_raw.json")))
    mbpp = json.load(open(os.path.join(checkout, "data", "mbpp_raw.json")))
    prompt_problems = [humaneval[0], humaneval[10], humaneval[32], che[0], che[5], mbpp[0],
                       mbpp[7], {"task_id": "noargs/0", "prompt": "def pi():\n    \"\"\"Pi.\"\"\"\n",
                                 "test": "def check(candidate):\n    assert candidate() == 3\n",
                                 "entry_point": "pi"}]
    prompt_out = [{"problem": key_of(p), "aux": ns["aux_function_formatter"](p),
                   "main": ns["main_function_formatter"](p),
                   "sliced": ns["_make_sliced_assert_tests"](p["test"], 1)}
                  for p in prompt_problems]
    data_files = {}
    out_dir = os.path.dirname(os.path.abspath(args.out))
    os.makedirs(out_dir, exist_ok=True)
    for name, rows in (("che_raw.json", che), ("mbpp_raw.json", mbpp)):
        data_files[name] = {"rows": len(rows), "fields": sorted({k for r in rows for k in r})}
        with open(os.path.join(out_dir, name.replace(".json", "_head.json")), "w") as f:
            json.dump(rows[:3], f, indent=2)
            f.write("\n")
    out = {
        "generator": "tools/authors_coding_corpus.py",
        "dataFiles": data_files,
        "source": "LLM_Collab_Code_Generation checkout: " + os.path.basename(checkout),
        "upstream": notes,
        "problems": problems,
        "rewardCases": reward_out,
        "feedbackCases": feedback_out,
        "promptCases": prompt_out,
    }
    out["textCases"] = text_outputs(checkout)
    cu = sys.modules["rewards.code_utils"]
    out["misuseCases"] = [{"main": m, "misuse": cu.check_aux_call_without_usage(m, "aux")[1]}
                          for m in misuse_cases()]
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    with open(args.out, "w") as f:
        json.dump(out, f, indent=0, sort_keys=False)
        f.write("\n")
    print("%d reward cases, %d feedback cases, %d prompt cases, %d text cases -> %s" % (
        len(reward_out), len(feedback_out), len(prompt_out), len(out["textCases"]), args.out))


if __name__ == "__main__":
    main()
