/**
 * Where a step's jobs run ({@link StepJobs}): rollout jobs (one agent samples G completions of one
 * prompt) and reward jobs (one joint action of one row is scored). `magrpoStep` is the same code
 * whether they run in this process ({@link LOCAL_JOBS}, the default) or on workers (`lib/dist`,
 * Redis + BullMQ): only the `StepJobs` of the step context changes.
 *
 * Results never depend on where or in which order jobs run: every rollout job draws from its own
 * stream, keyed by (seed, step, prompt index, agent, tree node) ({@link sampleStream},
 * {@link nodeStream}), never from a stream shared with other jobs.
 *
 * @module
 */
import type { Environment } from "../envs/types.ts";
import type { Policy } from "../policy/policy.ts";
import { type Completion, type SampleOptions, sampleTexts } from "../policy/sample.ts";
import { makeRng } from "../util/rng.ts";
import { UserError } from "../util/errors.ts";
export type { Completion, Environment, Policy };

/** The sampling settings a rollout job carries (those of `CollectSettings.sampling`). */
export type JobSampling = Omit<SampleOptions, "numReturnSequences" | "rng" | "seed">;

/** One rollout job: agent `agent` samples `groupSize` completions of `prompt`. */
export interface SampleJob {
  /** Index of the trained policy (the agent). */
  agent: number;
  /** The agent's prompt at this node. */
  prompt: string;
  /** G, completions to sample. */
  groupSize: number;
  /** Sampling settings. */
  sampling: JobSampling;
  /** Key of the job's own random stream (see {@link nodeStream}). */
  stream: string;
}

/** Where the jobs of a step run. */
export interface StepJobs {
  /** Where, for messages (e.g. `"local"`, `"redis://10.0.0.5:6379 (queue magrpo)"`). */
  where: string;
  /** Whether independent jobs (the agents of a node, the prompts of a step) may run at once. */
  concurrent: boolean;
  /** Runs one rollout job with `policy`, the agent's current policy. */
  sample(policy: Policy, job: SampleJob): Promise<Completion[]>;
  /**
   * Scores one joint action of row `row` of the environment's `rows` (the value `env.reward`
   * returns). Absent: `env.reward` runs in this process.
   */
  reward?(texts: string[], row: number): Promise<unknown>;
}

/**
 * The stream key of prompt `prompt` (0-based, in the step's data order) of step `step` (1-based).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { nodeStream, sampleStream } from "./jobs.ts";
 * assert.equal(nodeStream(sampleStream(0, 3, 1), 1, "0.2"), "sample/0/step3/prompt1/agent1/node0.2");
 * ```
 */
export function sampleStream(seed: number, step: number, prompt: number): string {
  return `sample/${seed}/step${step}/prompt${prompt}`;
}

/**
 * The stream key of agent `agent` at tree node `node` (`"0"`: the first turn; `"0.2"`: the child
 * after joint action 2) under a prompt's key.
 */
export function nodeStream(stream: string, agent: number, node: string): string {
  return `${stream}/agent${agent}/node${node}`;
}

/**
 * Runs a rollout job here: `sampleTexts` of the job's prompt, drawing from the stream
 * `makeRng(job.stream)`. Workers call exactly this, so a job gives the same completions wherever
 * it runs.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { runSampleJob } from "./jobs.ts";
 * import { loadPolicy } from "../policy/load.ts";
 * const policy = await loadPolicy("data/default-model");
 * const job = { agent: 0, prompt: "Hi", groupSize: 2, sampling: { maxNewTokens: 4 }, stream: "k" };
 * const [a, b] = [await runSampleJob(policy, job), await runSampleJob(policy, job)];
 * assert.deepEqual(a, b);
 * ```
 */
export function runSampleJob(policy: Policy, job: SampleJob): Promise<Completion[]> {
  return sampleTexts(policy, [job.prompt], {
    ...job.sampling,
    numReturnSequences: job.groupSize,
    rng: makeRng(job.stream),
  });
}

/** Every job in this process, one after the other. */
export const LOCAL_JOBS: StepJobs = Object.freeze({
  where: "local",
  concurrent: false,
  sample: runSampleJob,
});

/**
 * `env` whose joint reward runs through `jobs.reward` (the row found by identity in `env.rows`);
 * `env` itself when the jobs score locally. A row not in `env.rows` is a {@link UserError}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { jobsEnv, LOCAL_JOBS } from "./jobs.ts";
 * const reward = () => ({ total: 1, levels: {} });
 * const env = { name: "t", numAgents: 1, rows: [{ id: 1 }], formatters: [() => ""], reward };
 * assert.equal(jobsEnv(env, LOCAL_JOBS), env);
 * const scored = (_: string[], row: number) => Promise.resolve({ total: row + 5, levels: {} });
 * const remote = jobsEnv(env, { ...LOCAL_JOBS, reward: scored });
 * assert.equal((await remote.reward(["x"], env.rows[0])).total, 5); // row 0, scored remotely
 * ```
 */
export function jobsEnv<E>(env: Environment<E>, jobs: StepJobs): Environment<E> {
  const remote = jobs.reward?.bind(jobs);
  if (!remote) return env;
  const index = new Map(env.rows.map((r, i) => [r as unknown, i]));
  const reward = (texts: string[], example: E) => {
    const row = index.get(example);
    if (row === undefined) {
      throw new UserError(
        `reward jobs (${jobs.where}) score rows of '${env.name}' by index; this example is not ` +
          `one of its training rows`,
      );
    }
    return remote(texts, row);
  };
  return { ...env, reward: reward as Environment<E>["reward"] };
}
