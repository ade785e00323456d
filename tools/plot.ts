/**
 * `deno task plot RUN_DIR [--out PREFIX]`: writes a run's reward curves (mean joint reward,
 * each level, evaluation reward) as `<RUN_DIR>/curves.html` (interactive: plotly.js inlined,
 * opens offline) and `<RUN_DIR>/curves.png` (through rsvg-convert; see lib/log/png.ts).
 *
 * @module
 */
import { parseArgs } from "node:util";
import { writeRunFigure } from "../lib/log/curves.ts";
import { runCli, UserError } from "../lib/util/errors.ts";

const USAGE =
  "usage: deno task plot RUN_DIR [--out PREFIX]   (writes PREFIX.html and PREFIX.png; " +
  "default PREFIX: RUN_DIR/curves)";

await runCli(async () => {
  const { values, positionals } = parseArgs({
    args: Deno.args,
    allowPositionals: true,
    options: { out: { type: "string" }, help: { type: "boolean", short: "h" } },
  });
  if (values.help) return console.log(USAGE);
  const dir = positionals[0]?.replace(/\/+$/, "");
  if (!dir || positionals.length > 1) throw new UserError(USAGE);
  try {
    await Deno.stat(`${dir}/metrics.jsonl`);
  } catch {
    throw new UserError(`${dir}/metrics.jsonl not found: is ${dir} a run folder?\n${USAGE}`);
  }
  const w = await writeRunFigure(dir, values.out);
  console.log(
    `${w.html} (${w.renderer === "plotly" ? "interactive, plotly.js inlined" : "static SVG"})`,
  );
  console.log(w.png.ok ? w.png.path : `no PNG: ${w.png.reason}`);
});
