/**
 * Everything a training run changes, as one plain value ({@link RunState}): each trained
 * policy's parameters and AdamW state, the algorithm's own state (the critic's value model),
 * the random streams' states, the data order and cursor, and the step counter. `magrpoStep`
 * maps one such value to the next without touching the old one, so a notebook cell can be
 * re-run with the same value; a checkpoint is this value written to disk
 * ({@link runToCheckpoint} / {@link runFromCheckpoint}, the `checkpoint.ts` folder format:
 * the algorithm's states are stored after the agents').
 *
 * @module
 */
import { initTrainState, type TrainState } from "../engine/optim_step.ts";
import type { ParamStore } from "../model/params.ts";
import { trainableParams } from "../policy/policy.ts";
import { makeRng, type RngState, shuffled } from "../util/rng.ts";
import type { Checkpoint } from "./checkpoint.ts";
import type { StepContext } from "./step_context.ts";
import { UserError } from "../util/errors.ts";
export type { Checkpoint, RngState, StepContext, TrainState };

/** Everything that changes during a run (plain data). */
export interface RunState {
  /** Steps completed. */
  step: number;
  /**
   * Each trained policy's trainable parameters (with LoRA: its adapter), AdamW moments and
   * update count.
   */
  agents: TrainState[];
  /** The algorithm's own state (the critic's value model); `[]` for the others. */
  algorithm: TrainState[];
  /** States of the data-order and sampling streams (seeded `data/<seed>`, `sample/<seed>`). */
  rng: { data: RngState; sample: RngState };
  /** The data order (row indices) and the next position in it. */
  data: { order: number[]; cursor: number };
}

const copy = (p: ParamStore): ParamStore =>
  Object.fromEntries(
    Object.entries(p).map((
      [k, t],
    ) => [k, { data: Float32Array.from(t.data as Float32Array), dims: t.dims }]),
  );

/**
 * The state at step 0: each policy's own copy of its trainable parameters (every weight, or
 * with LoRA its adapter only: the base is read from the context, never copied) with zero
 * moments, the algorithm's initial state, and the data order shuffled by the `data/<seed>`
 * stream.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { initRunState } from "./run_state.ts";
 * import { createStepContext } from "./step_context.ts";
 * import { validateConfig } from "./config.ts";
 * const ctx = await createStepContext(validateConfig({}, "inline"));
 * const run = initRunState(ctx);
 * assert.deepEqual([run.step, run.agents.length, run.data.cursor], [0, 2, 0]);
 * ```
 */
export function initRunState(ctx: StepContext): RunState {
  const seed = ctx.cfg.seed, dataRng = makeRng(`data/${seed}`);
  const order = shuffled(dataRng, ctx.env.rows.map((_, i) => i));
  return {
    step: 0,
    agents: ctx.bases.map((b) => initTrainState(copy(trainableParams(b)))),
    algorithm: ctx.algorithm.init(),
    rng: { data: dataRng.state(), sample: makeRng(`sample/${seed}`).state() },
    data: { order, cursor: 0 },
  };
}

/** Every state of a run, the agents' first (what `TrainResult.states` and checkpoints hold). */
export function allStates(run: RunState): TrainState[] {
  return [...run.agents, ...run.algorithm];
}

/**
 * Checks that a (resumed) run state trains what the context's policies train: each agent's
 * state holds exactly their trainable tensors (every weight, or with LoRA the adapter's), with
 * the same shapes; otherwise a {@link UserError} naming `where`, the agent and the tensor (e.g.
 * a full fine-tuning checkpoint resumed as a LoRA run).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkRunMatches, initRunState } from "./run_state.ts";
 * import { createStepContext } from "./step_context.ts";
 * import { validateConfig } from "./config.ts";
 * const full = await createStepContext(validateConfig({}, "inline"));
 * const lora = await createStepContext(validateConfig({ finetune: "lora" }, "inline"));
 * checkRunMatches(initRunState(lora), lora, "ckpt"); // fine
 * assert.throws(() => checkRunMatches(initRunState(full), lora, "ckpt"), /agent 0/);
 * ```
 */
export function checkRunMatches(run: RunState, ctx: StepContext, where: string): void {
  run.agents.forEach((s, i) => {
    const want = trainableParams(ctx.bases[i]);
    const what = ctx.bases[i].adapter ? "LoRA adapter" : "full model";
    const extra = Object.keys(s.params).find((n) => !want[n]);
    const missing = Object.keys(want).find((n) => !s.params[n]);
    const bad = Object.keys(want).find((n) =>
      s.params[n] && String(s.params[n].dims) !== String(want[n].dims)
    );
    const problem = extra !== undefined
      ? `has '${extra}', which the ${what} does not train`
      : missing !== undefined
      ? `lacks '${missing}' of the ${what}`
      : bad !== undefined
      ? `has '${bad}' of shape [${s.params[bad].dims}], the ${what}'s is [${want[bad].dims}]`
      : undefined;
    if (problem) {
      throw new UserError(
        `${where}: agent ${i}'s state ${problem} (was it saved by a run with another model or ` +
          `finetune setting?)`,
      );
    }
  });
}

/**
 * The checkpoint of a run state (for `saveCheckpoint`): the agents' states followed by the
 * algorithm's, the streams as `rng.data` / `rng.sample`, the data order, and `config`.
 */
export function runToCheckpoint(run: RunState, config: unknown): Checkpoint {
  return {
    step: run.step,
    agents: allStates(run),
    rng: { data: run.rng.data, sample: run.rng.sample },
    data: run.data,
    config,
  };
}

/**
 * The run state a checkpoint holds, for a run of `policies` trained policies (the states
 * after them are the algorithm's own). A checkpoint of another shape is a {@link UserError}.
 */
export function runFromCheckpoint(
  ck: Checkpoint,
  policies: number,
  where = "checkpoint",
): RunState {
  const { data, sample } = ck.rng;
  if (!data || !sample) {
    throw new UserError(`${where}: expected rng streams 'data' and 'sample'`);
  }
  if (ck.agents.length < policies) {
    throw new UserError(
      `${where}: holds ${ck.agents.length} state(s), this run trains ${policies} policies`,
    );
  }
  return {
    step: ck.step,
    agents: ck.agents.slice(0, policies),
    algorithm: ck.agents.slice(policies),
    rng: { data, sample },
    data: { order: [...ck.data.order], cursor: ck.data.cursor },
  };
}
