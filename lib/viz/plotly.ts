/**
 * Plotly figures as plain JSON (`{data, layout}`), shown in Jupyter through
 * `Symbol.for("Jupyter.display")` and saved as standalone HTML. Nothing here touches
 * `Deno.jupyter`, so every function works (and is tested) outside the kernel too.
 *
 * The display bundle carries the figure for plotly-aware frontends
 * (`application/vnd.plotly.v1+json`) plus a static inline-SVG rendering (`text/html`, made by
 * {@link figureToSvg}) for viewers without plotly.js, and a one-line `text/plain` summary.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { lineFigure, showFigure } from "./plotly.ts";
 * const fig = lineFigure({ x: [1, 2, 3], ys: { loss: [2.1, 1.4, 1.1] } }, { title: "Training", xLabel: "step" });
 * const shown = showFigure(fig); // as a notebook cell's last expression: an interactive plot
 * assert.equal(shown.figure.data.length, 1);
 * ```
 *
 * @module
 */
import { createRequire } from "node:module";
import { UserError } from "../util/errors.ts";
import { titleText } from "./frame.ts";
import { escapeXml, figureToSvg } from "./svg.ts";

import type { PlotlyFigure, PlotlyLayout, PlotlyTrace } from "./plotly_types.ts";
export type { PlotlyAxis, PlotlyFigure, PlotlyLayout, PlotlyTrace } from "./plotly_types.ts";

/** Jupyter MIME bundle: MIME type → content. */
export type MimeBundle = Record<string, unknown>;

/** The MIME type under which Jupyter frontends render plotly figure JSON. */
export const PLOTLY_MIME = "application/vnd.plotly.v1+json";

/** `Symbol.for("Jupyter.display")`: Deno's kernel shows an object through its method under this key. */
export const JUPYTER_DISPLAY: unique symbol = Symbol.for("Jupyter.display");

/** What {@link showFigure} returns: displays as the figure in Jupyter, and keeps the figure. */
export interface FigureDisplay {
  /** The figure being shown. */
  figure: PlotlyFigure;
  /** The MIME bundle Jupyter shows (see {@link figureMimeBundle}). */
  [JUPYTER_DISPLAY](): MimeBundle;
}

/** Titles for the quick figure builders. */
export interface FigureLabels {
  /** Figure title. */
  title?: string;
  /** x-axis title. */
  xLabel?: string;
  /** y-axis title. */
  yLabel?: string;
}

/** Several named series over one x, as taken by {@link lineFigure} and {@link barFigure}. */
export interface NamedSeries<X extends number | string> {
  /** Shared x values (default 0, 1, 2, ... for lines; required for bars). */
  x?: readonly X[];
  /** Series name → y values (same length as x). */
  ys: Record<string, readonly (number | null)[]>;
}

function checkValues(
  where: string,
  values: unknown,
  allowStrings: boolean,
): void {
  if (!Array.isArray(values)) {
    throw new UserError(`${where}: expected an array, got ${typeof values}`);
  }
  values.forEach((v, k) => {
    const ok = v === null || (typeof v === "number" && Number.isFinite(v)) ||
      (allowStrings && typeof v === "string");
    if (!ok) {
      const want = allowStrings ? "a finite number, a string or null" : "a finite number or null";
      throw new UserError(`${where}[${k}]: expected ${want}, got ${String(v)}`);
    }
  });
}

/**
 * Makes a figure from plotly traces and a layout, after checking what would otherwise fail
 * silently: x/y must be arrays of equal length, y finite numbers or `null` (JSON would turn NaN
 * into null without a word), x numbers, strings or `null`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { figure } from "./plotly.ts";
 * const fig = figure([{ type: "bar", x: ["a", "b"], y: [3, 5] }], { title: "Counts" });
 * assert.deepEqual(fig.data[0].y, [3, 5]);
 * ```
 */
export function figure(
  data: readonly PlotlyTrace[],
  layout: PlotlyLayout = {},
): PlotlyFigure {
  if (!Array.isArray(data)) {
    throw new UserError(
      `figure: 'data' must be an array of traces, got ${typeof data}`,
    );
  }
  data.forEach((trace, i) => {
    if (!trace || typeof trace !== "object") {
      throw new UserError(`figure: data[${i}] must be a trace object`);
    }
    if (trace.y !== undefined) {
      checkValues(`figure: data[${i}].y`, trace.y, false);
    }
    if (trace.x !== undefined) {
      checkValues(`figure: data[${i}].x`, trace.x, true);
    }
    if (
      trace.x !== undefined && trace.y !== undefined &&
      trace.x.length !== trace.y.length
    ) {
      throw new UserError(
        `figure: data[${i}] has ${trace.x.length} x values but ${trace.y.length} y values`,
      );
    }
  });
  if (!layout || typeof layout !== "object") {
    throw new UserError("figure: 'layout' must be an object");
  }
  return { data: [...data], layout: { ...layout } };
}

function labelledLayout(labels: FigureLabels): PlotlyLayout {
  const layout: PlotlyLayout = {};
  if (labels.title) layout.title = { text: labels.title };
  if (labels.xLabel) layout.xaxis = { title: { text: labels.xLabel } };
  if (labels.yLabel) layout.yaxis = { title: { text: labels.yLabel } };
  return layout;
}

function seriesTraces<X extends number | string>(
  fn: string,
  series: NamedSeries<X>,
  base: PlotlyTrace,
): PlotlyTrace[] {
  const names = Object.keys(series?.ys ?? {});
  if (names.length === 0) {
    throw new UserError(
      `${fn}: 'ys' must name at least one series, e.g. { loss: [...] }`,
    );
  }
  return names.map((name) => {
    const y = series.ys[name];
    checkValues(`${fn}: ys.${name}`, y, false);
    const x = series.x ?? y.map((_, i) => i);
    if (x.length !== y.length) {
      throw new UserError(
        `${fn}: ys.${name} has ${y.length} values but x has ${x.length}`,
      );
    }
    return { ...base, name, x: [...x], y: [...y] };
  });
}

/**
 * A line chart with one line per named series over a shared x.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { lineFigure } from "./plotly.ts";
 * const fig = lineFigure(
 *   { x: [0, 10, 20], ys: { reward: [0.1, 0.4, 0.7], baseline: [0.1, 0.2, 0.3] } },
 *   { title: "Mean reward", xLabel: "step", yLabel: "reward" },
 * );
 * assert.deepEqual(fig.data.length, 2);
 * ```
 */
export function lineFigure(
  series: NamedSeries<number>,
  labels: FigureLabels & { markers?: boolean } = {},
): PlotlyFigure {
  const mode = labels.markers ? "lines+markers" : "lines";
  return figure(
    seriesTraces("lineFigure", series, { type: "scatter", mode }),
    labelledLayout(labels),
  );
}

/**
 * A grouped bar chart: one bar per x category and named series.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { barFigure } from "./plotly.ts";
 * const fig = barFigure({ x: ["GRPO", "MAGRPO"], ys: { "pass@1": [0.31, 0.42] } }, { title: "Coding" });
 * assert.deepEqual([fig.data[0].type, fig.data[0].name], ["bar", "pass@1"]);
 * ```
 */
export function barFigure(
  series: NamedSeries<number | string>,
  labels: FigureLabels = {},
): PlotlyFigure {
  if (!series?.x) {
    throw new UserError("barFigure: 'x' (the bar categories) is required");
  }
  const layout = labelledLayout(labels);
  if (Object.keys(series.ys ?? {}).length > 1) layout.barmode = "group";
  return figure(seriesTraces("barFigure", series, { type: "bar" }), layout);
}

/** A one-line description of a figure (its `text/plain` form). */
export function describeFigure(fig: PlotlyFigure): string {
  const title = titleText(fig.layout?.title);
  const names = fig.data.map((t, i) => t.name ?? `trace ${i}`);
  const points = fig.data.reduce((n, t) => n + (t.y?.length ?? 0), 0);
  const traces = `${fig.data.length} trace${fig.data.length === 1 ? "" : "s"}`;
  return `Figure${title ? ` "${title}"` : ""}: ${traces} (${names.join(", ")}), ${points} points`;
}

/**
 * The Jupyter MIME bundle for a figure: plotly JSON, a static SVG fallback as HTML, and text.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { figureMimeBundle, lineFigure } from "./plotly.ts";
 * assert.deepEqual(Object.keys(figureMimeBundle(lineFigure({ ys: { a: [1, 2] } }))), ["application/vnd.plotly.v1+json", "text/html", "text/plain"]);
 * ```
 */
export function figureMimeBundle(fig: PlotlyFigure): MimeBundle {
  return {
    [PLOTLY_MIME]: { data: fig.data, layout: fig.layout },
    "text/html": `<div class="magrpo-figure">${figureToSvg(fig)}</div>`,
    "text/plain": describeFigure(fig),
  };
}

/**
 * Wraps a figure so that a notebook shows it: return it as a cell's last expression, or pass it
 * to `Deno.jupyter.display`. Works outside the kernel too (it is just an object).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { JUPYTER_DISPLAY, lineFigure, showFigure } from "./plotly.ts";
 * const shown = showFigure(lineFigure({ ys: { loss: [3, 2, 1] } }));
 * assert.deepEqual(shown[JUPYTER_DISPLAY]()["text/plain"], "Figure: 1 trace (loss), 3 points");
 * ```
 */
export function showFigure(fig: PlotlyFigure): FigureDisplay {
  const checked = figure(fig?.data, fig?.layout);
  return {
    figure: checked,
    [JUPYTER_DISPLAY]: () => figureMimeBundle(checked),
  };
}

/** JSON safe to embed in an HTML `<script>` element (no `</script>`, no U+2028/2029 surprises). */
function scriptSafe(text: string): string {
  return text.replace(/<\/(script)/gi, "<\\/$1").replace(/\u2028/g, "\\u2028")
    .replace(/\u2029/g, "\\u2029");
}

/**
 * A standalone HTML page for a figure. With the plotly.js bundle's source it is interactive;
 * without it, the page shows the static SVG rendering.
 */
export function figureHtml(fig: PlotlyFigure, plotlyJs?: string): string {
  const title = escapeXml(titleText(fig.layout?.title) || "figure");
  const head =
    `<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>${title}</title></head>\n<body>\n`;
  if (plotlyJs === undefined) {
    return `${head}${figureToSvg(fig)}\n</body></html>\n`;
  }
  const json = scriptSafe(
    JSON.stringify({ data: fig.data, layout: fig.layout }),
  );
  return `${head}<div id="figure" style="width:100%;height:90vh"></div>\n` +
    `<script>${scriptSafe(plotlyJs)}</script>\n` +
    `<script>const fig = ${json};\nPlotly.newPlot("figure", fig.data, fig.layout, {responsive: true});</script>\n` +
    `</body></html>\n`;
}

/**
 * The file path of the `plotly.js-dist-min` bundle installed in node_modules, or `undefined`
 * when it cannot be resolved (package not installed, no read permission, non-file module URL).
 */
export function resolvePlotlyBundle(): string | undefined {
  try {
    return createRequire(import.meta.url).resolve("plotly.js-dist-min");
  } catch {
    return undefined;
  }
}

/** Which renderer {@link saveFigureHtml} used. */
export type HtmlRenderer = "plotly" | "svg";

/**
 * Writes a figure as a standalone HTML file (parent folders are created). The plotly.js bundle
 * (~4.8 MB) is inlined, so the page works offline; when the bundle cannot be found the page
 * holds the static SVG instead. Returns which one was written.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { lineFigure, saveFigureHtml } from "./plotly.ts";
 * const path = `${await Deno.makeTempDir()}/loss.html`; // e.g. runs/plots/loss.html
 * assert.equal(await saveFigureHtml(lineFigure({ ys: { loss: [3, 2, 1] } }), path), "plotly");
 * ```
 */
export async function saveFigureHtml(
  fig: PlotlyFigure,
  path: string,
): Promise<HtmlRenderer> {
  if (typeof path !== "string" || path === "") {
    throw new UserError("saveFigureHtml: 'path' must be a non-empty file path");
  }
  const checked = figure(fig?.data, fig?.layout);
  const bundle = resolvePlotlyBundle();
  let plotlyJs: string | undefined;
  if (bundle) {
    try {
      plotlyJs = await Deno.readTextFile(bundle);
    } catch {
      plotlyJs = undefined;
    }
  }
  const dir = path.replace(/[\\/][^\\/]*$/, "");
  if (dir !== path && dir !== "") await Deno.mkdir(dir, { recursive: true });
  await Deno.writeTextFile(path, figureHtml(checked, plotlyJs));
  return plotlyJs === undefined ? "svg" : "plotly";
}
