/**
 * Memory measurements of issue 13's "the base stays put" (not a unit test), each in a fresh
 * subprocess (`VmHWM` of /proc/self/status, reset through /proc/self/clear_refs):
 *
 * - `chunkmem whole|chunked full|lora`: peak growth of one train step at vocab 151,936
 *   (B = 4 × T = 128, 256 scored rows) with and without the row-chunked log-softmax.
 * - `scoremem whole|chunked`: peak growth of one scoring call (16 × 128 tokens) at vocab 151,936.
 * - `half`: resident memory of a 40M model loaded with a float32 and a float16 base (from F32,
 *   F16 and BF16 checkpoints), and the peak of one forward above the compiled session.
 * - `halftrain`: process peak of two LoRA train steps over a ~173M model, float32 vs float16 base.
 *
 * Run: `deno run -A bench/transfer_memory.ts chunkmem|scoremem|half|halftrain [args]`, or the
 * chunk measurements through `deno run -A bench/transfer.ts`.
 *
 * @module
 */
import type { ModelConfig } from "../lib/model/config.ts";
import { openSession } from "../lib/engine/runtime.ts";
import { initTrainState } from "../lib/engine/optim_step.ts";
import { countParams, initParams } from "../lib/model/params.ts";
import { initLora, withLoraConfig } from "../lib/model/lora.ts";
import { computeLogits } from "../lib/policy/logits.ts";
import { byteLevelPolicy, loadPolicy, savePolicy } from "../lib/policy/load.ts";
import { buildScoreGraph } from "../lib/policy/score.ts";
import { createTrainStep } from "../lib/rl/train_step.ts";
import { child, INIT_CFG, LORA, MB, mem, pgBatch, resetPeak } from "./transfer.ts";

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

/** A ~173M-parameter llama (692 MB in float32) for the half-base train-step peak. */
const HALF_TRAIN_CFG: ModelConfig = {
  ...INIT_CFG,
  hidden: 1024,
  layers: 12,
  heads: 16,
  kvHeads: 8,
  intermediate: 2816,
};

/** Process peak RSS of loading a base and running two LoRA train steps over it. */
async function halfTrainChild(dir: string, dtype: "float32" | "float16"): Promise<void> {
  const p = await loadPolicy(dir, { baseDtype: dtype });
  const cfg = withLoraConfig(p.cfg, LORA);
  const [b, t, k] = [4, 128, 256];
  const step = await createTrainStep({ cfg, batch: b, seqLen: t, select: k });
  const loaded = mem();
  let state = initTrainState(initLora(cfg, 1));
  const times = [];
  for (let i = 0; i < 2; i++) {
    const t0 = performance.now();
    ({ state } = await step.run(state, pgBatch(cfg, b, t, k), 1e-4, p.params));
    times.push(Math.round(performance.now() - t0));
  }
  console.log(JSON.stringify({
    measure: "halftrain",
    dtype,
    params: countParams(cfg),
    baseMB: MB(Object.values(p.params).reduce((s, x) => s + x.data.byteLength, 0)),
    rssBeforeStepsMB: loaded.rss,
    processPeakMB: mem().hwm,
    stepMs: times,
  }));
}

if (import.meta.main) {
  const what = Deno.args[0];
  if (what === "chunkmem") await chunkMem(Deno.args[1] === "chunked", Deno.args[2] === "lora");
  else if (what === "scoremem") await scoreMem(Deno.args[1] === "chunked");
  else if (what === "halftrain-child") {
    await halfTrainChild(Deno.args[2], Deno.args[1] as "float32" | "float16");
  } else if (what === "halftrain") {
    const dir = await Deno.makeTempDir({ prefix: "transfer-halftrain-" });
    for (const stored of ["F32", "F16"] as const) {
      const p = byteLevelPolicy(HALF_TRAIN_CFG, initParams(HALF_TRAIN_CFG, { seed: 1 }));
      for (const n of Object.keys(p.params)) p.storage.dtypes[n] = stored;
      await savePolicy(p, `${dir}/${stored}`);
    }
    await child(["halftrain-child", "float32", `${dir}/F32`], import.meta.url);
    await child(["halftrain-child", "float16", `${dir}/F16`], import.meta.url);
    await Deno.remove(dir, { recursive: true });
  } else if (what === "half-child") await halfRss(Deno.args[1] as "float32" | "float16");
  else if (what === "half") {
    const dir = await Deno.makeTempDir({ prefix: "transfer-half-" });
    for (const stored of ["F32", "F16", "BF16"] as const) {
      const p = byteLevelPolicy(INIT_CFG, initParams(INIT_CFG, { seed: 1 }));
      for (const n of Object.keys(p.params)) p.storage.dtypes[n] = stored;
      await savePolicy(p, `${dir}/${stored}`);
      const args = [`${dir}/${stored}`, stored];
      if (stored !== "BF16") await child(["half-child", "float32", ...args], import.meta.url);
      if (stored !== "F32") await child(["half-child", "float16", ...args], import.meta.url);
    }
    await Deno.remove(dir, { recursive: true });
  } else {
    throw new Error("usage: transfer_memory.ts chunkmem|scoremem|half|halftrain …");
  }
}
