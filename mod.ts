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
export { geluTanh, layerNorm, linear, logProbsOf, rmsNorm, silu } from "./lib/engine/nn.ts";
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
export type { GradCheckOptions, GradCheckResult } from "./lib/engine/gradcheck.ts";
export { ADAMW_DEFAULTS, adamwGraph, adamwScalars } from "./lib/engine/adamw.ts";
export type { AdamWConfig, AdamWOutputs, AdamWSlot } from "./lib/engine/adamw.ts";
export { buildOptimGraph, createOptimStep, initTrainState } from "./lib/engine/optim_step.ts";
export type {
  LossOutputs,
  OptimGraphOptions,
  OptimStep,
  TrainState,
} from "./lib/engine/optim_step.ts";

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

// Checkpoints: safetensors, HF config, HF folders, export.
export {
  loadSafetensors,
  readSafetensorsHeader,
  SAFETENSORS_DTYPES,
  tensorByteLength,
} from "./lib/model/safetensors.ts";
export { saveSafetensors, writeFileAtomic } from "./lib/model/safetensors_write.ts";
export type {
  HeaderEntry,
  NamedTensor,
  SafetensorsContents,
  SafetensorsDtype,
  SafetensorsHeader,
  TensorMap,
} from "./lib/model/safetensors.ts";
export {
  assertWeights,
  checkWeights,
  configToHf,
  expectedParamShapes,
  GPT2_PREFIX,
  parseHfConfig,
  SUPPORTED_ARCHS,
  toGraphNames,
  weightPrefix,
} from "./lib/model/config.ts";
export type { Activation, Arch, ModelConfig, WeightFile } from "./lib/model/config.ts";
export type { JsonObject } from "./lib/model/json_fields.ts";
export { parseRopeScaling, ropeInvFreq, type RopeScaling } from "./lib/model/rope.ts";
export { parseGenerationConfig } from "./lib/model/generation_config.ts";
export type { GenerationConfig } from "./lib/model/generation_config.ts";
export { bf16ToF32, f16ToF32, f32ToBf16, f32ToF16 } from "./lib/model/float_bits.ts";
export {
  DEFAULT_MAX_SHARD_BYTES,
  loadHfWeights,
  planShards,
  readGenerationConfig,
  readHfConfig,
  readJsonFile,
  readShardIndex,
  saveHfWeights,
  WEIGHTS_FILE,
  WEIGHTS_INDEX_FILE,
  writeGenerationConfig,
  writeHfConfig,
  writeJsonFile,
} from "./lib/model/hf_folder.ts";
export type { SaveWeightsOptions, ShardIndex } from "./lib/model/hf_folder.ts";
export { buildExportGraph, writeOnnxExport } from "./lib/model/export.ts";

// Policies: tokenizers, sampling, scoring, loading and saving.
export { checkVocab, loadTokenizer } from "./lib/policy/tokenizer.ts";
export type { ChatMessage, DecodeOptions, Tokenizer } from "./lib/policy/tokenizer.ts";
export {
  BYTE_TOKENIZER_SPEC,
  byteBpeToHf,
  byteBpeTokenizer,
  byteTokenizer,
  saveByteBpeTokenizer,
} from "./lib/policy/byte_tokenizer.ts";
export type { ByteBpeSpec } from "./lib/policy/byte_tokenizer.ts";
export { trainByteBpe } from "./lib/policy/bpe_train.ts";
export type { BpeTrainOptions } from "./lib/policy/bpe_train.ts";
export type { Policy } from "./lib/policy/policy.ts";
export { withParams } from "./lib/policy/policy.ts";
export {
  byteLevelPolicy,
  byteTokenizerFiles,
  loadPolicy,
  savePolicy,
  SIDE_FILES,
} from "./lib/policy/load.ts";
export type { StorageInfo, StoredPolicy } from "./lib/policy/load.ts";
export { argmax, chooseToken, filterThreshold, logSumExp } from "./lib/policy/choose.ts";
export type { ChooseOptions } from "./lib/policy/choose.ts";
export {
  defaultEosTokenIds,
  encodePrompt,
  sampleTexts,
  sampleTokens,
  samplingDefaults,
} from "./lib/policy/sample.ts";
export type { Completion, FinishReason, SampleOptions } from "./lib/policy/sample.ts";
export { buildDecodeGraph, createKvCache, decodeSession, decodeStep } from "./lib/policy/decode.ts";
export type { DecodeInput, KvCache } from "./lib/policy/decode.ts";
export { buildScoreGraph, scoreCompletions } from "./lib/policy/score.ts";
export { bucketLength, packSequences } from "./lib/policy/pack.ts";
export type { PackedBatch, PromptCompletion } from "./lib/policy/pack.ts";
export { buildLogitsGraph, computeLogits } from "./lib/policy/logits.ts";

// RL: the policy-gradient update as one graph call.
export { buildTrainGraph, createTrainStep } from "./lib/rl/train_step.ts";
export type { PgBatch, StepMetrics, TrainStep, TrainStepSpec } from "./lib/rl/train_step.ts";

export { causalPaddingBias, policyLossGraph } from "./lib/rl/loss_graph.ts";
export type { LossGraph, LossOptions } from "./lib/rl/loss_graph.ts";
export { AGGREGATIONS, tokenWeights, toPgBatch } from "./lib/rl/aggregation.ts";
export type { Aggregation } from "./lib/rl/aggregation.ts";

// Utilities.
export { runCli, UserError } from "./lib/util/errors.ts";
export { childRng, makeRng, randInt, randNormal, shuffled } from "./lib/util/rng.ts";
export type { Rng, RngState } from "./lib/util/rng.ts";
export type { AgentHistory, Environment, RewardBreakdown } from "./lib/envs/types.ts";

// Environments: the paper's writing tasks.
export {
  ARXIV_REWARD_CONFIG,
  arxivBackgroundPrompt,
  arxivEnv,
  arxivMethodsPrompt,
  arxivReward,
} from "./lib/envs/arxiv.ts";
export type { ArxivRow } from "./lib/envs/arxiv.ts";
export {
  TLDR_REWARD_CONFIG,
  tldrConcisePrompt,
  tldrDetailedPrompt,
  tldrEnv,
  tldrReward,
} from "./lib/envs/tldr.ts";
export type { TldrRow } from "./lib/envs/tldr.ts";
export {
  loadArxivRows,
  loadTldrRows,
  parseArxivRows,
  parseTldrJsonl,
  SHIPPED_ARXIV_PATH,
  SHIPPED_TLDR_PATH,
} from "./lib/envs/writing_data.ts";
export {
  bandScore,
  checkWritingConfig,
  jointWritingReward,
  maxWritingReward,
  measureWriting,
  transitionCategoriesIn,
  transitionScore,
  twoWriterEnv,
  vocabularyJaccard,
  WRITING_PAPER_MAXIMA,
  writingAgentReward,
  writingPaperMetrics,
  writingReward,
} from "./lib/envs/writing_reward.ts";
export type {
  BandScore,
  RatioBand,
  WritingMeasurements,
  WritingPaperMetrics,
  WritingRewardConfig,
} from "./lib/envs/writing_reward.ts";

export { TRANSITION_CATEGORIES, WRITING_STOPWORDS } from "./lib/envs/writing_words.ts";

// Metrics.
export {
  fMeasure,
  lcsLength,
  rougeL,
  rougeLsum,
  rougeN,
  rougeTokenize,
} from "./lib/metrics/rouge.ts";
export type { RougeOptions, RougeScore } from "./lib/metrics/rouge.ts";
export { porterMeasure, porterStem } from "./lib/metrics/porter.ts";
export type { PorterVariant } from "./lib/metrics/porter.ts";
export { codebleu, CODEBLEU_LANGUAGES } from "./lib/metrics/codebleu.ts";
export type { CodeBleuScores } from "./lib/metrics/codebleu.ts";
export { ngramCounts } from "./lib/metrics/ngrams.ts";

// Figures and progress.
export {
  barFigure,
  describeFigure,
  figure,
  figureHtml,
  figureMimeBundle,
  JUPYTER_DISPLAY,
  lineFigure,
  PLOTLY_MIME,
  saveFigureHtml,
  showFigure,
} from "./lib/viz/plotly.ts";
export type {
  FigureDisplay,
  FigureLabels,
  HtmlRenderer,
  MimeBundle,
  NamedSeries,
  PlotlyAxis,
  PlotlyFigure,
  PlotlyLayout,
  PlotlyTrace,
} from "./lib/viz/plotly.ts";
export { figureToSvg } from "./lib/viz/svg.ts";
export type { SvgOptions } from "./lib/viz/svg.ts";
export { progress } from "./lib/viz/progress.ts";
export type { Progress, ProgressOptions, ProgressWriter } from "./lib/viz/progress.ts";

// The coding environment and its sandbox.
export { runPython } from "./lib/sandbox/python.ts";
export type { RunPythonOptions, RunResult, RunStatus } from "./lib/sandbox/python.ts";
export { sandboxInfo } from "./lib/sandbox/setup.ts";
export type { SandboxInfo } from "./lib/sandbox/setup.ts";
export type { Interpreter } from "./lib/sandbox/interpreter.ts";
export type { Tools as SandboxTools } from "./lib/sandbox/bwrap.ts";
export { plannerRunOptions, runVerdictTests } from "./lib/sandbox/verdict.ts";
export type {
  PlanMode,
  VerdictOptions,
  VerdictReport,
  VerdictTest,
} from "./lib/sandbox/verdict.ts";
export { unitRunOptions } from "./lib/sandbox/verdict_run.ts";
export type { RunLimits } from "./lib/sandbox/verdict_run.ts";
export { coreCount, createLimiter, defaultLimiter, mapLimit } from "./lib/sandbox/pool.ts";
export type { Limiter } from "./lib/sandbox/pool.ts";
export { runChecks } from "./lib/sandbox/checks.ts";
export type {
  ChecksOptions,
  ChecksReport,
  FunctionAnalysis,
  SyntaxReport,
  TestOutcome,
} from "./lib/sandbox/checks.ts";
export { extractCode, extractFunction, hasReturnValue, importLines } from "./lib/sandbox/source.ts";
export {
  AUX_NAME,
  CODING_MAX_REWARD,
  codingAgentLevels,
  codingAgentReward,
  codingEnv,
  codingLevels,
  codingReward,
  evaluateCoding,
  jointProgram,
  promptPreamble,
} from "./lib/envs/coding.ts";
export type {
  CodingEnvOptions,
  CodingOptions,
  CodingReport,
  JointProgram,
  ProgramPart,
  RewardVariant,
} from "./lib/envs/coding.ts";
export {
  authorsCodingLevels,
  codingRewardAuthors,
  evaluateCodingAuthors,
} from "./lib/envs/coding_reward_authors.ts";
export type {
  AuthorsCodingOptions,
  AuthorsCodingReport,
} from "./lib/envs/coding_reward_authors.ts";
export {
  authorsAuxPrompt,
  authorsFeedbackPrompts,
  authorsMainPrompt,
  authorsPromptParams,
  authorsSingleFeedbackPrompt,
  authorsSinglePrompt,
} from "./lib/envs/coding_feedback_authors.ts";
export type { AuthorsFeedbackOptions } from "./lib/envs/coding_feedback_authors.ts";
export {
  authorsCodingMetrics,
  authorsCodingTurnMetrics,
} from "./lib/envs/coding_metrics_authors.ts";
export type {
  AuthorsCodingMetrics,
  AuthorsMetricsOptions,
} from "./lib/envs/coding_metrics_authors.ts";
export {
  authorsCleanup,
  authorsCombine,
  authorsDefined,
  authorsExtractFunction,
  authorsPromptImports,
  authorsSlicedTests,
  authorsTestLines,
} from "./lib/envs/coding_authors.ts";
export {
  auxPrompt,
  diagnostics,
  feedbackPrompts,
  functionParams,
  mainPrompt,
  singleFeedbackPrompt,
} from "./lib/envs/coding_feedback.ts";
export {
  loadCoopCodingProblems,
  loadCoopHumanEval,
  loadHumanEval,
  loadMbpp,
  parseHumanEvalText,
} from "./lib/envs/datasets.ts";
export type { HumanEvalProblem, LoadCodingOptions } from "./lib/envs/datasets.ts";
export { accuracyAtK, meanPassAtK, passAtK, passOrNotAtK } from "./lib/metrics/passk.ts";

// MAGRPO primitives, one concept per file, in the order of the data path.
export { jointActions, jointMembership } from "./lib/rl/joint.ts";
export type { JointMode } from "./lib/rl/joint.ts";
export {
  jointTexts,
  nextTurnPrompts,
  rolloutNode,
  rolloutTree,
  sampleGroups,
} from "./lib/rl/rollout.ts";
export type { GroupOptions, RolloutNode, TreeOptions } from "./lib/rl/rollout.ts";
export {
  applyProcessor,
  describeExample,
  evaluateAgentRewards,
  evaluateJointRewards,
  rewardProcessor,
  rewardStats,
} from "./lib/rl/rewards.ts";
export type {
  AgentRewardFn,
  EvaluateRewardOptions,
  JointRewardFn,
  RewardProcessorOptions,
  RewardStats,
  RewardValue,
} from "./lib/rl/rewards.ts";
export {
  crossAgentReturns,
  flattenTree,
  shouldExpand,
  treeAdvantages,
  treeReturns,
} from "./lib/rl/returns.ts";
export type { FlatNode, JointNode } from "./lib/rl/returns.ts";
export { groupAdvantages } from "./lib/rl/advantages.ts";
export type { AdvantageOptions, Baseline } from "./lib/rl/advantages.ts";
export { cutAfterEos, updateAgent } from "./lib/rl/update.ts";
export type { AgentSample, UpdateMetrics, UpdateOptions } from "./lib/rl/update.ts";
export {
  collectCritic,
  collectIndependent,
  collectMagrpo,
  collectSingle,
  criticState,
  PART_SEPARATOR,
  splitParts,
} from "./lib/rl/collect.ts";
export type { Collected, CollectSettings } from "./lib/rl/collect.ts";
export { createCritic, criticShapes, initCriticParams } from "./lib/rl/critic.ts";
export type { Critic } from "./lib/rl/critic.ts";
export { lrAt } from "./lib/rl/schedule.ts";
export type { LrSchedule } from "./lib/rl/schedule.ts";

// The toy cooperative task and the environment registry.
export {
  contentJaccard,
  plateau,
  TOY_TOPICS,
  toyAgentReward,
  toyEnv,
  toyLongPrompt,
  toyReward,
  toyRows,
  toyShortPrompt,
  words,
} from "./lib/envs/toy.ts";
export type { ToyRow } from "./lib/envs/toy.ts";
export { codingEnvOptions, ENV_NAMES, loadEnvironment } from "./lib/envs/registry.ts";
export type { AnyEnv, EnvSpec } from "./lib/envs/registry.ts";
export {
  AUTHORS_SPLITS,
  authorsSplitFor,
  seededSplit,
  sliceIndices,
  splitRows,
} from "./lib/envs/split.ts";
export type { SplitIndices, SplitSpec } from "./lib/envs/split.ts";
export {
  authorsArxivPrompt,
  authorsArxivSinglePrompt,
  authorsTldrElaborationPrompt,
  authorsTldrSinglePrompt,
  authorsTldrSummaryPrompt,
  PARAGRAPH_SPLIT,
  splitParagraphs,
} from "./lib/envs/writing_prompts.ts";
export { passAtKPerTurn, passKs, pathLevels, perTurnMetrics } from "./lib/rl/eval_metrics.ts";
export { readParquetRows } from "./lib/envs/writing_parquet.ts";
export { updateGroups, updatePolicies } from "./lib/rl/update_schedule.ts";
export type { UpdateScheduleName } from "./lib/rl/update_schedule.ts";
export { showTable } from "./lib/viz/table.ts";
export type { TableDisplay } from "./lib/viz/table.ts";

// The trainer: configuration, logs, checkpoints, the loop.
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
} from "./lib/rl/config.ts";
export type {
  Algorithm,
  CrossAggregate,
  EarlyStopOn,
  EnvName,
  ExecutionProviderName,
  ScheduleName,
  TrainerConfig,
  UpdateSchedule,
} from "./lib/rl/config.ts";
export { filterJsonl, openJsonl, readJsonl, toJsonSafe } from "./lib/util/jsonl.ts";
export type { JsonlOptions, JsonlWriter, JsonSafe } from "./lib/util/jsonl.ts";
export {
  checkpointName,
  latestCheckpoint,
  listCheckpoints,
  loadCheckpoint,
  pruneCheckpoints,
  saveCheckpoint,
} from "./lib/rl/checkpoint.ts";
export type { Checkpoint, CheckpointEntry } from "./lib/rl/checkpoint.ts";
export { clearRun, prepareRun, runFiles } from "./lib/rl/run_folder.ts";
export type { PreparedRun, RunFiles } from "./lib/rl/run_folder.ts";
export { evaluate, train } from "./lib/rl/trainer.ts";
export type { StepRecord, TrainOptions, TrainResult } from "./lib/rl/trainer.ts";
