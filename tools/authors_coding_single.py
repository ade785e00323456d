#!/usr/bin/env python3
"""Pins the MAGRPO authors' single-agent coding prompt, one-agent level feedback and logger metrics.

Usage:
    python3 tools/authors_coding_single.py AUTHORS_CHECKOUT [--corpus PATH] [--out PATH]

AUTHORS_CHECKOUT is a local checkout of LLM_Collab_Code_Generation (as for
tools/authors_coding_corpus.py, whose loader this script uses: same upstream patches). The
problems and completions are those of tests/authors/coding_corpus.json (its "problems" and
"rewardCases"), so no dataset is needed. What is pinned:
- "singlePromptCases": `complete_function_formatter` of their train_grpo.py (taken out with
  `ast`: that file imports transformers) on the corpus's prompt problems;
- "singleFeedbackCases": `external/level_feedback.py` `format_followup_prompts(num_agent=1)` with
  the test code sliced to the first assert (`_make_sliced_assert_tests(test, 1)` of train_grpo.py,
  their default `sandbox_slice`), as their `train_grpo.py` multi-turn wrapper calls it;
- "loggerCases": `loggers/code_logger.py` `code_reward_logger` on each turn of an episode, which
  is what `loggers/mt_code_logger.py` `mt_humaneval_logger` records per turn (that module is not
  imported: it needs numpy only for its averages). Single-agent episodes give aux "" as theirs.
Each case runs in a child process (their code uses signal.alarm and exec).
"""
import argparse
import ast
import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True
sys.path.insert(0, HERE)
from authors_coding_corpus import load_authors  # noqa: E402


def grpo_functions(checkout):
    with open(os.path.join(checkout, "train_grpo.py")) as f:
        tree = ast.parse(f.read())
    wanted = {"extract_function_params_from_prompt", "complete_function_formatter"}
    funcs = [n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name in wanted]
    # _make_sliced_assert_tests is nested in main() there
    funcs += [n for n in ast.walk(tree)
              if isinstance(n, ast.FunctionDef) and n.name == "_make_sliced_assert_tests"]
    if {f.name for f in funcs} != wanted | {"_make_sliced_assert_tests"}:
        raise SystemExit("train_grpo.py: formatter or _make_sliced_assert_tests not found")
    ns = {}
    exec("import re\nfrom typing import Any, Dict, List\n", ns)
    exec(compile(ast.Module(funcs, []), "train_grpo.py", "exec"), ns)
    return ns


def worker(checkout):
    """Child process: one case from stdin, its result as JSON on the real stdout."""
    case = json.loads(sys.stdin.read())
    real = sys.stdout
    sys.stdout = open(os.devnull, "w")
    _, feedback_mod, _, _ = load_authors(checkout)
    ns = grpo_functions(checkout)
    p = case["problem"]
    if case["kind"] == "feedback":
        sliced = ns["_make_sliced_assert_tests"](p["test"], 1)
        out = feedback_mod.format_followup_prompts(
            original_prompt=p["prompt"], aux_completion="", main_completion=case["main"],
            test_code=sliced, entry_point=p["entry_point"], num_agent=1,
            prompt_history_per_agent=[case["history"]["prompts"]],
            response_history_per_agent=[case["history"]["responses"]])[1]
    else:
        from loggers.code_logger import code_reward_logger
        out = []
        for aux, main in case["turns"]:
            m = code_reward_logger([aux], [main], [p["test"]], [p["entry_point"]], [p["prompt"]])[0]
            out.append({k: v for k, v in m.items() if k not in ("sample_id", "entry_point")})
    real.write(json.dumps(out) + "\n")
    real.flush()
    os._exit(0)


def run_case(checkout, case):
    res = subprocess.run([sys.executable, os.path.abspath(__file__), "--worker", checkout],
                         input=json.dumps(case), capture_output=True, text=True, timeout=600)
    if res.returncode != 0:
        raise SystemExit("case %s failed:\n%s" % (case["id"], res.stderr[-3000:]))
    return json.loads(res.stdout.strip().splitlines()[-1])


# (id, reward case ids of the corpus, one per turn; True: single agent, aux "")
LOGGER_CASES = [
    ("two/nonwrapper", ["add/aux-nonwrapper"], False),
    ("two/wrapper", ["add/aux-wrapper-1line"], False),
    ("two/ignored-call", ["add/ignored-call-space"], False),
    ("two/return-paren", ["add/return-paren"], False),
    ("two/syntax-error", ["add/main-syntax-error"], False),
    ("two/no-main", ["add/no-main"], False),
    ("two/badimport", ["badimport/any"], False),
    ("two/split", ["split/aux"], False),
    ("two/notest", ["notest/right"], False),
    ("two/turns", ["add/wrong", "add/aux-nonwrapper"], False),
    ("single/right", ["add/no-aux"], True),
    ("single/counter", ["count/0"], True),
    ("single/loop", ["loop/right"], True),
    ("single/turns", ["add/wrong", "add/no-aux"], True),
    ("single/markdown", ["add/markdown"], True),
]

ADD_WRONG = "def add(a, b):\n    return a - b\n"
ADD_RIGHT = "def add(a, b):\n    return a + b\n"
# (id, problem key, main completion, number of earlier turns in the history)
FEEDBACK_CASES = [
    ("right", "edge/add", ADD_RIGHT, 1),
    ("wrong", "edge/add", ADD_WRONG, 1),
    ("wrong-turn2", "edge/add", ADD_WRONG, 2),
    ("syntax", "edge/add", "def add(a, b):\n    return a +\n", 1),
    ("missing", "edge/add", "def plus(a, b):\n    return a + b\n", 1),
    ("no-return", "edge/add", "def add(a, b):\n    a + b\n", 1),
    ("markdown", "edge/add", "Sure:\n```python\ndef add(a, b):\n    return a + b\n```\n", 1),
    ("badimport", "edge/badimport", "def one():\n    return 1\n", 1),
    ("imports", "edge/count", "def count(s):\n    return {c: s.count(c) for c in s}\n", 1),
    ("humaneval", "HumanEval/0",
     "def has_close_elements(numbers, threshold):\n    return False\n", 1),
    ("notest", "edge/notest", "def same(x):\n    return x\n", 0),
]


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "--worker":
        worker(sys.argv[2])
        return
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("checkout")
    ap.add_argument("--corpus", default=os.path.join(HERE, "..", "tests", "authors",
                                                      "coding_corpus.json"))
    ap.add_argument("--out", default=os.path.join(HERE, "..", "tests", "authors",
                                                   "coding_single.json"))
    args = ap.parse_args()
    checkout = os.path.abspath(args.checkout)
    with open(args.corpus) as f:
        corpus = json.load(f)
    problems = corpus["problems"]
    by_id = {c["id"]: c for c in corpus["rewardCases"]}
    ns = grpo_functions(checkout)
    prompt_cases = [{"problem": c["problem"],
                     "single": ns["complete_function_formatter"](problems[c["problem"]])}
                    for c in corpus["promptCases"]]
    cases = []
    for cid, ids, single in LOGGER_CASES:
        turns = [["" if single else by_id[i]["aux"], by_id[i]["main"]] for i in ids]
        key = by_id[ids[0]]["problem"]
        cases.append({"kind": "logger", "id": cid, "problem": problems[key], "key": key,
                      "turns": turns})
    for cid, key, main_text, earlier in FEEDBACK_CASES:
        p = problems[key]
        first = ns["complete_function_formatter"](p)
        history = {"prompts": [first] + ["(turn %d prompt)" % (t + 2) for t in range(earlier - 1)],
                   "responses": [ADD_WRONG if key == "edge/add" else "def x():\n    return 0\n"]
                   * (earlier - 1) + [main_text]}
        if earlier == 0:
            history = {"prompts": [], "responses": []}
        cases.append({"kind": "feedback", "id": cid, "problem": p, "key": key, "main": main_text,
                      "history": history})
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        results = list(pool.map(lambda c: run_case(checkout, c), cases))
    logger_out, feedback_out = [], []
    for c, r in zip(cases, results):
        entry = {k: v for k, v in c.items() if k not in ("kind", "problem", "key")}
        entry["problem"] = c["key"]
        if c["kind"] == "logger":
            entry["metrics"] = r
            logger_out.append(entry)
        else:
            entry["prompt"] = r
            feedback_out.append(entry)
    out = {
        "generator": "tools/authors_coding_single.py",
        "source": "LLM_Collab_Code_Generation checkout: " + os.path.basename(checkout),
        "problems": "tests/authors/coding_corpus.json",
        "singlePromptCases": prompt_cases,
        "singleFeedbackCases": feedback_out,
        "loggerCases": logger_out,
    }
    with open(args.out, "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")
    print("%d single prompts, %d single feedback cases, %d logger cases -> %s" % (
        len(prompt_cases), len(feedback_out), len(logger_out), args.out))


if __name__ == "__main__":
    main()
