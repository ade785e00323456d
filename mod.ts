/**
 * magrpo-deno: cooperative multi-agent reinforcement learning of language models (MAGRPO,
 * Liu et al. 2025) in Deno/TypeScript. Models are symbolic graphs differentiated in
 * TypeScript, emitted as ONNX and run by onnxruntime.
 *
 * This module re-exports the public API and nothing else.
 *
 * @module
 */

// Engine: symbolic graphs, ops, autodiff, ONNX emission, runtime.
export type {
  Attr,
  ConstData,
  CustomVjp,
  Dim,
  DType,
  Graph,
  Node,
  Tensor,
} from "./lib/engine/graph.ts";
export { constant, input, newGraph, scalar } from "./lib/engine/graph.ts";
export * as ops from "./lib/engine/ops.ts";
export * as shapeOps from "./lib/engine/shape_ops.ts";
export {
  geluTanh,
  layerNorm,
  linear,
  logProbsOf,
  rmsNorm,
  silu,
} from "./lib/engine/nn.ts";
export { grad } from "./lib/engine/grad.ts";
export { RULES } from "./lib/engine/rules.ts";
export type { Rule } from "./lib/engine/rules.ts";
export { toOnnx } from "./lib/engine/onnx.ts";
export type { EmitOptions } from "./lib/engine/onnx.ts";
export { openSession } from "./lib/engine/runtime.ts";
export type {
  ExecutionProvider,
  HostData,
  HostTensor,
  Session,
  SessionOptions,
} from "./lib/engine/runtime.ts";
export { gradCheck } from "./lib/engine/gradcheck.ts";
export type {
  GradCheckOptions,
  GradCheckResult,
} from "./lib/engine/gradcheck.ts";
export {
  ADAMW_DEFAULTS,
  adamwGraph,
  adamwScalars,
} from "./lib/engine/adamw.ts";
export type {
  AdamWConfig,
  AdamWOutputs,
  AdamWSlot,
} from "./lib/engine/adamw.ts";

// Model: the decoder-only transformer and its parameters.
export { transformerForward } from "./lib/model/transformer.ts";
export type {
  ForwardInputs,
  ForwardOutput,
  LayerCache,
  Params,
  TransformerConfig,
} from "./lib/model/transformer.ts";
export { countParams, initParams, paramShapes } from "./lib/model/params.ts";
export type { ParamStore } from "./lib/model/params.ts";

// RL: the policy-gradient update as one graph call.
export {
  buildTrainGraph,
  causalPaddingBias,
  createTrainStep,
  initTrainState,
  pgLossGraph,
} from "./lib/rl/train_step.ts";
export type {
  PgBatch,
  StepMetrics,
  TrainState,
  TrainStep,
  TrainStepSpec,
} from "./lib/rl/train_step.ts";

// Utilities.
export { runCli, UserError } from "./lib/util/errors.ts";
export {
  childRng,
  makeRng,
  randInt,
  randNormal,
  shuffled,
} from "./lib/util/rng.ts";
export type { Rng, RngState } from "./lib/util/rng.ts";
export type {
  AgentHistory,
  Environment,
  RewardBreakdown,
} from "./lib/envs/types.ts";
