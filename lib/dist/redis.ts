/**
 * The Redis side shared by the trainer and its workers: opening a connection that either works
 * or fails at once with one clear error ({@link connectRedis}), the queue and key names of a
 * queue prefix ({@link names}), and the published run descriptions and weights.
 *
 * Layout under prefix `q` (default `magrpo`): BullMQ queues `q-rollout` and `q-reward`; keys
 * `q:run:<id>` (a run's config, JSON) and `q:weights:<run>:<agent>:<version>` (packed weights).
 *
 * @module
 */
import { Buffer } from "node:buffer";
import { Redis } from "npm:ioredis@5.11.1";
import type * as ioredis from "npm:ioredis@5.11.1";
import { UserError } from "../util/errors.ts";
import { packParams, type ParamStore, paramsVersion, unpackParams } from "./codec.ts";
export type { ParamStore, Redis };

/**
 * A connected client of the Redis server (an `ioredis` client; its methods are documented in
 * `npm:ioredis`), as {@link connectRedis} returns it.
 */
export type RedisClient = ioredis.Redis;

/** Queue and key names of one queue prefix. */
export interface Names {
  /** BullMQ queue of rollout jobs. */
  rollout: string;
  /** BullMQ queue of reward jobs. */
  reward: string;
  /** Key of a run's description. */
  run(id: string): string;
  /** Key of a published policy version. */
  weights(run: string, agent: number, version: string): string;
}

/**
 * The names under `prefix`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { names } from "./redis.ts";
 * assert.equal(names("magrpo").reward, "magrpo-reward");
 * assert.equal(names("magrpo").weights("r1", 0, "ab"), "magrpo:weights:r1:0:ab");
 * ```
 */
export function names(prefix: string): Names {
  return {
    rollout: `${prefix}-rollout`,
    reward: `${prefix}-reward`,
    run: (id) => `${prefix}:run:${id}`,
    weights: (run, agent, version) => `${prefix}:weights:${run}:${agent}:${version}`,
  };
}

/** A URL must be `redis://[user:pass@]host[:port][/db]` (or `rediss://`). */
function checkUrl(url: string, where: string): void {
  let ok = false;
  try {
    const u = new URL(url);
    ok = (u.protocol === "redis:" || u.protocol === "rediss:") && u.hostname !== "";
  } catch { /* reported below */ }
  if (!ok) {
    throw new UserError(`${where}: expected a Redis URL like redis://127.0.0.1:6379, got '${url}'`);
  }
}

/**
 * A connected client of `url` for BullMQ (`maxRetriesPerRequest: null`, as BullMQ's workers
 * need). The server is pinged first with a short timeout and no retries, so an unreachable
 * Redis is ONE {@link UserError} naming the URL and `where` (the config key or flag), not an
 * endless reconnect loop.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { connectRedis } from "./redis.ts";
 * await assert.rejects(connectRedis("redis://127.0.0.1:1", "--redis"), /cannot reach Redis/);
 * ```
 */
export async function connectRedis(
  url: string,
  where: string,
  timeoutMs = 5000,
): Promise<RedisClient> {
  checkUrl(url, where);
  const probe = new Redis(url, {
    lazyConnect: true,
    connectTimeout: timeoutMs,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
  });
  let last: unknown;
  probe.on("error", (e) => last = e);
  try {
    await probe.connect();
    await probe.ping();
  } catch (err) {
    probe.disconnect();
    const msg = (last as Error)?.message || (err as Error)?.message || String(err);
    throw new UserError(
      `cannot reach Redis at ${url} (${where}): ${msg}. Start redis-server there (or fix the ` +
        `URL) and make sure this machine can reach its port`,
      { cause: err },
    );
  }
  probe.disconnect();
  const client = new Redis(url, { maxRetriesPerRequest: null });
  client.on("error", () => {}); // reconnects by itself; failed commands reject where awaited
  return client;
}

/**
 * Publishes `params` (agent `agent`'s trainable weights) for run `run` once; returns the version
 * name, the weights' content hash. Kept a day (a version is read within its step).
 */
export async function publishWeights(
  redis: Redis,
  n: Names,
  run: string,
  agent: number,
  params: ParamStore,
): Promise<string> {
  const blob = packParams(params);
  const version = await paramsVersion(blob);
  await redis.set(n.weights(run, agent, version), Buffer.from(blob), "EX", 86400, "NX");
  return version;
}

/** Reads a published version (a {@link UserError} when it is gone). */
export async function readWeights(
  redis: Redis,
  n: Names,
  run: string,
  agent: number,
  version: string,
): Promise<ParamStore> {
  const buf = await redis.getBuffer(n.weights(run, agent, version));
  if (!buf) {
    throw new UserError(
      `policy version ${version} of agent ${agent} (run ${run}) is not in Redis (expired, or ` +
        `the server was flushed): restart the trainer, it publishes it again`,
    );
  }
  return unpackParams(new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength));
}
