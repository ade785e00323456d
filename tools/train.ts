/**
 * The trainer from the command line: `deno task train --config FILE.(json|yaml) [--set KEY=VALUE]…`.
 * Unknown keys and bad values in the config are reported (all at once) before anything runs.
 * Without `--fresh` a run continues from its folder's newest checkpoint (refused, with the keys
 * named, when the config changed in a key that is not safe to change: see `RESUME_SAFE_KEYS`);
 * `--fresh` starts over, removing the folder's previous outputs.
 *
 * - `--set steps=10 --set sampling.temperature=0.7`: override keys (typed by the schema);
 * - `--model DIR`: replaces the config's `model` (e.g. a paper preset on a local Qwen folder);
 * - `--no-fallback`: `epFallback=false`, an `ep` that cannot start is an error, not a CPU run;
 * - `--print-config`: the validated config with defaults; `--describe`: the table of keys;
 * - `--schema`: the config's JSON Schema (point a config's `$schema` at the saved file).
 *
 * Relative paths in the config file resolve against the file's folder; those given on the
 * command line (`--model`, `--set model=…`) against the working directory.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { describeConfig, loadConfig, runPaths } from "../lib/rl/config.ts";
import { configJsonSchema } from "../lib/rl/config_json_schema.ts";
import { trainDistributed } from "../lib/dist/train.ts";
import { runCli, UserError } from "../lib/util/errors.ts";

const USAGE =
  `usage: deno task train --config FILE.json|FILE.yaml [--set KEY=VALUE]... [--model DIR]
                       [--fresh] [--no-fallback] [--print-config]
       deno task train --describe     (the table of config keys)
       deno task train --schema       (JSON Schema of the config, for editors)`;

await runCli(async () => {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      config: { type: "string" },
      set: { type: "string", multiple: true, default: [] },
      model: { type: "string" },
      fresh: { type: "boolean", default: false },
      "no-fallback": { type: "boolean", default: false },
      "print-config": { type: "boolean", default: false },
      describe: { type: "boolean", default: false },
      schema: { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help) return console.log(USAGE);
  if (values.describe) return console.log(describeConfig());
  if (values.schema) return console.log(JSON.stringify(configJsonSchema(), null, 2));
  if (!values.config) throw new UserError(USAGE);
  const set = [
    ...values.set,
    ...(values.model ? [`model=${values.model}`] : []),
    ...(values["no-fallback"] ? ["epFallback=false"] : []),
  ];
  const cfg = await loadConfig(values.config, { set });
  if (values["print-config"]) return console.log(JSON.stringify(cfg, null, 2));
  const { dir } = runPaths(cfg);
  console.log(
    `${cfg.algorithm} on ${cfg.env.name}: ${cfg.steps} steps, G=${cfg.groupSize}, seed ${cfg.seed} → ${dir}`,
  );
  // with config.distributed.redis, rollout and reward jobs go to workers (`deno task worker`)
  const r = await trainDistributed(cfg, { resume: !values.fresh });
  const steps = r.records.filter((x) => x.type === "step");
  if (steps.length === 0) {
    console.log(
      `nothing to do: ${dir} already completed its ${cfg.steps} steps ` +
        `(raise "steps" to continue, or --fresh to start over)`,
    );
    return;
  }
  const first = steps.slice(0, 5), lastFew = steps.slice(-5);
  const avg = (xs: { reward: { mean: number } }[]) =>
    xs.reduce((a, x) => a + x.reward.mean, 0) / Math.max(1, xs.length);
  console.log(
    `mean joint reward: first ${first.length} steps ${
      avg(first).toFixed(3)
    }, last ${lastFew.length} steps ${avg(lastFew).toFixed(3)}; metrics in ${dir}/metrics.jsonl`,
  );
});
