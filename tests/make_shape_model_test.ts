// tools/make_shape_model.ts: the folders it writes load with our loader (shapes, dtypes, shards +
// index, a tokenizer covering every id), the named shapes are the real models' (parameter
// counts by hand), and the path of bench/scale.ts — 2 LoRA agents over one shared base, one
// MAGRPO step through the public step API — runs on the ~20M `tiny` shape.
import assert from "node:assert/strict";
import {
  makeShapeModel,
  SHAPES,
  shapeTensor,
  syntheticTokenizerSpec,
} from "../tools/make_shape_model.ts";
import { countParams } from "../lib/model/params.ts";
import { loadPolicy } from "../lib/policy/load.ts";
import { defineEnvironment } from "../lib/envs/define.ts";
import { validateConfig } from "../lib/rl/config.ts";
import { createStepContext } from "../lib/rl/step_context.ts";
import { initRunState } from "../lib/rl/run_state.ts";
import { magrpoStep } from "../lib/rl/step.ts";
import { UserError } from "../lib/util/errors.ts";

Deno.test("named shapes have the real models' parameter counts (by hand from their config.json)", () => {
  // Qwen2.5-0.5B: V·H + 24 · (q,k,v weights+biases, o, 2 norms, 3 MLP) + final norm = 0.49B.
  const [v, h, kv, i] = [151936, 896, 2 * 64, 4864];
  const qwen25 = v * h + 24 * (h * h + h + 2 * (kv * h + kv) + h * h + 2 * h + 3 * h * i) + h;
  assert.equal(countParams(SHAPES["qwen2.5-0.5b"]), qwen25);
  assert.equal(Math.round(qwen25 / 1e6), 494); // model card: 0.49B
  // Qwen3-1.7B: q 2048·2048, k,v 1024·2048 each, o, q/k norms [128], 3 MLP 2048·6144 = 1.72B.
  const [h3, i3] = [2048, 6144];
  const perLayer = 2 * h3 * h3 + 2 * 1024 * h3 + 2 * 128 + 2 * h3 + 3 * h3 * i3;
  const qwen3 = v * h3 + 28 * perLayer + h3;
  assert.equal(countParams(SHAPES["qwen3-1.7b"]), qwen3);
  assert.equal(Math.round((qwen3 - v * h3) / 1e8), 14); // model card: 1.4B non-embedding
  assert.ok(Math.abs(countParams(SHAPES.tiny) - 20e6) < 1e6);
});

Deno.test("synthetic tokenizer spec: exactly vocabSize ids, distinct merges; weights seeded per tensor", () => {
  for (const v of [260, 8192, 151936]) {
    const spec = syntheticTokenizerSpec(v);
    assert.equal(256 + spec.specialTokens.length + spec.merges.length, v);
    assert.equal(new Set(spec.merges.map(([a, b]) => `${a},${b}`)).size, spec.merges.length);
  }
  assert.throws(() => syntheticTokenizerSpec(100), UserError);
  const a = shapeTensor("model.layers.0.self_attn.q_proj.weight", 1000, 7, 0.02, 2);
  assert.deepEqual(a, shapeTensor("model.layers.0.self_attn.q_proj.weight", 1000, 7, 0.02, 2));
  assert.notDeepEqual(a, shapeTensor("model.layers.0.self_attn.q_proj.weight", 1000, 8, 0.02, 2));
  // Uniform in ±std·√3; o_proj scaled by 1/√(2·layers) = 1/2.
  const bound = 0.02 * Math.sqrt(3) + 1e-9;
  assert.ok(a.every((x) => Math.abs(x) <= bound));
  assert.ok(
    shapeTensor("model.layers.0.self_attn.o_proj.weight", 1000, 7, 0.02, 2).every((x) =>
      Math.abs(x) <= bound / 2
    ),
  );
  assert.ok(
    shapeTensor("model.layers.0.self_attn.q_proj.bias", 4, 7, 0.02, 2).every((x) => x === 0),
  );
});

Deno.test("a sharded BF16 qwen2 folder loads: shapes, dtypes, index, every id decodes", async () => {
  const dir = await Deno.makeTempDir({ prefix: "shape_model_" });
  try {
    const cfg = {
      ...SHAPES["qwen2.5-0.5b"],
      vocabSize: 1000,
      hidden: 64,
      layers: 2,
      heads: 4,
      kvHeads: 2,
      headDim: 16,
      intermediate: 96,
    };
    const r = await makeShapeModel(cfg, dir, {
      dtype: "bfloat16",
      seed: 1,
      maxShardBytes: 100_000,
    });
    assert.ok(
      r.files.length > 2 && r.files.includes("model.safetensors.index.json"),
      r.files.join(),
    );
    assert.equal(r.weightBytes, 2 * countParams(cfg));
    const p = await loadPolicy(dir);
    assert.equal(p.cfg.arch, "qwen2");
    assert.equal(p.tokenizer.vocabSize, 1000);
    assert.equal(p.storage.dtypes["model.layers.1.self_attn.q_proj.bias"], "BF16");
    assert.deepEqual(p.params["model.layers.1.mlp.down_proj.weight"].dims, [64, 96]);
    assert.equal(typeof p.tokenizer.decode(Array.from({ length: 1000 }, (_, k) => k)), "string");
    assert.equal(p.tokenizer.decode(p.tokenizer.encode("hello, shapes")), "hello, shapes");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("bench/scale.ts's path on the ~20M tiny shape: 2 LoRA agents, one shared base, one MAGRPO step", async () => {
  const dir = await Deno.makeTempDir({ prefix: "shape_tiny_" });
  try {
    await makeShapeModel(SHAPES.tiny, dir, { seed: 0 });
    const base = await loadPolicy(dir);
    const env = defineEnvironment({
      name: "scale",
      rows: [{ topic: "the sea" }],
      prompts: [(r) => `One line about ${r.topic}:`, (r) => `Another line about ${r.topic}:`],
      reward: ([a, b]) => ((a.length * 7 + b.length * 3) % 11) / 10,
    });
    const cfg = validateConfig(
      {
        agents: 2,
        groupSize: 2,
        steps: 1,
        finetune: "lora",
        lora: { r: 4, alpha: 8 },
        sampling: { maxNewTokens: 8 },
        optimizer: { lr: 1e-2 },
        model: dir,
      },
      "test",
    );
    const ctx = await createStepContext(cfg, { environment: env, policies: base });
    const run0 = initRunState(ctx);
    const { run, record } = await magrpoStep(run0, ctx);
    assert.ok(record.loss.every(Number.isFinite), JSON.stringify(record.loss));
    // Only adapters are trained: r·(in + out) per targeted projection, well under the base.
    const trainable = (i: number) =>
      Object.values(run.agents[i].params).reduce((n, t) => n + t.data.length, 0);
    assert.ok(trainable(0) > 0 && trainable(0) < countParams(SHAPES.tiny) / 10, `${trainable(0)}`);
    assert.ok(Object.keys(run.agents[0].params).every((n) => /lora_[AB]/.test(n)));
    // The rewards differed, so the adapters moved: B (zero at init) is no longer zero.
    assert.ok(record.advantage.absMean > 0);
    const b = run.agents[0].params["model.layers.0.self_attn.q_proj.lora_B.weight"]
      .data as Float32Array;
    assert.ok(b.some((x) => x !== 0));
    // Both agents read the one base: the same typed arrays, not copies.
    assert.equal(
      ctx.bases[0].params["model.embed_tokens.weight"].data,
      ctx.bases[1].params["model.embed_tokens.weight"].data,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
