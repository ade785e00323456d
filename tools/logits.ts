/**
 * Parity CLI for external checks: prints the logits of a token sequence under a local Hugging
 * Face model folder as JSON, one row of vocab-size floats per input position.
 *
 * Usage: `deno run -A tools/logits.ts --model DIR --ids 1,2,3 [--adapter ADIR] [--ep webgpu] [--no-fallback]`
 * (`--adapter`: a PEFT LoRA folder applied over the model, as `PeftModel.from_pretrained`).
 * Output: `{"logits": [[...], ...]}` on stdout.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { configureRuntime } from "../lib/engine/runtime.ts";
import { loadPolicy } from "../lib/policy/load.ts";
import { computeLogits } from "../lib/policy/logits.ts";
import { runCli, UserError } from "../lib/util/errors.ts";

await runCli(async () => {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      model: { type: "string" },
      ids: { type: "string" },
      adapter: { type: "string" },
      ep: { type: "string", default: "cpu" },
      "no-fallback": { type: "boolean", default: false },
    },
  });
  if (!values.model) {
    throw new UserError(
      "--model DIR is required (a Hugging Face model folder)",
    );
  }
  if (!values.ids) throw new UserError("--ids is required, e.g. --ids 1,2,3");
  const ids = values.ids.split(",").map((s) => s.trim());
  if (ids.some((s) => !/^\d+$/.test(s))) {
    throw new UserError(
      `--ids must be comma-separated non-negative integers, got '${values.ids}'`,
    );
  }
  // --no-fallback: a requested provider that cannot start is an error, not a silent CPU run.
  if (values["no-fallback"]) configureRuntime({ fallback: false });
  const policy = await loadPolicy(values.model, {
    ep: values.ep as "cpu",
    adapter: values.adapter,
  });
  const { arch, maxPositions } = policy.cfg;
  if (arch === "gpt2" && ids.length > maxPositions) {
    throw new UserError(
      `--ids has ${ids.length} tokens but ${values.model}/config.json has n_positions ${maxPositions} ` +
        `(gpt2's learned position table)`,
    );
  }
  const flat = await computeLogits(policy, [ids.map(Number)]);
  const v = policy.cfg.vocabSize;
  const rows = Array.from(
    { length: ids.length },
    (_, i) => Array.from(flat.subarray(i * v, (i + 1) * v)),
  );
  console.log(JSON.stringify({ logits: rows }));
});
