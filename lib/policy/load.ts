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
import type { Policy } from "./policy.ts";
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
}

/** A policy together with how it is stored on disk. */
export type StoredPolicy = Policy & { storage: StorageInfo };

/**
 * Loads a policy from a local Hugging Face folder. Besides the file checks, special token
 * ids (`config.json`, `generation_config.json`) must be inside the vocabulary and every weight
 * must be finite ({@link assertFiniteWeights}).
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
  opts: { ep?: ExecutionProvider } = {},
): Promise<StoredPolicy> {
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
  const raw = await loadHfWeights(dir);
  const where = await weightFiles(dir);
  assertWeights(cfg, raw, where.file, where.summary);
  assertFiniteWeights(raw, where.file);
  const prefix = weightPrefix(cfg, Object.keys(raw));
  const named = toGraphNames(cfg, raw);
  const params: ParamStore = {}, dtypes: Record<string, SafetensorsDtype> = {};
  for (const [name, dims] of Object.entries(paramShapes(cfg))) {
    const t = named[name];
    params[name] = { data: t.data as Float32Array, dims };
    dtypes[name] = t.dtype;
  }
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
  return {
    cfg,
    params,
    tokenizer,
    ep: opts.ep,
    ...(generation ? { generation } : {}),
    storage: { dtypes, prefix, files, config },
  };
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
    if (!(t.data instanceof Float32Array)) continue;
    const a = t.data;
    let bad = 0, first = -1;
    for (let i = 0; i < a.length; i++) {
      if (!Number.isFinite(a[i])) {
        if (first < 0) first = i;
        bad++;
      }
    }
    if (bad) {
      const where = typeof file === "string" ? file : file(name);
      throw new UserError(
        `${where}: tensor '${name}' has ${bad} non-finite value${bad > 1 ? "s" : ""} ` +
          `(first: ${a[first]} at index ${first}); the checkpoint is diverged or corrupted`,
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
      data: p.data as Float32Array,
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
