/**
 * Timing the reward calls of a step: an environment whose `reward` / `agentReward` calls are
 * timed by a clock that counts wall-clock time during which at least one call is pending
 * (rewards run concurrently, so the sum of call durations would overcount), for the step's
 * `seconds.reward`.
 *
 * @module
 */

/** Wall-clock seconds during which at least one timed call was pending. */
export interface RewardClock {
  /** Seconds counted so far (pending calls count up to now). */
  seconds(): number;
}

/**
 * `env` with timed reward functions, and their clock. Results and errors pass through
 * unchanged; synchronous functions stay synchronous.
 *
 * @example
 * ```ts ignore
 * import { timeRewards } from "./reward_clock.ts";
 * declare const env: import("../envs/types.ts").Environment<unknown>;
 * const { env: timed, clock } = timeRewards(env);
 * // … collect with `timed` …
 * clock.seconds(); // time spent in rewards
 * ```
 */
export function timeRewards<T extends { reward: unknown; agentReward?: unknown }>(
  env: T,
  now: () => number = () => performance.now(),
): { env: T; clock: RewardClock } {
  let pending = 0, since = 0, total = 0;
  const begin = () => {
    if (pending++ === 0) since = now();
  };
  const end = () => {
    if (--pending === 0) total += now() - since;
  };
  // deno-lint-ignore no-explicit-any
  const wrap = (f: any) => {
    if (typeof f !== "function") return f;
    // deno-lint-ignore no-explicit-any
    return function (this: unknown, ...args: any[]) {
      begin();
      let out;
      try {
        out = f.apply(this, args);
      } catch (err) {
        end();
        throw err;
      }
      if (out instanceof Promise) return out.finally(end);
      end();
      return out;
    };
  };
  const timed = { ...env, reward: wrap(env.reward) } as T;
  if (env.agentReward) timed.agentReward = wrap(env.agentReward);
  return {
    env: timed,
    clock: { seconds: () => (total + (pending > 0 ? now() - since : 0)) / 1000 },
  };
}
