/**
 * Types shared by the coding environment's files (`coding.ts`, `coding_agent.ts`,
 * `coding_feedback.ts`), kept here so those files import each other in one direction only.
 * `coding.ts` re-exports them.
 *
 * @module
 */
import type { ChecksOptions, ChecksReport } from "../sandbox/checks.ts";
import type { JointProgram } from "./coding_program.ts";

/** Everything learned about one joint action (input of the reward and of the feedback). */
export interface CodingReport {
  /** `def aux(` found in agent 1's completion. */
  auxFound: boolean;
  /** ... and it returns a value. */
  auxHasReturn: boolean;
  /** `def <entry_point>(` found in agent 2's completion. */
  mainFound: boolean;
  /** ... and it returns a value. */
  mainHasReturn: boolean;
  /** The extracted `aux` block (`""` when missing). */
  auxCode: string;
  /** The extracted entry-point block (`""` when missing). */
  mainCode: string;
  /** The joint program (empty when the entry point is missing). */
  joint: JointProgram;
  /** Sandbox results; `null` when the entry point was missing (nothing run). */
  checks: ChecksReport | null;
  /** For a syntax error: the part it is in and the line within that part. */
  syntaxWhere: { part: string; line: number } | null;
}

/** Which coding reward: the authors' (default) or our stricter one (see `coding.ts`). */
export type RewardVariant = "authors" | "strict";

/**
 * Options of `evaluateCoding` / `codingReward` (in `coding.ts`): the sandbox test settings
 * (`testTimeoutMs` defaults to the authors' 10 s for `"authors"`, 3 s for `"strict"`).
 */
export type CodingOptions = Omit<ChecksOptions, "analyze"> & {
  /** Reward variant (default `"authors"`). */
  rewardVariant?: RewardVariant;
};
