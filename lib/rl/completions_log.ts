/**
 * Builds the `completions.jsonl` line of a training step (see `lib/log/completions.ts`) from
 * what the step collected: the first prompt's joint answers at the first turn, each agent's
 * text with the joint reward, its levels and the advantage it was trained with.
 *
 * @module
 */
import type { CompletionsRecord, LoggedAnswer } from "../log/completions.ts";
import type { Collected } from "./collect.ts";

/**
 * The completions line of `step` from the step's first collected example: the root of its
 * rollout tree (MAGRPO, critic: prompts, joint answers, rewards, advantages), else its
 * per-agent samples side by side with the joint rewards (independent, single-agent GRPO; no
 * prompts kept). At most `maxAnswers` answers (default: all).
 *
 * @example
 * ```ts ignore
 * import { completionsRecord } from "./completions_log.ts";
 * declare const collected: import("./collect.ts").Collected;
 * completionsRecord(10, collected).answers[0]; // { texts: ["…", "…"], reward: 0.5, levels: {…}, advantage: 0.1 }
 * ```
 */
export function completionsRecord(
  step: number,
  c: Collected,
  maxAnswers = Infinity,
): CompletionsRecord {
  const root = c.tree;
  if (root) {
    const adv = root.advantages?.length === root.joint.length ? root.advantages : undefined;
    const answers: LoggedAnswer[] = root.joint.slice(0, maxAnswers).map((ks, j) => ({
      texts: ks.map((k, i) => root.completions[i][k].text),
      reward: root.breakdowns[j].total,
      levels: root.breakdowns[j].levels,
      ...(adv ? { advantage: adv[j] } : {}),
    }));
    return { step, turn: root.turn, prompts: [...root.prompts], answers };
  }
  const g = Math.min(c.breakdowns.length, ...c.samples.map((s) => s.length), maxAnswers);
  const answers: LoggedAnswer[] = Array.from({ length: g }, (_, j) => ({
    texts: c.samples.map((s) => s[j].completion.text),
    reward: c.breakdowns[j].total,
    levels: c.breakdowns[j].levels,
    advantage: c.samples[0][j].advantage,
  }));
  return { step, turn: 0, prompts: [], answers };
}
