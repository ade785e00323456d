/**
 * Hugging Face `config.json` ⇄ one small typed {@link ModelConfig}, for the three decoder-only
 * families this toolkit trains (`llama`, `qwen2`, `gpt2`), and the strict JSON field readers that
 * {@link ./generation_config.ts} shares.
 * Parsing is strict: an unknown `model_type` or a missing/ill-typed field is a {@link UserError}
 * naming the file and the field.
 *
 * @module
 */

import { UserError } from "../util/errors.ts";
import { paramShapes } from "./params.ts";
import type { TransformerConfig } from "./transformer.ts";

export type { TransformerConfig, UserError };
/** Supported model families (the HF `model_type`). */
export type Arch = "llama" | "qwen2" | "gpt2";

/** Supported `model_type` values, as listed in error messages. */
export const SUPPORTED_ARCHS: readonly Arch[] = ["llama", "qwen2", "gpt2"];

/** MLP activation: `silu` (gated, llama/qwen2), `gelu_new` (tanh approximation, gpt2), `gelu`, `relu`. */
export type Activation = "silu" | "gelu_new" | "gelu" | "relu";

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

/** A parsed JSON object (a config file's top level). */
export type JsonObject = Record<string, unknown>;

/** Checks that parsed JSON is an object (not null, an array or a scalar); throws naming `file`. */
export function asJsonObject(json: unknown, file: string): JsonObject {
  if (json === null || typeof json !== "object" || Array.isArray(json)) {
    throw new UserError(`${file}: expected a JSON object`);
  }
  return json as JsonObject;
}

/** Reads a field that must be a positive integer (or `fallback` when absent and one is given). */
export function intField(j: JsonObject, key: string, file: string, fallback?: number): number {
  const v = j[key] ?? fallback;
  if (!Number.isSafeInteger(v) || (v as number) <= 0) {
    throw new UserError(
      `${file}: field '${key}' must be a positive integer, got ${JSON.stringify(j[key])}`,
    );
  }
  return v as number;
}

/** Reads a field that must be a finite positive number (or `fallback` when absent). */
export function numberField(j: JsonObject, key: string, file: string, fallback: number): number {
  const v = j[key] ?? fallback;
  if (typeof v !== "number" || !Number.isFinite(v) || v <= 0) {
    throw new UserError(
      `${file}: field '${key}' must be a positive number, got ${JSON.stringify(j[key])}`,
    );
  }
  return v;
}

/** Reads a field that must be `true` or `false` (or `fallback` when absent). */
export function boolField(j: JsonObject, key: string, file: string, fallback: boolean): boolean {
  const v = j[key] ?? fallback;
  if (typeof v !== "boolean") {
    throw new UserError(
      `${file}: field '${key}' must be true or false, got ${JSON.stringify(v)}`,
    );
  }
  return v;
}

/** Reads an optional token id (an integer >= 0); `undefined` when absent or null. */
export function tokenIdField(j: JsonObject, key: string, file: string): number | undefined {
  const v = j[key];
  if (v === undefined || v === null) return undefined;
  if (!Number.isSafeInteger(v) || (v as number) < 0) {
    throw new UserError(
      `${file}: field '${key}' must be a token id (integer >= 0), got ${JSON.stringify(v)}`,
    );
  }
  return v as number;
}

/** Reads an optional token id or list of them as a list; `undefined` when absent or null. */
export function tokenIdsField(j: JsonObject, key: string, file: string): number[] | undefined {
  const v = j[key];
  if (v === undefined || v === null) return undefined;
  const list = Array.isArray(v) ? v : [v];
  if (!list.every((x) => Number.isSafeInteger(x) && x >= 0)) {
    throw new UserError(
      `${file}: field '${key}' must be a token id or a list of them, got ${JSON.stringify(v)}`,
    );
  }
  return list as number[];
}

function activation(name: unknown, key: string, file: string): Activation {
  if (name === "gelu_pytorch_tanh") return "gelu_new"; // same function
  if (
    name === "silu" || name === "gelu_new" || name === "gelu" || name === "relu"
  ) return name;
  throw new UserError(
    `${file}: field '${key}' must be one of silu, gelu_new, gelu_pytorch_tanh, gelu, relu; got ${
      JSON.stringify(name)
    }`,
  );
}

function tokens(j: JsonObject, file: string) {
  return {
    bosTokenId: tokenIdField(j, "bos_token_id", file),
    eosTokenIds: tokenIdsField(j, "eos_token_id", file) ?? [],
    padTokenId: tokenIdField(j, "pad_token_id", file),
  };
}

function parseLlamaLike(
  j: JsonObject,
  arch: "llama" | "qwen2",
  file: string,
): ModelConfig {
  for (const flag of ["attention_bias", "mlp_bias"]) {
    if (arch === "llama" && j[flag] === true) {
      throw new UserError(
        `${file}: field '${flag}': true is not supported (expected false)`,
      );
    }
  }
  const hidden = intField(j, "hidden_size", file),
    heads = intField(j, "num_attention_heads", file);
  const rope = (j.rope_parameters ?? {}) as JsonObject; // transformers v5 moves rope_theta here
  return {
    arch,
    vocabSize: intField(j, "vocab_size", file),
    hidden,
    layers: intField(j, "num_hidden_layers", file),
    heads,
    kvHeads: intField(j, "num_key_value_heads", file, heads),
    headDim: intField(
      j,
      "head_dim",
      file,
      hidden % heads === 0 ? hidden / heads : undefined,
    ),
    intermediate: intField(j, "intermediate_size", file),
    maxPositions: intField(j, "max_position_embeddings", file),
    ropeTheta: numberField(
      j.rope_theta === undefined ? rope : j,
      "rope_theta",
      file,
      10000,
    ),
    normEps: numberField(j, "rms_norm_eps", file, 1e-6),
    qkvBias: arch === "qwen2",
    tieEmbeddings: boolField(j, "tie_word_embeddings", file, false),
    activation: activation(j.hidden_act ?? "silu", "hidden_act", file),
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
      j.activation_function ?? "gelu_new",
      "activation_function",
      file,
    ),
    ...tokens(j, file),
  };
}

/**
 * Parses the JSON of a `config.json` into a {@link ModelConfig}.
 *
 * @example
 * ```ts
 * import { parseHfConfig } from "./config.ts";
 * const cfg = parseHfConfig({ model_type: "gpt2", vocab_size: 256, n_embd: 64, n_layer: 2,
 *   n_head: 4, n_positions: 128 }, "config.json");
 * cfg.intermediate; // 256
 * ```
 */
export function parseHfConfig(json: unknown, file: string): ModelConfig {
  const j = asJsonObject(json, file);
  const type = j.model_type;
  if (type === "llama" || type === "qwen2") {
    return parseLlamaLike(j, type, file);
  }
  if (type === "gpt2") return parseGpt2(j, file);
  throw new UserError(
    `${file}: unsupported model_type ${JSON.stringify(type)} (supported: ${
      SUPPORTED_ARCHS.join(", ")
    })`,
  );
}

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
    architectures: [
      cfg.arch === "llama" ? "LlamaForCausalLM" : "Qwen2ForCausalLM",
    ],
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
    rms_norm_eps: cfg.normEps,
    hidden_act: cfg.activation,
    tie_word_embeddings: cfg.tieEmbeddings,
    attention_dropout: 0,
    ...(cfg.arch === "llama" ? { attention_bias: false, mlp_bias: false } : {}),
    ...common,
  };
}

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
 * import { expectedParamShapes, parseHfConfig } from "./config.ts";
 * const cfg = parseHfConfig({ model_type: "gpt2", vocab_size: 256, n_embd: 64, n_layer: 1,
 *   n_head: 4, n_positions: 128 }, "config.json");
 * expectedParamShapes(cfg)["h.0.attn.c_attn.weight"]; // [64, 192]
 * expectedParamShapes(cfg, "transformer.")["transformer.wte.weight"]; // [256, 64]
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
 * else `""`. Always `""` for llama/qwen2.
 */
export function weightPrefix(
  cfg: ModelConfig,
  names: Iterable<string>,
): string {
  if (cfg.arch !== "gpt2") return "";
  for (const n of names) if (n.startsWith(GPT2_PREFIX)) return GPT2_PREFIX;
  return "";
}

/**
 * Compares checkpoint tensors with {@link expectedParamShapes}: one {@link UserError} per
 * problem (missing name, unexpected name, wrong shape), each naming `file`, the tensor and the
 * expected/actual shape. Mask buffers (`attn.bias`, `attn.masked_bias`, `rotary_emb.inv_freq`)
 * and a redundant `lm_head.weight` of the right shape in a tied model are accepted.
 * An empty list means the weights fit.
 */
export function checkWeights(
  cfg: ModelConfig,
  tensors: Record<string, { shape: readonly number[] }>,
  file: string,
): UserError[] {
  const expected = expectedParamShapes(
    cfg,
    weightPrefix(cfg, Object.keys(tensors)),
  );
  const errors: UserError[] = [];
  const fmt = (s: readonly number[]) => `[${s.join(", ")}]`;
  for (const [name, shape] of Object.entries(expected)) {
    const t = tensors[name];
    if (!t) {
      errors.push(
        new UserError(
          `${file}: missing tensor '${name}' (expected shape ${fmt(shape)})`,
        ),
      );
    } else if (
      t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])
    ) {
      errors.push(
        new UserError(
          `${file}: tensor '${name}' has shape ${fmt(t.shape)}, expected ${fmt(shape)}`,
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
          `${file}: unexpected tensor '${name}' with shape ${fmt(t.shape)}`,
        ),
      );
    }
  }
  return errors;
}

/** Throws one {@link UserError} listing every problem {@link checkWeights} finds (if any). */
export function assertWeights(
  cfg: ModelConfig,
  tensors: Record<string, { shape: readonly number[] }>,
  file: string,
): void {
  const errors = checkWeights(cfg, tensors, file);
  if (errors.length === 1) throw errors[0];
  if (errors.length > 1) {
    throw new UserError(
      `${file}: ${errors.length} problems with the weights:\n` +
        errors.map((e) => `  ${e.message}`).join("\n"),
    );
  }
}
