/**
 * Joint rewards: calling a user's reward function once per joint action (sync or async, with
 * bounded concurrency), turning every failure into one readable {@link UserError}, a timeout
 * for reward promises that never settle ({@link withRewardTimeout}), optional reward
 * processing (scale, shift, clamp), and summary statistics for logging.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { evaluateJointRewards, rewardStats } from "./rewards.ts";
 * const sameLength = (c: string[]) => (c[0].length === c[1].length ? 1 : 0);
 * const rs = await evaluateJointRewards(sameLength, [["ab", "cd"], ["a", "bcd"]], {});
 * assert.deepEqual(rs.map((r) => r.total), [1, 0]);
 * assert.ok(Math.abs((rewardStats(rs).mean) - 0.5) <= 0.1); // 0.5
 * ```
 *
 * @module
 */
import type { RewardBreakdown } from "../envs/types.ts";
import { PromptTooLongError } from "../policy/sample.ts";
import { UserError } from "../util/errors.ts";
import { RewardTimeoutError } from "./reward_timeout.ts";
export {
  DEFAULT_REWARD_TIMEOUT_MS,
  RewardTimeoutError,
  withRewardTimeout,
  withRewardTimeouts,
} from "./reward_timeout.ts";

export type { RewardBreakdown };

/** A reward value: a plain number (no levels) or a breakdown. */
export type RewardValue = number | RewardBreakdown;

/** A joint reward function: `completions[i]` is agent i's text. May be async. */
export type JointRewardFn<E = unknown> = (
  completions: string[],
  example: E,
) => RewardValue | Promise<RewardValue>;

/** Options of {@link evaluateJointRewards}. */
export interface EvaluateRewardOptions {
  /** At most this many calls in flight at once (default 8; 1 = one after another). */
  concurrency?: number;
}

/**
 * A short name for an example in error messages: its `task_id` / `id` field, else ≤ 200
 * characters of its JSON.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { describeExample } from "./rewards.ts";
 * assert.deepEqual(describeExample({ id: 7, text: "…" }), "id=7");
 * ```
 */
export function describeExample(example: unknown): string {
  if (example && typeof example === "object") {
    for (const key of ["task_id", "id"]) {
      const v = (example as Record<string, unknown>)[key];
      if (typeof v === "string" || typeof v === "number") return `${key}=${v}`;
    }
  }
  let text: string;
  try {
    text = JSON.stringify(example) ?? String(example);
  } catch {
    text = String(example);
  }
  return text.length > 200 ? `${text.slice(0, 197)}...` : text;
}

/**
 * An error met while collecting `example`, with the example named: a prompt too long for the
 * model ({@link PromptTooLongError}) becomes one line `example <id>: …` with what to change;
 * other errors (reward errors already name their example) are returned as they are.
 *
 * @example
 * ```ts ignore
 * import { atExample } from "./rewards.ts";
 * declare const err: unknown;
 * throw atExample(err, { id: 7 });
 * ```
 */
export function atExample(err: unknown, example: unknown): unknown {
  if (!(err instanceof PromptTooLongError)) return err;
  return new UserError(
    `example ${describeExample(example)}: ${err.message.replace(/^sample: /, "")}; shorten ` +
      `the prompt (or drop the example), lower sampling.maxNewTokens, or use a model with ` +
      `more positions`,
    { cause: err },
  );
}

/** Turns a returned value into a breakdown, or explains why it is not one. */
function toBreakdown(value: unknown): RewardBreakdown | string {
  if (typeof value === "number") {
    return Number.isFinite(value) ? { total: value, levels: {} } : `returned ${value}`;
  }
  if (!value || typeof value !== "object") {
    return `returned ${value === null ? "null" : typeof value}`;
  }
  const { total, levels = {} } = value as Partial<RewardBreakdown>;
  if (typeof total !== "number" || !Number.isFinite(total)) {
    return `returned total ${total}`;
  }
  for (const [name, v] of Object.entries(levels)) {
    if (typeof v !== "number" || !Number.isFinite(v)) {
      return `returned level "${name}" = ${v}`;
    }
  }
  return { total, levels };
}

/**
 * Calls `rewardFn(jointAction, example)` once per joint action and returns one breakdown each,
 * in order. A plain number `n` becomes `{ total: n, levels: {} }`. If a call throws or returns
 * anything but a finite number / a breakdown with a finite total and finite levels, no further
 * calls start and ONE {@link UserError} is thrown naming the function (its `.name` or
 * "anonymous reward function"), the example (`task_id`/`id`, else ≤ 200 chars of JSON), the
 * joint action index and the original message (the thrown error is kept as `cause`).
 *
 * @param rewardFn sync or async joint reward function
 * @param jointActions the joint actions, e.g. from `jointActions`
 * @param example the dataset row, passed to every call
 * @param opts `concurrency` (default 8)
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { evaluateJointRewards } from "./rewards.ts";
 * const reward = async (c: string[]) => ({ total: c.join("").length, levels: { len: 1 } });
 * assert.deepEqual(await evaluateJointRewards(reward, [["a", "bc"]], { id: 7 }), [{ total: 3, levels: { len: 1 } }]);
 * ```
 */
export async function evaluateJointRewards<E>(
  rewardFn: JointRewardFn<E>,
  jointActions: string[][],
  example: E,
  opts: EvaluateRewardOptions = {},
): Promise<RewardBreakdown[]> {
  const { concurrency = 8 } = opts;
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new UserError(
      `evaluateJointRewards: concurrency must be a positive integer, got ${concurrency}`,
    );
  }
  if (typeof rewardFn !== "function") {
    throw new UserError(
      `evaluateJointRewards: rewardFn must be a function, got ${typeof rewardFn}`,
    );
  }
  const fnName = rewardFn.name ? `reward function "${rewardFn.name}"` : "anonymous reward function";
  const fail = (j: number, what: string, cause?: unknown): UserError =>
    new UserError(
      `${fnName} ${what} on example ${describeExample(example)} at joint action ${j}`,
      { cause },
    );

  const out = new Array<RewardBreakdown>(jointActions.length);
  let next = 0;
  let failed = false;
  const worker = async (): Promise<void> => {
    while (!failed && next < jointActions.length) {
      const j = next++;
      let value: unknown;
      try {
        value = await rewardFn(jointActions[j], example);
      } catch (err) {
        failed = true;
        const msg = err instanceof Error ? err.message : String(err);
        throw fail(j, err instanceof RewardTimeoutError ? msg : `threw: ${msg}`, err);
      }
      const result = toBreakdown(value);
      if (typeof result === "string") {
        failed = true;
        throw fail(
          j,
          `${result} (expected a finite number or {total, levels})`,
        );
      }
      out[j] = result;
    }
  };
  const workers = Math.min(concurrency, jointActions.length);
  await Promise.all(Array.from({ length: workers }, worker));
  return out;
}

/** A per-agent reward function: what agent `agent` achieves alone with `text` (may be async). */
export type AgentRewardFn<E = unknown> = (
  agent: number,
  text: string,
  example: E,
) => number | Promise<number>;

/**
 * Calls `agentReward(agent, text, example)` for each of one agent's texts (concurrently) and
 * returns the numbers, in order. A throw, or anything but a finite number, is ONE
 * {@link UserError} naming the function, the agent, the example and the completion index.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { evaluateAgentRewards } from "./rewards.ts";
 * const own = (_i: number, t: string) => t.length;
 * assert.deepEqual(await evaluateAgentRewards(own, 1, ["ab", "c"], { id: 3 }), [2, 1]);
 * ```
 */
export async function evaluateAgentRewards<E>(
  agentReward: AgentRewardFn<E>,
  agent: number,
  texts: string[],
  example: E,
): Promise<number[]> {
  const name = agentReward.name
    ? `agent reward function "${agentReward.name}"`
    : "anonymous agent reward function";
  const where = (k: number) =>
    `on example ${describeExample(example)} for agent ${agent}, completion ${k}`;
  const one = async (text: string, k: number): Promise<number> => {
    let v: unknown;
    try {
      v = await agentReward(agent, text, example);
    } catch (err) {
      const msg = err instanceof Error ? err.message : String(err);
      const what = err instanceof RewardTimeoutError ? msg : `threw: ${msg}`;
      throw new UserError(`${name} ${what} ${where(k)}`, { cause: err });
    }
    if (typeof v !== "number" || !Number.isFinite(v)) {
      throw new UserError(
        `${name} returned ${typeof v === "number" ? v : typeof v} (expected a finite number) ${
          where(k)
        }`,
      );
    }
    return v;
  };
  // Concurrently, like the joint rewards: an async per-agent reward (the coding sandbox) runs
  // its G calls in parallel, bounded by the sandbox's own pool.
  return await Promise.all(texts.map(one));
}

/** Options of {@link rewardProcessor}; each is optional. */
export interface RewardProcessorOptions {
  /** Multiply by this (default 1). */
  scale?: number;
  /** Then add this (default 0). */
  shift?: number;
  /** Then clamp below at this (default none). */
  clampMin?: number;
  /** Then clamp above at this (default none). */
  clampMax?: number;
}

/**
 * A function applied to reward totals, in this order: scale, then shift, then clamp:
 * `min(clampMax, max(clampMin, total · scale + shift))`.
 *
 * @throws {UserError} non-finite scale/shift, NaN bounds, or `clampMin > clampMax`
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { rewardProcessor } from "./rewards.ts";
 * const p = rewardProcessor({ scale: 2, shift: -1, clampMax: 2 });
 * assert.deepEqual([p(0), p(1), p(5)], [-1, 1, 2]);
 * ```
 */
export function rewardProcessor(
  opts: RewardProcessorOptions = {},
): (total: number) => number {
  const { scale = 1, shift = 0, clampMin = -Infinity, clampMax = Infinity } = opts;
  for (const [name, v] of Object.entries({ scale, shift })) {
    if (typeof v !== "number" || !Number.isFinite(v)) {
      throw new UserError(
        `rewardProcessor: ${name} must be a finite number, got ${v}`,
      );
    }
  }
  if (
    typeof clampMin !== "number" || typeof clampMax !== "number" ||
    !(clampMin <= clampMax)
  ) {
    throw new UserError(
      `rewardProcessor: expected numbers clampMin ≤ clampMax, got ${clampMin} and ${clampMax}`,
    );
  }
  return (total) => Math.min(clampMax, Math.max(clampMin, total * scale + shift));
}

/**
 * Applies a processor to each breakdown's `total`; `levels` stay raw (for logging). Returns
 * new objects, the input is not changed.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { applyProcessor, rewardProcessor } from "./rewards.ts";
 * assert.deepEqual(applyProcessor([{ total: 0.5, levels: { a: 0.5 } }], rewardProcessor({ scale: 10 })), [{ total: 5, levels: { a: 0.5 } }]);
 * ```
 */
export function applyProcessor(
  breakdowns: RewardBreakdown[],
  processor: (total: number) => number,
): RewardBreakdown[] {
  return breakdowns.map((b) => ({
    total: processor(b.total),
    levels: { ...b.levels },
  }));
}

/** Summary of a batch of rewards, for logging. */
export interface RewardStats {
  /** Mean total. */
  mean: number;
  /** Population standard deviation of the totals (divide by n). */
  std: number;
  /** Smallest total. */
  min: number;
  /** Largest total. */
  max: number;
  /** Per level name, the mean over the breakdowns that have that level. */
  levels: Record<string, number>;
}

/**
 * Mean, population std (divide by n), min and max of the totals, and the mean of each level
 * over the breakdowns that report it.
 *
 * @throws {UserError} for an empty list
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { rewardStats } from "./rewards.ts";
 * assert.deepEqual(rewardStats([{ total: 1, levels: { a: 1 } }, { total: 3, levels: {} }]), { mean: 2, std: 1, min: 1, max: 3, levels: { a: 1 } });
 * ```
 */
export function rewardStats(breakdowns: RewardBreakdown[]): RewardStats {
  if (breakdowns.length === 0) {
    throw new UserError("rewardStats: expected at least one reward, got none");
  }
  const totals = breakdowns.map((b) => b.total);
  const mean = totals.reduce((a, b) => a + b, 0) / totals.length;
  const variance = totals.reduce((a, t) => a + (t - mean) ** 2, 0) /
    totals.length;
  const sums: Record<string, [number, number]> = {};
  for (const b of breakdowns) {
    for (const [name, v] of Object.entries(b.levels)) {
      const s = (sums[name] ??= [0, 0]);
      s[0] += v;
      s[1] += 1;
    }
  }
  return {
    mean,
    std: Math.sqrt(variance),
    min: Math.min(...totals),
    max: Math.max(...totals),
    levels: Object.fromEntries(
      Object.entries(sums).map(([name, [s, n]]) => [name, s / n]),
    ),
  };
}
