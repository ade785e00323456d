/**
 * The trainer's side of a distributed run: {@link connectJobs} returns `StepJobs` that send a
 * step's rollout and reward jobs to BullMQ queues in Redis and wait for their results, so that
 * `magrpoStep` runs unchanged. Each policy the step samples with is published once, by content
 * hash, before its first rollout job (`q:weights:<run>:<agent>:<version>`); a job names the
 * version it needs and workers cache it. The run's config is published under `q:run:<id>` so
 * workers build the same environment and base policies.
 *
 * Faults: a job whose worker dies is taken over by another (BullMQ stalled-job check); a job
 * that keeps throwing fails after `distributed.attempts` tries and fails the step with its
 * reason (the step names the example); at most `distributed.maxPending` jobs per queue are in
 * flight, and no payload exceeds `distributed.maxPayloadBytes`.
 *
 * @module
 */
import { type JobsOptions, Queue, QueueEvents } from "npm:bullmq@5.81.5";
import type { TrainerConfig } from "../rl/config.ts";
import type { SampleJob, StepJobs } from "../rl/jobs.ts";
import type { Completion } from "../policy/sample.ts";
import { trainableParams } from "../policy/policy.ts";
import { checkPayload, decodeExact, encodeExact, type ParamStore } from "./codec.ts";
import { connectRedis, names, publishWeights } from "./redis.ts";
import { UserError } from "../util/errors.ts";
export type { StepJobs };

/** What the trainer publishes about its run (read by workers). */
export interface RunDescription {
  /** The validated config. */
  config: TrainerConfig;
  /** The environment's name (a custom one must be given to workers as `--env-module`). */
  env: string;
  /** Whether the environment is a custom object rather than `config.env`. */
  custom: boolean;
  /** Number of training rows (workers check they see the same rows). */
  rows: number;
}

/** Distributed `StepJobs` plus what to close when the run ends. */
export interface DistributedJobs extends StepJobs {
  /** The run id (hash of the run description). */
  run: string;
  /** Closes the queues and connections (jobs in flight are abandoned). */
  close(): Promise<void>;
}

/** A counting semaphore: at most `n` holders. */
function semaphore(n: number) {
  let free = n;
  const waiting: (() => void)[] = [];
  return {
    async acquire() {
      if (free > 0) return void free--;
      await new Promise<void>((r) => waiting.push(r));
    },
    release() {
      const next = waiting.shift();
      if (next) next();
      else free++;
    },
  };
}

/** The run id: the first 16 hex digits of the description's SHA-256. */
async function runId(desc: RunDescription): Promise<string> {
  const bytes = new TextEncoder().encode(JSON.stringify(desc));
  const d = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return [...d.slice(0, 8)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * Connects to `cfg.distributed.redis` (one {@link UserError} when it cannot), publishes the run
 * and returns the jobs of its steps. Close it when the run ends.
 *
 * @example
 * ```ts ignore
 * import { connectJobs } from "./learner.ts";
 * const jobs = await connectJobs(cfg, { env: "toy", custom: false, rows: 24 });
 * try { await train(cfg, { jobs }); } finally { await jobs.close(); }
 * ```
 */
export async function connectJobs(
  cfg: TrainerConfig,
  about: Omit<RunDescription, "config">,
): Promise<DistributedJobs> {
  const d = cfg.distributed;
  if (!d?.redis) throw new UserError("connectJobs: config.distributed.redis is not set");
  const redis = await connectRedis(d.redis, "config.distributed.redis");
  const n = names(d.queue), desc: RunDescription = { config: cfg, ...about };
  const run = await runId(desc);
  await redis.set(n.run(run), JSON.stringify(desc), "EX", 7 * 86400);
  const connection = redis;
  const rollout = new Queue(n.rollout, { connection });
  const reward = new Queue(n.reward, { connection });
  const own = [redis.duplicate(), redis.duplicate()]; // shared connections BullMQ leaves open
  const events = {
    rollout: new QueueEvents(n.rollout, { connection: own[0] }),
    reward: new QueueEvents(n.reward, { connection: own[1] }),
  };
  await Promise.all([events.rollout.waitUntilReady(), events.reward.waitUntilReady()]);
  const slots = { rollout: semaphore(d.maxPending), reward: semaphore(d.maxPending) };
  const options: JobsOptions = {
    attempts: d.attempts,
    backoff: { type: "fixed", delay: 100 },
    removeOnComplete: { count: 10_000 },
    removeOnFail: { count: 10_000 },
  };
  const where = `${d.redis} (queue ${d.queue})`;

  const submit = async (kind: "rollout" | "reward", data: unknown, what: string) => {
    checkPayload(JSON.stringify(data), d.maxPayloadBytes, what);
    await slots[kind].acquire();
    try {
      const queue = kind === "rollout" ? rollout : reward;
      const job = await queue.add(kind, data, options);
      const timer = setTimeout(() => warnIdle(kind, queue), 15_000);
      try {
        return decodeExact(await job.waitUntilFinished(events[kind]));
      } catch (err) {
        const msg = err instanceof Error ? err.message : String(err);
        throw new UserError(`${what} failed on the workers (tries: up to ${d.attempts}): ${msg}`);
      } finally {
        clearTimeout(timer);
      }
    } finally {
      slots[kind].release();
    }
  };
  // A job still waiting after 15 s on a queue no worker listens to: say so (once per queue).
  const warned = new Set<string>();
  const warnIdle = (kind: string, queue: Queue) =>
    queue.getWorkersCount().then((count) => {
      if (count > 0 || warned.has(kind)) return;
      warned.add(kind);
      console.warn(
        `warning: no ${kind} worker is connected to ${where}; start one with ` +
          `\`deno task worker --redis ${d.redis} --role ${kind} --queue ${d.queue}\``,
      );
    }).catch(() => {});

  // Each policy object is published once (by content), the last two versions per agent kept.
  const versions = new WeakMap<ParamStore, Promise<string>>();
  const kept: string[][] = [];
  const versionOf = (agent: number, params: ParamStore): Promise<string> => {
    let v = versions.get(params);
    if (!v) {
      v = publishWeights(redis, n, run, agent, params).then(async (version) => {
        const list = kept[agent] ??= [];
        if (list.at(-1) !== version) list.push(version);
        while (list.length > 2) await redis.del(n.weights(run, agent, list.shift()!));
        return version;
      });
      versions.set(params, v);
    }
    return v;
  };

  return {
    where,
    run,
    concurrent: true,
    async sample(policy, job: SampleJob): Promise<Completion[]> {
      const version = await versionOf(job.agent, trainableParams(policy));
      const data = { run, agent: job.agent, version, job: encodeExact(job) };
      return await submit("rollout", data, `rollout job ${job.stream}`) as Completion[];
    },
    async reward(texts: string[], row: number): Promise<unknown> {
      return await submit("reward", { run, row, texts }, `reward job of row ${row}`);
    },
    async close() {
      await Promise.allSettled([
        events.rollout.close(),
        events.reward.close(),
        rollout.close(),
        reward.close(),
      ]);
      for (const c of [redis, ...own]) c.disconnect();
    },
  };
}
