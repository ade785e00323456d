/**
 * Group-relative advantages: the rewards (or returns) of one group of sibling joint actions,
 * minus a baseline computed from the same group. In MAGRPO every agent shares the advantage
 * of the joint action its completion took part in.
 *
 * Baselines, for a group R_1 … R_G with sum S:
 * - `"mean"` (MAGRPO): `A_g = R_g − S/G` (the paper does not divide by the std);
 * - `"rloo"` (leave-one-out): `A_g = R_g − (S − R_g)/(G − 1)`; a group of 1 gives 0;
 * - `"max"`: `A_g = R_g − max(R)` (never positive);
 * - `"none"` (REINFORCE): `A_g = R_g`.
 *
 * Normalization (`normalize: true`), the same convention as TRL's GRPO: the advantages are
 * divided by `std(R) + eps`, where `std` is the UNBIASED standard deviation of the group's
 * rewards (divide by G − 1, like `torch.std`) and `eps = 1e-4` by default. A group whose
 * rewards are all equal (including a group of 1, where the unbiased std is undefined) carries
 * no ranking information and gives all zeros with any baseline, never NaN.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { groupAdvantages } from "./advantages.ts";
 * assert.deepEqual(groupAdvantages([1, 2, 3, 6], { baseline: "mean", normalize: false }), [-2, -1, 0, 3]);
 * ```
 *
 * @module
 */
import { UserError } from "../util/errors.ts";

/** How the baseline of a group is computed. */
export type Baseline = "mean" | "rloo" | "max" | "none";

/** Options of {@link groupAdvantages}. */
export interface AdvantageOptions {
  /** Baseline subtracted from each reward (default `"mean"`, as in MAGRPO). */
  baseline?: Baseline;
  /** Divide by the group's unbiased std + `eps` (default false, as in MAGRPO). */
  normalize?: boolean;
  /** Added to the std when normalizing (default 1e-4, as in TRL). */
  eps?: number;
}

const BASELINES: readonly Baseline[] = ["mean", "rloo", "max", "none"];

/**
 * Advantages of one group of rewards (one entry per joint action, same order).
 *
 * @param rewards the group's rewards or returns; must be finite numbers
 * @param opts baseline (default `"mean"`), normalize (default false), eps (default 1e-4)
 * @returns one advantage per reward; `[]` for an empty group
 * @throws {UserError} a non-finite reward or an unknown baseline
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { groupAdvantages } from "./advantages.ts";
 * assert.deepEqual(groupAdvantages([1, 2, 3, 6], { baseline: "max", normalize: false }), [-5, -4, -3, 0]);
 * assert.deepEqual(groupAdvantages([1, 1, 1], { baseline: "none", normalize: true }), [0, 0, 0]);
 * ```
 */
export function groupAdvantages(
  rewards: number[],
  opts: AdvantageOptions = {},
): number[] {
  const { baseline = "mean", normalize = false, eps = 1e-4 } = opts;
  if (!BASELINES.includes(baseline)) {
    throw new UserError(
      `groupAdvantages: baseline must be one of ${BASELINES.join(", ")}, got ${
        JSON.stringify(baseline)
      }`,
    );
  }
  if (!(eps >= 0)) {
    throw new UserError(`groupAdvantages: eps must be ≥ 0, got ${eps}`);
  }
  rewards.forEach((r, g) => {
    if (typeof r !== "number" || !Number.isFinite(r)) {
      throw new UserError(
        `groupAdvantages: rewards[${g}] must be a finite number, got ${r}`,
      );
    }
  });
  const G = rewards.length;
  if (G === 0) return [];
  const allEqual = rewards.every((r) => r === rewards[0]);
  // Exact zeros: every baseline but "none" equals the common value, and normalizing a
  // constant group is defined as 0.
  if (allEqual && (baseline !== "none" || normalize)) {
    return rewards.map(() => 0);
  }

  const sum = rewards.reduce((a, b) => a + b, 0);
  const mean = sum / G;
  const max = Math.max(...rewards);
  const base = (r: number): number => {
    switch (baseline) {
      case "mean":
        return mean;
      case "rloo": // G ≥ 2 here: a group of 1 is all-equal
        return (sum - r) / (G - 1);
      case "max":
        return max;
      case "none":
        return 0;
    }
  };
  const adv = rewards.map((r) => r - base(r));
  if (!normalize) return adv;
  const std = Math.sqrt(
    rewards.reduce((a, r) => a + (r - mean) ** 2, 0) / (G - 1),
  );
  return adv.map((a) => a / (std + eps));
}
