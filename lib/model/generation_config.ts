/**
 * `generation_config.json` ⇄ the sampling defaults it holds ({@link GenerationConfig}). Parsing
 * is strict: an ill-typed field is a {@link UserError} naming the file and the field.
 *
 * @module
 */

import type { UserError } from "../util/errors.ts";
import {
  asJsonObject,
  boolField,
  intField,
  numberField,
  tokenIdField,
  tokenIdsField,
} from "./json_fields.ts";

export type { UserError };

/** Sampling defaults from `generation_config.json` (fields absent there stay absent). */
export interface GenerationConfig {
  /** Beginning-of-sequence token. */
  bosTokenId?: number;
  /** End-of-sequence tokens. */
  eosTokenIds?: number[];
  /** Padding token. */
  padTokenId?: number;
  /** Whether to sample (else greedy). */
  doSample?: boolean;
  /** Softmax temperature. */
  temperature?: number;
  /** Nucleus sampling mass. */
  topP?: number;
  /** Top-k cut-off. */
  topK?: number;
  /** Default completion length. */
  maxNewTokens?: number;
  /** Repetition penalty. */
  repetitionPenalty?: number;
}

/**
 * Parses the JSON of a `generation_config.json` (only the fields the sampler uses).
 */
export function parseGenerationConfig(
  json: unknown,
  file: string,
): GenerationConfig {
  const j = asJsonObject(json, file);
  const out: GenerationConfig = {};
  const set = <K extends keyof GenerationConfig>(
    k: K,
    v: GenerationConfig[K] | undefined,
  ) => {
    if (v !== undefined) out[k] = v;
  };
  set("bosTokenId", tokenIdField(j, "bos_token_id", file));
  set("eosTokenIds", tokenIdsField(j, "eos_token_id", file));
  set("padTokenId", tokenIdField(j, "pad_token_id", file));
  if (j.do_sample !== undefined && j.do_sample !== null) {
    set("doSample", boolField(j, "do_sample", file, false));
  }
  const optNum = (
    key: string,
  ) => (j[key] === undefined || j[key] === null ? undefined : numberField(j, key, file, 1));
  set("temperature", optNum("temperature"));
  set("topP", optNum("top_p"));
  set("repetitionPenalty", optNum("repetition_penalty"));
  const optInt = (
    key: string,
  ) => (j[key] === undefined || j[key] === null ? undefined : intField(j, key, file));
  set("topK", j.top_k === 0 ? undefined : optInt("top_k")); // 0 means "no top-k"
  set("maxNewTokens", optInt("max_new_tokens"));
  return out;
}
