/**
 * `deno task report RUN_DIR [--out FILE]`: one self-contained HTML file of a run (config,
 * manifest, curves, sampled completions) that opens offline; default `<RUN_DIR>/report.html`.
 *
 * @module
 */
import { writeReport } from "../lib/log/report.ts";
import { runCli } from "../lib/util/errors.ts";
import { runDirArgs } from "./run_dir_args.ts";

const USAGE = "usage: deno task report RUN_DIR [--out FILE.html]";

await runCli(async () => {
  const { dir, out, help } = await runDirArgs(Deno.args, USAGE);
  if (help) return console.log(USAGE);
  const r = await writeReport(dir, out);
  const size = (await Deno.stat(r.path)).size;
  console.log(`${r.path} (${(size / 1e6).toFixed(1)} MB, figures: ${r.renderer}; opens offline)`);
});
