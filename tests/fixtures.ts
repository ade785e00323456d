/**
 * Shared test fixtures: a tiny byte-level model configuration and random policies built on it,
 * smaller transformer configurations for gradient checks and parity tests, random tensors.
 *
 * @module
 */

import type { HumanEvalProblem } from "../lib/envs/datasets.ts";
import type { ModelConfig } from "../lib/model/config.ts";
import type { DType } from "../lib/engine/graph.ts";
import type { HostTensor } from "../lib/engine/runtime.ts";
import { LORA_TARGETS } from "../lib/model/lora.ts";
import { initParams, type ParamStore } from "../lib/model/params.ts";
import type { TransformerConfig } from "../lib/model/transformer.ts";
import { makeRng, randNormal } from "../lib/util/rng.ts";
import { byteLevelPolicy, savePolicy, type StoredPolicy } from "../lib/policy/load.ts";

/**
 * A tiny qwen2 model over the byte vocabulary (256 bytes + 2 specials, EOS 256), with
 * `overrides` applied on top; every call returns fresh objects.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { tinyConfig } from "./fixtures.ts";
 * assert.deepEqual(tinyConfig({ layers: 1 }).layers, 1);
 * assert.deepEqual(tinyConfig().intermediate, 64);
 * ```
 */
export function tinyConfig(overrides: Partial<ModelConfig> = {}): ModelConfig {
  return {
    arch: "qwen2",
    vocabSize: 258,
    hidden: 32,
    layers: 2,
    heads: 4,
    kvHeads: 2,
    headDim: 8,
    intermediate: 64,
    maxPositions: 256,
    ropeTheta: 10000,
    normEps: 1e-6,
    qkvBias: true,
    tieEmbeddings: false,
    activation: "silu",
    eosTokenIds: [256],
    ...overrides,
  };
}

/**
 * A byte-level policy with fresh random weights: `initParams(cfg, { seed, std })` (`std`
 * defaults to that of {@link initParams}, 0.02).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { randomPolicy, tinyConfig } from "./fixtures.ts";
 * const p = randomPolicy(tinyConfig(), 1, 0.3);
 * assert.deepEqual(p.cfg.vocabSize, 258);
 * ```
 */
export function randomPolicy(cfg: ModelConfig, seed: number, std?: number): StoredPolicy {
  return byteLevelPolicy(cfg, initParams(cfg, { seed, std }));
}

/** A one-layer llama-style config (tied head, no q/k/v bias) for fast end-to-end RL tests. */
export function tinyLlamaConfig(): ModelConfig {
  return tinyConfig({
    arch: "llama",
    layers: 1,
    heads: 2,
    kvHeads: 1,
    headDim: 16,
    qkvBias: false,
    tieEmbeddings: true,
  });
}

/** Every projection LoRA can adapt: the four attention and the three MLP ones. */
export const ALL_PROJECTIONS: string[] = [...LORA_TARGETS];

/**
 * A very small qwen2 transformer (vocabulary 13, hidden 8, two layers, four heads of size 2
 * over two kv heads) for float64 gradient checks and step comparisons, with `overrides`
 * applied; every call returns a fresh object.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { microConfig } from "./fixtures.ts";
 * assert.deepEqual([microConfig().hidden, microConfig({ vocabSize: 11 }).vocabSize], [8, 11]);
 * ```
 */
export function microConfig(overrides: Partial<TransformerConfig> = {}): TransformerConfig {
  return {
    arch: "qwen2",
    vocabSize: 13,
    hidden: 8,
    layers: 2,
    heads: 4,
    kvHeads: 2,
    headDim: 2,
    intermediate: 12,
    maxPositions: 64,
    ropeTheta: 10000,
    normEps: 1e-6,
    qkvBias: true,
    tieEmbeddings: false,
    ...overrides,
  };
}

/** The llama of the parity tests: heads·headDim = 24 ≠ hidden 16, so o_proj is not square. */
export const PARITY_LLAMA: TransformerConfig = {
  arch: "llama",
  vocabSize: 23,
  hidden: 16,
  layers: 2,
  heads: 4,
  kvHeads: 2,
  headDim: 6,
  intermediate: 24,
  maxPositions: 32,
  ropeTheta: 10000,
  normEps: 1e-5,
  qkvBias: false,
  tieEmbeddings: true,
};

/** The qwen2 of the parity tests: {@link PARITY_LLAMA} with q/k/v biases and an untied head. */
export const PARITY_QWEN2: TransformerConfig = {
  ...PARITY_LLAMA,
  arch: "qwen2",
  headDim: 4,
  ropeTheta: 1e6,
  normEps: 1e-6,
  qkvBias: true,
  tieEmbeddings: false,
};

/**
 * Random tensors of the given shapes, every entry N(0, std²) in order from seed `seed`, as
 * `F` arrays (default float64).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { randomStore } from "./fixtures.ts";
 * const s = randomStore({ a: [2, 3] }, "demo", 0.5);
 * assert.deepEqual([s.a.dims, s.a.data.length, s.a.data instanceof Float64Array], [[2, 3], 6, true]);
 * ```
 */
export function randomStore(
  shapes: Record<string, number[]>,
  seed: string,
  std: number,
  F: Float32ArrayConstructor | Float64ArrayConstructor = Float64Array,
): ParamStore {
  const rng = makeRng(seed), out: ParamStore = {};
  for (const [n, dims] of Object.entries(shapes)) {
    const data = new F(dims.reduce((a, b) => a * b, 1)).map(() => std * randNormal(rng));
    out[n] = { data, dims };
  }
  return out;
}

/** A float host tensor (usable both as an ORT feed and as a reference parameter). */
export type FloatTensor = { data: Float32Array | Float64Array; dims: number[] };

/**
 * Copies of the float64 tensors of `store` as `dtype` arrays (float32 rounds them; float64
 * copies them as they are).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { castFloat } from "./fixtures.ts";
 * const c = castFloat({ w: { data: Float64Array.of(0.1), dims: [1] } }, "float32");
 * assert.deepEqual([c.w.data instanceof Float32Array, c.w.data[0]], [true, Math.fround(0.1)]);
 * ```
 */
export function castFloat(
  store: Record<string, HostTensor>,
  dtype: DType,
): Record<string, FloatTensor> {
  return Object.fromEntries(
    Object.entries(store).map(([k, t]) => [k, {
      data: dtype === "float64"
        ? Float64Array.from(t.data as Float64Array)
        : Float32Array.from(t.data as Float64Array),
      dims: t.dims,
    }]),
  );
}

/** A small HumanEval-format problem (sum of squares, four asserts) for coding tests. */
export const SUM_SQ: HumanEvalProblem = {
  task_id: "demo/sum_sq",
  prompt:
    'from typing import List\n\n\ndef sum_sq(nums: List[int]) -> int:\n    """Sum of the squares."""\n',
  canonical_solution: "    return sum(x * x for x in nums)\n",
  test:
    "\n\ndef check(candidate):\n    assert candidate([1, 2]) == 5\n    assert candidate([]) == 0\n" +
    "    assert candidate([3]) == 9\n    assert candidate([-1, 1]) == 2\n",
  entry_point: "sum_sq",
};

/** Runs `tools/logits.ts --model dir --ids ids` in a subprocess; stdout and stderr as text. */
export async function runLogitsCli(
  dir: string,
  ids: string,
): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      new URL("../tools/logits.ts", import.meta.url).pathname,
      "--model",
      dir,
      "--ids",
      ids,
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = (b: Uint8Array) => new TextDecoder().decode(b);
  return { code: out.code, stdout: text(out.stdout), stderr: text(out.stderr) };
}

/**
 * A fresh temporary folder holding `model/`: {@link tinyLlamaConfig} with random weights
 * (seed 3, std 0.2) saved as a Hugging Face folder. Returns the temporary folder.
 */
export async function tinyModelFolder(prefix = "tiny_model_"): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix });
  await savePolicy(randomPolicy(tinyLlamaConfig(), 3, 0.2), `${dir}/model`);
  return dir;
}
