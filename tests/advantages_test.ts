// groupAdvantages: every baseline on [1, 2, 3, 6] by hand, the std convention, edge cases.
import assert from "node:assert/strict";
import { groupAdvantages } from "../lib/rl/advantages.ts";
import { UserError } from "../lib/util/errors.ts";

const closeAll = (got: number[], want: number[], tol = 1e-12) => {
  assert.equal(got.length, want.length);
  got.forEach((g, i) => assert.ok(Math.abs(g - want[i]) < tol, `[${i}] ${g} vs ${want[i]}`));
};

// R = [1, 2, 3, 6]: sum 12, mean 3, max 6.
const R = [1, 2, 3, 6];

Deno.test("groupAdvantages: baselines by hand", () => {
  // mean: R − 3
  closeAll(groupAdvantages(R, { baseline: "mean", normalize: false }), [
    -2,
    -1,
    0,
    3,
  ]);
  // rloo: R_g − (12 − R_g)/3 = [1 − 11/3, 2 − 10/3, 3 − 9/3, 6 − 6/3]
  closeAll(groupAdvantages(R, { baseline: "rloo", normalize: false }), [
    1 - 11 / 3,
    2 - 10 / 3,
    0,
    4,
  ]);
  // max: R − 6
  assert.deepEqual(groupAdvantages(R, { baseline: "max", normalize: false }), [
    -5,
    -4,
    -3,
    0,
  ]);
  // none: R itself (REINFORCE)
  assert.deepEqual(
    groupAdvantages(R, { baseline: "none", normalize: false }),
    R,
  );
  // defaults: mean baseline, no normalization (MAGRPO)
  assert.deepEqual(groupAdvantages(R), [-2, -1, 0, 3]);
});

Deno.test("groupAdvantages: normalize = divide by unbiased std + 1e-4", () => {
  // Σ (R − 3)² = 4 + 1 + 0 + 9 = 14; unbiased var = 14/3; std = √(14/3) = 2.160246899469287
  const std = Math.sqrt(14 / 3);
  closeAll(groupAdvantages(R, { baseline: "mean", normalize: true }), [
    -0.9257772446135025, // −2 / (std + 1e-4)
    -0.46288862230675126,
    0,
    1.3886658669202538,
  ]);
  // rloo = 4/3 · (R − mean), divided by the same std of the rewards
  closeAll(groupAdvantages(R, { baseline: "rloo", normalize: true }), [
    -8 / 3 / (std + 1e-4),
    -4 / 3 / (std + 1e-4),
    0,
    4 / (std + 1e-4),
  ]);
  // eps = 0: exactly (R − 3)/√(14/3)
  closeAll(groupAdvantages(R, { normalize: true, eps: 0 }), [
    -2 / std,
    -1 / std,
    0,
    3 / std,
  ]);
  // two rewards [0, 1]: unbiased std = √(0.5) = 0.7071…; mean-baseline advantages ±0.5
  closeAll(groupAdvantages([0, 1], { normalize: true, eps: 0 }), [
    -0.5 / Math.SQRT1_2,
    0.5 / Math.SQRT1_2,
  ]);
});

Deno.test("groupAdvantages: all-equal groups give exact zeros, never NaN", () => {
  for (const baseline of ["mean", "rloo", "max", "none"] as const) {
    assert.deepEqual(
      groupAdvantages([5, 5, 5], { baseline, normalize: true }),
      [
        0,
        0,
        0,
      ],
    );
  }
  // 0.1 + 0.1 + 0.1 ≠ 0.3 in floating point, still exact zeros
  assert.deepEqual(groupAdvantages([0.1, 0.1, 0.1]), [0, 0, 0]);
  assert.deepEqual(groupAdvantages([0.1, 0.1], { baseline: "rloo" }), [0, 0]);
  // without normalization, "none" keeps the rewards
  assert.deepEqual(
    groupAdvantages([5, 5], { baseline: "none", normalize: false }),
    [5, 5],
  );
});

Deno.test("groupAdvantages: groups of 1 and 0", () => {
  assert.deepEqual(groupAdvantages([7], { baseline: "mean" }), [0]);
  assert.deepEqual(groupAdvantages([7], { baseline: "rloo" }), [0]);
  assert.deepEqual(groupAdvantages([7], { baseline: "max" }), [0]);
  assert.deepEqual(groupAdvantages([7], { baseline: "none" }), [7]);
  assert.deepEqual(
    groupAdvantages([7], { baseline: "none", normalize: true }),
    [
      0,
    ],
  );
  assert.deepEqual(
    groupAdvantages([], { baseline: "mean", normalize: true }),
    [],
  );
  assert.deepEqual(
    groupAdvantages([], { baseline: "rloo", normalize: false }),
    [],
  );
});

Deno.test("groupAdvantages: bad input is a UserError", () => {
  assert.throws(
    () => groupAdvantages([1, NaN, 2]),
    (e: Error) => e instanceof UserError && /rewards\[1\].*NaN/.test(e.message),
  );
  assert.throws(() => groupAdvantages([1, Infinity]), UserError);
  assert.throws(
    // deno-lint-ignore no-explicit-any
    () => groupAdvantages([1, 2], { baseline: "median" as any }),
    /baseline must be one of mean, rloo, max, none, got "median"/,
  );
  assert.throws(() => groupAdvantages([1, 2], { eps: -1 }), UserError);
});
