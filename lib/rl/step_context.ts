/**
 * What a training step reads but never changes ({@link StepContext}): the config, the
 * environment (with reward timeouts), each trained policy's starting point, the algorithm set up
 * for the run and the collection settings derived from the config. {@link createStepContext}
 * builds it from a config, opening the environment by name and the model folders, unless an
 * environment object (e.g. from `defineEnvironment`) or in-memory policies are given.
 *
 * With `finetune: "lora"` every trained policy is its base with its own LoRA adapter
 * ({@link withLoraAgents}): agents on the same model folder share one base, loaded once (the
 * same `params` object), and only the adapters are trained.
 *
 * @module
 */
import type { TrainerConfig } from "./config.ts";
import { loadEnvironment } from "../envs/registry.ts";
import type { Environment } from "../envs/types.ts";
import { loadPolicy } from "../policy/load.ts";
import { type Policy, withAdapter } from "../policy/policy.ts";
import { initLora, type LoraConfig, withLoraConfig } from "../model/lora.ts";
import { checkCompletionBudget } from "../policy/sample.ts";
import type { CollectSettings } from "./collect.ts";
import type { UpdateOptions } from "./update.ts";
import { rewardProcessor, withRewardTimeouts } from "./rewards.ts";
import { type AlgorithmRun, ALGORITHMS } from "./algorithms.ts";
import { UserError } from "../util/errors.ts";
import type { StepJobs } from "./jobs.ts";

/** An environment over any row type. */
// deno-lint-ignore no-explicit-any
export type AnyEnv = Environment<any>;
export type { AlgorithmRun, CollectSettings, Environment, Policy, TrainerConfig, UpdateOptions };

/** Everything a step reads and never changes. */
export interface StepContext {
  /** The validated config. */
  cfg: TrainerConfig;
  /** The environment (reward calls time out after `cfg.rewardTimeoutMs`). */
  env: AnyEnv;
  /**
   * Each trained policy's starting point (architecture, tokenizer, initial parameters; with
   * LoRA, the shared base and the agent's initial adapter).
   */
  bases: Policy[];
  /** The algorithm, set up for this run (see `algorithms.ts`). */
  algorithm: AlgorithmRun;
  /** Collection settings of training steps (from the config). */
  settings: CollectSettings;
  /** Where rollout and reward jobs run (default `LOCAL_JOBS`; `lib/dist`: on workers). */
  jobs?: StepJobs;
}

/** What {@link createStepContext} may take instead of opening them from the config. */
export interface StepSources {
  /** The environment (default: `loadEnvironment(cfg.env)`), e.g. from `defineEnvironment`. */
  environment?: AnyEnv;
  /**
   * The policies to start from (default: loaded from `cfg.model`): one for every agent, or one
   * per trained policy. `cfg.model` (and `cfg.lora.baseDtype`) is then not read.
   */
  policies?: Policy | Policy[];
  /** Where rollout and reward jobs run (default: here; `lib/dist` runs them on workers). */
  jobs?: StepJobs;
}

/**
 * Collection settings from a config. `greedy`: one sample at temperature 0; `evaluating`: no
 * early termination (evaluation runs every turn of every row).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { collectSettings } from "./step_context.ts";
 * import { DEFAULT_CONFIG } from "./config.ts";
 * assert.deepEqual(collectSettings(DEFAULT_CONFIG).groupSize, 4);
 * assert.deepEqual(collectSettings(DEFAULT_CONFIG, true).sampling.temperature, 0);
 * ```
 */
export function collectSettings(
  cfg: TrainerConfig,
  greedy = false,
  evaluating = false,
): CollectSettings {
  const [clampMin, clampMax] = cfg.rewardClamp ?? [-Infinity, Infinity];
  return {
    groupSize: greedy ? 1 : cfg.groupSize,
    jointMode: cfg.jointMode,
    crossAggregate: cfg.crossAggregate,
    turns: cfg.turns,
    gamma: cfg.gamma,
    earlyStopThreshold: evaluating ? null : cfg.earlyStopThreshold,
    earlyStopOn: cfg.earlyStopOn,
    advantage: cfg.advantage,
    sampling: { ...cfg.sampling, ...(greedy ? { temperature: 0 } : {}) },
    shape: rewardProcessor({ scale: cfg.rewardScale, shift: cfg.rewardShift, clampMin, clampMax }),
  };
}

/**
 * The policy-update options of a step at learning rate `lr`: the config's aggregation, PPO
 * clipping, KL weight (the reference is the starting policy; with one base per agent, each
 * agent's own, see `updatePolicies`), inner iterations and AdamW settings.
 */
export function updateOptions(cfg: TrainerConfig, lr: number, reference: Policy): UpdateOptions {
  return {
    aggregation: cfg.aggregation,
    lr,
    loss: { clipEps: cfg.clipEps, klBeta: cfg.klBeta },
    innerIterations: cfg.innerIterations,
    microBatchRows: cfg.microBatchRows,
    maxCompletionLength: cfg.sampling.maxNewTokens,
    reference: cfg.klBeta > 0 ? reference : undefined,
    adam: cfg.optimizer,
  };
}

/** The model folders of `cfg.model`, one per trained policy (a single path serves them all). */
export function modelPaths(cfg: TrainerConfig, n: number): string[] {
  const m = cfg.model;
  if (!Array.isArray(m)) return Array(n).fill(m);
  if (m.length !== n) {
    throw new UserError(
      `model lists ${m.length} folder(s) but algorithm '${cfg.algorithm}' trains ${n} ` +
        `polic${n === 1 ? "y" : "ies"}; give one folder per agent, or one path for all`,
    );
  }
  return [...m];
}

/**
 * Loads each distinct folder once (agents starting from the same folder share the object); a
 * LoRA run's base as `cfg.lora.baseDtype` says.
 */
async function loadBases(cfg: TrainerConfig, n: number): Promise<Policy[]> {
  const paths = modelPaths(cfg, n), loaded = new Map<string, Promise<Policy>>();
  const baseDtype = cfg.finetune === "lora" ? cfg.lora.baseDtype : "float32";
  for (const p of paths) {
    if (!loaded.has(p)) loaded.set(p, loadPolicy(p, { ep: cfg.ep, baseDtype }));
  }
  const bases = await Promise.all(paths.map((p) => loaded.get(p)!));
  bases.forEach((b, i) => checkCompletionBudget(b, cfg.sampling.maxNewTokens, paths[i]));
  return bases;
}

/** In-memory policies as one per trained policy. */
function givenBases(cfg: TrainerConfig, given: Policy | Policy[], n: number): Policy[] {
  const list = Array.isArray(given) ? given : Array(n).fill(given);
  if (list.length !== n) {
    throw new UserError(
      `train: ${list.length} policies given but algorithm '${cfg.algorithm}' trains ${n}; ` +
        `give one per agent, or a single policy for all`,
    );
  }
  list.forEach((b, i) =>
    checkCompletionBudget(b, cfg.sampling.maxNewTokens, `policies[${i}] (in memory)`)
  );
  return list;
}

/** The adapter settings of a config (`lora`), as `model/lora.ts` takes them. */
export function loraConfigOf(cfg: TrainerConfig): LoraConfig {
  const { r, alpha, targets, rslora } = cfg.lora;
  return { r, alpha, targets: [...targets], rslora };
}

/**
 * The trained policies of a `finetune: "lora"` run: each base with a fresh adapter of
 * `cfg.lora`, drawn from the stream `lora/<seed>/agent<i>` (so agents differ; PEFT's init, B = 0:
 * every agent starts as its base). A policy that already has an adapter keeps it (training
 * continues from it). Bases are shared, never copied. `paths[i]` (the model folder) becomes the
 * adapter's base path, written into the saved `adapter_config.json`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { withLoraAgents } from "./step_context.ts";
 * import { validateConfig } from "./config.ts";
 * import { loadPolicy } from "../policy/load.ts";
 * const base = await loadPolicy("data/default-model");
 * const cfg = validateConfig({ finetune: "lora", lora: { r: 4 } }, "inline");
 * const [a, b] = withLoraAgents(cfg, [base, base]);
 * assert.equal(a.params, b.params); // one base
 * assert.equal(a.cfg.lora!.r, 4);
 * assert.notDeepEqual(a.adapter!.params, b.adapter!.params); // own adapters
 * ```
 */
export function withLoraAgents(cfg: TrainerConfig, bases: Policy[], paths?: string[]): Policy[] {
  const config = loraConfigOf(cfg);
  return bases.map((b, i) => {
    if (b.adapter) return b;
    const lcfg = withLoraConfig(b.cfg, config);
    const params = initLora(lcfg, `${cfg.seed}/agent${i}`);
    return withAdapter(b, { config, params, ...(paths ? { basePath: absolute(paths[i]) } : {}) });
  });
}

/** `p` as an absolute path (relative ones against the working directory). */
function absolute(p: string): string {
  return p.startsWith("/") ? p : `${Deno.cwd()}/${p.replace(/^\.\//, "")}`;
}

/** A `finetune: "full"` run of policies that carry adapters is refused (nothing would train them). */
function checkFullFinetune(cfg: TrainerConfig, bases: Policy[]): void {
  const i = bases.findIndex((b) => b.adapter);
  if (cfg.finetune === "full" && i >= 0) {
    throw new UserError(
      `policies[${i}] has a LoRA adapter but finetune is "full": set finetune to "lora" to ` +
        `train the adapter, or merge it first (mergeAdapter) to train every weight`,
    );
  }
}

/**
 * Builds the context of a run (see the module doc). Checks that `cfg.agents` matches the
 * environment's number of agents (except for `grpo_single`, which trains one policy).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createStepContext } from "./step_context.ts";
 * import { validateConfig } from "./config.ts";
 * const ctx = await createStepContext(validateConfig({ steps: 2 }, "inline"));
 * assert.equal(ctx.bases.length, 2); // toy environment, 2 agents
 * ```
 */
export async function createStepContext(
  cfg: TrainerConfig,
  sources: StepSources = {},
): Promise<StepContext> {
  const raw = sources.environment ?? await loadEnvironment(cfg.env);
  const spec = ALGORITHMS[cfg.algorithm];
  if (cfg.algorithm !== "grpo_single" && cfg.agents !== raw.numAgents) {
    throw new UserError(
      `config.agents is ${cfg.agents} but environment '${raw.name}' has ${raw.numAgents} agents`,
    );
  }
  const n = spec.policies(cfg.agents);
  const loaded = sources.policies ? givenBases(cfg, sources.policies, n) : await loadBases(cfg, n);
  checkFullFinetune(cfg, loaded);
  const bases = cfg.finetune === "lora"
    ? withLoraAgents(cfg, loaded, sources.policies ? undefined : modelPaths(cfg, n))
    : loaded;
  return {
    cfg,
    env: withRewardTimeouts(raw, cfg.rewardTimeoutMs),
    bases,
    algorithm: spec.setup(loaded[0], cfg.seed), // the critic: a full model of its own
    settings: collectSettings(cfg),
    ...(sources.jobs ? { jobs: sources.jobs } : {}),
  };
}
