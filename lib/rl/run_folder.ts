/**
 * The run folder `<dir>/` of a training run: `config.json`, `metrics.jsonl`,
 * `checkpoints/step-N/` and, at the end, `agent-i/`. {@link prepareRun} makes it consistent
 * before the first step:
 *
 * - fresh (no checkpoint, or `resume: false`): the previous run's `metrics.jsonl`, checkpoints
 *   and `agent-i/` folders are removed (said in one line), so neither its log lines nor its
 *   checkpoints can mix with the new run's;
 * - resume: the newest checkpoint's config must equal the current one except for
 *   `RESUME_SAFE_KEYS` (else a {@link UserError} naming the keys); `metrics.jsonl` is cut back
 *   (atomically) to the records of steps ≤ the checkpoint's step, so steps logged after the
 *   checkpoint and run again are not logged twice.
 *
 * @module
 */
import { RESUME_SAFE_KEYS, resumeConflicts, type TrainerConfig } from "./config.ts";
import {
  type Checkpoint,
  latestCheckpoint,
  listCheckpoints,
  loadCheckpoint,
} from "./checkpoint.ts";
import { filterJsonl } from "../util/jsonl.ts";
import { UserError } from "../util/errors.ts";

/** Paths inside a run folder. */
export interface RunFiles {
  /** The run folder. */
  dir: string;
  /** `<dir>/metrics.jsonl`. */
  metrics: string;
  /** `<dir>/checkpoints`. */
  checkpoints: string;
}

/** The paths of a run folder. */
export function runFiles(dir: string): RunFiles {
  return { dir, metrics: `${dir}/metrics.jsonl`, checkpoints: `${dir}/checkpoints` };
}

/** The run's other log files: completions, TensorBoard events, manifest, figure, report. */
const RUN_LOGS =
  /^(completions\.jsonl|manifest\.json|curves\.(html|png)|report\.html|events\.out\.tfevents\..+)$/;

const exists = (p: string) => Deno.stat(p).then(() => true, () => false);

/**
 * Removes a previous run's outputs from `dir` (its `metrics.jsonl`, `checkpoints/`,
 * `agent-<i>/` folders, `completions.jsonl`, TensorBoard event files, `manifest.json`,
 * `curves.html`/`.png` and `report.html`; anything else is left alone). Returns what was removed, for one line
 * of output (empty when there was nothing).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { clearRun } from "./run_folder.ts";
 * const dir = await Deno.makeTempDir(); // e.g. runs/<name>
 * await Deno.writeTextFile(`${dir}/metrics.jsonl`, '{"step":1}\n');
 * // on a real run folder, e.g. ["metrics.jsonl (12 lines)", "2 checkpoints", "agent-0", "agent-1"]
 * assert.deepEqual(await clearRun(dir), ["metrics.jsonl (1 line)"]);
 * ```
 */
export async function clearRun(dir: string): Promise<string[]> {
  const f = runFiles(dir), removed: string[] = [];
  if (await exists(f.metrics)) {
    const lines = (await Deno.readTextFile(f.metrics)).split("\n").filter((l) => l.trim()).length;
    await Deno.remove(f.metrics);
    removed.push(`metrics.jsonl (${lines} line${lines === 1 ? "" : "s"})`);
  }
  if (await exists(f.checkpoints)) {
    const n = (await listCheckpoints(f.checkpoints)).length;
    await Deno.remove(f.checkpoints, { recursive: true });
    removed.push(`${n} checkpoint${n === 1 ? "" : "s"}`);
  }
  const agents: string[] = [], logs: string[] = [];
  try {
    for await (const e of Deno.readDir(dir)) {
      if (e.isDirectory && /^agent-\d+$/.test(e.name)) agents.push(e.name);
      if (e.isFile && RUN_LOGS.test(e.name)) logs.push(e.name);
    }
  } catch (err) {
    if (!(err instanceof Deno.errors.NotFound)) throw err;
  }
  for (const a of agents.sort()) {
    await Deno.remove(`${dir}/${a}`, { recursive: true });
    removed.push(a);
  }
  for (const l of logs.sort()) await Deno.remove(`${dir}/${l}`);
  const events = logs.filter((l) => l.startsWith("events.out.tfevents.")).length;
  if (events) removed.push(`${events} TensorBoard event file${events === 1 ? "" : "s"}`);
  if (logs.includes("completions.jsonl")) removed.push("completions.jsonl");
  return removed;
}

/**
 * Makes sure `dir` is a folder this process can write (creating it when missing), before
 * anything in it is read or removed.
 *
 * @throws {UserError} naming `log.dir` when `dir` (or a folder above it) is a file, or when the
 * folder cannot be created or written (permissions, read-only file system)
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ensureWritableRunDir } from "./run_folder.ts";
 * const dir = `${await Deno.makeTempDir()}/run`; // e.g. runs/<name>
 * await ensureWritableRunDir(dir); // creates it
 * assert.ok((await Deno.stat(dir)).isDirectory);
 * ```
 */
export async function ensureWritableRunDir(dir: string): Promise<void> {
  const st = await Deno.stat(dir).catch(() => undefined);
  if (st && !st.isDirectory) {
    throw new UserError(
      `log.dir: the run folder ${dir} is a file, not a folder; set log.dir to a folder path`,
    );
  }
  try {
    await Deno.mkdir(dir, { recursive: true });
    await Deno.remove(await Deno.makeTempFile({ dir, prefix: ".write-test-" }));
  } catch (err) {
    const why = err instanceof Deno.errors.NotADirectory || /not a directory/i.test(String(err))
      ? "a path component above it is a file"
      : (err as Error).message;
    throw new UserError(
      `log.dir: cannot create or write the run folder ${dir} (${why}); set log.dir to a ` +
        `writable folder`,
      { cause: err },
    );
  }
}

/**
 * A run folder that holds no earlier run: `base` when it has no `metrics.jsonl`, else the first
 * free `base-2`, `base-3`, … (so that a rerun never overwrites an earlier one).
 *
 * @example
 * ```ts
 * import { nextRunDir } from "./run_folder.ts";
 * await nextRunDir("runs/main-magrpo-toy-seed0"); // "runs/main-magrpo-toy-seed0-2" after one run
 * ```
 */
export async function nextRunDir(base: string): Promise<string> {
  for (let k = 1;; k++) {
    const dir = k === 1 ? base : `${base}-${k}`;
    if (!(await exists(runFiles(dir).metrics)) && !(await exists(runFiles(dir).checkpoints))) {
      return dir;
    }
  }
}

/** What {@link prepareRun} decided. */
export interface PreparedRun {
  /** The checkpoint to continue from (undefined: a fresh run). */
  checkpoint?: Checkpoint;
  /** The one line that says what was done to the folder (undefined: nothing to say). */
  message?: string;
}

/**
 * Makes the run folder ready for `cfg` (see the module doc) and writes `config.json`.
 * With `resume` false the run starts over even when checkpoints exist.
 *
 * @throws {UserError} when resuming with a config that differs in keys other than
 * `RESUME_SAFE_KEYS`; the message lists them and suggests `--fresh`; when the folder is a file
 * or cannot be written (see {@link ensureWritableRunDir})
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { prepareRun } from "./run_folder.ts";
 * import { DEFAULT_CONFIG } from "./config.ts";
 * const dir = await Deno.makeTempDir(); // e.g. runs/<name>
 * const { checkpoint } = await prepareRun(DEFAULT_CONFIG, dir, true);
 * assert.equal(checkpoint, undefined); // nothing to resume in a new folder
 * ```
 */
export async function prepareRun(
  cfg: TrainerConfig,
  dir: string,
  resume: boolean,
): Promise<PreparedRun> {
  await ensureWritableRunDir(dir);
  const f = runFiles(dir);
  const latest = resume ? await latestCheckpoint(f.checkpoints) : undefined;
  const out: PreparedRun = {};
  if (latest) {
    const ck = await loadCheckpoint(latest);
    const saved = ck.config;
    if (!saved || typeof saved !== "object") {
      throw new UserError(
        `${latest}: the checkpoint stores no config, so it cannot be checked against this one; ` +
          `start over with --fresh (train(cfg, { resume: false }))`,
      );
    }
    const diff = resumeConflicts(saved, cfg);
    if (diff.length) {
      throw new UserError(
        `${latest}: cannot resume, the config differs from the checkpoint's in ` +
          `${diff.length} key${diff.length > 1 ? "s" : ""} (saved → current):\n` +
          diff.map((d) => `  - ${d}`).join("\n") +
          `\nRestore ${diff.length > 1 ? "these values" : "this value"}, or start over with ` +
          `--fresh (train(cfg, { resume: false })). Keys that may change on resume: ` +
          `${RESUME_SAFE_KEYS.join(", ")}.`,
      );
    }
    if (ck.step > cfg.steps) {
      throw new UserError(
        `${latest}: the checkpoint is at step ${ck.step}, beyond steps = ${cfg.steps}; ` +
          `raise steps, or start over with --fresh (train(cfg, { resume: false }))`,
      );
    }
    const dropped = await filterJsonl(
      f.metrics,
      (r) => typeof r.step !== "number" || r.step <= ck.step,
    );
    await filterJsonl(`${dir}/completions.jsonl`, (r) => !(Number(r.step) > ck.step));
    out.checkpoint = ck;
    out.message = `resuming ${dir} from step ${ck.step}` +
      (dropped ? ` (dropped ${dropped} metrics line${dropped > 1 ? "s" : ""} of later steps)` : "");
  } else {
    const removed = await clearRun(dir);
    if (removed.length) {
      out.message = `fresh run in ${dir}: removed the previous run's ${removed.join(", ")}`;
    }
  }
  await Deno.mkdir(dir, { recursive: true });
  await Deno.writeTextFile(`${dir}/config.json`, JSON.stringify(cfg, null, 2) + "\n");
  return out;
}
