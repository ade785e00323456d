/**
 * Real-size benchmark (not a unit test): loads one Hugging Face folder (e.g. a random-weight
 * Qwen2.5-0.5B or Qwen3-1.7B shape from `tools/make_shape_model.ts`), sets up 2 agents
 * (LoRA adapters over ONE shared base by default, `--finetune full` for full copies), and runs
 * MAGRPO steps through the public step API (`createStepContext` → `magrpoStep`): each agent
 * samples G completions of `--tokens` new tokens for one prompt, the joint rewards give
 * group-relative advantages, and each agent gets one update. Prints load time, sampling
 * tokens/s, update time and the peak resident memory (`VmHWM` of /proc/self/status), then one
 * JSON line.
 *
 * Memory targets (issue 13): 2 LoRA agents on the 0.5B shape with an fp32 base ≤ 1.5 × the fp32
 * base size + 1 GB; the 1.7B shape with a half-precision base within 24 GB.
 *
 * Run one shape at a time (memory-heavy):
 * `deno run -A tools/make_shape_model.ts --shape qwen2.5-0.5b --out /tmp/shapes/qwen2.5-0.5b`
 * `deno run -A bench/scale.ts --model /tmp/shapes/qwen2.5-0.5b`
 * (`--shape NAME` instead of `--model` makes the folder under `$TMPDIR/magrpo-shapes/` first,
 * in a subprocess; options `--base-dtype float16|bfloat16|float32`, `--r 16`, `--group 4`,
 * `--tokens 64`, `--steps 1`, `--finetune lora|full`, `--threads N`, `--micro-batch-rows N`).
 *
 * @module
 */
import { parseArgs } from "node:util";
import { loadPolicy } from "../lib/policy/load.ts";
import { defineEnvironment } from "../lib/envs/define.ts";
import { validateConfig } from "../lib/rl/config.ts";
import { createStepContext } from "../lib/rl/step_context.ts";
import { initRunState } from "../lib/rl/run_state.ts";
import { magrpoStep } from "../lib/rl/step.ts";
import { configureRuntime } from "../lib/engine/runtime.ts";
import { countParams } from "../lib/model/params.ts";

const GB = 1e9;

/** Resident and peak resident memory of this process in bytes (Linux /proc/self/status). */
function procMemory(): { rss: number; hwm: number } {
  const status = Deno.readTextFileSync("/proc/self/status");
  const kb = (key: string) =>
    Number(new RegExp(`^${key}:\\s+(\\d+) kB`, "m").exec(status)?.[1]) * 1024;
  return { rss: kb("VmRSS"), hwm: kb("VmHWM") };
}

/** Bytes held by the typed arrays of a parameter store, by element type. */
function storeBytes(params: Record<string, { data: ArrayBufferView }>): number {
  return Object.values(params).reduce((s, p) => s + p.data.byteLength, 0);
}

const { values } = parseArgs({
  args: Deno.args,
  options: {
    model: { type: "string" },
    shape: { type: "string" },
    dtype: { type: "string", default: "float32" },
    "base-dtype": { type: "string" },
    finetune: { type: "string", default: "lora" },
    r: { type: "string", default: "16" },
    group: { type: "string", default: "4" },
    tokens: { type: "string", default: "64" },
    steps: { type: "string", default: "1" },
    threads: { type: "string" },
    "micro-batch-rows": { type: "string" },
  },
});

let dir = values.model;
if (!dir) {
  if (!values.shape) {
    console.error(
      "usage: deno run -A bench/scale.ts --model DIR | --shape qwen2.5-0.5b|qwen3-1.7b|tiny [--dtype float32|bfloat16]",
    );
    Deno.exit(2);
  }
  dir = `${Deno.env.get("TMPDIR") ?? "/tmp"}/magrpo-shapes/${values.shape}-${values.dtype}`;
  try {
    await Deno.stat(`${dir}/config.json`);
  } catch {
    const tool = new URL("../tools/make_shape_model.ts", import.meta.url).pathname;
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", tool, "--shape", values.shape, "--dtype", values.dtype!, "--out", dir],
      stdout: "inherit",
      stderr: "inherit",
    }).output();
    if (!out.success) Deno.exit(1);
  }
}
if (values.threads) configureRuntime({ threads: Number(values.threads) });

const mem0 = procMemory();
const t0 = performance.now();
const loadOpts = values["base-dtype"] ? { baseDtype: values["base-dtype"] } : {};
const base = await loadPolicy(dir, loadOpts as Parameters<typeof loadPolicy>[1]);
const loadSeconds = (performance.now() - t0) / 1000;
const memLoaded = procMemory();
const params = countParams(base.cfg);
const fp32Bytes = params * 4;
const heldBytes = storeBytes(base.params as Record<string, { data: ArrayBufferView }>);

const g = Number(values.group), maxNew = Number(values.tokens), agents = 2;
// Rewards that differ within the group (so the advantages, and the update, are not zero).
const env = defineEnvironment({
  name: "scale",
  rows: [{ topic: "the sea" }],
  prompts: [
    (r) => `Write one line about ${r.topic}:`,
    (r) => `Write another line about ${r.topic}:`,
  ],
  reward: ([a, b]) => ((a.length * 7 + b.length * 3) % 11) / 10,
});
const cfg = validateConfig(
  {
    agents,
    groupSize: g,
    steps: Number(values.steps),
    promptsPerStep: 1,
    finetune: values.finetune,
    lora: { r: Number(values.r), alpha: 2 * Number(values.r) },
    sampling: { maxNewTokens: maxNew },
    microBatchRows: Number(values["micro-batch-rows"] ?? 0),
    model: dir,
  },
  "bench/scale.ts",
);
const ctx = await createStepContext(cfg, { environment: env, policies: base });
// The peak at the end of collecting (sampling), read through a wrapped rollout; the step's
// final peak then tells what the update added.
let hwmSampled = 0;
const rollout = ctx.algorithm.rollout;
ctx.algorithm = {
  ...ctx.algorithm,
  rollout: async (...args: Parameters<typeof rollout>) => {
    const tree = await rollout(...args);
    hwmSampled = procMemory().hwm;
    return tree;
  },
};
let run = initRunState(ctx);
const memReady = procMemory();
const steps: Record<string, unknown>[] = [];
for (let s = 0; s < cfg.steps; s++) {
  const { run: next, record, collected } = await magrpoStep(run, ctx);
  run = next;
  const sampled = collected.flatMap((c) => c.samples.flat()).reduce(
    (n, x) => n + x.completion.ids.length,
    0,
  );
  const sec = record.seconds as { sampling: number; update: number; total: number };
  const finish: Record<string, number> = {};
  for (const x of collected.flatMap((c) => c.samples.flat())) {
    finish[x.completion.finish] = (finish[x.completion.finish] ?? 0) + 1;
  }
  steps.push({
    step: s + 1,
    sampledTokens: sampled,
    samplingSeconds: +sec.sampling.toFixed(2),
    samplingTokensPerSecond: +(sampled / sec.sampling).toFixed(1),
    updateSeconds: +sec.update.toFixed(2),
    totalSeconds: +sec.total.toFixed(2),
    finish,
    loss: record.loss,
    hwmAfterSamplingGB: +(hwmSampled / GB).toFixed(2),
    hwmGB: +(procMemory().hwm / GB).toFixed(2),
  });
  const last = steps.at(-1)!;
  console.log(
    `step ${s + 1}: sampled ${sampled} tokens (${agents} agents × G=${g} × ≤${maxNew}) in ` +
      `${last.samplingSeconds} s (${last.samplingTokensPerSecond} tokens/s), update ` +
      `${last.updateSeconds} s; peak RSS after sampling ${last.hwmAfterSamplingGB} GB, after ` +
      `the update ${last.hwmGB} GB; finish ${JSON.stringify(finish)}`,
  );
}
const end = procMemory();
// The 0.5B target holds whatever the base's dtype; the larger shapes must fit in 24 GB.
const target = params < 1e9 ? 1.5 * fp32Bytes + 1 * GB : 24 * GB;
const trainable = run.agents.map((a) =>
  storeBytes(a.params as Record<string, { data: ArrayBufferView }>)
);
const result = {
  model: dir,
  arch: base.cfg.arch,
  paramsM: +(params / 1e6).toFixed(1),
  fp32BaseGB: +(fp32Bytes / GB).toFixed(2),
  baseHeldGB: +(heldBytes / GB).toFixed(2),
  baseDtype: values["base-dtype"] ?? "float32",
  finetune: cfg.finetune,
  microBatchRows: cfg.microBatchRows,
  loadAverage: Deno.loadavg().map((x) => +x.toFixed(1)),
  r: cfg.finetune === "lora" ? cfg.lora.r : null,
  trainableMBPerAgent: trainable.map((b) => +(b / 1e6).toFixed(1)),
  startRssGB: +(mem0.rss / GB).toFixed(2),
  loadSeconds: +loadSeconds.toFixed(1),
  rssAfterLoadGB: +(memLoaded.rss / GB).toFixed(2),
  hwmAfterLoadGB: +(memLoaded.hwm / GB).toFixed(2),
  rssReadyGB: +(memReady.rss / GB).toFixed(2),
  steps,
  peakRssGB: +(end.hwm / GB).toFixed(2),
  targetGB: +(target / GB).toFixed(2),
  meetsTarget: end.hwm <= target,
  deno: Deno.version.deno,
  cpus: navigator.hardwareConcurrency,
};
console.log(
  `${base.cfg.arch} ${result.paramsM}M params (fp32 ${result.fp32BaseGB} GB, held ${result.baseHeldGB} GB), ` +
    `load ${result.loadSeconds} s; peak RSS ${result.peakRssGB} GB vs target ${result.targetGB} GB: ` +
    (result.meetsTarget ? "met" : `MISSED by ${((end.hwm - target) / GB).toFixed(2)} GB`),
);
console.log(JSON.stringify(result));
