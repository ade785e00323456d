// config.json: activations the graph computes (others rejected), rope_scaling linear/llama3
// (hand-computed inverse frequencies, and the graph uses them), sliding windows, and a
// round trip that keeps fields we don't model and writes the saved dtype.
import assert from "node:assert/strict";
import { configToHf, parseHfConfig } from "../lib/model/config.ts";
import { ropeInvFreq } from "../lib/model/rope.ts";
import { buildLogitsGraph } from "../lib/policy/logits.ts";
import { openSession } from "../lib/engine/runtime.ts";
import { loadPolicy, savePolicy } from "../lib/policy/load.ts";
import { bf16ToF32, f32ToBf16 } from "../lib/model/float_bits.ts";
import { UserError } from "../lib/util/errors.ts";
import { randomPolicy, tinyConfig } from "./fixtures.ts";

const LLAMA = {
  model_type: "llama",
  vocab_size: 258,
  hidden_size: 32,
  num_hidden_layers: 2,
  num_attention_heads: 4,
  num_key_value_heads: 2,
  intermediate_size: 48,
  max_position_embeddings: 128,
};
const QWEN = { ...LLAMA, model_type: "qwen2" };
const GPT2 = {
  model_type: "gpt2",
  vocab_size: 258,
  n_embd: 32,
  n_layer: 1,
  n_head: 4,
  n_positions: 64,
};

function rejects(json: unknown, message: string) {
  assert.throws(() => parseHfConfig(json, "m/config.json"), (e: Error) => {
    assert.ok(e instanceof UserError);
    assert.equal(e.message, message);
    return true;
  });
}

Deno.test("activations the graph does not compute are rejected, naming config.json, the field and the supported values", () => {
  assert.equal(parseHfConfig({ ...LLAMA, hidden_act: "swish" }, "c").activation, "silu");
  assert.equal(
    parseHfConfig({ ...GPT2, activation_function: "gelu_pytorch_tanh" }, "c").activation,
    "gelu_new",
  );
  rejects(
    { ...GPT2, activation_function: "gelu" },
    `m/config.json: field 'activation_function' is "gelu", which gpt2 models here do not support (supported: gelu_new, gelu_pytorch_tanh)`,
  );
  rejects(
    { ...LLAMA, hidden_act: "relu" },
    `m/config.json: field 'hidden_act' is "relu", which llama models here do not support (supported: silu, swish)`,
  );
  rejects(
    { ...QWEN, hidden_act: "gelu" },
    `m/config.json: field 'hidden_act' is "gelu", which qwen2 models here do not support (supported: silu, swish)`,
  );
});

Deno.test("rope inverse frequencies: plain, linear and llama3 match hand-computed values", () => {
  assert.deepEqual(ropeInvFreq(4, 10000), [1, 0.01]);
  assert.deepEqual(ropeInvFreq(4, 10000, { type: "linear", factor: 4 }), [0.25, 0.0025]);
  // headDim 8, θ 1e4: inv = 1, 0.1, 0.01, 0.001; wavelengths 2π/inv = 6.28, 62.8, 628.3, 6283.
  // llama3 (factor 8, low 1, high 4, original 1024): wavelength < 256 kept, > 1024 divided by
  // 8, and 628.3 blended with s = (1024/628.3 − 1)/(4 − 1) = 0.2099.
  const got = ropeInvFreq(8, 10000, {
    type: "llama3",
    factor: 8,
    lowFreqFactor: 1,
    highFreqFactor: 4,
    originalMaxPositions: 1024,
  });
  const s = (1024 / (2 * Math.PI / 0.01) - 1) / 3;
  const want = [1, 0.1, (1 - s) * 0.01 / 8 + s * 0.01, 0.001 / 8];
  assert.ok(Math.abs(s - 0.20991) < 1e-5, `${s}`);
  got.forEach((g, i) =>
    assert.ok(Math.abs(g - want[i]) <= 1e-15 * want[i] + 1e-18, `${i}: ${g} vs ${want[i]}`)
  );
  assert.ok(Math.abs(got[2] - 0.0030868) < 1e-7, `${got[2]}`);
});

Deno.test("rope_scaling is parsed (v4 and v5 layouts), written back, and unsupported types are rejected", () => {
  const lin = parseHfConfig({ ...LLAMA, rope_scaling: { type: "linear", factor: 2 } }, "c");
  assert.deepEqual(lin.ropeScaling, { type: "linear", factor: 2 });
  const l3 = {
    rope_type: "llama3",
    factor: 32,
    low_freq_factor: 1,
    high_freq_factor: 4,
    original_max_position_embeddings: 8192,
  };
  const v4 = parseHfConfig({ ...LLAMA, rope_theta: 500000, rope_scaling: l3 }, "c");
  const v5 = parseHfConfig({ ...LLAMA, rope_parameters: { ...l3, rope_theta: 500000 } }, "c");
  const want = {
    type: "llama3",
    factor: 32,
    lowFreqFactor: 1,
    highFreqFactor: 4,
    originalMaxPositions: 8192,
  };
  assert.deepEqual(v4.ropeScaling, want);
  assert.deepEqual(v5.ropeScaling, want);
  assert.equal(v5.ropeTheta, 500000);
  assert.deepEqual(configToHf(v4).rope_scaling, l3);
  assert.deepEqual(parseHfConfig(configToHf(v4), "c"), v4);
  assert.equal(
    parseHfConfig({ ...LLAMA, rope_scaling: { rope_type: "default" } }, "c").ropeScaling,
    undefined,
  );
  rejects(
    { ...LLAMA, rope_scaling: { rope_type: "yarn", factor: 4 } },
    `m/config.json: field 'rope_scaling' has rope_type "yarn", which is not supported (supported: default, linear, llama3)`,
  );
  rejects(
    { ...LLAMA, rope_scaling: { rope_type: "linear" } },
    "m/config.json: rope_scaling: field 'factor' must be a positive number, got undefined",
  );
});

Deno.test("qwen2 sliding-window attention is rejected unless the window covers every position", () => {
  rejects(
    { ...QWEN, use_sliding_window: true, sliding_window: 64 },
    "m/config.json: field 'use_sliding_window': true with 'sliding_window' 64 < 'max_position_embeddings' 128 is not supported (sliding-window attention)",
  );
  assert.equal(
    parseHfConfig({ ...QWEN, use_sliding_window: true, sliding_window: 128 }, "c").arch,
    "qwen2",
  );
  assert.equal(
    parseHfConfig({ ...QWEN, use_sliding_window: false, sliding_window: 4 }, "c").arch,
    "qwen2",
  );
});

Deno.test("the graph uses the scaled frequencies: linear ×2 at positions 0,2,4,6 equals plain RoPE at 0,1,2,3", async () => {
  const plain = randomPolicy(tinyConfig({ arch: "llama", qkvBias: false }), 3, 0.3);
  const run = async (cfg: typeof plain.cfg, pos: number[]) => {
    const session = await openSession(buildLogitsGraph(cfg));
    const t = pos.length, bias = new Float32Array(t * t);
    for (let i = 0; i < t; i++) for (let j = i + 1; j < t; j++) bias[i * t + j] = -1e9;
    const out = await session.run({
      ...plain.params,
      ids: { data: BigInt64Array.from([72n, 101n, 108n, 111n]), dims: [1, t] },
      positions: { data: BigInt64Array.from(pos.map(BigInt)), dims: [1, t] },
      bias: { data: bias, dims: [1, 1, t, t] },
    });
    return out.logits.data as Float32Array;
  };
  const linear = { ...plain.cfg, ropeScaling: { type: "linear" as const, factor: 2 } };
  const a = await run(plain.cfg, [0, 1, 2, 3]);
  assert.deepEqual(await run(linear, [0, 2, 4, 6]), a);
  assert.notDeepEqual(await run(linear, [0, 1, 2, 3]), a);
});

Deno.test("load → save keeps config.json fields we don't model and writes the saved torch_dtype", async () => {
  const dir = await Deno.makeTempDir();
  const p = randomPolicy(tinyConfig(), 5);
  for (const t of Object.values(p.params)) t.data = bf16ToF32(f32ToBf16(t.data as Float32Array));
  p.storage.dtypes = Object.fromEntries(Object.keys(p.params).map((k) => [k, "BF16" as const]));
  await savePolicy(p, `${dir}/a`);
  const orig = JSON.parse(await Deno.readTextFile(`${dir}/a/config.json`));
  assert.equal(orig.torch_dtype, "bfloat16");
  const extra = {
    ...orig,
    my_field: 7,
    architectures: ["MyQwen2ForCausalLM"],
    rope_scaling: { rope_type: "linear", factor: 2 },
    transformers_version: "4.46.0",
  };
  await Deno.writeTextFile(`${dir}/a/config.json`, JSON.stringify(extra));
  const q = await loadPolicy(`${dir}/a`);
  assert.deepEqual(q.cfg.ropeScaling, { type: "linear", factor: 2 });
  await savePolicy(q, `${dir}/b`);
  const saved = JSON.parse(await Deno.readTextFile(`${dir}/b/config.json`));
  assert.equal(saved.my_field, 7);
  assert.deepEqual(saved.architectures, ["MyQwen2ForCausalLM"]);
  assert.equal(saved.transformers_version, "4.46.0");
  assert.equal(saved.torch_dtype, "bfloat16");
  assert.deepEqual(saved, extra); // nothing else changed
  // Stored as F32 instead, the same config says float32.
  q.storage.dtypes = {};
  await savePolicy(q, `${dir}/c`);
  const c = JSON.parse(await Deno.readTextFile(`${dir}/c/config.json`));
  assert.deepEqual([c.torch_dtype, c.dtype, c.my_field], ["float32", "float32", 7]);
  await Deno.remove(dir, { recursive: true });
});
