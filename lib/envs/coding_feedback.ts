/**
 * Our prompts of the two coding agents (`prompts: "ours"`, `feedback: "full"`; the defaults
 * are the authors', see `coding_feedback_authors.ts`): the first-turn prompts (agent 1 writes
 * `aux`, agent 2 the entry point) and the next-turn prompts with diagnostics of the joint
 * program (aux / main found or missing, syntax error with its line, tests passed p/t, the
 * first failing assert with its error, and for the main agent whether it used `aux`). Each
 * agent sees only its own prompt and its own previous answer.
 *
 * @module
 */

import type { AgentHistory } from "./types.ts";
export type { AgentHistory } from "./types.ts";
export type { HumanEvalProblem } from "./datasets.ts";
export type { CodingReport } from "./coding_types.ts";
export type { JointProgram, ProgramPart } from "./coding_program.ts";
export type {
  ChecksReport,
  FunctionAnalysis,
  SyntaxReport,
  TestOutcome,
} from "../sandbox/checks.ts";
import type { HumanEvalProblem } from "./datasets.ts";
import type { CodingReport } from "./coding_types.ts";

/** Parameters of the entry point as written in the prompt, e.g. `"numbers, threshold"`. */
export function functionParams(problem: HumanEvalProblem): string {
  const m = new RegExp(`def\\s+${problem.entry_point}\\s*\\(([^)]*)\\)`).exec(
    problem.prompt,
  );
  if (!m) return "...";
  const names = m[1].split(",").map((p) => p.split(/[:=]/)[0].trim()).filter((
    p,
  ) => p);
  return names.join(", ");
}

const RULES = [
  "Reply with Python code only: no explanations, no examples, no tests.",
  "Do not wrap the code in markdown fences.",
];

/**
 * Agent 1's first prompt: write a helper named `aux` for the problem.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { auxPrompt } from "./coding_feedback.ts";
 * const prompt = auxPrompt({ task_id: "t", prompt: "def f(x):\n", canonical_solution: "", test: "", entry_point: "f" });
 * assert.ok(prompt.includes("def aux("));
 * ```
 */
export function auxPrompt(problem: HumanEvalProblem): string {
  return [
    "You are agent 1 of a team of two. Write a helper function for this problem.",
    "",
    "Problem:",
    problem.prompt.trimEnd(),
    "",
    "Rules:",
    ...RULES.map((r) => `- ${r}`),
    "- Name the function 'aux'; it must return a value that helps solve the problem.",
    `- Do not write '${problem.entry_point}' itself: your teammate writes it and may call aux.`,
    "",
    "Answer in this shape:",
    "def aux(...):",
    "    ...",
    "    return result",
    "",
  ].join("\n");
}

/** Agent 2's first prompt: write the entry point; a helper `aux(...)` will exist. */
export function mainPrompt(problem: HumanEvalProblem): string {
  const params = functionParams(problem);
  return [
    "You are agent 2 of a team of two. Write the function this problem asks for.",
    "",
    "Problem:",
    problem.prompt.trimEnd(),
    "",
    "Your teammate writes a helper function aux(...) that you may call.",
    "",
    "Rules:",
    ...RULES.map((r) => `- ${r}`),
    `- Write only '${problem.entry_point}'; do not define aux yourself.`,
    "- Calling aux and using its result is encouraged, but do more than return aux(...).",
    "",
    "Answer in this shape:",
    `def ${problem.entry_point}(${params}):`,
    "    ...",
    "    return result",
    "",
  ].join("\n");
}

/** Diagnostic lines shared by both agents. */
export function diagnostics(
  problem: HumanEvalProblem,
  report: CodingReport,
): string[] {
  const lines: string[] = [];
  const def = (found: boolean, ret: boolean, what: string) =>
    found
      ? (ret ? `${what}: FOUND` : `${what}: FOUND but it never returns a value`)
      : `${what}: MISSING`;
  lines.push(`- ${def(report.auxFound, report.auxHasReturn, "aux(...)")}`);
  lines.push(
    `- ${def(report.mainFound, report.mainHasReturn, `${problem.entry_point}(...)`)}`,
  );
  const c = report.checks;
  if (!c) {
    lines.push(
      `- Tests: not run (${problem.entry_point} with a return value is required)`,
    );
    return lines;
  }
  if (!c.syntax.ok) {
    const where = report.syntaxWhere
      ? `in ${report.syntaxWhere.part} at line ${report.syntaxWhere.line}`
      : "";
    lines.push(
      `- Syntax: ERROR ${where}: ${c.syntax.message}`.replace(/ +:/, ":"),
    );
    lines.push("- Tests: not run (the joint program does not parse)");
    return lines;
  }
  lines.push("- Syntax: OK");
  if (c.planError) lines.push(`- Tests: unusable (${c.planError})`);
  else if (c.loadError) {
    lines.push(
      `- Tests: 0/${c.total} passed; the program failed to load: ${c.loadError}`,
    );
  } else {
    lines.push(
      `- Tests: ${c.passed}/${c.total} passed${c.timeouts ? ` (${c.timeouts} timed out)` : ""}`,
    );
    const bad = c.tests.find((t) => t.status !== "pass");
    if (bad) {
      lines.push(
        `- First failing test: ${bad.source.trim()}\n  -> ${bad.error || bad.status}`,
      );
    }
  }
  return lines;
}

function section(title: string, body: string): string[] {
  return [title, body.trim() ? body.trimEnd() : "(empty)", ""];
}

/**
 * Next-turn prompts `[aux agent, main agent]` built from the report of this turn's joint
 * action. `completions` are this turn's answers. Each prompt repeats the problem, the agent's
 * own previous answer and the shared diagnostics, so `histories` is accepted but not needed.
 */
export function feedbackPrompts(
  problem: HumanEvalProblem,
  report: CodingReport,
  completions: string[],
  _histories: AgentHistory[] = [],
): string[] {
  const diag = diagnostics(problem, report);
  const a = report.checks?.analysis;
  const usage = !report.mainFound ? [] : a?.calls
    ? [
      a.wrapper
        ? "- aux usage: called, but the function is only a thin wrapper around aux"
        : "- aux usage: called and built upon",
    ]
    : ["- aux usage: aux is never called"];
  const auxNext = [
    "Another attempt. You are agent 1 (helper aux). Problem:",
    problem.prompt.trimEnd(),
    "",
    ...section("Your previous answer:", completions[0] ?? ""),
    "Diagnostics of the joint program:",
    ...diag,
    "",
    "Revise aux(...) accordingly. Reply with the function code only.",
    "",
  ];
  const mainNext = [
    `Another attempt. You are agent 2 (${problem.entry_point}). Problem:`,
    problem.prompt.trimEnd(),
    "",
    ...section("Your previous answer:", completions[1] ?? ""),
    "Diagnostics of the joint program:",
    ...diag,
    ...usage,
    "",
    `Revise ${problem.entry_point}(...) accordingly. Reply with the function code only.`,
    "",
  ];
  return [auxNext.join("\n"), mainNext.join("\n")];
}

/**
 * Our next prompt for a single model writing the entry point alone (`feedback: "full"` with
 * single-agent GRPO): the problem, its previous answer and the diagnostics of that answer
 * (no aux lines).
 */
export function singleFeedbackPrompt(
  problem: HumanEvalProblem,
  report: CodingReport,
  completion: string,
): string {
  const diag = diagnostics(problem, report).slice(1);
  return [
    `Another attempt. Write ${problem.entry_point}. Problem:`,
    problem.prompt.trimEnd(),
    "",
    ...section("Your previous answer:", completion),
    "Diagnostics of your program:",
    ...diag,
    "",
    `Revise ${problem.entry_point}(...) accordingly. Reply with the function code only.`,
    "",
  ].join("\n");
}
