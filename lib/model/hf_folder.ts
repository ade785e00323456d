/**
 * The files of a Hugging Face model folder, read and written: weights as one
 * `model.safetensors` or as shards `model-0000i-of-0000n.safetensors` listed in
 * `model.safetensors.index.json`, plus `config.json` and `generation_config.json`.
 * Every write is atomic (temporary file + rename). The model graph lives elsewhere.
 *
 * @module
 */

import { UserError } from "../util/errors.ts";
import {
  type Activation,
  type Arch,
  configToHf,
  type ModelConfig,
  parseHfConfig,
  type TransformerConfig,
} from "./config.ts";
import { type GenerationConfig, parseGenerationConfig } from "./generation_config.ts";
import {
  loadSafetensors,
  type LoadSafetensorsOptions,
  type NamedTensor,
  type SafetensorsDtype,
  tensorByteLength,
  type TensorMap,
} from "./safetensors.ts";
import { saveSafetensors, writeFileAtomic } from "./safetensors_write.ts";

export type {
  Activation,
  Arch,
  GenerationConfig,
  ModelConfig,
  NamedTensor,
  SafetensorsDtype,
  TensorMap,
  TransformerConfig,
};

/** Name of a single-file checkpoint. */
export const WEIGHTS_FILE = "model.safetensors";
/** Name of the index of a sharded checkpoint. */
export const WEIGHTS_INDEX_FILE = "model.safetensors.index.json";
/** Default largest shard, as HF `save_pretrained` (5 GB). */
export const DEFAULT_MAX_SHARD_BYTES = 5_000_000_000;

const join = (dir: string, name: string) => `${dir.replace(/\/+$/, "")}/${name}`;

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return false;
    throw new UserError(`${path}: cannot read (${(err as Error).message})`, {
      cause: err,
    });
  }
}

/** Reads and parses a JSON file; a missing file or bad JSON is a {@link UserError} naming it. */
export async function readJsonFile(path: string): Promise<unknown> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) {
      throw new UserError(`${path}: file not found`, { cause: err });
    }
    throw new UserError(`${path}: cannot read (${(err as Error).message})`, {
      cause: err,
    });
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new UserError(`${path}: invalid JSON (${(err as Error).message})`, {
      cause: err,
    });
  }
}

/** Writes `value` as indented JSON (trailing newline), atomically. */
export async function writeJsonFile(
  path: string,
  value: unknown,
): Promise<void> {
  await writeFileAtomic(
    path,
    new TextEncoder().encode(JSON.stringify(value, null, 2) + "\n"),
  );
}

/** Reads `dir/config.json` into a {@link ModelConfig}. */
export async function readHfConfig(dir: string): Promise<ModelConfig> {
  const path = join(dir, "config.json");
  return parseHfConfig(await readJsonFile(path), path);
}

/**
 * Writes `dir/config.json` from a {@link ModelConfig} (see {@link configToHf}). With `base` (the
 * original `config.json` of a loaded checkpoint), our fields are merged over it, so fields this
 * toolkit does not model (and the original `architectures`) are kept.
 */
export async function writeHfConfig(
  dir: string,
  cfg: ModelConfig,
  dtype = "float32",
  base?: Record<string, unknown>,
): Promise<void> {
  const ours = configToHf(cfg, dtype);
  const merged = base
    ? { ...base, ...ours, architectures: base.architectures ?? ours.architectures }
    : ours;
  await writeJsonFile(join(dir, "config.json"), merged);
}

/** HF `torch_dtype` names of the safetensors floating dtypes. */
export const TORCH_DTYPES: Record<string, string> = {
  F32: "float32",
  F16: "float16",
  BF16: "bfloat16",
};

/**
 * Where each tensor of a folder's checkpoint is stored, for error messages: the single
 * `model.safetensors`, or per tensor its shard (the index file for names it does not list).
 */
export async function weightFiles(
  dir: string,
): Promise<{ file: string | ((tensor: string) => string); summary: string }> {
  const single = join(dir, WEIGHTS_FILE);
  if (await exists(single)) return { file: single, summary: single };
  const indexPath = join(dir, WEIGHTS_INDEX_FILE);
  const { weightMap } = await readShardIndex(dir);
  return {
    file: (name) => (weightMap[name] ? join(dir, weightMap[name]) : indexPath),
    summary: indexPath,
  };
}

/** Reads `dir/generation_config.json`, or returns `undefined` when the folder has none. */
export async function readGenerationConfig(
  dir: string,
): Promise<GenerationConfig | undefined> {
  const path = join(dir, "generation_config.json");
  if (!(await exists(path))) return undefined;
  return parseGenerationConfig(await readJsonFile(path), path);
}

/** Writes `dir/generation_config.json` from a {@link GenerationConfig} (HF field names). */
export async function writeGenerationConfig(
  dir: string,
  gen: GenerationConfig,
): Promise<void> {
  const eos = gen.eosTokenIds;
  const hf: Record<string, unknown> = {
    bos_token_id: gen.bosTokenId,
    eos_token_id: eos && (eos.length === 1 ? eos[0] : eos),
    pad_token_id: gen.padTokenId,
    do_sample: gen.doSample,
    temperature: gen.temperature,
    top_p: gen.topP,
    top_k: gen.topK,
    max_new_tokens: gen.maxNewTokens,
    repetition_penalty: gen.repetitionPenalty,
  };
  for (const k of Object.keys(hf)) if (hf[k] === undefined) delete hf[k];
  await writeJsonFile(join(dir, "generation_config.json"), hf);
}

/** The parsed index of a sharded checkpoint: tensor name → shard file name. */
export interface ShardIndex {
  /** Tensor name → shard file (relative to the folder). */
  weightMap: Record<string, string>;
  /** Sum of the tensors' stored bytes, as HF writes it. */
  totalSize?: number;
}

/** Reads and checks `model.safetensors.index.json` (every shard it names must exist). */
export async function readShardIndex(dir: string): Promise<ShardIndex> {
  const path = join(dir, WEIGHTS_INDEX_FILE);
  const json = await readJsonFile(path) as {
    weight_map?: unknown;
    metadata?: { total_size?: unknown };
  };
  const map = json?.weight_map;
  if (map === null || typeof map !== "object" || Array.isArray(map)) {
    throw new UserError(
      `${path}: field 'weight_map' must be an object {tensor name: shard file}`,
    );
  }
  for (const [name, file] of Object.entries(map)) {
    if (typeof file !== "string" || file.includes("/") || file.includes("\\")) {
      throw new UserError(
        `${path}: weight_map['${name}'] must be a file name in the folder, got ${
          JSON.stringify(file)
        }`,
      );
    }
  }
  for (const file of new Set(Object.values(map as Record<string, string>))) {
    if (!(await exists(join(dir, file)))) {
      throw new UserError(`${path}: references missing shard '${file}'`);
    }
  }
  const total = json.metadata?.total_size;
  return {
    weightMap: { ...(map as Record<string, string>) },
    ...(typeof total === "number" ? { totalSize: total } : {}),
  };
}

/**
 * Loads every tensor of a folder's checkpoint: sharded (index + shards, one shard in memory at
 * a time) or single-file. Floating tensors become fp32 and keep their stored dtype (`keepHalf`:
 * F16/BF16 tensors stay 16-bit patterns).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { loadHfWeights } from "./hf_folder.ts";
 * const tensors = await loadHfWeights(new URL("../../data/default-model/", import.meta.url).pathname);
 * assert.ok(Object.keys(tensors).length > 0);
 * ```
 */
export async function loadHfWeights(
  dir: string,
  opts: LoadSafetensorsOptions = {},
): Promise<TensorMap> {
  if (await exists(join(dir, WEIGHTS_FILE))) {
    return (await loadSafetensors(join(dir, WEIGHTS_FILE), opts)).tensors;
  }
  if (!(await exists(join(dir, WEIGHTS_INDEX_FILE)))) {
    throw new UserError(
      `${dir}: no ${WEIGHTS_FILE} or ${WEIGHTS_INDEX_FILE} in the folder`,
    );
  }
  const index = await readShardIndex(dir);
  const tensors: TensorMap = {};
  const where: Record<string, string> = {};
  for (const file of [...new Set(Object.values(index.weightMap))].sort()) {
    const shard = (await loadSafetensors(join(dir, file), opts)).tensors;
    for (const [name, t] of Object.entries(shard)) {
      if (name in tensors) {
        throw new UserError(
          `${join(dir, file)}: tensor '${name}' is also in shard '${where[name]}'`,
        );
      }
      tensors[name] = t;
      where[name] = file;
    }
  }
  for (const [name, file] of Object.entries(index.weightMap)) {
    if (where[name] !== file) {
      throw new UserError(
        `${join(dir, WEIGHTS_INDEX_FILE)}: tensor '${name}' is listed in shard '${file}' but ${
          where[name] ? `found in '${where[name]}'` : "not found there"
        }`,
      );
    }
  }
  return tensors;
}

/** Options of {@link saveHfWeights}. */
export interface SaveWeightsOptions {
  /** Largest shard in bytes; a checkpoint that fits is written as one `model.safetensors`. */
  maxShardBytes?: number;
  /** String metadata for every file (default `{format: "pt"}`, as HF writes). */
  metadata?: Record<string, string>;
}

/**
 * Splits tensor names into shards of at most `maxShardBytes` (a tensor larger than that gets a
 * shard of its own), in name order, filling each shard greedily. Deterministic.
 */
export function planShards(
  tensors: TensorMap,
  maxShardBytes: number,
): string[][] {
  if (!(maxShardBytes > 0)) {
    throw new UserError(
      `saveHfWeights: maxShardBytes must be a positive number, got ${maxShardBytes}`,
    );
  }
  const shards: string[][] = [];
  let current: string[] = [], size = 0;
  for (const name of Object.keys(tensors).sort()) {
    const bytes = tensorByteLength(tensors[name]);
    if (current.length > 0 && size + bytes > maxShardBytes) {
      shards.push(current);
      (current = []), (size = 0);
    }
    current.push(name);
    size += bytes;
  }
  if (current.length > 0 || shards.length === 0) shards.push(current);
  return shards;
}

/**
 * Saves a checkpoint into `dir` (created if needed): one `model.safetensors` when it fits in
 * `maxShardBytes`, else shards plus `model.safetensors.index.json` (written last). Weight files
 * of an earlier save in the same folder that the new layout does not use are removed.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { saveHfWeights } from "./hf_folder.ts";
 * const dir = await Deno.makeTempDir(); // e.g. out/ckpt
 * await saveHfWeights(dir, {
 *   "model.norm.weight": { dtype: "F32", shape: [2], data: new Float32Array([1, 1]) },
 * }, { maxShardBytes: 2_000_000_000 });
 * assert.ok((await Deno.stat(`${dir}/model.safetensors`)).isFile); // one shard: no index file
 * ```
 */
export async function saveHfWeights(
  dir: string,
  tensors: TensorMap,
  opts: SaveWeightsOptions = {},
): Promise<void> {
  const metadata = opts.metadata ?? { format: "pt" };
  const shards = planShards(
    tensors,
    opts.maxShardBytes ?? DEFAULT_MAX_SHARD_BYTES,
  );
  await Deno.mkdir(dir, { recursive: true });
  const old = await oldWeightFiles(dir);
  const written: string[] = [];
  if (shards.length === 1) {
    await saveSafetensors(join(dir, WEIGHTS_FILE), tensors, metadata);
    written.push(WEIGHTS_FILE);
  } else {
    const pad = (i: number) => String(i).padStart(5, "0");
    const weightMap: Record<string, string> = {};
    for (const [i, names] of shards.entries()) {
      const file = `model-${pad(i + 1)}-of-${pad(shards.length)}.safetensors`;
      await saveSafetensors(
        join(dir, file),
        Object.fromEntries(names.map((n) => [n, tensors[n]])),
        metadata,
      );
      for (const n of names) weightMap[n] = file;
      written.push(file);
    }
    const totalSize = Object.values(tensors).reduce(
      (s, t) => s + tensorByteLength(t),
      0,
    );
    const sortedMap = Object.fromEntries(
      Object.keys(weightMap).sort().map((n) => [n, weightMap[n]]),
    );
    await writeJsonFile(join(dir, WEIGHTS_INDEX_FILE), {
      metadata: { total_size: totalSize },
      weight_map: sortedMap,
    });
    written.push(WEIGHTS_INDEX_FILE);
  }
  for (const file of old) {
    if (!written.includes(file)) {
      await Deno.remove(join(dir, file)).catch(() => {});
    }
  }
}

/** Weight files already in `dir` (single file, index, and shard names), to clean up after a save. */
async function oldWeightFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for await (const e of Deno.readDir(dir)) {
    if (
      e.isFile &&
      /^model(-\d{5}-of-\d{5})?\.safetensors(\.index\.json)?$/.test(e.name)
    ) out.push(e.name);
  }
  return out;
}
