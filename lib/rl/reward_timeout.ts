/**
 * Timeouts for reward calls: a reward function whose promise never settles would hang the
 * trainer; wrapped by {@link withRewardTimeout} (or a whole environment by
 * {@link withRewardTimeouts}, as the trainer does with `rewardTimeoutMs`) it rejects with a
 * {@link RewardTimeoutError} instead, which `evaluateJointRewards` / `evaluateAgentRewards`
 * report with the function, the example and the joint action.
 *
 * @module
 */
import { UserError } from "../util/errors.ts";

/** Default of the trainer's `rewardTimeoutMs`: 10 minutes per reward call. */
export const DEFAULT_REWARD_TIMEOUT_MS = 600_000;

/** A reward call that did not settle in time (see {@link withRewardTimeout}). */
export class RewardTimeoutError extends Error {
  /** Creates the error; `ms` is the timeout that passed. */
  constructor(readonly ms: number) {
    super(`did not settle within ${ms} ms (rewardTimeoutMs)`);
    this.name = "RewardTimeoutError";
  }
}

/**
 * `fn` with a timeout: a call whose returned promise has not settled after `ms` milliseconds
 * rejects with a {@link RewardTimeoutError}, which `evaluateJointRewards` and
 * `evaluateAgentRewards` report with the example (the late promise is abandoned, its
 * result ignored). Synchronous results pass through; the function keeps its name.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { withRewardTimeout } from "./reward_timeout.ts";
 * const never = withRewardTimeout(() => new Promise<number>(() => {}), 50);
 * await assert.rejects(async () => await never(), /did not settle within 50 ms/);
 * ```
 */
// deno-lint-ignore no-explicit-any
export function withRewardTimeout<A extends any[], R>(
  fn: (...args: A) => R | Promise<R>,
  ms: number,
): (...args: A) => R | Promise<R> {
  if (!(ms > 0)) throw new UserError(`rewardTimeoutMs must be a positive number, got ${ms}`);
  const timed = (...args: A): R | Promise<R> => {
    const r = fn(...args);
    if (!(r instanceof Promise)) return r;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new RewardTimeoutError(ms)), ms);
    });
    return Promise.race([r, late]).finally(() => clearTimeout(timer));
  };
  Object.defineProperty(timed, "name", { value: fn.name });
  return timed;
}

/**
 * An environment whose `reward` and `agentReward` calls time out after `ms` milliseconds (see
 * {@link withRewardTimeout}); the other fields are the same.
 *
 * @example
 * ```ts ignore
 * import { withRewardTimeouts } from "./reward_timeout.ts";
 * declare const env: import("../envs/types.ts").Environment<unknown>;
 * const timed = withRewardTimeouts(env, 600_000);
 * ```
 */
export function withRewardTimeouts<T extends { reward: unknown; agentReward?: unknown }>(
  env: T,
  ms: number,
): T {
  // deno-lint-ignore no-explicit-any
  const timed = (f: any) => withRewardTimeout(f, ms);
  return {
    ...env,
    reward: timed(env.reward),
    ...(env.agentReward ? { agentReward: timed(env.agentReward) } : {}),
  };
}
