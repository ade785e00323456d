/**
 * Shared test fixtures: a tiny byte-level model configuration and random policies built on it.
 *
 * @module
 */

import type { HumanEvalProblem } from "../lib/envs/datasets.ts";
import type { ModelConfig } from "../lib/model/config.ts";
import { initParams } from "../lib/model/params.ts";
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
