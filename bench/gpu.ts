/**
 * One GPU benchmark measurement set per call (run by `bench/gpu.sh`, which names the card):
 * sampling and the per-agent update of one model on one execution provider, one JSON line each.
 *
 * - `--size 10M|100M|default` (llama shapes with tied embeddings over the default model's
 *   config; the PyTorch peer `bench/peer_torch.py` builds the same model from the same config):
 *   `sampling` (G completions of N new tokens for one prompt, KV-cached decoding), `update`
 *   (`updateAgent` on those G sequences: forward, loss, backward, AdamW in one session run),
 *   and for `webgpu` the raw train step twice: `train_step_host_state` (parameters and AdamW
 *   moments fed from JS and copied back every step, what the library does) and
 *   `train_step_device_state` (outputs `next.*` kept on the device as `gpu-buffer` tensors and
 *   fed back as the next step's inputs, ORT's IO binding through the Node binding).
 * - `--model DIR --finetune lora`: a Hugging Face folder (e.g. the Qwen2.5-0.5B shape from
 *   `tools/make_shape_model.ts`), 2 LoRA agents (r = 16) through the public step API
 *   (`createStepContext` → `magrpoStep`): `lora_step` with sampling tokens/s and update seconds.
 *
 * A provider that cannot start prints one `{"skip": …}` line (never a silent CPU run).
 * `--peer-spec` prints the size's spec for `bench/peer_torch.py` instead (same model, shapes).
 * Run: `deno run -A bench/gpu.ts --ep webgpu --size 10M [--quick] [--device NAME]`.
 *
 * @module
 */
import { parseArgs } from "node:util";
import * as ort from "npm:onnxruntime-node@1.30.0";
import { readHfConfig } from "../lib/model/hf_folder.ts";
import { countParams, initParams, paramShapes } from "../lib/model/params.ts";
import type { ModelConfig } from "../lib/model/config.ts";
import { byteLevelPolicy } from "../lib/policy/load.ts";
import type { Policy } from "../lib/policy/policy.ts";
import { sampleTokens } from "../lib/policy/sample.ts";
import { initTrainState } from "../lib/engine/optim_step.ts";
import { ADAMW_DEFAULTS, adamwScalars, momentNames } from "../lib/engine/adamw.ts";
import { configureRuntime, type ExecutionProvider, openSession } from "../lib/engine/runtime.ts";
import { buildFor } from "../lib/engine/target.ts";
import { updateAgent } from "../lib/rl/update.ts";
import { buildTrainGraph } from "../lib/rl/train_step.ts";
import { makeRng, randInt } from "../lib/util/rng.ts";

const { values: args } = parseArgs({
  args: Deno.args,
  options: {
    ep: { type: "string", default: "webgpu" },
    size: { type: "string", default: "10M" },
    model: { type: "string" },
    finetune: { type: "string", default: "lora" },
    quick: { type: "boolean", default: false },
    device: { type: "string", default: "" },
    "peer-spec": { type: "boolean", default: false },
  },
});
const ep = args.ep as ExecutionProvider;
/** The peer's shapes (bench/e2e.ts): G completions of N tokens after a P-token prompt. */
const RUN = args.quick
  ? { groupSize: 4, promptLen: 16, maxNewTokens: 8, warmup: 1, steps: 2 }
  : { groupSize: 4, promptLen: 48, maxNewTokens: 32, warmup: 2, steps: 5 };
const SIZES: Record<string, Partial<ModelConfig>> = {
  default: {},
  "10M": { hidden: 384, layers: 6, heads: 6, kvHeads: 2, headDim: 64, intermediate: 1024 },
  "100M": {
    hidden: 768,
    layers: 12,
    heads: 12,
    kvHeads: 4,
    headDim: 64,
    intermediate: 2048,
    vocabSize: 32000,
  },
};
const base = { bench: "gpu", impl: "ours", ep, device: args.device || undefined };
const emit = (o: Record<string, unknown>) => console.log(JSON.stringify({ ...base, ...o }));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const round = (x: number, d = 2) => Math.round(x * 10 ** d) / 10 ** d;

configureRuntime({ fallback: false, deterministic: false });

/** A one-layer model to see whether a provider starts. */
const TINY: ModelConfig = {
  arch: "llama",
  vocabSize: 8,
  hidden: 8,
  layers: 1,
  heads: 2,
  kvHeads: 1,
  headDim: 4,
  intermediate: 8,
  maxPositions: 16,
  ropeTheta: 10000,
  normEps: 1e-6,
  qkvBias: false,
  tieEmbeddings: true,
  activation: "silu",
  eosTokenIds: [7],
};

/** Starts `ep` on a one-layer train step; the reason it cannot start, or undefined. */
async function cannotStart(): Promise<string | undefined> {
  const bytes = buildFor(ep, () => buildTrainGraph({ cfg: TINY, batch: 1, seqLen: 2 }));
  try {
    await (await openSession(bytes, { ep })).release();
    return undefined;
  } catch (e) {
    return (e as Error).message;
  }
}

/** Sampling and update of one size, then the raw train step with host vs device state. */
async function sizeBench(size: string): Promise<void> {
  const cfg: ModelConfig = { ...(await readHfConfig("data/default-model")), ...SIZES[size] };
  const policy: Policy = { ...byteLevelPolicy(cfg, initParams(cfg, { seed: 0 })), ep };
  // ids beyond the byte tokenizer (100M's 32k vocabulary) decode modulo its size
  const inner = policy.tokenizer, tok = Object.create(inner);
  tok.decode = (ids: number[], o?: { skipSpecialTokens?: boolean }) =>
    inner.decode(ids.map((i) => i % 256), o);
  policy.tokenizer = tok;
  const rng = makeRng("gpu/prompt");
  const prompt = Array.from({ length: RUN.promptLen }, () => randInt(rng, 256));
  const model = { model: size, params: countParams(cfg) };
  const tokens = RUN.groupSize * RUN.maxNewTokens;
  let state = initTrainState(policy.params);
  const sampleSec: number[] = [], updateMs: number[] = [];
  for (let it = 0; it < RUN.warmup + RUN.steps; it++) {
    const t0 = performance.now();
    const group = await sampleTokens({ ...policy, params: state.params }, [prompt], {
      numReturnSequences: RUN.groupSize,
      maxNewTokens: RUN.maxNewTokens,
      eosTokenIds: [],
      temperature: 1,
      rng: makeRng(`gpu/${it}`),
    });
    const t1 = performance.now();
    const samples = group.map((completion, k) => ({ completion, advantage: k % 2 ? 1 : -1 }));
    state = (await updateAgent({ ...policy, params: state.params }, state, samples, { lr: 1e-5 }))
      .state;
    const t2 = performance.now();
    if (it >= RUN.warmup) {
      sampleSec.push((t1 - t0) / 1000);
      updateMs.push(t2 - t1);
    }
  }
  const s = median(sampleSec);
  emit({
    ...model,
    what: "sampling",
    tokens,
    seconds: round(s, 3),
    tokensPerSecond: round(tokens / s, 1),
  });
  emit({
    ...model,
    what: "update",
    batch: RUN.groupSize,
    seqLen: RUN.promptLen + RUN.maxNewTokens,
    ms: round(median(updateMs), 1),
  });
  if (ep === "webgpu") await residentBench(cfg, policy, model);
}

/**
 * The raw train step (all positions scored) with the state fed from JS every step, then with
 * `next.*` outputs kept on the device (`preferredOutputLocation: "gpu-buffer"`) and fed back.
 */
async function residentBench(cfg: ModelConfig, policy: Policy, model: object): Promise<void> {
  const b = RUN.groupSize, t = RUN.promptLen + RUN.maxNewTokens, n = b * t;
  const bytes = buildFor(ep, () => buildTrainGraph({ cfg, batch: b, seqLen: t }));
  const names = Object.keys(paramShapes(cfg));
  const rng = makeRng("gpu/batch");
  const ids = BigInt64Array.from({ length: n }, () => BigInt(randInt(rng, 256)));
  const data: Record<string, ort.Tensor> = {
    ids: new ort.Tensor("int64", ids, [b, t]),
    targets: new ort.Tensor("int64", ids.map((_, i) => ids[(i + 1) % n]), [b, t]),
    positions: new ort.Tensor("int64", ids.map((_, i) => BigInt(i % t)), [b, t]),
    attn: new ort.Tensor("float32", new Float32Array(n).fill(1), [b, t]),
    weights: new ort.Tensor("float32", new Float32Array(n).fill(1 / n), [b, t]),
    adv: new ort.Tensor("float32", Float32Array.from({ length: n }, (_, i) => i % 2), [b, t]),
  };
  const host0 = initTrainState(policy.params);
  const hostFeeds = (step: number, st: typeof host0) => {
    const sc = adamwScalars(step, 1e-5, ADAMW_DEFAULTS);
    const f: Record<string, ort.Tensor> = {
      ...data,
      lr: new ort.Tensor("float32", Float32Array.of(sc.lr), []),
      bias1: new ort.Tensor("float32", Float32Array.of(sc.bias1), []),
      bias2: new ort.Tensor("float32", Float32Array.of(sc.bias2), []),
    };
    for (const p of names) {
      const mn = momentNames(p);
      f[p] = new ort.Tensor("float32", st.params[p].data as Float32Array, st.params[p].dims);
      f[mn.m] = new ort.Tensor("float32", st.m[p].data as Float32Array, st.m[p].dims);
      f[mn.v] = new ort.Tensor("float32", st.v[p].data as Float32Array, st.v[p].dims);
    }
    return f;
  };
  const opts = (resident: boolean): ort.InferenceSession.SessionOptions => ({
    executionProviders: [ep],
    logSeverityLevel: 3,
    ...(resident
      ? {
        preferredOutputLocation: Object.fromEntries(
          names.flatMap((p) => [`next.${p}`, `next_m.${p}`, `next_v.${p}`])
            .map((o) => [o, "gpu-buffer" as const]),
        ),
      }
      : {}),
  });
  for (const resident of [false, true]) {
    const s = await ort.InferenceSession.create(bytes, opts(resident));
    let feeds = hostFeeds(1, host0);
    const ms: number[] = [];
    let loss = NaN;
    for (let it = 0; it < RUN.warmup + RUN.steps; it++) {
      const t0 = performance.now();
      const out = await s.run(feeds);
      loss = Number(out.loss.data[0]); // the loss comes back to JS every step either way
      const next = hostFeeds(it + 2, host0);
      for (const p of names) {
        const mn = momentNames(p);
        next[p] = out[`next.${p}`];
        next[mn.m] = out[`next_m.${p}`];
        next[mn.v] = out[`next_v.${p}`];
      }
      feeds = next;
      if (it >= RUN.warmup) ms.push(performance.now() - t0);
    }
    emit({
      ...model,
      what: resident ? "train_step_device_state" : "train_step_host_state",
      batch: b,
      seqLen: t,
      ms: round(median(ms), 1),
      lastLoss: loss, // the same in both modes: the state went round the same updates
    });
    await s.release();
  }
}

/** 2 LoRA agents over one base folder through the public step API. */
async function loraBench(dir: string): Promise<void> {
  const { validateConfig } = await import("../lib/rl/config.ts");
  const { createStepContext } = await import("../lib/rl/step_context.ts");
  const { initRunState } = await import("../lib/rl/run_state.ts");
  const { magrpoStep } = await import("../lib/rl/step.ts");
  const { defineEnvironment } = await import("../lib/envs/define.ts");
  const env = defineEnvironment({
    name: "gpu",
    rows: [{ topic: "the sea" }],
    prompts: [(r) => `One line about ${r.topic}:`, (r) => `Another line about ${r.topic}:`],
    reward: ([a, b]) => ((a.length * 7 + b.length * 3) % 11) / 10,
  });
  const cfg = validateConfig({
    agents: 2,
    groupSize: RUN.groupSize,
    steps: 3, // one warm-up step (compiles the sessions), two measured: real sizes are slow
    promptsPerStep: 1,
    finetune: args.finetune,
    lora: { r: 16, alpha: 32 },
    sampling: { maxNewTokens: RUN.maxNewTokens },
    model: dir,
    ep,
    epFallback: false,
  }, "bench/gpu.ts");
  const t0 = performance.now();
  const ctx = await createStepContext(cfg, { environment: env });
  const loadSeconds = (performance.now() - t0) / 1000;
  let run = initRunState(ctx);
  const rows: { sampling: number; update: number; tokens: number }[] = [];
  for (let s = 0; s < cfg.steps; s++) {
    const { run: next, record, collected } = await magrpoStep(run, ctx);
    run = next;
    const sec = record.seconds as { sampling: number; update: number };
    const tokens = collected.flatMap((c) => c.samples.flat())
      .reduce((k, x) => k + x.completion.ids.length, 0);
    if (s >= 1) rows.push({ sampling: sec.sampling, update: sec.update, tokens });
  }
  const mid = rows[rows.length - 1];
  emit({
    model: dir.split("/").filter(Boolean).at(-1),
    params: countParams(await readHfConfig(dir)),
    finetune: cfg.finetune,
    what: "lora_step",
    agents: 2,
    loadSeconds: round(loadSeconds, 1),
    sampledTokens: mid.tokens,
    samplingTokensPerSecond: round(mid.tokens / mid.sampling, 1),
    updateSeconds: round(mid.update, 2),
  });
}

/** The size's model and shapes as `bench/peer_torch.py` reads them (2 agents, one prompt each). */
async function peerSpec(size: string): Promise<string> {
  const cfg: ModelConfig = { ...(await readHfConfig("data/default-model")), ...SIZES[size] };
  const rng = makeRng("gpu/prompt");
  const prompt = Array.from({ length: RUN.promptLen }, () => randInt(rng, 256));
  return JSON.stringify({ ...RUN, agents: 2, model: cfg, prompts: [prompt, prompt], lr: 1e-5 });
}

const why = args["peer-spec"] ? undefined : await cannotStart();
if (args["peer-spec"]) {
  console.log(await peerSpec(args.size));
} else if (why) {
  emit({ model: args.model ? "lora" : args.size, skip: `execution provider '${ep}': ${why}` });
} else if (args.model) {
  await loraBench(args.model);
} else {
  await sizeBench(args.size);
}
