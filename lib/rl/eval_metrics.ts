/**
 * What an evaluation logs beyond rewards and returns: per-turn task metrics (the environment's
 * `evalMetrics`, else each level of the answer's reward) averaged over the eval rows, and, with
 * several sampled episodes per row (`eval.samples` = n > 1), the unbiased pass@k per turn from
 * the metric `passed` (1 when an episode's answer at that turn passes every test).
 *
 * @module
 */
import type { Collected } from "./collect.ts";
import { passAtK } from "../metrics/passk.ts";

const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);

/**
 * Per turn, each metric's mean over the episodes that report it at that turn.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { perTurnMetrics } from "./eval_metrics.ts";
 * assert.deepEqual(perTurnMetrics([[{ x: 1 }, { x: 0 }], [{ x: 0 }]]), [{ x: 0.5 }, { x: 0 }]);
 * ```
 */
export function perTurnMetrics(episodes: Record<string, number>[][]): Record<string, number>[] {
  const out: Record<string, number>[] = [];
  const turns = Math.max(0, ...episodes.map((r) => r.length));
  for (let t = 0; t < turns; t++) {
    const names = [...new Set(episodes.flatMap((r) => Object.keys(r[t] ?? {})))];
    out.push(Object.fromEntries(names.map((k) => [
      k,
      mean(episodes.filter((r) => r[t]?.[k] !== undefined).map((r) => r[t][k])),
    ])));
  }
  return out;
}

/** Per turn along an episode's first path (joint action 0, child 0): the total and each level. */
export function pathLevels(c: Collected): Record<string, number>[] {
  const out: Record<string, number>[] = [];
  for (let n = c.tree; n; n = n.children?.[0]) {
    out.push({ total: n.breakdowns[0].total, ...n.breakdowns[0].levels });
  }
  const b = c.breakdowns[0];
  return out.length || !b ? out : [{ total: b.total, ...b.levels }];
}

/** The k of pass@k for n samples: 1, 2, 4, … below n, and n. */
export function passKs(n: number): number[] {
  const ks: number[] = [];
  for (let k = 1; k < n; k *= 2) ks.push(k);
  return [...ks, n];
}

/**
 * pass@k per turn: for each row, c = its episodes whose metric `passed` is 1 at that turn; the
 * mean over rows of the unbiased estimator `1 − C(n−c, k)/C(n, k)` for each k of
 * {@link passKs}. Undefined when no episode reports `passed`.
 *
 * @param rows `rows[r][e][t]`: row r's episode e, turn t metrics (n episodes per row)
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { passAtKPerTurn } from "./eval_metrics.ts";
 * // one row, 2 episodes, one passes: pass@1 = 0.5, pass@2 = 1
 * assert.deepEqual(passAtKPerTurn([[[{ passed: 1 }], [{ passed: 0 }]]], 2), [{ "pass@1": 0.5, "pass@2": 1 }]);
 * ```
 */
export function passAtKPerTurn(
  rows: Record<string, number>[][][],
  n: number,
): Record<string, number>[] | undefined {
  const reports = rows.some((eps) => eps.some((ep) => ep.some((m) => "passed" in m)));
  if (!reports || rows.length === 0) return undefined;
  const turns = Math.max(...rows.flatMap((eps) => eps.map((ep) => ep.length)));
  return Array.from({ length: turns }, (_, t) =>
    Object.fromEntries(
      passKs(n).map((k) => [
        `pass@${k}`,
        mean(rows.map((eps) => passAtK(n, eps.filter((ep) => ep[t]?.passed === 1).length, k))),
      ]),
    ));
}
