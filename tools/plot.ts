/**
 * `deno task plot RUN_DIR [--out PREFIX]`: writes a run's reward curves (mean joint reward,
 * each level, evaluation reward) as `<RUN_DIR>/curves.html` (interactive: plotly.js inlined,
 * opens offline) and `<RUN_DIR>/curves.png` (through rsvg-convert; see lib/log/png.ts).
 *
 * @module
 */
import { writeRunFigure } from "../lib/log/curves.ts";
import { runCli } from "../lib/util/errors.ts";
import { runDirArgs } from "./run_dir_args.ts";

const USAGE =
  "usage: deno task plot RUN_DIR [--out PREFIX]   (writes PREFIX.html and PREFIX.png; " +
  "default PREFIX: RUN_DIR/curves)";

await runCli(async () => {
  const { dir, out, help } = await runDirArgs(Deno.args, USAGE);
  if (help) return console.log(USAGE);
  const w = await writeRunFigure(dir, out);
  console.log(
    `${w.html} (${w.renderer === "plotly" ? "interactive, plotly.js inlined" : "static SVG"})`,
  );
  console.log(w.png.ok ? w.png.path : `no PNG: ${w.png.reason}`);
});
