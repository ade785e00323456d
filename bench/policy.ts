/**
 * Policy benchmark (not a unit test): generated tokens/s with and without the KV cache for the
 * default model and a ~10M-parameter model (batch 8, 128 new tokens), and log-prob scoring
 * tokens/s (batch 8 × 256 tokens).
 *
 * Run: `deno run -A bench/policy.ts [--model data/default-model]`
 *
 * @module
 */
import { parseArgs } from "node:util";
import type { ModelConfig } from "../lib/model/config.ts";
import { countParams, initParams } from "../lib/model/params.ts";
import { byteLevelPolicy, loadPolicy } from "../lib/policy/load.ts";
import type { Policy } from "../lib/policy/policy.ts";
import { sampleTokens } from "../lib/policy/sample.ts";
import { scoreCompletions } from "../lib/policy/score.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: { model: { type: "string", default: "data/default-model" } },
});

async function generation(name: string, p: Policy) {
  const prompts = Array.from({ length: 8 }, (_, i) => [65 + i, 32, 66 + i, 32]);
  const opts = { maxNewTokens: 128, temperature: 1, eosTokenIds: [] as number[], seed: 0 };
  await sampleTokens(p, prompts.slice(0, 2), { ...opts, maxNewTokens: 4 }); // compile
  const run = async (noCache: boolean) => {
    const t0 = performance.now();
    const out = await sampleTokens(p, prompts, { ...opts, noCache });
    const n = out.reduce((a, c) => a + c.ids.length, 0);
    return n / ((performance.now() - t0) / 1000);
  };
  const cached = await run(false), full = await run(true);
  console.log(
    `${name} (${(countParams(p.cfg) / 1e6).toFixed(2)}M params), batch 8 × 128 new tokens: ` +
      `KV cache ${cached.toFixed(0)} tokens/s, recompute ${full.toFixed(0)} tokens/s (${
        (cached / full).toFixed(1)
      }×)`,
  );
}

async function scoring(name: string, p: Policy) {
  const seqs = Array.from({ length: 8 }, (_, i) => ({
    promptIds: [65 + i, 32],
    ids: Array.from({ length: 254 }, (_, k) => 97 + ((i + k) % 26)),
  }));
  await scoreCompletions(p, seqs, { batchSize: 8 });
  const t0 = performance.now();
  for (let i = 0; i < 3; i++) await scoreCompletions(p, seqs, { batchSize: 8 });
  const s = (performance.now() - t0) / 1000;
  console.log(
    `${name}: log-prob scoring, batch 8 × 256 tokens: ${((3 * 8 * 256) / s).toFixed(0)} tokens/s`,
  );
}

const dflt = await loadPolicy(values.model);
const ten: ModelConfig = {
  ...dflt.cfg,
  vocabSize: 258, // the byte tokenizer's
  hidden: 384,
  layers: 6,
  heads: 6,
  kvHeads: 2,
  headDim: 64,
  intermediate: 1024,
  eosTokenIds: [256],
};
const big = byteLevelPolicy(ten, initParams(ten, { seed: 0 }));
await generation("default model", dflt);
await generation("~10M model", big);
await scoring("default model", dflt);
await scoring("~10M model", big);
