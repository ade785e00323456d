/**
 * Code-generation metrics over several samples of one problem.
 *
 * - {@link passAtK}: the unbiased pass@k estimator of Chen et al. (2021),
 *   `1 − C(n−c, k) / C(n, k)`, computed as a product so it never overflows.
 * - {@link passOrNotAtK}: whether any of the first k samples passes every test (0 or 1).
 * - {@link accuracyAtK}: the best test-pass fraction among the first k samples.
 *
 * PassOrNot@k and Accuracy@k follow our reading of the MAGRPO paper's coding metrics (best of
 * the first k joint samples, all-tests-pass vs. fraction of tests); pass@k is the standard one.
 *
 * @module
 */

import { UserError } from "../util/errors.ts";

function checkInt(name: string, value: number, min: number, fn: string): void {
  if (!Number.isInteger(value) || value < min) {
    throw new UserError(
      `${fn}: '${name}' must be an integer >= ${min}, got ${value}`,
    );
  }
}

/**
 * Unbiased pass@k from `n` samples of which `c` are correct: the probability that a random
 * subset of `k` samples contains at least one correct one.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { passAtK } from "./passk.ts";
 * assert.ok(Math.abs((passAtK(10, 3, 1)) - 0.3) <= 0.1); // 0.3
 * passAtK(10, 3, 5); // 1 - C(7,5)/C(10,5) = 1 - 21/252 ≈ 0.9167
 * ```
 */
export function passAtK(n: number, c: number, k: number): number {
  checkInt("n", n, 1, "passAtK");
  checkInt("c", c, 0, "passAtK");
  checkInt("k", k, 1, "passAtK");
  if (c > n) throw new UserError(`passAtK: c (${c}) must be <= n (${n})`);
  if (k > n) throw new UserError(`passAtK: k (${k}) must be <= n (${n})`);
  if (n - c < k) return 1;
  let allWrong = 1;
  for (let i = n - c + 1; i <= n; i++) allWrong *= 1 - k / i;
  return 1 - allWrong;
}

/**
 * Mean pass@k over problems, each given as `{ n, c }`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { meanPassAtK } from "./passk.ts";
 * assert.ok(Math.abs(meanPassAtK([{ n: 10, c: 3 }, { n: 10, c: 0 }], 1) - 0.15) < 1e-12); // (0.3 + 0) / 2
 * ```
 */
export function meanPassAtK(
  problems: ReadonlyArray<{ n: number; c: number }>,
  k: number,
): number {
  if (problems.length === 0) {
    throw new UserError("meanPassAtK: need at least one problem");
  }
  return problems.reduce((s, p) => s + passAtK(p.n, p.c, k), 0) /
    problems.length;
}

function firstK<T>(xs: readonly T[], k: number, fn: string): readonly T[] {
  checkInt("k", k, 1, fn);
  if (xs.length < k) {
    throw new UserError(
      `${fn}: need at least k=${k} samples, got ${xs.length}`,
    );
  }
  return xs.slice(0, k);
}

/**
 * PassOrNot@k: 1 when any of the first `k` samples passed all its tests, else 0.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { passOrNotAtK } from "./passk.ts";
 * assert.deepEqual(passOrNotAtK([false, true, false], 1), 0);
 * assert.deepEqual(passOrNotAtK([false, true, false], 2), 1);
 * ```
 */
export function passOrNotAtK(passedAll: readonly boolean[], k: number): number {
  return firstK(passedAll, k, "passOrNotAtK").some((p) => p === true) ? 1 : 0;
}

/**
 * Accuracy@k: the largest fraction of tests passed among the first `k` samples (each in [0, 1]).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { accuracyAtK } from "./passk.ts";
 * assert.ok(Math.abs((accuracyAtK([0.25, 0.75, 1], 2)) - 0.75) <= 0.01); // 0.75
 * ```
 */
export function accuracyAtK(fractions: readonly number[], k: number): number {
  const xs = firstK(fractions, k, "accuracyAtK");
  for (const f of xs) {
    if (!(typeof f === "number" && f >= 0 && f <= 1)) {
      throw new UserError(
        `accuracyAtK: fractions must be numbers in [0, 1], got ${f}`,
      );
    }
  }
  return Math.max(...xs);
}
