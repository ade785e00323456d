// The transformers.js export: @huggingface/transformers loads it and agrees with our logits
// (within 1e-4) and our greedy continuation.
import assert from "node:assert/strict";
import { AutoModelForCausalLM, env, Tensor } from "@huggingface/transformers";
import type { ModelConfig } from "../lib/model/config.ts";
import { writeOnnxExport } from "../lib/model/export.ts";
import { writeHfConfig } from "../lib/model/hf_folder.ts";
import { BYTE_TOKENIZER_SPEC, saveByteBpeTokenizer } from "../lib/policy/byte_tokenizer.ts";
import { computeLogits } from "../lib/policy/logits.ts";
import { sampleTokens } from "../lib/policy/sample.ts";
import type { Policy } from "../lib/policy/policy.ts";
import { randomPolicy, tinyConfig } from "./fixtures.ts";

const BASE = tinyConfig({ maxPositions: 128, bosTokenId: 256, padTokenId: 257 });

async function exportAndLoad(cfg: ModelConfig) {
  const policy: Policy = randomPolicy(cfg, 11, 0.2);
  const root = await Deno.makeTempDir();
  const dir = `${root}/${cfg.arch}-export`;
  await Deno.mkdir(dir);
  await writeHfConfig(dir, cfg);
  await saveByteBpeTokenizer(dir, BYTE_TOKENIZER_SPEC);
  await writeOnnxExport(dir, cfg, policy.params);
  env.allowRemoteModels = false;
  env.allowLocalModels = true;
  env.localModelPath = `${root}/`;
  const model = await AutoModelForCausalLM.from_pretrained(
    `${cfg.arch}-export`,
    { dtype: "fp32", local_files_only: true },
  );
  return { policy, model, root };
}

for (const arch of ["qwen2", "llama", "gpt2"] as const) {
  Deno.test(`${arch} export loads in @huggingface/transformers with the same logits and greedy continuation`, async () => {
    const cfg: ModelConfig = arch === "gpt2"
      ? {
        ...BASE,
        arch,
        kvHeads: 4,
        tieEmbeddings: true,
        qkvBias: true,
        activation: "gelu_new",
        normEps: 1e-5,
      }
      : arch === "llama"
      ? { ...BASE, arch, qkvBias: false, tieEmbeddings: true }
      : BASE;
    const { policy, model, root } = await exportAndLoad(cfg);
    const ids = [72, 101, 108, 108, 111, 32, 119];
    const t = ids.length, v = cfg.vocabSize;
    const ours = await computeLogits(policy, [ids]);
    const out = await model({
      input_ids: new Tensor("int64", BigInt64Array.from(ids, BigInt), [1, t]),
      attention_mask: new Tensor("int64", new BigInt64Array(t).fill(1n), [
        1,
        t,
      ]),
    });
    const theirs = out.logits.data as Float32Array;
    assert.equal(theirs.length, t * v);
    let worst = 0;
    for (let i = 0; i < t * v; i++) {
      worst = Math.max(worst, Math.abs(theirs[i] - ours[i]));
    }
    console.log(
      `${arch}: max |Δ logit| ours vs transformers.js = ${worst.toExponential(2)}`,
    );
    assert.ok(worst < 1e-4, `max |Δ logit| ${worst}`);

    const n = 12;
    const gen = await model.generate({
      input_ids: new Tensor("int64", BigInt64Array.from(ids, BigInt), [1, t]),
      attention_mask: new Tensor("int64", new BigInt64Array(t).fill(1n), [
        1,
        t,
      ]),
      max_new_tokens: n,
      do_sample: false,
      eos_token_id: [],
    }) as Tensor;
    const theirTokens = Array.from(gen.data as BigInt64Array, Number).slice(t);
    const [mine] = await sampleTokens(policy, [ids], {
      temperature: 0,
      maxNewTokens: n,
      eosTokenIds: [],
    });
    assert.deepEqual(theirTokens, mine.ids);
    await model.dispose();
    await Deno.remove(root, { recursive: true });
  });
}
