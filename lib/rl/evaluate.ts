/**
 * Periodic evaluation of a run's policies on fixed rows (the environment's held-out
 * `evalRows`), logged as an `eval` record beside the step records.
 *
 * @module
 */
import type { TrainerConfig } from "./config.ts";
import type { Environment } from "../envs/types.ts";
import type { Policy } from "../policy/policy.ts";
import { makeRng } from "../util/rng.ts";
import { passAtKPerTurn, pathLevels, perTurnMetrics } from "./eval_metrics.ts";
import { atExample, rewardStats } from "./rewards.ts";
import { ALGORITHMS } from "./algorithms.ts";
import { collectSettings } from "./step_context.ts";
import { perTurn } from "./step_record.ts";
import type { EvalRecord } from "./records.ts";
export type { Environment, EvalRecord, Policy, TrainerConfig };

/**
 * Evaluation on fixed rows (the trainer passes the environment's held-out `evalRows`): one
 * (greedy or sampled) joint answer per row and turn, every turn (no early termination), with its
 * own seeded stream so that evaluating never changes the training run. Reports the number of
 * rows, the mean joint reward and its levels, and per turn t (mean over all rows) the immediate
 * shaped reward (`turnRewards[t]`), the return `R_t = r_t + γ·R_{t+1}` (`turnReturns[t]`, by
 * `treeReturns`; with one answer per node the mean over children is that one child), and
 * `turnMetrics[t]`: the environment's `evalMetrics` (e.g. the authors' coding metrics), else the
 * raw total and each level of that turn's answer, averaged over the rows. With `eval.samples`
 * n > 1, each row runs n sampled episodes (averages are over all of them) and `passAtK[t]` holds
 * the unbiased pass@k (k = 1, 2, 4, …, n) from the metric `passed` (see `eval_metrics.ts`).
 */
export async function evaluate(
  cfg: TrainerConfig,
  // deno-lint-ignore no-explicit-any
  env: Environment<any>,
  rows: unknown[],
  policies: Policy[],
  step: number,
): Promise<EvalRecord> {
  const n = cfg.eval.samples;
  const s = collectSettings(cfg, cfg.eval.greedy && n === 1, true);
  s.groupSize = 1;
  const episode = ALGORITHMS[cfg.algorithm].evaluate;
  const rng = makeRng(`eval/${cfg.seed}/${step}`);
  const turns: number[][] = [], returns: number[][] = [], metrics: Record<string, number>[][] = [];
  const byRow: Record<string, number>[][][] = [];
  const all = [];
  for (const row of rows) {
    byRow.push([]);
    for (let e = 0; e < n; e++) {
      const c = await episode(env, row, policies, s, rng).catch((err) => {
        throw atExample(err, row);
      });
      turns.push(c.turnRewards);
      returns.push(c.turnReturns);
      all.push(...c.breakdowns);
      const m = env.evalMetrics ? await env.evalMetrics(row, c.turnTexts ?? []) : pathLevels(c);
      metrics.push(m);
      byRow.at(-1)!.push(m);
    }
  }
  const passAtK = n > 1 ? passAtKPerTurn(byRow, n) : undefined;
  const rs = rewardStats(all);
  return {
    type: "eval",
    step,
    rows: rows.length,
    reward: { mean: rs.mean, levels: rs.levels },
    turnRewards: perTurn(turns),
    turnReturns: perTurn(returns),
    turnMetrics: perTurnMetrics(metrics),
    ...(passAtK ? { passAtK } : {}),
  };
}
