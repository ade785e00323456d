/**
 * A pure coordination task whose conventions no prior can favour. Each row holds two different
 * pairs of animals: agent 1 is asked for a short sentence about "a A and a B", agent 2 about
 * "a C and a D" (four different animals, drawn at random). An agent's choice is the slot of the
 * one animal of its pair that it names (first or second); the joint reward pays when both pick
 * the same slot. "Both name the first" and "both name the second" are equally good conventions.
 *
 * Why it is built like this (issue 14's warning): a task where both agents must name the same
 * animal did not separate MAGRPO from independent learners, because the shared pretrained prior
 * is a focal point (on the pairs task here the untrained agents, asked about the same pair in
 * opposite orders, already agree on the animal in about half of the rows: they prefer the same
 * animals). Here the agents never see the same animals, and the order inside each pair is
 * drawn at random, so whatever animals an agent prefers says nothing about the slot its partner
 * will pick: untrained agreement is at chance (1/2 of the rows where both name one animal), and
 * an agent that sharpens its own preferences (what an independent learner can do) stays there.
 * Only a convention learned jointly, e.g. "name the animal listed first", moves it; such a
 * convention transfers to held-out rows.
 *
 * Joint reward (max 1), two levels:
 * - `valid`: 0.25 × the mean over agents of `fluency × [names exactly one animal of its pair]`;
 * - `agree`: 0.75 × `fluency₁ × fluency₂ × [both name exactly one, in the same slot]`.
 *
 * `agentReward(i, text, row)` is what agent i controls alone: `fluency × [names exactly one
 * animal of its pair]` (max 1); it cannot tell an agent which slot its partner will pick.
 *
 * @module
 */
import type { Environment, RewardBreakdown } from "./types.ts";
import { fluency, words } from "./toy.ts";
import { makeRng } from "../util/rng.ts";

/** Two animals of {@link PAIR_ANIMALS}, in the order a prompt lists them. */
export interface PairRow {
  /** The animal listed first. */
  a: string;
  /** The animal listed second. */
  b: string;
}

/** Animals the default model's corpus writes about (each 70–170 times in `data/corpus`). */
export const PAIR_ANIMALS: readonly string[] = [
  "fox",
  "cat",
  "dog",
  "bee",
  "pig",
  "frog",
  "owl",
  "cow",
  "duck",
  "goat",
  "horse",
  "bear",
  "lion",
  "bird",
  "sheep",
  "turtle",
  "snail",
  "deer",
  "otter",
  "crab",
  "tiger",
  "zebra",
  "puppy",
  "camel",
];

/**
 * Every unordered pair of `animals` once (276 for the 24 defaults), in an order drawn from
 * `seed`, each pair's two animals in a drawn order too.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { pairRows } from "./coordination.ts";
 * const rows = pairRows(["fox", "cat", "dog"], 1);
 * assert.equal(rows.length, 3); // 3·2/2 pairs
 * assert.ok(rows.every((r) => r.a !== r.b));
 * ```
 */
export function pairRows(animals: readonly string[] = PAIR_ANIMALS, seed = 0): PairRow[] {
  const rng = makeRng(`pairs/${seed}`), out: PairRow[] = [];
  for (let i = 0; i < animals.length; i++) {
    for (let j = i + 1; j < animals.length; j++) {
      const flip = rng.next() < 0.5;
      out.push(flip ? { a: animals[j], b: animals[i] } : { a: animals[i], b: animals[j] });
    }
  }
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rng.next() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

/**
 * Which animals of the pair a text mentions (as a word or its plural "-s"), in pair order.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { mentionedAnimals } from "./coordination.ts";
 * assert.deepEqual(mentionedAnimals("Two cats saw a fox.", { a: "fox", b: "cat" }), ["fox", "cat"]);
 * assert.deepEqual(mentionedAnimals("A foxglove grew.", { a: "fox", b: "cat" }), []);
 * ```
 */
export function mentionedAnimals(text: string, pair: PairRow): string[] {
  const ws = new Set(words(text));
  return [pair.a, pair.b].filter((x) => ws.has(x) || ws.has(`${x}s`));
}

/** One coordination example: agent 1's pair and agent 2's pair (four different animals). */
export interface CoordinationRow {
  /** Agent 1's pair, in the order its prompt lists it. */
  first: PairRow;
  /** Agent 2's pair, in the order its prompt lists it. */
  second: PairRow;
}

/**
 * `n` coordination rows drawn from `seed`: each takes four different animals of `animals` in a
 * random order, the first two for agent 1 and the last two for agent 2.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { coordinationRows } from "./coordination.ts";
 * const [r] = coordinationRows(1, ["fox", "cat", "dog", "bee"], 3);
 * assert.equal(new Set([r.first.a, r.first.b, r.second.a, r.second.b]).size, 4);
 * ```
 */
export function coordinationRows(
  n = 300,
  animals: readonly string[] = PAIR_ANIMALS,
  seed = 0,
): CoordinationRow[] {
  const rng = makeRng(`coordination/${seed}`), out: CoordinationRow[] = [];
  for (let k = 0; k < n; k++) {
    const pool = [...animals], pick = () => pool.splice(Math.floor(rng.next() * pool.length), 1)[0];
    const [a, b, c, d] = [pick(), pick(), pick(), pick()];
    out.push({ first: { a, b }, second: { a: c, b: d } });
  }
  return out;
}

/**
 * The slot (0: first listed, 1: second) of the one animal of `pair` that a text names, or
 * undefined when it names none or both.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { namedSlot } from "./coordination.ts";
 * assert.equal(namedSlot("A cat can run.", { a: "fox", b: "cat" }), 1);
 * assert.equal(namedSlot("A fox saw a cat.", { a: "fox", b: "cat" }), undefined);
 * ```
 */
export function namedSlot(text: string, pair: PairRow): number | undefined {
  const m = mentionedAnimals(text, pair);
  return m.length === 1 ? (m[0] === pair.a ? 0 : 1) : undefined;
}

/**
 * The coordination reward of `[agent 1's text, agent 2's text]` (see the module doc).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { coordinationReward } from "./coordination.ts";
 * const row = { first: { a: "fox", b: "cat" }, second: { a: "dog", b: "bee" } };
 * // both name their first animal (every word a corpus word): valid 0.25 + agree 0.75
 * assert.equal(coordinationReward(["The fox ran.", "A dog can run."], row).total, 1);
 * // first slot and second slot: only valid
 * assert.equal(coordinationReward(["The fox ran.", "A bee can fly."], row).total, 0.25);
 * ```
 */
export function coordinationReward(completions: string[], row: CoordinationRow): RewardBreakdown {
  const [t1 = "", t2 = ""] = completions;
  const q1 = fluency(t1), q2 = fluency(t2);
  const s1 = namedSlot(t1, row.first), s2 = namedSlot(t2, row.second);
  const valid = 0.25 * (q1 * Number(s1 !== undefined) + q2 * Number(s2 !== undefined)) / 2;
  const agree = 0.75 * q1 * q2 * Number(s1 !== undefined && s1 === s2);
  return { total: valid + agree, levels: { valid, agree } };
}

/**
 * What agent `i` controls alone: `fluency × [names exactly one animal of its own pair]`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { coordinationAgentReward } from "./coordination.ts";
 * const row = { first: { a: "fox", b: "cat" }, second: { a: "dog", b: "bee" } };
 * assert.equal(coordinationAgentReward(0, "The fox ran.", row), 1);
 * assert.equal(coordinationAgentReward(1, "The fox ran.", row), 0); // not agent 2's pair
 * ```
 */
export function coordinationAgentReward(agent: number, text: string, row: CoordinationRow): number {
  return fluency(text) *
    Number(namedSlot(text, agent === 0 ? row.first : row.second) !== undefined);
}

/** The prompt about a pair, in its order: `Write a short sentence about a A and a B:`. */
export function pairPrompt(pair: PairRow): string {
  return `Write a short sentence about a ${pair.a} and a ${pair.b}:`;
}

/**
 * The coordination environment over `rows` (default: 300 drawn rows); the registry splits
 * held-out rows off for evaluation.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { coordinationEnv } from "./coordination.ts";
 * const env = coordinationEnv([{ first: { a: "fox", b: "cat" }, second: { a: "dog", b: "bee" } }]);
 * assert.deepEqual(env.formatters.map((f) => f(env.rows[0])), [
 *   "Write a short sentence about a fox and a cat:",
 *   "Write a short sentence about a dog and a bee:",
 * ]);
 * ```
 */
export function coordinationEnv(
  rows: CoordinationRow[] = coordinationRows(),
): Environment<CoordinationRow> {
  return {
    name: "coordination",
    numAgents: 2,
    rows,
    formatters: [(r) => pairPrompt(r.first), (r) => pairPrompt(r.second)],
    reward: coordinationReward,
    agentReward: coordinationAgentReward,
    singlePrompt: (r, sep) =>
      `Write a short sentence about a ${r.first.a} and a ${r.first.b}, then "${sep}", then a ` +
      `short sentence about a ${r.second.a} and a ${r.second.b}:`,
  };
}
