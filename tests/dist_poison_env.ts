/**
 * Test environment for `tests/distributed_test.ts`: the toy task under the name `toy-poison`,
 * whose joint reward always throws (a poison reward job). Workers load it with
 * `--env-module tests/dist_poison_env.ts`.
 *
 * @module
 */
import { toyEnv } from "../lib/envs/toy.ts";
import type { Environment } from "../lib/envs/types.ts";
import type { ToyRow } from "../lib/envs/toy.ts";

/** The poisoned toy environment. */
export function poisonEnv(): Environment<ToyRow> {
  return {
    ...toyEnv(),
    name: "toy-poison",
    reward: function poisoned(): never {
      throw new Error("poisoned reward");
    },
  };
}

export default poisonEnv;
