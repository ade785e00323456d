/**
 * A complementarity task: both agents see the same pair of animals ("a X and a Y") and, between
 * them, must cover the pair without overlapping: each animal should be mentioned by exactly one
 * of the two sentences. Which agent takes which animal is arbitrary (both splits are equally
 * good), so each agent's best answer depends on its partner's habit. The two prompts are the
 * same, so the untrained agents share their prior and tend to name the same animal (overlap).
 *
 * Joint reward (max 1), one level per animal: `cover` = 1/2 × the number of the pair's animals
 * mentioned by exactly one agent, scaled by `fluency₁ × fluency₂` (see `toy.ts`). Both agents
 * naming both animals earns 0; one naming X, the other Y earns 1.
 *
 * `agentReward(i, text, row)`, what agent i controls alone: its own share of the coverage,
 * `fluency × (animals it mentions) / 2`. It is honest (alone, naming more of the set covers
 * more) and it is exactly what misleads independent learners: it rewards each agent for naming
 * both animals, which the joint reward punishes as overlap.
 *
 * @module
 */
import type { Environment, RewardBreakdown } from "./types.ts";
import { fluency } from "./toy.ts";
import { mentionedAnimals, pairPrompt, type PairRow, pairRows } from "./coordination.ts";
export type { PairRow };

/**
 * The complementarity reward of `[agent 1's text, agent 2's text]` (see the module doc).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { complementarityReward } from "./complementarity.ts";
 * const row = { a: "fox", b: "cat" };
 * assert.equal(complementarityReward(["The fox ran.", "A cat can run."], row).total, 1);
 * assert.equal(complementarityReward(["The fox ran.", "The fox can run."], row).total, 0);
 * assert.equal(complementarityReward(["The fox ran.", "The dog can run."], row).total, 0.5);
 * ```
 */
export function complementarityReward(completions: string[], row: PairRow): RewardBreakdown {
  const [t1 = "", t2 = ""] = completions;
  const m1 = mentionedAnimals(t1, row), m2 = mentionedAnimals(t2, row);
  const exclusive = [row.a, row.b].filter((x) => m1.includes(x) !== m2.includes(x)).length;
  const cover = 0.5 * exclusive * fluency(t1) * fluency(t2);
  return { total: cover, levels: { cover } };
}

/**
 * What agent `i` controls alone: `fluency × (animals of the pair it mentions) / 2`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { complementarityAgentReward } from "./complementarity.ts";
 * assert.equal(complementarityAgentReward(0, "The fox saw a cat.", { a: "fox", b: "cat" }), 1);
 * assert.equal(complementarityAgentReward(1, "The fox ran.", { a: "fox", b: "cat" }), 0.5);
 * ```
 */
export function complementarityAgentReward(_agent: number, text: string, row: PairRow): number {
  return fluency(text) * mentionedAnimals(text, row).length / 2;
}

/**
 * The complementarity environment over `rows` (default: every pair of the 24 animals); both
 * agents get the same prompt.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { complementarityEnv } from "./complementarity.ts";
 * const env = complementarityEnv([{ a: "fox", b: "cat" }]);
 * assert.deepEqual(env.formatters.map((f) => f(env.rows[0])), [
 *   "Write a short sentence about a fox and a cat:",
 *   "Write a short sentence about a fox and a cat:",
 * ]);
 * ```
 */
export function complementarityEnv(rows: PairRow[] = pairRows()): Environment<PairRow> {
  return {
    name: "complementarity",
    numAgents: 2,
    rows,
    formatters: [pairPrompt, pairPrompt],
    reward: complementarityReward,
    agentReward: complementarityAgentReward,
    singlePrompt: (r, sep) =>
      `Write a short sentence about a ${r.a}, then "${sep}", then a short sentence about a ${r.b}:`,
  };
}
