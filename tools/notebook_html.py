#!/usr/bin/env python3
"""Exports a notebook (nbformat v4 JSON) with its stored outputs to one self-contained HTML file.

    python3 tools/notebook_html.py NOTEBOOK.ipynb [-o OUT.html]

Standard library only (no nbconvert). Markdown cells get a small renderer (headings, paragraphs,
lists, code blocks, inline code, bold, italics, links); code cells show their source and their
outputs: streams and text/plain as text, text/html as is, image/png and image/svg+xml inline,
and application/vnd.plotly.v1+json as an interactive figure with the plotly.js bundle from
node_modules inlined once (its text/html SVG fallback when the bundle is not installed). The page
loads nothing from elsewhere, so it opens offline. tools/run_notebooks.py --html calls this.
"""
import argparse
import html
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PLOTLY_MIME = "application/vnd.plotly.v1+json"
STYLE = """body{font-family:sans-serif;margin:2em auto;max-width:1000px;padding:0 1em}
pre{background:#f6f8fa;padding:.6em;overflow-x:auto;white-space:pre-wrap}
.code pre{border-left:3px solid #4a7} .out{margin:0 0 1.2em 0} .out pre{background:#fff;border-left:3px solid #ccc}
.err pre{border-left-color:#c33;color:#900}"""


def plotly_bundle():
    """The plotly.js-dist-min bundle's source from node_modules, or None."""
    for p in sorted((ROOT / "node_modules").glob(".deno/plotly.js-dist-min@*/node_modules/plotly.js-dist-min/plotly.min.js")) + \
            [ROOT / "node_modules" / "plotly.js-dist-min" / "plotly.min.js"]:
        if p.is_file():
            return p.read_text(encoding="utf-8")
    return None


def text_of(v):
    return "".join(v) if isinstance(v, list) else str(v)


def inline_md(s):
    s = html.escape(s, quote=False)
    s = re.sub(r"`([^`]+)`", r"<code>\1</code>", s)
    s = re.sub(r"\*\*([^*]+)\*\*", r"<b>\1</b>", s)
    s = re.sub(r"(?<![*\w])\*([^*\n]+)\*(?!\w)", r"<i>\1</i>", s)
    return re.sub(r"\[([^\]]+)\]\(([^)\s]+)\)", r'<a href="\2">\1</a>', s)


def markdown(src):
    """A small Markdown subset as HTML."""
    out, para, items, lines = [], [], [], src.split("\n")

    def flush():
        if para:
            out.append("<p>" + inline_md(" ".join(para)) + "</p>")
            para.clear()
        if items:
            out.append("<ul>" + "".join(f"<li>{inline_md(i)}</li>" for i in items) + "</ul>")
            items.clear()

    i = 0
    while i < len(lines):
        line = lines[i]
        if line.startswith("```"):
            flush()
            j = i + 1
            while j < len(lines) and not lines[j].startswith("```"):
                j += 1
            out.append("<pre><code>" + html.escape("\n".join(lines[i + 1:j])) + "</code></pre>")
            i = j + 1
            continue
        m = re.match(r"(#{1,6})\s+(.*)", line)
        if m:
            flush()
            n = len(m.group(1))
            out.append(f"<h{n}>{inline_md(m.group(2))}</h{n}>")
        elif re.match(r"\s*[-*]\s+", line):
            if para:
                flush()
            items.append(re.sub(r"^\s*[-*]\s+", "", line))
        elif not line.strip():
            flush()
        elif items and line.startswith("  "):
            items[-1] += " " + line.strip()
        else:
            para.append(line)
        i += 1
    flush()
    return "\n".join(out)


def script_safe(s):
    return re.sub(r"</(script)", r"<\\/\1", s, flags=re.I).replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def output_html(o, figs, interactive):
    kind = o.get("output_type")
    if kind == "stream":
        return f"<pre>{html.escape(text_of(o.get('text', '')))}</pre>"
    if kind == "error":
        tb = "\n".join(o.get("traceback", [])) or f"{o.get('ename')}: {o.get('evalue')}"
        return f'<div class="err"><pre>{html.escape(tb)}</pre></div>'
    data = o.get("data", {})
    if PLOTLY_MIME in data and interactive:
        figs.append(data[PLOTLY_MIME])
        return f'<div id="fig{len(figs) - 1}" style="width:100%;height:460px"></div>'
    if "text/html" in data:
        return text_of(data["text/html"])
    if "image/svg+xml" in data:
        return text_of(data["image/svg+xml"])
    if "image/png" in data:
        return f'<img alt="figure" src="data:image/png;base64,{text_of(data["image/png"]).strip()}">'
    if "text/markdown" in data:
        return markdown(text_of(data["text/markdown"]))
    if "text/plain" in data:
        return f"<pre>{html.escape(text_of(data['text/plain']))}</pre>"
    return ""


def notebook_html(nb, title="notebook", plotly_js=None):
    """The notebook as one HTML page (see the module doc)."""
    figs, body = [], []
    interactive = plotly_js is not None
    for cell in nb.get("cells", []):
        src = text_of(cell.get("source", ""))
        if cell.get("cell_type") == "markdown":
            body.append(markdown(src))
        elif cell.get("cell_type") == "code":
            body.append(f'<div class="code"><pre><code>{html.escape(src)}</code></pre></div>')
            outs = "".join(output_html(o, figs, interactive) for o in cell.get("outputs", []))
            if outs:
                body.append(f'<div class="out">{outs}</div>')
    scripts = ""
    if figs:
        calls = "\n".join(
            f'Plotly.newPlot("fig{i}", {json.dumps(f.get("data", []))}, {json.dumps(f.get("layout", {}))}, {{responsive: true}});'
            for i, f in enumerate(figs))
        scripts = f"<script>{script_safe(plotly_js)}</script>\n<script>\n{script_safe(calls)}\n</script>\n"
    return (f'<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
            f"<style>{STYLE}</style></head>\n<body>\n" + "\n".join(body) + f"\n{scripts}</body></html>\n")


def export(nb_path, out_path=None):
    """Writes NOTEBOOK.html beside the notebook (or to out_path); returns the path."""
    nb_path = Path(nb_path)
    out_path = Path(out_path) if out_path else nb_path.with_suffix(".html")
    nb = json.loads(nb_path.read_text(encoding="utf-8"))
    out_path.parent.mkdir(parents=True, exist_ok=True)
    out_path.write_text(notebook_html(nb, nb_path.stem, plotly_bundle()), encoding="utf-8")
    return out_path


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("notebook", type=Path)
    ap.add_argument("-o", "--out", type=Path, help="output file (default: NOTEBOOK.html beside it)")
    a = ap.parse_args()
    print(export(a.notebook, a.out))
    sys.exit(0)
