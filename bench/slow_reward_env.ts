/**
 * The toy task with a slow reward, for `bench/scale_out.ts`: `toy-slow`, whose joint reward is the
 * toy reward after a pause of `MAGRPO_SLOW_REWARD_MS` milliseconds (default 500), standing in for
 * a sandbox run that takes that long on its own slot. Workers load it with
 * `--env-module bench/slow_reward_env.ts`.
 *
 * @module
 */
import { toyEnv, toyReward, type ToyRow } from "../lib/envs/toy.ts";
import type { Environment } from "../lib/envs/types.ts";

/** Milliseconds each reward call waits (`MAGRPO_SLOW_REWARD_MS`, default 500). */
export function slowRewardMs(): number {
  return Number(Deno.env.get("MAGRPO_SLOW_REWARD_MS") ?? 500);
}

/** The slow toy environment. */
export function slowEnv(): Environment<ToyRow> {
  const ms = slowRewardMs();
  return {
    ...toyEnv(),
    name: "toy-slow",
    reward: async (completions: string[], row: ToyRow) => {
      await new Promise((r) => setTimeout(r, ms));
      return toyReward(completions, row);
    },
  };
}

export default slowEnv;
