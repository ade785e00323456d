/**
 * Joint actions: how the N agents' G completions each are combined into the joint actions that
 * get one joint reward each (MAGRPO, Liu et al. 2025).
 *
 * - `"aligned"`: joint action g is the g-th completion of every agent → G joint actions (all
 *   agents must have the same G).
 * - `"cross"`: the Cartesian product → G_0 · G_1 · … · G_{N−1} joint actions (G^N for equal
 *   sizes), in row-major order: agent 0 varies slowest, the last agent fastest. Joint action j
 *   holds completion `k_i = ⌊j / s_i⌋ mod G_i` of agent i, with stride `s_i = G_{i+1} · … · G_{N−1}`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { jointActions } from "./joint.ts";
 * assert.deepEqual(jointActions([["a0", "a1"], ["b0", "b1"]], "aligned"), [["a0","b0"], ["a1","b1"]]);
 * assert.deepEqual(jointActions([["a0", "a1"], ["b0", "b1"]], "cross"), [["a0","b0"], ["a0","b1"], ["a1","b0"], ["a1","b1"]]);
 * ```
 *
 * @module
 */
import { UserError } from "../util/errors.ts";

/** How agents' completions combine into joint actions. */
export type JointMode = "aligned" | "cross";

/** Cross mode refuses to build more joint actions than this (each needs a reward call). */
const MAX_CROSS_JOINT_ACTIONS = 1_000_000;

/** Checks the mode and group sizes; returns the number of joint actions. */
function jointCount(groupSizes: number[], mode: JointMode, fn: string): number {
  if (mode !== "aligned" && mode !== "cross") {
    throw new UserError(
      `${fn}: mode must be "aligned" or "cross", got ${JSON.stringify(mode)}`,
    );
  }
  if (groupSizes.length === 0) {
    throw new UserError(`${fn}: expected at least one agent, got none`);
  }
  if (mode === "aligned") {
    if (groupSizes.some((g) => g !== groupSizes[0])) {
      throw new UserError(
        `${fn}: "aligned" mode needs the same number of completions for every agent, ` +
          `got [${groupSizes.join(", ")}]`,
      );
    }
    return groupSizes[0];
  }
  const total = groupSizes.reduce((a, b) => a * b, 1);
  if (total > MAX_CROSS_JOINT_ACTIONS) {
    throw new UserError(
      `${fn}: "cross" mode with group sizes [${groupSizes.join(", ")}] makes ${total} joint ` +
        `actions (limit ${MAX_CROSS_JOINT_ACTIONS}); use fewer agents/completions or "aligned"`,
    );
  }
  return total;
}

/** Row-major strides: agent i's completion index in joint action j is ⌊j / s_i⌋ mod G_i. */
function crossStrides(groupSizes: number[]): number[] {
  const s = new Array<number>(groupSizes.length);
  let acc = 1;
  for (let i = groupSizes.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= groupSizes[i];
  }
  return s;
}

/**
 * Which completion of each agent joint action j uses: `[k_0, …, k_{N−1}]`.
 * In aligned mode every entry is j.
 */
function completionIndices(
  j: number,
  groupSizes: number[],
  strides: number[],
  mode: JointMode,
): number[] {
  return groupSizes.map((g, i) => mode === "aligned" ? j : Math.floor(j / strides[i]) % g);
}

/**
 * Combines each agent's completions into joint actions. `completionsPerAgent[i]` holds agent
 * i's completions; each returned joint action has one entry per agent (length N).
 *
 * @param completionsPerAgent one array of completions per agent
 * @param mode `"aligned"` (G joint actions) or `"cross"` (Cartesian product, agent 0 slowest)
 * @throws {UserError} no agents, unequal counts in aligned mode, or an unknown mode
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { jointActions } from "./joint.ts";
 * assert.deepEqual(jointActions([[1, 2], [3, 4], [5, 6]], "aligned"), [[1,3,5], [2,4,6]]);
 * assert.deepEqual(jointActions([[1, 2], [3]], "cross"), [[1,3], [2,3]]);
 * ```
 */
export function jointActions<T>(
  completionsPerAgent: T[][],
  mode: JointMode,
): T[][] {
  const sizes = completionsPerAgent.map((c) => c.length);
  const total = jointCount(sizes, mode, "jointActions");
  const strides = crossStrides(sizes);
  return Array.from(
    { length: total },
    (_, j) => completionIndices(j, sizes, strides, mode).map((k, i) => completionsPerAgent[i][k]),
  );
}

/**
 * For each agent i and each of its completions k, the indices of the joint actions that
 * contain that completion: `membership[i][k]`. In aligned mode that is `[k]`; in cross mode
 * it is the G^(N−1) joint actions (for equal sizes) where agent i played k. Used for
 * cross-mode credit (see `crossAgentReturns` in `returns.ts`).
 *
 * @param groupSizes the number of completions of each agent
 * @param mode as in {@link jointActions}
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { jointMembership } from "./joint.ts";
 * assert.deepEqual(jointMembership([2, 2], "cross"), [[[0, 1], [2, 3]], [[0, 2], [1, 3]]]);
 * ```
 */
export function jointMembership(
  groupSizes: number[],
  mode: JointMode,
): number[][][] {
  const total = jointCount(groupSizes, mode, "jointMembership");
  const strides = crossStrides(groupSizes);
  const members = groupSizes.map((g) => Array.from({ length: g }, () => [] as number[]));
  for (let j = 0; j < total; j++) {
    completionIndices(j, groupSizes, strides, mode).forEach((k, i) => members[i][k].push(j));
  }
  return members;
}
