/**
 * README's main command: trains a tiny policy for a few steps on the text the project ships
 * and prints the loss and tokens/s of every step.
 *
 * Usage: `bash tools/main.sh [--steps N] [--ep cpu|webgpu|cuda] [--seed S]`
 *
 * @module
 */
import { parseArgs } from "node:util";
import type { TransformerConfig } from "../lib/model/transformer.ts";
import { countParams, initParams } from "../lib/model/params.ts";
import { createTrainStep, type PgBatch } from "../lib/rl/train_step.ts";
import { initTrainState } from "../lib/engine/optim_step.ts";
import type { ExecutionProvider } from "../lib/engine/runtime.ts";
import { makeRng, randInt } from "../lib/util/rng.ts";
import { runCli, UserError } from "../lib/util/errors.ts";

const FALLBACK_TEXT = "The small dog ran to the park. It saw a red ball and played all day.\n";

/** Byte-level batch: `B` windows of `T + 1` bytes; the first `prompt` bytes are context only. */
function textBatch(
  text: Uint8Array,
  b: number,
  t: number,
  prompt: number,
  rng: ReturnType<typeof makeRng>,
): PgBatch {
  const n = b * t;
  const batch: PgBatch = {
    ids: new BigInt64Array(n),
    targets: new BigInt64Array(n),
    positions: new BigInt64Array(n),
    attn: new Float32Array(n).fill(1),
    weights: new Float32Array(n),
    adv: new Float32Array(n).fill(1),
  };
  for (let r = 0; r < b; r++) {
    const start = randInt(rng, Math.max(1, text.length - t - 1));
    for (let i = 0; i < t; i++) {
      batch.ids[r * t + i] = BigInt(text[(start + i) % text.length]);
      batch.targets[r * t + i] = BigInt(text[(start + i + 1) % text.length]);
      batch.positions[r * t + i] = BigInt(i);
      batch.weights[r * t + i] = i + 1 >= prompt ? 1 / ((t - prompt + 1) * b) : 0;
    }
  }
  return batch;
}

async function main() {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      steps: { type: "string", default: "20" },
      ep: { type: "string", default: "cpu" },
      seed: { type: "string", default: "0" },
      lr: { type: "string", default: "3e-3" },
    },
  });
  const steps = Number(values.steps), lr = Number(values.lr);
  if (!Number.isInteger(steps) || steps < 1) {
    throw new UserError(
      `--steps must be a positive integer, got '${values.steps}'`,
    );
  }
  if (!(lr > 0)) {
    throw new UserError(`--lr must be a positive number, got '${values.lr}'`);
  }
  const cfg: TransformerConfig = {
    arch: "llama",
    vocabSize: 256,
    hidden: 64,
    layers: 2,
    heads: 4,
    kvHeads: 2,
    headDim: 16,
    intermediate: 192,
    maxPositions: 512,
    ropeTheta: 10000,
    normEps: 1e-6,
    qkvBias: false,
    tieEmbeddings: true,
  };
  const corpus = new URL("../data/corpus/stories.txt", import.meta.url);
  let text: string;
  try {
    text = await Deno.readTextFile(corpus);
  } catch {
    text = FALLBACK_TEXT.repeat(20);
  }
  const bytes = new TextEncoder().encode(text);
  const [b, t] = [8, 64];
  console.log(
    `tiny policy: ${cfg.arch}, ${(countParams(cfg) / 1e3).toFixed(0)}k params, byte tokens, ` +
      `B=${b} T=${t}, ${steps} steps, lr ${lr}, seed ${values.seed}`,
  );
  const step = await createTrainStep({ cfg, batch: b, seqLen: t }, {
    ep: values.ep as ExecutionProvider,
  });
  let state = initTrainState(initParams(cfg, { seed: values.seed }));
  const rng = makeRng(`main/${values.seed}`);
  let tokens = 0, seconds = 0;
  for (let i = 1; i <= steps; i++) {
    const batch = textBatch(bytes, b, t, 8, rng);
    const t0 = performance.now();
    const r = await step.run(state, batch, lr);
    const dt = (performance.now() - t0) / 1000;
    state = r.state;
    tokens += b * t;
    seconds += dt;
    console.log(
      `step ${String(i).padStart(3)}  loss ${r.metrics.loss.toFixed(4)}  grad-norm ${
        r.metrics.gradNorm.toFixed(3)
      }  ` +
        `${((b * t) / dt).toFixed(0)} tokens/s`,
    );
  }
  console.log(
    `done: ${steps} steps, mean ${(tokens / seconds).toFixed(0)} tokens/s on ${step.session.ep}`,
  );
  await step.session.release();
}

await runCli(main);
