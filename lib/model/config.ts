/**
 * Hugging Face `config.json` ⇄ one small typed {@link ModelConfig}, for the four decoder-only
 * families this toolkit trains (`llama`, `qwen2`, `qwen3`, `gpt2`), and the strict JSON field
 * readers that {@link ./generation_config.ts} shares.
 * Parsing is strict: an unknown `model_type` or a missing/ill-typed field is a {@link UserError}
 * naming the file and the field.
 *
 * @module
 */

import { UserError } from "../util/errors.ts";
import type { TransformerConfig } from "./transformer.ts";
import {
  asJsonObject,
  boolField,
  intField,
  type JsonObject,
  numberField,
  tokenIdField,
  tokenIdsField,
} from "./json_fields.ts";
import { parseRopeScaling, ropeScalingToHf } from "./rope.ts";

export type { TransformerConfig, UserError };
/** Supported model families (the HF `model_type`). */
export type Arch = "llama" | "qwen2" | "qwen3" | "gpt2";

/** Supported `model_type` values, as listed in error messages. */
export const SUPPORTED_ARCHS: readonly Arch[] = ["llama", "qwen2", "qwen3", "gpt2"];

/**
 * MLP activation, the one the graph computes for the family: `silu` (gated SwiGLU,
 * llama/qwen2/qwen3) or `gelu_new` (tanh-approximated GELU, gpt2).
 */
export type Activation = "silu" | "gelu_new";

/**
 * Everything the model needs to know, in one plain object: the graph's
 * {@link TransformerConfig} fields plus what HF configs say about activation and special
 * tokens. For `gpt2` (learned positions, no RoPE) `ropeTheta` is 0 and unused.
 */
export interface ModelConfig extends TransformerConfig {
  /** Model family. */
  arch: Arch;
  /** MLP activation. */
  activation: Activation;
  /** Beginning-of-sequence token, when the config names one. */
  bosTokenId?: number;
  /** End-of-sequence tokens (possibly empty). */
  eosTokenIds: number[];
  /** Padding token, when the config names one. */
  padTokenId?: number;
}

/**
 * The activations each family supports, by HF name → ours. Exact (erf) `gelu`, `relu`, … are
 * rejected: the graph computes SiLU for llama/qwen2/qwen3 and tanh-GELU for gpt2, and ORT's CPU
 * `Erf` has no float64 kernel for the reference checks.
 */
const ACTIVATIONS: Record<Arch, Record<string, Activation>> = {
  llama: { silu: "silu", swish: "silu" },
  qwen2: { silu: "silu", swish: "silu" },
  qwen3: { silu: "silu", swish: "silu" },
  gpt2: { gelu_new: "gelu_new", gelu_pytorch_tanh: "gelu_new" },
};

function activation(arch: Arch, name: unknown, key: string, file: string): Activation {
  const table = ACTIVATIONS[arch];
  if (typeof name === "string" && Object.hasOwn(table, name)) return table[name];
  throw new UserError(
    `${file}: field '${key}' is ${JSON.stringify(name)}, which ${arch} models here do not ` +
      `support (supported: ${Object.keys(table).join(", ")})`,
  );
}

function tokens(j: JsonObject, file: string) {
  return {
    bosTokenId: tokenIdField(j, "bos_token_id", file),
    eosTokenIds: tokenIdsField(j, "eos_token_id", file) ?? [],
    padTokenId: tokenIdField(j, "pad_token_id", file),
  };
}

/**
 * Refuses the bias flags the graph does not compute: llama's `attention_bias`/`mlp_bias` and
 * qwen3's `attention_bias` (which would also bias `o_proj`). Qwen2's q/k/v biases are always on.
 */
function checkBiasFlags(j: JsonObject, arch: "llama" | "qwen2" | "qwen3", file: string): void {
  const flags = arch === "llama"
    ? ["attention_bias", "mlp_bias"]
    : arch === "qwen3"
    ? ["attention_bias"]
    : [];
  for (const flag of flags) {
    if (j[flag] !== undefined && typeof j[flag] !== "boolean") {
      throw new UserError(
        `${file}: field '${flag}' must be true or false, got ${JSON.stringify(j[flag])}`,
      );
    }
    if (j[flag] === true) {
      throw new UserError(
        `${file}: field '${flag}': true is not supported (expected false)`,
      );
    }
  }
}

/**
 * Refuses sliding-window attention that would change the result: `use_sliding_window: true`
 * with a window shorter than `max_position_embeddings`, or (qwen3) a `layer_types` entry
 * other than `"full_attention"`. A window at least as long as the context is full attention.
 */
function checkSlidingWindow(j: JsonObject, maxPositions: number, file: string): void {
  if (j.use_sliding_window === true) {
    const window = intField(j, "sliding_window", file);
    if (window < maxPositions) {
      throw new UserError(
        `${file}: field 'use_sliding_window': true with 'sliding_window' ${window} < ` +
          `'max_position_embeddings' ${maxPositions} is not supported (sliding-window attention)`,
      );
    }
  }
  if (j.layer_types === undefined || j.layer_types === null) return;
  if (!Array.isArray(j.layer_types)) {
    throw new UserError(
      `${file}: field 'layer_types' must be a list of strings, got ${
        JSON.stringify(j.layer_types)
      }`,
    );
  }
  const bad = j.layer_types.findIndex((t) => t !== "full_attention");
  if (bad >= 0) {
    throw new UserError(
      `${file}: field 'layer_types'[${bad}] is ${JSON.stringify(j.layer_types[bad])}; only ` +
        `"full_attention" is supported (sliding-window attention is not)`,
    );
  }
}

/** RoPE rotates pairs of dimensions: `head_dim` must be even. */
function evenHeadDim(d: number, file: string): number {
  if (d % 2 !== 0) {
    throw new UserError(
      `${file}: field 'head_dim' is ${d}; rotary embeddings need an even head_dim`,
    );
  }
  return d;
}

function parseLlamaLike(
  j: JsonObject,
  arch: "llama" | "qwen2" | "qwen3",
  file: string,
): ModelConfig {
  checkBiasFlags(j, arch, file);
  const hidden = intField(j, "hidden_size", file),
    heads = intField(j, "num_attention_heads", file);
  const rope = (j.rope_parameters ?? {}) as JsonObject; // transformers v5 moves rope_theta here
  const maxPositions = intField(j, "max_position_embeddings", file);
  checkSlidingWindow(j, maxPositions, file);
  const ropeScaling = parseRopeScaling(j, file);
  // HF Qwen3Config defaults head_dim to 128; llama/qwen2 derive it from hidden / heads.
  const defaultHeadDim = arch === "qwen3" ? 128 : hidden % heads === 0 ? hidden / heads : undefined;
  const kvHeads = intField(j, "num_key_value_heads", file, heads);
  if (heads % kvHeads !== 0) {
    throw new UserError(
      `${file}: field 'num_attention_heads' (${heads}) must be a multiple of ` +
        `'num_key_value_heads' (${kvHeads})`,
    );
  }
  return {
    arch,
    vocabSize: intField(j, "vocab_size", file),
    hidden,
    layers: intField(j, "num_hidden_layers", file),
    heads,
    kvHeads,
    headDim: evenHeadDim(intField(j, "head_dim", file, defaultHeadDim), file),
    intermediate: intField(j, "intermediate_size", file),
    maxPositions,
    ropeTheta: numberField(
      j.rope_theta === undefined ? rope : j,
      "rope_theta",
      file,
      10000,
    ),
    normEps: numberField(j, "rms_norm_eps", file, 1e-6),
    qkvBias: arch === "qwen2",
    tieEmbeddings: boolField(j, "tie_word_embeddings", file, false),
    activation: activation(arch, j.hidden_act ?? "silu", "hidden_act", file),
    ...(ropeScaling ? { ropeScaling } : {}),
    ...tokens(j, file),
  };
}

function parseGpt2(j: JsonObject, file: string): ModelConfig {
  if (j.scale_attn_by_inverse_layer_idx === true) {
    throw new UserError(
      `${file}: field 'scale_attn_by_inverse_layer_idx': true is not supported (expected false)`,
    );
  }
  const hidden = intField(j, "n_embd", file), heads = intField(j, "n_head", file);
  if (hidden % heads !== 0) {
    throw new UserError(
      `${file}: field 'n_embd' (${hidden}) must be divisible by 'n_head' (${heads})`,
    );
  }
  return {
    arch: "gpt2",
    vocabSize: intField(j, "vocab_size", file),
    hidden,
    layers: intField(j, "n_layer", file),
    heads,
    kvHeads: heads,
    headDim: hidden / heads,
    intermediate: intField(j, "n_inner", file, 4 * hidden),
    maxPositions: intField(j, "n_positions", file),
    ropeTheta: 0,
    normEps: numberField(j, "layer_norm_epsilon", file, 1e-5),
    qkvBias: true,
    tieEmbeddings: boolField(j, "tie_word_embeddings", file, true),
    activation: activation(
      "gpt2",
      j.activation_function ?? "gelu_new",
      "activation_function",
      file,
    ),
    ...tokens(j, file),
  };
}

/**
 * Throws a {@link UserError} naming `file` and the field when a special token id
 * (`bos_token_id`, `eos_token_id`, `pad_token_id`) is outside the vocabulary
 * (`≥ vocabSize`): such an id has no embedding and can never be sampled.
 * (Used for `config.json` and, by the policy loader, for `generation_config.json`.)
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkTokenIds } from "./config.ts";
 * assert.throws(
 *   () => checkTokenIds({ eos_token_id: [2, 5000] }, 1024, "generation_config.json"),
 *   /'eos_token_id' is 5000, outside the vocabulary/,
 * );
 * ```
 */
export function checkTokenIds(
  ids: { bos_token_id?: number; eos_token_id?: number[]; pad_token_id?: number },
  vocabSize: number,
  file: string,
): void {
  for (const [key, v] of Object.entries(ids)) {
    const bad = (Array.isArray(v) ? v : v === undefined ? [] : [v]).find((x) => x >= vocabSize);
    if (bad !== undefined) {
      throw new UserError(
        `${file}: field '${key}' is ${bad}, outside the vocabulary (vocab_size ${vocabSize}: ` +
          `ids 0 to ${vocabSize - 1})`,
      );
    }
  }
}

/**
 * {@link checkTokenIds} for a parsed `config.json` (`file`): its BOS, EOS and pad ids must be
 * inside its `vocab_size`. Returns `cfg`.
 */
export function checkSpecialTokens(cfg: ModelConfig, file: string): ModelConfig {
  checkTokenIds(
    {
      bos_token_id: cfg.bosTokenId,
      eos_token_id: cfg.eosTokenIds,
      pad_token_id: cfg.padTokenId,
    },
    cfg.vocabSize,
    file,
  );
  return cfg;
}

/**
 * Parses the JSON of a `config.json` into a {@link ModelConfig}. (Special token ids are checked
 * against the vocabulary by the policy loader: {@link checkSpecialTokens}.)
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseHfConfig } from "./config.ts";
 * const cfg = parseHfConfig({ model_type: "gpt2", vocab_size: 256, n_embd: 64, n_layer: 2,
 *   n_head: 4, n_positions: 128 }, "config.json");
 * assert.deepEqual(cfg.intermediate, 256);
 * ```
 */
export function parseHfConfig(json: unknown, file: string): ModelConfig {
  const j = asJsonObject(json, file);
  const type = j.model_type;
  if (type === "llama" || type === "qwen2" || type === "qwen3") {
    return parseLlamaLike(j, type, file);
  }
  if (type === "gpt2") return parseGpt2(j, file);
  throw new UserError(
    `${file}: unsupported model_type ${JSON.stringify(type)} (supported: ${
      SUPPORTED_ARCHS.join(", ")
    })`,
  );
}

/** The HF model class written in `architectures` per family. */
const HF_ARCHITECTURES: Record<Arch, string> = {
  llama: "LlamaForCausalLM",
  qwen2: "Qwen2ForCausalLM",
  qwen3: "Qwen3ForCausalLM",
  gpt2: "GPT2LMHeadModel",
};

const idOrList = (ids: number[]) => (ids.length === 1 ? ids[0] : ids);

/**
 * Writes a {@link ModelConfig} back as a `config.json` object that HF transformers (v4 and v5)
 * and transformers.js accept. `dtype` is the weights' storage dtype name (default `float32`).
 */
export function configToHf(
  cfg: ModelConfig,
  dtype = "float32",
): Record<string, unknown> {
  const special = {
    ...(cfg.bosTokenId !== undefined ? { bos_token_id: cfg.bosTokenId } : {}),
    ...(cfg.eosTokenIds.length > 0 ? { eos_token_id: idOrList(cfg.eosTokenIds) } : {}),
    ...(cfg.padTokenId !== undefined ? { pad_token_id: cfg.padTokenId } : {}),
  };
  const common = { torch_dtype: dtype, dtype, use_cache: true, ...special };
  if (cfg.arch === "gpt2") {
    return {
      architectures: ["GPT2LMHeadModel"],
      model_type: "gpt2",
      vocab_size: cfg.vocabSize,
      n_embd: cfg.hidden,
      n_layer: cfg.layers,
      n_head: cfg.heads,
      n_inner: cfg.intermediate,
      n_positions: cfg.maxPositions,
      n_ctx: cfg.maxPositions,
      layer_norm_epsilon: cfg.normEps,
      activation_function: cfg.activation,
      tie_word_embeddings: cfg.tieEmbeddings,
      resid_pdrop: 0,
      embd_pdrop: 0,
      attn_pdrop: 0,
      ...common,
    };
  }
  return {
    architectures: [HF_ARCHITECTURES[cfg.arch]],
    model_type: cfg.arch,
    vocab_size: cfg.vocabSize,
    hidden_size: cfg.hidden,
    num_hidden_layers: cfg.layers,
    num_attention_heads: cfg.heads,
    num_key_value_heads: cfg.kvHeads,
    head_dim: cfg.headDim,
    intermediate_size: cfg.intermediate,
    max_position_embeddings: cfg.maxPositions,
    rope_theta: cfg.ropeTheta,
    ...(cfg.ropeScaling ? { rope_scaling: ropeScalingToHf(cfg.ropeScaling) } : {}),
    rms_norm_eps: cfg.normEps,
    hidden_act: cfg.activation,
    tie_word_embeddings: cfg.tieEmbeddings,
    attention_dropout: 0,
    ...(cfg.arch === "llama" ? { attention_bias: false, mlp_bias: false } : {}),
    ...(cfg.arch === "qwen3" ? { attention_bias: false, use_sliding_window: false } : {}),
    ...common,
  };
}
