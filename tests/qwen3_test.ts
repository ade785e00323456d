// Qwen3 (`model_type: "qwen3"`): config.json parsing and its errors, parameter names and shapes
// (per-head q_norm/k_norm `[head_dim]`), config round trip, gradients through the q/k norms
// against finite differences (float64), and an HF-folder save/load round trip.
// Logit parity with the float64 reference is in tests/parity_test.ts.
import assert from "node:assert/strict";
import { constant, input, newGraph } from "../lib/engine/graph.ts";
import { gradCheck } from "../lib/engine/gradcheck.ts";
import { mul, reduceSum } from "../lib/engine/ops.ts";
import type { HostTensor } from "../lib/engine/runtime.ts";
import { configToHf, type ModelConfig, parseHfConfig } from "../lib/model/config.ts";
import { countParams, initParams, paramShapes } from "../lib/model/params.ts";
import { type Params, transformerForward } from "../lib/model/transformer.ts";
import { checkWeights } from "../lib/model/weight_names.ts";
import { byteLevelPolicy, loadPolicy, savePolicy } from "../lib/policy/load.ts";
import { UserError } from "../lib/util/errors.ts";
import { makeRng, randInt, randNormal } from "../lib/util/rng.ts";

/** The fields of Qwen/Qwen3-0.6B's config.json that matter (head_dim·heads = 2048 ≠ hidden 1024). */
const QWEN3_06B = {
  architectures: ["Qwen3ForCausalLM"],
  model_type: "qwen3",
  vocab_size: 151936,
  hidden_size: 1024,
  intermediate_size: 3072,
  num_hidden_layers: 28,
  num_attention_heads: 16,
  num_key_value_heads: 8,
  head_dim: 128,
  hidden_act: "silu",
  max_position_embeddings: 40960,
  rms_norm_eps: 1e-6,
  rope_theta: 1000000,
  rope_scaling: null,
  attention_bias: false,
  attention_dropout: 0.0,
  use_sliding_window: false,
  sliding_window: null,
  max_window_layers: 28,
  tie_word_embeddings: true,
  bos_token_id: 151643,
  eos_token_id: 151645,
  torch_dtype: "bfloat16",
};

Deno.test("qwen3 config.json: explicit head_dim, no q/k/v bias, tied head, rope_theta", () => {
  const cfg = parseHfConfig(QWEN3_06B, "config.json");
  assert.equal(cfg.arch, "qwen3");
  assert.equal(cfg.headDim, 128);
  assert.equal(cfg.heads * cfg.headDim, 2048); // ≠ hidden 1024
  assert.equal(cfg.kvHeads, 8);
  assert.equal(cfg.qkvBias, false);
  assert.equal(cfg.tieEmbeddings, true);
  assert.equal(cfg.ropeTheta, 1e6);
  assert.equal(cfg.normEps, 1e-6);
  assert.equal(cfg.activation, "silu");
  assert.deepEqual(cfg.eosTokenIds, [151645]);
  // HF Qwen3Config's head_dim default is 128, not hidden / heads (= 64 here).
  const { head_dim: _, ...noHeadDim } = QWEN3_06B;
  assert.equal(parseHfConfig(noHeadDim, "config.json").headDim, 128);
  // transformers v5 keeps rope_theta in rope_parameters.
  const { rope_theta: __, ...v5 } = QWEN3_06B;
  const cfg5 = parseHfConfig(
    { ...v5, rope_parameters: { rope_type: "default", rope_theta: 5e5 } },
    "config.json",
  );
  assert.equal(cfg5.ropeTheta, 5e5);
  // Full-attention layer_types and a window as long as the context are plain attention.
  const full = Array(28).fill("full_attention");
  assert.equal(parseHfConfig({ ...QWEN3_06B, layer_types: full }, "c.json").layers, 28);
  assert.equal(
    parseHfConfig({ ...QWEN3_06B, use_sliding_window: true, sliding_window: 40960 }, "c.json").arch,
    "qwen3",
  );
});

Deno.test("qwen3 config.json: unsupported or ill-typed fields are errors naming the file and field", () => {
  const bad: [Record<string, unknown>, RegExp][] = [
    [
      { attention_bias: true },
      /c\.json: field 'attention_bias': true is not supported \(expected false\)/,
    ],
    [{ attention_bias: "no" }, /c\.json: field 'attention_bias' must be true or false, got "no"/],
    [
      { use_sliding_window: true, sliding_window: 4096 },
      /c\.json: field 'use_sliding_window': true with 'sliding_window' 4096 < 'max_position_embeddings' 40960/,
    ],
    [
      { layer_types: ["full_attention", "sliding_attention"] },
      /c\.json: field 'layer_types'\[1\] is "sliding_attention"; only "full_attention"/,
    ],
    [{ layer_types: "full_attention" }, /c\.json: field 'layer_types' must be a list of strings/],
    [
      { num_key_value_heads: 5 },
      /'num_attention_heads' \(16\) must be a multiple of 'num_key_value_heads' \(5\)/,
    ],
    [{ head_dim: 0 }, /c\.json: .*'head_dim'/],
    [{ head_dim: 12.5 }, /c\.json: .*'head_dim'/],
    [{ head_dim: 7 }, /c\.json: field 'head_dim' is 7; rotary embeddings need an even head_dim/],
    [
      { hidden_act: "gelu" },
      /c\.json: field 'hidden_act' is "gelu", which qwen3 models here do not support/,
    ],
    [
      { model_type: "qwen3_moe" },
      /unsupported model_type "qwen3_moe" \(supported: llama, qwen2, qwen3, gpt2\)/,
    ],
  ];
  for (const [patch, re] of bad) {
    assert.throws(() => parseHfConfig({ ...QWEN3_06B, ...patch }, "c.json"), (e: unknown) => {
      assert.ok(e instanceof UserError, `${JSON.stringify(patch)}: not a UserError: ${e}`);
      assert.match(e.message, re);
      return true;
    });
  }
});

Deno.test("qwen3 parameters: q_norm/k_norm [head_dim] per layer, counted as in the HF model", () => {
  const cfg = parseHfConfig(QWEN3_06B, "config.json");
  const shapes = paramShapes(cfg);
  assert.deepEqual(shapes["model.layers.0.self_attn.q_norm.weight"], [128]);
  assert.deepEqual(shapes["model.layers.27.self_attn.k_norm.weight"], [128]);
  assert.deepEqual(shapes["model.layers.0.self_attn.q_proj.weight"], [2048, 1024]);
  assert.deepEqual(shapes["model.layers.0.self_attn.o_proj.weight"], [1024, 2048]);
  assert.equal(shapes["model.layers.0.self_attn.q_proj.bias"], undefined);
  assert.equal(shapes["lm_head.weight"], undefined); // tied
  // By hand: embedding V·H; per layer q H·2048 + k,v 2·H·1024 + o 2048·H + norms 2H + 2·128
  // + MLP 3·H·I; final norm H. Qwen3-0.6B's model card says 0.6B (0.44B non-embedding).
  const [v, h, i, l] = [151936, 1024, 3072, 28];
  const perLayer = h * 2048 + 2 * h * 1024 + 2048 * h + 2 * h + 2 * 128 + 3 * h * i;
  assert.equal(countParams(cfg), v * h + l * perLayer + h);
  assert.equal(countParams(cfg), 596_049_920);
  const ones = initParams({ ...cfg, layers: 1, vocabSize: 8 }, { seed: 0 });
  assert.ok(
    (ones["model.layers.0.self_attn.q_norm.weight"].data as Float32Array).every((x) => x === 1),
  );
});

Deno.test("qwen3 config round-trips through configToHf, and a missing k_norm is named", () => {
  const cfg = parseHfConfig(QWEN3_06B, "config.json");
  const hf = configToHf(cfg, "bfloat16");
  assert.deepEqual(hf.architectures, ["Qwen3ForCausalLM"]);
  assert.equal(hf.attention_bias, false);
  assert.equal(hf.head_dim, 128);
  assert.deepEqual(parseHfConfig(hf, "config.json"), cfg);
  const small: ModelConfig = { ...cfg, layers: 1, vocabSize: 8, hidden: 8, intermediate: 8 };
  const tensors = Object.fromEntries(
    Object.entries(paramShapes(small))
      .filter(([n]) => n !== "model.layers.0.self_attn.k_norm.weight")
      .map(([n, shape]) => [n, { shape, dtype: "BF16" }]),
  );
  const errors = checkWeights(small, tensors, "model.safetensors");
  assert.deepEqual(errors.map((e) => e.message), [
    "model.safetensors: missing tensor 'model.layers.0.self_attn.k_norm.weight' (expected shape [128])",
  ]);
});

/** Tiny qwen3: heads·headDim = 4·6 = 24 ≠ hidden 8, GQA 4 → 2, tied head. */
const TINY: ModelConfig = {
  arch: "qwen3",
  vocabSize: 11,
  hidden: 8,
  layers: 2,
  heads: 4,
  kvHeads: 2,
  headDim: 6,
  intermediate: 12,
  maxPositions: 64,
  ropeTheta: 1e6,
  normEps: 1e-6,
  qkvBias: false,
  tieEmbeddings: true,
  activation: "silu",
  eosTokenIds: [],
};

Deno.test("qwen3 gradients through q_norm/k_norm (and every other weight) match finite differences", async () => {
  const g = newGraph("qwen3-grad");
  const params: Params = {};
  for (const [name, dims] of Object.entries(paramShapes(TINY))) {
    params[name] = input(g, name, dims, "float64");
  }
  const [b, t] = [2, 5];
  const { logits } = transformerForward(TINY, params, {
    ids: input(g, "ids", [b, t], "int64"),
    positions: input(g, "positions", [b, t], "int64"),
    bias: input(g, "bias", [b, 1, t, t], "float64"),
  });
  // loss = Σ logits · R with a fixed random R, so every logit's gradient is generic.
  const rng = makeRng("qwen3-grad");
  const r = new Float64Array(b * t * TINY.vocabSize).map(() => randNormal(rng));
  const loss = reduceSum(mul(logits, constant(g, r, [b, t, TINY.vocabSize], "float64")));
  const values: Record<string, HostTensor> = {
    ...initParams(TINY, { seed: 2, std: 0.5, dtype: "float64" }),
  };
  for (const p of Object.values(values)) {
    for (let i = 0; i < p.data.length; i++) (p.data as Float64Array)[i] += 0.2 * randNormal(rng);
  }
  const bias = new Float64Array(b * t * t);
  for (let r0 = 0; r0 < b; r0++) {
    for (let i = 0; i < t; i++) {
      for (let j = 0; j < t; j++) {
        bias[(r0 * t + i) * t + j] = j <= i ? 0 : -1e9;
      }
    }
  }
  values.ids = {
    data: BigInt64Array.from({ length: b * t }, () => BigInt(randInt(rng, TINY.vocabSize))),
    dims: [b, t],
  };
  values.positions = {
    data: BigInt64Array.from({ length: b * t }, (_, k) => BigInt(3 + (k % t))),
    dims: [b, t],
  };
  values.bias = { data: bias, dims: [b, 1, t, t] };
  const res = await gradCheck(g, loss, Object.values(params), values);
  const norms = Object.entries(res.relError).filter(([n]) => /[qk]_norm/.test(n));
  assert.equal(norms.length, 2 * TINY.layers);
  console.log(
    `qwen3 gradients: max relative error ${res.maxRelError.toExponential(2)}; q/k norms ${
      norms.map(([n, e]) => `${n.replace("model.layers.", "")} ${e.toExponential(1)}`).join(", ")
    }`,
  );
  assert.ok(res.maxRelError < 1e-5, `max relative error ${res.maxRelError}`);
});

Deno.test("qwen3 HF folder: save (BF16 storage) and load keep config, q/k norms and dtypes", async () => {
  const cfg: ModelConfig = {
    ...TINY,
    vocabSize: 258,
    hidden: 16,
    eosTokenIds: [256],
  };
  const params = initParams(cfg, { seed: 4 });
  (params["model.layers.1.self_attn.k_norm.weight"].data as Float32Array).set([
    0.5,
    1.5,
    2,
    0.25,
    1,
    3,
  ]);
  const policy = byteLevelPolicy(cfg, params);
  for (const n of Object.keys(params)) policy.storage.dtypes[n] = "BF16";
  const dir = await Deno.makeTempDir({ prefix: "qwen3_folder_" });
  try {
    await savePolicy(policy, dir);
    const json = JSON.parse(await Deno.readTextFile(`${dir}/config.json`));
    assert.equal(json.model_type, "qwen3");
    assert.equal(json.torch_dtype, "bfloat16");
    const back = await loadPolicy(dir);
    assert.deepEqual(JSON.parse(JSON.stringify(back.cfg)), cfg); // undefined bos/pad dropped
    // These values are exact in bfloat16.
    assert.deepEqual(
      Array.from(back.params["model.layers.1.self_attn.k_norm.weight"].data as Float32Array),
      [0.5, 1.5, 2, 0.25, 1, 3],
    );
    assert.equal(back.storage.dtypes["model.layers.0.self_attn.q_norm.weight"], "BF16");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
