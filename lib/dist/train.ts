/**
 * {@link trainDistributed}: `train()` with its rollout and reward jobs on workers when the config
 * has `distributed.redis`, and plain `train()` otherwise. The final parameters are bit-identical
 * to a local run of the same config: every job draws from its own keyed stream and workers run
 * exactly the code the trainer runs locally.
 *
 * @module
 */
import type { TrainerConfig } from "../rl/config.ts";
import { train, type TrainOptions, type TrainResult } from "../rl/trainer.ts";
import { UserError } from "../util/errors.ts";
import { connectJobs } from "./learner.ts";
import { loadEnvironment } from "../envs/registry.ts";
export type { TrainOptions, TrainResult };

/**
 * Trains as `cfg` says; with `cfg.distributed.redis`, the trainer is the learner and workers
 * (`deno task worker --redis URL --role rollout|reward`) run the jobs. `opts.environment` (a
 * custom environment) must then also be given to the workers as `--env-module`; in-memory
 * `opts.policies` cannot be distributed (workers load `cfg.model`).
 *
 * @example
 * ```ts ignore
 * import { trainDistributed } from "./train.ts";
 * import { validateConfig } from "../rl/config.ts";
 * const cfg = validateConfig({ steps: 5, distributed: { redis: "redis://127.0.0.1:6379" } }, "inline");
 * const r = await trainDistributed(cfg); // workers must be running
 * ```
 */
export async function trainDistributed(
  cfg: TrainerConfig,
  opts: TrainOptions = {},
): Promise<TrainResult> {
  if (!cfg.distributed?.redis) return await train(cfg, opts);
  if (opts.policies) {
    throw new UserError(
      "a distributed run cannot train in-memory policies (workers load config.model): save " +
        "them as folders and name them in model",
    );
  }
  const env = opts.environment ?? await loadEnvironment(cfg.env);
  const jobs = await connectJobs(cfg, {
    env: env.name,
    custom: opts.environment !== undefined,
    rows: env.rows.length,
  });
  try {
    return await train(cfg, { ...opts, environment: opts.environment, jobs });
  } finally {
    await jobs.close();
  }
}
