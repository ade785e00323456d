/**
 * When the policies are updated within one training step (`updateSchedule`):
 *
 * - `"group"` (the authors' CoMLRL `post_order_update`): every node of every rollout tree is
 *   one group of G joint actions; walking the tree children first, each agent takes one AdamW
 *   step on its G samples of that node, so a two-turn tree with all G branches expanded gives
 *   each agent G + 1 optimizer steps, and each loss is computed under the parameters left by
 *   the previous step.
 * - `"joint"`: each agent takes one step (times `innerIterations`) on all of its samples of
 *   the training step.
 *
 * @module
 */
import type { TrainState } from "../engine/optim_step.ts";
import { type Policy, withTrainable } from "../policy/policy.ts";
import type { Collected } from "./collect.ts";
import { type AgentSample, updateAgent, type UpdateMetrics, type UpdateOptions } from "./update.ts";

/** Which update schedule (see the module doc). */
export type UpdateScheduleName = "group" | "joint";

/**
 * The update groups of a training step, in order: `groups[k][i]` is agent i's samples of
 * group k. `"joint"`: one group holding every sample; `"group"`: each collected example's
 * `groups` (one per tree node, children first), or its samples as one group when it has none.
 *
 * @example
 * ```ts ignore
 * import assert from "node:assert/strict";
 * import { updateGroups } from "./update_schedule.ts";
 * declare const collected: import("./collect.ts").Collected[];
 * assert.deepEqual(updateGroups(collected, 2, "joint").length, 1);
 * ```
 */
export function updateGroups(
  collected: Collected[],
  agents: number,
  schedule: UpdateScheduleName,
): AgentSample[][][] {
  if (schedule === "joint") {
    return [Array.from({ length: agents }, (_, i) => collected.flatMap((c) => c.samples[i]))];
  }
  return collected.flatMap((c) => c.groups ?? [c.samples]);
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);

/**
 * One log entry per agent from the updates of its groups: the mean over groups of the last
 * loss, of the first gradient norm, of the KL and clip fraction; tokens summed; the entropy
 * proxy weighted by tokens.
 */
export function mergeUpdateMetrics(ms: UpdateMetrics[]): UpdateMetrics {
  if (ms.length === 1) return ms[0];
  const tokens = ms.reduce((a, m) => a + m.tokens, 0);
  const some = <K extends "kl" | "clipFraction">(k: K) =>
    ms.some((m) => m[k] !== undefined) ? mean(ms.map((m) => m[k] ?? 0)) : undefined;
  return {
    losses: [mean(ms.map((m) => m.losses.at(-1) ?? 0))],
    gradNorms: [mean(ms.map((m) => m.gradNorms[0] ?? 0))],
    kl: some("kl"),
    clipFraction: some("clipFraction"),
    tokens,
    negLogp: tokens > 0 ? ms.reduce((a, m) => a + m.negLogp * m.tokens, 0) / tokens : 0,
  };
}

/**
 * Updates every agent over the step's groups in order (see {@link updateGroups}); returns the
 * new states and one merged metrics entry per agent. An agent with no samples in a group
 * skips it. `base` is the policy every agent's parameters plug into, or one per agent (agents
 * of different models); with one per agent and `opts.reference` set, each agent's KL
 * reference is its own base.
 */
export async function updatePolicies(
  base: Policy | Policy[],
  states: TrainState[],
  collected: Collected[],
  schedule: UpdateScheduleName,
  opts: UpdateOptions,
): Promise<{ states: TrainState[]; updates: UpdateMetrics[] }> {
  const out = [...states];
  const metrics: UpdateMetrics[][] = states.map(() => []);
  for (const group of updateGroups(collected, states.length, schedule)) {
    for (let i = 0; i < out.length; i++) {
      if (!group[i]?.length) continue;
      const b = Array.isArray(base) ? base[i] : base;
      const o = Array.isArray(base) && opts.reference ? { ...opts, reference: b } : opts;
      const r = await updateAgent(withTrainable(b, out[i].params), out[i], group[i], o);
      out[i] = r.state;
      metrics[i].push(r.metrics);
    }
  }
  const empty: UpdateMetrics = { losses: [0], gradNorms: [0], tokens: 0, negLogp: 0 };
  return { states: out, updates: metrics.map((m) => (m.length ? mergeUpdateMetrics(m) : empty)) };
}
