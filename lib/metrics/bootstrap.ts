/**
 * Confidence intervals over seeds: the percentile bootstrap of a mean, and a paired comparison
 * of two methods run on the same seeds (bootstrap interval of the mean difference, and the
 * exact two-sided sign-flip test).
 *
 * With few seeds (n ≤ 6, i.e. nⁿ ≤ 46 656 resamples) the bootstrap distribution is enumerated
 * exactly (every one of the nⁿ resamples once), so the interval is a deterministic function of
 * the values; with more seeds `resamples` Monte Carlo resamples are drawn from a stream seeded
 * by `seed`. Percentiles interpolate linearly between order statistics (numpy's default,
 * "type 7": the p-quantile of sorted m₀ ≤ … ≤ m_{M−1} is m_⌊h⌋ + (h − ⌊h⌋)(m_⌊h⌋+1 − m_⌊h⌋),
 * h = p(M − 1)).
 *
 * @module
 */
import { makeRng } from "../util/rng.ts";
import { UserError } from "../util/errors.ts";

/** A mean with its bootstrap confidence interval. */
export interface MeanCI {
  /** The sample mean. */
  mean: number;
  /** Lower end of the interval. */
  lo: number;
  /** Upper end of the interval. */
  hi: number;
  /** Number of values. */
  n: number;
}

/** Options of {@link bootstrapMeanCI} and {@link pairedComparison}. */
export interface BootstrapOptions {
  /** Coverage of the interval (default 0.95). */
  level?: number;
  /** Monte Carlo resamples when exact enumeration is too large (default 10000). */
  resamples?: number;
  /** Seed of the Monte Carlo stream (default 0). */
  seed?: number;
}

const EXACT_LIMIT = 46656; // 6⁶

/** The p-quantile of sorted values, linear interpolation ("type 7"). */
export function quantileSorted(sorted: number[], p: number): number {
  const h = p * (sorted.length - 1), i = Math.floor(h);
  return i + 1 < sorted.length ? sorted[i] + (h - i) * (sorted[i + 1] - sorted[i]) : sorted[i];
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

/** Every resample mean (exact enumeration when nⁿ is small, else Monte Carlo). */
function resampleMeans(xs: number[], opts: BootstrapOptions): number[] {
  const n = xs.length, out: number[] = [];
  if (n ** n <= EXACT_LIMIT) {
    const idx = new Array(n).fill(0);
    for (let k = 0; k < n ** n; k++) {
      let s = 0;
      for (let j = 0; j < n; j++) s += xs[idx[j]];
      out.push(s / n);
      for (let j = 0; j < n && ++idx[j] === n; j++) idx[j] = 0; // next tuple (odometer)
    }
  } else {
    const rng = makeRng(`bootstrap/${opts.seed ?? 0}`);
    for (let k = 0; k < (opts.resamples ?? 10000); k++) {
      let s = 0;
      for (let j = 0; j < n; j++) s += xs[Math.floor(rng.next() * n)];
      out.push(s / n);
    }
  }
  return out.sort((a, b) => a - b);
}

function check(xs: number[], what: string, level: number): void {
  if (!Array.isArray(xs) || xs.length === 0) {
    throw new UserError(`${what}: expected a non-empty array of numbers (one per seed)`);
  }
  const bad = xs.findIndex((x) => typeof x !== "number" || !Number.isFinite(x));
  if (bad >= 0) throw new UserError(`${what}[${bad}]: expected a finite number, got ${xs[bad]}`);
  if (!(level > 0 && level < 1)) {
    throw new UserError(`${what}: level must be in (0, 1), got ${level}`);
  }
}

/**
 * The mean of `xs` (one value per seed) with its percentile-bootstrap interval.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { bootstrapMeanCI } from "./bootstrap.ts";
 * // resample means of [0, 1]: 0, 0.5, 0.5, 1 → 2.5 % at h = 0.075: 0.0375; 97.5 % at h = 2.925: 0.9625
 * const ci = bootstrapMeanCI([0, 1]);
 * assert.deepEqual([ci.mean, ci.lo, ci.hi].map((x) => +x.toFixed(12)), [0.5, 0.0375, 0.9625]);
 * ```
 */
export function bootstrapMeanCI(xs: number[], opts: BootstrapOptions = {}): MeanCI {
  const level = opts.level ?? 0.95;
  check(xs, "bootstrapMeanCI", level);
  const ms = resampleMeans(xs, opts), a = (1 - level) / 2;
  return { mean: mean(xs), lo: quantileSorted(ms, a), hi: quantileSorted(ms, 1 - a), n: xs.length };
}

/**
 * The exact two-sided sign-flip (paired permutation) p-value of mean(d) = 0: the share of the
 * 2ⁿ sign patterns whose |mean| is at least the observed one. With n = 5 seeds its smallest
 * possible value is 2/32 = 0.0625.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { signFlipP } from "./bootstrap.ts";
 * assert.equal(signFlipP([1, 2, 3]), 2 / 8); // only +++ and −−− reach |mean| = 2
 * ```
 */
export function signFlipP(d: number[]): number {
  check(d, "signFlipP", 0.5);
  const n = d.length, obs = Math.abs(mean(d)) - 1e-12;
  let hit = 0;
  for (let m = 0; m < 2 ** n; m++) {
    let s = 0;
    for (let j = 0; j < n; j++) s += (m >> j) & 1 ? -d[j] : d[j];
    if (Math.abs(s / n) >= obs) hit++;
  }
  return hit / 2 ** n;
}

/** A paired comparison of two methods over the same seeds. */
export interface PairedComparison extends MeanCI {
  /** Exact sign-flip p-value of a zero mean difference. */
  p: number;
  /** True when the interval excludes 0. */
  significant: boolean;
}

/**
 * `a[i] − b[i]` per seed (the same seed index in both), its mean with a bootstrap interval,
 * the sign-flip p-value, and whether the interval excludes 0.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { pairedComparison } from "./bootstrap.ts";
 * // differences [1, 1]: every resample mean is 1
 * const c = pairedComparison([3, 4], [2, 3]);
 * assert.deepEqual([c.mean, c.lo, c.hi, c.p, c.significant], [1, 1, 1, 0.5, true]);
 * ```
 */
export function pairedComparison(
  a: number[],
  b: number[],
  opts: BootstrapOptions = {},
): PairedComparison {
  if (a.length !== b.length) {
    throw new UserError(
      `pairedComparison: expected one value per seed in both, got ${a.length} and ${b.length}`,
    );
  }
  const d = a.map((x, i) => x - b[i]);
  const ci = bootstrapMeanCI(d, opts);
  return { ...ci, p: signFlipP(d), significant: ci.lo > 0 || ci.hi < 0 };
}
