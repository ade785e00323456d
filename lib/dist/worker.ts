/**
 * A worker of a distributed run ({@link startWorker}): takes rollout jobs (sample G completions
 * with a published policy version) or reward jobs (score one joint action of a row) from the
 * BullMQ queues in Redis, for whichever run published them. A worker builds each run's pieces
 * from the run's published config: rollout workers its base policies (cached), reward workers
 * only its environment; policy versions are read once and cached.
 *
 * A rollout job runs `runSampleJob`, exactly what the trainer runs locally, from the job's own
 * keyed stream, and a reward job calls the environment's reward, so the results do not depend on
 * which worker takes a job. Locks are renewed every `lockMs / 2`; a worker killed mid-job leaves
 * its job to be taken over by another after at most `lockMs` (BullMQ's stalled-job check).
 *
 * @module
 */
import { UnrecoverableError, Worker } from "npm:bullmq@5.81.5";
import { isAbsolute, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { configureRuntime } from "../engine/runtime.ts";
import { loadEnvironment } from "../envs/registry.ts";
import type { Environment } from "../envs/types.ts";
import { withTrainable } from "../policy/policy.ts";
import { runSampleJob, type SampleJob } from "../rl/jobs.ts";
import { withRewardTimeouts } from "../rl/rewards.ts";
import { createStepContext, type StepContext } from "../rl/step_context.ts";
import { UserError } from "../util/errors.ts";
import { checkPayload, decodeExact, encodeExact, type ParamStore } from "./codec.ts";
import type { RunDescription } from "./learner.ts";
import { connectRedis, names, readWeights } from "./redis.ts";

/** A worker's role: which queue it serves. */
export type Role = "rollout" | "reward";

/** Options of {@link startWorker}. */
export interface WorkerOptions {
  /** Redis URL. */
  redis: string;
  /** Which jobs to take. */
  role: Role;
  /** Jobs run at once (default 1). */
  concurrency?: number;
  /** Queue prefix (default "magrpo", as `distributed.queue`). */
  queue?: string;
  /** Job lock in ms: a dead worker's job is taken over after at most this (default 30000). */
  lockMs?: number;
  /**
   * A module whose default export is the environment (or a function of the config returning
   * it), for runs trained on a custom environment object.
   */
  envModule?: string;
  /** Called with each finished job (for logs). */
  onJob?: (kind: Role, ms: number) => void;
}

/** A started worker. */
export interface RunningWorker {
  /** Stops taking jobs, waits for the running ones, disconnects. */
  close(): Promise<void>;
}

// deno-lint-ignore no-explicit-any
type AnyEnv = Environment<any>;

/** The environment of a run description: `config.env`, or the custom one of `envModule`. */
async function runEnvironment(desc: RunDescription, envModule?: string): Promise<AnyEnv> {
  if (!desc.custom) return await loadEnvironment(desc.config.env);
  if (!envModule) {
    throw new UserError(
      `the run trains on the custom environment '${desc.env}': start this worker with ` +
        `--env-module FILE.ts (its default export: that environment)`,
    );
  }
  const path = isAbsolute(envModule) ? envModule : resolve(envModule);
  const mod = await import(pathToFileURL(path).href);
  const made = typeof mod.default === "function" ? await mod.default(desc.config) : mod.default;
  if (!made || made.name !== desc.env) {
    throw new UserError(
      `--env-module ${envModule}: its default export must be environment '${desc.env}', got ` +
        `'${made?.name}'`,
    );
  }
  return made;
}

/**
 * Starts a worker (see the module doc). Redis unreachable: one {@link UserError}.
 *
 * @example
 * ```ts ignore
 * import { startWorker } from "./worker.ts";
 * const w = await startWorker({ redis: "redis://127.0.0.1:6379", role: "reward", concurrency: 4 });
 * // … later
 * await w.close();
 * ```
 */
export async function startWorker(opts: WorkerOptions): Promise<RunningWorker> {
  const redis = await connectRedis(opts.redis, "--redis");
  const n = names(opts.queue ?? "magrpo"), lockMs = opts.lockMs ?? 30_000;
  const runs = new Map<string, Promise<{ desc: RunDescription; env: AnyEnv; ctx?: StepContext }>>();
  const weights = new Map<string, Promise<ParamStore>>();

  const openRun = (id: string) => {
    let r = runs.get(id);
    if (!r) {
      r = (async () => {
        const text = await redis.get(n.run(id));
        if (!text) throw new UnrecoverableError(`run ${id} is not published in Redis`);
        const desc = JSON.parse(text) as RunDescription;
        const cfg = desc.config;
        configureRuntime({ deterministic: cfg.deterministic, fallback: cfg.epFallback });
        const raw = await runEnvironment(desc, opts.envModule);
        if (raw.rows.length !== desc.rows) {
          throw new UserError(
            `environment '${desc.env}' has ${raw.rows.length} training rows here but ` +
              `${desc.rows} on the trainer (is the same data at the same path?)`,
          );
        }
        const env = withRewardTimeouts(raw, cfg.rewardTimeoutMs);
        const ctx = opts.role === "rollout"
          ? await createStepContext(cfg, desc.custom ? { environment: raw } : {})
          : undefined;
        return { desc, env, ctx };
      })();
      r.catch(() => runs.delete(id)); // a failure is retried by the next job
      runs.set(id, r);
      while (runs.size > 2) runs.delete(runs.keys().next().value!);
    }
    return r;
  };

  const policyParams = (run: string, agent: number, version: string) => {
    const key = `${run}:${agent}:${version}`;
    let w = weights.get(key);
    if (!w) {
      w = readWeights(redis, n, run, agent, version);
      w.catch(() => weights.delete(key));
      weights.set(key, w);
      while (weights.size > 8) weights.delete(weights.keys().next().value!);
    }
    return w;
  };

  const finish = (value: unknown, max: number, what: string) => {
    const out = encodeExact(value);
    try {
      checkPayload(JSON.stringify(out), max, what);
    } catch (e) {
      throw new UnrecoverableError((e as Error).message);
    }
    return out;
  };

  const processor = async (job: { data: Record<string, unknown> }) => {
    const start = performance.now();
    const { desc, env, ctx } = await openRun(job.data.run as string);
    const max = desc.config.distributed.maxPayloadBytes;
    let out: unknown;
    if (opts.role === "rollout") {
      const agent = job.data.agent as number;
      const params = await policyParams(job.data.run as string, agent, job.data.version as string);
      const sj = decodeExact(job.data.job) as SampleJob;
      const completions = await runSampleJob(withTrainable(ctx!.bases[agent], params), sj);
      out = finish(completions, max, `rollout job ${sj.stream}'s result`);
    } else {
      const row = job.data.row as number;
      const value = await env.reward(job.data.texts as string[], env.rows[row]);
      out = finish(value, max, `reward job of row ${row}'s result`);
    }
    opts.onJob?.(opts.role, performance.now() - start);
    return out;
  };

  const worker = new Worker(opts.role === "rollout" ? n.rollout : n.reward, processor, {
    connection: redis,
    concurrency: opts.concurrency ?? 1,
    lockDuration: lockMs,
    stalledInterval: lockMs,
    maxStalledCount: 5,
  });
  worker.on("error", (e) => console.error(`worker error: ${e.message}`));
  await worker.waitUntilReady();
  return {
    async close() {
      await worker.close();
      redis.disconnect();
    },
  };
}
