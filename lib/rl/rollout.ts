/**
 * Rollouts: each agent samples a group of G completions of its own prompt (decentralized
 * execution: an agent sees only its prompt), joint actions are composed, and the joint reward
 * of each is evaluated. A multi-turn episode is a tree: every joint action of a node opens a
 * child whose next prompts come from the environment's transition.
 *
 * @module
 */
import type { AgentHistory, Environment, RewardBreakdown } from "../envs/types.ts";
import type { Policy } from "../policy/policy.ts";
import { type Completion, type SampleOptions, sampleTexts } from "../policy/sample.ts";
import type { Rng } from "../util/rng.ts";
import { jointActions, type JointMode } from "./joint.ts";
import { describeExample, evaluateJointRewards } from "./rewards.ts";
import { shouldExpand } from "./returns.ts";
import { UserError } from "../util/errors.ts";
import { LOCAL_JOBS, nodeStream, type StepJobs } from "./jobs.ts";

/** One node of a rollout: per-agent prompts and groups, joint actions and their rewards. */
export interface RolloutNode {
  /** Turn index (0 = first turn). */
  turn: number;
  /** Prompt of each agent at this node. */
  prompts: string[];
  /** Per-agent prompt/response history before this node (multi-turn). */
  histories: AgentHistory[];
  /** `completions[i][k]`: agent i's k-th sample. */
  completions: Completion[][];
  /** Joint actions as per-agent completion indices: `joint[j][i]` = k. */
  joint: number[][];
  /** Joint reward of each joint action (immediate). */
  breakdowns: RewardBreakdown[];
  /** `breakdowns[j].total`, for convenience. */
  rewards: number[];
  /** `children[j]`: the node after joint action j (multi-turn), when expanded. */
  children?: (RolloutNode | undefined)[];
  /** Returns, filled by `treeReturns`. */
  returns?: number[];
  /** Advantages, filled by `treeAdvantages`. */
  advantages?: number[];
}

/** Options of {@link sampleGroups}. */
export interface GroupOptions {
  /** Group size G (completions per agent). */
  groupSize: number;
  /** Sampling settings (shared by the agents). */
  sampling?: Omit<SampleOptions, "numReturnSequences" | "rng" | "seed">;
  /** The stream every draw comes from (unless `stream` is set). */
  rng: Rng;
  /**
   * Keyed streams instead of `rng`: agent i at this node draws from its own stream
   * `nodeStream(stream, i, node)`, so draws do not depend on the order jobs run in.
   */
  stream?: string;
  /** This node's path in the tree: `"0"` (default) the first turn, `"0.2"` after joint action 2. */
  node?: string;
  /** Where rollout jobs run with `stream` (default: here, one after the other). */
  jobs?: StepJobs;
}

/**
 * Each agent samples G completions of its own prompt (one call per agent, in agent order, all
 * draws from `opts.rng`; with `opts.stream`, one rollout job per agent on `opts.jobs`, each from
 * its own keyed stream). Returns `completions[i][k]`.
 */
export async function sampleGroups(
  policies: Policy[],
  prompts: string[],
  opts: GroupOptions,
): Promise<Completion[][]> {
  if (policies.length !== prompts.length) {
    throw new UserError(
      `sampleGroups: ${policies.length} policies but ${prompts.length} prompts`,
    );
  }
  if (opts.stream !== undefined) {
    const jobs = opts.jobs ?? LOCAL_JOBS, stream = opts.stream, node = opts.node ?? "0";
    const run = (i: number) =>
      jobs.sample(policies[i], {
        agent: i,
        prompt: prompts[i],
        groupSize: opts.groupSize,
        sampling: opts.sampling ?? {},
        stream: nodeStream(stream, i, node),
      });
    if (jobs.concurrent) return await Promise.all(policies.map((_, i) => run(i)));
    const out: Completion[][] = [];
    for (let i = 0; i < policies.length; i++) out.push(await run(i));
    return out;
  }
  const out: Completion[][] = [];
  for (let i = 0; i < policies.length; i++) {
    out.push(
      await sampleTexts(policies[i], [prompts[i]], {
        ...opts.sampling,
        numReturnSequences: opts.groupSize,
        rng: opts.rng,
      }),
    );
  }
  return out;
}

/** Texts of a joint action. */
export function jointTexts(
  completions: Completion[][],
  joint: number[],
): string[] {
  return joint.map((k, i) => completions[i][k].text);
}

/**
 * One node: sample the groups, compose joint actions, evaluate the joint rewards.
 *
 * @example
 * ```ts ignore
 * import { rolloutNode } from "./rollout.ts";
 * import { makeRng } from "../util/rng.ts";
 * declare const env: import("../envs/types.ts").Environment<unknown>;
 * declare const agents: import("../policy/policy.ts").Policy[];
 * const ex = env.rows[0];
 * const node = await rolloutNode(env, ex, agents, env.formatters.map((f) => f(ex)), {
 *   groupSize: 4, mode: "aligned", rng: makeRng(0),
 * });
 * node.rewards; // 4 joint rewards
 * ```
 */
export async function rolloutNode<E>(
  env: Environment<E>,
  example: E,
  policies: Policy[],
  prompts: string[],
  opts: GroupOptions & {
    mode: JointMode;
    turn?: number;
    histories?: AgentHistory[];
  },
): Promise<RolloutNode> {
  const completions = await sampleGroups(policies, prompts, opts);
  const indices = completions.map((c) => c.map((_, k) => k));
  const joint = jointActions(indices, opts.mode);
  const texts = joint.map((j) => jointTexts(completions, j));
  const breakdowns = await evaluateJointRewards(env.reward, texts, example);
  return {
    turn: opts.turn ?? 0,
    prompts,
    histories: opts.histories ??
      prompts.map(() => ({ prompts: [], responses: [] })),
    completions,
    joint,
    breakdowns,
    rewards: breakdowns.map((b) => b.total),
  };
}

/**
 * Calls `env.transition(example, texts, histories)`; a throw, or anything but one string per
 * agent, is a {@link UserError} naming the environment's transition and the example.
 */
export async function nextTurnPrompts<E>(
  env: Environment<E>,
  example: E,
  texts: string[],
  histories: AgentHistory[],
): Promise<string[]> {
  const fn = env.transition;
  const name = `transition function of environment '${env.name}'`;
  const where = `on example ${describeExample(example)}`;
  if (!fn) throw new UserError(`environment '${env.name}' has no transition function`);
  let out: unknown;
  try {
    out = await fn(example, texts, histories);
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    throw new UserError(`${name} threw: ${msg} ${where}`, { cause: err });
  }
  if (
    !Array.isArray(out) || out.length !== texts.length || !out.every((p) => typeof p === "string")
  ) {
    const got = Array.isArray(out)
      ? `${out.length} value(s) (${out.map((p) => typeof p).join(", ")})`
      : typeof out;
    throw new UserError(
      `${name} must return one prompt string per agent (${texts.length}), got ${got} ${where}`,
    );
  }
  return out;
}

/** Options of {@link rolloutTree}. */
export interface TreeOptions extends GroupOptions {
  /** Number of turns T (1 = single turn). */
  turns: number;
  /** Joint mode (multi-turn trees are aligned: G^T leaves). */
  mode: JointMode;
  /**
   * Early termination: do not expand a node when the mean of its G joint actions' immediate
   * rewards, each passed through `earlyStopShape`, is strictly greater than this.
   */
  earlyStopThreshold?: number | null;
  /**
   * What the early-termination test applies to each raw reward first: the trainer's reward
   * shaping (the authors compare processed rewards) or nothing (default: raw rewards).
   */
  earlyStopShape?: (r: number) => number;
}

/**
 * A multi-turn episode as a tree: each joint action of a node opens a child whose prompts come
 * from `env.transition(example, joint texts, histories)`; expansion stops at `turns` or when
 * the mean of the node's G immediate rewards (raw, or through `earlyStopShape`) is strictly
 * greater than `earlyStopThreshold` (see `shouldExpand`).
 */
export async function rolloutTree<E>(
  env: Environment<E>,
  example: E,
  policies: Policy[],
  opts: TreeOptions,
): Promise<RolloutNode> {
  if (opts.turns > 1 && !env.transition) {
    throw new UserError(
      `environment '${env.name}' has no transition function: use turns = 1`,
    );
  }
  if (opts.turns > 1 && opts.mode === "cross") {
    throw new UserError(
      "multi-turn rollouts use aligned joint actions (cross mode would open G^N branches per node)",
    );
  }
  const first = env.formatters.map((f) => f(example));
  const expand = async (
    prompts: string[],
    histories: AgentHistory[],
    turn: number,
    path: string,
  ): Promise<RolloutNode> => {
    const node = await rolloutNode(env, example, policies, prompts, {
      ...opts,
      turn,
      histories,
      node: path,
    });
    if (turn + 1 >= opts.turns) return node;
    if (
      opts.earlyStopThreshold != null &&
      !shouldExpand(
        opts.earlyStopShape ? node.rewards.map(opts.earlyStopShape) : node.rewards,
        opts.earlyStopThreshold,
      )
    ) return node;
    node.children = [];
    for (const [g, j] of node.joint.entries()) {
      const texts = jointTexts(node.completions, j);
      const next = histories.map((h, i) => ({
        prompts: [...h.prompts, prompts[i]],
        responses: [...h.responses, texts[i]],
      }));
      const nextPrompts = await nextTurnPrompts(env, example, texts, next);
      node.children.push(await expand(nextPrompts, next, turn + 1, `${path}.${g}`));
    }
    return node;
  };
  return await expand(
    first,
    first.map(() => ({ prompts: [], responses: [] })),
    0,
    "0",
  );
}
