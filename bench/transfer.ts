/**
 * What crosses between JS and onnxruntime (not a unit test). Each measurement runs in a fresh
 * subprocess so that resident memory is its own:
 *
 * - `zerocopy`: is a CPU input really read in place? A 512 MB float32 input is fed to a ReduceSum
 *   and a 512 MB output is returned by an Add; the growth of the peak resident memory (`VmHWM`,
 *   reset through /proc/self/clear_refs) says how many copies the binding made.
 * - `init`: a ~40M-parameter llama forward with its weights as graph initializers (constants in
 *   the model) vs as inputs fed at every call: session create time, per-call time and resident
 *   memory with 1, 2 and 3 sessions open (the library keeps up to 12 train shapes + decode).
 * - `steps`: bytes handed to ORT and returned per train step and per sampling (decode) step, from
 *   the runtime's counters ({@link transferStats}), for the default model and a 40M one: full
 *   fine-tuning (parameters and AdamW moments in and out), LoRA (r = 16, all seven projections)
 *   over a float32 base, and LoRA over a float16 base.
 * - `chunkmem`, `scoremem`, `half`, `halftrain`: memory measurements in bench/transfer_memory.ts.
 *
 * Run: `deno run -A bench/transfer.ts [zerocopy|init|steps|chunkmem|scoremem|half|halftrain]`
 * (all but `half` and `halftrain` without an argument).
 *
 * @module
 */
import { constant, input, newGraph } from "../lib/engine/graph.ts";
import { toOnnx } from "../lib/engine/onnx.ts";
import { add, reduceSum } from "../lib/engine/ops.ts";
import { openSession, resetTransferStats, transferStats } from "../lib/engine/runtime.ts";
import type { ModelConfig } from "../lib/model/config.ts";
import { countParams, initParams, paramShapes } from "../lib/model/params.ts";
import { type Params, transformerForward } from "../lib/model/transformer.ts";
import { buildLogitsGraph } from "../lib/policy/logits.ts";
import { initTrainState } from "../lib/engine/optim_step.ts";
import { initLora, withLoraConfig } from "../lib/model/lora.ts";
import { toFloat16 } from "../lib/model/half_base.ts";
import { createKvCache, decodeSession, decodeStep } from "../lib/policy/decode.ts";
import { loadPolicy } from "../lib/policy/load.ts";
import { createTrainStep, type PgBatch } from "../lib/rl/train_step.ts";

/** Resident and peak resident memory of this process in MB, from /proc/self/status. */
export function mem(): { rss: number; hwm: number } {
  const s = Deno.readTextFileSync("/proc/self/status");
  const mb = (k: string) => Number(new RegExp(`^${k}:\\s+(\\d+) kB`, "m").exec(s)?.[1]) / 1024;
  return { rss: Math.round(mb("VmRSS")), hwm: Math.round(mb("VmHWM")) };
}

/** Resets the peak resident memory to the current one (Linux). */
export function resetPeak(): void {
  Deno.writeTextFileSync("/proc/self/clear_refs", "5");
}

async function zerocopy(): Promise<void> {
  const n = 128 * 1024 * 1024, mb = (n * 4) / 2 ** 20;
  const g = newGraph("zc");
  const x = input(g, "x", [n]);
  const sum = await openSession(toOnnx(g, { outputs: { s: reduceSum(x) } }), { threads: 1 });
  const inc = await openSession(toOnnx(g, { outputs: { y: add(x, 1) } }), { threads: 1 });
  const data = new Float32Array(n).fill(1);
  await sum.run({ x: { data: new Float32Array(4), dims: [4] } }).catch(() => {}); // warm-up
  resetPeak();
  const before = mem();
  let t0 = performance.now();
  const s = await sum.run({ x: { data, dims: [n] } });
  const runMs = performance.now() - t0;
  const afterIn = mem();
  t0 = performance.now();
  new Float32Array(n).set(data); // what one copy of the input costs, for comparison
  const copyMs = performance.now() - t0;
  resetPeak();
  const beforeOut = mem();
  const y = await inc.run({ x: { data, dims: [n] } });
  const afterOut = mem();
  console.log(JSON.stringify({
    measure: "zerocopy",
    inputMB: mb,
    sum: Number(s.s.data[0]),
    inputPeakGrowthMB: afterIn.hwm - before.rss,
    reduceSumMs: Math.round(runMs),
    oneCopyMs: Math.round(copyMs),
    outputMB: (y.y.data.byteLength) / 2 ** 20,
    outputPeakGrowthMB: afterOut.hwm - beforeOut.rss,
  }));
}

export const INIT_CFG: ModelConfig = {
  arch: "llama",
  vocabSize: 32000,
  hidden: 512,
  layers: 8,
  heads: 8,
  kvHeads: 4,
  headDim: 64,
  intermediate: 1408,
  maxPositions: 1024,
  ropeTheta: 10000,
  normEps: 1e-6,
  qkvBias: false,
  tieEmbeddings: true,
  activation: "silu",
  eosTokenIds: [0],
};

/** The logits graph with the weights as initializers (constants). */
function logitsWithInitializers(cfg: ModelConfig, store: ReturnType<typeof initParams>) {
  const g = newGraph("logits_init");
  const params: Params = {};
  for (const [name, dims] of Object.entries(paramShapes(cfg))) {
    params[name] = constant(g, store[name].data as Float32Array, dims, "float32");
  }
  const ids = input(g, "ids", ["batch", "seq"], "int64");
  const positions = input(g, "positions", ["batch", "seq"], "int64");
  const bias = input(g, "bias", ["batch", 1, "seq", "seq"]);
  const { logits } = transformerForward(cfg, params, { ids, positions, bias });
  return toOnnx(g, { outputs: { logits } });
}

async function initChild(mode: "initializers" | "inputs"): Promise<void> {
  const cfg = INIT_CFG, t = 32;
  const store = initParams(cfg, { seed: 1 });
  const weightsMB = countParams(cfg) * 4 / 2 ** 20;
  const base = mem();
  const feeds = {
    ids: { data: BigInt64Array.from({ length: t }, (_, i) => BigInt(i % 250)), dims: [1, t] },
    positions: { data: BigInt64Array.from({ length: t }, (_, i) => BigInt(i)), dims: [1, t] },
    bias: {
      data: Float32Array.from({ length: t * t }, (_, k) => (k % t > Math.floor(k / t) ? -1e9 : 0)),
      dims: [1, 1, t, t],
    },
    ...(mode === "inputs" ? store : {}),
  };
  const rows: Record<string, number>[] = [];
  const sessions = [];
  for (let i = 0; i < 3; i++) {
    const t0 = performance.now();
    let bytes: Uint8Array | undefined = mode === "inputs"
      ? buildLogitsGraph(cfg)
      : logitsWithInitializers(cfg, store);
    const modelMB = bytes.byteLength / 2 ** 20;
    const s = await openSession(bytes, { threads: 2 });
    bytes = undefined;
    const createMs = performance.now() - t0;
    sessions.push(s);
    await s.run(feeds);
    const times = [];
    for (let k = 0; k < 5; k++) {
      const t1 = performance.now();
      await s.run(feeds);
      times.push(performance.now() - t1);
    }
    times.sort((a, b) => a - b);
    const m = mem();
    rows.push({
      sessions: i + 1,
      modelMB: Math.round(modelMB),
      createMs: Math.round(createMs),
      callMs: Math.round(times[2]),
      rssGrowthMB: m.rss - base.rss,
    });
  }
  console.log(JSON.stringify({ measure: "init", mode, weightsMB: Math.round(weightsMB), rows }));
}

export async function child(args: string[], script = import.meta.url): Promise<void> {
  const p = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--v8-flags=--expose-gc", new URL(script).pathname, ...args],
    stdout: "inherit",
    stderr: "inherit",
  });
  const { code } = await p.output();
  if (code !== 0) throw new Error(`child ${args.join(" ")} failed (${code})`);
}

/** A random batch of `b` rows × `t` tokens whose last `k / b` positions per row are scored. */
export function pgBatch(cfg: ModelConfig, b: number, t: number, k: number): PgBatch {
  const per = k / b, n = b * t;
  return {
    ids: BigInt64Array.from({ length: n }, (_, i) => BigInt((i * 7919) % cfg.vocabSize)),
    positions: BigInt64Array.from({ length: n }, (_, i) => BigInt(i % t)),
    attn: new Float32Array(n).fill(1),
    sel: BigInt64Array.from(
      { length: k },
      (_, i) => BigInt(Math.floor(i / per) * t + t - per + (i % per)),
    ),
    targets: BigInt64Array.from({ length: k }, (_, i) => BigInt((i * 104729) % cfg.vocabSize)),
    weights: new Float32Array(k).fill(1 / k),
    adv: Float32Array.from({ length: k }, (_, i) => (i % 2 ? 1 : -1)),
  };
}

export const LORA = {
  r: 16,
  alpha: 32,
  targets: ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"],
};
export const MB = (x: number) => Math.round(x / 2 ** 20 * 10) / 10;

/** Bytes in/out of one train step and one decode step (B = 4, 64 past tokens). */
async function stepBytes(label: string, cfg: ModelConfig, mode: "full" | "lora" | "lora-f16") {
  const [b, t, k] = [4, 128, 256];
  const base = initParams(cfg, { seed: 1 });
  if (mode === "lora-f16") {
    for (const [n, p] of Object.entries(base)) {
      base[n] = {
        data: toFloat16({ dtype: "F32", shape: p.dims, data: p.data as Float32Array }).data,
        dims: p.dims,
      };
    }
  }
  const mcfg = mode === "full"
    ? cfg
    : withLoraConfig(mode === "lora-f16" ? { ...cfg, baseDtype: "float16" as const } : cfg, LORA);
  const trained = mode === "full" ? base : initLora(mcfg, 1);
  const step = await createTrainStep({ cfg: mcfg, batch: b, seqLen: t, select: k });
  resetTransferStats();
  (globalThis as { gc?: () => void }).gc?.();
  resetPeak();
  const m0 = mem();
  const t0 = performance.now();
  await step.run(
    initTrainState(trained),
    pgBatch(cfg, b, t, k),
    1e-4,
    mode === "full" ? undefined : base,
  );
  const train = {
    ...transferStats(),
    ms: Math.round(performance.now() - t0),
    rssMB: m0.rss,
    peakGrowthMB: mem().hwm - m0.rss,
  };
  await step.session.release();
  const session = await decodeSession(mcfg);
  const cache = createKvCache(mcfg, b, 80);
  cache.length = 64;
  const feeds = mode === "full" ? base : { ...base, ...trained };
  const inp = {
    ids: new BigInt64Array(b).fill(5n),
    positions: new BigInt64Array(b).fill(64n),
    bias: new Float32Array(b * 65),
    tokens: 1,
  };
  await decodeStep(session, mcfg, feeds, cache, inp);
  cache.length = 64;
  resetTransferStats();
  await decodeStep(session, mcfg, feeds, cache, inp);
  const decode = transferStats();
  const times = [];
  for (let i = 0; i < 5; i++) {
    cache.length = 64;
    const t1 = performance.now();
    await decodeStep(session, mcfg, feeds, cache, inp);
    times.push(performance.now() - t1);
  }
  const decodeMs = Math.round(times.sort((a, b) => a - b)[2]);
  const baseBytes = Object.values(base).reduce((s, p) => s + p.data.byteLength, 0);
  const trainedBytes = mode === "full"
    ? 0
    : Object.values(trained).reduce((s, p) => s + p.data.byteLength, 0);
  console.log(JSON.stringify({
    measure: "steps",
    model: label,
    mode,
    params: countParams(cfg),
    baseMB: MB(baseBytes),
    adapterMB: MB(trainedBytes),
    train: {
      inMB: MB(train.inBytes),
      outMB: MB(train.outBytes),
      ms: train.ms,
      rssBeforeMB: train.rssMB,
      peakGrowthMB: train.peakGrowthMB,
    },
    decode: { inMB: MB(decode.inBytes), outMB: MB(decode.outBytes), ms: decodeMs },
  }));
}

async function stepChild(model: string, mode: "full" | "lora" | "lora-f16"): Promise<void> {
  const cfg = model === "default"
    ? (await loadPolicy(new URL("../data/default-model/", import.meta.url).pathname)).cfg
    : INIT_CFG;
  await stepBytes(model, cfg, mode);
}

async function steps(): Promise<void> {
  for (const model of ["default", "40M"]) {
    for (const mode of ["full", "lora", "lora-f16"]) await child(["step-child", model, mode]);
  }
}

if (import.meta.main) {
  const what = Deno.args[0];
  const memory = new URL("./transfer_memory.ts", import.meta.url).href;
  if (what === "zerocopy") await zerocopy();
  else if (what === "init-child") await initChild(Deno.args[1] as "inputs" | "initializers");
  else if (what === "steps") await steps();
  else if (what === "step-child") {
    await stepChild(Deno.args[1], Deno.args[2] as "full" | "lora" | "lora-f16");
  } else if (["chunkmem", "scoremem", "half", "halftrain"].includes(what)) {
    await child(Deno.args, memory);
  } else {
    await child(["zerocopy"]);
    await child(["init-child", "inputs"]);
    await child(["init-child", "initializers"]);
    await child(["steps"]);
    for (const ft of ["full", "lora"]) {
      await child(["chunkmem", "whole", ft], memory);
      await child(["chunkmem", "chunked", ft], memory);
    }
    await child(["scoremem", "whole"], memory);
    await child(["scoremem", "chunked"], memory);
  }
}
