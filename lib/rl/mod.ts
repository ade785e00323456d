/**
 * MAGRPO as primitives, one concept per file in the order of the data path (joint actions,
 * rewards, returns, group advantages, the policy-gradient update), plus the trainer's
 * configuration, checkpoints, run folders and the training loop.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { groupAdvantages, jointActions } from "./mod.ts";
 * assert.deepEqual(jointActions([["a1", "a2"], ["b1", "b2"]], "aligned"), [["a1", "b1"], ["a2", "b2"]]);
 * assert.deepEqual(groupAdvantages([1, 3]), [-1, 1]); // reward minus the group mean
 * ```
 *
 * @module
 */

export { buildTrainGraph, createTrainStep } from "./train_step.ts";
export type { PgBatch, StepMetrics, TrainStep, TrainStepSpec } from "./train_step.ts";
export { causalPaddingBias, policyLossGraph } from "./loss_graph.ts";
export type { LossGraph, LossOptions } from "./loss_graph.ts";
export { AGGREGATIONS, tokenWeights, toPgBatch } from "./aggregation.ts";
export type { Aggregation } from "./aggregation.ts";
export { jointActions, jointMembership } from "./joint.ts";
export type { JointMode } from "./joint.ts";
export { jointTexts, nextTurnPrompts, rolloutNode, rolloutTree, sampleGroups } from "./rollout.ts";
export type { GroupOptions, RolloutNode, TreeOptions } from "./rollout.ts";
export {
  applyProcessor,
  describeExample,
  evaluateAgentRewards,
  evaluateJointRewards,
  rewardProcessor,
  rewardStats,
} from "./rewards.ts";
export type {
  AgentRewardFn,
  EvaluateRewardOptions,
  JointRewardFn,
  RewardProcessorOptions,
  RewardStats,
  RewardValue,
} from "./rewards.ts";
export {
  crossAgentReturns,
  flattenTree,
  shouldExpand,
  treeAdvantages,
  treeReturns,
} from "./returns.ts";
export type { FlatNode, JointNode } from "./returns.ts";
export { groupAdvantages } from "./advantages.ts";
export type { AdvantageOptions, Baseline } from "./advantages.ts";
export { cutAfterEos, updateAgent } from "./update.ts";
export type { AgentSample, UpdateMetrics, UpdateOptions } from "./update.ts";
export {
  collectIndependent,
  collectMagrpo,
  collectSingle,
  independentAdvantages,
  magrpoAdvantages,
  PART_SEPARATOR,
  rolloutIndependent,
  rolloutShaped,
  rolloutSingle,
  singleAdvantages,
  splitParts,
} from "./collect.ts";
export type { Collected, CollectSettings } from "./collect.ts";
export {
  collectCritic,
  createCritic,
  criticAdvantages,
  criticShapes,
  criticState,
  initCriticParams,
} from "./critic.ts";
export type { Critic } from "./critic.ts";
export { lrAt } from "./schedule.ts";
export type { LrSchedule } from "./schedule.ts";
export { passAtKPerTurn, passKs, pathLevels, perTurnMetrics } from "./eval_metrics.ts";
export { updateGroups, updatePolicies } from "./update_schedule.ts";
export type { UpdateScheduleName } from "./update_schedule.ts";
export {
  configToJson,
  configWarnings,
  DEFAULT_CONFIG,
  describeConfig,
  loadConfig,
  RESUME_SAFE_KEYS,
  resumeConflicts,
  runPaths,
  validateConfig,
} from "./config.ts";
export type {
  Algorithm,
  CrossAggregate,
  EarlyStopOn,
  EnvName,
  ExecutionProviderName,
  ScheduleName,
  TrainerConfig,
  UpdateSchedule,
} from "./config.ts";
export type { BaseDtype, Finetune } from "./config_types.ts";
export {
  checkpointName,
  latestCheckpoint,
  listCheckpoints,
  loadCheckpoint,
  pruneCheckpoints,
  saveCheckpoint,
} from "./checkpoint.ts";
export type { Checkpoint, CheckpointEntry } from "./checkpoint.ts";
export { clearRun, nextRunDir, prepareRun, runFiles } from "./run_folder.ts";
export type { PreparedRun, RunFiles } from "./run_folder.ts";
export { evaluate, train } from "./trainer.ts";
export type { StepRecord, TrainOptions, TrainResult } from "./trainer.ts";
export { readMetrics } from "./records.ts";
export type { EvalRecord, MetricsRecord, RewardSummary } from "./records.ts";
export { applyOverrides } from "./config_overrides.ts";
export { configJsonSchema } from "./config_json_schema.ts";
export type { JsonSchema } from "./config_json_schema.ts";
export { CONFIG_PATH_KEYS, readConfigFile, resolveConfigPaths } from "./config_file.ts";
export type { ConfigFile } from "./config_file.ts";
export { completionsRecord } from "./completions_log.ts";
export type { CompletionsRecord, LoggedAnswer } from "../log/completions.ts";
export { openRunLogs } from "./run_logs.ts";
export type { RunLogs } from "./run_logs.ts";
export { magrpoStep } from "./step.ts";
export type { StepResult } from "./step.ts";
export { collectSettings, createStepContext } from "./step_context.ts";
export type { StepContext, StepSources } from "./step_context.ts";
export { jobsEnv, LOCAL_JOBS, nodeStream, runSampleJob, sampleStream } from "./jobs.ts";
export type { JobSampling, SampleJob, StepJobs } from "./jobs.ts";
export { initRunState, runFromCheckpoint, runToCheckpoint } from "./run_state.ts";
export type { RunState } from "./run_state.ts";
export { ALGORITHMS } from "./algorithms.ts";
export type { AlgorithmRun, AlgorithmSpec } from "./algorithms.ts";

// Types used in the signatures above, re-exported so the entry documents them.
export type { AdamWConfig } from "../engine/adamw.ts";
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
export type { TrainState } from "../engine/optim_step.ts";
export type { Params, ParamStore } from "../engine/param_types.ts";
export type {
  ExecutionProvider,
  HostData,
  HostTensor,
  Session,
  SessionOptions,
} from "../engine/runtime.ts";
export type { AgentHistory, Environment, RewardBreakdown } from "../envs/types.ts";
export type { Activation, Arch, ModelConfig } from "../model/config.ts";
export type { GenerationConfig } from "../model/generation_config.ts";
export type { RopeScaling } from "../model/rope.ts";
export type { TransformerConfig } from "../model/transformer.ts";
export type { ChooseOptions } from "../policy/choose.ts";
export type { PackedBatch } from "../policy/pack.ts";
export type { Policy } from "../policy/policy.ts";
export type { Completion, FinishReason, SampleOptions } from "../policy/sample.ts";
export type { ChatMessage, DecodeOptions, Tokenizer } from "../policy/tokenizer.ts";
export type { Rng, RngState } from "../util/rng.ts";
export type { LoadConfigOptions } from "./config.ts";
export type { AnyEnv } from "./step_context.ts";
export type { AnyEnv as AlgorithmEnv } from "./algorithms.ts";
