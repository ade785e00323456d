import assert from "node:assert/strict";
import {
  bootstrapMeanCI,
  pairedComparison,
  quantileSorted,
  signFlipP,
} from "../lib/metrics/bootstrap.ts";
import { UserError } from "../lib/util/errors.ts";

const close = (a: number, b: number, tol = 1e-12) =>
  assert.ok(Math.abs(a - b) < tol, `${a} vs ${b}`);

Deno.test("quantileSorted interpolates like numpy's default (type 7)", () => {
  // h = 0.5 · 3 = 1.5 → 2 + 0.5 · (3 − 2)
  close(quantileSorted([1, 2, 3, 4], 0.5), 2.5);
  close(quantileSorted([1, 2, 3, 4], 0), 1);
  close(quantileSorted([1, 2, 3, 4], 1), 4);
});

Deno.test("bootstrapMeanCI enumerates every resample of three seeds", () => {
  // [0, 0, 3]: among the 27 resamples the number k of 3s is Binomial(3, 1/3):
  // k=0 (mean 0) 8 times, k=1 (mean 1) 12, k=2 (mean 2) 6, k=3 (mean 3) once.
  // Sorted: m0..m7 = 0, m8..m19 = 1, m20..m25 = 2, m26 = 3.
  // 2.5 %: h = 0.65 → 0; 97.5 %: h = 25.35 → 2 + 0.35 · 1 = 2.35.
  const ci = bootstrapMeanCI([0, 0, 3]);
  close(ci.mean, 1);
  close(ci.lo, 0);
  close(ci.hi, 2.35);
  assert.equal(ci.n, 3);
  // 50 %: 25 % at h = 6.5 → 0; 75 % at h = 19.5 → 1 + 0.5 · (2 − 1) = 1.5
  const half = bootstrapMeanCI([0, 0, 3], { level: 0.5 });
  close(half.lo, 0);
  close(half.hi, 1.5);
});

Deno.test("bootstrapMeanCI with many seeds draws seeded resamples", () => {
  const xs = [0.1, 0.4, 0.2, 0.9, 0.5, 0.3, 0.7, 0.6];
  const a = bootstrapMeanCI(xs, { seed: 1 }), b = bootstrapMeanCI(xs, { seed: 1 });
  assert.deepEqual(a, b);
  close(a.mean, 3.7 / 8);
  assert.ok(a.lo < a.mean && a.mean < a.hi && a.lo >= 0.1 && a.hi <= 0.9);
  const flat = bootstrapMeanCI(new Array(8).fill(2));
  assert.deepEqual([flat.lo, flat.hi], [2, 2]);
});

Deno.test("signFlipP counts sign patterns at least as extreme", () => {
  close(signFlipP([1, 2, 3]), 2 / 8);
  close(signFlipP([1, -1]), 1); // observed mean 0: every pattern is as extreme
  // five positive differences: only +++++ and −−−−− reach the observed |mean|
  close(signFlipP([0.1, 0.2, 0.3, 0.4, 0.5]), 2 / 32);
  // [3, -1]: patterns (3,-1) mean 1, (-3,1) mean -1, (3,1) mean 2, (-3,-1) mean -2 → all ≥ 1
  close(signFlipP([3, -1]), 1);
  // [3, 1, -1]: |mean| ≥ 1 needs |±3 ±1 ±1| ≥ 3: 3+1+1, 3+1-1, 3-1+1 and their negatives → 6/8
  close(signFlipP([3, 1, -1]), 6 / 8);
});

Deno.test("pairedComparison: differences per seed, interval, significance", () => {
  // d = [1, 0]: resample means 0, 0.5, 0.5, 1 → 0.0375 .. 0.9625, excludes 0
  const c = pairedComparison([2, 5], [1, 5]);
  close(c.mean, 0.5);
  close(c.lo, 0.0375);
  close(c.hi, 0.9625);
  close(c.p, 1); // flipping the sign of 0 changes nothing: all 4 patterns have |mean| 0.5
  assert.equal(c.significant, true);
  const d = pairedComparison([1, 0], [0, 1]); // d = [1, −1]
  assert.equal(d.significant, false);
  close(d.p, 1);
});

Deno.test("bootstrap errors name the problem", () => {
  assert.throws(() => bootstrapMeanCI([]), UserError);
  assert.throws(() => bootstrapMeanCI([1, NaN]), /bootstrapMeanCI\[1\]: expected a finite number/);
  assert.throws(() => bootstrapMeanCI([1], { level: 1 }), /level must be in \(0, 1\)/);
  assert.throws(() => pairedComparison([1, 2], [1]), /one value per seed in both, got 2 and 1/);
});
