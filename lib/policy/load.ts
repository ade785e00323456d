/**
 * Policies from and to Hugging Face folders: `config.json`, `model.safetensors` (or shards +
 * index), tokenizer files and `generation_config.json`. Loading checks every file and gives one
 * clear error naming the file and the problem; saving writes the same layout (stored dtypes,
 * GPT-2 name prefix and side files kept), so a checkpoint round-trips and other tools read it.
 *
 * @module
 */
import {
  loadHfWeights,
  readGenerationConfig,
  readJsonFile,
  saveHfWeights,
  TORCH_DTYPES,
  weightFiles,
  writeHfConfig,
} from "../model/hf_folder.ts";
import {
  checkSpecialTokens,
  checkTokenIds,
  type ModelConfig,
  parseHfConfig,
} from "../model/config.ts";
import { assertWeights, toGraphNames, weightPrefix } from "../model/weight_names.ts";
import { asJsonObject, type JsonObject } from "../model/json_fields.ts";
import type { NamedTensor, SafetensorsDtype, TensorMap } from "../model/safetensors.ts";
import { paramShapes, type ParamStore } from "../model/params.ts";
import { checkVocab, loadTokenizer } from "./tokenizer.ts";
import { BYTE_TOKENIZER_SPEC, byteBpeToHf, byteTokenizer } from "./byte_tokenizer.ts";
import { type Policy, withAdapter } from "./policy.ts";
import {
  addHalfStats,
  halfBitsToF32,
  type HalfStats,
  noHalfLoss,
  toFloat16,
  widenFloat16,
} from "../model/half_base.ts";
import { loadAdapter } from "../model/peft.ts";
import type { ExecutionProvider } from "../engine/runtime.ts";
import { UserError } from "../util/errors.ts";

/** Files other than weights and config that a folder carries and that are copied verbatim. */
export const SIDE_FILES = [
  "tokenizer.json",
  "tokenizer_config.json",
  "special_tokens_map.json",
  "generation_config.json",
  "vocab.json",
  "merges.txt",
  "added_tokens.json",
  "chat_template.jinja",
];

/** How a loaded checkpoint was stored, so that saving reproduces it. */
export interface StorageInfo {
  /** Stored dtype per parameter (default F32). */
  dtypes: Record<string, SafetensorsDtype>;
  /** Name prefix used in the files (`"transformer."` for some GPT-2 checkpoints). */
  prefix: string;
  /** Side files (tokenizer, generation config) as bytes, by file name. */
  files: Record<string, Uint8Array>;
  /** The original `config.json` object; saving merges ours over it, keeping unknown fields. */
  config?: JsonObject;
  /** With `baseDtype: "float16"`: what rounding the stored weights to float16 did. */
  half?: HalfStats;
}

/** A policy together with how it is stored on disk. */
export type StoredPolicy = Policy & { storage: StorageInfo };

/**
 * Loads a policy from a local Hugging Face folder. Besides the file checks, special token
 * ids (`config.json`, `generation_config.json`) must be inside the vocabulary and every weight
 * must be finite ({@link assertFiniteWeights}). With `adapter` (a PEFT LoRA folder, see
 * `model/peft.ts`), the policy runs the base through that adapter (`policy.adapter`, with
 * `basePath` = `dir`). With `baseDtype: "float16"` the base weights stay float16 bit patterns
 * (half the memory; `cfg.baseDtype` is set, graphs widen them inside ORT, see
 * `model/half_base.ts`): for sampling, scoring and LoRA training, not full fine-tuning.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { loadPolicy } from "./load.ts";
 * const policy = await loadPolicy(new URL("../../data/default-model/", import.meta.url).pathname);
 * assert.equal(policy.cfg.vocabSize, policy.tokenizer.vocabSize);
 * ```
 */
export async function loadPolicy(
  dir: string,
  opts: { ep?: ExecutionProvider; adapter?: string; baseDtype?: "float32" | "float16" } = {},
): Promise<StoredPolicy> {
  const half = opts.baseDtype === "float16";
  if (opts.baseDtype !== undefined && !half && opts.baseDtype !== "float32") {
    throw new UserError(
      `loadPolicy: baseDtype must be "float32" or "float16", got ${JSON.stringify(opts.baseDtype)}`,
    );
  }
  try {
    const st = await Deno.stat(dir);
    if (!st.isDirectory) {
      throw new UserError(
        `${dir}: not a folder (expected a Hugging Face model folder)`,
      );
    }
  } catch (err) {
    if (err instanceof UserError) throw err;
    throw new UserError(`${dir}: model folder not found`);
  }
  const cfgPath = `${dir}/config.json`;
  const config = asJsonObject(await readJsonFile(cfgPath), cfgPath);
  const cfg = parseHfConfig(config, cfgPath);
  const raw = await loadHfWeights(dir, { keepHalf: half });
  const where = await weightFiles(dir);
  assertWeights(cfg, raw, where.file, where.summary);
  assertFiniteWeights(raw, where.file);
  const prefix = weightPrefix(cfg, Object.keys(raw));
  const named = toGraphNames(cfg, raw);
  const params: ParamStore = {}, dtypes: Record<string, SafetensorsDtype> = {};
  const halfStats = noHalfLoss();
  for (const [name, dims] of Object.entries(paramShapes(cfg))) {
    const t = named[name];
    dtypes[name] = t.dtype;
    if (!half) {
      params[name] = { data: t.data as Float32Array, dims };
      continue;
    }
    const { data, stats } = toFloat16(t, { inPlace: true }); // BF16: no second copy
    t.data = data; // drops the stored BF16/F32 array now, not after the loop (peak memory)
    if (stats.overflow) {
      throw new UserError(
        `${typeof where.file === "string" ? where.file : where.file(name)}: tensor '${name}' has ` +
          `${stats.overflow} value(s) beyond float16's range (|x| ≥ 65520); load it with ` +
          `baseDtype "float32"`,
      );
    }
    params[name] = { data, dims };
    addHalfStats(halfStats, stats);
  }
  if (half) cfg.baseDtype = "float16";
  const tokenizer = await loadTokenizer(dir);
  checkVocab(tokenizer, cfg, dir);
  checkSpecialTokens(cfg, cfgPath);
  const generation = await readGenerationConfig(dir);
  if (generation) {
    checkTokenIds(
      {
        bos_token_id: generation.bosTokenId,
        eos_token_id: generation.eosTokenIds,
        pad_token_id: generation.padTokenId,
      },
      cfg.vocabSize,
      `${dir.replace(/\/+$/, "")}/generation_config.json`,
    );
  }
  const files: Record<string, Uint8Array> = {};
  for (const f of SIDE_FILES) {
    try {
      files[f] = await Deno.readFile(`${dir}/${f}`);
    } catch { /* optional file */ }
  }
  const policy: StoredPolicy = {
    cfg,
    params,
    tokenizer,
    ep: opts.ep,
    ...(generation ? { generation } : {}),
    storage: { dtypes, prefix, files, config, ...(half ? { half: halfStats } : {}) },
  };
  if (!opts.adapter) return policy;
  const adapter = await loadAdapter(opts.adapter, cfg);
  return withAdapter(policy, { ...adapter, basePath: dir });
}

/**
 * Throws a {@link UserError} naming the file and the tensor when a floating weight is NaN or
 * ±Infinity (a diverged or corrupted checkpoint): such a model can only produce NaN logits.
 * `file` is the single weights file, or the shard of each tensor.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { assertFiniteWeights } from "./load.ts";
 * const weights = { w: { dtype: "F32" as const, shape: [2], data: new Float32Array([1, NaN]) } };
 * assert.throws(
 *   () => assertFiniteWeights(weights, "model.safetensors"),
 *   /model\.safetensors: tensor 'w' has 1 non-finite value/,
 * );
 * ```
 */
export function assertFiniteWeights(
  tensors: TensorMap,
  file: string | ((tensor: string) => string),
): void {
  for (const [name, t] of Object.entries(tensors)) {
    // 16-bit patterns (read with keepHalf): all exponent bits set is ±inf or NaN.
    const expBits = t.dtype === "BF16" ? 0x7f80 : 0x7c00;
    const a = t.data instanceof Uint16Array
      ? { length: t.data.length, bits: t.data }
      : t.data instanceof Float32Array
      ? { length: t.data.length, values: t.data }
      : undefined;
    if (!a) continue;
    const finite = (i: number) =>
      a.bits ? (a.bits[i] & expBits) !== expBits : Number.isFinite(a.values![i]);
    const shown = (i: number) =>
      a.bits ? halfBitsToF32(Uint16Array.of(a.bits[i]), t.dtype)[0] : a.values![i];
    let bad = 0, first = -1;
    for (let i = 0; i < a.length; i++) {
      if (!finite(i)) {
        if (first < 0) first = i;
        bad++;
      }
    }
    if (bad) {
      const where = typeof file === "string" ? file : file(name);
      throw new UserError(
        `${where}: tensor '${name}' has ${bad} non-finite value${bad > 1 ? "s" : ""} ` +
          `(first: ${shown(first)} at index ${first}); the checkpoint is diverged or corrupted`,
      );
    }
  }
}

/** Side files for the built-in byte tokenizer (for policies made from scratch). */
export function byteTokenizerFiles(): Record<string, Uint8Array> {
  const { tokenizer, tokenizerConfig } = byteBpeToHf(BYTE_TOKENIZER_SPEC);
  const enc = (x: unknown) => new TextEncoder().encode(JSON.stringify(x, null, 2) + "\n");
  return {
    "tokenizer.json": enc(tokenizer),
    "tokenizer_config.json": enc(tokenizerConfig),
  };
}

/**
 * Saves a policy as a Hugging Face folder. Without storage information (a policy made from
 * scratch), weights are stored as F32 and `files` must carry the tokenizer files (see
 * {@link byteTokenizerFiles}).
 */
export async function savePolicy(
  policy: Policy & { storage?: StorageInfo },
  dir: string,
  opts: { files?: Record<string, Uint8Array>; maxShardBytes?: number } = {},
): Promise<void> {
  if (policy.adapter) {
    throw new UserError(
      `savePolicy(${dir}): the policy has a LoRA adapter; save it with saveAdapter, or save ` +
        "mergeAdapter(policy) as a full model",
    );
  }
  const storage = policy.storage;
  const files = { ...storage?.files, ...opts.files };
  if (!files["tokenizer.json"]) {
    throw new UserError(
      `savePolicy(${dir}): no tokenizer files to write; pass opts.files (e.g. byteTokenizerFiles())`,
    );
  }
  const tensors: TensorMap = {};
  for (const [name, dims] of Object.entries(paramShapes(policy.cfg))) {
    const p = policy.params[name];
    if (!p) {
      throw new UserError(`savePolicy(${dir}): parameter '${name}' is missing`);
    }
    const t: NamedTensor = {
      dtype: storage?.dtypes[name] ?? "F32",
      shape: dims,
      // A float16 base (loaded with baseDtype "float16") is widened exactly for writing.
      data: p.data instanceof Uint16Array ? widenFloat16(p.data) : p.data as Float32Array,
    };
    tensors[(storage?.prefix ?? "") + name] = t;
  }
  await Deno.mkdir(dir, { recursive: true });
  await writeHfConfig(dir, policy.cfg, torchDtype(tensors), storage?.config);
  await saveHfWeights(dir, tensors, { maxShardBytes: opts.maxShardBytes });
  for (const [name, bytes] of Object.entries(files)) {
    const tmp = `${dir}/${name}.tmp-${Deno.pid}`;
    await Deno.writeFile(tmp, bytes);
    await Deno.rename(tmp, `${dir}/${name}`);
  }
}

/** The HF `torch_dtype` of a checkpoint: that of most of its values (`float32` when empty). */
export function torchDtype(tensors: TensorMap): string {
  const count: Record<string, number> = {};
  for (const t of Object.values(tensors)) {
    count[t.dtype] = (count[t.dtype] ?? 0) + t.shape.reduce((a, b) => a * b, 1);
  }
  const best = Object.entries(count).sort((a, b) => b[1] - a[1])[0]?.[0] ?? "F32";
  return TORCH_DTYPES[best] ?? "float32";
}

/** A fresh policy with random weights and the built-in byte tokenizer (tests, toy tasks). */
export function byteLevelPolicy(
  cfg: ModelConfig,
  params: ParamStore,
): StoredPolicy {
  return {
    cfg,
    params,
    tokenizer: byteTokenizer(),
    storage: { dtypes: {}, prefix: "", files: byteTokenizerFiles() },
  };
}
