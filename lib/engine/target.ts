/**
 * The execution provider a graph is being built for. Graph builders are synchronous, so a
 * build wrapped in {@link buildFor} sees its target through {@link buildTarget}; the few ops
 * that a provider lacks are then emitted as standard ops it has. On `"cpu"` (the default) every
 * op is emitted as before, so CPU graphs and their results do not depend on this module.
 *
 * What changes for `"webgpu"` (onnxruntime 1.30's WebGPU EP):
 * - `LogSoftmax` has no WebGPU kernel (it runs on CPU, with the full `[B·T, V]` logits copied
 *   to the host and back), and `ReduceLogSumExp` overflows to −∞ for logits above ~88 (it
 *   sums `exp(x)` without subtracting the maximum; measured on lavapipe). {@link logSoftmax}
 *   in `ops.ts` emits `d = x − max(x); d − log(Σ exp(d))` instead.
 *
 * @module
 */
import type { ExecutionProvider } from "./runtime.ts";

export type { ExecutionProvider };

let target: ExecutionProvider = "cpu";

/**
 * Runs the synchronous graph builder `build` with {@link buildTarget} set to `ep`, and restores
 * the previous target afterwards (also when `build` throws).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { buildFor, buildTarget } from "./target.ts";
 * assert.equal(buildFor("webgpu", () => buildTarget()), "webgpu");
 * assert.equal(buildTarget(), "cpu");
 * ```
 */
export function buildFor<T>(ep: ExecutionProvider | undefined, build: () => T): T {
  const before = target;
  target = ep ?? "cpu";
  try {
    return build();
  } finally {
    target = before;
  }
}

/** The execution provider of the graph being built now (`"cpu"` outside {@link buildFor}). */
export function buildTarget(): ExecutionProvider {
  return target;
}
