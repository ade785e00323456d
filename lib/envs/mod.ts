/**
 * Environments: the toy cooperative task, the paper's writing tasks (TL;DR, arXiv) and
 * coding task (HumanEval / MBPP with a sandbox), their datasets and splits, and the registry
 * that opens them by name.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { toyEnv } from "./mod.ts";
 * const env = toyEnv();
 * assert.equal(env.numAgents, 2);
 * ```
 *
 * @module
 */

export type { AgentHistory, Environment, RewardBreakdown } from "./types.ts";
export {
  ARXIV_REWARD_CONFIG,
  arxivBackgroundPrompt,
  arxivEnv,
  arxivMethodsPrompt,
  arxivReward,
} from "./arxiv.ts";
export type { ArxivRow } from "./arxiv.ts";
export {
  shortenTldrPost,
  TLDR_REWARD_CONFIG,
  tldrConcisePrompt,
  tldrDetailedPrompt,
  tldrEnv,
  tldrReward,
} from "./tldr.ts";
export type { TldrRow } from "./tldr.ts";
export {
  loadArxivRows,
  loadTldrRows,
  parseArxivRows,
  parseTldrJsonl,
  SHIPPED_ARXIV_PATH,
  SHIPPED_TLDR_PATH,
} from "./writing_data.ts";
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
} from "./writing_reward.ts";
export type {
  BandScore,
  RatioBand,
  WritingMeasurements,
  WritingPaperMetrics,
  WritingRewardConfig,
} from "./writing_reward.ts";
export { TRANSITION_CATEGORIES, WRITING_STOPWORDS } from "./writing_words.ts";
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
} from "./coding.ts";
export type {
  CodingEnvOptions,
  CodingOptions,
  CodingReport,
  JointProgram,
  ProgramPart,
  RewardVariant,
} from "./coding.ts";
export {
  authorsCodingLevels,
  codingRewardAuthors,
  evaluateCodingAuthors,
} from "./coding_reward_authors.ts";
export type { AuthorsCodingOptions, AuthorsCodingReport } from "./coding_reward_authors.ts";
export {
  authorsAuxPrompt,
  authorsFeedbackPrompts,
  authorsMainPrompt,
  authorsPromptParams,
  authorsSingleFeedbackPrompt,
  authorsSinglePrompt,
} from "./coding_feedback_authors.ts";
export type { AuthorsFeedbackOptions } from "./coding_feedback_authors.ts";
export { authorsCodingMetrics, authorsCodingTurnMetrics } from "./coding_metrics_authors.ts";
export type { AuthorsCodingMetrics, AuthorsMetricsOptions } from "./coding_metrics_authors.ts";
export {
  authorsCleanup,
  authorsCombine,
  authorsDefined,
  authorsExtractFunction,
  authorsPromptImports,
  authorsSlicedTests,
  authorsTestLines,
} from "./coding_authors.ts";
export {
  auxPrompt,
  diagnostics,
  feedbackPrompts,
  functionParams,
  mainPrompt,
  singleFeedbackPrompt,
} from "./coding_feedback.ts";
export {
  loadCoopCodingProblems,
  loadCoopHumanEval,
  loadHumanEval,
  loadMbpp,
  parseHumanEvalText,
} from "./datasets.ts";
export type { HumanEvalProblem, LoadCodingOptions } from "./datasets.ts";
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
} from "./toy.ts";
export type { ToyRow } from "./toy.ts";
export {
  coordinationAgentReward,
  coordinationEnv,
  coordinationReward,
  firstWord,
  STUDY_ANIMALS,
  topicRows,
} from "./coordination.ts";
export type { TopicRow } from "./coordination.ts";
export {
  complementarityAgentReward,
  complementarityEnv,
  complementarityReward,
  OPENINGS,
} from "./complementarity.ts";
export { codingEnvOptions, ENV_NAMES, loadEnvironment } from "./registry.ts";
export type { AnyEnv, EnvSpec } from "./registry.ts";
export { defineEnvironment } from "./define.ts";
export type { EnvironmentDefinition, EnvironmentSplit, RewardResult } from "./define.ts";
export { AUTHORS_SPLITS, authorsSplitFor, seededSplit, sliceIndices, splitRows } from "./split.ts";
export type { SplitIndices, SplitSpec } from "./split.ts";
export {
  authorsArxivPrompt,
  authorsArxivSinglePrompt,
  authorsTldrElaborationPrompt,
  authorsTldrSinglePrompt,
  authorsTldrSummaryPrompt,
  PARAGRAPH_SPLIT,
  splitParagraphs,
} from "./writing_prompts.ts";
export { readParquetRows } from "./writing_parquet.ts";

// Types used in the signatures above, re-exported so the entry documents them.
export type {
  ChecksOptions,
  ChecksReport,
  FunctionAnalysis,
  SyntaxReport,
  TestOutcome,
} from "../sandbox/checks.ts";
export type { Limiter } from "../sandbox/pool.ts";
export type { PlanMode, VerdictOptions, VerdictReport, VerdictTest } from "../sandbox/verdict.ts";
