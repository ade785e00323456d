/**
 * The model: transformer configuration (Hugging Face `config.json`), the decoder-only forward
 * graph, parameter names, shapes and initialization, safetensors and Hugging Face folders.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { countParams, paramShapes, parseHfConfig } from "./mod.ts";
 * const cfg = parseHfConfig({
 *   model_type: "llama", vocab_size: 16, hidden_size: 8, intermediate_size: 16,
 *   num_hidden_layers: 1, num_attention_heads: 2, max_position_embeddings: 32,
 * }, "config.json");
 * assert.deepEqual(paramShapes(cfg)["model.embed_tokens.weight"], [16, 8]);
 * assert.ok(countParams(cfg) > 0);
 * ```
 *
 * @module
 */

export { transformerForward } from "./transformer.ts";
export type {
  ForwardInputs,
  ForwardOutput,
  LayerCache,
  Params,
  TransformerConfig,
} from "./transformer.ts";
export { countParams, initParams, paramShapes } from "./params.ts";
export {
  checkLoraConfig,
  checkLoraParams,
  initLora,
  LORA_TARGETS,
  loraModule,
  loraScale,
  loraShapes,
  mergeLoraWeights,
  withLoraConfig,
  withoutLoraConfig,
} from "./lora.ts";
export type { LoraAdapter, LoraConfig, LoraGraphConfig, LoraTarget } from "./lora.ts";
export { declareModelInputs, modelInputShapes, trainableShapes } from "./inputs.ts";
export type { ModelInputOptions } from "./inputs.ts";
export {
  ADAPTER_CONFIG_FILE,
  ADAPTER_WEIGHTS_FILE,
  loadAdapter,
  PEFT_PREFIX,
  peftConfigJson,
  saveAdapter,
} from "./peft.ts";
export type { ParamStore } from "./params.ts";
export {
  loadSafetensors,
  readSafetensorsHeader,
  SAFETENSORS_DTYPES,
  tensorByteLength,
} from "./safetensors.ts";
export type {
  HeaderEntry,
  LoadSafetensorsOptions,
  NamedTensor,
  SafetensorsContents,
  SafetensorsDtype,
  SafetensorsHeader,
  TensorMap,
} from "./safetensors.ts";
export { saveSafetensors, writeFileAtomic } from "./safetensors_write.ts";
export {
  assertWeights,
  checkWeights,
  expectedParamShapes,
  GPT2_PREFIX,
  toGraphNames,
  weightPrefix,
} from "./weight_names.ts";
export type { WeightFile } from "./weight_names.ts";
export { configToHf, parseHfConfig, SUPPORTED_ARCHS } from "./config.ts";
export type { Activation, Arch, ModelConfig } from "./config.ts";
export type { JsonObject } from "./json_fields.ts";
export { parseRopeScaling, ropeInvFreq } from "./rope.ts";
export type { RopeScaling } from "./rope.ts";
export { parseGenerationConfig } from "./generation_config.ts";
export type { GenerationConfig } from "./generation_config.ts";
export { bf16ToF32, f16ToF32, f32ToBf16, f32ToF16 } from "./float_bits.ts";
export { addHalfStats, halfBitsToF32, noHalfLoss, toFloat16, widenFloat16 } from "./half_base.ts";
export type { HalfStats } from "./half_base.ts";
export {
  DEFAULT_MAX_SHARD_BYTES,
  loadHfWeights,
  planShards,
  readGenerationConfig,
  readHfConfig,
  readJsonFile,
  readShardIndex,
  saveHfWeights,
  WEIGHTS_FILE,
  WEIGHTS_INDEX_FILE,
  writeGenerationConfig,
  writeHfConfig,
  writeJsonFile,
} from "./hf_folder.ts";
export type { SaveWeightsOptions, ShardIndex } from "./hf_folder.ts";
export { buildExportGraph, writeOnnxExport } from "./export.ts";

// Types used in the signatures above, re-exported so the entry documents them.
export type {
  Attr,
  ConstData,
  CustomVjp,
  Dim,
  DType,
  Graph,
  Node,
  Tensor,
} from "../engine/graph.ts";
export type { HostData, HostTensor } from "../engine/runtime.ts";
export type { UserError } from "../util/errors.ts";
