/**
 * From one example to trainable samples, for MAGRPO and its baselines, in three stages that
 * `magrpoStep` calls in order: a rollout whose rewards are shaped ({@link rolloutShaped},
 * {@link rolloutIndependent}, {@link rolloutSingle}), the returns (`treeReturns`), and each
 * algorithm's advantages, which turn the tree into per-agent samples `(completion, advantage)`
 * plus what to log:
 *
 * - `magrpo`: joint rewards, group-relative advantages shared by all agents (aligned), or per
 *   agent from the joint returns its completion takes part in (cross); multi-turn trees.
 * - `independent`: each agent's own reward (`env.agentReward`) with its own group baseline.
 * - `grpo_single`: one policy writes every part, split by a separator; joint reward per sample.
 * - `critic`: a learned centralized V(all prompts): `A = r + γ·V(next) − V(current)`.
 *
 * `collectMagrpo`, `collectIndependent` and `collectSingle` chain the three (`collectCritic`, in
 * `critic.ts`, for the critic).
 *
 * @module
 */
import type { AgentHistory, Environment, RewardBreakdown } from "../envs/types.ts";
import type { Policy } from "../policy/policy.ts";
import type { Rng } from "../util/rng.ts";
import { type RolloutNode, rolloutNode, rolloutTree } from "./rollout.ts";
import { type AdvantageOptions, groupAdvantages } from "./advantages.ts";
import { crossAgentReturns, flattenTree, treeAdvantages, treeReturns } from "./returns.ts";
import { evaluateAgentRewards } from "./rewards.ts";
import type { AgentSample } from "./update.ts";
import type { SampleOptions } from "../policy/sample.ts";
import { UserError } from "../util/errors.ts";
import type { StepJobs } from "./jobs.ts";
export type {
  AdvantageOptions,
  AgentSample,
  Environment,
  Policy,
  RewardBreakdown,
  Rng,
  RolloutNode,
  SampleOptions,
};

/** Separator between the parts a single agent writes (single-agent GRPO). */
export const PART_SEPARATOR = "|||";

/** Settings shared by the collectors. */
export interface CollectSettings {
  /** Group size G. */
  groupSize: number;
  /** Joint mode. */
  jointMode: "aligned" | "cross";
  /** Cross-mode aggregation of joint returns. */
  crossAggregate: "sum" | "mean";
  /** Turns per episode. */
  turns: number;
  /** Discount. */
  gamma: number;
  /** Early termination: a node whose G immediate rewards have a mean > this is not expanded. */
  earlyStopThreshold: number | null;
  /** Whether that test reads shaped rewards (`shape` applied; the authors') or raw ones. */
  earlyStopOn?: "shaped" | "raw";
  /** Baseline and normalization. */
  advantage: AdvantageOptions;
  /** Sampling settings. */
  sampling: Omit<SampleOptions, "numReturnSequences" | "rng" | "seed">;
  /** Reward shaping applied to every total. */
  shape: (r: number) => number;
  /**
   * The example's stream key (`sampleStream(seed, step, prompt)`, set by the step): each agent
   * at each node then draws from its own keyed stream, not from the `rng` argument.
   */
  stream?: string;
  /** Where rollout jobs run (with `stream`; default: here). */
  jobs?: StepJobs;
}

/** What a collector returns. */
export interface Collected {
  /** `samples[i]`: the trainable samples of policy i. */
  samples: AgentSample[][];
  /**
   * The same samples cut into update groups, in update order: `groups[k][i]` is policy i's
   * share of group k. MAGRPO (aligned) makes one group per tree node, children before parents
   * (the authors' post-order update: one AdamW step per node and agent). Absent: one group.
   */
  groups?: AgentSample[][][];
  /** Joint reward breakdowns of every joint action (all turns). */
  breakdowns: RewardBreakdown[];
  /** Mean shaped immediate reward per turn (over the nodes of that turn). */
  turnRewards: number[];
  /** Mean return per turn (`treeReturns`, with γ; equal to `turnRewards` for one turn). */
  turnReturns: number[];
  /** Every advantage used. */
  advantages: number[];
  /**
   * The texts of the first joint action at each turn along the first branch (`turnTexts[t][i]`:
   * agent i's text at turn t): with G = 1, as in evaluation, the whole episode.
   */
  turnTexts?: string[][];
  /** The rollout tree (MAGRPO, critic). */
  tree?: RolloutNode;
  /** Critic regression data: state texts and their return targets. */
  criticData?: { texts: string[]; targets: number[] };
}

function shapeTree(node: RolloutNode, shape: (r: number) => number): void {
  node.rewards = node.breakdowns.map((b) => shape(b.total));
  for (const c of node.children ?? []) if (c) shapeTree(c, shape);
}

function turnMeans(
  nodes: { node: RolloutNode; turn: number }[],
  of: (n: RolloutNode) => number[] = (n) => n.rewards,
): number[] {
  const sums: number[] = [], counts: number[] = [];
  for (const { node, turn } of nodes) {
    for (const r of of(node)) {
      sums[turn] = (sums[turn] ?? 0) + r;
      counts[turn] = (counts[turn] ?? 0) + 1;
    }
  }
  return sums.map((s, t) => s / counts[t]);
}

/**
 * Stage 1 (MAGRPO, critic): the rollout tree of one example (G joint actions per node, more
 * turns through `env.transition`, early termination), each node's rewards shaped by `s.shape`.
 */
export async function rolloutShaped<E>(
  env: Environment<E>,
  example: E,
  policies: Policy[],
  s: CollectSettings,
  rng: Rng,
): Promise<RolloutNode> {
  const tree = await rolloutTree(env, example, policies, {
    turns: s.turns,
    groupSize: s.groupSize,
    mode: s.jointMode,
    sampling: s.sampling,
    rng,
    stream: s.stream,
    jobs: s.jobs,
    earlyStopThreshold: s.earlyStopThreshold,
    earlyStopShape: s.earlyStopOn === "raw" ? undefined : s.shape,
  });
  shapeTree(tree, s.shape);
  return tree;
}

/**
 * Stage 3 (MAGRPO): group-relative advantages of the joint returns (run `treeReturns` first):
 * per node, shared by the agents (aligned; one update group per node, children first), or per
 * agent from the joint returns its completions take part in (cross).
 */
export function magrpoAdvantages(tree: RolloutNode, s: CollectSettings): Collected {
  const agents = tree.completions.length;
  const flat = flattenTree(tree) as unknown as { node: RolloutNode; turn: number }[];
  const samples: AgentSample[][] = Array.from({ length: agents }, () => []);
  const advantages: number[] = [];
  let groups: AgentSample[][][] | undefined;
  if (s.jointMode === "cross") {
    const sizes = tree.completions.map((c) => c.length);
    for (let i = 0; i < agents; i++) {
      const adv = groupAdvantages(
        crossAgentReturns(tree.returns!, sizes, i, s.crossAggregate),
        s.advantage,
      );
      tree.completions[i].forEach((c, k) => samples[i].push({ completion: c, advantage: adv[k] }));
      advantages.push(...adv);
    }
  } else {
    treeAdvantages(tree, s.advantage);
    for (const { node } of flat) {
      node.joint.forEach((j, g) => {
        j.forEach((k, i) =>
          samples[i].push({ completion: node.completions[i][k], advantage: node.advantages![g] })
        );
        advantages.push(node.advantages![g]);
      });
    }
    groups = postOrder(tree).map((node) =>
      node.completions.map((_, i) =>
        node.joint.map((j, g) => ({
          completion: node.completions[i][j[i]],
          advantage: node.advantages![g],
        }))
      )
    );
  }
  const breakdowns = flat.flatMap(({ node }) => node.breakdowns);
  return {
    samples,
    breakdowns,
    turnRewards: turnMeans(flat),
    turnReturns: turnMeans(flat, (n) => n.returns!),
    advantages,
    tree,
    groups,
    turnTexts: firstPath(tree),
  };
}

/** MAGRPO: shared group-relative advantages of the joint returns (the three stages). */
export async function collectMagrpo<E>(
  env: Environment<E>,
  example: E,
  policies: Policy[],
  s: CollectSettings,
  rng: Rng,
): Promise<Collected> {
  const tree = await rolloutShaped(env, example, policies, s, rng);
  treeReturns(tree, s.gamma);
  return magrpoAdvantages(tree, s);
}

/** The texts of joint action 0 at each turn, following child 0. */
function firstPath(tree: RolloutNode): string[][] {
  const out: string[][] = [];
  for (let n: RolloutNode | undefined = tree; n; n = n.children?.[0]) {
    out.push(n.joint[0].map((k, i) => n!.completions[i][k].text));
  }
  return out;
}

/** The nodes of a tree children first (each child subtree in order of g), then the node. */
export function postOrder(node: RolloutNode): RolloutNode[] {
  const out: RolloutNode[] = [];
  const visit = (n: RolloutNode) => {
    for (const c of n.children ?? []) if (c) visit(c);
    out.push(n);
  };
  visit(node);
  return out;
}

/** Stage 1 (independent learners): one node (single turn, aligned), its rewards shaped. */
export async function rolloutIndependent<E>(
  env: Environment<E>,
  example: E,
  policies: Policy[],
  s: CollectSettings,
  rng: Rng,
): Promise<RolloutNode> {
  if (!env.agentReward) {
    throw new UserError(
      `algorithm 'independent' needs per-agent rewards; environment '${env.name}' has no agentReward`,
    );
  }
  if (s.turns > 1) throw new UserError("algorithm 'independent' supports turns = 1");
  const prompts = env.formatters.map((f) => f(example));
  const node = await rolloutNode(env, example, policies, prompts, { ...s, mode: "aligned", rng });
  shapeTree(node, s.shape);
  return node;
}

/**
 * Stage 3 (independent learners): each agent's own reward (`env.agentReward`, shaped) with its
 * own group baseline; the joint rewards are logged only.
 */
export async function independentAdvantages<E>(
  env: Environment<E>,
  example: E,
  node: RolloutNode,
  s: CollectSettings,
): Promise<Collected> {
  const samples: AgentSample[][] = [], advantages: number[] = [];
  for (let i = 0; i < node.completions.length; i++) {
    const texts = node.completions[i].map((c) => c.text);
    const own = await evaluateAgentRewards(env.agentReward!, i, texts, example);
    const adv = groupAdvantages(own.map(s.shape), s.advantage);
    samples.push(node.completions[i].map((c, k) => ({ completion: c, advantage: adv[k] })));
    advantages.push(...adv);
  }
  return {
    samples,
    breakdowns: node.breakdowns,
    turnRewards: turnMeans([{ node, turn: 0 }]),
    turnReturns: turnMeans([{ node, turn: 0 }]),
    advantages,
    tree: node,
  };
}

/** Independent learners: each agent's own reward and own group baseline (single turn). */
export async function collectIndependent<E>(
  env: Environment<E>,
  example: E,
  policies: Policy[],
  s: CollectSettings,
  rng: Rng,
): Promise<Collected> {
  const node = await rolloutIndependent(env, example, policies, s, rng);
  treeReturns(node, s.gamma);
  return await independentAdvantages(env, example, node, s);
}

/** Splits a single agent's text into `n` parts at {@link PART_SEPARATOR} (missing parts are ""). */
export function splitParts(text: string, n: number): string[] {
  const parts: string[] = [];
  let rest: string | undefined = text;
  for (let i = 0; i < n - 1; i++) {
    const at: number = rest?.indexOf(PART_SEPARATOR) ?? -1;
    parts.push((at < 0 ? rest ?? "" : rest!.slice(0, at)).trim());
    rest = at < 0 ? undefined : rest!.slice(at + PART_SEPARATOR.length);
  }
  parts.push((rest ?? "").trim());
  return parts;
}

/**
 * The environment a single model sees in single-agent GRPO: one agent prompted by
 * `env.singlePrompt` (default: the agents' prompts joined, asking for {@link PART_SEPARATOR}
 * between parts), its text cut into the agents' parts by `env.singleSplit` (default: at the
 * separator) and scored by `env.reward`; multi-turn through `env.singleTransition`.
 */
export function singleAgentEnv<E>(env: Environment<E>): Environment<E> {
  const split = (text: string) => env.singleSplit?.(text) ?? splitParts(text, env.numAgents);
  const next = env.singleTransition;
  return {
    name: `${env.name} (single agent)`,
    numAgents: 1,
    rows: env.rows,
    formatters: [(example) =>
      env.singlePrompt?.(example, PART_SEPARATOR) ??
        env.formatters.map((f) => f(example)).join(`\nThen write "${PART_SEPARATOR}" and:\n`)],
    reward: (completions, example) => env.reward(split(completions[0]), example),
    ...(next
      ? {
        transition: async (example: E, completions: string[], histories: AgentHistory[]) => [
          await next(example, completions[0], histories[0]),
        ],
      }
      : {}),
  };
}

/** Stage 1 (single-agent GRPO): the rollout tree of {@link singleAgentEnv}, aligned, shaped. */
export function rolloutSingle<E>(
  env: Environment<E>,
  example: E,
  policy: Policy,
  s: CollectSettings,
  rng: Rng,
): Promise<RolloutNode> {
  return rolloutShaped(singleAgentEnv(env), example, [policy], { ...s, jointMode: "aligned" }, rng);
}

/** Stage 3 (single-agent GRPO): MAGRPO's advantages with one agent; texts cut into parts. */
export function singleAdvantages<E>(
  env: Environment<E>,
  tree: RolloutNode,
  s: CollectSettings,
): Collected {
  const c = magrpoAdvantages(tree, { ...s, jointMode: "aligned" });
  const split = (text: string) => env.singleSplit?.(text) ?? splitParts(text, env.numAgents);
  return { ...c, turnTexts: c.turnTexts?.map((t) => split(t[0])) };
}

/**
 * Single-agent GRPO: one policy writes all parts (see {@link singleAgentEnv}); MAGRPO with one
 * agent on that environment, so multi-turn trees, early termination and the update groups work
 * as for MAGRPO. `turnTexts` holds the agents' parts of each turn's text.
 */
export async function collectSingle<E>(
  env: Environment<E>,
  example: E,
  policy: Policy,
  s: CollectSettings,
  rng: Rng,
): Promise<Collected> {
  const tree = await rolloutSingle(env, example, policy, s, rng);
  treeReturns(tree, s.gamma);
  return singleAdvantages(env, tree, s);
}
