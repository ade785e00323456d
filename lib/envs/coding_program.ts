/**
 * The joint program of the coding environment: the problem's preamble (imports, given helpers),
 * the agents' imports, agent 1's `aux` and agent 2's entry point, in that order, with where each
 * part sits (for locating a syntax error). Also used to run one agent's code alone.
 *
 * @module
 */

import type { HumanEvalProblem } from "./datasets.ts";
import { importLines } from "../sandbox/source.ts";

/** Name of the helper function agent 1 must write. */
export const AUX_NAME = "aux";

/**
 * The part of the problem prompt before `def <entry_point>(`: its imports and any helper
 * functions it gives (e.g. HumanEval/10's `is_palindrome`). Only imports when not found.
 */
export function promptPreamble(problem: HumanEvalProblem): string {
  const m = new RegExp(`^def\\s+${problem.entry_point}\\s*\\(`, "m").exec(
    problem.prompt,
  );
  return m ? problem.prompt.slice(0, m.index).trimEnd() : importLines(problem.prompt).join("\n");
}

/** A named part of the joint program and where it sits (1-based first line, line count). */
export interface ProgramPart {
  /** `"problem"` (prompt preamble), `"imports"`, `"aux"` or `"main"`. */
  name: string;
  /** First line of the part within the program (1-based). */
  startLine: number;
  /** Number of lines. */
  lineCount: number;
}

/** The joint program and its parts. */
export interface JointProgram {
  /** The program text. */
  program: string;
  /** Its parts, in order. */
  parts: ProgramPart[];
}

/** Builds the joint program: problem preamble, agents' imports, `aux`, then the entry point. */
export function jointProgram(
  problem: HumanEvalProblem,
  auxBlock: string,
  mainBlock: string,
  extraImports: string[],
): JointProgram {
  const preamble = promptPreamble(problem);
  const have = new Set(preamble.split("\n").map((l) => l.trim()));
  const imports = [...new Set(extraImports)].filter((l) => !have.has(l)).join(
    "\n",
  );
  const parts: ProgramPart[] = [];
  const chunks: string[] = [];
  let line = 1;
  for (
    const [name, text] of [["problem", preamble], ["imports", imports], [
      "aux",
      auxBlock,
    ], ["main", mainBlock]]
  ) {
    if (!text) continue;
    const count = text.split("\n").length;
    parts.push({ name, startLine: line, lineCount: count });
    chunks.push(text);
    line += count + 2;
  }
  return { program: chunks.join("\n\n\n") + "\n", parts };
}
