import assert from "node:assert/strict";
import { accuracyAtK, meanPassAtK, passAtK, passOrNotAtK } from "../lib/metrics/passk.ts";
import { UserError } from "../lib/util/errors.ts";

const close = (a: number, b: number, tol = 1e-12) =>
  assert.ok(Math.abs(a - b) < tol, `${a} vs ${b}`);

/** Exact 1 - C(n-c,k)/C(n,k) with BigInt, for comparison. */
function exact(n: number, c: number, k: number): number {
  const choose = (a: number, b: number): bigint => {
    if (b < 0 || b > a) return 0n;
    let r = 1n;
    for (let i = 1; i <= b; i++) r = (r * BigInt(a - b + i)) / BigInt(i);
    return r;
  };
  const num = choose(n - c, k);
  const den = choose(n, k);
  const scale = 10n ** 18n;
  return 1 - Number((num * scale) / den) / 1e18;
}

Deno.test("passAtK: known values", () => {
  close(passAtK(10, 3, 1), 0.3);
  close(passAtK(10, 3, 5), 1 - 21 / 252); // C(7,5) = 21, C(10,5) = 252
  close(passAtK(10, 3, 5), 0.9166666666666666);
  assert.equal(passAtK(10, 0, 3), 0);
  assert.equal(passAtK(10, 10, 1), 1);
  assert.equal(passAtK(5, 1, 5), 1); // n - c < k: every 5-subset holds the correct one
  close(passAtK(4, 2, 2), 1 - 1 / 6); // C(2,2)/C(4,2) = 1/6
  close(passAtK(1000, 1, 1), 0.001);
});

Deno.test("passAtK: stable for large n (matches exact BigInt)", () => {
  for (const [n, c, k] of [[100, 37, 10], [200, 5, 50], [500, 250, 100]]) {
    close(passAtK(n, c, k), exact(n, c, k), 1e-9);
  }
  const v = passAtK(2000, 1000, 1000);
  assert.ok(Number.isFinite(v) && v <= 1 && v > 0.999999);
  close(passAtK(100000, 1, 1), 1e-5);
});

Deno.test("passAtK / meanPassAtK: bad input is a UserError", () => {
  assert.throws(() => passAtK(10, 11, 1), UserError);
  assert.throws(() => passAtK(10, 3, 11), UserError);
  assert.throws(() => passAtK(10, 3, 0), UserError);
  assert.throws(() => passAtK(10.5, 3, 1), UserError);
  assert.throws(() => meanPassAtK([], 1), UserError);
  close(meanPassAtK([{ n: 10, c: 3 }, { n: 10, c: 0 }], 1), 0.15);
});

Deno.test("PassOrNot@k and Accuracy@k: known values", () => {
  assert.equal(passOrNotAtK([false, true, false], 1), 0);
  assert.equal(passOrNotAtK([false, true, false], 2), 1);
  assert.equal(passOrNotAtK([false, false], 2), 0);
  close(accuracyAtK([0.25, 0.75, 1], 2), 0.75);
  close(accuracyAtK([0.25, 0.75, 1], 3), 1);
  close(accuracyAtK([0], 1), 0);
  assert.throws(() => passOrNotAtK([true], 2), UserError);
  assert.throws(() => accuracyAtK([1.5], 1), UserError);
  assert.throws(() => accuracyAtK([0.5], 0), UserError);
});
