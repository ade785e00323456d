/**
 * The trainer: a short loop over the notebook-steppable parts (collect → update), adding only
 * configuration, seeded data order, periodic evaluation, JSONL logging, atomic checkpoints with
 * exact resume, and a progress bar. Every random choice comes from streams seeded by
 * `config.seed` whose states are checkpointed, so an interrupted and resumed run ends with the
 * same parameters as an uninterrupted one (on CPU).
 *
 * @module
 */
import type { TrainerConfig } from "./config.ts";
import { configWarnings, runPaths } from "./config.ts";
import { loadEnvironment } from "../envs/registry.ts";
import type { Environment } from "../envs/types.ts";
import { loadPolicy, savePolicy, type StoredPolicy } from "../policy/load.ts";
import { type Policy, withParams } from "../policy/policy.ts";
import { initTrainState, NonFiniteStepError, type TrainState } from "../engine/optim_step.ts";
import type { ParamStore } from "../model/params.ts";
import { makeRng, type Rng, shuffled } from "../util/rng.ts";
import { lrAt } from "./schedule.ts";
import { explainNonFiniteStep, type UpdateMetrics } from "./update.ts";
import { checkCompletionBudget } from "../policy/sample.ts";
import { updatePolicies } from "./update_schedule.ts";
import { passAtKPerTurn, pathLevels, perTurnMetrics } from "./eval_metrics.ts";
import {
  collectCritic,
  type Collected,
  collectIndependent,
  collectMagrpo,
  type CollectSettings,
  collectSingle,
} from "./collect.ts";
import { createCritic, type Critic, initCriticParams } from "./critic.ts";
import { atExample, rewardProcessor, rewardStats, withRewardTimeouts } from "./rewards.ts";
import { openJsonl } from "../util/jsonl.ts";
import { latestCheckpoint, pruneCheckpoints, saveCheckpoint } from "./checkpoint.ts";
import { prepareRun, runFiles } from "./run_folder.ts";
import { progress } from "../viz/progress.ts";
import { UserError } from "../util/errors.ts";
import { configureRuntime } from "../engine/runtime.ts";

/** Options of {@link train}. */
export interface TrainOptions {
  /**
   * Continue from the run folder's latest checkpoint (default true; a fresh run when there is
   * none). False starts over: the folder's previous metrics, checkpoints and agents are removed.
   */
  resume?: boolean;
  /** Stop after this step (a graceful stop: it saves a checkpoint there). */
  stopAfter?: number;
  /** Called with each step's log record. */
  onStep?: (record: StepRecord) => void;
  /** No progress bar. */
  quiet?: boolean;
}

/** One line of `metrics.jsonl`. */
export type StepRecord = Record<string, unknown> & { type: "step" | "eval"; step: number };

/** The result of a run. */
export interface TrainResult {
  /** Run folder. */
  dir: string;
  /** Final optimizer states (one per trained policy; the critic's last, for `critic`). */
  states: TrainState[];
  /** Every step record. */
  records: StepRecord[];
}

const clone = (p: ParamStore): ParamStore =>
  Object.fromEntries(
    Object.entries(p).map((
      [k, t],
    ) => [k, { data: Float32Array.from(t.data as Float32Array), dims: t.dims }]),
  );

function settings(cfg: TrainerConfig, greedy = false, evaluating = false): CollectSettings {
  const [clampMin, clampMax] = cfg.rewardClamp ?? [-Infinity, Infinity];
  return {
    groupSize: greedy ? 1 : cfg.groupSize,
    jointMode: cfg.jointMode,
    crossAggregate: cfg.crossAggregate,
    turns: cfg.turns,
    gamma: cfg.gamma,
    // evaluation (greedy or not) runs every turn of every row: no early termination
    earlyStopThreshold: evaluating ? null : cfg.earlyStopThreshold,
    earlyStopOn: cfg.earlyStopOn,
    advantage: cfg.advantage,
    sampling: { ...cfg.sampling, ...(greedy ? { temperature: 0 } : {}) },
    shape: rewardProcessor({
      scale: cfg.rewardScale,
      shift: cfg.rewardShift,
      clampMin,
      clampMax,
    }),
  };
}

/** Collects one example with the configured algorithm. */
function collect(
  cfg: TrainerConfig,
  // deno-lint-ignore no-explicit-any
  env: Environment<any>,
  example: unknown,
  policies: Policy[],
  s: CollectSettings,
  rng: Rng,
  critic?: { model: Critic; params: ParamStore },
): Promise<Collected> {
  switch (cfg.algorithm) {
    case "magrpo":
      return collectMagrpo(env, example, policies, s, rng);
    case "independent":
      return collectIndependent(env, example, policies, s, rng);
    case "grpo_single":
      return collectSingle(env, example, policies[0], s, rng);
    case "critic":
      return collectCritic(env, example, policies, s, rng, critic!);
  }
}

const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);
const std = (xs: number[]) => Math.sqrt(mean(xs.map((x) => (x - mean(xs)) ** 2)));
/** Per turn, the mean over the lists that have that turn. */
const perTurn = (lists: number[][]) => {
  const byTurn: number[][] = [];
  for (const l of lists) l.forEach((x, t) => (byTurn[t] ??= []).push(x));
  return byTurn.map(mean);
};

/**
 * Trains as `cfg` says; returns the final states and every log record. Writes
 * `<run>/metrics.jsonl`, `<run>/config.json`, `<run>/checkpoints/step-N/` and, at the end,
 * each agent as a Hugging Face folder `<run>/agent-i/`. A fresh run clears the folder's previous
 * outputs; a resumed one checks the config against the checkpoint's and cuts `metrics.jsonl`
 * back to the checkpoint's step (see `run_folder.ts`), so every step is logged exactly once.
 */
export async function train(cfg: TrainerConfig, opts: TrainOptions = {}): Promise<TrainResult> {
  const { dir } = runPaths(cfg);
  // Sessions opened from here on follow the run's determinism (restored when the run ends).
  const runtimeBefore = configureRuntime({ deterministic: cfg.deterministic });
  try {
    return await trainWith(cfg, dir, opts);
  } finally {
    configureRuntime(runtimeBefore);
  }
}

async function trainWith(
  cfg: TrainerConfig,
  dir: string,
  opts: TrainOptions,
): Promise<TrainResult> {
  const env = withRewardTimeouts(await loadEnvironment(cfg.env), cfg.rewardTimeoutMs);
  const base = await loadPolicy(cfg.model, { ep: cfg.ep });
  checkCompletionBudget(base, cfg.sampling.maxNewTokens, cfg.model);
  const n = cfg.algorithm === "grpo_single" ? 1 : cfg.agents;
  if (cfg.algorithm !== "grpo_single" && cfg.agents !== env.numAgents) {
    throw new UserError(
      `config.agents is ${cfg.agents} but environment '${env.name}' has ${env.numAgents} agents`,
    );
  }
  let states: TrainState[] = Array.from({ length: n }, () => initTrainState(clone(base.params)));
  const critic = cfg.algorithm === "critic" ? createCritic(base.cfg, base.tokenizer) : undefined;
  let criticState = critic
    ? initTrainState(initCriticParams(base.cfg, base.params, cfg.seed))
    : undefined;
  const heldOut = env.evalRows ?? [];
  const evalRows = heldOut.slice(0, cfg.eval.prompts ?? heldOut.length);
  if (cfg.eval.every > 0 && evalRows.length === 0) {
    throw new UserError(
      `eval.every is ${cfg.eval.every} but environment '${env.name}' has no evaluation rows ` +
        `(set env.evalSlice or env.evalDataPath, or eval.every to 0)`,
    );
  }
  for (const w of configWarnings(cfg)) console.warn(`warning: ${w}`);
  let dataRng = makeRng(`data/${cfg.seed}`), sampleRng = makeRng(`sample/${cfg.seed}`);
  let order = shuffled(dataRng, env.rows.map((_, i) => i)), cursor = 0, start = 0;
  const ckptDir = runFiles(dir).checkpoints;
  const { checkpoint: ck, message } = await prepareRun(cfg, dir, opts.resume !== false);
  if (message) console.log(message);
  if (ck) {
    start = ck.step;
    states = ck.agents.slice(0, n);
    if (critic) criticState = ck.agents[n];
    dataRng = makeRng(`data/${cfg.seed}`, ck.rng.data);
    sampleRng = makeRng(`sample/${cfg.seed}`, ck.rng.sample);
    ({ order, cursor } = ck.data);
  }
  const log = openJsonl(runFiles(dir).metrics);
  const records: StepRecord[] = [];
  const emit = (r: StepRecord) => {
    log.write(r);
    records.push(r);
    opts.onStep?.(r);
  };
  const policiesOf = (ss: TrainState[]) => ss.map((s) => withParams(base, s.params));
  const last = Math.min(cfg.steps, opts.stopAfter ?? cfg.steps);
  const bar = opts.quiet || start >= last
    ? undefined
    : progress({ total: cfg.steps - start, label: `${cfg.algorithm}/${env.name}` });
  const s = settings(cfg);
  try {
    for (let step = start + 1; step <= last; step++) {
      const t0 = performance.now();
      const collected: Collected[] = [];
      for (let p = 0; p < cfg.promptsPerStep; p++) {
        if (cursor >= order.length) [order, cursor] = [shuffled(dataRng, order), 0];
        const example = env.rows[order[cursor++]];
        const c = critic ? { model: critic, params: criticState!.params } : undefined;
        collected.push(
          await collect(cfg, env, example, policiesOf(states), s, sampleRng, c).catch((e) => {
            throw atExample(e, example);
          }),
        );
      }
      const tSample = performance.now();
      const lr = lrAt(step, { ...cfg.optimizer, totalSteps: cfg.steps });
      let updates: UpdateMetrics[];
      ({ states, updates } = await updatePolicies(base, states, collected, cfg.updateSchedule, {
        aggregation: cfg.aggregation,
        lr,
        loss: { clipEps: cfg.clipEps, klBeta: cfg.klBeta },
        innerIterations: cfg.innerIterations,
        maxCompletionLength: cfg.sampling.maxNewTokens,
        reference: cfg.klBeta > 0 ? base : undefined,
        adam: cfg.optimizer,
      }));
      let criticLoss: number | undefined;
      if (critic && criticState) {
        const texts = collected.flatMap((c) => c.criticData!.texts);
        const targets = collected.flatMap((c) => c.criticData!.targets);
        ({ state: criticState, loss: criticLoss } = await critic.fit(
          criticState,
          texts,
          targets,
          lr,
        ));
      }
      const dt = (performance.now() - t0) / 1000;
      const rs = rewardStats(collected.flatMap((c) => c.breakdowns));
      const adv = collected.flatMap((c) => c.advantages);
      const lengths = Array.from(
        { length: n },
        (_, i) => collected.flatMap((c) => c.samples[i].map((x) => x.completion.ids.length)),
      );
      const tokens = updates.reduce((a, u) => a + u.tokens, 0);
      const record: StepRecord = {
        type: "step",
        step,
        lr,
        reward: { mean: rs.mean, std: rs.std, min: rs.min, max: rs.max, levels: rs.levels },
        turnRewards: perTurn(collected.map((c) => c.turnRewards)),
        turnReturns: perTurn(collected.map((c) => c.turnReturns)),
        advantage: { mean: mean(adv), std: std(adv), absMean: mean(adv.map(Math.abs)) },
        loss: updates.map((u) => u.losses.at(-1)),
        gradNorm: updates.map((u) => u.gradNorms[0]),
        kl: updates.map((u) => u.kl ?? null),
        clipFraction: updates.map((u) => u.clipFraction ?? null),
        entropy: updates.map((u) => u.negLogp),
        completionLength: lengths.map((l) => mean(l)),
        criticLoss: criticLoss ?? null,
        tokensPerSecond: tokens / dt,
        seconds: {
          total: dt,
          sampling: (tSample - t0) / 1000,
          update: (performance.now() - tSample) / 1000,
        },
      };
      emit(record);
      bar?.tick(1, `reward ${rs.mean.toFixed(3)}`);
      if (cfg.eval.every > 0 && (step % cfg.eval.every === 0 || step === cfg.steps)) {
        emit(await evaluate(cfg, env, evalRows, policiesOf(states), step));
      }
      if ((cfg.checkpoint.every > 0 && step % cfg.checkpoint.every === 0) || step === last) {
        await saveCheckpoint(ckptDir, {
          step,
          agents: critic ? [...states, criticState!] : states,
          rng: { data: dataRng.state(), sample: sampleRng.state() },
          data: { order, cursor },
          config: cfg,
        });
        await pruneCheckpoints(ckptDir, cfg.checkpoint.keep);
      }
    }
  } catch (err) {
    if (!(err instanceof NonFiniteStepError)) throw err;
    const done = records.filter((r) => r.type === "step").at(-1)?.step ?? start;
    throw explainNonFiniteStep(err, {
      step: done + 1,
      lr: cfg.optimizer.lr,
      rewardScale: cfg.rewardScale,
      lastCheckpoint: await latestCheckpoint(ckptDir),
    });
  } finally {
    bar?.done();
    log.close();
  }
  if (last === cfg.steps) {
    for (let i = 0; i < n; i++) {
      await savePolicy({ ...base, params: states[i].params } as StoredPolicy, `${dir}/agent-${i}`);
    }
  }
  return { dir, states: critic ? [...states, criticState!] : states, records };
}

/**
 * Evaluation on fixed rows (the trainer passes the environment's held-out `evalRows`): one
 * (greedy or sampled) joint answer per row and turn, every turn (no early termination), with its
 * own seeded stream so that evaluating never changes the training run. Reports the number of
 * rows, the mean joint reward and its levels, and per turn t (mean over all rows) the immediate
 * shaped reward (`turnRewards[t]`), the return `R_t = r_t + γ·R_{t+1}` (`turnReturns[t]`, by
 * `treeReturns`; with one answer per node the mean over children is that one child), and
 * `turnMetrics[t]`: the environment's `evalMetrics` (e.g. the authors' coding metrics), else the
 * raw total and each level of that turn's answer, averaged over the rows. With `eval.samples`
 * n > 1, each row runs n sampled episodes (averages are over all of them) and `passAtK[t]` holds
 * the unbiased pass@k (k = 1, 2, 4, …, n) from the metric `passed` (see `eval_metrics.ts`).
 */
export async function evaluate(
  cfg: TrainerConfig,
  // deno-lint-ignore no-explicit-any
  env: Environment<any>,
  rows: unknown[],
  policies: Policy[],
  step: number,
): Promise<StepRecord> {
  const n = cfg.eval.samples;
  const s = settings(cfg, cfg.eval.greedy && n === 1, true);
  s.groupSize = 1;
  const rng = makeRng(`eval/${cfg.seed}/${step}`);
  const turns: number[][] = [], returns: number[][] = [], metrics: Record<string, number>[][] = [];
  const byRow: Record<string, number>[][][] = [];
  const all = [];
  for (const row of rows) {
    byRow.push([]);
    for (let e = 0; e < n; e++) {
      const c = await (cfg.algorithm === "grpo_single"
        ? collectSingle(env, row, policies[0], s, rng)
        : collectMagrpo(env, row, policies, { ...s, jointMode: "aligned" }, rng)).catch((err) => {
          throw atExample(err, row);
        });
      turns.push(c.turnRewards);
      returns.push(c.turnReturns);
      all.push(...c.breakdowns);
      const m = env.evalMetrics ? await env.evalMetrics(row, c.turnTexts ?? []) : pathLevels(c);
      metrics.push(m);
      byRow.at(-1)!.push(m);
    }
  }
  const passAtK = n > 1 ? passAtKPerTurn(byRow, n) : undefined;
  const rs = rewardStats(all);
  return {
    type: "eval",
    step,
    rows: rows.length,
    reward: { mean: rs.mean, levels: rs.levels },
    turnRewards: perTurn(turns),
    turnReturns: perTurn(returns),
    turnMetrics: perTurnMetrics(metrics),
    ...(passAtK ? { passAtK } : {}),
  };
}
