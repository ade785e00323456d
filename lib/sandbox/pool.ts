/**
 * A tiny concurrency limiter: at most `size` tasks run at once, the rest wait in FIFO order.
 * The sandbox uses one shared limiter (sized by the number of cores) so that a rollout that
 * fires hundreds of reward computations at once never starts hundreds of Python processes.
 *
 * @module
 */

import { UserError } from "../util/errors.ts";

/** Runs `task` once a slot is free and resolves with its result. */
export type Limiter = <T>(task: () => Promise<T>) => Promise<T>;

/**
 * Creates a limiter that runs at most `size` tasks concurrently (FIFO queue for the rest).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createLimiter } from "./pool.ts";
 * const limit = createLimiter(2);
 * const out = await Promise.all([1, 2, 3].map((x) => limit(async () => x * 10)));
 * assert.deepEqual(out, [10, 20, 30]); // never more than 2 tasks in flight
 * ```
 */
export function createLimiter(size: number): Limiter {
  if (!Number.isInteger(size) || size < 1) {
    throw new UserError(
      `createLimiter: size must be a positive integer, got ${size}`,
    );
  }
  let active = 0;
  const waiting: Array<() => void> = [];
  const release = () => {
    active--;
    const next = waiting.shift();
    if (next) next();
  };
  return <T>(task: () => Promise<T>): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const start = () => {
        active++;
        let result: Promise<T>;
        try {
          result = task();
        } catch (err) {
          result = Promise.reject(err);
        }
        result.then(resolve, reject).finally(release);
      };
      if (active < size) start();
      else waiting.push(start);
    });
}

/** The number of logical cores (at least 1), used as the default pool size. */
export function coreCount(): number {
  const n = typeof navigator !== "undefined" ? navigator.hardwareConcurrency : 1;
  return Number.isInteger(n) && n > 0 ? n : 1;
}

/**
 * Maps `fn` over `items` with at most `concurrency` calls in flight; results keep input order.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { mapLimit } from "./pool.ts";
 * const squares = await mapLimit([1, 2, 3], 2, async (x) => x * x);
 * assert.deepEqual(squares, [1, 4, 9]);
 * ```
 */
export async function mapLimit<T, R>(
  items: readonly T[],
  concurrency: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const limit = createLimiter(concurrency);
  return await Promise.all(items.map((item, i) => limit(() => fn(item, i))));
}

/** The process-wide limiter used by `runPython` unless a caller passes its own. */
export const defaultLimiter: Limiter = createLimiter(coreCount());
