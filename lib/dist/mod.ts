/**
 * Scale-out: rollout and reward workers on Redis + BullMQ. The trainer (the learner) sends each
 * step's jobs to queues and keeps the optimizer states; `deno task worker --redis URL --role
 * rollout|reward` processes them on any machine. Results are bit-identical to a local run.
 *
 * @module
 */
export { trainDistributed } from "./train.ts";
export { connectJobs, type DistributedJobs, type RunDescription } from "./learner.ts";
export { type Role, type RunningWorker, startWorker, type WorkerOptions } from "./worker.ts";
export { connectRedis, type Names, names, type RedisClient } from "./redis.ts";
export { checkPayload, decodeExact, encodeExact, packParams, unpackParams } from "./codec.ts";
export { freePort, type RedisServer, startRedisServer } from "./server.ts";
