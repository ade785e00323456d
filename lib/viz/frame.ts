/**
 * Plot geometry for the static SVG renderer ({@link "./svg.ts"}): reads plotly figure JSON into
 * drawable series (x mapped to axis units), picks round ticks, and fixes the data-to-pixel
 * mapping shared by axes, traces and legend.
 *
 * Numeric x gives a linear axis; any string x gives a category axis (in order of appearance).
 * Traces of type `scatter`/`scattergl` and `bar` are drawable; other types are listed as skipped.
 *
 * @module
 */
import { UserError } from "../util/errors.ts";
import type { PlotlyFigure, PlotlyTrace } from "./plotly_types.ts";

/** Requested size of the drawing; `layout.width`/`layout.height` are used when these are absent. */
export interface FrameSize {
  /** Width in pixels (default: layout.width, else 640). */
  width?: number;
  /** Height in pixels (default: layout.height, else 400). */
  height?: number;
}

/** Evenly spaced round tick values covering a range, as made by {@link niceTicks}. */
export interface Ticks {
  /** Lower end of the axis (a multiple of `step`, at most the data minimum). */
  lo: number;
  /** Upper end of the axis (a multiple of `step`, at least the data maximum). */
  hi: number;
  /** Distance between ticks: 1, 2 or 5 times a power of ten. */
  step: number;
  /** Tick values from `lo` to `hi` inclusive. */
  values: number[];
}

/** plotly.js's default colorway (d3 category10), so the SVG fallback matches the interactive figure. */
export const DEFAULT_COLORS: readonly string[] = [
  "#1f77b4",
  "#ff7f0e",
  "#2ca02c",
  "#d62728",
  "#9467bd",
  "#8c564b",
  "#e377c2",
  "#7f7f7f",
  "#bcbd22",
  "#17becf",
];

/**
 * Round ticks covering `[min, max]`: the step is 1, 2 or 5 times a power of ten, the one nearest
 * to `(max - min) / target`; the ends snap outward to multiples of the step.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { niceTicks } from "./frame.ts";
 * assert.deepEqual(niceTicks(0, 0.93, 5).values, [0, 0.2, 0.4, 0.6, 0.8, 1]);
 * ```
 */
export function niceTicks(min: number, max: number, target = 5): Ticks {
  if (!Number.isFinite(min) || !Number.isFinite(max) || !(target >= 1)) {
    throw new UserError(
      `niceTicks: expected finite min/max and target >= 1, got ${min}, ${max}, ${target}`,
    );
  }
  if (!(max > min)) {
    const pad = min === 0 ? 1 : Math.abs(min) * 0.1;
    return niceTicks(min - pad, max + pad, target);
  }
  const raw = (max - min) / Math.max(1, target);
  const mag = 10 ** Math.floor(Math.log10(raw));
  const frac = raw / mag;
  const step = (frac < 1.5 ? 1 : frac < 3 ? 2 : frac < 7 ? 5 : 10) * mag;
  const clean = (v: number) => Number(v.toPrecision(12));
  const lo = clean(Math.floor(min / step + 1e-9) * step);
  const hi = clean(Math.ceil(max / step - 1e-9) * step);
  const values: number[] = [];
  for (let i = 0; lo + i * step <= hi + step * 1e-9; i++) {
    values.push(clean(lo + i * step));
  }
  return { lo, hi, step, values };
}

/** Formats a tick value with just enough decimals for its step (e.g. 0.2 → "0.2", 1e6 → "1e+6"). */
export function formatTick(value: number, step: number): string {
  if (value === 0) return "0";
  const abs = Math.abs(value);
  if (abs >= 1e6 || abs < 1e-4) {
    return value.toExponential(
      Math.max(0, Math.round(-Math.log10(step / abs))),
    );
  }
  const decimals = Math.max(0, -Math.floor(Math.log10(step) + 1e-9));
  return value.toFixed(Math.min(decimals, 10));
}

/** A title given as a string or as plotly's `{text}` object, as plain text. */
export function titleText(title: unknown): string {
  if (typeof title === "string") return title;
  if (
    title && typeof title === "object" &&
    typeof (title as { text?: unknown }).text === "string"
  ) {
    return (title as { text: string }).text;
  }
  return "";
}

/** How a series is drawn. */
export type SeriesKind = "line" | "bar";

/** A drawable trace with x already mapped to axis units (category index or number). */
export interface Series {
  /** Lines/markers or bars. */
  kind: SeriesKind;
  /** Legend name (the trace's name, else "trace i"). */
  name: string;
  /** Stroke/fill color. */
  color: string;
  /** Scatter mode: contains "lines" and/or "markers". */
  mode: string;
  /** x in axis units: the number itself, or the category's index. NaN where missing. */
  x: number[];
  /** y values; null where missing or non-finite (breaks a line). */
  y: (number | null)[];
}

/** Pixel geometry shared by axes, traces and legend. */
export interface Frame {
  /** Drawing width in pixels. */
  width: number;
  /** Drawing height in pixels. */
  height: number;
  /** x of the plot area's left edge. */
  left: number;
  /** y of the plot area's top edge. */
  top: number;
  /** Plot area width. */
  plotW: number;
  /** Plot area height. */
  plotH: number;
  /** y-axis ticks (the axis spans yTicks.lo..yTicks.hi). */
  yTicks: Ticks;
  /** x-axis tick positions (axis units) and their labels. */
  xLabels: [number, string][];
  /** Smallest gap between distinct x values (1 when fewer than two): the width of a bar group. */
  barSlot: number;
  /** Maps an x in axis units to a pixel x. */
  px: (v: number) => number;
  /** Maps a y value to a pixel y. */
  py: (v: number) => number;
}

function traceKind(trace: PlotlyTrace): SeriesKind | "other" {
  const type = trace.type ?? "scatter";
  if (type === "bar") return "bar";
  return type === "scatter" || type === "scattergl" ? "line" : "other";
}

function finiteOrNull(v: unknown): number | null {
  return typeof v === "number" && Number.isFinite(v) ? v : null;
}

function rawX(trace: PlotlyTrace): (number | string)[] {
  if (!trace.x) return Array.from(trace.y ?? [], (_, i) => i);
  return Array.from(trace.x, (v) => (v === null ? Number.NaN : v));
}

function extent(values: number[], includeZero: boolean): [number, number] {
  let lo = includeZero ? 0 : Infinity, hi = includeZero ? 0 : -Infinity;
  for (const v of values) {
    if (Number.isFinite(v)) [lo, hi] = [Math.min(lo, v), Math.max(hi, v)];
  }
  return Number.isFinite(lo) ? [lo, hi] : [0, 1];
}

/** The drawable traces (x mapped to numbers), the category names, and the skipped trace types. */
function collectSeries(fig: PlotlyFigure) {
  const traces = (fig.data ?? []).map((trace, index) => ({
    trace,
    index,
    kind: traceKind(trace),
  }));
  const drawn = traces.filter((d) => d.kind !== "other");
  const allX = drawn.flatMap(({ trace }) => rawX(trace));
  const categories = allX.some((v) => typeof v === "string")
    ? [...new Set(allX.map(String))]
    : undefined;
  const toAxis = (
    v: number | string,
  ) => (categories ? categories.indexOf(String(v)) : Number(v));
  const series: Series[] = drawn.map(({ trace, index, kind }) => {
    const x = rawX(trace).map(toAxis),
      y = Array.from(trace.y ?? [], finiteOrNull);
    const n = Math.min(x.length, y.length);
    const own = trace.line?.color ?? trace.marker?.color;
    return {
      kind: kind as SeriesKind,
      name: trace.name ?? `trace ${index}`,
      color: typeof own === "string" ? own : DEFAULT_COLORS[index % DEFAULT_COLORS.length],
      mode: trace.mode ?? (n <= 20 ? "lines+markers" : "lines"),
      x: x.slice(0, n),
      y: y.slice(0, n),
    };
  });
  const skipped = traces.filter((d) => d.kind === "other").map((d) => String(d.trace.type));
  return { series, categories, skipped };
}

/**
 * Reads a figure into drawable series and the pixel frame they are drawn in.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { plotFrame } from "./frame.ts";
 * const { series, frame } = plotFrame({ data: [{ y: [1, 3] }], layout: {} });
 * assert.equal(frame.px(series[0].x[0]), 70); // the left edge of the plot area
 * ```
 */
export function plotFrame(fig: PlotlyFigure, size: FrameSize = {}): {
  series: Series[];
  skipped: string[];
  frame: Frame;
} {
  const { series, categories, skipped } = collectSeries(fig);
  return {
    series,
    skipped,
    frame: makeFrame(fig, series, categories, skipped, size),
  };
}

function makeFrame(
  fig: PlotlyFigure,
  series: Series[],
  categories: string[] | undefined,
  skipped: string[],
  options: FrameSize,
): Frame {
  const layout = fig.layout ?? {};
  const width = options.width ??
    (typeof layout.width === "number" ? layout.width : 640);
  const height = options.height ??
    (typeof layout.height === "number" ? layout.height : 400);
  const legendChars = Math.max(0, ...series.map((s) => s.name.length));
  const legendW = showsLegend(fig, series) ? Math.min(180, 36 + 7 * legendChars) : 0;
  const left = 70, top = titleText(layout.title) ? 44 : 20;
  const plotW = Math.max(10, width - left - 20 - legendW);
  const plotH = Math.max(10, height - top - (skipped.length ? 70 : 54));

  const hasBars = series.some((s) => s.kind === "bar");
  const xs = series.flatMap((s) => s.x);
  const [xMin, xMax] = extent(xs, false);
  const [yMin, yMax] = extent(
    series.flatMap((s) => s.y.map((v) => v ?? Number.NaN)),
    hasBars,
  );
  const yTicks = niceTicks(yMin, yMax, Math.max(2, Math.round(plotH / 60)));
  const sorted = [...new Set(xs.filter(Number.isFinite))].sort((a, b) => a - b);
  const gap = sorted.slice(1).reduce(
    (g, v, k) => Math.min(g, v - sorted[k]),
    Infinity,
  );
  const barSlot = Number.isFinite(gap) ? gap : 1;

  let x0: number, x1: number, xLabels: [number, string][];
  if (categories) {
    [x0, x1] = [-0.5, Math.max(0.5, categories.length - 0.5)];
    const every = Math.ceil(
      categories.length / Math.max(1, Math.floor(plotW / 60)),
    );
    xLabels = categories.map((c, k): [number, string] => [k, c]).filter(([k]) => k % every === 0);
  } else {
    const pad = hasBars ? barSlot / 2 : 0;
    const ticks = niceTicks(
      xMin - pad,
      xMax + pad,
      Math.max(2, Math.round(plotW / 90)),
    );
    [x0, x1] = hasBars ? [xMin - pad, xMax + pad] : [ticks.lo, ticks.hi];
    xLabels = ticks.values
      .filter((v) => v >= x0 - 1e-9 && v <= x1 + 1e-9)
      .map((v): [number, string] => [v, formatTick(v, ticks.step)]);
  }
  const px = (v: number) => left + ((v - x0) / (x1 - x0 || 1)) * plotW;
  const py = (v: number) => top + plotH - ((v - yTicks.lo) / (yTicks.hi - yTicks.lo || 1)) * plotH;
  return {
    width,
    height,
    left,
    top,
    plotW,
    plotH,
    yTicks,
    xLabels,
    barSlot,
    px,
    py,
  };
}

/** Whether the legend is drawn: `layout.showlegend`, else plotly's rule of two or more traces. */
export function showsLegend(fig: PlotlyFigure, series: Series[]): boolean {
  return fig.layout?.showlegend ?? series.length > 1;
}
