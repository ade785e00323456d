/**
 * Bring your own task: {@link defineEnvironment} turns rows, one prompt function per agent and
 * a reward function into an {@link Environment} that `train(cfg, { environment })` accepts.
 * Every problem with the definition is reported at once, each naming the key and what was
 * expected; each prompt function is tried on the first row, so a prompt that throws or does
 * not return a string fails here rather than in the middle of training.
 *
 * @module
 */
import type { AgentHistory, Environment, RewardBreakdown } from "./types.ts";
import { splitRows, type SplitSpec } from "./split.ts";
import { UserError } from "../util/errors.ts";
export type { AgentHistory, Environment, RewardBreakdown, SplitSpec };

/** What a reward function may return: a number, or a total with named levels (logged apart). */
export type RewardResult = number | RewardBreakdown;

/** How the rows are split into training and evaluation rows. */
export type EnvironmentSplit<R> =
  | SplitSpec
  | {
    /** Held-out evaluation rows (all of `rows` then train). */
    evalRows: R[];
  };

/** A task definition (see {@link defineEnvironment}). */
export interface EnvironmentDefinition<R> {
  /** Short identifier (letters, digits, `-`, `_`, `.`): logs and the run folder's name. */
  name: string;
  /** The dataset rows (at least one). */
  rows: R[];
  /** One prompt function per agent: agent i sees only `prompts[i](row)`. */
  prompts: Array<(row: R) => string>;
  /** The joint reward of the agents' answers (`answers[i]`: agent i's text); may be async. */
  reward: (answers: string[], row: R) => RewardResult | Promise<RewardResult>;
  /** Optional: each agent's next prompt in a multi-turn episode (`turns > 1`). */
  transition?: (
    row: R,
    answers: string[],
    histories: AgentHistory[],
  ) => string[] | Promise<string[]>;
  /** Optional: what agent i's answer achieves alone (the `independent` baseline). */
  agentReward?: (agent: number, text: string, row: R) => number | Promise<number>;
  /**
   * Optional: held-out evaluation rows, or a split of `rows` (`evalFraction`, or Python slices
   * `trainSlice` / `evalSlice`). Absent: every row trains and there is no evaluation.
   */
  split?: EnvironmentSplit<R>;
}

const KEYS = ["name", "rows", "prompts", "reward", "transition", "agentReward", "split"];
const SPLIT_KEYS = ["evalRows", "trainSlice", "evalSlice", "evalFraction"];
const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

const kind = (x: unknown) => x === null ? "null" : Array.isArray(x) ? "an array" : typeof x;

/** Every problem of a definition (empty: fine). */
function problems(def: Record<string, unknown>): string[] {
  const out: string[] = [];
  for (const k of Object.keys(def)) {
    if (!KEYS.includes(k)) out.push(`${k}: unknown key (known: ${KEYS.join(", ")})`);
  }
  const { name, rows, prompts, reward, split } = def;
  if (typeof name !== "string" || !NAME.test(name)) {
    out.push(
      `name: expected a short identifier (letters, digits, "-", "_", "."), got ${
        typeof name === "string" ? JSON.stringify(name) : kind(name)
      }`,
    );
  }
  if (!Array.isArray(rows) || rows.length === 0) {
    out.push(
      `rows: expected a non-empty array of rows, got ${Array.isArray(rows) ? "[]" : kind(rows)}`,
    );
  }
  if (!Array.isArray(prompts) || prompts.length === 0) {
    out.push(
      `prompts: expected one function per agent, [(row) => string, …], got ${
        Array.isArray(prompts) ? "[]" : kind(prompts)
      }`,
    );
  } else {
    prompts.forEach((p, i) => {
      if (typeof p !== "function") out.push(`prompts[${i}]: expected a function, got ${kind(p)}`);
    });
  }
  if (typeof reward !== "function") {
    out.push(
      `reward: expected a function (answers, row) => number | {total, levels}, got ${kind(reward)}`,
    );
  }
  for (const k of ["transition", "agentReward"]) {
    if (def[k] !== undefined && typeof def[k] !== "function") {
      out.push(`${k}: expected a function, got ${kind(def[k])}`);
    }
  }
  if (split !== undefined) out.push(...splitProblems(split));
  return out;
}

function splitProblems(split: unknown): string[] {
  if (!split || typeof split !== "object" || Array.isArray(split)) {
    return [
      `split: expected an object ({ evalRows } or { evalFraction, trainSlice, evalSlice }), got ${
        kind(split)
      }`,
    ];
  }
  const s = split as Record<string, unknown>, out: string[] = [];
  for (const k of Object.keys(s)) {
    if (!SPLIT_KEYS.includes(k)) {
      out.push(`split.${k}: unknown key (known: ${SPLIT_KEYS.join(", ")})`);
    }
  }
  if ("evalRows" in s) {
    if (!Array.isArray(s.evalRows) || s.evalRows.length === 0) {
      out.push(`split.evalRows: expected a non-empty array of rows, got ${kind(s.evalRows)}`);
    }
    const other = SPLIT_KEYS.filter((k) => k !== "evalRows" && k in s);
    if (other.length) out.push(`split: evalRows cannot be combined with ${other.join(", ")}`);
  }
  const f = s.evalFraction;
  if (f !== undefined && !(typeof f === "number" && f > 0 && f < 1)) {
    out.push(`split.evalFraction: expected a number in (0, 1), got ${JSON.stringify(f)}`);
  }
  for (const k of ["trainSlice", "evalSlice"]) {
    if (s[k] !== undefined && typeof s[k] !== "string") {
      out.push(`split.${k}: expected a Python slice "start:stop", got ${kind(s[k])}`);
    }
  }
  return out;
}

/** `prompts[i](rows[0])` for each i: a thrown error or a non-string is a problem. */
function promptProblems<R>(prompts: Array<(row: R) => string>, row: R): string[] {
  const out: string[] = [];
  prompts.forEach((p, i) => {
    try {
      const v = p(row);
      if (typeof v !== "string") {
        out.push(`prompts[${i}](rows[0]) returned ${kind(v)}, expected a string`);
      }
    } catch (err) {
      out.push(`prompts[${i}](rows[0]) threw: ${err instanceof Error ? err.message : String(err)}`);
    }
  });
  return out;
}

const breakdown = (v: RewardResult): RewardBreakdown =>
  typeof v === "number" ? { total: v, levels: {} } : v;

/**
 * An environment from a task definition: `numAgents` is the number of prompt functions, a
 * number returned by `reward` becomes `{ total, levels: {} }` (a wrong value is reported at
 * training time naming the row), and `split` decides the held-out `evalRows`.
 *
 * @throws {UserError} listing every problem of the definition (unknown keys, wrong types, an
 * empty `rows` or `prompts`, a prompt function that throws or returns no string on `rows[0]`)
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { defineEnvironment } from "./define.ts";
 * const env = defineEnvironment({
 *   name: "echo",
 *   rows: [{ word: "cat" }, { word: "dog" }],
 *   prompts: [(r) => `Say ${r.word}:`, (r) => `Say ${r.word} again:`],
 *   reward: ([a, b], r) => Number(a.includes(r.word)) + Number(b.includes(r.word)),
 * });
 * assert.deepEqual(env.numAgents, 2);
 * ```
 */
export function defineEnvironment<R>(def: EnvironmentDefinition<R>): Environment<R> {
  if (!def || typeof def !== "object" || Array.isArray(def)) {
    throw new UserError(`defineEnvironment: expected a task definition object, got ${kind(def)}`);
  }
  const where = `defineEnvironment(${
    typeof def.name === "string" ? JSON.stringify(def.name) : "without a name"
  })`;
  let found = problems(def as unknown as Record<string, unknown>);
  if (!found.length) found = promptProblems(def.prompts, def.rows[0]);
  if (found.length) {
    const n = found.length;
    throw new UserError(
      `${where}: ${n} problem${n > 1 ? "s" : ""}:\n` + found.map((p) => `  - ${p}`).join("\n"),
    );
  }
  const user = def.reward;
  const reward = (answers: string[], row: R) => {
    const v = user(answers, row);
    return v instanceof Promise ? v.then(breakdown) : breakdown(v);
  };
  Object.defineProperty(reward, "name", { value: user.name || `${def.name} reward` });
  let rows = def.rows, evalRows: R[] | undefined;
  const split = def.split;
  if (split && "evalRows" in split) evalRows = split.evalRows;
  else if (split) ({ train: rows, eval: evalRows } = splitRows(def.name, def.rows, split));
  return {
    name: def.name,
    numAgents: def.prompts.length,
    rows,
    formatters: [...def.prompts],
    reward,
    ...(def.transition ? { transition: def.transition } : {}),
    ...(def.agentReward ? { agentReward: def.agentReward } : {}),
    ...(evalRows ? { evalRows } : {}),
  };
}
