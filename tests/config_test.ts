import assert from "node:assert/strict";
import { configToHf, type ModelConfig, parseHfConfig } from "../lib/model/config.ts";
import {
  assertWeights,
  checkWeights,
  expectedParamShapes,
  toGraphNames,
} from "../lib/model/weight_names.ts";
import { parseGenerationConfig } from "../lib/model/generation_config.ts";
import {
  readGenerationConfig,
  readHfConfig,
  writeGenerationConfig,
  writeHfConfig,
} from "../lib/model/hf_folder.ts";
import { UserError } from "../lib/util/errors.ts";

// Field values as published in the HF config.json of each model.
const GPT2 = {
  model_type: "gpt2",
  architectures: ["GPT2LMHeadModel"],
  vocab_size: 50257,
  n_embd: 768,
  n_layer: 12,
  n_head: 12,
  n_positions: 1024,
  n_ctx: 1024,
  n_inner: null,
  layer_norm_epsilon: 1e-5,
  activation_function: "gelu_new",
  bos_token_id: 50256,
  eos_token_id: 50256,
};
const QWEN25_05B = {
  model_type: "qwen2",
  architectures: ["Qwen2ForCausalLM"],
  vocab_size: 151936,
  hidden_size: 896,
  num_hidden_layers: 24,
  num_attention_heads: 14,
  num_key_value_heads: 2,
  intermediate_size: 4864,
  max_position_embeddings: 32768,
  rope_theta: 1000000.0,
  rms_norm_eps: 1e-6,
  hidden_act: "silu",
  tie_word_embeddings: true,
  bos_token_id: 151643,
  eos_token_id: 151645,
  torch_dtype: "bfloat16",
};
const SMOLLM_135M = {
  model_type: "llama",
  architectures: ["LlamaForCausalLM"],
  vocab_size: 49152,
  hidden_size: 576,
  num_hidden_layers: 30,
  num_attention_heads: 9,
  num_key_value_heads: 3,
  intermediate_size: 1536,
  max_position_embeddings: 2048,
  rope_theta: 10000.0,
  rms_norm_eps: 1e-5,
  hidden_act: "silu",
  tie_word_embeddings: true,
  bos_token_id: 0,
  eos_token_id: 0,
};

const paramCount = (cfg: ModelConfig) =>
  Object.values(expectedParamShapes(cfg)).reduce(
    (s, shape) => s + shape.reduce((a, b) => a * b, 1),
    0,
  );

Deno.test("gpt2 config: fields, shapes, 124,439,808 parameters", () => {
  const cfg = parseHfConfig(GPT2, "gpt2/config.json");
  assert.deepEqual(cfg, {
    arch: "gpt2",
    vocabSize: 50257,
    hidden: 768,
    layers: 12,
    heads: 12,
    kvHeads: 12,
    headDim: 64,
    intermediate: 3072,
    maxPositions: 1024,
    ropeTheta: 0,
    normEps: 1e-5,
    qkvBias: true,
    tieEmbeddings: true,
    activation: "gelu_new",
    bosTokenId: 50256,
    eosTokenIds: [50256],
    padTokenId: undefined,
  });
  const shapes = expectedParamShapes(cfg);
  assert.deepEqual(shapes["h.3.attn.c_attn.weight"], [768, 2304]); // Conv1D: [in, out]
  assert.deepEqual(shapes["h.3.mlp.c_proj.weight"], [3072, 768]);
  assert.deepEqual(shapes["wpe.weight"], [1024, 768]);
  assert.equal(shapes["lm_head.weight"], undefined);
  const prefixed = expectedParamShapes(cfg, "transformer.");
  assert.deepEqual(prefixed["transformer.ln_f.bias"], [768]);
  assert.equal(Object.keys(prefixed).length, Object.keys(shapes).length);
  assert.equal(paramCount(cfg), 124_439_808);
});

Deno.test("qwen2 config: q/k/v biases, GQA shapes, 494,032,768 parameters", () => {
  const cfg = parseHfConfig(QWEN25_05B, "qwen/config.json");
  assert.equal(cfg.qkvBias, true);
  assert.equal(cfg.headDim, 64);
  assert.equal(cfg.kvHeads, 2);
  assert.equal(cfg.ropeTheta, 1e6);
  assert.deepEqual(cfg.eosTokenIds, [151645]);
  const shapes = expectedParamShapes(cfg);
  assert.deepEqual(shapes["model.layers.0.self_attn.q_proj.weight"], [
    896,
    896,
  ]);
  assert.deepEqual(shapes["model.layers.0.self_attn.k_proj.weight"], [
    128,
    896,
  ]);
  assert.deepEqual(shapes["model.layers.23.self_attn.v_proj.bias"], [128]);
  assert.deepEqual(shapes["model.layers.0.mlp.down_proj.weight"], [896, 4864]);
  assert.equal(shapes["model.layers.0.self_attn.o_proj.bias"], undefined);
  assert.equal(paramCount(cfg), 494_032_768);
});

Deno.test("llama config: SmolLM-135M has 134,515,008 parameters; untied adds lm_head", () => {
  const cfg = parseHfConfig(SMOLLM_135M, "smol/config.json");
  assert.equal(cfg.qkvBias, false);
  assert.equal(cfg.headDim, 64);
  assert.equal(cfg.normEps, 1e-5);
  assert.equal(paramCount(cfg), 134_515_008);
  const untied = parseHfConfig({
    ...SMOLLM_135M,
    tie_word_embeddings: false,
    head_dim: 32,
  }, "c.json");
  assert.equal(untied.headDim, 32);
  const shapes = expectedParamShapes(untied);
  assert.deepEqual(shapes["lm_head.weight"], [49152, 576]);
  assert.deepEqual(shapes["model.layers.0.self_attn.o_proj.weight"], [
    576,
    288,
  ]);
  assert.equal(shapes["model.layers.0.self_attn.q_proj.bias"], undefined);
});

Deno.test("defaults and transformers v5 rope_parameters", () => {
  const { rope_theta: _drop, ...noRope } = SMOLLM_135M;
  assert.equal(parseHfConfig(noRope, "c.json").ropeTheta, 10000);
  const v5 = parseHfConfig({
    ...noRope,
    rope_parameters: { rope_theta: 500000, rope_type: "default" },
  }, "c.json");
  assert.equal(v5.ropeTheta, 500000);
  const { num_key_value_heads: _kv, ...mha } = SMOLLM_135M;
  assert.equal(parseHfConfig(mha, "c.json").kvHeads, 9);
  const multiEos = parseHfConfig({
    ...QWEN25_05B,
    eos_token_id: [151645, 151643],
    pad_token_id: 151643,
  }, "c");
  assert.deepEqual(multiEos.eosTokenIds, [151645, 151643]);
  assert.equal(multiEos.padTokenId, 151643);
  assert.equal(
    parseHfConfig({ ...GPT2, activation_function: "gelu_pytorch_tanh" }, "c")
      .activation,
    "gelu_new",
  );
});

Deno.test("config errors name the file and the field", () => {
  const cases: Array<[unknown, string]> = [
    [
      { ...GPT2, model_type: "bert" },
      'm/config.json: unsupported model_type "bert" (supported: llama, qwen2, qwen3, gpt2)',
    ],
    [
      { ...SMOLLM_135M, hidden_size: undefined },
      "m/config.json: field 'hidden_size' must be a positive integer, got undefined",
    ],
    [
      { ...SMOLLM_135M, num_hidden_layers: "30" },
      `m/config.json: field 'num_hidden_layers' must be a positive integer, got "30"`,
    ],
    [
      { ...SMOLLM_135M, rms_norm_eps: -1 },
      "m/config.json: field 'rms_norm_eps' must be a positive number, got -1",
    ],
    [
      { ...SMOLLM_135M, tie_word_embeddings: "yes" },
      `m/config.json: field 'tie_word_embeddings' must be true or false, got "yes"`,
    ],
    [
      { ...SMOLLM_135M, eos_token_id: [1, "2"] },
      `m/config.json: field 'eos_token_id' must be a token id or a list of them, got [1,"2"]`,
    ],
    [
      { ...SMOLLM_135M, hidden_act: "relu" },
      `m/config.json: field 'hidden_act' is "relu", which llama models here do not support (supported: silu, swish)`,
    ],
    [
      { ...SMOLLM_135M, attention_bias: true },
      "m/config.json: field 'attention_bias': true is not supported (expected false)",
    ],
    [
      { ...GPT2, n_head: 5 },
      "m/config.json: field 'n_embd' (768) must be divisible by 'n_head' (5)",
    ],
    [[1, 2], "m/config.json: expected a JSON object"],
  ];
  for (const [json, message] of cases) {
    assert.throws(() => parseHfConfig(json, "m/config.json"), (e: Error) => {
      assert.ok(e instanceof UserError);
      assert.equal(e.message, message);
      return true;
    });
  }
});

Deno.test("configToHf round-trips through parseHfConfig and carries HF essentials", () => {
  for (const json of [GPT2, QWEN25_05B, SMOLLM_135M]) {
    const cfg = parseHfConfig(json, "c.json");
    const hf = configToHf(cfg, "bfloat16");
    assert.deepEqual(parseHfConfig(hf, "c.json"), cfg);
    assert.deepEqual(hf.architectures, json.architectures);
    assert.equal(hf.torch_dtype, "bfloat16");
    assert.equal(hf.dtype, "bfloat16");
  }
  const qwen = configToHf(parseHfConfig(QWEN25_05B, "c.json"));
  assert.equal(qwen.num_key_value_heads, 2);
  assert.equal(qwen.head_dim, 64);
  assert.equal(qwen.eos_token_id, 151645);
});

function fakeTensors(shapes: Record<string, number[]>) {
  return Object.fromEntries(
    Object.entries(shapes).map(([n, shape]) => [n, { shape }]),
  );
}

Deno.test("checkWeights: one UserError per missing, misshaped or unexpected tensor", () => {
  const cfg = parseHfConfig({
    ...SMOLLM_135M,
    num_hidden_layers: 2,
    tie_word_embeddings: false,
  }, "c.json");
  const good = fakeTensors(expectedParamShapes(cfg));
  assert.deepEqual(checkWeights(cfg, good, "m.safetensors"), []);
  const bad = {
    ...good,
    "model.layers.1.self_attn.rotary_emb.inv_freq": { shape: [32] },
  } as Record<
    string,
    { shape: number[] }
  >;
  delete bad["lm_head.weight"];
  bad["model.layers.0.mlp.up_proj.weight"] = { shape: [576, 1536] };
  bad["model.layers.2.mlp.up_proj.weight"] = { shape: [1536, 576] };
  const errors = checkWeights(cfg, bad, "m.safetensors");
  assert.ok(errors.every((e) => e instanceof UserError));
  assert.deepEqual(errors.map((e) => e.message), [
    "m.safetensors: tensor 'model.layers.0.mlp.up_proj.weight' has shape [576, 1536], expected [1536, 576]",
    "m.safetensors: missing tensor 'lm_head.weight' (expected shape [49152, 576])",
    "m.safetensors: unexpected tensor 'model.layers.2.mlp.up_proj.weight' with shape [1536, 576]",
  ]);
  assert.throws(
    () => assertWeights(cfg, bad, "m.safetensors"),
    /m\.safetensors: 3 problems with the weights/,
  );
});

Deno.test("checkWeights: gpt2 with or without 'transformer.' prefix, mask buffers ignored", () => {
  const cfg = parseHfConfig({
    ...GPT2,
    n_layer: 2,
    vocab_size: 300,
    n_embd: 64,
    n_head: 4,
  }, "c.json");
  const bare = fakeTensors(expectedParamShapes(cfg));
  bare["h.0.attn.bias"] = { shape: [1, 1, 1024, 1024] };
  bare["h.1.attn.masked_bias"] = { shape: [] };
  assert.deepEqual(checkWeights(cfg, bare, "gpt2.safetensors"), []);
  const prefixed = fakeTensors(expectedParamShapes(cfg, "transformer."));
  assert.deepEqual(
    Object.keys(toGraphNames(cfg, prefixed)),
    Object.keys(bare).slice(0, -2),
  );
  prefixed["lm_head.weight"] = { shape: [300, 64] }; // redundant tied head of the right shape
  assert.deepEqual(checkWeights(cfg, prefixed, "gpt2.safetensors"), []);
  prefixed["transformer.h.0.attn.c_attn.weight"] = { shape: [192, 64] }; // Linear layout by mistake
  assert.deepEqual(checkWeights(cfg, prefixed, "g").map((e) => e.message), [
    "g: tensor 'transformer.h.0.attn.c_attn.weight' has shape [192, 64], expected [64, 192]",
  ]);
});

Deno.test("generation_config.json: parse, write, read back; absent file is undefined", async () => {
  const gen = parseGenerationConfig({
    bos_token_id: 151643,
    eos_token_id: [151645, 151643],
    pad_token_id: 151643,
    do_sample: true,
    temperature: 0.7,
    top_p: 0.8,
    top_k: 20,
    repetition_penalty: 1.05,
    transformers_version: "4.37.0",
  }, "g.json");
  assert.deepEqual(gen, {
    bosTokenId: 151643,
    eosTokenIds: [151645, 151643],
    padTokenId: 151643,
    doSample: true,
    temperature: 0.7,
    topP: 0.8,
    topK: 20,
    repetitionPenalty: 1.05,
  });
  assert.throws(
    () => parseGenerationConfig({ temperature: "hot" }, "g.json"),
    /g\.json: field 'temperature'/,
  );
  const dir = await Deno.makeTempDir({ prefix: "config_test_" });
  assert.equal(await readGenerationConfig(dir), undefined);
  await writeGenerationConfig(dir, gen);
  assert.deepEqual(await readGenerationConfig(dir), gen);
  const cfg = parseHfConfig(QWEN25_05B, "c.json");
  await writeHfConfig(dir, cfg);
  assert.deepEqual(await readHfConfig(dir), cfg);
  await Deno.writeTextFile(`${dir}/config.json`, "{oops");
  await assert.rejects(
    readHfConfig(dir),
    (e: Error) => e instanceof UserError && e.message.includes("invalid JSON"),
  );
  await Deno.remove(dir, { recursive: true });
});
