/**
 * One self-contained HTML file for a run folder (`deno task report RUN_DIR`): its config, its
 * manifest (versions, commit, data hashes, machine), its curves and a sample of the completions
 * with their rewards. Everything is inlined (plotly.js from node_modules when installed, else
 * the static SVG figures), so the file opens offline on a colleague's machine.
 *
 * @module
 */
import { escapeXml, figureToSvg } from "../viz/svg.ts";
import { type PlotlyFigure, resolvePlotlyBundle } from "../viz/plotly.ts";
export type { PlotlyFigure };
import { lossFigure, readCurveRecords, rewardFigure } from "./curves.ts";
import { type CompletionsRecord, readCompletions } from "./completions.ts";

/** What a report shows. */
export interface ReportContent {
  /** Page title (e.g. the run folder). */
  title: string;
  /** The run's config (shown as JSON). */
  config?: unknown;
  /** The run's manifest (shown as JSON). */
  manifest?: unknown;
  /** Figures, in order. */
  figures: PlotlyFigure[];
  /** Completions lines to show (the report keeps the last `maxCompletions`). */
  completions: CompletionsRecord[];
  /** How many completions lines to show (default 5: the last ones). */
  maxCompletions?: number;
  /** Answers shown per line (default 4). */
  maxAnswers?: number;
}

const scriptSafe = (s: string) =>
  s.replace(/<\/(script)/gi, "<\\/$1").replace(/\u2028/g, "\\u2028").replace(/\u2029/g, "\\u2029");
const pre = (v: unknown) => `<pre>${escapeXml(JSON.stringify(v, null, 2))}</pre>`;

function completionsHtml(c: ReportContent): string {
  const lines = c.completions.slice(-(c.maxCompletions ?? 5));
  if (!lines.length) return "<p>No completions logged (log.completionsEvery: 0).</p>";
  return lines.map((r) => {
    const head = r.prompts.map((p, i) => `<th>agent ${i}<br><code>${escapeXml(p)}</code></th>`);
    const rows = r.answers.slice(0, c.maxAnswers ?? 4).map((a) => {
      const lv = Object.entries(a.levels).map(([k, v]) => `${escapeXml(k)} ${v.toFixed(3)}`);
      return `<tr><td>${a.reward.toFixed(3)}<br><small>${lv.join(", ")}</small></td>` +
        a.texts.map((t) => `<td><pre>${escapeXml(t)}</pre></td>`).join("") + `</tr>`;
    });
    return `<h3>step ${r.step}${r.turn ? `, turn ${r.turn + 1}` : ""}</h3>\n<table><tr>` +
      `<th>reward</th>${head.join("")}</tr>\n${rows.join("\n")}</table>`;
  }).join("\n");
}

/**
 * The report page as one HTML string. With `plotlyJs` (the plotly.js bundle's source) the
 * figures are interactive; without it they are static SVG.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { reportHtml } from "./report.ts";
 * const html = reportHtml({ title: "run", figures: [], completions: [] });
 * assert.deepEqual(html.startsWith("<!DOCTYPE html>"), true);
 * ```
 */
export function reportHtml(c: ReportContent, plotlyJs?: string): string {
  const figs = c.figures.map((f, i) =>
    plotlyJs === undefined
      ? `<div class="figure">${figureToSvg(f, { width: 800, height: 420 })}</div>`
      : `<div class="figure" id="fig${i}" style="width:100%;max-width:900px;height:440px"></div>`
  );
  const scripts = plotlyJs === undefined
    ? ""
    : `<script>${scriptSafe(plotlyJs)}</script>\n<script>\n` +
      c.figures.map((f, i) =>
        `Plotly.newPlot("fig${i}", ${scriptSafe(JSON.stringify(f.data))}, ${
          scriptSafe(JSON.stringify(f.layout))
        }, {responsive: true});`
      ).join("\n") + "\n</script>\n";
  const title = escapeXml(c.title);
  return `<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>${title}</title>
<style>body{font-family:sans-serif;margin:2em;max-width:1100px}pre{white-space:pre-wrap;margin:0}
table{border-collapse:collapse;margin-bottom:1em}td,th{border:1px solid #ccc;padding:4px;vertical-align:top;text-align:left}
details{margin:1em 0}</style></head>
<body>
<h1>${title}</h1>
<h2>Curves</h2>
${figs.join("\n")}
<h2>Sampled completions</h2>
${completionsHtml(c)}
<details open><summary><b>Config</b></summary>${
    c.config === undefined ? "<p>(none)</p>" : pre(c.config)
  }</details>
<details><summary><b>Manifest</b> (versions, commit, data hashes, machine)</summary>${
    c.manifest === undefined ? "<p>(none)</p>" : pre(c.manifest)
  }</details>
${scripts}</body></html>
`;
}

const readJson = (p: string) => Deno.readTextFile(p).then(JSON.parse, () => undefined);

/**
 * Writes the report of run folder `dir` to `out` (default `<dir>/report.html`); returns the
 * path and how the figures are drawn.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { writeReport } from "./report.ts";
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/metrics.jsonl`, '{"type":"step","step":1,"reward":{"mean":0.5}}\n');
 * assert.equal((await writeReport(dir)).path, `${dir}/report.html`);
 * ```
 */
export async function writeReport(
  dir: string,
  out = `${dir}/report.html`,
): Promise<{ path: string; renderer: "plotly" | "svg" }> {
  const records = await readCurveRecords(`${dir}/metrics.jsonl`);
  const content: ReportContent = {
    title: `Run ${dir}`,
    config: await readJson(`${dir}/config.json`),
    manifest: await readJson(`${dir}/manifest.json`),
    figures: [rewardFigure(records), lossFigure(records)],
    completions: await readCompletions(`${dir}/completions.jsonl`),
  };
  const bundle = resolvePlotlyBundle();
  const js = bundle ? await Deno.readTextFile(bundle).catch(() => undefined) : undefined;
  await Deno.writeTextFile(out, reportHtml(content, js));
  return { path: out, renderer: js === undefined ? "svg" : "plotly" };
}
