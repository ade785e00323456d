/**
 * The plotly figure as JSON types, shared by `plotly.ts`, `frame.ts` and `svg.ts` (kept here so
 * those files import each other in one direction only); `plotly.ts` re-exports them.
 *
 * @module
 */

/** A plotly trace; the fields below are the ones this module builds and the SVG fallback draws. */
export interface PlotlyTrace {
  /** Trace type (default `"scatter"`); `"bar"` draws bars. */
  type?: string;
  /** x coordinates (numbers) or categories (strings). Defaults to 0, 1, 2, ... */
  x?: readonly (number | string | null)[];
  /** y values; `null` leaves a gap. */
  y?: readonly (number | null)[];
  /** Legend name. */
  name?: string;
  /** `"lines"`, `"markers"` or `"lines+markers"` for scatter traces. */
  mode?: string;
  /** Line style. */
  line?: { color?: string; width?: number; dash?: string };
  /** Marker style. */
  marker?: { color?: string; size?: number };
  /** Any other plotly attribute, passed through untouched. */
  [key: string]: unknown;
}

/** A plotly axis; only `title` is read by the SVG fallback. */
export interface PlotlyAxis {
  /** Axis title as text or plotly's `{text}` object. */
  title?: string | { text?: string };
  /** Any other plotly attribute (type, range, ...). */
  [key: string]: unknown;
}

/** A plotly layout. */
export interface PlotlyLayout {
  /** Figure title as text or plotly's `{text}` object. */
  title?: string | { text?: string };
  /** The x axis. */
  xaxis?: PlotlyAxis;
  /** The y axis. */
  yaxis?: PlotlyAxis;
  /** Width in pixels. */
  width?: number;
  /** Height in pixels. */
  height?: number;
  /** Show the legend (plotly's default: when there are two or more traces). */
  showlegend?: boolean;
  /** Any other plotly attribute. */
  [key: string]: unknown;
}

/** A plotly figure as JSON: what `Plotly.newPlot(el, fig.data, fig.layout)` takes. */
export interface PlotlyFigure {
  /** The traces. */
  data: PlotlyTrace[];
  /** The layout. */
  layout: PlotlyLayout;
}
