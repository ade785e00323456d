/**
 * The lines of a run's `completions.jsonl`: every `log.completionsEvery` steps, the sampled
 * joint answers of the step's first prompt with their rewards (like TRL's `log_completions`),
 * so that a reader sees what the agents actually wrote while the reward curve moved.
 *
 * @module
 */

/** One joint answer: each agent's text and the joint reward it earned. */
export interface LoggedAnswer {
  /** `texts[i]`: agent i's completion. */
  texts: string[];
  /** The joint reward (raw, before shaping). */
  reward: number;
  /** The reward's levels by name. */
  levels: Record<string, number>;
  /** The advantage it was trained with (absent when the algorithm has none per joint answer). */
  advantage?: number;
}

/** One line of `completions.jsonl`. */
export interface CompletionsRecord {
  /** The training step. */
  step: number;
  /** The turn (0: first). */
  turn: number;
  /** `prompts[i]`: the prompt agent i saw. */
  prompts: string[];
  /** The sampled joint answers (the group of G, or fewer). */
  answers: LoggedAnswer[];
}

/**
 * Reads a `completions.jsonl` (an empty list when the file does not exist).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { readCompletions } from "./completions.ts";
 * const last = (await readCompletions("runs/none/completions.jsonl")).at(-1);
 * assert.equal(last, undefined); // no file: no lines (else last.answers[0].texts: each agent's text)
 * ```
 */
export async function readCompletions(path: string): Promise<CompletionsRecord[]> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return [];
    throw err;
  }
  return text.split("\n").filter((l) => l.trim()).map((l) => JSON.parse(l) as CompletionsRecord);
}
