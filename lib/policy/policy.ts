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
import {
  checkLoraParams,
  type LoraAdapter,
  mergeLoraWeights,
  withLoraConfig,
  withoutLoraConfig,
} from "../model/lora.ts";
import { widenFloat16 } from "../model/half_base.ts";
import { UserError } from "../util/errors.ts";

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
  /**
   * A LoRA adapter over the frozen base in `params` (which agents share, never copied). Set
   * with {@link withAdapter}, which also sets `cfg.lora` so that every graph built from `cfg`
   * declares the adapter inputs.
   */
  adapter?: LoraAdapter;
}

/** A copy of `policy` with other parameters (e.g. after an update); sessions are shared. */
export function withParams(policy: Policy, params: ParamStore): Policy {
  return { ...policy, params };
}

/**
 * The policy with a LoRA adapter over its base (checked against the base's shapes): `cfg.lora`
 * is set from `adapter.config`, `params` stay the same objects. Several agents made this way
 * from one base share its weights and its compiled sessions.
 *
 * @example
 * ```ts ignore
 * import { initLora, withLoraConfig } from "../model/lora.ts";
 * import { withAdapter } from "./policy.ts";
 * declare const base: import("./policy.ts").Policy;
 * const config = { r: 8, alpha: 16, targets: ["q_proj", "v_proj"] };
 * const agents = [0, 1].map((i) =>
 *   withAdapter(base, { config, params: initLora(withLoraConfig(base.cfg, config), `agent${i}`) })
 * );
 * ```
 */
export function withAdapter<P extends Policy>(policy: P, adapter: LoraAdapter): P {
  const cfg = withLoraConfig(withoutLoraConfig(policy.cfg), adapter.config);
  checkLoraParams(cfg, adapter.params, "withAdapter");
  return { ...policy, cfg, adapter };
}

/** What an update trains: the adapter's tensors for a LoRA policy, all parameters otherwise. */
export function trainableParams(policy: Policy): ParamStore {
  return policy.adapter ? policy.adapter.params : policy.params;
}

/**
 * A copy of `policy` with new trainable tensors: the adapter's for a LoRA policy (the base is
 * kept), the full parameters otherwise (as {@link withParams}).
 */
export function withTrainable<P extends Policy>(policy: P, params: ParamStore): P {
  if (!policy.adapter) return { ...policy, params };
  return { ...policy, adapter: { ...policy.adapter, params } };
}

/**
 * A plain policy (no adapter) whose targeted weights are `W + scale·B·A`, computed in float64;
 * the untargeted weights are shared with the base. Saving it with `savePolicy` writes a full
 * Hugging Face folder. A float16-stored base (`cfg.baseDtype`) is widened to float32 first
 * (exactly), so the merged policy is a plain float32 one.
 *
 * @example
 * ```ts ignore
 * import { mergeAdapter } from "./policy.ts";
 * import { savePolicy } from "./load.ts";
 * declare const agent: import("./load.ts").StoredPolicy; // loaded with { adapter: dir }
 * await savePolicy(mergeAdapter(agent), "out/merged");
 * ```
 */
export function mergeAdapter<P extends Policy>(policy: P): P {
  const { adapter, ...rest } = policy;
  if (!adapter) {
    throw new UserError("mergeAdapter: the policy has no LoRA adapter to merge");
  }
  const { baseDtype: _, ...plain } = withoutLoraConfig(policy.cfg);
  const base = policy.cfg.baseDtype === "float16"
    ? Object.fromEntries(
      Object.entries(policy.params).map(([k, t]) => [
        k,
        { data: widenFloat16(t.data as Uint16Array), dims: t.dims },
      ]),
    )
    : policy.params;
  const params = mergeLoraWeights(withLoraConfig(plain, adapter.config), base, adapter.params);
  return { ...rest, cfg: plain, params } as P;
}
