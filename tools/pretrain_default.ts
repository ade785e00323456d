/**
 * Makes the project's small default model (`data/default-model`): trains a byte-level BPE
 * tokenizer on the shipped corpus, then pretrains a tiny Llama-style model on it (next-token
 * loss = the policy loss with advantage 1), and saves both as a Hugging Face folder with a model
 * card recording the script, seed, data and final loss.
 *
 * Usage: `deno run -A tools/pretrain_default.ts [--corpus data/corpus/stories.txt]
 *   [--out data/default-model] [--steps 1500] [--seed 0] [--vocab 1024]`
 *
 * @module
 */
import { parseArgs } from "node:util";
import type { ModelConfig } from "../lib/model/config.ts";
import { countParams, initParams } from "../lib/model/params.ts";
import { trainByteBpe } from "./bpe_train.ts";
import { byteBpeToHf, byteBpeTokenizer } from "../lib/policy/byte_tokenizer.ts";
import { savePolicy } from "../lib/policy/load.ts";
import { sampleTexts } from "../lib/policy/sample.ts";
import { writeGenerationConfig } from "../lib/model/hf_folder.ts";
import { createTrainStep } from "../lib/rl/train_step.ts";
import { initTrainState } from "../lib/engine/optim_step.ts";
import { toPgBatch } from "../lib/rl/aggregation.ts";
import { packSequences } from "../lib/policy/pack.ts";
import { lrAt } from "../lib/rl/schedule.ts";
import { progress } from "../lib/viz/progress.ts";
import { makeRng, randInt } from "../lib/util/rng.ts";
import { runCli, UserError } from "../lib/util/errors.ts";

await runCli(async () => {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      corpus: { type: "string", default: "data/corpus/stories.txt" },
      out: { type: "string", default: "data/default-model" },
      steps: { type: "string", default: "1500" },
      seed: { type: "string", default: "0" },
      vocab: { type: "string", default: "1024" },
      lr: { type: "string", default: "3e-3" },
    },
  });
  const steps = Number(values.steps),
    seed = Number(values.seed),
    lr = Number(values.lr);
  let text: string;
  try {
    text = await Deno.readTextFile(values.corpus);
  } catch {
    throw new UserError(
      `${values.corpus}: corpus file not found (make it with tools/make_corpus.ts)`,
    );
  }
  const t0 = performance.now();
  const spec = trainByteBpe(text, { vocabSize: Number(values.vocab) });
  const tok = byteBpeTokenizer(spec);
  const docs = text.split(/\n\s*\n|\n/).map((s) => s.trim()).filter((s) => s.length > 0);
  const eos = tok.eosTokenIds[0];
  const stream: number[] = [];
  for (const d of docs) stream.push(...tok.encode(d), eos);
  console.log(
    `tokenizer: vocab ${tok.vocabSize}, ${docs.length} documents, ${stream.length} tokens ` +
      `(${(text.length / stream.length).toFixed(2)} chars/token), ${
        ((performance.now() - t0) / 1000).toFixed(1)
      } s`,
  );
  const cfg: ModelConfig = {
    arch: "llama",
    vocabSize: tok.vocabSize,
    hidden: 128,
    layers: 4,
    heads: 4,
    kvHeads: 2,
    headDim: 32,
    intermediate: 384,
    maxPositions: 512,
    ropeTheta: 10000,
    normEps: 1e-6,
    qkvBias: false,
    tieEmbeddings: true,
    activation: "silu",
    eosTokenIds: [eos],
    bosTokenId: eos,
    padTokenId: tok.padTokenId,
  };
  const [b, t] = [16, 128];
  console.log(
    `model: ${cfg.arch}, ${
      (countParams(cfg) / 1e6).toFixed(2)
    }M params, B=${b} T=${t}, ${steps} steps`,
  );
  const step = await createTrainStep({
    cfg,
    batch: b,
    seqLen: t,
    adam: { weightDecay: 0.1 },
  });
  let state = initTrainState(initParams(cfg, { seed }));
  const rng = makeRng(`pretrain/${seed}`);
  const bar = progress({ total: steps, label: "pretrain" });
  let ema = 0;
  for (let i = 1; i <= steps; i++) {
    const seqs = Array.from({ length: b }, () => {
      const s = randInt(rng, stream.length - t - 1);
      return { promptIds: [stream[s]], ids: stream.slice(s + 1, s + t) };
    });
    const batch = toPgBatch(
      packSequences(seqs, { seqLen: t }),
      new Float32Array(b).fill(1),
      "bnpo",
    );
    const r = await step.run(
      state,
      batch,
      lrAt(i, { lr, warmupSteps: 50, schedule: "cosine", totalSteps: steps }),
    );
    state = r.state;
    ema = i === 1 ? r.metrics.loss : 0.98 * ema + 0.02 * r.metrics.loss;
    bar.tick(1, `loss ${ema.toFixed(3)}`);
  }
  bar.done();
  const minutes = (performance.now() - t0) / 60000;
  const policy = { cfg, params: state.params, tokenizer: tok };
  const { tokenizer, tokenizerConfig } = byteBpeToHf(spec);
  const enc = (x: unknown) => new TextEncoder().encode(JSON.stringify(x, null, 2) + "\n");
  await savePolicy(policy, values.out, {
    files: {
      "tokenizer.json": enc(tokenizer),
      "tokenizer_config.json": enc(tokenizerConfig),
    },
  });
  await writeGenerationConfig(values.out, {
    eosTokenIds: [eos],
    bosTokenId: eos,
    padTokenId: tok.padTokenId,
  });
  const samples = await sampleTexts(
    policy,
    ["The", "Once upon a time", "Mia"],
    {
      maxNewTokens: 40,
      temperature: 0.8,
      seed: 1,
    },
  );
  const card = [
    "# default-model",
    "",
    "A tiny Llama-style language model made by this project, so that README's main command, the notebooks",
    "and the tests have a real policy without downloading anything.",
    "",
    `- Made by: \`deno run -A tools/pretrain_default.ts --corpus ${values.corpus} --steps ${steps} --seed ${seed} --vocab ${values.vocab} --lr ${lr}\``,
    `- Data: \`${values.corpus}\` (generated by \`tools/make_corpus.ts\`, see data/corpus/README.md), ${stream.length} tokens`,
    `- Tokenizer: byte-level BPE trained on the same corpus, vocab ${tok.vocabSize} (\`<|endoftext|>\` = ${eos} is BOS/EOS)`,
    `- Model: ${
      countParams(cfg)
    } parameters (hidden ${cfg.hidden}, ${cfg.layers} layers, ${cfg.heads} heads, ${cfg.kvHeads} KV heads, SwiGLU ${cfg.intermediate}, tied embeddings)`,
    `- Training: ${steps} steps of B=${b} × T=${t} tokens, AdamW lr ${lr} (warmup 50, cosine), weight decay 0.1, seed ${seed}; ${
      minutes.toFixed(1)
    } min on this machine`,
    `- Final training loss (EMA): ${ema.toFixed(3)} nats/token`,
    "",
    "Samples (temperature 0.8, seed 1):",
    "",
    ...samples.map((s) =>
      `- *${["The", "Once upon a time", "Mia"][s.prompt]}*${s.text.replaceAll("\n", " ")}`
    ),
    "",
  ].join("\n");
  await Deno.writeTextFile(`${values.out}/README.md`, card);
  console.log(card);
});
