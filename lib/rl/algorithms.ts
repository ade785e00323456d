/**
 * Training algorithms as table entries ({@link ALGORITHMS}): MAGRPO and its baselines differ in
 * how many policies they train, how one example becomes trainable samples (`collect`: rollout,
 * shaped rewards, returns, advantages) and whether they keep a state of their own besides the
 * policies' (the centralized critic's value model). Each entry owns that state: the step passes
 * it back to the entry that made it (`RunState.algorithm`) and never looks inside.
 *
 * | entry         | policies | advantages                                  | own state       |
 * | ------------- | -------- | ------------------------------------------- | --------------- |
 * | `magrpo`      | N        | group-relative, of the joint returns        | none            |
 * | `independent` | N        | group-relative, of each agent's own reward  | none            |
 * | `grpo_single` | 1        | group-relative, one model writes every part | none            |
 * | `critic`      | N        | `r + γ·V(next) − V(current)`                | the value model |
 *
 * @module
 */
import type { Environment } from "../envs/types.ts";
import type { Policy } from "../policy/policy.ts";
import { initTrainState, type TrainState } from "../engine/optim_step.ts";
import type { Rng } from "../util/rng.ts";
import type { Algorithm } from "./config.ts";
import {
  type Collected,
  collectMagrpo,
  type CollectSettings,
  collectSingle,
  independentAdvantages,
  magrpoAdvantages,
  rolloutIndependent,
  rolloutShaped,
  rolloutSingle,
  singleAdvantages,
} from "./collect.ts";
import { createCritic, criticAdvantages, initCriticParams } from "./critic.ts";
import type { RolloutNode } from "./rollout.ts";

/** An environment over any row type. */
// deno-lint-ignore no-explicit-any
export type AnyEnv = Environment<any>;
export type {
  Algorithm,
  Collected,
  CollectSettings,
  Environment,
  Policy,
  Rng,
  RolloutNode,
  TrainState,
};

/** An algorithm set up for one run (compiled pieces inside; its state outside, as plain data). */
export interface AlgorithmRun {
  /** The algorithm's own state at step 0 (the critic's value model); `[]` for the others. */
  init(): TrainState[];
  /**
   * Stage 1, collect: one example's rollout tree (each agent samples G completions of its
   * prompt; joint actions rewarded, rewards shaped; further turns unless stopped early).
   */
  rollout(
    env: AnyEnv,
    example: unknown,
    policies: Policy[],
    s: CollectSettings,
    rng: Rng,
  ): Promise<RolloutNode>;
  /**
   * Stage 3, advantages (after `treeReturns`): the tree as trainable samples of every policy,
   * plus what to log. `own` is the algorithm's own state.
   */
  advantages(
    tree: RolloutNode,
    env: AnyEnv,
    example: unknown,
    s: CollectSettings,
    own: TrainState[],
  ): Promise<Collected>;
  /**
   * Updates the algorithm's own state from the step's collected data (after the policies'
   * update); returns the new state and metrics to log. Absent: no own state.
   */
  fit?(
    own: TrainState[],
    collected: Collected[],
    lr: number,
  ): Promise<{ own: TrainState[]; metrics: Record<string, number> }>;
}

/** One table entry. */
export interface AlgorithmSpec {
  /** The config name (`algorithm`). */
  name: Algorithm;
  /** How many policies it trains for an environment of `agents` agents. */
  policies(agents: number): number;
  /** Sets it up for a run from the first policy (architecture, tokenizer) and the seed. */
  setup(first: Policy, seed: number): AlgorithmRun;
  /** Evaluation: one episode of one row (no own state needed, no training data kept). */
  evaluate(
    env: AnyEnv,
    row: unknown,
    policies: Policy[],
    s: CollectSettings,
    rng: Rng,
  ): Promise<Collected>;
}

const evaluateJoint: AlgorithmSpec["evaluate"] = (env, row, policies, s, rng) =>
  collectMagrpo(env, row, policies, { ...s, jointMode: "aligned" }, rng);

const none = (): TrainState[] => [];
const aligned = (s: CollectSettings): CollectSettings => ({ ...s, jointMode: "aligned" });

/**
 * The algorithms by config name.
 *
 * @example
 * ```ts
 * import { ALGORITHMS } from "./algorithms.ts";
 * ALGORITHMS.grpo_single.policies(2); // 1
 * ALGORITHMS.magrpo.policies(2); // 2
 * ```
 */
export const ALGORITHMS: Readonly<Record<Algorithm, AlgorithmSpec>> = Object.freeze({
  magrpo: {
    name: "magrpo",
    policies: (n) => n,
    setup: () => ({
      init: none,
      rollout: (env, ex, ps, s, rng) => rolloutShaped(env, ex, ps, s, rng),
      advantages: (tree, _env, _ex, s) => Promise.resolve(magrpoAdvantages(tree, s)),
    }),
    evaluate: evaluateJoint,
  },
  independent: {
    name: "independent",
    policies: (n) => n,
    setup: () => ({
      init: none,
      rollout: (env, ex, ps, s, rng) => rolloutIndependent(env, ex, ps, s, rng),
      advantages: (tree, env, ex, s) => independentAdvantages(env, ex, tree, s),
    }),
    evaluate: evaluateJoint,
  },
  grpo_single: {
    name: "grpo_single",
    policies: () => 1,
    setup: () => ({
      init: none,
      rollout: (env, ex, ps, s, rng) => rolloutSingle(env, ex, ps[0], s, rng),
      advantages: (tree, env, _ex, s) => Promise.resolve(singleAdvantages(env, tree, s)),
    }),
    evaluate: (env, row, ps, s, rng) => collectSingle(env, row, ps[0], s, rng),
  },
  critic: {
    name: "critic",
    policies: (n) => n,
    setup(first, seed) {
      const model = createCritic(first.cfg, first.tokenizer);
      return {
        init: () => [
          initTrainState(initCriticParams(first.cfg, first.params, seed, first.adapter?.params)),
        ],
        rollout: (env, ex, ps, s, rng) => rolloutShaped(env, ex, ps, aligned(s), rng),
        advantages: (tree, _env, _ex, s, own) =>
          criticAdvantages(tree, aligned(s), { model, params: own[0].params }),
        async fit(own, collected, lr) {
          const texts = collected.flatMap((c) => c.criticData!.texts);
          const targets = collected.flatMap((c) => c.criticData!.targets);
          const r = await model.fit(own[0], texts, targets, lr);
          return { own: [r.state], metrics: { criticLoss: r.loss } };
        },
      };
    },
    evaluate: evaluateJoint,
  },
});
