// jointActions / jointMembership: aligned and cross (row-major, agent 0 slowest), errors.
import assert from "node:assert/strict";
import { jointActions, jointMembership } from "../lib/rl/joint.ts";
import { UserError } from "../lib/util/errors.ts";

Deno.test("jointActions: aligned pairs the g-th sample of every agent", () => {
  assert.deepEqual(
    jointActions([["a0", "a1", "a2"], ["b0", "b1", "b2"]], "aligned"),
    [["a0", "b0"], ["a1", "b1"], ["a2", "b2"]],
  );
  assert.deepEqual(jointActions([[1, 2], [3, 4], [5, 6]], "aligned"), [
    [1, 3, 5],
    [2, 4, 6],
  ]);
  assert.deepEqual(jointActions([["solo"]], "aligned"), [["solo"]]);
  assert.deepEqual(jointActions([[], []], "aligned"), []);
});

Deno.test("jointActions: cross is the Cartesian product, agent 0 slowest", () => {
  // N = 2, G = 2 → 4 joint actions
  assert.deepEqual(jointActions([["a0", "a1"], ["b0", "b1"]], "cross"), [
    ["a0", "b0"],
    ["a0", "b1"],
    ["a1", "b0"],
    ["a1", "b1"],
  ]);
  // unequal sizes 2 × 3 = 6
  assert.deepEqual(jointActions([["a0", "a1"], ["b0", "b1", "b2"]], "cross"), [
    ["a0", "b0"],
    ["a0", "b1"],
    ["a0", "b2"],
    ["a1", "b0"],
    ["a1", "b1"],
    ["a1", "b2"],
  ]);
  // N = 3, G = 2 → 8, the binary digits of j
  const cube = jointActions([[0, 1], [0, 1], [0, 1]], "cross");
  assert.equal(cube.length, 8);
  assert.deepEqual(cube[5], [1, 0, 1]);
  assert.deepEqual(cube.map((a) => a.join("")), [
    "000",
    "001",
    "010",
    "011",
    "100",
    "101",
    "110",
    "111",
  ]);
  assert.deepEqual(jointActions([["a"], []], "cross"), []);
});

Deno.test("jointMembership: which joint actions hold each completion", () => {
  // cross 2 × 2: agent 0's a0 in (a0,b0)=0,(a0,b1)=1; agent 1's b0 in 0 and 2
  assert.deepEqual(jointMembership([2, 2], "cross"), [
    [[0, 1], [2, 3]],
    [[0, 2], [1, 3]],
  ]);
  assert.deepEqual(jointMembership([3, 3], "aligned"), [
    [[0], [1], [2]],
    [[0], [1], [2]],
  ]);
  // consistency with jointActions on 2 × 3 × 2: each listed joint action holds that completion
  const comps = [["a0", "a1"], ["b0", "b1", "b2"], ["c0", "c1"]];
  const joint = jointActions(comps, "cross");
  const members = jointMembership([2, 3, 2], "cross");
  members.forEach((perAgent, i) =>
    perAgent.forEach((js, k) => {
      assert.equal(js.length, 12 / comps[i].length); // in 12 / G_i joint actions
      for (const j of js) assert.equal(joint[j][i], comps[i][k]);
    })
  );
});

Deno.test("jointActions: errors are UserErrors", () => {
  assert.throws(
    () => jointActions([["a0", "a1"], ["b0"]], "aligned"),
    (e: Error) =>
      e instanceof UserError &&
      /same number of completions.*\[2, 1\]/.test(e.message),
  );
  assert.throws(() => jointActions([], "cross"), /at least one agent/);
  assert.throws(
    // deno-lint-ignore no-explicit-any
    () => jointActions([["a"]], "zip" as any),
    /mode must be "aligned" or "cross", got "zip"/,
  );
  assert.throws(() => jointMembership([1000, 1000, 1000], "cross"), /limit/);
});
