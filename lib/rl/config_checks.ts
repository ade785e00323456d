/**
 * Config checks beyond single keys: `groupSize < 2` refused with its reason, the slice syntax
 * of `env.trainSlice`/`env.evalSlice`, and {@link configWarnings} (settings that run but
 * probably not as intended). Used by `validateConfig` and the trainer (`config.ts`).
 *
 * @module
 */
import { LORA_TARGETS, type TrainerConfig } from "./config_types.ts";

/** A Python slice without step: `start:stop`, each optional and possibly negative. */
export const SLICE = /^\s*-?\d*\s*:\s*-?\d*\s*$/;

/**
 * `groupSize < 2` is refused whatever else is wrong: the group-relative baseline of a single
 * sample is the sample itself, so every advantage is 0 and nothing trains (CoMLRL refuses
 * `num_generations < 2` for the same reason).
 */
export function groupSizeProblem(json: Record<string, unknown>): string[] {
  const g = json.groupSize;
  return typeof g === "number" && Number.isSafeInteger(g) && g >= 1 && g < 2
    ? [
      `groupSize: must be at least 2, got ${g}: with one sample per group the group-relative ` +
      `advantage R − mean(R) is always 0 and nothing trains (the authors' CoMLRL refuses ` +
      `num_generations < 2 too)`,
    ]
    : [];
}

/**
 * `lora.targets` must name known modules, each once, and at least one (checked on the raw JSON
 * so that the message shows what was written).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { loraProblems } from "./config_checks.ts";
 * assert.match(loraProblems({ lora: { targets: ["q_proj", "qkv"] } })[0], /unknown module 'qkv'/);
 * ```
 */
export function loraProblems(json: Record<string, unknown>): string[] {
  const t = (json.lora as Record<string, unknown> | undefined)?.targets;
  if (!Array.isArray(t) || !t.every((x) => typeof x === "string")) return [];
  const known: readonly string[] = LORA_TARGETS, out: string[] = [];
  if (t.length === 0) out.push(`lora.targets: expected at least one module, got []`);
  for (const x of t) {
    if (!known.includes(x)) {
      out.push(`lora.targets: unknown module '${x}' (expected any of ${known.join(", ")})`);
    }
  }
  const twice = t.find((x, i) => t.indexOf(x) !== i);
  if (twice) out.push(`lora.targets: '${twice}' is listed twice`);
  return out;
}

/**
 * Settings that run but probably not as intended, one sentence each (printed by `train` and
 * `tools/train.ts`):
 * - `sampling.temperature` 0 with `groupSize` > 1: greedy decoding makes the G samples of a
 *   group identical, so their rewards, hence every advantage, are equal (0) and nothing trains;
 * - `earlyStopThreshold` set with `turns` ≥ 3 and shaped rewards that cannot be negative
 *   (`rewardShift` ≥ 0 with `rewardScale` ≥ 0, or a clamp minimum ≥ 0): a branch that stops
 *   early keeps only its own reward while a sibling branch that continues adds more
 *   non-negative rewards, so the joint action that solved the task one turn earlier gets a
 *   lower return and a negative advantage. The authors shift rewards down by their maximum
 *   (`rewardShift` −4 for coding) so that every reward is ≤ 0: continuing can then only cost,
 *   and stopping early is rewarded.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { configWarnings, validateConfig } from "./config.ts";
 * assert.deepEqual(configWarnings(validateConfig({ sampling: { temperature: 0 } }, "inline")).length, 1);
 * ```
 */
export function configWarnings(cfg: TrainerConfig): string[] {
  const out: string[] = [];
  if (cfg.sampling.temperature === 0 && cfg.groupSize > 1) {
    out.push(
      `sampling.temperature is 0 with groupSize ${cfg.groupSize}: greedy decoding gives ${cfg.groupSize} ` +
        `identical samples per group, so every advantage is 0 and nothing trains (use a temperature > 0)`,
    );
  }
  const nonNegative = (cfg.rewardScale >= 0 && cfg.rewardShift >= 0) ||
    (cfg.rewardClamp !== null && cfg.rewardClamp[0] >= 0);
  if (cfg.earlyStopThreshold !== null && cfg.turns >= 3 && nonNegative) {
    out.push(
      `earlyStopThreshold with turns ${cfg.turns} and non-negative shaped rewards: a branch that ` +
        `stops early keeps only its own reward while continuing siblings add more, so a joint action ` +
        `that solved the task gets a negative advantage; shift rewards to ≤ 0 (e.g. rewardShift = ` +
        `−(maximum reward), the authors use −4 for coding) or set earlyStopThreshold to null`,
    );
  }
  return out;
}
