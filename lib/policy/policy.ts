/**
 * A language-model policy as plain data: its config, its fp32 parameters (HF names), its
 * tokenizer and the execution provider its sessions run on. Sampling, scoring and updates
 * are functions that take a policy; sessions are compiled per config and cached.
 *
 * @module
 */
import type { ModelConfig } from "../model/config.ts";
import type { ParamStore } from "../model/params.ts";
import type { Tokenizer } from "./tokenizer.ts";
import type { ExecutionProvider } from "../engine/runtime.ts";
import type { GenerationConfig } from "../model/generation_config.ts";

export type { GenerationConfig };

/** A policy: what an agent is. */
export interface Policy {
  /** Architecture and special tokens. */
  cfg: ModelConfig;
  /** Parameters by HF name (fp32 master weights). */
  params: ParamStore;
  /** Text ⇄ tokens. */
  tokenizer: Tokenizer;
  /** Where its sessions run (default `"cpu"`). */
  ep?: ExecutionProvider;
  /**
   * Sampling defaults from `generation_config.json` (temperature, top-k, top-p, max new
   * tokens, do_sample); sampling uses them for options the caller leaves undefined.
   */
  generation?: GenerationConfig;
}

/** A copy of `policy` with other parameters (e.g. after an update); sessions are shared. */
export function withParams(policy: Policy, params: ParamStore): Policy {
  return { ...policy, params };
}
