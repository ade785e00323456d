/**
 * A run's curves as plotly figures, from its `metrics.jsonl` records: the mean joint reward per
 * step with each reward level and the evaluation reward ({@link rewardFigure}), and the loss per
 * agent ({@link lossFigure}); {@link writeRunFigure} saves the reward figure as HTML (plotly
 * inlined, or the SVG fallback) and PNG. The record type is structural, so the trainer's
 * `MetricsRecord`s (lib/rl/records.ts) and parsed JSON lines both fit.
 *
 * @module
 */
import { figure, type PlotlyFigure, type PlotlyTrace, saveFigureHtml } from "../viz/plotly.ts";
export type { PlotlyFigure };
import { figureToSvg } from "../viz/svg.ts";
import { svgToPng } from "./png.ts";

/** The fields of a metrics line that the curves read. */
export interface CurveRecord {
  /** "step" or "eval". */
  type: string;
  /** Step number. */
  step: number;
  /** Reward statistics. */
  reward?: { mean?: number; levels?: Record<string, number> };
  /** Per-agent loss. */
  loss?: readonly (number | null | undefined)[];
}

const finite = (v: unknown): number | null =>
  typeof v === "number" && Number.isFinite(v) ? v : null;

/**
 * Mean joint reward per training step, each reward level (dotted), and the evaluation reward
 * (markers) when the run evaluated.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { rewardFigure } from "./curves.ts";
 * const fig = rewardFigure([
 *   { type: "step", step: 1, reward: { mean: 0.2, levels: { coop: 0.1 } } },
 *   { type: "step", step: 2, reward: { mean: 0.4, levels: { coop: 0.3 } } },
 * ]);
 * assert.deepEqual(fig.data.map((t) => t.name), ["reward (train)", "level: coop"]);
 * ```
 */
export function rewardFigure(
  records: readonly CurveRecord[],
  title = "Mean joint reward",
): PlotlyFigure {
  const steps = records.filter((r) => r.type === "step");
  const evals = records.filter((r) => r.type === "eval");
  const x = steps.map((r) => r.step);
  const traces: PlotlyTrace[] = [{
    type: "scatter",
    mode: "lines",
    name: "reward (train)",
    x,
    y: steps.map((r) => finite(r.reward?.mean)),
    line: { width: 2 },
  }];
  const levels = [...new Set(steps.flatMap((r) => Object.keys(r.reward?.levels ?? {})))];
  for (const l of levels) {
    traces.push({
      type: "scatter",
      mode: "lines",
      name: `level: ${l}`,
      x,
      y: steps.map((r) => finite(r.reward?.levels?.[l])),
      line: { width: 1, dash: "dot" },
    });
  }
  if (evals.length) {
    traces.push({
      type: "scatter",
      mode: "lines+markers",
      name: "reward (eval)",
      x: evals.map((r) => r.step),
      y: evals.map((r) => finite(r.reward?.mean)),
    });
  }
  return figure(traces, {
    title: { text: title },
    xaxis: { title: { text: "step" } },
    yaxis: { title: { text: "reward" } },
  });
}

/** The loss of each agent per training step. */
export function lossFigure(
  records: readonly CurveRecord[],
  title = "Loss per agent",
): PlotlyFigure {
  const steps = records.filter((r) => r.type === "step");
  const agents = Math.max(0, ...steps.map((r) => r.loss?.length ?? 0));
  const traces: PlotlyTrace[] = Array.from({ length: agents }, (_, i) => ({
    type: "scatter",
    mode: "lines",
    name: `agent ${i}`,
    x: steps.map((r) => r.step),
    y: steps.map((r) => finite(r.loss?.[i])),
  }));
  return figure(traces, {
    title: { text: title },
    xaxis: { title: { text: "step" } },
    yaxis: { title: { text: "loss" } },
  });
}

/** Reads a `metrics.jsonl` file's lines (blank lines skipped). */
export async function readCurveRecords(path: string): Promise<CurveRecord[]> {
  return (await Deno.readTextFile(path)).split("\n").filter((l) => l.trim())
    .map((l) => JSON.parse(l) as CurveRecord);
}

/** What {@link writeRunFigure} wrote. */
export interface WrittenFigure {
  /** The HTML file. */
  html: string;
  /** How the HTML draws it: interactive plotly.js (inlined) or the static SVG. */
  renderer: "plotly" | "svg";
  /** The PNG file, or why none was written. */
  png: { ok: true; path: string } | { ok: false; reason: string };
}

/**
 * Writes a run's reward curves as `<prefix>.html` and `<prefix>.png` (default prefix
 * `<dir>/curves`), reading `<dir>/metrics.jsonl`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { writeRunFigure } from "./curves.ts";
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/metrics.jsonl`, '{"type":"step","step":1,"reward":{"mean":0.5}}\n');
 * const w = await writeRunFigure(dir); // <dir>/curves.html and, with rsvg-convert, <dir>/curves.png
 * assert.equal(w.html, `${dir}/curves.html`);
 * ```
 */
export async function writeRunFigure(
  dir: string,
  prefix = `${dir}/curves`,
  opts: { title?: string; log?: (line: string) => void } = {},
): Promise<WrittenFigure> {
  const records = await readCurveRecords(`${dir}/metrics.jsonl`);
  const fig = rewardFigure(records, opts.title);
  const html = `${prefix}.html`;
  const renderer = await saveFigureHtml(fig, html);
  const png = await svgToPng(figureToSvg(fig, { width: 800, height: 450 }), `${prefix}.png`, {
    log: opts.log,
  });
  return { html, renderer, png };
}
