import assert from "node:assert/strict";
import {
  barFigure,
  describeFigure,
  figure,
  figureHtml,
  figureMimeBundle,
  lineFigure,
  PLOTLY_MIME,
  resolvePlotlyBundle,
  saveFigureHtml,
  showFigure,
} from "../lib/viz/plotly.ts";
import { escapeXml, figureToSvg } from "../lib/viz/svg.ts";
import { formatTick, niceTicks } from "../lib/viz/frame.ts";
import { formatDuration, formatProgressLine, formatRate, progress } from "../lib/viz/progress.ts";
import { UserError } from "../lib/util/errors.ts";

const count = (text: string, pattern: RegExp) => (text.match(pattern) ?? []).length;

Deno.test("niceTicks: 1-2-5 steps snapped outward", () => {
  assert.deepEqual(niceTicks(0, 0.93, 5), {
    lo: 0,
    hi: 1,
    step: 0.2,
    values: [0, 0.2, 0.4, 0.6, 0.8, 1],
  });
  assert.deepEqual(niceTicks(3, 97, 5).values, [0, 20, 40, 60, 80, 100]);
  assert.deepEqual(niceTicks(-1.2, 0.7, 4).values, [-1.5, -1, -0.5, 0, 0.5, 1]);
  // A flat range is widened by 10% of its value (or by 1 around zero).
  assert.deepEqual(niceTicks(5, 5, 2).values, [4.5, 5, 5.5]);
  assert.deepEqual(niceTicks(0, 0, 2).values, [-1, 0, 1]);
  assert.throws(() => niceTicks(Number.NaN, 1), UserError);
});

Deno.test("formatTick and escapeXml", () => {
  assert.equal(formatTick(0.2, 0.2), "0.2");
  assert.equal(formatTick(40, 20), "40");
  assert.equal(formatTick(0.05, 0.01), "0.05");
  assert.equal(formatTick(2000000, 1000000), "2e+6");
  assert.equal(escapeXml(`a<b & "c"`), "a&#60;b &#38; &#34;c&#34;");
});

Deno.test("figureToSvg: one polyline per line trace, markers per point, labels", () => {
  const fig = lineFigure(
    { x: [0, 1, 2, 3], ys: { loss: [4, 3, 2, 1], reward: [0, 0.5, 0.75, 1] } },
    {
      title: "Training <run 1>",
      xLabel: "step",
      yLabel: "value",
      markers: true,
    },
  );
  const svg = figureToSvg(fig);
  assert.equal(count(svg, /<polyline /g), 2);
  assert.equal(count(svg, /<circle /g), 8);
  assert.equal(count(svg, /class="legend-item"/g), 2);
  assert.ok(svg.includes(">Training &#60;run 1&#62;</text>"));
  assert.ok(svg.includes(">step</text>") && svg.includes(">value</text>"));
  // y spans 0..4: ticks 0, 1, 2, 3, 4 (target ~5 for the 306 px plot height).
  const yTicks = [...svg.matchAll(/class="tick-label y-tick"[^>]*>([^<]*)</g)]
    .map((m) => m[1]);
  assert.deepEqual(yTicks, ["0", "1", "2", "3", "4"]);
  // First point (0, 4) sits at the plot's top-left corner: x = left margin 70, y = top margin 44.
  assert.ok(svg.includes(`<polyline class="trace-line" points="70,44 `));
});

Deno.test("figureToSvg: null breaks a line; lines-only mode draws no markers", () => {
  const svg = figureToSvg(
    figure([{
      x: [0, 1, 2, 3, 4, 5],
      y: [1, 2, null, 3, 4, 5],
      mode: "lines",
    }]),
  );
  assert.equal(count(svg, /<polyline /g), 2);
  assert.equal(count(svg, /<circle /g), 0);
  assert.equal(count(svg, /class="legend-item"/g), 0); // one trace: no legend, like plotly
  const [first, second] = [...svg.matchAll(/points="([^"]*)"/g)].map((m) => m[1].split(" ").length);
  assert.deepEqual([first, second], [2, 3]);
});

Deno.test("figureToSvg: grouped bars on a category axis; unknown traces are noted", () => {
  const fig = barFigure({
    x: ["GRPO", "MAGRPO", "IPPO"],
    ys: { a: [1, 2, 3], b: [3, -1, 2] },
  }, { title: "bars" });
  assert.equal(fig.layout.barmode, "group");
  const withHeatmap = figure(
    [...fig.data, { type: "heatmap", z: [[1]] }],
    fig.layout,
  );
  const svg = figureToSvg(withHeatmap, { width: 500, height: 300 });
  assert.equal(count(svg, /<rect class="trace-bar"/g), 6);
  assert.deepEqual(
    [...svg.matchAll(/class="tick-label x-tick"[^>]*>([^<]*)</g)].map((m) => m[1]),
    [
      "GRPO",
      "MAGRPO",
      "IPPO",
    ],
  );
  assert.ok(svg.includes('width="500" height="300"'));
  assert.ok(svg.includes("not drawn in this static view: heatmap traces"));
  // The negative bar (-1) hangs below the zero line: its top is the zero line's y.
  // (A tick label sits 4 px below its grid line.)
  const zeroY = Number(
    svg.match(
      /class="tick-label y-tick" x="\d+" y="([\d.]+)" text-anchor="end">0</,
    )![1],
  ) - 4;
  const negBar = Number(
    [...svg.matchAll(/<rect class="trace-bar" x="[\d.]+" y="([\d.]+)"/g)][4][1],
  );
  assert.ok(
    Math.abs(negBar - zeroY) < 0.011,
    `bar top ${negBar}, zero line ${zeroY}`,
  );
});

Deno.test("figure: rejects NaN, mismatched lengths and empty series with UserError", () => {
  assert.throws(
    () => figure([{ x: [1, 2], y: [1, Number.NaN] }]),
    /data\[0\]\.y\[1\]: expected a finite number or null/,
  );
  assert.throws(
    () => figure([{ x: [1, 2, 3], y: [1, 2] }]),
    /data\[0\] has 3 x values but 2 y values/,
  );
  assert.throws(
    () => lineFigure({ x: [1], ys: { loss: [1, 2] } }),
    /lineFigure: ys.loss has 2 values but x has 1/,
  );
  assert.throws(() => lineFigure({ ys: {} }), UserError);
  assert.throws(() => barFigure({ ys: { a: [1] } }), /barFigure: 'x'/);
});

Deno.test("showFigure: Jupyter display bundle with plotly JSON, SVG html and text", () => {
  const fig = lineFigure({ ys: { loss: [3, 2, 1] } }, { title: "Loss" });
  const shown = showFigure(fig);
  const bundle = (shown as unknown as Record<symbol, () => Record<string, unknown>>)
    [Symbol.for("Jupyter.display")]();
  assert.deepEqual(Object.keys(bundle), [
    PLOTLY_MIME,
    "text/html",
    "text/plain",
  ]);
  const json = bundle[PLOTLY_MIME] as {
    data: { x: number[]; y: number[] }[];
    layout: unknown;
  };
  assert.deepEqual(json.data[0].x, [0, 1, 2]);
  assert.deepEqual(json.data[0].y, [3, 2, 1]);
  assert.deepEqual(json.layout, { title: { text: "Loss" } });
  assert.equal(bundle["text/plain"], 'Figure "Loss": 1 trace (loss), 3 points');
  assert.match(
    bundle["text/html"] as string,
    /^<div class="magrpo-figure"><svg [^]*<\/svg><\/div>$/,
  );
  assert.ok(!(bundle["text/html"] as string).includes("<script"));
  assert.deepEqual(
    JSON.parse(JSON.stringify(figureMimeBundle(fig)[PLOTLY_MIME])),
    { ...fig },
  );
  assert.equal(
    describeFigure(barFigure({ x: ["a"], ys: { p: [1], q: [2] } })),
    "Figure: 2 traces (p, q), 2 points",
  );
});

Deno.test("figureHtml / saveFigureHtml: plotly.js inlined when resolvable, SVG otherwise", async () => {
  const fig = lineFigure({ ys: { loss: [3, 2, 1] } }, { title: "x</script>y" });
  const noJs = figureHtml(fig);
  assert.ok(noJs.includes("<svg") && !noJs.includes("<script"));
  const withJs = figureHtml(fig, "window.Plotly = {};");
  assert.equal(count(withJs, /<\/script>/g), 2); // the title's "</script>" is escaped inside the JSON
  assert.ok(withJs.includes("x<\\/script>y"));

  const bundle = resolvePlotlyBundle();
  assert.ok(
    bundle?.endsWith("plotly.min.js"),
    `plotly.js-dist-min not resolved: ${bundle}`,
  );
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/nested/fig.html`;
    assert.equal(await saveFigureHtml(fig, path), "plotly");
    const html = await Deno.readTextFile(path);
    const size = (await Deno.stat(bundle!)).size;
    assert.ok(
      html.length > size * 0.99,
      `html ${html.length} chars, bundle ${size} bytes`,
    );
    assert.ok(html.includes('Plotly.newPlot("figure", fig.data, fig.layout'));
    await assert.rejects(() => saveFigureHtml(fig, ""), UserError);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("progress formatting: rate, ETA, durations", () => {
  assert.equal(formatDuration(42), "42s");
  assert.equal(formatDuration(185), "3m05s");
  assert.equal(formatDuration(3720), "1h02m");
  assert.equal(formatRate(0.25), "4.0 s/it");
  assert.equal(formatRate(12.34), "12.3 it/s");
  assert.equal(formatRate(2500), "2.5k it/s");
  assert.equal(
    formatProgressLine({
      label: "train",
      count: 25,
      total: 100,
      elapsedMs: 5000,
      info: "loss=0.5",
    }),
    "train 25/100 (25%) 5.0 it/s ETA 15s loss=0.5",
  );
});

/** A progress bar on a fake clock whose output lands in `lines`. */
function recordedBar(
  options: { total: number; label?: string; intervalMs?: number },
  isTerminal: boolean,
) {
  let t = 0;
  const lines: string[] = [];
  const bar = progress({
    ...options,
    now: () => t,
    writer: { write: (text) => lines.push(text), isTerminal },
  });
  return { bar, lines, advance: (ms: number) => void (t += ms) };
}

Deno.test("progress: non-terminal writer prints a line per 10% and at done", () => {
  const { bar, lines, advance } = recordedBar(
    { total: 20, label: "eval" },
    false,
  );
  for (let i = 0; i < 20; i++) {
    advance(500); // 2 items per second
    bar.tick(1, `loss=${(1 / (i + 1)).toFixed(2)}`);
  }
  bar.done();
  bar.done(); // second call is a no-op
  assert.equal(lines.length, 10); // 10%, 20%, ..., 100%; done() does not repeat the 100% line
  assert.equal(lines[0], "eval 2/20 (10%) 2.0 it/s ETA 9s loss=0.50\n");
  assert.equal(lines[9], "eval 20/20 (100%) 2.0 it/s ETA 0s loss=0.05\n");
  assert.ok(lines.every((l) => !l.includes("\r")));
});

Deno.test("progress: non-terminal writer also prints after intervalMs without a new 10%", () => {
  const { bar, lines, advance } = recordedBar(
    { total: 1000, intervalMs: 5000 },
    false,
  );
  for (let i = 0; i < 12; i++) {
    advance(1000);
    bar.tick();
  }
  assert.deepEqual(lines, [
    "progress 5/1000 (0%) 1.0 it/s ETA 16m35s\n",
    "progress 10/1000 (1%) 1.0 it/s ETA 16m30s\n",
  ]);
  bar.done("stopped");
  assert.equal(lines[2], "progress 12/1000 (1%) 1.0 it/s ETA 16m28s stopped\n");
});

Deno.test("progress: terminal writer redraws one line with \\r and ends with a newline", () => {
  const { bar, lines: out, advance } = recordedBar(
    { total: 3, label: "gen" },
    true,
  );
  advance(200);
  bar.tick(1, "a long info string");
  advance(200);
  bar.tick(2, "");
  bar.done();
  assert.deepEqual(out, [
    "\rgen 1/3 (33%) 5.0 it/s ETA 0s a long info string",
    "\rgen 3/3 (100%) 7.5 it/s ETA 0s" + " ".repeat(18), // pads over the longer previous line
    "\rgen 3/3 (100%) 7.5 it/s ETA 0s\n",
  ]);
  assert.throws(
    () => progress({ total: -1 }),
    /progress: 'total' must be a non-negative integer/,
  );
  assert.throws(
    () =>
      progress({ total: 2, writer: { write: () => {}, isTerminal: false } })
        .tick(Number.NaN),
    UserError,
  );
});

Deno.test("showTable: HTML and text bundles with escaped cells and fixed decimals", async () => {
  const { showTable } = await import("../lib/viz/table.ts");
  const t = showTable([{ text: "a<b", reward: 0.5 }, { text: "c", reward: 1, extra: 2 }], {
    digits: 2,
  });
  assert.deepEqual(t.columns, ["text", "reward", "extra"]);
  assert.deepEqual(t.cells, [["a<b", "0.50", ""], ["c", "1", "2"]]);
  const b = t
    [
      Symbol.for("Jupyter.display") as typeof import("../lib/viz/plotly.ts").JUPYTER_DISPLAY
    ]() as Record<string, string>;
  assert.match(b["text/html"], /<td style="text-align:left">a&#60;b<\/td>/);
  assert.equal(b["text/plain"].split("\n")[1], "a<b   0.50");
});
