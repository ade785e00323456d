// LoRA agents over a float16-stored base, seen by what is built from them: mergeAdapter (exact
// widening, checked against hand-computed float64 values), the transformers.js export (merges
// the adapter; its logits equal the agent's) and the centralized critic (a float32 model
// starting from the merged weights). The base values are multiples of 2⁻¹⁰ in (−2, 2), which
// float16 holds exactly, so the float16 and float32 bases hold the same numbers.
import assert from "node:assert/strict";
import { AutoModelForCausalLM, env, Tensor } from "@huggingface/transformers";
import { writeOnnxExport } from "../lib/model/export.ts";
import { writeHfConfig } from "../lib/model/hf_folder.ts";
import { f32ToF16 } from "../lib/model/float_bits.ts";
import { initLora, type LoraConfig, loraModule, mergeLoraWeights } from "../lib/model/lora.ts";
import type { ParamStore } from "../lib/model/params.ts";
import { BYTE_TOKENIZER_SPEC, saveByteBpeTokenizer } from "../lib/policy/byte_tokenizer.ts";
import { computeLogits } from "../lib/policy/logits.ts";
import { mergeAdapter, withAdapter } from "../lib/policy/policy.ts";
import { createCritic, initCriticParams } from "../lib/rl/critic.ts";
import { initTrainState } from "../lib/engine/optim_step.ts";
import { withLoraConfig } from "../lib/model/lora.ts";
import { makeRng, randNormal } from "../lib/util/rng.ts";
import { randomPolicy, tinyConfig } from "./fixtures.ts";

const LC: LoraConfig = { r: 2, alpha: 4, targets: ["q_proj", "o_proj", "down_proj"] }; // scale 2
const CFG = tinyConfig({ maxPositions: 64, bosTokenId: 256, padTokenId: 257 });

/** The same agent twice: LoRA over a float32 base and over a float16 base of equal values. */
function agents() {
  const base = randomPolicy(CFG, 21, 0.3);
  const exact: ParamStore = {};
  for (const [k, t] of Object.entries(base.params)) {
    const v = Float32Array.from(t.data as Float32Array, (x) => Math.round(x * 1024) / 1024);
    assert.ok(v.every((x) => Math.abs(x) < 2), k);
    exact[k] = { data: v, dims: t.dims };
  }
  const half: ParamStore = {};
  for (const [k, t] of Object.entries(exact)) {
    half[k] = { data: f32ToF16(t.data as Float32Array), dims: t.dims };
  }
  const params = initLora(withLoraConfig(CFG, LC), 5);
  const rng = makeRng("nonzero-B/export");
  for (const [n, t] of Object.entries(params)) {
    const d = t.data as Float32Array;
    if (n.endsWith("lora_B.weight")) {
      for (let i = 0; i < d.length; i++) d[i] = 0.2 * randNormal(rng);
    }
  }
  const wide = withAdapter({ ...base, params: exact }, { config: LC, params });
  const narrow = withAdapter(
    { ...base, cfg: { ...base.cfg, baseDtype: "float16" as const }, params: half },
    { config: LC, params },
  );
  return { wide, narrow, adapter: params };
}

Deno.test("mergeAdapter over a float16 base widens exactly: W + 2·B·A from float64 by hand", () => {
  const { wide, narrow, adapter } = agents();
  const m = mergeAdapter(narrow);
  assert.equal(m.cfg.baseDtype, undefined);
  assert.equal(m.cfg.lora, undefined);
  // untargeted weights: the very float32 values (bits read as numbers would be ≥ 1 in size)
  const emb = "model.embed_tokens.weight";
  assert.ok(m.params[emb].data instanceof Float32Array);
  assert.deepEqual(m.params[emb].data, wide.params[emb].data);
  // one targeted weight, every entry: W[i,j] + 2·Σ_k B[i,k]·A[k,j] in float64, rounded once
  const mod = loraModule(1, "o_proj"), W = wide.params[`${mod}.weight`];
  const A = adapter[`${mod}.lora_A.weight`].data, B = adapter[`${mod}.lora_B.weight`].data;
  const [rows, cols] = W.dims, got = m.params[`${mod}.weight`].data as Float32Array;
  let moved = 0;
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      const w = (W.data as Float32Array)[i * cols + j];
      const want = w +
        2 * (Number(B[i * 2]) * Number(A[j]) + Number(B[i * 2 + 1]) * Number(A[cols + j]));
      assert.equal(got[i * cols + j], Math.fround(want), `[${i},${j}]`);
      moved = Math.max(moved, Math.abs(want - w));
    }
  }
  assert.ok(moved > 1e-3, `the adapter barely moves o_proj: ${moved}`);
  // the float32 base merges to the same bits
  assert.deepEqual(m.params[`${mod}.weight`].data, mergeAdapter(wide).params[`${mod}.weight`].data);
  // the low-level merge refuses float16 bits instead of reading them as numbers
  assert.throws(() => mergeLoraWeights(narrow.cfg, narrow.params, adapter), /float16 bits/);
});

Deno.test("export of a LoRA agent over a float16 base: transformers.js logits equal the agent's", async () => {
  const { narrow, adapter } = agents();
  const root = await Deno.makeTempDir(), dir = `${root}/lora-export`;
  await assert.rejects(
    () => writeOnnxExport(dir, narrow.cfg, narrow.params),
    /LoRA adapter \(cfg\.lora\).*policy\.adapter\.params.*mergeAdapter/,
  );
  await assert.rejects(() => Deno.stat(dir), Deno.errors.NotFound); // refused before writing
  await Deno.mkdir(dir);
  const plain = mergeAdapter(narrow).cfg;
  await writeHfConfig(dir, plain);
  await saveByteBpeTokenizer(dir, BYTE_TOKENIZER_SPEC);
  await writeOnnxExport(dir, narrow.cfg, narrow.params, adapter);
  env.allowRemoteModels = false;
  env.allowLocalModels = true;
  env.localModelPath = `${root}/`;
  const model = await AutoModelForCausalLM.from_pretrained("lora-export", {
    dtype: "fp32",
    local_files_only: true,
  });
  const ids = [72, 101, 108, 108, 111, 32, 119], t = ids.length;
  const [ours, base] = await Promise.all([
    computeLogits(narrow, [ids]), // float16 base widened in the graph + adapter branch
    computeLogits({ ...narrow, adapter: undefined, cfg: { ...plain, baseDtype: "float16" } }, [
      ids,
    ]),
  ]);
  const out = await model({
    input_ids: new Tensor("int64", BigInt64Array.from(ids, BigInt), [1, t]),
    attention_mask: new Tensor("int64", new BigInt64Array(t).fill(1n), [1, t]),
  });
  const theirs = out.logits.data as Float32Array;
  assert.equal(theirs.length, ours.length);
  let worst = 0, moved = 0;
  for (let i = 0; i < ours.length; i++) {
    worst = Math.max(worst, Math.abs(theirs[i] - ours[i]));
    moved = Math.max(moved, Math.abs(base[i] - ours[i]));
  }
  console.log(
    `LoRA/float16 export: max |Δ logit| vs agent ${worst.toExponential(2)}; ` +
      `adapter moves logits by ${moved.toFixed(3)}`,
  );
  assert.ok(moved > 0.05, `adapter barely matters: ${moved}`);
  assert.ok(worst < 1e-4, `max |Δ logit| ${worst}`);
  await model.dispose();
  await Deno.remove(root, { recursive: true });
});

Deno.test("critic from a LoRA agent over a float16 base: float32 merged weights, same V as from the merge", async () => {
  const { wide, narrow, adapter } = agents();
  assert.throws(() => initCriticParams(narrow.cfg, narrow.params, 0), /policy\.adapter\.params/);
  const fromAgent = initCriticParams(narrow.cfg, narrow.params, 3, adapter);
  const merged = mergeAdapter(wide); // the float32 base: an independent route to the same weights
  const fromMerge = initCriticParams(merged.cfg, merged.params, 3);
  assert.deepEqual(Object.keys(fromAgent).sort(), Object.keys(fromMerge).sort());
  for (const [k, t] of Object.entries(fromMerge)) {
    assert.ok(fromAgent[k].data instanceof Float32Array, k);
    assert.deepEqual(fromAgent[k].data, t.data, k);
  }
  // the critic built from the agent's config is the plain float32 model
  const texts = ["[agent 0] hello", "[agent 1] a longer prompt than that"];
  const a = createCritic(narrow.cfg, narrow.tokenizer),
    b = createCritic(merged.cfg, merged.tokenizer);
  const [va, vb] = [await a.predict(fromAgent, texts), await b.predict(fromMerge, texts)];
  assert.deepEqual(va, vb);
  assert.ok(va.every(Number.isFinite) && va[0] !== va[1], JSON.stringify(va));
  // one fit step trains it: the squared error towards the targets falls
  const targets = [1, -1];
  const before = va.reduce((s, v, i) => s + (v - targets[i]) ** 2, 0) / 2;
  const r = await a.fit(initTrainState(fromAgent), texts, targets, 1e-3);
  assert.ok(Math.abs(r.loss - before) < 1e-4 * Math.max(1, before), `${r.loss} vs ${before}`);
  const vc = await a.predict(r.state.params, texts);
  const after = vc.reduce((s, v, i) => s + (v - targets[i]) ** 2, 0) / 2;
  console.log(`critic MSE ${before.toFixed(4)} → ${after.toFixed(4)} after one step`);
  assert.ok(after < before, `${after} ≥ ${before}`);
});
