/**
 * Writes a random-weight Hugging Face folder with the exact tensor shapes of a real model
 * (Qwen2.5-0.5B, Qwen3-1.7B) or of a small custom one, for benchmarks and tests at real size
 * without downloading anything: `config.json`, `generation_config.json`, weights as one
 * `model.safetensors` or as shards + `model.safetensors.index.json` (HF's layout, written shard
 * by shard so memory stays at about one shard), and a byte-level BPE tokenizer whose synthetic
 * merges fill the whole vocabulary (so every id the model can sample decodes).
 *
 * Weights are seeded: tensor `name` is drawn from its own stream (`makeShapeWeights`), uniform
 * with standard deviation `std` (default 0.02; output projections `o_proj`/`down_proj` scaled by
 * 1/√(2·layers) as in GPT-2), norm weights 1, biases 0. Small weights keep the logits near zero:
 * sampling is close to uniform and finite.
 *
 * Run: `deno run -A tools/make_shape_model.ts --shape qwen2.5-0.5b --dtype float32 --out DIR`
 * (`--shape qwen3-1.7b|tiny`, `--dtype float32|bfloat16|float16`, `--seed N`, `--std S`,
 * `--max-shard-mb N` (default 2000), and overrides `--hidden --layers --heads --kv-heads
 * --head-dim --intermediate --vocab`). Write under /tmp or another git-ignored path.
 *
 * The shapes were checked against the published `config.json` files: Qwen/Qwen2.5-0.5B (qwen2,
 * hidden 896, 24 layers, 14 heads / 2 KV heads, head_dim 64, intermediate 4864, vocab 151936,
 * tied, q/k/v bias, rope_theta 1e6) and Qwen/Qwen3-1.7B (qwen3, hidden 2048, 28 layers, 16 / 8
 * heads, head_dim 128, intermediate 6144, vocab 151936, tied, q_norm/k_norm, rope_theta 1e6).
 * Token ids differ from the real tokenizer's (EOS is id 256 here, 151643 there).
 *
 * @module
 */
import { parseArgs } from "node:util";
import { configToHf, type ModelConfig, parseHfConfig } from "../lib/model/config.ts";
import { countParams, paramShapes } from "../lib/model/params.ts";
import { saveSafetensors } from "../lib/model/safetensors_write.ts";
import {
  type SafetensorsDtype,
  tensorByteLength,
  type TensorMap,
} from "../lib/model/safetensors.ts";
import { planShards, writeJsonFile } from "../lib/model/hf_folder.ts";
import { type ByteBpeSpec, saveByteBpeTokenizer } from "../lib/policy/byte_tokenizer.ts";
import { makeRng } from "../lib/util/rng.ts";
import { UserError } from "../lib/util/errors.ts";

/** Special tokens of the synthetic tokenizer (ids 256…259). */
const SPECIALS = ["<|endoftext|>", "<|im_start|>", "<|im_end|>", "<|pad|>"];

const base = {
  maxPositions: 32768,
  ropeTheta: 1e6,
  normEps: 1e-6,
  tieEmbeddings: true,
  activation: "silu" as const,
  bosTokenId: undefined,
  eosTokenIds: [256],
  padTokenId: 259,
};

/**
 * The named shapes: the real models' configs (special token ids aside) and `tiny`, a ~20M
 * qwen3 (vocab 8192) for CI.
 */
export const SHAPES: Record<string, ModelConfig> = {
  "qwen2.5-0.5b": {
    ...base,
    arch: "qwen2",
    vocabSize: 151936,
    hidden: 896,
    layers: 24,
    heads: 14,
    kvHeads: 2,
    headDim: 64,
    intermediate: 4864,
    qkvBias: true,
  },
  "qwen3-1.7b": {
    ...base,
    arch: "qwen3",
    maxPositions: 40960,
    vocabSize: 151936,
    hidden: 2048,
    layers: 28,
    heads: 16,
    kvHeads: 8,
    headDim: 128,
    intermediate: 6144,
    qkvBias: false,
  },
  tiny: {
    ...base,
    arch: "qwen3",
    vocabSize: 8192,
    hidden: 384,
    layers: 8,
    heads: 6,
    kvHeads: 2,
    headDim: 64,
    intermediate: 1536,
    qkvBias: false,
  },
};

/** Storage dtype names (HF `torch_dtype`) → safetensors dtypes. */
const DTYPES: Record<string, SafetensorsDtype> = {
  float32: "F32",
  bfloat16: "BF16",
  float16: "F16",
};

/**
 * A tokenizer spec with exactly `vocabSize` ids: the 256 bytes, {@link SPECIALS}, then merges
 * of every byte pair (65,536 two-byte tokens) and, as far as needed, of two-byte tokens with
 * a byte (three-byte tokens). Every merge makes a new string, so ids are dense.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { syntheticTokenizerSpec } from "./make_shape_model.ts";
 * assert.equal(syntheticTokenizerSpec(300).merges.length, 300 - 256 - 4);
 * ```
 */
export function syntheticTokenizerSpec(vocabSize: number): ByteBpeSpec {
  const first = 256 + SPECIALS.length, want = vocabSize - first;
  if (want < 0 || want > 65536 * 257) {
    throw new UserError(
      `make_shape_model: vocab ${vocabSize} must be between ${first} and ${first + 65536 * 257}`,
    );
  }
  const merges: Array<[number, number]> = [];
  for (let a = 0; a < 256 && merges.length < want; a++) {
    for (let b = 0; b < 256 && merges.length < want; b++) merges.push([a, b]);
  }
  for (let pair = 0; merges.length < want; pair++) {
    for (let c = 0; c < 256 && merges.length < want; c++) merges.push([first + pair, c]);
  }
  return {
    specialTokens: SPECIALS,
    merges,
    eosToken: SPECIALS[0],
    padToken: SPECIALS[3],
  };
}

/**
 * The values of one tensor: norm weights 1, biases 0, other weights uniform in ±std·√3
 * (standard deviation `std`, scaled by 1/√(2·layers) for `o_proj`/`down_proj`), from a
 * mulberry32 stream seeded by `makeRng(`shape/${seed}/${name}`)` — independent of the order in
 * which tensors are made.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { shapeTensor } from "./make_shape_model.ts";
 * const w = shapeTensor("model.layers.0.mlp.up_proj.weight", 10000, 0, 0.02, 24);
 * const sd = Math.sqrt(w.reduce((s, x) => s + x * x, 0) / w.length);
 * assert.ok(Math.abs(sd - 0.02) < 0.001);
 * assert.deepEqual(shapeTensor("model.norm.weight", 3, 0, 0.02, 24), new Float32Array([1, 1, 1]));
 * ```
 */
export function shapeTensor(
  name: string,
  size: number,
  seed: number,
  std: number,
  layers: number,
): Float32Array {
  const out = new Float32Array(size);
  if (name.endsWith(".bias")) return out;
  if (/norm/.test(name)) return out.fill(1);
  const sd = /o_proj|down_proj/.test(name) ? std / Math.sqrt(2 * layers) : std;
  const half = sd * Math.sqrt(3);
  let s = Math.floor(makeRng(`shape/${seed}/${name}`).next() * 2 ** 32) >>> 0;
  for (let i = 0; i < size; i++) {
    // mulberry32
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    const u = ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    out[i] = (2 * u - 1) * half;
  }
  return out;
}

/** Options of {@link makeShapeModel}. */
export interface ShapeModelOptions {
  /** Storage dtype (default `float32`). */
  dtype?: "float32" | "bfloat16" | "float16";
  /** Seed of the weights (default 0). */
  seed?: number;
  /** Weight standard deviation (default 0.02). */
  std?: number;
  /** Largest shard in bytes (default 2,000 MB); a model that fits is one `model.safetensors`. */
  maxShardBytes?: number;
}

/**
 * Writes the folder of `cfg` into `dir` (created). Returns the parameter count, the bytes
 * written for the weights and the weight files.
 *
 * @example
 * ```ts ignore
 * import { makeShapeModel, SHAPES } from "./make_shape_model.ts";
 * await makeShapeModel(SHAPES["qwen3-1.7b"], "/tmp/shapes/qwen3-1.7b", { dtype: "bfloat16" });
 * // config.json, generation_config.json, tokenizer files, 2 shards + model.safetensors.index.json
 * ```
 */
export async function makeShapeModel(
  cfg: ModelConfig,
  dir: string,
  opts: ShapeModelOptions = {},
): Promise<{ params: number; weightBytes: number; files: string[] }> {
  const dtypeName = opts.dtype ?? "float32", dtype = DTYPES[dtypeName];
  if (!dtype) {
    throw new UserError(
      `make_shape_model: --dtype must be one of ${Object.keys(DTYPES).join(", ")}`,
    );
  }
  const seed = opts.seed ?? 0, std = opts.std ?? 0.02;
  await Deno.mkdir(dir, { recursive: true });
  const hf = {
    ...configToHf(cfg, dtypeName),
    ...(cfg.arch === "gpt2"
      ? {}
      : { use_sliding_window: false, sliding_window: null, max_window_layers: cfg.layers }),
  };
  const sorted = (o: object) => JSON.stringify(o, Object.keys(o).sort());
  if (sorted(parseHfConfig(hf, "config.json")) !== sorted(cfg)) {
    throw new Error("make_shape_model: config.json does not parse back to the same config");
  }
  await writeJsonFile(`${dir}/config.json`, hf);
  await writeJsonFile(`${dir}/generation_config.json`, {
    eos_token_id: [256, 258],
    pad_token_id: 259,
    do_sample: true,
    temperature: 1.0,
  });
  await saveByteBpeTokenizer(dir, syntheticTokenizerSpec(cfg.vocabSize));
  // Plan shards on shapes alone, then make and write one shard at a time.
  const shapes = paramShapes(cfg);
  const plan: TensorMap = {};
  for (const [n, shape] of Object.entries(shapes)) {
    plan[n] = { dtype, shape, data: new Float32Array(0) };
  }
  const shards = planShards(plan, opts.maxShardBytes ?? 2_000_000_000);
  const pad = (i: number) => String(i).padStart(5, "0");
  const files: string[] = [], weightMap: Record<string, string> = {};
  let weightBytes = 0;
  for (const [i, names] of shards.entries()) {
    const file = shards.length === 1
      ? "model.safetensors"
      : `model-${pad(i + 1)}-of-${pad(shards.length)}.safetensors`;
    const tensors: TensorMap = {};
    for (const n of names) {
      const size = shapes[n].reduce((a, b) => a * b, 1);
      tensors[n] = { dtype, shape: shapes[n], data: shapeTensor(n, size, seed, std, cfg.layers) };
      weightBytes += tensorByteLength(tensors[n]);
      weightMap[n] = file;
    }
    await saveSafetensors(`${dir}/${file}`, tensors, { format: "pt" });
    files.push(file);
  }
  if (shards.length > 1) {
    await writeJsonFile(`${dir}/model.safetensors.index.json`, {
      metadata: { total_size: weightBytes },
      weight_map: Object.fromEntries(Object.keys(weightMap).sort().map((n) => [n, weightMap[n]])),
    });
    files.push("model.safetensors.index.json");
  }
  return { params: countParams(cfg), weightBytes, files };
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      shape: { type: "string", default: "tiny" },
      dtype: { type: "string", default: "float32" },
      out: { type: "string" },
      seed: { type: "string", default: "0" },
      std: { type: "string", default: "0.02" },
      "max-shard-mb": { type: "string", default: "2000" },
      hidden: { type: "string" },
      layers: { type: "string" },
      heads: { type: "string" },
      "kv-heads": { type: "string" },
      "head-dim": { type: "string" },
      intermediate: { type: "string" },
      vocab: { type: "string" },
    },
  });
  try {
    const shape = SHAPES[values.shape!];
    if (!shape) {
      throw new UserError(
        `--shape must be one of ${Object.keys(SHAPES).join(", ")}, got ${values.shape}`,
      );
    }
    if (!values.out) {
      throw new UserError("--out DIR is required (a folder under /tmp or git-ignored)");
    }
    const num = (v: string | undefined, what: string) => {
      if (v === undefined) return undefined;
      const x = Number(v);
      if (!Number.isInteger(x) || x <= 0) {
        throw new UserError(`--${what} must be a positive integer, got ${v}`);
      }
      return x;
    };
    const over: Partial<ModelConfig> = {};
    for (
      const [flag, key] of [
        ["hidden", "hidden"],
        ["layers", "layers"],
        ["heads", "heads"],
        ["kv-heads", "kvHeads"],
        ["head-dim", "headDim"],
        ["intermediate", "intermediate"],
        ["vocab", "vocabSize"],
      ] as const
    ) {
      const x = num(values[flag], flag);
      if (x !== undefined) over[key] = x;
    }
    const cfg: ModelConfig = { ...shape, ...over };
    const t0 = performance.now();
    const r = await makeShapeModel(cfg, values.out, {
      dtype: values.dtype as ShapeModelOptions["dtype"],
      seed: Number(values.seed),
      std: Number(values.std),
      maxShardBytes: Number(values["max-shard-mb"]) * 1e6,
    });
    console.log(
      `${values.out}: ${cfg.arch} ${(r.params / 1e6).toFixed(1)}M parameters, ${values.dtype}, ` +
        `${(r.weightBytes / 1e9).toFixed(2)} GB in ${r.files.join(", ")} (${
          ((performance.now() - t0) / 1000).toFixed(1)
        } s)`,
    );
  } catch (err) {
    if (err instanceof UserError) {
      console.error(`error: ${err.message}`);
      Deno.exit(2);
    }
    throw err;
  }
}
