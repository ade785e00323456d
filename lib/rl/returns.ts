/**
 * Returns: what each joint action (or each agent's completion) is credited with before
 * advantages are taken.
 *
 * - Cross mode ({@link crossAgentReturns}): one agent's completion takes part in many joint
 *   actions; its return is the sum (as in the authors' code) or the mean of their returns.
 * - Multi-turn ({@link treeReturns}): a tree of nodes, each holding the G immediate joint
 *   rewards of one group of sibling joint actions; a joint action's return adds the discounted
 *   mean return of the group it leads to at the next turn.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { treeReturns } from "./returns.ts";
 * const root = treeReturns({ rewards: [1, 0], children: [{ rewards: [2, 4] }] }, 0.9);
 * assert.ok(Math.abs(root.returns![0] - 3.7) < 1e-12 && root.returns![1] === 0); // [1 + 0.9 · 3, 0]
 * ```
 *
 * @module
 */
import { UserError } from "../util/errors.ts";
import { type AdvantageOptions, type Baseline, groupAdvantages } from "./advantages.ts";
import { jointMembership } from "./joint.ts";

export type { AdvantageOptions, Baseline };

/**
 * For agent `agent` in cross mode, one return per of its completions: the sum (`"sum"`, as in
 * the authors' code) or the mean (`"mean"`) of the returns of the joint actions it takes part
 * in (see `jointMembership`). With equal group sizes G each completion is in G^(N−1) joint
 * actions, so sum = G^(N−1) × mean, and the advantages taken over sums (without
 * normalization) are G^(N−1) times those over means.
 *
 * @param jointReturns one return per joint action, in `jointActions(…, "cross")` order
 * @param groupSizes the number of completions of each agent
 * @param agent which agent (0-based)
 * @param aggregate `"sum"` or `"mean"`
 * @throws {UserError} when `jointReturns` does not have one entry per joint action, or a bad agent
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { crossAgentReturns } from "./returns.ts";
 * // N = 2, G = 2: joint actions (a0,b0), (a0,b1), (a1,b0), (a1,b1)
 * assert.deepEqual(crossAgentReturns([1, 2, 3, 4], [2, 2], 0, "sum"), [3, 7]); // [1 + 2, 3 + 4]
 * assert.deepEqual(crossAgentReturns([1, 2, 3, 4], [2, 2], 1, "mean"), [2, 3]); // [(1 + 3)/2, (2 + 4)/2]
 * ```
 */
export function crossAgentReturns(
  jointReturns: number[],
  groupSizes: number[],
  agent: number,
  aggregate: "sum" | "mean",
): number[] {
  if (!Number.isInteger(agent) || agent < 0 || agent >= groupSizes.length) {
    throw new UserError(
      `crossAgentReturns: agent must be an integer in [0, ${groupSizes.length}), got ${agent}`,
    );
  }
  if (aggregate !== "sum" && aggregate !== "mean") {
    throw new UserError(
      `crossAgentReturns: aggregate must be "sum" or "mean", got ${JSON.stringify(aggregate)}`,
    );
  }
  const members = jointMembership(groupSizes, "cross");
  const total = groupSizes.reduce((a, b) => a * b, 1);
  if (jointReturns.length !== total) {
    throw new UserError(
      `crossAgentReturns: expected ${total} joint returns for group sizes ` +
        `[${groupSizes.join(", ")}], got ${jointReturns.length}`,
    );
  }
  return members[agent].map((js) => {
    const sum = js.reduce((a, j) => a + jointReturns[j], 0);
    return aggregate === "sum" ? sum : sum / js.length;
  });
}

/** One group of sibling joint actions at one turn of a multi-turn rollout tree. */
export interface JointNode {
  /** The immediate joint reward r[g] of each of the G joint actions. */
  rewards: number[];
  /** `children[g]`: the group reached after joint action g at the next turn (optional). */
  children?: (JointNode | undefined)[];
  /** Filled by {@link treeReturns}: R[g] per joint action. */
  returns?: number[];
  /** Filled by {@link treeAdvantages}: group advantages of `returns`. */
  advantages?: number[];
}

/** A node of a flattened tree: its turn (root = 0) and path (the g taken at each turn). */
export interface FlatNode {
  /** Turn index, 0 at the root. */
  turn: number;
  /** The joint-action index g taken at each earlier turn to reach this node. */
  path: number[];
  /** The node itself (not a copy). */
  node: JointNode;
}

/** Checks one group's rewards: non-empty, finite. `where` names the caller and node. */
function checkRewards(rewards: number[], where: string): void {
  if (!Array.isArray(rewards) || rewards.length === 0) {
    throw new UserError(`${where}: rewards must be a non-empty array`);
  }
  rewards.forEach((r, g) => {
    if (typeof r !== "number" || !Number.isFinite(r)) {
      throw new UserError(
        `${where}: rewards[${g}] must be a finite number, got ${r}`,
      );
    }
  });
}

function fillReturns(node: JointNode, gamma: number, path: number[]): void {
  const where = `treeReturns: node at path [${path.join(", ")}]`;
  checkRewards(node?.rewards, where);
  if ((node.children?.length ?? 0) > node.rewards.length) {
    throw new UserError(
      `${where} has ${node.children?.length} children but ${node.rewards.length} rewards`,
    );
  }
  node.returns = node.rewards.map((r, g) => {
    const child = node.children?.[g];
    if (!child) return r;
    fillReturns(child, gamma, [...path, g]);
    const childReturns = child.returns!;
    const mean = childReturns.reduce((a, b) => a + b, 0) / childReturns.length;
    return r + gamma * mean;
  });
}

/**
 * Fills `returns` on every node, bottom-up: `R[g] = r[g] + γ · mean(children[g].returns)` when
 * joint action g has a child, else `R[g] = r[g]`. Mutates and returns `node`.
 *
 * @param node the root group (turn 0)
 * @param gamma discount factor in [0, 1] (default 0.9)
 * @throws {UserError} an empty or non-finite rewards array, more children than rewards, or a bad γ
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { treeReturns } from "./returns.ts";
 * const root = treeReturns({ rewards: [1, 2], children: [undefined, { rewards: [0, 1] }] });
 * assert.deepEqual(root.returns, [1, 2 + 0.9 * 0.5]); // [1, 2.45]
 * ```
 */
export function treeReturns(node: JointNode, gamma: number = 0.9): JointNode {
  if (typeof gamma !== "number" || !(gamma >= 0 && gamma <= 1)) {
    throw new UserError(`treeReturns: gamma must be in [0, 1], got ${gamma}`);
  }
  fillReturns(node, gamma, []);
  return node;
}

/**
 * Fills `advantages` on every node with `groupAdvantages(node.returns, opts)`: the baseline is
 * taken over the node's siblings (its G joint actions). Run {@link treeReturns} first.
 * Mutates and returns `node`.
 *
 * @throws {UserError} when a node has no `returns`
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { treeAdvantages, treeReturns } from "./returns.ts";
 * const root = treeAdvantages(treeReturns({ rewards: [1, 3] }), { baseline: "mean" });
 * assert.deepEqual(root.advantages, [-1, 1]);
 * ```
 */
export function treeAdvantages(
  node: JointNode,
  opts: AdvantageOptions = {},
): JointNode {
  for (const { node: n, path } of flattenTree(node)) {
    if (!n.returns) {
      throw new UserError(
        `treeAdvantages: node at path [${path.join(", ")}] has no returns; call treeReturns first`,
      );
    }
    n.advantages = groupAdvantages(n.returns, opts);
  }
  return node;
}

/**
 * Lists the nodes depth-first (a node before its children, children in order of g), each
 * with its turn and path, for logging.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { flattenTree } from "./returns.ts";
 * const flat = flattenTree({ rewards: [1, 2], children: [undefined, { rewards: [3] }] });
 * assert.deepEqual(flat.map((f) => [f.turn, f.path]), [[0, []], [1, [1]]]);
 * ```
 */
export function flattenTree(node: JointNode): FlatNode[] {
  const out: FlatNode[] = [];
  const visit = (n: JointNode, path: number[]): void => {
    out.push({ turn: path.length, path, node: n });
    n.children?.forEach((c, g) => c && visit(c, [...path, g]));
  };
  visit(node, []);
  return out;
}

/**
 * Early termination: whether a group of sibling joint actions should be expanded to the next
 * turn. Compares the MEAN of the siblings' immediate joint rewards `r` (not returns) with the
 * threshold: it returns false (do not expand, the group already does well enough) exactly when
 * `mean(r) > threshold` (strictly), true otherwise. Use `Infinity` to always expand.
 *
 * @param rewards the immediate joint rewards of one node's G joint actions
 * @param threshold the early-termination threshold
 * @throws {UserError} empty or non-finite rewards, or a NaN threshold
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { shouldExpand } from "./returns.ts";
 * shouldExpand([0.9, 1.0], 0.8); // false: mean 0.95 > 0.8
 * assert.deepEqual(shouldExpand([0.2, 0.6], 0.8), true);
 * ```
 */
export function shouldExpand(rewards: number[], threshold: number): boolean {
  if (typeof threshold !== "number" || Number.isNaN(threshold)) {
    throw new UserError(
      `shouldExpand: threshold must be a number, got ${threshold}`,
    );
  }
  checkRewards(rewards, "shouldExpand");
  const mean = rewards.reduce((a, b) => a + b, 0) / rewards.length;
  return !(mean > threshold);
}
