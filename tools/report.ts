/**
 * `deno task report RUN_DIR [--out FILE]`: one self-contained HTML file of a run (config,
 * manifest, curves, sampled completions) that opens offline; default `<RUN_DIR>/report.html`.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { writeReport } from "../lib/log/report.ts";
import { runCli, UserError } from "../lib/util/errors.ts";

const USAGE = "usage: deno task report RUN_DIR [--out FILE.html]";

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
  const r = await writeReport(dir, values.out);
  const size = (await Deno.stat(r.path)).size;
  console.log(`${r.path} (${(size / 1e6).toFixed(1)} MB, figures: ${r.renderer}; opens offline)`);
});
