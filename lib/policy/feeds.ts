/**
 * The feeds of a policy's model inputs: its base parameters and, for a LoRA policy, its
 * adapter tensors, by the names `model/inputs.ts` declares. The typed arrays are the policy's
 * own (zero-copy), so agents over one base feed the same base arrays.
 *
 * @module
 */
import type { HostTensor } from "../engine/runtime.ts";
import type { Policy } from "./policy.ts";
import { UserError } from "../util/errors.ts";

/**
 * Base + adapter tensors of a policy by graph input name, for every graph declared with
 * `declareModelInputs(g, policy.cfg)`. A policy whose `cfg.lora` and `adapter` disagree (one
 * without the other, or another rank or other targets) is refused.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { modelFeeds } from "./feeds.ts";
 * import type { Policy } from "./policy.ts";
 * const w = { data: new Float32Array(4), dims: [2, 2] };
 * const policy = { cfg: {}, params: { w } } as unknown as Policy;
 * assert.equal(modelFeeds(policy).w.data, w.data); // the same array, not a copy
 * ```
 */
export function modelFeeds(policy: Policy): Record<string, HostTensor> {
  const { cfg, adapter } = policy;
  if (!adapter) {
    if (cfg.lora) {
      throw new UserError(
        "modelFeeds: the policy's config has 'lora' but the policy has no adapter; attach one " +
          "with withAdapter",
      );
    }
    return { ...policy.params };
  }
  const lora = cfg.lora;
  if (
    !lora || lora.r !== adapter.config.r ||
    !adapter.config.targets.every((t) => lora.targets.includes(t)) ||
    lora.targets.length !== new Set(adapter.config.targets).size
  ) {
    throw new UserError(
      `modelFeeds: the policy's config.lora (${JSON.stringify(lora)}) does not match its ` +
        `adapter (r ${adapter.config.r}, targets ${adapter.config.targets.join(", ")}); ` +
        "attach adapters with withAdapter",
    );
  }
  return { ...policy.params, ...adapter.params };
}
