/**
 * The MAGRPO authors' coding prompts and multi-turn "level feedback" (behaviour of
 * LLM_Collab_Code_Generation `train_magrpo.py` formatters and `external/level_feedback.py`,
 * pinned in `tests/authors/coding_corpus.json`): the defaults of the coding environment.
 *
 * The feedback runs only the problem's first assert (their `sandbox_slice` 1, so held-out
 * asserts are never shown), prepends each agent's full history of prompts and responses, and
 * lists definitions, syntax, tests passed and each failing case of that one assert, and for
 * the main agent how it uses aux.
 *
 * @module
 */

import type { AgentHistory } from "./types.ts";
import type { HumanEvalProblem } from "./datasets.ts";
import {
  authorsCombine,
  authorsDefined,
  authorsExtractFunction,
  authorsIsWrapper,
  authorsPromptImports,
  authorsSlicedTests,
  authorsTestLines,
  authorsUsesAux,
  PY_W,
  PY_WS,
  pyStrip,
} from "./coding_authors.ts";
import { runVerdictTests, type VerdictOptions, type VerdictReport } from "../sandbox/verdict.ts";

const PARAMS = new RegExp(`def${PY_WS}+${PY_W}+${PY_WS}*\\(([^)]+)\\)`, "u");
const NO_INFO = "Error: Could not extract function information from prompt.";

/** Parameters of the first `def` of the prompt, as written (annotations kept). */
export function authorsPromptParams(prompt: string): string[] {
  const m = PARAMS.exec(prompt);
  return m ? m[1].split(",").map(pyStrip).filter((p) => p) : [];
}

const RULES = [
  "IMPORTANT INSTRUCTIONS:",
  "- Output ONLY the function code, no explanations or examples",
  "- Do NOT include markdown code blocks (```python)",
  "- Do NOT include any text before or after the function",
  "- Do NOT include test cases or example usage",
];

/**
 * The authors' first-turn prompt of agent 1 (the helper `aux`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { authorsAuxPrompt } from "./coding_feedback_authors.ts";
 * const prompt = authorsAuxPrompt({ task_id: "t", prompt: "def f(x):\n", test: "", entry_point: "f" });
 * assert.ok(prompt.startsWith("Create a helper function for this coding problem."));
 * ```
 */
export function authorsAuxPrompt(problem: HumanEvalProblem): string {
  const prompt = problem.prompt ?? "";
  if (!authorsPromptParams(prompt).length || !problem.entry_point) return NO_INFO;
  return [
    "Create a helper function for this coding problem.",
    "",
    "Problem:",
    prompt,
    "",
    ...RULES,
    "- Create a helper function named 'aux' that can assist the main function",
    "- The function should return useful data for solving the problem",
    "",
    "Your output should follow this format:",
    "",
    "def aux(...):",
    " # your function code here",
    "return result",
    "",
  ].join("\n");
}

/**
 * The authors' single-agent prompt (`complete_function_formatter` of their `train_grpo.py`,
 * the GRPO baseline): the model writes the entry point alone, no helper.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { authorsSinglePrompt } from "./coding_feedback_authors.ts";
 * const prompt = authorsSinglePrompt({ task_id: "t", prompt: "def f(x):\n", test: "", entry_point: "f" });
 * assert.ok(prompt.endsWith("def f(x):\n    # your function code here\n    return result\n"));
 * ```
 */
export function authorsSinglePrompt(problem: HumanEvalProblem): string {
  const prompt = problem.prompt ?? "";
  const entry = problem.entry_point;
  const params = authorsPromptParams(prompt);
  if (!params.length || !entry) return NO_INFO;
  return [
    "Solve this coding problem by implementing the required function.",
    "",
    "Problem:",
    prompt,
    "",
    ...RULES,
    `- Implement ONLY the '${entry}' function as specified`,
    "- Make sure your solution is complete and handles all cases",
    "",
    "Your output should follow this format:",
    "",
    `def ${entry}(${params.join(", ")}):`,
    "    # your function code here",
    "    return result",
    "",
  ].join("\n");
}

/** The authors' first-turn prompt of agent 2 (the entry point, which may call `aux`). */
export function authorsMainPrompt(problem: HumanEvalProblem): string {
  const prompt = problem.prompt ?? "";
  const entry = problem.entry_point;
  const params = authorsPromptParams(prompt);
  if (!params.length || !entry) return NO_INFO;
  return [
    "Solve this coding problem by implementing the required function.",
    "",
    "Problem:",
    prompt,
    "",
    "You have access to a helper function: aux(...)",
    "",
    ...RULES,
    "- Do NOT redefine the aux() function",
    `- Implement ONLY the '${entry}' function as specified`,
    "- You can call aux() to assign value to a variable within your function if helpful",
    "",
    "Your output should follow this format:",
    "",
    `def ${entry}(${params.join(", ")}):`,
    " # your function code here",
    "return result",
    "",
  ].join("\n");
}

function historyLines(h: AgentHistory | undefined, responsesTitle: string): string[] {
  const out: string[] = [];
  if (h?.prompts?.length) {
    out.push("History: previous prompts:");
    h.prompts.forEach((p, t) => out.push(`- Turn ${t + 1} prompt:\n${p}`));
    out.push("");
  }
  if (h?.responses?.length) {
    out.push(responsesTitle);
    h.responses.forEach((r, t) => out.push(`- Turn ${t + 1} response:\n${r}`));
    out.push("");
  }
  return out;
}

/** Options of the authors' level feedback: sandbox settings and their `sandbox_slice`. */
export type AuthorsFeedbackOptions = Omit<VerdictOptions, "mode" | "analyze"> & {
  /** How many asserts the feedback runs (theirs: 1; 0 = all). */
  sandboxSlice?: number;
};

/** Runs the feedback's tests on `combined` and writes the syntax and test diagnostic lines. */
async function diagnostics(
  problem: HumanEvalProblem,
  combined: string,
  analyze: string | undefined,
  options: AuthorsFeedbackOptions,
): Promise<{ v: VerdictReport; diag: string[] }> {
  const { sandboxSlice = 1, ...sandbox } = options;
  const testCode = authorsSlicedTests(problem.test, sandboxSlice);
  const lines = authorsTestLines(testCode, problem.entry_point);
  const v = await runVerdictTests(combined, lines, { ...sandbox, mode: "once", analyze });
  const diag: string[] = [];
  const syntaxMsg = v.syntax.ok
    ? "Combined code syntax OK"
    : `Combined code has syntax error: ${v.syntax.text}`;
  diag.push(`- Syntax: ${v.syntax.ok ? "OK" : "ERROR"} (${syntaxMsg})`);
  if (!v.syntax.ok && v.syntax.isSyntaxError) {
    diag.push(`  SyntaxError at line ${v.syntax.line}, col ${v.syntax.offset}: ${v.syntax.msg}`);
  }
  if (v.syntax.ok && v.total > 0) {
    const failing = v.tests.filter((t) =>
      v.loadError !== null || (t.status !== "pass" && t.status !== "skipped")
    );
    diag.push(`- Tests: ${v.loadError ? 0 : v.passed}/${v.total} passed`);
    for (const t of failing) {
      const [type, msg] = v.loadError
        ? [v.loadError.type, v.loadError.message]
        : [t.errorType, t.errorMessage];
      diag.push(`  Failed case: ${t.source} -> ${type}: ${msg}`);
    }
  } else diag.push("- Tests: no test cases found");
  return { v, diag };
}

const found = (d: { ok: boolean; message: string }) =>
  `${d.ok ? "FOUND" : "MISSING"} (${d.message})`;

/**
 * Next-turn prompts `[aux agent, main agent]` as the authors' level feedback writes them.
 * `histories[i]` holds agent i's prompts and responses up to and including this turn.
 * `sandboxSlice`: how many asserts the feedback runs (theirs: 1; 0 = all).
 */
export async function authorsFeedbackPrompts(
  problem: HumanEvalProblem,
  completions: string[],
  histories: AgentHistory[] = [],
  options: AuthorsFeedbackOptions = {},
): Promise<string[]> {
  const [auxText = "", mainText = ""] = completions;
  const entry = problem.entry_point;
  const auxFunc = authorsExtractFunction(auxText, "aux");
  const mainFunc = authorsExtractFunction(mainText, entry);
  const auxDef = authorsDefined(auxText, "aux", "Aux function");
  const mainDef = authorsDefined(mainText, entry, `Main function (${entry})`);
  const combined = authorsCombine(auxFunc, mainFunc, authorsPromptImports(problem.prompt));
  const { v, diag } = await diagnostics(problem, combined, mainFunc || undefined, options);
  const auxLines = [
    ...historyLines(histories[0], "History: your previous aux(...) responses:"),
    "Static and execution diagnostics:",
    `- Aux definition: ${found(auxDef)}`,
    `- Main definition: ${found(mainDef)}`,
    ...diag,
    "\nRevise your aux(...) accordingly. Output ONLY the function code with no extra text.",
  ];
  const usage: string[] = [];
  if (mainDef.ok) {
    if (!authorsUsesAux(mainFunc)) usage.push("- Aux usage: main does NOT call aux");
    else if (v.auxMisuse.length) {
      usage.push(`- Aux usage: called but misused (${v.auxMisuse.slice(0, 2).join(", ")})`);
    } else usage.push("- Aux usage: main calls aux and uses its result");
    if (authorsIsWrapper(mainFunc)) {
      usage.push("- Warning: main appears to be a thin wrapper over aux");
    }
  }
  const mainLines = [
    ...historyLines(histories[1], "History: your previous main responses:"),
    "Static and execution diagnostics:",
    `- Main definition: ${found(mainDef)}`,
    `- Aux definition: ${found(auxDef)}`,
    ...diag,
    ...usage,
    `\nRevise your ${entry}(...) accordingly. Output ONLY the function code with no extra text.`,
  ];
  return [auxLines.join("\n"), mainLines.join("\n")];
}

/**
 * The single model's next prompt as the authors' level feedback writes it for one agent (their
 * multi-turn GRPO baseline, `num_agent=1`): its history of prompts and responses, the main
 * function's definition, the syntax of prompt imports + main, and the first assert's result.
 * `history` holds its prompts and responses up to and including this turn.
 *
 * @example
 * ```ts
 * import { authorsSingleFeedbackPrompt } from "./coding_feedback_authors.ts";
 * const problem = {
 *   task_id: "t", prompt: "def f(x):\n", entry_point: "f",
 *   test: "def check(candidate):\n    assert candidate(1) == 2\n    assert candidate(2) == 3\n",
 * };
 * const next = await authorsSingleFeedbackPrompt(problem, "def f(x):\n    return x + 1");
 * next.includes("- Tests: 1/1 passed"); // true: only the first assert is run
 * ```
 */
export async function authorsSingleFeedbackPrompt(
  problem: HumanEvalProblem,
  completion: string,
  history: AgentHistory = { prompts: [], responses: [] },
  options: AuthorsFeedbackOptions = {},
): Promise<string> {
  const entry = problem.entry_point;
  const mainFunc = authorsExtractFunction(completion, entry);
  const mainDef = authorsDefined(completion, entry, `Main function (${entry})`);
  const combined = authorsCombine("", mainFunc, authorsPromptImports(problem.prompt));
  const { diag } = await diagnostics(problem, combined, undefined, options);
  return [
    ...historyLines(history, "History: your previous responses:"),
    "Static and execution diagnostics:",
    `- Main definition: ${found(mainDef)}`,
    ...diag,
    `\nRevise your ${entry}(...) accordingly. Output ONLY the function code with no extra text.`,
  ].join("\n");
}
