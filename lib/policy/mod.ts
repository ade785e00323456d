/**
 * Policies: a model with its tokenizer, loaded from or saved to a Hugging Face folder; prompt
 * encoding, KV-cache sampling, token choice and completion scoring.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { argmax, byteTokenizer } from "./mod.ts";
 * assert.equal(argmax([0.1, 2, -1]), 1);
 * const tok = byteTokenizer();
 * assert.equal(tok.decode(tok.encode("hi")), "hi");
 * ```
 *
 * @module
 */

export { checkVocab, loadTokenizer } from "./tokenizer.ts";
export type { ChatMessage, DecodeOptions, Tokenizer } from "./tokenizer.ts";
export {
  BYTE_TOKENIZER_SPEC,
  byteBpeToHf,
  byteBpeTokenizer,
  byteTokenizer,
  saveByteBpeTokenizer,
} from "./byte_tokenizer.ts";
export type { ByteBpeSpec } from "./byte_tokenizer.ts";
export { mergeAdapter, trainableParams, withAdapter, withParams, withTrainable } from "./policy.ts";
export { modelFeeds } from "./feeds.ts";
export { loadAdapter, saveAdapter } from "../model/peft.ts";
export type { Policy } from "./policy.ts";
export { byteLevelPolicy, byteTokenizerFiles, loadPolicy, savePolicy, SIDE_FILES } from "./load.ts";
export type { StorageInfo, StoredPolicy } from "./load.ts";
export { argmax, chooseToken, filterThreshold, logSumExp } from "./choose.ts";
export type { ChooseOptions } from "./choose.ts";
export {
  defaultEosTokenIds,
  encodePrompt,
  sampleTexts,
  sampleTokens,
  samplingDefaults,
} from "./sample.ts";
export type { Completion, FinishReason, SampleOptions } from "./sample.ts";
export { buildDecodeGraph, createKvCache, decodeSession, decodeStep } from "./decode.ts";
export type { DecodeInput, KvCache } from "./decode.ts";
export { buildScoreGraph, scoreCompletions } from "./score.ts";
export { bucketLength, packSequences } from "./pack.ts";
export type { PackedBatch, PromptCompletion } from "./pack.ts";
export { buildLogitsGraph, computeLogits } from "./logits.ts";

// Types used in the signatures above, re-exported so the entry documents them.
export type { ParamStore } from "../engine/param_types.ts";
export type { ExecutionProvider, HostData, HostTensor, Session } from "../engine/runtime.ts";
export type { Activation, Arch, ModelConfig } from "../model/config.ts";
export type { GenerationConfig } from "../model/generation_config.ts";
export type { JsonObject } from "../model/json_fields.ts";
export type { RopeScaling } from "../model/rope.ts";
export type { SafetensorsDtype } from "../model/safetensors.ts";
export type { TransformerConfig } from "../model/transformer.ts";
export type { LoraAdapter, LoraConfig } from "../model/lora.ts";
export type { Rng, RngState } from "../util/rng.ts";
