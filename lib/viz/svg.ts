/**
 * A small static renderer for plotly figure JSON: line, scatter and bar traces drawn as one
 * self-contained SVG string (axes, nice ticks, grid, axis titles, title, legend). It is the
 * fallback that notebook viewers without plotly.js show, and needs no network or browser.
 *
 * Drawn: traces of type `scatter`/`scattergl` (modes `lines`, `markers`, `lines+markers`; `null`
 * or non-finite y breaks a line) and `bar` (grouped). Numeric x gives a linear axis; any string x
 * gives a category axis. Other trace types are listed under the plot as not drawn.
 *
 * @module
 */
import {
  formatTick,
  type Frame,
  type FrameSize,
  plotFrame,
  type Series,
  showsLegend,
  titleText,
} from "./frame.ts";
import type { PlotlyFigure } from "./plotly_types.ts";

/** Options for {@link figureToSvg}: the drawing's size in pixels. */
export type SvgOptions = FrameSize;

/** Escapes text for use inside SVG/HTML elements and attribute values. */
export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const r2 = (v: number) => Math.round(v * 100) / 100;

/** One SVG element; attribute values and text are escaped, numbers rounded to 0.01 px. */
function el(
  tag: string,
  attrs: Record<string, string | number>,
  text?: string,
): string {
  const a = Object.entries(attrs)
    .map(([k, v]) => ` ${k}="${typeof v === "number" ? r2(v) : escapeXml(v)}"`)
    .join("");
  return text === undefined ? `<${tag}${a}/>` : `<${tag}${a}>${escapeXml(text)}</${tag}>`;
}

/** Title, grid, ticks, tick labels, axis lines and axis titles. */
function axesSvg(fig: PlotlyFigure, f: Frame): string[] {
  const layout = fig.layout ?? {};
  const out: string[] = [];
  const title = titleText(layout.title);
  const right = f.left + f.plotW, bottom = f.top + f.plotH;
  if (title) {
    const attrs = {
      class: "title",
      x: f.width / 2,
      y: 26,
      "text-anchor": "middle",
      "font-size": 16,
    };
    out.push(el("text", attrs, title));
  }
  for (const v of f.yTicks.values) {
    const y = r2(f.py(v));
    out.push(
      el("line", {
        class: "grid",
        x1: f.left,
        x2: right,
        y1: y,
        y2: y,
        stroke: "#e5e5e5",
      }),
    );
    const label = formatTick(v, f.yTicks.step);
    out.push(
      el("text", {
        class: "tick-label y-tick",
        x: f.left - 6,
        y: y + 4,
        "text-anchor": "end",
      }, label),
    );
  }
  for (const [v, label] of f.xLabels) {
    const x = f.px(v);
    out.push(
      el("line", {
        class: "tick",
        x1: x,
        x2: x,
        y1: bottom,
        y2: bottom + 5,
        stroke: "#444",
      }),
    );
    out.push(
      el("text", {
        class: "tick-label x-tick",
        x,
        y: bottom + 18,
        "text-anchor": "middle",
      }, label),
    );
  }
  out.push(
    el("line", {
      class: "axis x-axis",
      x1: f.left,
      x2: right,
      y1: bottom,
      y2: bottom,
      stroke: "#444",
    }),
  );
  out.push(
    el("line", {
      class: "axis y-axis",
      x1: f.left,
      x2: f.left,
      y1: f.top,
      y2: bottom,
      stroke: "#444",
    }),
  );
  const xTitle = titleText(layout.xaxis?.title),
    yTitle = titleText(layout.yaxis?.title);
  if (xTitle) {
    const attrs = {
      class: "axis-title x-title",
      x: f.left + f.plotW / 2,
      y: bottom + 38,
      "text-anchor": "middle",
    };
    out.push(el("text", attrs, xTitle));
  }
  if (yTitle) {
    const cy = r2(f.top + f.plotH / 2);
    const attrs = {
      class: "axis-title y-title",
      x: 16,
      y: cy,
      "text-anchor": "middle",
      transform: `rotate(-90 16 ${cy})`,
    };
    out.push(el("text", attrs, yTitle));
  }
  return out;
}

/** One rectangle per finite value, offset within its x slot by the trace's place in the group. */
function barsSvg(s: Series, f: Frame, slot: number, slots: number): string[] {
  const w = (f.barSlot * 0.8) / Math.max(1, slots),
    offset = -f.barSlot * 0.4 + slot * w;
  const out: string[] = [];
  s.x.forEach((x, k) => {
    const v = s.y[k];
    if (v === null || !Number.isFinite(x)) return;
    const xa = f.px(x + offset),
      xb = f.px(x + offset + w),
      ya = f.py(Math.max(0, v)),
      yb = f.py(Math.min(0, v));
    out.push(
      el("rect", {
        class: "trace-bar",
        x: xa,
        y: ya,
        width: xb - xa,
        height: yb - ya,
        fill: s.color,
      }),
    );
  });
  return out;
}

/** One polyline per unbroken run of two or more points, and/or one circle per point. */
function lineSvg(s: Series, f: Frame): string[] {
  const out: string[] = [];
  const points = s.x.map((x, k) => {
    const y = s.y[k];
    return y === null || !Number.isFinite(x) ? null : `${r2(f.px(x))},${r2(f.py(y))}`;
  });
  if (s.mode.includes("lines")) {
    let run: string[] = [];
    for (const p of [...points, null]) {
      if (p !== null) run.push(p);
      else {
        const attrs = {
          class: "trace-line",
          points: run.join(" "),
          fill: "none",
          stroke: s.color,
        };
        if (run.length > 1) {
          out.push(el("polyline", { ...attrs, "stroke-width": 2 }));
        }
        run = [];
      }
    }
  }
  if (s.mode.includes("markers")) {
    for (const p of points) {
      if (p === null) continue;
      const [cx, cy] = p.split(",").map(Number);
      out.push(
        el("circle", { class: "trace-marker", cx, cy, r: 3.5, fill: s.color }),
      );
    }
  }
  return out;
}

function legendSvg(series: Series[], f: Frame): string[] {
  const lx = f.left + f.plotW + 16;
  return series.map((s, k) => {
    const y = f.top + 10 + k * 20;
    const swatch = s.kind === "bar"
      ? el("rect", { x: lx, y: y - 6, width: 18, height: 12, fill: s.color })
      : el("line", {
        x1: lx,
        x2: lx + 18,
        y1: y,
        y2: y,
        stroke: s.color,
        "stroke-width": 2,
      });
    return `<g class="legend-item">${swatch}${el("text", { x: lx + 24, y: y + 4 }, s.name)}</g>`;
  });
}

/**
 * Renders a plotly figure's line/scatter/bar traces as a standalone SVG document string.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { figureToSvg } from "./svg.ts";
 * const svg = figureToSvg({ data: [{ x: [0, 1, 2], y: [3, 1, 2], name: "loss" }], layout: { title: "Loss" } });
 * assert.deepEqual(svg.includes("<polyline"), true);
 * ```
 */
export function figureToSvg(
  fig: PlotlyFigure,
  options: SvgOptions = {},
): string {
  const { series, skipped, frame: f } = plotFrame(fig, options);
  const { width, height } = f;
  const root = {
    xmlns: "http://www.w3.org/2000/svg",
    width,
    height,
    viewBox: `0 0 ${width} ${height}`,
  };
  const out = [
    el("svg", { ...root, "font-family": "sans-serif", "font-size": 12 })
      .replace("/>", ">"),
    el("rect", { width, height, fill: "white" }),
    ...axesSvg(fig, f),
  ];
  const bars = series.filter((s) => s.kind === "bar");
  for (const s of series) {
    out.push(
      ...(s.kind === "bar" ? barsSvg(s, f, bars.indexOf(s), bars.length) : lineSvg(s, f)),
    );
  }
  if (showsLegend(fig, series)) out.push(...legendSvg(series, f));
  if (skipped.length) {
    const note = `not drawn in this static view: ${skipped.join(", ")} traces`;
    out.push(
      el(
        "text",
        { class: "note", x: f.left, y: height - 8, fill: "#888" },
        note,
      ),
    );
  }
  out.push("</svg>");
  return out.join("\n");
}
