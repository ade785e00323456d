/**
 * The trainer: `magrpoStep` in a loop, plus I/O: the run folder, JSONL logging (one
 * {@link TrainOptions.onStep} place for every record), periodic evaluation, atomic checkpoints
 * (a checkpoint is the `RunState` written to disk) with exact resume, and a progress bar. Every
 * random choice comes from streams seeded by `config.seed` whose states are part of the
 * `RunState`, so an interrupted and resumed run ends with the same parameters as an
 * uninterrupted one (on CPU).
 *
 * @module
 */
import type { TrainerConfig } from "./config.ts";
import { configWarnings, runPaths } from "./config.ts";
import { savePolicy, type StoredPolicy } from "../policy/load.ts";
import { withTrainable } from "../policy/policy.ts";
import { saveAdapter } from "../model/peft.ts";
import { NonFiniteStepError, type TrainState } from "../engine/optim_step.ts";
import { explainNonFiniteStep } from "./update.ts";
import { openJsonl } from "../util/jsonl.ts";
import { latestCheckpoint, pruneCheckpoints, saveCheckpoint } from "./checkpoint.ts";
import { prepareRun, runFiles } from "./run_folder.ts";
import { progress } from "../viz/progress.ts";
import { UserError } from "../util/errors.ts";
import { configureRuntime } from "../engine/runtime.ts";
import { magrpoStep } from "./step.ts";
import { createStepContext, type StepContext, type StepSources } from "./step_context.ts";
import {
  allStates,
  checkRunMatches,
  initRunState,
  runFromCheckpoint,
  runToCheckpoint,
} from "./run_state.ts";
import type { EvalRecord, MetricsRecord, StepRecord } from "./records.ts";
import { evaluate } from "./evaluate.ts";
import { openRunLogs } from "./run_logs.ts";
export { evaluate };
export type { EvalRecord, MetricsRecord, StepRecord, StepSources, TrainerConfig, TrainState };

/** Options of {@link train}. */
export interface TrainOptions extends StepSources {
  /**
   * Continue from the run folder's latest checkpoint (default true; a fresh run when there is
   * none). False starts over: the folder's previous metrics, checkpoints and agents are removed.
   */
  resume?: boolean;
  /** Stop after this step (a graceful stop: it saves a checkpoint there). */
  stopAfter?: number;
  /** Called with each step's and evaluation's log record, after it is written. */
  onStep?: (record: MetricsRecord) => void;
  /** No progress bar. */
  quiet?: boolean;
}

/** The result of a run. */
export interface TrainResult {
  /** Run folder. */
  dir: string;
  /** Final optimizer states (one per trained policy; the critic's last, for `critic`). */
  states: TrainState[];
  /** Every record written to `metrics.jsonl` (steps and evaluations; narrow by `type`). */
  records: MetricsRecord[];
}

/**
 * The config as the run folder stores it: with an environment object, `env.name` is that
 * environment's name (so that a resume with another task is refused).
 */
function storedConfig(cfg: TrainerConfig, ctx: StepContext, custom: boolean): TrainerConfig {
  return custom
    ? { ...cfg, env: { ...cfg.env, name: ctx.env.name as TrainerConfig["env"]["name"] } }
    : cfg;
}

/**
 * Trains as `cfg` says; returns the final states and every log record. Writes
 * `<run>/metrics.jsonl`, `<run>/config.json`, `<run>/checkpoints/step-N/` and, at the end,
 * each agent as a Hugging Face folder `<run>/agent-i/` (for policies loaded from folders; with
 * `finetune: "lora"`, a PEFT adapter folder over the shared base instead). A
 * fresh run clears the folder's previous outputs; a resumed one checks the config against the
 * checkpoint's and cuts `metrics.jsonl` back to the checkpoint's step (see `run_folder.ts`), so
 * every step is logged exactly once. `opts.environment` (e.g. from `defineEnvironment`) replaces
 * `cfg.env`, and its name the run name's environment part; `opts.policies` replace `cfg.model`.
 *
 * @example
 * ```ts ignore
 * // Trains the default model for two steps (not run as a doc test: it takes seconds).
 * import { train } from "./trainer.ts";
 * import { validateConfig } from "./config.ts";
 * const r = await train(validateConfig({ steps: 2, log: { dir: "/tmp/<name>" } }, "inline"));
 * ```
 */
export async function train(cfg: TrainerConfig, opts: TrainOptions = {}): Promise<TrainResult> {
  if (cfg.distributed?.redis && !opts.jobs) {
    throw new UserError(
      `config.distributed.redis is set (${cfg.distributed.redis}): run it with \`deno task ` +
        `train\` or trainDistributed() from lib/dist, which send the jobs to workers`,
    );
  }
  // Sessions opened from here on follow the run's determinism (restored when the run ends).
  const runtimeBefore = configureRuntime({
    deterministic: cfg.deterministic,
    fallback: cfg.epFallback,
  });
  try {
    const ctx = await createStepContext(cfg, opts);
    const custom = opts.environment !== undefined;
    const { dir } = runPaths(cfg, custom ? ctx.env.name : cfg.env.name);
    return await loop(ctx, storedConfig(cfg, ctx, custom), dir, opts);
  } finally {
    configureRuntime(runtimeBefore);
  }
}

async function loop(
  ctx: StepContext,
  stored: TrainerConfig,
  dir: string,
  opts: TrainOptions,
): Promise<TrainResult> {
  const { cfg, env } = ctx;
  const heldOut = env.evalRows ?? [];
  const evalRows = heldOut.slice(0, cfg.eval.prompts ?? heldOut.length);
  if (cfg.eval.every > 0 && evalRows.length === 0) {
    throw new UserError(
      `eval.every is ${cfg.eval.every} but environment '${env.name}' has no evaluation rows ` +
        `(${
          opts.environment
            ? "give defineEnvironment a split"
            : "set env.evalSlice or env.evalDataPath"
        }, or set eval.every to 0)`,
    );
  }
  for (const w of configWarnings(cfg)) console.warn(`warning: ${w}`);
  const ckptDir = runFiles(dir).checkpoints;
  const { checkpoint: ck, message } = await prepareRun(stored, dir, opts.resume !== false);
  if (message) console.log(message);
  let run = ck ? runFromCheckpoint(ck, ctx.bases.length, ckptDir) : initRunState(ctx);
  if (ck) checkRunMatches(run, ctx, ckptDir);
  const log = openJsonl(runFiles(dir).metrics);
  // TensorBoard events, completions.jsonl, manifest.json (see run_logs.ts)
  const models = opts.policies ? [] : [cfg.model].flat();
  const logs = await openRunLogs(cfg, dir, models, opts.environment !== undefined);
  const records: MetricsRecord[] = [];
  const emit = (r: MetricsRecord) => {
    log.write(r);
    logs.record(r);
    records.push(r);
    opts.onStep?.(r);
  };
  const start = run.step, last = Math.min(cfg.steps, opts.stopAfter ?? cfg.steps);
  const bar = opts.quiet || start >= last
    ? undefined
    : progress({ total: cfg.steps - start, label: `${cfg.algorithm}/${env.name}` });
  try {
    while (run.step < last) {
      const out = await magrpoStep(run, ctx);
      run = out.run;
      const step = run.step;
      emit(out.record);
      logs.completions(step, out.collected);
      bar?.tick(1, `reward ${out.record.reward.mean.toFixed(3)}`);
      if (cfg.eval.every > 0 && (step % cfg.eval.every === 0 || step === cfg.steps)) {
        const policies = run.agents.map((s, i) => withTrainable(ctx.bases[i], s.params));
        emit(await evaluate(cfg, env, evalRows, policies, step));
      }
      // every N steps and at the last one; checkpoint.every 0: none at all
      const every = cfg.checkpoint.every;
      if (every > 0 && (step % every === 0 || step === last)) {
        await saveCheckpoint(ckptDir, runToCheckpoint(run, stored));
        await pruneCheckpoints(ckptDir, cfg.checkpoint.keep);
      }
    }
  } catch (err) {
    if (!(err instanceof NonFiniteStepError)) throw err;
    throw explainNonFiniteStep(err, {
      step: run.step + 1,
      lr: cfg.optimizer.lr,
      rewardScale: cfg.rewardScale,
      lastCheckpoint: await latestCheckpoint(ckptDir),
    });
  } finally {
    bar?.done();
    log.close();
    logs.close();
  }
  if (last === cfg.steps) await saveAgents(ctx, run.agents, dir);
  return { dir, states: allStates(run), records };
}

/**
 * Each agent as a Hugging Face folder `<dir>/agent-i/` (skipped for in-memory policies), or,
 * for a LoRA run, as a PEFT adapter folder (`adapter_config.json` naming the base's path,
 * `adapter_model.safetensors`; written for in-memory bases too, without a base path).
 */
async function saveAgents(ctx: StepContext, agents: TrainState[], dir: string): Promise<void> {
  for (const [i, s] of agents.entries()) {
    if (ctx.bases[i].adapter) {
      await saveAdapter(`${dir}/agent-${i}`, withTrainable(ctx.bases[i], s.params));
      continue;
    }
    const base = ctx.bases[i] as Partial<StoredPolicy>;
    if (!base.storage) continue; // in memory: no tokenizer files to write (states are returned)
    await savePolicy({ ...base, params: s.params } as StoredPolicy, `${dir}/agent-${i}`);
  }
}
