/**
 * Runs emitted ONNX models with onnxruntime-node on an execution provider chosen by the
 * caller (`"cpu"` by default, `"webgpu"` on GPUs, `"cuda"` where ORT's CUDA libraries are
 * installed). If the requested provider cannot start, the session falls back to CPU and says
 * why, once, in one line.
 *
 * Host tensors are plain `{data, dims}` objects; inputs are passed zero-copy, outputs are new
 * buffers (onnxruntime copies them). onnxruntime's native binding loads on the first
 * {@link openSession}, not at import: importing this module needs no permissions.
 *
 * @module
 */
import type * as Ort from "npm:onnxruntime-node@1.30.0";
import { latestProfile } from "./profile.ts";
import { UserError } from "../util/errors.ts";
import { RECOMPUTE_MARKER } from "./onnx.ts";

/** An execution provider name. */
export type ExecutionProvider = "cpu" | "webgpu" | "cuda";

/** Typed-array storage of a host tensor. */
export type HostData =
  | Float32Array
  | Float64Array
  | BigInt64Array
  | Int32Array
  | Uint8Array
  /** float16 bit patterns (IEEE half); ORT's `float16` tensors take a Uint16Array. */
  | Uint16Array;

/** A tensor in JS memory. */
export interface HostTensor {
  /** Elements in row-major order. */
  data: HostData;
  /** Shape. */
  dims: number[];
}

/** Options for {@link openSession}. */
export interface SessionOptions {
  /** Execution provider to try first (default `"cpu"`). */
  ep?: ExecutionProvider;
  /**
   * Intra-op threads (default: 1 when the model has a ScatterND node, else
   * {@link RuntimeSettings.threads} or ORT's choice). Setting it overrides both.
   */
  threads?: number;
  /**
   * Fall back to CPU when `ep` fails (default: {@link RuntimeSettings.fallback}, true); when
   * false, the failure is thrown as a `UserError`, never a silent CPU run.
   */
  fallback?: boolean;
  /**
   * Write ORT's profile (one JSON event per node and run, naming the provider that ran it) to
   * `<profile>_<timestamp>.json`; {@link Session.endProfiling} ends it and returns the path.
   */
  profile?: string;
  /**
   * ORT graph optimization level (default `"all"`). Use `"basic"` for float64 graphs: some
   * extended fusions (e.g. SiLU → QuickGelu) have float32-only kernels.
   */
  optimization?: "disabled" | "basic" | "extended" | "all";
  /** Where the fallback message goes (default `console.warn`). */
  warn?: (message: string) => void;
}

/** An open inference session. */
export interface Session {
  /** The provider actually used. */
  readonly ep: ExecutionProvider;
  /** Declared input names. */
  readonly inputNames: readonly string[];
  /** Declared output names. */
  readonly outputNames: readonly string[];
  /** Runs the model; feeds not declared by the model are ignored. */
  run(
    feeds: Record<string, HostTensor>,
    fetch?: string[],
  ): Promise<Record<string, HostTensor>>;
  /** Frees native memory. */
  release(): Promise<void>;
  /**
   * Ends profiling (sessions opened with {@link SessionOptions.profile}) and returns the path
   * of the profile file ORT wrote; undefined when not profiling.
   */
  endProfiling?(): string | undefined;
  /**
   * Frees native memory once the runs in flight have ended (at once when none are); a later
   * `run` is refused. What a bounded cache (`SessionCache`, session_cache.ts) calls on eviction.
   */
  retire?(): void;
}

let ortModule: typeof Ort | undefined;

/**
 * onnxruntime-node, loaded on first use (its native binding needs `--allow-ffi`). Sets
 * `ORT_DISABLE_TELEMETRY=1` first (when the process may write its environment) so that no
 * build of ORT sends usage events from our processes.
 */
async function loadOrt(): Promise<typeof Ort> {
  if (!ortModule) {
    try {
      Deno.env.set("ORT_DISABLE_TELEMETRY", "1");
    } catch { /* no --allow-env: the launch scripts export it */ }
  }
  return ortModule ??= await import("npm:onnxruntime-node@1.30.0");
}

function ortType(data: HostData): Ort.Tensor.Type {
  if (data instanceof Float32Array) return "float32";
  if (data instanceof Float64Array) return "float64";
  if (data instanceof BigInt64Array) return "int64";
  if (data instanceof Int32Array) return "int32";
  if (data instanceof Uint16Array) return "float16";
  return "bool";
}

/** Bytes that crossed between JS and onnxruntime, counted by every {@link Session.run}. */
export interface TransferStats {
  /** `session.run` calls. */
  runs: number;
  /**
   * Bytes of the input tensors handed to ORT. CPU inputs are wrapped, not copied (the binding
   * builds its OrtValue over the typed array's own memory; measured in bench/transfer.ts), so
   * these bytes are read in place: what they cost is memory that must stay resident in JS.
   */
  inBytes: number;
  /** Bytes of the output tensors returned to JS (buffers ORT allocated during the run). */
  outBytes: number;
}

const transfer: TransferStats = { runs: 0, inBytes: 0, outBytes: 0 };

/**
 * The transfer counters since the last {@link resetTransferStats} (a copy).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { resetTransferStats, transferStats } from "./runtime.ts";
 * resetTransferStats();
 * assert.deepEqual(transferStats(), { runs: 0, inBytes: 0, outBytes: 0 });
 * ```
 */
export function transferStats(): TransferStats {
  return { ...transfer };
}

/** Sets the transfer counters of {@link transferStats} to zero; returns what they were. */
export function resetTransferStats(): TransferStats {
  const before = transferStats();
  transfer.runs = transfer.inBytes = transfer.outBytes = 0;
  return before;
}

function toOrt(ort: typeof Ort, name: string, t: HostTensor): Ort.Tensor {
  const n = t.dims.reduce((a, b) => a * b, 1);
  if (n !== t.data.length) {
    throw new UserError(
      `session input '${name}': dims [${t.dims}] need ${n} elements, data has ${t.data.length}`,
    );
  }
  const tensor = new ort.Tensor(ortType(t.data), t.data, t.dims);
  if (t.data instanceof Uint16Array) {
    // Where the JS runtime has Float16Array (Deno does), onnxruntime-common 1.30 wraps float16
    // data in one, which the 1.30 native binding rejects ("not enough space … got 0"): hand it
    // the Uint16Array itself (same memory, still zero-copy).
    Object.defineProperty(tensor, "data", { value: t.data });
  }
  return tensor;
}

/**
 * Process-wide settings that {@link openSession} applies to every session (set them with
 * {@link configureRuntime}; the trainer does so from its config).
 */
export interface RuntimeSettings {
  /**
   * Bit-identical results from run to run (default true): ORT's
   * `session.use_deterministic_compute`, a fixed intra-op thread count, and any graph holding
   * ScatterND (whose CPU "add" kernel races on repeated indices, see {@link hasScatterND}) on one
   * thread. The embedding backward is a one-hot MatMul rather than ScatterND (lib/engine/rules.ts),
   * so train steps keep every core; the kernels they use were measured bit-stable on 2 threads
   * (tests/trainer_resume_envs_test.ts). Bit-identical means for one thread count: 1 and 2
   * threads sum some reductions in another order and can give different runs (measured in
   * bench/RESULTS.md, study section), so set {@link RuntimeSettings.threads} to compare runs
   * across machines with different core counts. False: the same on CPU today, minus ORT's
   * deterministic-compute flag (which matters on GPU providers).
   */
  deterministic: boolean;
  /** Intra-op threads (default: ORT's choice, i.e. the physical cores; fixed per machine). */
  threads?: number;
  /**
   * ORT's CPU memory arena (default false). The arena keeps the peak allocation of every input
   * shape a session has seen, so with variable prompt lengths resident memory grows without
   * bound; off, tensors are freed after each run (see bench/RESULTS.md for the cost).
   */
  cpuArena: boolean;
  /** ORT's memory-pattern planning, which caches one plan per input shape (default false). */
  memPattern: boolean;
  /**
   * A requested execution provider that cannot start falls back to CPU with one warning
   * (default true); false makes it an error (config `epFallback`, CLI `--no-fallback`).
   */
  fallback: boolean;
  /**
   * Profile every session opened from now on to `<profile>_<timestamp>.json` (see
   * {@link SessionOptions.profile}; default off). For finding which nodes a provider left to CPU.
   */
  profile?: string;
  /**
   * Compiled graphs kept per shape-keyed cache (the update's train steps, scoring; default 12):
   * each holds ~10 MB, and varied prompt lengths compile one per padded shape.
   */
  shapeSessions: number;
}

/** The settings a fresh process starts with. */
export const DEFAULT_RUNTIME: Readonly<RuntimeSettings> = Object.freeze({
  deterministic: true,
  cpuArena: false,
  memPattern: false,
  fallback: true,
  shapeSessions: 12,
});

let settings: RuntimeSettings = { ...DEFAULT_RUNTIME };

/**
 * Changes the settings of sessions opened from now on (already-open sessions keep theirs: the
 * session caches key on {@link runtimeKey}, so a changed setting compiles new ones). Returns the
 * previous settings, to restore them.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { configureRuntime, runtimeSettings } from "./runtime.ts";
 * const before = configureRuntime({ deterministic: false });
 * assert.deepEqual(runtimeSettings().deterministic, false);
 * configureRuntime(before);
 * ```
 */
export function configureRuntime(change: Partial<RuntimeSettings>): RuntimeSettings {
  const before = settings;
  settings = { ...settings, ...change };
  return { ...before };
}

/** The current process-wide settings (a copy). */
export function runtimeSettings(): RuntimeSettings {
  return { ...settings };
}

/** A string naming the current settings, for the keys of caches of compiled sessions. */
export function runtimeKey(): string {
  const s = settings;
  return `${s.deterministic ? "det" : `fast${s.threads ?? ""}`}/` +
    `${s.cpuArena ? "arena" : "noarena"}/${s.memPattern ? "pattern" : "nopattern"}` +
    (s.fallback ? "" : "/nofallback");
}

const SCATTER_ND = new TextEncoder().encode("ScatterND");
const RECOMPUTES = new TextEncoder().encode(RECOMPUTE_MARKER);

/**
 * Whether the model holds a ScatterND node (the backward of Gather, i.e. of every embedding
 * lookup). onnxruntime 1.30's CPU ScatterND with `reduction="add"` is not thread-safe: with
 * more than one intra-op thread, updates of repeated indices (a token that occurs twice) can be
 * lost, so such graphs always run on one thread (measured in bench/RESULTS.md).
 */
export function hasScatterND(model: Uint8Array): boolean {
  return containsBytes(model, SCATTER_ND);
}

/** Whether `bytes` contains `pattern`. */
function containsBytes(bytes: Uint8Array, pattern: Uint8Array): boolean {
  const first = pattern[0], n = pattern.length;
  outer: for (
    let i = bytes.indexOf(first);
    i >= 0 && i + n <= bytes.length;
    i = bytes.indexOf(first, i + 1)
  ) {
    for (let k = 1; k < n; k++) if (bytes[i + k] !== pattern[k]) continue outer;
    return true;
  }
  return false;
}

async function create(
  model: Uint8Array,
  ep: ExecutionProvider,
  opts: SessionOptions,
): Promise<Ort.InferenceSession> {
  const ort = await loadOrt();
  const threads = opts.threads ??
    (ep === "cpu" && hasScatterND(model) ? 1 : settings.threads);
  return await ort.InferenceSession.create(model, {
    executionProviders: [ep],
    graphOptimizationLevel: opts.optimization ?? "all",
    // A provider that may be missing reports through our one-line fallback message instead.
    ...(ep !== "cpu" ? { logSeverityLevel: 4 as const } : {}),
    executionMode: "sequential",
    interOpNumThreads: 1,
    ...(threads ? { intraOpNumThreads: threads } : {}),
    enableCpuMemArena: settings.cpuArena,
    enableMemPattern: settings.memPattern,
    // The Node binding takes flat "section.key" config entries with string values.
    extra: {
      ...(settings.deterministic ? { "session.use_deterministic_compute": "1" } : {}),
      // A backward pass that recomputes forward values (re-widened float16 weights, chunked
      // logits) must not have them merged back into the forward ones (see onnx.ts).
      ...(containsBytes(model, RECOMPUTES)
        ? { "optimization.disable_specified_optimizers": "CommonSubexpressionElimination" }
        : {}),
    },
    ...(opts.profile ? { enableProfiling: true, profileFilePrefix: opts.profile } : {}),
  });
}

let live = 0;

/** How many sessions are open now (opened by {@link openSession} and not released). */
export function openSessionCount(): number {
  return live;
}

/**
 * Opens a session for ONNX model bytes.
 *
 * @example
 * ```ts ignore
 * import { openSession } from "./runtime.ts";
 * declare const bytes: Uint8Array;
 * const s = await openSession(bytes, { ep: "webgpu" }); // falls back to CPU without a GPU
 * const out = await s.run({ x: { data: new Float32Array([1, 2]), dims: [2] } });
 * ```
 */
export async function openSession(
  model: Uint8Array,
  opts: SessionOptions = {},
): Promise<Session> {
  let ep = opts.ep ?? "cpu";
  if (opts.profile === undefined && settings.profile) opts = { ...opts, profile: settings.profile };
  let s: Ort.InferenceSession;
  try {
    s = await create(model, ep, opts);
  } catch (err) {
    const why = String((err as Error)?.message ?? err).split("\n")[0];
    if (ep === "cpu") {
      throw new UserError(`onnxruntime could not load the model: ${why}`);
    }
    if ((opts.fallback ?? settings.fallback) === false) {
      throw new UserError(
        `execution provider '${ep}' is not available: ${why}`,
      );
    }
    (opts.warn ?? console.warn)(
      `execution provider '${ep}' is not available (${why}); falling back to 'cpu'`,
    );
    ep = "cpu";
    s = await create(model, ep, opts);
  }
  live++;
  let inFlight = 0, state: "open" | "retiring" | "released" = "open";
  const free = () => {
    if (state === "released") return Promise.resolve();
    state = "released";
    live--;
    return s.release();
  };
  return {
    ep,
    inputNames: s.inputNames,
    outputNames: s.outputNames,
    async run(feeds, fetch) {
      if (state === "released") {
        throw new UserError("session: run after release (a bounded session cache evicted it)");
      }
      const inputs: Record<string, Ort.Tensor> = {};
      for (const name of s.inputNames) {
        const t = feeds[name];
        if (!t) throw new UserError(`session: missing input '${name}'`);
        inputs[name] = toOrt(ortModule!, name, t);
        transfer.inBytes += t.data.byteLength;
      }
      transfer.runs++;
      inFlight++;
      let res: Ort.InferenceSession.ReturnType;
      try {
        res = fetch ? await s.run(inputs, fetch) : await s.run(inputs);
      } finally {
        if (--inFlight === 0 && state === "retiring") void free();
      }
      const out: Record<string, HostTensor> = {};
      for (const [k, v] of Object.entries(res)) {
        out[k] = { data: v.data as HostData, dims: v.dims.slice() as number[] };
        transfer.outBytes += (v.data as HostData).byteLength;
      }
      return out;
    },
    release: free,
    endProfiling() {
      if (!opts.profile) return undefined;
      s.endProfiling();
      return latestProfile(opts.profile);
    },
    retire() {
      if (state !== "open") return;
      state = "retiring";
      if (inFlight === 0) void free();
    },
  };
}
