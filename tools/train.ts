/**
 * The trainer from the command line: `deno task train --config FILE.json`.
 * Unknown keys and bad values in the config are reported (all at once) before anything runs.
 * Without `--fresh` a run continues from its folder's newest checkpoint (refused, with the keys
 * named, when the config changed in a key that is not safe to change: see `RESUME_SAFE_KEYS`);
 * `--fresh` starts over, removing the folder's previous metrics, checkpoints and agents.
 * `--print-config` prints the validated config with defaults; `--describe` prints the table of
 * config keys. `--model DIR` replaces the config's `model` (e.g. a paper preset from
 * `data/configs/paper/` on a local Qwen checkpoint folder).
 *
 * @module
 */
import { parseArgs } from "node:util";
import { describeConfig, loadConfig, runPaths } from "../lib/rl/config.ts";
import { train } from "../lib/rl/trainer.ts";
import { runCli, UserError } from "../lib/util/errors.ts";

await runCli(async () => {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      config: { type: "string" },
      model: { type: "string" },
      fresh: { type: "boolean", default: false },
      "print-config": { type: "boolean", default: false },
      describe: { type: "boolean", default: false },
    },
  });
  if (values.describe) {
    console.log(describeConfig());
    return;
  }
  if (!values.config) {
    throw new UserError(
      "usage: deno task train --config FILE.json [--model DIR] [--fresh] [--print-config]",
    );
  }
  const cfg = await loadConfig(values.config);
  if (values.model) cfg.model = values.model;
  if (values["print-config"]) {
    console.log(JSON.stringify(cfg, null, 2));
    return;
  }
  const { dir } = runPaths(cfg);
  console.log(
    `${cfg.algorithm} on ${cfg.env.name}: ${cfg.steps} steps, G=${cfg.groupSize}, seed ${cfg.seed} → ${dir}`,
  );
  const r = await train(cfg, { resume: !values.fresh });
  const steps = r.records.filter((x) => x.type === "step") as unknown as {
    reward: { mean: number };
  }[];
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
