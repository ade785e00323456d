/**
 * Training checkpoints with exact resume. A checkpoint is a folder `<dir>/step-000123/` holding
 * one safetensors file per agent (`agent-0.safetensors`: tensors `param/<name>`, `m/<name>`,
 * `v/<name>`, all F32, bit-exact) and `state.json` (step counters, RNG states, data order and
 * cursor, config, metrics). It is written into a temporary folder in `dir` and renamed into
 * place, so a crash mid-write never leaves a `step-*` folder that {@link latestCheckpoint} picks.
 *
 * @module
 */
import type { TrainState } from "../engine/optim_step.ts";
import type { ParamStore } from "../model/params.ts";
import { loadSafetensors, type TensorMap } from "../model/safetensors.ts";
import { saveSafetensors, writeFileAtomic } from "../model/safetensors_write.ts";
import type { RngState } from "../util/rng.ts";
import { toJsonSafe } from "../util/jsonl.ts";
import { UserError } from "../util/errors.ts";
import type { HostData, HostTensor } from "../engine/runtime.ts";
export type { HostData, HostTensor, ParamStore, RngState, TrainState };

/** Everything needed to resume a run exactly. */
export interface Checkpoint {
  /** Trainer steps completed. */
  step: number;
  /** Each agent's parameters, AdamW moments and update count. */
  agents: TrainState[];
  /** Saved random streams by name (e.g. `sample/agent0`, `data`). */
  rng: Record<string, RngState>;
  /** The data order (row indices) and the next position in it. */
  data: { order: number[]; cursor: number };
  /** The run's configuration (e.g. `configToJson(cfg)`), stored as JSON. */
  config: unknown;
  /** Optional metrics to keep with the checkpoint (JSON; non-finite numbers become null). */
  metrics?: unknown;
}

/** A complete checkpoint folder found by {@link listCheckpoints}. */
export interface CheckpointEntry {
  /** Trainer step (from the folder name). */
  step: number;
  /** Folder path. */
  path: string;
}

const FORMAT = "magrpo-checkpoint";
const STATE = "state.json";
const STEP_DIR = /^step-(\d+)$/;
const SCRATCH = /^\.(tmp|old)-step-/;
const PREFIXES = ["param", "m", "v"] as const;
/** The TrainState field stored under each tensor-name prefix. */
const FIELD = { param: "params", m: "m", v: "v" } as const;

/** Folder name of a step: `step-000123` (6 digits at least). */
export function checkpointName(step: number): string {
  return `step-${String(step).padStart(6, "0")}`;
}

const isInt = (x: unknown, min = 0): x is number => Number.isSafeInteger(x) && (x as number) >= min;

function checkRng(state: unknown, where: string): RngState {
  const s = state as RngState;
  const byte = (x: unknown) => isInt(x) && (x as number) < 256;
  if (
    !s || typeof s !== "object" || !byte(s.i) || !byte(s.j) || !Array.isArray(s.S) ||
    s.S.length !== 256 || !s.S.every(byte)
  ) {
    throw new UserError(`${where}: expected an RNG state {i, j, S: 256 bytes}`);
  }
  return { i: s.i, j: s.j, S: [...s.S] };
}

function checkData(data: unknown, where: string): Checkpoint["data"] {
  const d = data as Checkpoint["data"];
  if (!d || !Array.isArray(d.order) || !d.order.every((x) => isInt(x))) {
    throw new UserError(`${where}.order: expected an array of row indices`);
  }
  if (!isInt(d.cursor) || d.cursor > d.order.length) {
    throw new UserError(
      `${where}.cursor: expected an integer in [0, ${d.order.length}], got ${
        JSON.stringify(d.cursor)
      }`,
    );
  }
  return { order: [...d.order], cursor: d.cursor };
}

/** One agent's state as safetensors tensors (F32 views of the same memory: no copies). */
function stateTensors(state: TrainState, agent: number): TensorMap {
  const out: TensorMap = {};
  for (const prefix of PREFIXES) {
    for (const [name, t] of Object.entries(state[FIELD[prefix]])) {
      if (!(t.data instanceof Float32Array)) {
        throw new UserError(
          `saveCheckpoint: agent ${agent} ${prefix}/${name} must be a Float32Array (F32 checkpoints), got ${t.data?.constructor?.name}`,
        );
      }
      out[`${prefix}/${name}`] = { dtype: "F32", shape: [...t.dims], data: t.data };
    }
  }
  return out;
}

/** JSON text with arrays of numbers kept on one line (RNG states, data order). */
function stringifyState(value: unknown): string {
  return JSON.stringify(value, null, 2).replace(
    /\[\n\s*(-?[\d.eE+-]+(?:,\n\s*-?[\d.eE+-]+)*)\n\s*\]/g,
    (_, inner: string) => `[${inner.replace(/\s+/g, "")}]`,
  ) + "\n";
}

/** fsyncs every file in a folder (best effort: a checkpoint should survive power loss too). */
async function syncFolder(path: string): Promise<void> {
  for await (const e of Deno.readDir(path)) {
    if (!e.isFile) continue;
    const f = await Deno.open(`${path}/${e.name}`, { read: true });
    try {
      await f.sync();
    } finally {
      f.close();
    }
  }
}

/**
 * Writes `ckpt` as `dir/step-NNNNNN/` atomically (temporary folder, then rename; an existing
 * folder of the same step is replaced) and returns its path.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { saveCheckpoint } from "./checkpoint.ts";
 * import { initTrainState } from "../engine/optim_step.ts";
 * import { makeRng } from "../util/rng.ts";
 * const dir = await Deno.makeTempDir(); // e.g. runs/<name>/checkpoints
 * const params = { w: { data: new Float32Array([1, 2]), dims: [2] } };
 * const path = await saveCheckpoint(dir, {
 *   step: 10, agents: [initTrainState(params)], rng: { data: makeRng(0).state() },
 *   data: { order: [2, 0, 1], cursor: 1 }, config: { steps: 100 },
 * });
 * assert.equal(path, `${dir}/step-000010`);
 * ```
 */
export async function saveCheckpoint(dir: string, ckpt: Checkpoint): Promise<string> {
  if (!isInt(ckpt.step)) {
    throw new UserError(`saveCheckpoint: step must be an integer ≥ 0, got ${ckpt.step}`);
  }
  if (!Array.isArray(ckpt.agents) || ckpt.agents.length === 0) {
    throw new UserError("saveCheckpoint: agents must be a non-empty array of TrainStates");
  }
  const rng: Record<string, RngState> = {};
  for (const [k, s] of Object.entries(ckpt.rng ?? {})) {
    rng[k] = checkRng(s, `saveCheckpoint: rng '${k}'`);
  }
  const data = checkData(ckpt.data, "saveCheckpoint: data");
  const tensors = ckpt.agents.map(stateTensors);
  const { value, nonFinite } = toJsonSafe({
    format: FORMAT,
    version: 1,
    step: ckpt.step,
    agents: ckpt.agents.map((a, i) => ({ file: `agent-${i}.safetensors`, step: a.step })),
    rng,
    data,
    config: ckpt.config ?? null,
    ...(ckpt.metrics === undefined ? {} : { metrics: ckpt.metrics }),
  }, "saveCheckpoint");
  if (nonFinite.length) {
    console.warn(
      `warning: saveCheckpoint: non-finite numbers stored as null at ${nonFinite.join(", ")}`,
    );
  }
  const name = checkpointName(ckpt.step), final = `${dir}/${name}`;
  const tag = `${name}-${crypto.randomUUID().slice(0, 8)}`;
  const tmp = `${dir}/.tmp-${tag}`, old = `${dir}/.old-${tag}`;
  try {
    await Deno.mkdir(tmp, { recursive: true });
    for (let i = 0; i < tensors.length; i++) {
      await saveSafetensors(`${tmp}/agent-${i}.safetensors`, tensors[i], {
        format: FORMAT,
        step: String(ckpt.agents[i].step),
      });
    }
    await writeFileAtomic(`${tmp}/${STATE}`, new TextEncoder().encode(stringifyState(value)));
    await syncFolder(tmp);
    const replacing = await Deno.stat(final).then(() => true, () => false);
    if (replacing) await Deno.rename(final, old);
    await Deno.rename(tmp, final);
    if (replacing) await Deno.remove(old, { recursive: true });
  } catch (err) {
    await Deno.remove(tmp, { recursive: true }).catch(() => {});
    if (err instanceof UserError) throw err;
    throw new UserError(`${final}: cannot write checkpoint (${(err as Error).message})`, {
      cause: err,
    });
  }
  return final;
}

/**
 * The complete checkpoints in `dir` (folders `step-N` with a `state.json`), oldest first;
 * temporary folders of interrupted saves are ignored. A missing `dir` gives `[]`.
 *
 * @example
 * ```ts
 * import { listCheckpoints, saveCheckpoint } from "./checkpoint.ts";
 * import assert from "node:assert/strict";
 * import { initTrainState } from "../engine/optim_step.ts";
 * import { makeRng } from "../util/rng.ts";
 * const dir = await Deno.makeTempDir(); // e.g. runs/<name>/checkpoints
 * const agents = [initTrainState({ w: { data: new Float32Array([1, 2]), dims: [2] } })];
 * const rng = { data: makeRng(0).state() }, data = { order: [1, 0], cursor: 1 };
 * for (const step of [2, 4, 6]) await saveCheckpoint(dir, { step, agents, rng, data, config: {} });
 * assert.deepEqual((await listCheckpoints(dir)).map((c) => c.step), [2, 4, 6]);
 * ```
 */
export async function listCheckpoints(dir: string): Promise<CheckpointEntry[]> {
  const out: CheckpointEntry[] = [];
  try {
    for await (const e of Deno.readDir(dir)) {
      const m = STEP_DIR.exec(e.name);
      if (!m || !e.isDirectory) continue;
      const path = `${dir}/${e.name}`;
      if (await Deno.stat(`${path}/${STATE}`).then((s) => s.isFile, () => false)) {
        out.push({ step: Number(m[1]), path });
      }
    }
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return [];
    throw new UserError(`${dir}: cannot list checkpoints (${(err as Error).message})`, {
      cause: err,
    });
  }
  return out.sort((a, b) => a.step - b.step);
}

/**
 * Path of the newest complete checkpoint in `dir`, or `undefined` when there is none.
 *
 * @example
 * ```ts
 * import { latestCheckpoint, loadCheckpoint, saveCheckpoint } from "./checkpoint.ts";
 * import assert from "node:assert/strict";
 * import { initTrainState } from "../engine/optim_step.ts";
 * import { makeRng } from "../util/rng.ts";
 * const dir = await Deno.makeTempDir(); // e.g. runs/<name>/checkpoints
 * const agents = [initTrainState({ w: { data: new Float32Array([1, 2]), dims: [2] } })];
 * const rng = { data: makeRng(0).state() }, data = { order: [1, 0], cursor: 1 };
 * for (const step of [2, 4, 6]) await saveCheckpoint(dir, { step, agents, rng, data, config: {} });
 * const path = await latestCheckpoint(dir);
 * assert.equal((await loadCheckpoint(path!)).step, 6);
 * ```
 */
export async function latestCheckpoint(dir: string): Promise<string | undefined> {
  return (await listCheckpoints(dir)).at(-1)?.path;
}

/** Splits one agent file's tensors back into a TrainState (every tensor F32, moments complete). */
function stateFromTensors(tensors: TensorMap, step: number, file: string): TrainState {
  const stores: Record<(typeof PREFIXES)[number], ParamStore> = { param: {}, m: {}, v: {} };
  for (const [key, t] of Object.entries(tensors)) {
    const slash = key.indexOf("/"), prefix = key.slice(0, slash) as (typeof PREFIXES)[number];
    if (slash < 0 || !PREFIXES.includes(prefix)) {
      throw new UserError(`${file}: unexpected tensor '${key}' (expected param/…, m/… or v/…)`);
    }
    if (t.dtype !== "F32") {
      throw new UserError(`${file}: tensor '${key}' is ${t.dtype}, expected F32`);
    }
    stores[prefix][key.slice(slash + 1)] = { data: t.data, dims: t.shape };
  }
  for (const name of Object.keys(stores.param)) {
    for (const p of ["m", "v"] as const) {
      if (!stores[p][name]) throw new UserError(`${file}: missing moment tensor '${p}/${name}'`);
    }
  }
  for (const p of ["m", "v"] as const) {
    for (const name of Object.keys(stores[p])) {
      if (!stores.param[name]) {
        throw new UserError(`${file}: '${p}/${name}' has no 'param/${name}'`);
      }
    }
  }
  return { params: stores.param, m: stores.m, v: stores.v, step };
}

/**
 * Loads a checkpoint folder (bit-exact TrainStates). Missing or corrupt pieces are a
 * {@link UserError} naming the file.
 *
 * @example
 * ```ts
 * import { loadCheckpoint, saveCheckpoint } from "./checkpoint.ts";
 * import assert from "node:assert/strict";
 * import { initTrainState } from "../engine/optim_step.ts";
 * import { makeRng } from "../util/rng.ts";
 * const dir = await Deno.makeTempDir(); // e.g. runs/<name>/checkpoints
 * const agents = [initTrainState({ w: { data: new Float32Array([1, 2]), dims: [2] } })];
 * const rng = { data: makeRng(0).state() }, data = { order: [1, 0], cursor: 1 };
 * for (const step of [2, 4, 6]) await saveCheckpoint(dir, { step, agents, rng, data, config: {} });
 * const ckpt = await loadCheckpoint(`${dir}/step-000004`);
 * const dataRng = makeRng(0, ckpt.rng.data); // continues where the saved stream stopped
 * assert.equal(dataRng.next(), makeRng(0).next());
 * ```
 */
export async function loadCheckpoint(path: string): Promise<Checkpoint> {
  const statePath = `${path}/${STATE}`;
  let state: Record<string, unknown>;
  try {
    state = JSON.parse(await Deno.readTextFile(statePath));
  } catch (err) {
    const why = err instanceof Deno.errors.NotFound
      ? "missing: not a complete checkpoint folder"
      : err instanceof SyntaxError
      ? `invalid JSON (${err.message})`
      : (err as Error).message;
    throw new UserError(`${statePath}: ${why}`, { cause: err });
  }
  if (!state || state.format !== FORMAT || !isInt(state.step)) {
    throw new UserError(`${statePath}: not a ${FORMAT} state file (needs format and step)`);
  }
  const agents = state.agents as { file?: unknown; step?: unknown }[];
  if (!Array.isArray(agents) || agents.length === 0) {
    throw new UserError(`${statePath}: agents must be a non-empty array`);
  }
  const rngIn = state.rng;
  if (!rngIn || typeof rngIn !== "object") {
    throw new UserError(`${statePath}: rng must be an object`);
  }
  const rng: Record<string, RngState> = {};
  for (const [k, s] of Object.entries(rngIn)) rng[k] = checkRng(s, `${statePath}: rng '${k}'`);
  const out: Checkpoint = {
    step: state.step,
    agents: [],
    rng,
    data: checkData(state.data, `${statePath}: data`),
    config: state.config,
  };
  if ("metrics" in state) out.metrics = state.metrics;
  for (const [i, a] of agents.entries()) {
    if (typeof a?.file !== "string" || a.file.includes("/") || !isInt(a.step)) {
      throw new UserError(
        `${statePath}: agents[${i}] must be {file: a file name, step: an integer}`,
      );
    }
    const file = `${path}/${a.file}`;
    out.agents.push(stateFromTensors((await loadSafetensors(file)).tensors, a.step, file));
  }
  return out;
}

/**
 * Deletes all but the newest `keep` complete checkpoints in `dir`, and the temporary folders
 * of interrupted saves. Do not run it while another process saves into `dir`. Returns the
 * removed paths.
 *
 * @example
 * ```ts
 * import { listCheckpoints, pruneCheckpoints, saveCheckpoint } from "./checkpoint.ts";
 * import assert from "node:assert/strict";
 * import { initTrainState } from "../engine/optim_step.ts";
 * import { makeRng } from "../util/rng.ts";
 * const dir = await Deno.makeTempDir(); // e.g. runs/<name>/checkpoints
 * const agents = [initTrainState({ w: { data: new Float32Array([1, 2]), dims: [2] } })];
 * const rng = { data: makeRng(0).state() }, data = { order: [1, 0], cursor: 1 };
 * for (const step of [2, 4, 6]) await saveCheckpoint(dir, { step, agents, rng, data, config: {} });
 * await pruneCheckpoints(dir, 2); // keeps the two newest
 * assert.deepEqual((await listCheckpoints(dir)).map((c) => c.step), [4, 6]);
 * ```
 */
export async function pruneCheckpoints(dir: string, keep: number): Promise<string[]> {
  if (!isInt(keep, 1)) {
    throw new UserError(`pruneCheckpoints: keep must be an integer ≥ 1, got ${keep}`);
  }
  const all = await listCheckpoints(dir);
  const doomed = all.slice(0, Math.max(0, all.length - keep)).map((c) => c.path);
  try {
    for await (const e of Deno.readDir(dir)) {
      if (e.isDirectory && SCRATCH.test(e.name)) doomed.push(`${dir}/${e.name}`);
    }
  } catch (err) {
    if (!(err instanceof Deno.errors.NotFound)) throw err;
  }
  for (const p of doomed) await Deno.remove(p, { recursive: true });
  return doomed;
}
