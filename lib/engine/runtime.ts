/**
 * Runs emitted ONNX models with onnxruntime-node on an execution provider chosen by the
 * caller (`"cpu"` by default, `"webgpu"` on GPUs, `"cuda"` where ORT's CUDA libraries are
 * installed). If the requested provider cannot start, the session falls back to CPU and says
 * why, once, in one line.
 *
 * Host tensors are plain `{data, dims}` objects; inputs are passed zero-copy, outputs are new
 * buffers (onnxruntime copies them).
 *
 * @module
 */
import * as ort from "onnxruntime-node";
import { UserError } from "../util/errors.ts";

/** An execution provider name. */
export type ExecutionProvider = "cpu" | "webgpu" | "cuda";

/** Typed-array storage of a host tensor. */
export type HostData =
  | Float32Array
  | Float64Array
  | BigInt64Array
  | Int32Array
  | Uint8Array;

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
  /** Intra-op threads (default: ORT's choice, i.e. all cores). Fix it for bit-exact runs. */
  threads?: number;
  /** Fall back to CPU when `ep` fails (default true); when false, the failure is thrown. */
  fallback?: boolean;
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
}

function ortType(data: HostData): ort.Tensor.Type {
  if (data instanceof Float32Array) return "float32";
  if (data instanceof Float64Array) return "float64";
  if (data instanceof BigInt64Array) return "int64";
  if (data instanceof Int32Array) return "int32";
  return "bool";
}

function toOrt(name: string, t: HostTensor): ort.Tensor {
  const n = t.dims.reduce((a, b) => a * b, 1);
  if (n !== t.data.length) {
    throw new UserError(
      `session input '${name}': dims [${t.dims}] need ${n} elements, data has ${t.data.length}`,
    );
  }
  return new ort.Tensor(ortType(t.data), t.data, t.dims);
}

async function create(
  model: Uint8Array,
  ep: ExecutionProvider,
  opts: SessionOptions,
): Promise<ort.InferenceSession> {
  return await ort.InferenceSession.create(model, {
    executionProviders: [ep],
    graphOptimizationLevel: opts.optimization ?? "all",
    // A provider that may be missing reports through our one-line fallback message instead.
    ...(ep !== "cpu" ? { logSeverityLevel: 4 as const } : {}),
    executionMode: "sequential",
    interOpNumThreads: 1,
    ...(opts.threads ? { intraOpNumThreads: opts.threads } : {}),
  });
}

/**
 * Opens a session for ONNX model bytes.
 *
 * @example
 * ```ts
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
  let s: ort.InferenceSession;
  try {
    s = await create(model, ep, opts);
  } catch (err) {
    const why = String((err as Error)?.message ?? err).split("\n")[0];
    if (ep === "cpu") {
      throw new UserError(`onnxruntime could not load the model: ${why}`);
    }
    if (opts.fallback === false) {
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
  return {
    ep,
    inputNames: s.inputNames,
    outputNames: s.outputNames,
    async run(feeds, fetch) {
      const inputs: Record<string, ort.Tensor> = {};
      for (const name of s.inputNames) {
        const t = feeds[name];
        if (!t) throw new UserError(`session: missing input '${name}'`);
        inputs[name] = toOrt(name, t);
      }
      const res = fetch ? await s.run(inputs, fetch) : await s.run(inputs);
      const out: Record<string, HostTensor> = {};
      for (const [k, v] of Object.entries(res)) {
        out[k] = { data: v.data as HostData, dims: v.dims.slice() as number[] };
      }
      return out;
    },
    release: () => s.release(),
  };
}
