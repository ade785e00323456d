#!/usr/bin/env python3
"""Pins the authors' writing prompts and single-agent split from a local checkout.

Usage: python3 tools/authors_writing_prompts.py CHECKOUT [OUT.json]

CHECKOUT is a local clone of OpenMLRL/LLM_Collab_Writing. The prompt formatters of its
train_magrpo.py (two agents) and train_grpo.py (one agent), and its paragraph split, are run on
our shipped rows (data/tldr/posts.jsonl, data/arxiv/abstracts.jsonl) plus edge cases; the
output (default tests/reference/authors_writing_prompts.json) is what tests/writing_prompts_test.ts
compares our prompts with. Only the named functions are taken from the scripts (parsed with
`ast` and run alone), so neither `datasets`, `transformers` nor CoMLRL is needed.
"""
import ast
import json
import re
import subprocess
import sys
import typing
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def functions(source: str, names: list[str]) -> dict:
    """Runs only the named top-level functions of a script; returns them by name."""
    tree = ast.parse(source)
    keep = [n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name in names]
    scope = {"re": re, **{k: getattr(typing, k) for k in ("Any", "Dict", "List", "Tuple")}}
    exec(compile(ast.Module(body=keep, type_ignores=[]), "<authors>", "exec"), scope)
    missing = [n for n in names if n not in scope]
    if missing:
        raise SystemExit(f"not found in the checkout: {missing}")
    return {n: scope[n] for n in names}


def show(checkout: Path, path: str) -> str:
    """A file of the checkout's HEAD (its work tree may be absent)."""
    return subprocess.run(
        ["git", "-C", str(checkout), "show", f"HEAD:{path}"],
        check=True, capture_output=True, text=True,
    ).stdout


def main() -> None:
    checkout = Path(sys.argv[1])
    out = Path(sys.argv[2]) if len(sys.argv) > 2 else ROOT / "tests/reference/authors_writing_prompts.json"
    multi = functions(show(checkout, "train_magrpo.py"), [
        "summary_agent_formatter", "elaboration_agent_formatter",
        "background_agent_formatter", "complementary_agent_formatter",
    ])
    single = functions(show(checkout, "train_grpo.py"), [
        "tldr_single_formatter", "arxiv_single_formatter", "split_response_into_paragraphs",
    ])
    read = lambda p: [json.loads(l) for l in (ROOT / p).read_text().splitlines() if l.strip()]
    tldr = read("data/tldr/posts.jsonl")[:3] + [{"prompt": "", "completion": ""}]
    arxiv = read("data/arxiv/abstracts.jsonl")[:3] + [{"abstract_text": ""}]
    texts = [
        "Paragraph 1: short one.\n[PARAGRAPH_SPLIT]\nParagraph 2: the longer second part.",
        "first part [PARAGRAPH_SPLIT] second [PARAGRAPH_SPLIT] third",
        "paragraph 1: lower case. PARAGRAPH 2:   shouted second part",
        "no marker at all in this answer, so a third goes to the first part",
        "  x  ",
        "",
        "héllo wörld ünïcode text with no marker — cut by code points",
        "Paragraph 1: only the first label here",
    ]
    result = {
        "source": "OpenMLRL/LLM_Collab_Writing train_magrpo.py, train_grpo.py",
        "commit": subprocess.run(["git", "-C", str(checkout), "rev-parse", "HEAD"],
                                 capture_output=True, text=True).stdout.strip(),
        "tldr": [{
            "row": r,
            "agents": [multi["summary_agent_formatter"](r), multi["elaboration_agent_formatter"](r)],
            "single": single["tldr_single_formatter"](r),
        } for r in tldr],
        "arxiv": [{
            "row": r,
            "agents": [multi["background_agent_formatter"](r), multi["complementary_agent_formatter"](r)],
            "single": single["arxiv_single_formatter"](r),
        } for r in arxiv],
        "split": [{"text": t, "parts": list(single["split_response_into_paragraphs"](t))} for t in texts],
    }
    out.write_text(json.dumps(result, indent=1, ensure_ascii=False) + "\n")
    print(f"wrote {out}: {len(tldr)} tldr rows, {len(arxiv)} arxiv rows, {len(texts)} splits")


if __name__ == "__main__":
    main()
