/**
 * One training step as a function of values: `magrpoStep(run, ctx) → { run, record }`. `run`
 * (a {@link RunState}) is everything that changes, `ctx` (a {@link StepContext}) everything that
 * does not. The old `run` is left as it was, so calling the step twice with the same value
 * gives the same result (bit for bit with `deterministic` runtime settings, the default);
 * `train()` is this function in a loop plus logging, checkpoints and evaluation.
 *
 * @module
 */
import { withParams } from "../policy/policy.ts";
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
  const { env, clock } = timeRewards(ctx.env); // reward calls timed for `seconds.reward`
  const step = run.step + 1, start = performance.now();
  const dataRng = makeRng(`data/${cfg.seed}`, run.rng.data);
  const sampleRng = makeRng(`sample/${cfg.seed}`, run.rng.sample);
  let { order, cursor } = run.data;
  const policies = run.agents.map((s, i) => withParams(ctx.bases[i], s.params));
  const collected: Collected[] = [];
  for (let p = 0; p < cfg.promptsPerStep; p++) {
    if (cursor >= order.length) [order, cursor] = [shuffled(dataRng, order), 0];
    const example = env.rows[order[cursor++]];
    try {
      // 1. collect: G completions per agent, joint rewards (shaped), further turns
      const tree = await algorithm.rollout(env, example, policies, ctx.settings, sampleRng);
      // 2. returns: R_t = r_t + γ·mean(R_{t+1})
      treeReturns(tree, cfg.gamma);
      // 3. advantages: the algorithm's, as per-agent samples
      collected.push(await algorithm.advantages(tree, env, example, ctx.settings, run.algorithm));
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
