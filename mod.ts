/**
 * magrpo-deno: cooperative multi-agent reinforcement learning of language models (MAGRPO,
 * Liu et al. 2025) in Deno/TypeScript. Models are symbolic graphs differentiated in
 * TypeScript, emitted as ONNX and run by onnxruntime.
 *
 * This root module holds the names a notebook or a script uses, grouped along the data path
 * (prompts → samples → joint answers → rewards → advantages → update). Everything else is in
 * the per-layer sub-entries: `./lib/engine/mod.ts`, `model`, `policy`, `rl`, `envs`,
 * `metrics`, `sandbox`, `viz`, `log` and `util` (published as `@magrpo/magrpo-deno/engine`, …).
 * Importing it does no work and needs no permissions: tree-sitter, transformers.js,
 * onnxruntime's native binding, data sets and models load on first use.
 *
 * @example Quick start: one group of joint answers, rewarded and turned into advantages
 * ```ts
 * import assert from "node:assert/strict";
 * import * as m from "./mod.ts";
 *
 * const env = m.toyEnv(); // two agents write a short and a long text on a topic
 * const row = env.rows[0];
 * const prompts = env.formatters.map((format) => format(row)); // one prompt per agent
 * assert.equal(prompts.length, 2);
 *
 * // Two completions per agent (a policy would sample them: m.sampleTexts), joined one-to-one.
 * const joint = m.jointActions([
 *   ["A fox ran.", "Fox."],
 *   ["The fox ran to the river and found a feather.", "Fox fox fox."],
 * ], "aligned");
 * const rewards = await Promise.all(joint.map(async (a) => (await env.reward(a, row)).total));
 * const advantages = m.groupAdvantages(rewards); // reward minus the group mean
 * assert.equal(advantages.length, 2);
 * assert.ok(Math.abs(advantages[0] + advantages[1]) < 1e-12);
 * ```
 *
 * @module
 */

// Graphs and autodiff (more in ./lib/engine/mod.ts).
export { grad, gradCheck, initTrainState, input, newGraph, ops, toOnnx } from "./lib/engine/mod.ts";
export type { Graph, HostTensor, Params, ParamStore, Tensor } from "./lib/engine/mod.ts";

// Models (more in ./lib/model/mod.ts).
export { countParams, initParams, paramShapes, writeOnnxExport } from "./lib/model/mod.ts";
export type { ModelConfig, TransformerConfig } from "./lib/model/mod.ts";

// Policies: load, sample, score, save (more in ./lib/policy/mod.ts).
export {
  encodePrompt,
  loadPolicy,
  packSequences,
  sampleTexts,
  sampleTokens,
  savePolicy,
  scoreCompletions,
  withParams,
} from "./lib/policy/mod.ts";
export type { Completion, Policy, SampleOptions, Tokenizer } from "./lib/policy/mod.ts";
// Compiled graphs are shared by the policies of one architecture; free them when done.
export { configureRuntime, releaseSessions } from "./lib/engine/mod.ts";

// Environments: the built-in tasks (more in ./lib/envs/mod.ts).
export {
  arxivEnv,
  codingEnv,
  codingReward,
  loadArxivRows,
  loadCoopCodingProblems,
  loadEnvironment,
  loadTldrRows,
  tldrEnv,
  toyEnv,
  writingPaperMetrics,
} from "./lib/envs/mod.ts";
export { defineEnvironment } from "./lib/envs/mod.ts";
export type {
  Environment,
  EnvironmentDefinition,
  RewardBreakdown,
  RewardResult,
} from "./lib/envs/mod.ts";

// MAGRPO primitives, in the order of the data path (more in ./lib/rl/mod.ts).
export {
  createTrainStep,
  evaluateJointRewards,
  groupAdvantages,
  jointActions,
  PART_SEPARATOR,
  policyLossGraph,
  sampleGroups,
  toPgBatch,
  updateAgent,
} from "./lib/rl/mod.ts";
export type { JointMode } from "./lib/rl/mod.ts";

// One step as a value: magrpoStep(run, ctx) → { run, record } (more in ./lib/rl/mod.ts).
export {
  ALGORITHMS,
  createStepContext,
  initRunState,
  magrpoStep,
  runFromCheckpoint,
  runToCheckpoint,
} from "./lib/rl/mod.ts";
export type { RunState, StepContext, StepResult } from "./lib/rl/mod.ts";

// The trainer: configuration and the loop.
export { DEFAULT_CONFIG, evaluate, loadConfig, train, validateConfig } from "./lib/rl/mod.ts";
export type {
  EvalRecord,
  MetricsRecord,
  StepRecord,
  TrainerConfig,
  TrainOptions,
  TrainResult,
} from "./lib/rl/mod.ts";

// Metrics (more in ./lib/metrics/mod.ts).
export { accuracyAtK, codebleu, passAtK, passOrNotAtK, rougeL, rougeN } from "./lib/metrics/mod.ts";

// Figures and tables (more in ./lib/viz/mod.ts).
export {
  barFigure,
  lineFigure,
  progress,
  saveFigureHtml,
  showFigure,
  showTable,
} from "./lib/viz/mod.ts";
export type { PlotlyFigure } from "./lib/viz/mod.ts";

// Utilities (more in ./lib/util/mod.ts).
export { libEditsSinceStart, makeRng, UserError } from "./lib/util/mod.ts";
