/**
 * The study's report (used by `bench/study.ts`): per task, each method's held-out joint reward
 * and cooperative levels as means with 95 % bootstrap intervals over seeds, the task metrics,
 * paired comparisons of MAGRPO with every other method (the same seeds), and the figures:
 * learning curves with interval bands per task (`curves-<task>.{json,html,png}`) and the gain
 * of each method over the untrained agents (`gain.{json,html,png}`): plotly JSON (bands filled;
 * what notebook 05 shows), and a static HTML (SVG) and PNG where a band is its outline. Writes
 * `summary.md`.
 *
 * @module
 */
import { bootstrapMeanCI, type MeanCI, pairedComparison } from "../lib/metrics/bootstrap.ts";
import { figure, figureHtml, type PlotlyFigure, type PlotlyTrace } from "../lib/viz/plotly.ts";
import { figureToSvg } from "../lib/viz/svg.ts";
import { svgToPng } from "../lib/log/png.ts";
import type { StudyResults, StudyRun } from "./study.ts";

const ORDER = ["magrpo", "independent", "grpo_single", "critic", "untrained"];
const COLORS: Record<string, string> = {
  magrpo: "#1f77b4",
  independent: "#ff7f0e",
  grpo_single: "#2ca02c",
  critic: "#9467bd",
  untrained: "#7f7f7f",
};
/** Task metrics shown in the tables, where a task's evaluation has them. */
const METRICS = [
  "rougeL",
  "structure",
  "coherence",
  "consistency",
  "passed_rate",
  "level_3_reward",
  "codebleu",
];

/** Fewer paired seeds than this: no significance call (a 2-seed bootstrap is nearly a point). */
const MIN_SEEDS = 4;
const f3 = (x: number) => x.toFixed(3);
const ci = (c: MeanCI) => `${f3(c.mean)} [${f3(c.lo)}, ${f3(c.hi)}]`;

/** Runs of one task and method, sorted by seed. */
function runsOf(results: StudyResults, task: string, method: string): StudyRun[] {
  return results.runs.filter((r) => r.task === task && r.method === method)
    .sort((a, b) => a.seed - b.seed);
}

/** The values of two methods on their common seeds, paired. */
function paired(a: StudyRun[], b: StudyRun[], value: (r: StudyRun) => number) {
  const seeds = a.map((r) => r.seed).filter((s) => b.some((r) => r.seed === s));
  const at = (rs: StudyRun[]) => seeds.map((s) => value(rs.find((r) => r.seed === s)!));
  return { seeds, a: at(a), b: at(b) };
}

/** Moving mean over `w` steps (shorter at the start). */
function smooth(xs: number[], w: number): number[] {
  return xs.map((_, i) => {
    const part = xs.slice(Math.max(0, i - w + 1), i + 1);
    return part.reduce((s, x) => s + x, 0) / part.length;
  });
}

/** Learning curves of one task: per method the seeds' mean (smoothed) with a 95 % band. */
export function curvesFigure(results: StudyResults, task: string): PlotlyFigure {
  const data: PlotlyTrace[] = [];
  for (const m of ORDER.filter((m) => m !== "untrained")) {
    const rs = runsOf(results, task, m).filter((r) => r.curve.length > 0);
    if (!rs.length) continue;
    const n = Math.min(...rs.map((r) => r.curve.length));
    const w = Math.max(1, Math.round(n / 8));
    const per = rs.map((r) => smooth(r.curve.slice(0, n).map((c) => c.reward), w));
    const steps = rs[0].curve.slice(0, n).map((c) => c.step);
    const band = steps.map((_, i) => bootstrapMeanCI(per.map((p) => p[i])));
    data.push({
      type: "scatter",
      mode: "lines",
      name: `${m} 95% CI`,
      x: [...steps, ...[...steps].reverse()],
      y: [...band.map((b) => b.hi), ...[...band].reverse().map((b) => b.lo)],
      fill: "toself",
      fillcolor: `${COLORS[m]}33`,
      line: { color: `${COLORS[m]}00`, width: 0 },
      showlegend: false,
    });
    data.push({
      type: "scatter",
      mode: "lines",
      name: `${m} (${rs.length} seeds)`,
      x: steps,
      y: band.map((b) => b.mean),
      line: { color: COLORS[m], width: 2 },
    });
  }
  return figure(data, {
    title: { text: `${task}: sampled joint reward while training (mean over seeds, 95% band)` },
    xaxis: { title: { text: "step" } },
    yaxis: { title: { text: "joint reward (moving mean)" } },
  });
}

/** Each trained method's held-out gain over the untrained agents, per task (paired by seed). */
export function gainFigure(results: StudyResults): PlotlyFigure {
  const tasks = [...new Set(results.runs.map((r) => r.task))];
  const data: PlotlyTrace[] = [];
  for (const m of ORDER.filter((m) => m !== "untrained")) {
    const xs: string[] = [], ys: number[] = [], up: number[] = [], down: number[] = [];
    for (const t of tasks) {
      const p = paired(
        runsOf(results, t, m),
        runsOf(results, t, "untrained"),
        (r) => r.eval.reward,
      );
      if (!p.seeds.length) continue;
      const c = pairedComparison(p.a, p.b);
      xs.push(t), ys.push(c.mean), up.push(c.hi - c.mean), down.push(c.mean - c.lo);
    }
    if (!xs.length) continue;
    data.push({
      type: "bar",
      name: m,
      x: xs,
      y: ys,
      marker: { color: COLORS[m] },
      error_y: { type: "data", symmetric: false, array: up, arrayminus: down },
    });
  }
  return figure(data, {
    title: { text: "Held-out joint reward minus the untrained agents' (95% paired bootstrap CI)" },
    barmode: "group",
    yaxis: { title: { text: "gain in joint reward" } },
  });
}

/** `#rrggbb` mixed with white (share `w` of white). */
function lighten(hex: string, w: number): string {
  const c = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
  return `#${c.map((v) => Math.round(v + (255 - v) * w).toString(16).padStart(2, "0")).join("")}`;
}

/** The static (SVG/PNG) form: a band, which SVG cannot fill, is drawn as its light outline. */
function staticFigure(fig: PlotlyFigure): PlotlyFigure {
  const data = fig.data.map((t) => {
    if (t.fill !== "toself") return t;
    const color = (t.fillcolor as string).slice(0, 7);
    return { ...t, fill: undefined, line: { color: lighten(color, 0.6), width: 1 } };
  });
  return { data, layout: fig.layout };
}

/** Writes `<prefix>.json` (plotly), `<prefix>.html` (static SVG, small) and `<prefix>.png`. */
async function saveFigure(fig: PlotlyFigure, prefix: string): Promise<string> {
  await Deno.writeTextFile(`${prefix}.json`, JSON.stringify(fig) + "\n");
  const still = staticFigure(fig);
  await Deno.writeTextFile(`${prefix}.html`, figureHtml(still));
  const png = await svgToPng(figureToSvg(still, { width: 900, height: 480 }), `${prefix}.png`);
  return png.ok ? "" : ` (no PNG: ${png.reason})`;
}

/** The tables of the study as Markdown (one section per task). */
export function studyTables(results: StudyResults): string {
  const tasks = [...new Set(results.runs.map((r) => r.task))];
  const lines: string[] = [];
  for (const t of tasks) {
    const s = results.settings[t];
    lines.push(`### ${t}${s ? `: ${s.about}` : ""}`, "");
    if (s) {
      lines.push(
        `Budget per run: ${s.steps} steps, G = ${s.groupSize}, ${s.promptsPerStep} prompts/step, ` +
          `≤ ${s.maxNewTokens} new tokens; eval: ${s.evalRows} held-out rows × ${s.evalSamples} ` +
          `sampled answers; cooperative levels: ${s.coop.join(" + ")}.`,
        "",
      );
    }
    const present = ORDER.filter((m) => runsOf(results, t, m).length);
    const metrics = METRICS.filter((k) =>
      results.runs.some((r) => r.task === t && k in r.eval.metrics)
    );
    const pk = results.runs.some((r) => r.task === t && r.eval.passAtK);
    const head = ["method", "seeds", "held-out joint reward", "cooperative levels", ...metrics];
    if (pk) head.push("pass@k");
    head.push("s/run");
    lines.push(`| ${head.join(" | ")} |`, `|${head.map(() => " --- |").join("")}`);
    for (const m of present) {
      const rs = runsOf(results, t, m);
      const cell = (v: (r: StudyRun) => number) => ci(bootstrapMeanCI(rs.map(v)));
      const cells = [
        m,
        String(rs.length),
        cell((r) => r.eval.reward),
        cell((r) => r.eval.coop),
        ...metrics.map((k) => cell((r) => r.eval.metrics[k] ?? 0)),
      ];
      if (pk) {
        cells.push(
          Object.keys(rs[0].eval.passAtK ?? {}).map((k) =>
            `${k}: ${f3(rs.reduce((a, r) => a + (r.eval.passAtK?.[k] ?? 0), 0) / rs.length)}`
          ).join(", "),
        );
      }
      cells.push((rs.reduce((a, r) => a + r.seconds, 0) / rs.length).toFixed(0));
      lines.push(`| ${cells.join(" | ")} |`);
    }
    lines.push("", "Paired (same seeds): MAGRPO minus each method, held-out joint reward.", "");
    lines.push(
      "| vs | seeds | difference [95% CI] | sign-flip p | significant |",
      "| --- | --- | --- | --- | --- |",
    );
    const mag = runsOf(results, t, "magrpo");
    for (const m of present.filter((m) => m !== "magrpo")) {
      const p = paired(mag, runsOf(results, t, m), (r) => r.eval.reward);
      if (!p.seeds.length) continue;
      const c = pairedComparison(p.a, p.b);
      lines.push(
        `| ${m} | ${p.seeds.length} | ${ci(c)} | ${c.p.toFixed(3)} | ${
          p.seeds.length < MIN_SEEDS
            ? `n/a (< ${MIN_SEEDS} seeds)`
            : c.significant
            ? "yes"
            : "no (CI includes 0)"
        } |`,
      );
    }
    lines.push("");
  }
  return lines.join("\n");
}

/** Writes `summary.md` and the figures into `dir`; returns the Markdown. */
export async function writeStudyReport(results: StudyResults, dir: string): Promise<string> {
  const md = studyTables(results);
  await Deno.writeTextFile(`${dir}/summary.md`, md + "\n");
  const notes: string[] = [];
  for (const t of new Set(results.runs.map((r) => r.task))) {
    if (results.runs.some((r) => r.task === t && r.curve.length)) {
      notes.push(await saveFigure(curvesFigure(results, t), `${dir}/curves-${t}`));
    }
  }
  notes.push(await saveFigure(gainFigure(results), `${dir}/gain`));
  const note = notes.find((n) => n) ?? "";
  return `${md}\nfigures: ${dir}/curves-<task>.{json,html,png}, ${dir}/gain.{json,html,png}${note}`;
}
