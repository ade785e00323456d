/**
 * The engine: symbolic graphs, ops, reverse-mode autodiff, ONNX emission, the onnxruntime
 * session, and the optimizer step (AdamW inside the same graph call). onnxruntime's native
 * binding (`npm:onnxruntime-node`, which needs `--allow-ffi`) loads on the first session, not
 * at import; graphs, autodiff and ONNX emission are plain TypeScript.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { grad, input, newGraph, ops } from "./mod.ts";
 * const g = newGraph("square");
 * const x = input(g, "x", [3]);
 * const loss = ops.reduceSum(ops.mul(x, x)); // Σ x²
 * const [dx] = grad(loss, [x]); // d loss / dx = 2x, a graph tensor
 * assert.deepEqual(dx.shape, [3]);
 * ```
 *
 * @module
 */

export * as ops from "./ops.ts";
export * as shapeOps from "./shape_ops.ts";
export { constant, input, newGraph, scalar } from "./graph.ts";
export type { Attr, ConstData, CustomVjp, Dim, DType, Graph, Node, Tensor } from "./graph.ts";
export {
  chunkedLogProbs,
  geluTanh,
  layerNorm,
  linear,
  LOGIT_CHUNK_FLOATS,
  logProbsOf,
  rmsNorm,
  silu,
} from "./nn.ts";
export { grad } from "./grad.ts";
export { RULES } from "./rules.ts";
export type { Rule } from "./rules.ts";
export { toOnnx } from "./onnx.ts";
export type { EmitOptions } from "./onnx.ts";
export {
  configureRuntime,
  openSession,
  openSessionCount,
  resetTransferStats,
  runtimeSettings,
  transferStats,
} from "./runtime.ts";
export { releaseSessions, SessionCache } from "./session_cache.ts";
export type {
  ExecutionProvider,
  HostData,
  HostTensor,
  RuntimeSettings,
  Session,
  SessionOptions,
  TransferStats,
} from "./runtime.ts";
export { buildFor, buildTarget } from "./target.ts";
export {
  HOT_OPS,
  hotOnCpu,
  latestProfile,
  parseProfile,
  providerCounts,
  readProfile,
} from "./profile.ts";
export type { NodeRun, ProfiledTensor } from "./profile.ts";
export { gradCheck } from "./gradcheck.ts";
export type { GradCheckOptions, GradCheckResult } from "./gradcheck.ts";
export { ADAMW_DEFAULTS, adamwGraph, adamwScalars } from "./adamw.ts";
export type { AdamWConfig, AdamWOutputs, AdamWSlot } from "./adamw.ts";
export { buildOptimGraph, createOptimStep, initTrainState } from "./optim_step.ts";
export type { LossOutputs, OptimGraphOptions, OptimStep, TrainState } from "./optim_step.ts";
export { isNormOrBias } from "./param_types.ts";
export type { Params, ParamStore } from "./param_types.ts";
