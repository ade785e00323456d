/**
 * One training step as a function of values: `magrpoStep(run, ctx) → { run, record }`. `run`
 * (a {@link RunState}) is everything that changes, `ctx` (a {@link StepContext}) everything that
 * does not. The old `run` is left as it was, so calling the step twice with the same value
 * gives the same result (bit for bit with `deterministic` runtime settings, the default);
 * `train()` is this function in a loop plus logging, checkpoints and evaluation.
 *
 * @module
 */
import { withTrainable } from "../policy/policy.ts";
import { makeRng, shuffled } from "../util/rng.ts";
import { lrAt } from "./schedule.ts";
import { atExample } from "./rewards.ts";
import type { Collected } from "./collect.ts";
import { updatePolicies } from "./update_schedule.ts";
import { treeReturns } from "./returns.ts";
import { timeRewards } from "./reward_clock.ts";
import type { RunState } from "./run_state.ts";
import { type StepContext, updateOptions } from "./step_context.ts";
import { type StepRecord, stepRecord } from "./step_record.ts";
import { jobsEnv, LOCAL_JOBS, sampleStream } from "./jobs.ts";
export type { RunState, StepContext, StepRecord };

/** What {@link magrpoStep} returns. */
export interface StepResult {
  /** The state after the step (a new value; the input is unchanged). */
  run: RunState;
  /** The step's log record (one line of `metrics.jsonl`). */
  record: StepRecord;
  /** What the step collected, one entry per example (the trainer logs sampled completions). */
  collected: Collected[];
}

/**
 * One training step (MAGRPO or the configured baseline, see `algorithms.ts`):
 *
 * 1. **collect**: for `promptsPerStep` examples in the seeded data order, each agent samples G
 *    completions of its own prompt; the joint actions are rewarded (shaped by `rewardScale`,
 *    `rewardShift`, `rewardClamp`; multi-turn trees with early termination);
 * 2. **returns**: `R_t = r_t + γ·mean(R_{t+1} of the children)` over each tree;
 * 3. **advantages**: the algorithm's (MAGRPO: `A_g = R_g − mean(R)`, shared by the agents);
 * 4. **per-agent update**: each agent's samples, cut into groups by `updateSchedule`, each one
 *    train-graph call (policy loss, gradients, AdamW) at the scheduled learning rate; then the
 *    algorithm's own state (the critic) is fitted.
 *
 * Rollout and reward jobs run where `ctx.jobs` says (default: here, `LOCAL_JOBS`; `lib/dist`: on
 * workers); each agent at each tree node draws from its own stream keyed by (seed, step, prompt
 * index, agent, node), so the step's result does not depend on where or in what order jobs run.
 *
 * A non-finite loss, gradient or parameter throws `NonFiniteStepError` (nothing is applied).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { magrpoStep } from "./step.ts";
 * import { createStepContext } from "./step_context.ts";
 * import { initRunState } from "./run_state.ts";
 * import { validateConfig } from "./config.ts";
 * const ctx = await createStepContext(validateConfig({ groupSize: 2 }, "inline"));
 * const run0 = initRunState(ctx);
 * const a = await magrpoStep(run0, ctx), b = await magrpoStep(run0, ctx);
 * a.run.step; // 1 (run0.step is still 0)
 * assert.deepEqual(JSON.stringify(a.record.reward) === JSON.stringify(b.record.reward), true);
 * ```
 */
export async function magrpoStep(run: RunState, ctx: StepContext): Promise<StepResult> {
  const { cfg, algorithm } = ctx;
  const jobs = ctx.jobs ?? LOCAL_JOBS; // where rollout and reward jobs run (same results)
  const { env, clock } = timeRewards(jobsEnv(ctx.env, jobs)); // reward calls timed
  const step = run.step + 1, start = performance.now();
  const dataRng = makeRng(`data/${cfg.seed}`, run.rng.data);
  // kept in the state (checkpoints); steps draw from keyed streams (`settings(p).stream`)
  const sampleRng = makeRng(`sample/${cfg.seed}`, run.rng.sample);
  let { order, cursor } = run.data;
  const policies = run.agents.map((s, i) => withTrainable(ctx.bases[i], s.params));
  const examples: unknown[] = [];
  for (let p = 0; p < cfg.promptsPerStep; p++) {
    if (cursor >= order.length) [order, cursor] = [shuffled(dataRng, order), 0];
    examples.push(env.rows[order[cursor++]]);
  }
  // each prompt's agents draw from streams keyed by (seed, step, prompt, agent, node)
  const settings = (p: number) => ({
    ...ctx.settings,
    stream: sampleStream(cfg.seed, step, p),
    jobs,
  });
  // 1. collect: G completions per agent, joint rewards (shaped), further turns
  const rollout = (example: unknown, p: number) =>
    algorithm.rollout(env, example, policies, settings(p), sampleRng)
      .catch((e) => Promise.reject(atExample(e, example)));
  const trees = [];
  if (jobs.concurrent) trees.push(...await Promise.all(examples.map(rollout)));
  else for (const [p, example] of examples.entries()) trees.push(await rollout(example, p));
  const collected: Collected[] = [];
  for (const [p, example] of examples.entries()) {
    try {
      // 2. returns: R_t = r_t + γ·mean(R_{t+1})
      treeReturns(trees[p], cfg.gamma);
      // 3. advantages: the algorithm's, as per-agent samples
      collected.push(
        await algorithm.advantages(trees[p], env, example, settings(p), run.algorithm),
      );
    } catch (e) {
      throw atExample(e, example);
    }
  }
  const sampled = performance.now();
  // 4. per-agent update (groups by `updateSchedule`), then the algorithm's own state
  const lr = lrAt(step, { ...cfg.optimizer, totalSteps: cfg.steps });
  const { states, updates } = await updatePolicies(
    ctx.bases,
    run.agents,
    collected,
    cfg.updateSchedule,
    updateOptions(cfg, lr, ctx.bases[0]),
  );
  const updated = performance.now();
  const own = algorithm.fit
    ? await algorithm.fit(run.algorithm, collected, lr)
    : { own: run.algorithm, metrics: {} };
  const next: RunState = {
    step,
    agents: states,
    algorithm: own.own,
    rng: { data: dataRng.state(), sample: sampleRng.state() },
    data: { order, cursor },
  };
  const times = { start, sampled, updated, end: performance.now(), reward: clock.seconds() };
  return {
    run: next,
    record: stepRecord({ step, lr, collected, updates, algorithm: own.metrics, times }),
    collected,
  };
}
