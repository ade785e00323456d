/**
 * Figures (plotly JSON with an SVG fallback, shown in Jupyter), tables and progress bars.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { lineFigure } from "./mod.ts";
 * const fig = lineFigure({ x: [1, 2, 3], ys: { loss: [2.1, 1.4, 1.1] } }, { title: "Training" });
 * assert.equal(fig.data.length, 1);
 * ```
 *
 * @module
 */

export {
  barFigure,
  describeFigure,
  figure,
  figureHtml,
  figureMimeBundle,
  JUPYTER_DISPLAY,
  lineFigure,
  PLOTLY_MIME,
  saveFigureHtml,
  showFigure,
} from "./plotly.ts";
export type {
  FigureDisplay,
  FigureLabels,
  HtmlRenderer,
  MimeBundle,
  NamedSeries,
  PlotlyAxis,
  PlotlyFigure,
  PlotlyLayout,
  PlotlyTrace,
} from "./plotly.ts";
export { figureToSvg } from "./svg.ts";
export type { SvgOptions } from "./svg.ts";
export { progress } from "./progress.ts";
export type { Progress, ProgressOptions, ProgressWriter } from "./progress.ts";
export { showTable } from "./table.ts";
export type { TableDisplay } from "./table.ts";
