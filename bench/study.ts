/**
 * Does cooperation training work? MAGRPO against independent learners, single-agent GRPO, a
 * centralized critic and the untrained agents, on tasks built to tell them apart
 * (coordination, complementarity), the toy task as a control, and the paper's tasks in
 * miniature (TLDR, arXiv, coding), with the same budget per method and several seeds. Each run
 * is evaluated on held-out rows after training; `bench/study_report.ts` turns the runs into
 * means with 95 % bootstrap intervals over seeds, paired comparisons and figures.
 *
 * Resumable: `results.json` gets one entry per finished run (written atomically after each),
 * and a restart skips the runs already there (same task, method, seed and budget). A progress
 * bar shows the runs left.
 *
 * Parallel: `--jobs N` (default: the machine's cores, at most the runs left) runs the pending
 * runs in N worker processes (this script with `--worker`), each taking the next run when it is
 * free; only this process writes `results.json`. Each run is seeded by its own seed and opens its
 * own environment and model, so a run's result does not depend on which process ran it or what
 * ran before (`tests/study_test.ts` compares `--jobs 2` with `--jobs 1`). Every ORT session runs
 * on `--threads` intra-op threads (default 1, whatever N), so N processes do not oversubscribe
 * the cores. The thread count is part of what a run's numbers depend on: `deterministic: true`
 * makes a run bit-stable for a fixed count, but 1 and 2 threads round some sums differently and,
 * after the first update, sample other tokens (3 of the 50 `--quick` runs differ; bench/RESULTS.md).
 * A fixed default keeps the results independent of `--jobs` and of the machine's core count
 * (ORT's own default is the number of cores). A killed study loses the runs in flight.
 *
 * Run: `deno run -A bench/study.ts [--quick] [--out bench/study] [--tasks a,b] [--methods a,b]
 * [--seeds 0,1,2,3,4] [--jobs N] [--threads T] [--report-only]`. `--quick` (CI): two steps per
 * run, two seeds, tiny groups, written to `--out` (default `runs/study-quick`, not the shipped
 * results).
 *
 * @module
 */
import { parseArgs } from "node:util";
import { validateConfig } from "../lib/rl/config.ts";
import { evaluate, train } from "../lib/rl/trainer.ts";
import type { EvalRecord, MetricsRecord } from "../lib/rl/records.ts";
import { loadPolicy } from "../lib/policy/load.ts";
import { progress } from "../lib/viz/progress.ts";
import { configureRuntime } from "../lib/engine/runtime.ts";
import { UserError } from "../lib/util/errors.ts";
import { QUICK_TASKS, quickTask, STUDY_TASKS, type StudyTask } from "./study_tasks.ts";
import { writeStudyReport } from "./study_report.ts";

/** Methods of the study: the four algorithms and the untrained agents. */
export const METHODS = ["magrpo", "independent", "grpo_single", "critic", "untrained"];

/** One finished run as `results.json` stores it. */
export interface StudyRun {
  task: string;
  method: string;
  seed: number;
  /** The run's budget (a restart with another budget reruns it). */
  budget: string;
  /** Held-out evaluation after training. */
  eval: {
    rows: number;
    reward: number;
    coop: number;
    levels: Record<string, number>;
    metrics: Record<string, number>;
    passAtK?: Record<string, number>;
  };
  /** Per training step: mean sampled joint reward and cooperative levels (empty: untrained). */
  curve: { step: number; reward: number; coop: number }[];
  /** Wall seconds of the run (training + evaluation). */
  seconds: number;
}

/** The whole results file. */
export interface StudyResults {
  quick: boolean;
  settings: Record<string, Omit<StudyTask, "open">>;
  /** Each invocation that ran runs: when, how long, how many, the machine's load at the start. */
  invocations?: {
    started: string;
    seconds: number;
    runs: number;
    loadavg: number[];
    /** Worker processes (absent: 1, before `--jobs` existed). */
    jobs?: number;
    /** ORT intra-op threads per session (absent: ORT's default, the machine's cores). */
    threads?: number;
  }[];
  runs: StudyRun[];
}

const budgetOf = (t: StudyTask) =>
  `steps=${t.steps},G=${t.groupSize},P=${t.promptsPerStep},tok=${t.maxNewTokens},lr=${t.lr},` +
  `eval=${t.evalRows}x${t.evalSamples}`;

const coopOf = (levels: Record<string, number> | undefined, t: StudyTask) =>
  t.coop.reduce((a, k) => a + (levels?.[k] ?? 0), 0);

function config(t: StudyTask, method: string, seed: number, root: string) {
  return validateConfig({
    algorithm: method === "untrained" ? "magrpo" : method,
    groupSize: t.groupSize,
    promptsPerStep: t.promptsPerStep,
    steps: t.steps,
    seed,
    sampling: { maxNewTokens: t.maxNewTokens },
    optimizer: { lr: t.lr },
    eval: { every: t.steps, prompts: t.evalRows, greedy: false, samples: t.evalSamples },
    checkpoint: { every: 0, keep: 1 },
    log: { dir: `${root}/<name>`, tensorboard: false, completionsEvery: 0 },
  }, "bench/study.ts");
}

function evalSummary(r: EvalRecord, t: StudyTask): StudyRun["eval"] {
  const metrics = (r.turnMetrics?.[0] ?? {}) as Record<string, number>;
  const out: StudyRun["eval"] = {
    rows: r.rows,
    reward: r.reward.mean,
    coop: coopOf(r.reward.levels, t),
    levels: r.reward.levels ?? {},
    metrics,
  };
  const pk = (r as { passAtK?: Record<string, number>[] }).passAtK?.[0];
  if (pk) out.passAtK = pk;
  return out;
}

/** Trains (or, for "untrained", only evaluates) one method on one task and seed. */
async function oneRun(
  t: StudyTask,
  method: string,
  seed: number,
  root: string,
): Promise<StudyRun> {
  const t0 = performance.now(), env = await t.open(), cfg = config(t, method, seed, root);
  let ev: EvalRecord, curve: StudyRun["curve"] = [];
  if (method === "untrained") {
    const base = await loadPolicy("data/default-model");
    ev = await evaluate(cfg, env, env.evalRows!.slice(0, t.evalRows), [base, base], 0);
  } else {
    const r = await train(cfg, { environment: env, quiet: true, resume: false });
    const steps = r.records.filter((x: MetricsRecord) => x.type === "step") as unknown as {
      step: number;
      reward: { mean: number; levels: Record<string, number> };
    }[];
    curve = steps.map((s) => ({
      step: s.step,
      reward: s.reward.mean,
      coop: coopOf(s.reward.levels, t),
    }));
    ev = r.records.filter((x: MetricsRecord) => x.type === "eval").at(-1) as EvalRecord;
    await Deno.remove(r.dir, { recursive: true }).catch(() => {});
  }
  const seconds = (performance.now() - t0) / 1000;
  return {
    task: t.name,
    method,
    seed,
    budget: budgetOf(t),
    eval: evalSummary(ev, t),
    curve,
    seconds,
  };
}

async function readResults(path: string): Promise<StudyResults | undefined> {
  try {
    return JSON.parse(await Deno.readTextFile(path));
  } catch {
    return undefined;
  }
}

async function writeAtomic(path: string, text: string): Promise<void> {
  await Deno.writeTextFile(`${path}.tmp`, text);
  await Deno.rename(`${path}.tmp`, path);
}

/** One pending run: which task (by name), method and seed. */
interface RunSpec {
  task: string;
  method: string;
  seed: number;
}

/** The line prefix a worker answers with (other output of a worker passes through to stderr). */
const ANSWER = "@@study-run ";

/** Lines of a byte stream (the last one without its newline too). */
async function* lines(stream: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  let rest = "";
  for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
    const parts = (rest + chunk).split("\n");
    rest = parts.pop()!;
    yield* parts;
  }
  if (rest) yield rest;
}

/**
 * Worker mode (`--worker`): reads one {@link RunSpec} JSON per line from stdin, runs it and answers
 * `@@study-run {"run": …}` (or `{"error": …}`) on stdout; ends when stdin closes, so a killed
 * parent leaves no worker behind for longer than its run in flight.
 */
async function worker(tasks: StudyTask[]): Promise<void> {
  const root = await Deno.makeTempDir({ prefix: "study-worker-" });
  const enc = new TextEncoder();
  try {
    for await (const line of lines(Deno.stdin.readable)) {
      if (!line.trim()) continue;
      const spec: RunSpec = JSON.parse(line);
      let answer;
      try {
        const t = tasks.find((t) => t.name === spec.task);
        if (!t) throw new UserError(`bench/study.ts --worker: unknown task "${spec.task}"`);
        answer = { run: await oneRun(t, spec.method, spec.seed, root) };
      } catch (e) {
        answer = { error: `${spec.task}/${spec.method}/seed${spec.seed}: ${(e as Error).stack}` };
      }
      try {
        await Deno.stdout.write(enc.encode(ANSWER + JSON.stringify(answer) + "\n"));
      } catch {
        break; // the parent is gone (killed): its run in flight is lost, as documented
      }
    }
  } finally {
    await Deno.remove(root, { recursive: true }).catch(() => {});
  }
}

/**
 * Runs `todo` in `jobs` worker processes (each takes the next run when free) and calls `done` in
 * this process for each finished run, in the order they finish. The first failed run stops the
 * workers from taking new runs; the runs in flight finish (and are kept), then it throws.
 */
async function runPool(
  todo: RunSpec[],
  jobs: number,
  workerArgs: string[],
  done: (run: StudyRun) => Promise<void>,
): Promise<void> {
  const queue = [...todo], enc = new TextEncoder();
  let failure: string | undefined;
  const one = async () => {
    const child = new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", import.meta.filename!, "--worker", ...workerArgs],
      stdin: "piped",
      stdout: "piped",
      stderr: "inherit",
    }).spawn();
    const stdin = child.stdin.getWriter(), answers = lines(child.stdout);
    try {
      while (queue.length && !failure) {
        const spec = queue.shift()!;
        await stdin.write(enc.encode(JSON.stringify(spec) + "\n"));
        let answer: { run?: StudyRun; error?: string } | undefined;
        // next() by hand: a for-await that breaks would close the worker's output stream
        for (let r = await answers.next(); !r.done; r = await answers.next()) {
          if (r.value.startsWith(ANSWER)) {
            answer = JSON.parse(r.value.slice(ANSWER.length));
            break;
          }
          console.error(r.value);
        }
        if (!answer) throw new Error(`study worker ended during ${JSON.stringify(spec)}`);
        if (answer.error) throw new Error(answer.error);
        await done(answer.run!);
      }
    } catch (e) {
      failure ??= (e as Error).message;
    } finally {
      await stdin.close().catch(() => {});
      for (let r = await answers.next(); !r.done; r = await answers.next()) console.error(r.value);
      await child.status;
    }
  };
  await Promise.all(Array.from({ length: jobs }, one));
  if (failure) throw new Error(`bench/study.ts: a run failed: ${failure}`);
}

/** A positive integer option, or a UserError naming it. */
function positiveInt(name: string, text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) {
    throw new UserError(`bench/study.ts: --${name} expects a positive integer, got "${text}"`);
  }
  return n;
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      quick: { type: "boolean", default: false },
      out: { type: "string" },
      tasks: { type: "string" },
      methods: { type: "string", default: METHODS.join(",") },
      seeds: { type: "string" },
      jobs: { type: "string" },
      threads: { type: "string" },
      worker: { type: "boolean", default: false },
      "report-only": { type: "boolean", default: false },
    },
  });
  const quick = values.quick;
  const out = values.out ?? (quick ? "runs/study-quick" : "bench/study");
  const names = values.tasks?.split(",") ??
    (quick ? QUICK_TASKS : STUDY_TASKS.map((t) => t.name));
  const all = STUDY_TASKS.map((t) => quick ? quickTask(t) : t);
  const tasks = all.filter((t) => names.includes(t.name));
  // one fixed intra-op thread count, whatever --jobs and the machine: results depend on it
  const threads = positiveInt("threads", values.threads ?? "1");
  configureRuntime({ threads });
  if (values.worker) {
    await worker(all);
    Deno.exit(0);
  }
  const methods = values.methods.split(",");
  const seeds = (values.seeds ?? (quick ? "0,1" : "0,1,2,3,4")).split(",").map(Number);
  await Deno.mkdir(out, { recursive: true });
  const path = `${out}/results.json`;
  const results: StudyResults = (await readResults(path)) ??
    { quick, settings: {}, runs: [] };
  for (const t of tasks) {
    const { open: _, ...settings } = t;
    results.settings[t.name] = settings;
  }
  // a run made with another budget than the task's current one is redone (and left out of the report)
  results.runs = results.runs.filter((r) => {
    const t = tasks.find((t) => t.name === r.task);
    return !t || r.budget === budgetOf(t);
  });
  const done = (t: StudyTask, m: string, s: number) =>
    results.runs.some((r) =>
      r.task === t.name && r.method === m && r.seed === s && r.budget === budgetOf(t)
    );
  // seeds outermost within a task: a partial study has every method for its first seeds
  const todo = tasks.flatMap((t) =>
    seeds.flatMap((s) => methods.filter((m) => !done(t, m, s)).map((m) => ({ t, m, s })))
  );
  const jobs = Math.max(
    1,
    Math.min(
      values.jobs ? positiveInt("jobs", values.jobs) : navigator.hardwareConcurrency,
      todo.length,
    ),
  );
  const t0 = performance.now(), started = new Date().toISOString(), loadavg = Deno.loadavg();
  if (!values["report-only"] && todo.length) {
    console.log(
      `${todo.length} runs to do (${results.runs.length} already in ${path}), ${jobs} ` +
        `process${jobs > 1 ? "es" : ""}`,
    );
    const bar = progress({ total: todo.length, label: "study" });
    // only this process writes results.json, one finished run at a time (atomic rename)
    let writing = Promise.resolve();
    const record = (run: StudyRun) =>
      writing = writing.then(async () => {
        results.runs = results.runs.filter((r) =>
          !(r.task === run.task && r.method === run.method && r.seed === run.seed)
        );
        results.runs.push(run);
        await writeAtomic(path, JSON.stringify(results, null, 1) + "\n");
        bar.tick(
          1,
          `${run.task}/${run.method}/seed${run.seed}: eval ${run.eval.reward.toFixed(3)} ` +
            `(${run.seconds.toFixed(0)}s)`,
        );
      });
    if (jobs === 1) {
      const root = await Deno.makeTempDir({ prefix: "study-" });
      try {
        for (const { t, m, s } of todo) await record(await oneRun(t, m, s, root));
      } finally {
        await Deno.remove(root, { recursive: true }).catch(() => {});
      }
    } else {
      const args = [...(quick ? ["--quick"] : []), "--threads", `${threads}`];
      const specs = todo.map(({ t, m, s }) => ({ task: t.name, method: m, seed: s }));
      await runPool(specs, jobs, args, record);
    }
    bar.done();
    const seconds = (performance.now() - t0) / 1000;
    (results.invocations ??= []).push({
      started,
      seconds,
      runs: todo.length,
      loadavg,
      jobs,
      threads,
    });
    await writeAtomic(path, JSON.stringify(results, null, 1) + "\n");
    console.log(
      `wall time of this invocation: ${seconds.toFixed(0)} s with ${jobs} process` +
        `${jobs > 1 ? "es" : ""} (load at start ${loadavg})`,
    );
  }
  if (!todo.length) console.log(`nothing to do: all ${results.runs.length} runs are in ${path}`);
  console.log(await writeStudyReport(results, out));
}
