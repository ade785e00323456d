/**
 * One MAGRPO step (2 agents, G = 4, 16 new tokens, toy task) on a random ~20M-parameter llama,
 * run as its own process so that its peak RSS is its own: `deno run -A tests/lora_scale_step.ts
 * [lora|full]` prints one JSON line (parameters, adapter tensors and size, losses, how many
 * trainable tensors moved per agent, whether the base stayed bit-identical, seconds, peak RSS in
 * MiB). `tests/lora_trainer_test.ts` runs it and checks the numbers.
 *
 * @module
 */
import { createStepContext } from "../lib/rl/step_context.ts";
import { initRunState } from "../lib/rl/run_state.ts";
import { magrpoStep } from "../lib/rl/step.ts";
import { validateConfig } from "../lib/rl/config.ts";
import { countParams, initParams } from "../lib/model/params.ts";
import { byteLevelPolicy } from "../lib/policy/load.ts";
import { tinyConfig } from "./fixtures.ts";

/** Peak resident memory of this process so far (Linux VmHWM), in MiB. */
const peakMiB = (): number =>
  Number(/VmHWM:\s+(\d+)/.exec(Deno.readTextFileSync("/proc/self/status"))![1]) / 1024;

/** The ~20M-parameter llama (hidden 512, 6 layers, 8 heads, MLP 1408, byte vocabulary). */
const SCALE_CONFIG = tinyConfig({
  arch: "llama",
  hidden: 512,
  layers: 6,
  heads: 8,
  kvHeads: 8,
  headDim: 64,
  intermediate: 1408,
  qkvBias: false,
  tieEmbeddings: true,
});

/** A 32-bit FNV-1a hash of a tensor's bytes (fingerprints instead of copies: RSS stays the step's). */
const hash = (t: { data: unknown }): number => {
  const a = t.data as Float32Array, u = new Uint32Array(a.buffer, a.byteOffset, a.length);
  let h = 0x811c9dc5;
  for (let i = 0; i < u.length; i++) h = Math.imul(h ^ u[i], 0x01000193) >>> 0;
  return h;
};
const hashes = (store: Record<string, { data: unknown }>) =>
  Object.fromEntries(Object.entries(store).map(([k, t]) => [k, hash(t)]));

if (import.meta.main) {
  const finetune = Deno.args[0] ?? "lora";
  const base = byteLevelPolicy(SCALE_CONFIG, initParams(SCALE_CONFIG, { seed: 5 }));
  const before = hashes(base.params);
  const ctx = await createStepContext(
    validateConfig({
      finetune,
      groupSize: 4,
      sampling: { maxNewTokens: 16 },
      optimizer: { lr: 1e-3 },
    }, "lora_scale_step"),
    { policies: base },
  );
  const run0 = initRunState(ctx);
  const start = run0.agents.map((s) => hashes(s.params)); // to see what moved
  const { run, record } = await magrpoStep(run0, ctx);
  const peak = peakMiB();
  const params = Object.values(run.agents[0].params);
  console.log(JSON.stringify({
    parameters: countParams(SCALE_CONFIG),
    trainableTensors: params.length,
    trainableSize: params.reduce((a, t) => a + t.data.length, 0),
    losses: record.loss,
    moved: run.agents.map((s, i) =>
      Object.entries(s.params).filter(([k, t]) => hash(t) !== start[i][k]).length
    ),
    baseUnchanged: Object.entries(base.params).every(([k, t]) => hash(t) === before[k]),
    seconds: record.seconds,
    peakMiB: peak,
  }));
}
