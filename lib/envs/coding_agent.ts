/**
 * Each coding agent's own reward, for the independent-learners baseline: the part of the joint
 * coding reward ({@link ./coding.ts}) that one agent controls alone, computed from its own
 * completion without the other agent's code.
 *
 * | agent | level | credit |
 * | --- | --- | --- |
 * | 0 (aux) | `aux_defined` | 0.4 when `def aux(` is found and returns a value |
 * | 0 (aux) | `aux_parses` | 0.5 when `aux` (with its imports) parses alone |
 * | 1 (main) | `main_defined` | 0.6 when the entry point is found and returns a value (else stop) |
 * | 1 (main) | `syntax` | 0.5 when the problem preamble + main's imports + main parse (else stop) |
 * | 1 (main) | `tests` | fraction of the problem's tests that main passes alone (no `aux`) |
 *
 * Maxima: 0.9 for agent 0, 2.1 for agent 1. The cooperation levels of the joint reward
 * (`aux_used`, `not_wrapper`) need both agents and are left out; a main that calls `aux` fails
 * the tests here (NameError), since independent learners do not see each other's code.
 *
 * @module
 */

import { UserError } from "../util/errors.ts";
import type { RewardBreakdown } from "./types.ts";
import type { HumanEvalProblem } from "./datasets.ts";
import type { CodingOptions } from "./coding_types.ts";
import { AUX_NAME, jointProgram } from "./coding_program.ts";
import { runChecks } from "../sandbox/checks.ts";
import { runPython } from "../sandbox/python.ts";
import { extractCode, extractFunction, hasReturnValue, importLines } from "../sandbox/source.ts";

/** A Python program that exits 0 when `__SRC__` (a JSON string of JSON) parses, else 1. */
const PARSE_PY = `import ast, json, sys
src = json.loads(__SRC__)
try:
    ast.parse(src, "<aux>")
except Exception as e:
    print(type(e).__name__ + ": " + str(e))
    sys.exit(1)
`;

/** Whether `code` parses as Python (`ast.parse` in the sandbox; the code is never run). */
async function parsesAlone(
  code: string,
  options: CodingOptions,
): Promise<boolean> {
  const source = PARSE_PY.replace(
    "__SRC__",
    () => JSON.stringify(JSON.stringify(code)),
  );
  const res = await runPython(source, {
    timeoutMs: (options.testTimeoutMs ?? 3000) + 2000,
    memoryMb: options.memoryMb ?? 512,
    python: options.python,
    limiter: options.limiter,
    tmpDir: options.tmpDir,
    unsafe: options.unsafe,
  });
  return res.ok;
}

function checkInputs(agent: number, text: unknown, problem: HumanEvalProblem) {
  if (agent !== 0 && agent !== 1) {
    throw new UserError(
      `coding agentReward: agent must be 0 (aux) or 1 (entry point), got ${agent}`,
    );
  }
  if (typeof text !== "string") {
    throw new UserError(
      `coding agentReward: the completion of agent ${agent} must be a string, got ${typeof text}`,
    );
  }
  if (
    !problem || typeof problem.entry_point !== "string" ||
    typeof problem.test !== "string"
  ) {
    throw new UserError(
      "coding agentReward: problem must be a HumanEval-format object (prompt, test, entry_point)",
    );
  }
}

/**
 * The levels of agent `agent`'s own reward (see the module table): agent 0 is scored on its
 * `aux` alone, agent 1 on its entry point alone (tests run in the sandbox without `aux`).
 *
 * @throws {UserError} when `agent` is not 0 or 1, `completion` is not a string, or `problem`
 * lacks `entry_point` / `test`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { codingAgentLevels } from "./coding_agent.ts";
 * const problem = {
 *   task_id: "demo/0", prompt: "def double(x):\n", canonical_solution: "    return 2 * x\n",
 *   test: "def check(candidate):\n    assert candidate(2) == 4\n", entry_point: "double",
 * };
 * assert.ok(Math.abs(((await codingAgentLevels(0, "def aux(x):\n    return x + x", problem)).total) - 0.9) <= 0.1); // 0.9
 * (await codingAgentLevels(1, "def double(x):\n    return aux(x)", problem)).total; // 1.1 (NameError)
 * ```
 */
export async function codingAgentLevels(
  agent: number,
  completion: string,
  problem: HumanEvalProblem,
  options: CodingOptions = {},
): Promise<RewardBreakdown> {
  checkInputs(agent, completion, problem);
  const text = extractCode(completion);
  if (agent === 0) {
    const aux = extractFunction(text, AUX_NAME);
    const levels = {
      aux_defined: aux !== "" && hasReturnValue(aux) ? 0.4 : 0,
      aux_parses: 0,
    };
    if (aux !== "") {
      const code = [...importLines(text), aux].join("\n");
      if (await parsesAlone(code, options)) levels.aux_parses = 0.5;
    }
    return { total: levels.aux_defined + levels.aux_parses, levels };
  }
  const main = extractFunction(text, problem.entry_point);
  const levels = { main_defined: 0, syntax: 0, tests: 0 };
  const done = () => ({
    total: Math.round((levels.main_defined + levels.syntax + levels.tests) * 1e9) / 1e9,
    levels,
  });
  if (main === "" || !hasReturnValue(main)) return done();
  levels.main_defined = 0.6;
  const program = jointProgram(problem, "", main, importLines(text)).program;
  const checks = await runChecks(program, problem.test, problem.entry_point, options);
  if (!checks.syntax.ok) return done();
  levels.syntax = 0.5;
  levels.tests = checks.total > 0 ? checks.passed / checks.total : 0;
  return done();
}

/**
 * What agent `agent` (0: aux, 1: entry point) earns alone on `problem`: the total of
 * {@link codingAgentLevels}. This is the coding environment's `agentReward`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { codingAgentReward } from "./coding_agent.ts";
 * const problem = {
 *   task_id: "demo/0", prompt: "def double(x):\n", canonical_solution: "    return 2 * x\n",
 *   test: "def check(candidate):\n    assert candidate(2) == 4\n", entry_point: "double",
 * };
 * assert.ok(Math.abs((await codingAgentReward(1, "def double(x):\n    return 2 * x", problem)) - 2.1) <= 0.1); // 2.1
 * ```
 */
export async function codingAgentReward(
  agent: number,
  completion: string,
  problem: HumanEvalProblem,
  options: CodingOptions = {},
): Promise<number> {
  return (await codingAgentLevels(agent, completion, problem, options)).total;
}
