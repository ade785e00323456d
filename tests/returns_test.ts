// Cross-mode credit (sum and mean), tree returns with γ = 0.9 by hand, tree advantages,
// flattening, early termination.
import assert from "node:assert/strict";
import {
  crossAgentReturns,
  flattenTree,
  type JointNode,
  shouldExpand,
  treeAdvantages,
  treeReturns,
} from "../lib/rl/returns.ts";
import { groupAdvantages } from "../lib/rl/advantages.ts";
import { UserError } from "../lib/util/errors.ts";

const closeAll = (got: number[] | undefined, want: number[], tol = 1e-12) => {
  assert.ok(got, "missing array");
  assert.equal(got.length, want.length);
  got.forEach((g, i) => assert.ok(Math.abs(g - want[i]) < tol, `[${i}] ${g} vs ${want[i]}`));
};

Deno.test("crossAgentReturns: N = 2, G = 2, sum and mean", () => {
  // joint actions (a0,b0), (a0,b1), (a1,b0), (a1,b1) with returns 1, 0, 3, 5
  const J = [1, 0, 3, 5];
  // agent 0: a0 → 1 + 0 = 1, a1 → 3 + 5 = 8; means 0.5, 4
  assert.deepEqual(crossAgentReturns(J, [2, 2], 0, "sum"), [1, 8]);
  assert.deepEqual(crossAgentReturns(J, [2, 2], 0, "mean"), [0.5, 4]);
  // agent 1: b0 → 1 + 3 = 4, b1 → 0 + 5 = 5; means 2, 2.5
  assert.deepEqual(crossAgentReturns(J, [2, 2], 1, "sum"), [4, 5]);
  assert.deepEqual(crossAgentReturns(J, [2, 2], 1, "mean"), [2, 2.5]);
  // advantages (mean baseline): sums [1, 8] → [−3.5, 3.5]; means [0.5, 4] → [−1.75, 1.75]
  // ratio G^(N−1) = 2
  assert.deepEqual(groupAdvantages(crossAgentReturns(J, [2, 2], 0, "sum")), [
    -3.5,
    3.5,
  ]);
  assert.deepEqual(groupAdvantages(crossAgentReturns(J, [2, 2], 0, "mean")), [
    -1.75,
    1.75,
  ]);
});

Deno.test("crossAgentReturns: N = 3, G = 2, sum = G^(N−1) · mean = 4 · mean", () => {
  const J = [0, 1, 2, 3, 4, 5, 6, 7]; // joint j = (k0 k1 k2) in binary
  assert.deepEqual(crossAgentReturns(J, [2, 2, 2], 0, "sum"), [6, 22]); // 0+1+2+3, 4+5+6+7
  assert.deepEqual(crossAgentReturns(J, [2, 2, 2], 1, "sum"), [10, 18]); // 0+1+4+5, 2+3+6+7
  assert.deepEqual(crossAgentReturns(J, [2, 2, 2], 2, "sum"), [12, 16]); // evens, odds
  assert.deepEqual(crossAgentReturns(J, [2, 2, 2], 2, "mean"), [3, 4]);
});

Deno.test("crossAgentReturns: errors", () => {
  assert.throws(
    () => crossAgentReturns([1, 2, 3], [2, 2], 0, "sum"),
    /expected 4 joint returns for group sizes \[2, 2\], got 3/,
  );
  assert.throws(
    () => crossAgentReturns([1, 2, 3, 4], [2, 2], 2, "sum"),
    UserError,
  );
  assert.throws(
    // deno-lint-ignore no-explicit-any
    () => crossAgentReturns([1, 2, 3, 4], [2, 2], 0, "max" as any),
    UserError,
  );
});

/** root (turn 0) → children at turn 1 → one grandchild at turn 2. */
function sampleTree(): JointNode {
  return {
    rewards: [1, 0, 2],
    children: [
      { rewards: [0.5, 1.5] },
      undefined,
      { rewards: [1, 2, 3], children: [{ rewards: [4] }] },
    ],
  };
}

Deno.test("treeReturns: two levels below the root, γ = 0.9 by hand", () => {
  const root = treeReturns(sampleTree(), 0.9);
  const [c0, , c2] = root.children!;
  const leaf = c2!.children![0]!;
  closeAll(leaf.returns, [4]); // no children: R = r
  // c2: R0 = 1 + 0.9 · mean([4]) = 4.6; R1 = 2; R2 = 3  (mean 9.6 / 3 = 3.2)
  closeAll(c2!.returns, [4.6, 2, 3]);
  closeAll(c0!.returns, [0.5, 1.5]); // mean 1
  // root: R0 = 1 + 0.9 · 1 = 1.9; R1 = 0 (no child); R2 = 2 + 0.9 · 3.2 = 4.88
  closeAll(root.returns, [1.9, 0, 4.88]);
  // default γ is 0.9
  closeAll(treeReturns(sampleTree()).returns, [1.9, 0, 4.88]);
  // γ = 0: returns are the immediate rewards
  closeAll(treeReturns(sampleTree(), 0).returns, [1, 0, 2]);
  // γ = 1: R0 = 1 + 1 = 2; c2 = [5, 2, 3] mean 10/3; R2 = 2 + 10/3
  closeAll(treeReturns(sampleTree(), 1).returns, [2, 0, 2 + 10 / 3]);
});

Deno.test("treeAdvantages: mean over siblings at every node", () => {
  const root = treeAdvantages(treeReturns(sampleTree(), 0.9), {
    baseline: "mean",
  });
  // root returns [1.9, 0, 4.88], mean 6.78 / 3 = 2.26
  closeAll(root.advantages, [-0.36, -2.26, 2.62]);
  closeAll(root.children![0]!.advantages, [-0.5, 0.5]);
  closeAll(root.children![2]!.advantages, [1.4, -1.2, -0.2]); // [4.6, 2, 3] − 3.2
  closeAll(root.children![2]!.children![0]!.advantages, [0]);
  assert.throws(
    () => treeAdvantages(sampleTree()),
    /node at path \[\] has no returns; call treeReturns first/,
  );
});

Deno.test("flattenTree: depth-first with turn and path", () => {
  const flat = flattenTree(treeReturns(sampleTree()));
  assert.deepEqual(flat.map((f) => [f.turn, f.path]), [
    [0, []],
    [1, [0]],
    [1, [2]],
    [2, [2, 0]],
  ]);
  assert.deepEqual(flat[3].node.returns, [4]);
});

Deno.test("treeReturns: bad trees and γ are UserErrors", () => {
  const bad = sampleTree();
  bad.children![2]!.rewards[1] = NaN;
  assert.throws(
    () => treeReturns(bad),
    /treeReturns: node at path \[2\]: rewards\[1\] must be a finite number, got NaN/,
  );
  assert.throws(
    () => treeReturns({ rewards: [1], children: [{ rewards: [] }] }),
    /node at path \[0\]: rewards must be a non-empty array/,
  );
  assert.throws(
    () => treeReturns({ rewards: [1], children: [undefined, { rewards: [1] }] }),
    /2 children but 1 rewards/,
  );
  assert.throws(
    () => treeReturns(sampleTree(), 1.5),
    /gamma must be in \[0, 1\]/,
  );
  assert.throws(() => treeReturns(sampleTree(), NaN), UserError);
});

Deno.test("shouldExpand: mean of siblings' immediate rewards vs threshold (strict >)", () => {
  assert.equal(shouldExpand([0.9, 1.0], 0.8), false); // mean 0.95 > 0.8
  assert.equal(shouldExpand([0.2, 0.6], 0.8), true); // mean 0.4
  assert.equal(shouldExpand([0, 1], 0.5), true); // mean 0.5 is not > 0.5
  assert.equal(shouldExpand([100], Infinity), true);
  assert.throws(() => shouldExpand([], 0.5), /non-empty/);
  assert.throws(() => shouldExpand([NaN], 0.5), UserError);
  assert.throws(() => shouldExpand([1], NaN), /threshold must be a number/);
});
