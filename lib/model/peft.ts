/**
 * LoRA adapters in PEFT's folder layout, so that `PeftModel.from_pretrained(base, dir)` loads
 * ours and we load theirs: `adapter_config.json` (PEFT's `LoraConfig` fields) and
 * `adapter_model.safetensors` whose keys are the module names under PEFT's wrapper prefix,
 * without the adapter name: `base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight`.
 *
 * Loading accepts what this toolkit can run (LoRA on q/k/v/o/gate/up/down of every layer, one
 * rank, no bias, no DoRA) and refuses the rest with a message naming the file and the field.
 *
 * @module
 */
import type { TransformerConfig } from "./transformer.ts";
import {
  checkLoraParams,
  LORA_TARGETS,
  type LoraAdapter,
  type LoraConfig,
  loraModule,
  withLoraConfig,
} from "./lora.ts";
import { loadSafetensors, type TensorMap } from "./safetensors.ts";
import { saveSafetensors } from "./safetensors_write.ts";
import { readJsonFile, writeJsonFile } from "./hf_folder.ts";
import { asJsonObject, type JsonObject } from "./json_fields.ts";
import type { ParamStore } from "../engine/param_types.ts";
import { UserError } from "../util/errors.ts";

/** The prefix PEFT's `PeftModelForCausalLM` puts before the base model's module names. */
export const PEFT_PREFIX = "base_model.model.";
/** The adapter's config file. */
export const ADAPTER_CONFIG_FILE = "adapter_config.json";
/** The adapter's weights file. */
export const ADAPTER_WEIGHTS_FILE = "adapter_model.safetensors";

/**
 * The `adapter_config.json` object of an adapter: PEFT's `LoraConfig` fields (keys sorted as
 * PEFT writes them), inference mode, no dropout, no bias.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { peftConfigJson } from "./peft.ts";
 * const j = peftConfigJson({ r: 8, alpha: 16, targets: ["v_proj", "q_proj"] }, "Qwen/Qwen3-1.7B");
 * assert.equal(j.peft_type, "LORA");
 * assert.equal(j.lora_alpha, 16);
 * assert.deepEqual(j.target_modules, ["q_proj", "v_proj"]);
 * ```
 */
export function peftConfigJson(config: LoraConfig, basePath?: string): JsonObject {
  const j: JsonObject = {
    alpha_pattern: {},
    auto_mapping: null,
    base_model_name_or_path: basePath ?? null,
    bias: "none",
    fan_in_fan_out: false,
    inference_mode: true,
    init_lora_weights: true,
    layers_pattern: null,
    layers_to_transform: null,
    lora_alpha: config.alpha,
    lora_dropout: 0,
    modules_to_save: null,
    peft_type: "LORA",
    r: config.r,
    rank_pattern: {},
    revision: null,
    target_modules: LORA_TARGETS.filter((t) => config.targets.includes(t)),
    task_type: "CAUSAL_LM",
    use_dora: false,
    use_rslora: config.rslora ?? false,
  };
  return j;
}

/**
 * Writes `policy.adapter` as a PEFT folder: `adapter_config.json` and
 * `adapter_model.safetensors` (F32, PEFT key names, `{"format": "pt"}` metadata). The base's
 * path (`base_model_name_or_path`) is `opts.basePath`, else the adapter's own.
 *
 * @example
 * ```ts ignore
 * import { saveAdapter } from "./peft.ts";
 * declare const agent: import("../policy/policy.ts").Policy; // with an adapter
 * await saveAdapter("out/agent0", agent, { basePath: "data/default-model" });
 * // Python: PeftModel.from_pretrained(AutoModelForCausalLM.from_pretrained(base), "out/agent0")
 * ```
 */
export async function saveAdapter(
  dir: string,
  policy: { cfg: TransformerConfig; adapter?: LoraAdapter },
  opts: { basePath?: string } = {},
): Promise<void> {
  const adapter = policy.adapter;
  if (!adapter) {
    throw new UserError(`saveAdapter(${dir}): the policy has no LoRA adapter (use savePolicy)`);
  }
  const cfg = withLoraConfig(policy.cfg, adapter.config);
  checkLoraParams(cfg, adapter.params, `saveAdapter(${dir})`);
  const tensors: TensorMap = {};
  for (const [name, t] of Object.entries(adapter.params)) {
    tensors[PEFT_PREFIX + name] = {
      dtype: "F32",
      shape: t.dims,
      data: t.data instanceof Float32Array ? t.data : Float32Array.from(t.data as Float64Array),
    };
  }
  await Deno.mkdir(dir, { recursive: true });
  await saveSafetensors(`${dir}/${ADAPTER_WEIGHTS_FILE}`, tensors, { format: "pt" });
  await writeJsonFile(
    `${dir}/${ADAPTER_CONFIG_FILE}`,
    peftConfigJson(adapter.config, opts.basePath ?? adapter.basePath),
  );
}

/** True when `v` is absent, null, false, an empty list/object or an empty string. */
function unset(v: unknown): boolean {
  if (v === undefined || v === null || v === false || v === "") return true;
  if (Array.isArray(v)) return v.length === 0;
  return typeof v === "object" && Object.keys(v as object).length === 0;
}

/** Refuses the PEFT options this toolkit cannot run (`file` names the config in messages). */
function checkSupported(j: JsonObject, file: string): void {
  const type = j.peft_type;
  if (type !== "LORA") {
    throw new UserError(
      `${file}: peft_type is ${JSON.stringify(type)}; only "LORA" adapters are supported`,
    );
  }
  if ((j.bias ?? "none") !== "none") {
    throw new UserError(`${file}: bias is ${JSON.stringify(j.bias)}; only "none" is supported`);
  }
  const off: [string, string][] = [
    ["use_dora", "DoRA adapters"],
    ["lora_bias", "LoRA biases (lora_bias)"],
    ["fan_in_fan_out", "fan_in_fan_out (Conv1D weights)"],
    ["use_qalora", "QALoRA"],
    ["layers_to_transform", "adapters on some layers only (layers_to_transform)"],
    ["rank_pattern", "per-module ranks (rank_pattern)"],
    ["alpha_pattern", "per-module alphas (alpha_pattern)"],
    ["modules_to_save", "fully trained extra modules (modules_to_save)"],
    ["exclude_modules", "exclude_modules"],
    ["layer_replication", "layer_replication"],
    ["target_parameters", "target_parameters"],
    ["trainable_token_indices", "trainable_token_indices"],
  ];
  for (const [key, what] of off) {
    if (!unset(j[key])) {
      throw new UserError(
        `${file}: ${key} is ${JSON.stringify(j[key])}; ${what} are not supported`,
      );
    }
  }
  const task = j.task_type;
  if (task !== undefined && task !== null && task !== "CAUSAL_LM") {
    throw new UserError(`${file}: task_type is ${JSON.stringify(task)}; expected "CAUSAL_LM"`);
  }
}

/**
 * The targets of `target_modules`: a list of module names (each must be one of
 * {@link LORA_TARGETS}), `"all-linear"` (all of them; the LM head is never targeted), or a
 * regular expression fully matched against module paths, which must select a target in every
 * layer or in none.
 */
function parseTargets(v: unknown, layers: number, file: string): string[] {
  const list = LORA_TARGETS as readonly string[];
  if (Array.isArray(v)) {
    const bad = v.filter((t) => typeof t !== "string" || !list.includes(t));
    if (bad.length || v.length === 0) {
      throw new UserError(
        `${file}: target_modules ${JSON.stringify(v)}: ` +
          (bad.length ? `${JSON.stringify(bad)} not supported; ` : "empty; ") +
          `expected some of ${list.join(", ")}`,
      );
    }
    return list.filter((t) => v.includes(t));
  }
  if (v === "all-linear") return [...list];
  if (typeof v !== "string") {
    throw new UserError(`${file}: target_modules must be a list of module names or a regex string`);
  }
  let re: RegExp;
  try {
    re = new RegExp(`^(?:${v})$`);
  } catch (err) {
    throw new UserError(`${file}: target_modules regex ${JSON.stringify(v)} is invalid`, {
      cause: err,
    });
  }
  const targets = list.filter((t) => {
    const hits = Array.from({ length: layers }, (_, i) => re.test(loraModule(i, t)));
    if (hits.some(Boolean) && !hits.every(Boolean)) {
      throw new UserError(
        `${file}: target_modules regex ${JSON.stringify(v)} selects ${t} in some layers only; ` +
          "adapters on some layers only are not supported",
      );
    }
    return hits[0];
  });
  if (targets.length === 0) {
    throw new UserError(
      `${file}: target_modules regex ${JSON.stringify(v)} selects none of ${list.join(", ")}`,
    );
  }
  return targets;
}

/** Layers named in the tensor keys (`model.layers.{i}.`), as a count (max index + 1). */
function layerCount(names: string[]): number {
  let n = 0;
  for (const k of names) {
    const m = /^model\.layers\.(\d+)\./.exec(k);
    if (m) n = Math.max(n, Number(m[1]) + 1);
  }
  return n;
}

/**
 * Reads a PEFT LoRA folder. With the base model's config `cfg`, every tensor is checked
 * against the base's projection shapes and layer count. Missing files, unsupported options
 * (bias, DoRA, per-layer or per-module patterns, …), unexpected keys and wrong shapes are
 * {@link UserError}s naming the file.
 *
 * @example
 * ```ts ignore
 * import { loadAdapter } from "./peft.ts";
 * declare const cfg: import("./transformer.ts").TransformerConfig; // the base model's
 * const adapter = await loadAdapter("out/agent0", cfg); // { config, params, basePath }
 * ```
 */
export async function loadAdapter(dir: string, cfg?: TransformerConfig): Promise<LoraAdapter> {
  const d = dir.replace(/\/+$/, "");
  const cfgFile = `${d}/${ADAPTER_CONFIG_FILE}`, wFile = `${d}/${ADAPTER_WEIGHTS_FILE}`;
  try {
    await Deno.stat(cfgFile);
  } catch {
    throw new UserError(
      `${d}: not a PEFT adapter folder (${ADAPTER_CONFIG_FILE} not found)`,
    );
  }
  const j = asJsonObject(await readJsonFile(cfgFile), cfgFile);
  checkSupported(j, cfgFile);
  try {
    await Deno.stat(wFile);
  } catch {
    const bin = await Deno.stat(`${d}/adapter_model.bin`).then(() => true, () => false);
    throw new UserError(
      `${wFile}: not found` +
        (bin ? " (adapter_model.bin is a pickle; re-save it with safe_serialization=True)" : ""),
    );
  }
  const raw = (await loadSafetensors(wFile)).tensors;
  const params: ParamStore = {};
  for (const [key, t] of Object.entries(raw)) {
    const name = key.startsWith(PEFT_PREFIX) ? key.slice(PEFT_PREFIX.length) : undefined;
    if (!name || !/\.lora_[AB]\.weight$/.test(name) || !(t.data instanceof Float32Array)) {
      throw new UserError(
        `${wFile}: unexpected tensor '${key}' (expected ` +
          `'${PEFT_PREFIX}model.layers.<i>.<self_attn|mlp>.<module>.lora_A|lora_B.weight', floating)`,
      );
    }
    params[name] = { data: t.data, dims: t.shape };
  }
  const r = j.r, alpha = j.lora_alpha ?? 8;
  if (typeof r !== "number" || !Number.isInteger(r) || r < 1) {
    throw new UserError(`${cfgFile}: r must be an integer ≥ 1, got ${JSON.stringify(r)}`);
  }
  if (typeof alpha !== "number") {
    throw new UserError(`${cfgFile}: lora_alpha must be a number, got ${JSON.stringify(alpha)}`);
  }
  const layers = cfg?.layers ?? layerCount(Object.keys(params));
  const config: LoraConfig = {
    r,
    alpha,
    targets: parseTargets(j.target_modules, layers, cfgFile),
    ...(j.use_rslora === true ? { rslora: true } : {}),
  };
  const basePath = typeof j.base_model_name_or_path === "string"
    ? j.base_model_name_or_path
    : undefined;
  const check: TransformerConfig = cfg ?? shapeFreeConfig(params, layers);
  checkLoraParams(withLoraConfig(check, config), params, wFile);
  return { config, params, ...(basePath ? { basePath } : {}) };
}

/**
 * A stand-in config whose projection sizes are read from the tensors themselves (loading
 * without the base): only names and ranks are then checked.
 */
function shapeFreeConfig(params: ParamStore, layers: number): TransformerConfig {
  const dim = (suffix: string, axis: number) => {
    const t = Object.entries(params).find(([k]) => k.endsWith(suffix))?.[1];
    return t?.dims[axis];
  };
  const h = dim("q_proj.lora_A.weight", 1) ?? dim("o_proj.lora_B.weight", 0) ??
    dim("gate_proj.lora_A.weight", 1) ?? dim("down_proj.lora_B.weight", 0) ??
    dim("k_proj.lora_A.weight", 1) ?? dim("v_proj.lora_A.weight", 1) ??
    dim("up_proj.lora_A.weight", 1) ?? 1;
  const q = dim("q_proj.lora_B.weight", 0) ?? dim("o_proj.lora_A.weight", 1) ?? h;
  const kv = dim("k_proj.lora_B.weight", 0) ?? dim("v_proj.lora_B.weight", 0) ?? q;
  const f = dim("gate_proj.lora_B.weight", 0) ?? dim("up_proj.lora_B.weight", 0) ??
    dim("down_proj.lora_A.weight", 1) ?? h;
  return {
    arch: "llama",
    vocabSize: 1,
    hidden: h,
    layers,
    heads: q,
    kvHeads: kv,
    headDim: 1,
    intermediate: f,
    maxPositions: 1,
    ropeTheta: 1,
    normEps: 1,
    qkvBias: false,
    tieEmbeddings: true,
  };
}
