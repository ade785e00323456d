/**
 * What crosses between JS and onnxruntime (not a unit test). Three measurements, each in a fresh
 * subprocess so that resident memory is its own:
 *
 * - `zerocopy`: is a CPU input really read in place? A 512 MB float32 input is fed to a ReduceSum
 *   and a 512 MB output is returned by an Add; the growth of the peak resident memory (`VmHWM`,
 *   reset through /proc/self/clear_refs) says how many copies the binding made.
 * - `init`: a ~40M-parameter llama forward with its weights as graph initializers (constants in
 *   the model) vs as inputs fed at every call: session create time, per-call time and resident
 *   memory with 1 and 3 sessions open (the library keeps up to 12 train shapes + decode).
 * - `steps`: bytes handed to ORT and returned per train step and per sampling (decode) step, from
 *   the runtime's counters ({@link transferStats}), for the default model and a larger one,
 *   with full fine-tuning (parameters and AdamW moments in and out).
 *
 * - `chunkmem whole|chunked`: peak resident memory of one full-fine-tuning train step at vocab
 *   151,936 (B = 4 × T = 128, 256 scored rows) with and without the row-chunked log-softmax.
 * - `half`: resident memory of the 40M model loaded with a float32 and a float16 base.
 *
 * Run: `deno run -A bench/transfer.ts [zerocopy|init|steps|chunkmem whole|chunkmem chunked|half]`
 * (zerocopy, init, steps and both chunkmem without an argument).
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
import { buildLogitsGraph, computeLogits } from "../lib/policy/logits.ts";
import { initTrainState } from "../lib/engine/optim_step.ts";
import { initLora, withLoraConfig } from "../lib/model/lora.ts";
import { toFloat16 } from "../lib/model/half_base.ts";
import { createKvCache, decodeSession, decodeStep } from "../lib/policy/decode.ts";
import { byteLevelPolicy, loadPolicy, savePolicy } from "../lib/policy/load.ts";
import { createTrainStep, type PgBatch } from "../lib/rl/train_step.ts";
import { buildScoreGraph } from "../lib/policy/score.ts";

/** Resident and peak resident memory of this process in MB, from /proc/self/status. */
function mem(): { rss: number; hwm: number } {
  const s = Deno.readTextFileSync("/proc/self/status");
  const mb = (k: string) => Number(new RegExp(`^${k}:\\s+(\\d+) kB`, "m").exec(s)?.[1]) / 1024;
  return { rss: Math.round(mb("VmRSS")), hwm: Math.round(mb("VmHWM")) };
}

/** Resets the peak resident memory to the current one (Linux). */
function resetPeak(): void {
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

const INIT_CFG: ModelConfig = {
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

async function child(args: string[]): Promise<void> {
  const p = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--v8-flags=--expose-gc", new URL(import.meta.url).pathname, ...args],
    stdout: "inherit",
    stderr: "inherit",
  });
  const { code } = await p.output();
  if (code !== 0) throw new Error(`child ${args.join(" ")} failed (${code})`);
}

/** A random batch of `b` rows × `t` tokens whose last `k / b` positions per row are scored. */
function pgBatch(cfg: ModelConfig, b: number, t: number, k: number): PgBatch {
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

const LORA = {
  r: 16,
  alpha: 32,
  targets: ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"],
};
const MB = (x: number) => Math.round(x / 2 ** 20 * 10) / 10;

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
  const t0 = performance.now();
  await step.run(
    initTrainState(trained),
    pgBatch(cfg, b, t, k),
    1e-4,
    mode === "full" ? undefined : base,
  );
  const train = { ...transferStats(), ms: Math.round(performance.now() - t0) };
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
    train: { inMB: MB(train.inBytes), outMB: MB(train.outBytes), ms: train.ms },
    decode: { inMB: MB(decode.inBytes), outMB: MB(decode.outBytes) },
  }));
}

async function steps(): Promise<void> {
  const dflt = await loadPolicy(new URL("../data/default-model/", import.meta.url).pathname);
  for (const mode of ["full", "lora", "lora-f16"] as const) {
    await stepBytes("default", dflt.cfg, mode);
    await stepBytes("40M", INIT_CFG, mode);
  }
}

/** Peak RSS growth of one full-fine-tuning train step at vocab 151,936, chunked or not. */
async function chunkMem(chunked: boolean, lora: boolean): Promise<void> {
  const cfg0: ModelConfig = {
    ...INIT_CFG,
    vocabSize: 151936,
    hidden: 64,
    layers: 2,
    heads: 4,
    kvHeads: 2,
    headDim: 16,
    intermediate: 128,
  };
  const cfg = lora ? withLoraConfig(cfg0, LORA) : cfg0;
  const [b, t, k] = [4, 128, 256];
  const step = await createTrainStep({
    cfg,
    batch: b,
    seqLen: t,
    select: k,
    loss: chunked ? {} : { logitChunkRows: k },
  });
  const base = initParams(cfg0, { seed: 1 });
  const state = initTrainState(lora ? initLora(cfg, 1) : base);
  const batch = pgBatch(cfg, b, t, k);
  resetPeak();
  const before = mem();
  const t0 = performance.now();
  const r = await step.run(state, batch, 1e-4, lora ? base : undefined);
  const ms = performance.now() - t0;
  const after = mem();
  console.log(JSON.stringify({
    measure: "chunkmem",
    chunked,
    finetune: lora ? "lora" : "full",
    vocab: cfg.vocabSize,
    rows: k,
    params: countParams(cfg),
    stateMB: MB(3 * countParams(cfg) * 4),
    rssBeforeMB: before.rss,
    peakGrowthMB: after.hwm - before.rss,
    ms: Math.round(ms),
    loss: r.metrics.loss,
  }));
}

/** Peak RSS growth of one scoring call (16 × 128 tokens) at vocab 151,936, chunked or not. */
async function scoreMem(chunked: boolean): Promise<void> {
  const cfg: ModelConfig = {
    ...INIT_CFG,
    vocabSize: 151936,
    hidden: 64,
    layers: 2,
    intermediate: 128,
  };
  const [b, t] = [16, 128];
  const s = await openSession(buildScoreGraph(cfg, b, t, chunked ? {} : { logitChunkRows: b * t }));
  const n = b * t,
    ids = BigInt64Array.from({ length: n }, (_, i) => BigInt((i * 7919) % cfg.vocabSize));
  const feeds = {
    ...initParams(cfg, { seed: 1 }),
    ids: { data: ids, dims: [b, t] },
    targets: { data: ids, dims: [b, t] },
    positions: { data: BigInt64Array.from({ length: n }, (_, i) => BigInt(i % t)), dims: [b, t] },
    attn: { data: new Float32Array(n).fill(1), dims: [b, t] },
  };
  resetPeak();
  const before = mem(), t0 = performance.now();
  const out = await s.run(feeds);
  const ms = performance.now() - t0, after = mem();
  console.log(JSON.stringify({
    measure: "scoremem",
    chunked,
    vocab: cfg.vocabSize,
    rows: n,
    wholeLogitsMB: MB(n * cfg.vocabSize * 4),
    peakGrowthMB: after.hwm - before.rss,
    ms: Math.round(ms),
    logp0: out.logp.data[0],
  }));
}

/** Resident memory of a loaded 40M model, float32 vs float16 base, and of one decode step. */
async function halfRss(dtype: "float32" | "float16"): Promise<void> {
  const dir = Deno.args[2];
  (globalThis as { gc?: () => void }).gc?.();
  const before = mem();
  const p = await loadPolicy(dir, { baseDtype: dtype });
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  const loaded = mem();
  const seqs = [Array.from({ length: 64 }, (_, i) => i + 1)];
  await computeLogits(p, seqs); // compiles the session
  gc?.();
  const compiled = mem();
  resetPeak();
  const logits = await computeLogits(p, seqs);
  const run = mem();
  gc?.();
  const after = mem();
  console.log(JSON.stringify({
    measure: "half",
    dtype,
    stored: Deno.args[3],
    weightsMB: MB(Object.values(p.params).reduce((s, x) => s + x.data.byteLength, 0)),
    rssAfterLoadMB: loaded.rss - before.rss,
    rssAfterForwardMB: after.rss - before.rss,
    runPeakAboveCompiledMB: run.hwm - compiled.rss,
    logit0: logits[0],
  }));
}

const what = Deno.args[0];
if (what === "zerocopy") await zerocopy();
else if (what === "init-child") await initChild(Deno.args[1] as "inputs" | "initializers");
else if (what === "steps") await steps();
else if (what === "chunkmem") await chunkMem(Deno.args[1] === "chunked", Deno.args[2] === "lora");
else if (what === "scoremem") await scoreMem(Deno.args[1] === "chunked");
else if (what === "half-child") await halfRss(Deno.args[1] as "float32" | "float16");
else if (what === "half") {
  const dir = await Deno.makeTempDir({ prefix: "transfer-half-" });
  for (const stored of ["F32", "F16", "BF16"] as const) {
    const p = byteLevelPolicy(INIT_CFG, initParams(INIT_CFG, { seed: 1 }));
    for (const n of Object.keys(p.params)) p.storage.dtypes[n] = stored;
    await savePolicy(p, `${dir}/${stored}`);
    if (stored !== "BF16") await child(["half-child", "float32", `${dir}/${stored}`, stored]);
    if (stored !== "F32") await child(["half-child", "float16", `${dir}/${stored}`, stored]);
  }
  await Deno.remove(dir, { recursive: true });
} else {
  if (!what || what === "all") await child(["zerocopy"]);
  if (!what || what === "init" || what === "all") {
    await child(["init-child", "inputs"]);
    await child(["init-child", "initializers"]);
  }
  if (!what || what === "all") {
    await child(["steps"]);
    for (const ft of ["full", "lora"]) {
      await child(["chunkmem", "whole", ft]);
      await child(["chunkmem", "chunked", ft]);
    }
    await child(["scoremem", "whole"]);
    await child(["scoremem", "chunked"]);
  }
}
