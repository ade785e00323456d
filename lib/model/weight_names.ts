/**
 * Checkpoint tensor names ⇄ the graph's parameters: the HF names and shapes a config expects
 * (gpt2's optional `transformer.` prefix included) and the checks that give one clear
 * {@link UserError} per missing, unexpected, misshapen or non-floating tensor.
 *
 * @module
 */

import { UserError } from "../util/errors.ts";
import { paramShapes } from "./params.ts";
import type { ModelConfig } from "./config.ts";

/** Prefix that HF `GPT2LMHeadModel.save_pretrained` puts before gpt2 body weight names. */
export const GPT2_PREFIX = "transformer.";

/**
 * HF parameter names and shapes for a config: the transformer graph's own names
 * ({@link paramShapes}: HF `Linear` weights `[out, in]`, gpt2 `Conv1D` weights `[in, out]`),
 * with gpt2 body names prefixed by `gpt2Prefix`: `""` (the graph and the original openai
 * checkpoints, the default) or `"transformer."` (what HF `save_pretrained` writes).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseHfConfig } from "./config.ts";
 * import { expectedParamShapes } from "./weight_names.ts";
 * const cfg = parseHfConfig({ model_type: "gpt2", vocab_size: 256, n_embd: 64, n_layer: 1,
 *   n_head: 4, n_positions: 128 }, "config.json");
 * assert.deepEqual(expectedParamShapes(cfg)["h.0.attn.c_attn.weight"], [64, 192]);
 * assert.deepEqual(expectedParamShapes(cfg, "transformer.")["transformer.wte.weight"], [256, 64]);
 * ```
 */
export function expectedParamShapes(
  cfg: ModelConfig,
  gpt2Prefix = "",
): Record<string, number[]> {
  const shapes = paramShapes(cfg);
  if (cfg.arch !== "gpt2" || gpt2Prefix === "") return shapes;
  return Object.fromEntries(
    Object.entries(shapes).map((
      [n, s],
    ) => [n === "lm_head.weight" ? n : gpt2Prefix + n, s]),
  );
}

/**
 * Renames checkpoint tensors to the graph's names: strips gpt2's `"transformer."` prefix when
 * the checkpoint uses it (other archs and unprefixed gpt2 names are returned as they are).
 */
export function toGraphNames<T>(
  cfg: ModelConfig,
  tensors: Record<string, T>,
): Record<string, T> {
  if (weightPrefix(cfg, Object.keys(tensors)) === "") return tensors;
  return Object.fromEntries(
    Object.entries(tensors).map((
      [n, t],
    ) => [n.startsWith(GPT2_PREFIX) ? n.slice(GPT2_PREFIX.length) : n, t]),
  );
}

/** Buffers some checkpoints carry that are not parameters (causal masks, RoPE tables). */
const IGNORED = /(^|\.)attn\.(masked_)?bias$|\.rotary_emb\.inv_freq$/;

/**
 * The gpt2 prefix a set of tensor names uses: `"transformer."` when any name starts with it,
 * else `""`. Always `""` for llama/qwen2/qwen3.
 */
export function weightPrefix(
  cfg: ModelConfig,
  names: Iterable<string>,
): string {
  if (cfg.arch !== "gpt2") return "";
  for (const n of names) if (n.startsWith(GPT2_PREFIX)) return GPT2_PREFIX;
  return "";
}

/** Where a tensor is stored: one file for all, or a function of the tensor's name (shards). */
export type WeightFile = string | ((tensor: string) => string);

/** Storage dtypes a parameter may have (they load as fp32). */
const FLOAT_DTYPES = ["F32", "F16", "BF16"];

/**
 * Compares checkpoint tensors with {@link expectedParamShapes}: one {@link UserError} per
 * problem (missing name, unexpected name, wrong shape, non-floating dtype), each naming the
 * file (`file`, or `file(name)` for sharded checkpoints), the tensor and the expected/actual
 * shape or dtype. Mask buffers (`attn.bias`, `attn.masked_bias`, `rotary_emb.inv_freq`) and a
 * redundant `lm_head.weight` of the right shape in a tied model are accepted.
 * An empty list means the weights fit.
 */
export function checkWeights(
  cfg: ModelConfig,
  tensors: Record<string, { shape: readonly number[]; dtype?: string }>,
  file: WeightFile,
): UserError[] {
  const expected = expectedParamShapes(
    cfg,
    weightPrefix(cfg, Object.keys(tensors)),
  );
  const where = typeof file === "string" ? () => file : file;
  const errors: UserError[] = [];
  const fmt = (s: readonly number[]) => `[${s.join(", ")}]`;
  for (const [name, shape] of Object.entries(expected)) {
    const t = tensors[name];
    if (!t) {
      errors.push(
        new UserError(
          `${where(name)}: missing tensor '${name}' (expected shape ${fmt(shape)})`,
        ),
      );
    } else if (
      t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])
    ) {
      errors.push(
        new UserError(
          `${where(name)}: tensor '${name}' has shape ${fmt(t.shape)}, expected ${fmt(shape)}`,
        ),
      );
    } else if (t.dtype !== undefined && !FLOAT_DTYPES.includes(t.dtype)) {
      errors.push(
        new UserError(
          `${where(name)}: tensor '${name}' has dtype ${t.dtype}, expected a floating dtype (${
            FLOAT_DTYPES.join(", ")
          })`,
        ),
      );
    }
  }
  for (const [name, t] of Object.entries(tensors)) {
    if (name in expected || IGNORED.test(name)) continue;
    const redundantHead = cfg.tieEmbeddings && name === "lm_head.weight" &&
      fmt(t.shape) === fmt([cfg.vocabSize, cfg.hidden]);
    if (!redundantHead) {
      errors.push(
        new UserError(
          `${where(name)}: unexpected tensor '${name}' with shape ${fmt(t.shape)}`,
        ),
      );
    }
  }
  return errors;
}

/**
 * Throws one {@link UserError} listing every problem {@link checkWeights} finds (if any); the
 * summary line names `summary` (default: `file` when it is a string).
 */
export function assertWeights(
  cfg: ModelConfig,
  tensors: Record<string, { shape: readonly number[]; dtype?: string }>,
  file: WeightFile,
  summary = typeof file === "string" ? file : "weights",
): void {
  const errors = checkWeights(cfg, tensors, file);
  if (errors.length === 1) throw errors[0];
  if (errors.length > 1) {
    throw new UserError(
      `${summary}: ${errors.length} problems with the weights:\n` +
        errors.map((e) => `  ${e.message}`).join("\n"),
    );
  }
}
