/**
 * Reads the profile onnxruntime writes for a session opened with `profile` (see `runtime.ts`):
 * which execution provider ran each node, on which tensors, for how long. The WebGPU
 * provider takes only the nodes it has kernels for and leaves the rest (int64 and float64 math,
 * a few ops) to the CPU provider without a word; {@link hotOnCpu} finds the ones that matter.
 *
 * @module
 */
import { UserError } from "../util/errors.ts";

/** A tensor of a profiled node: element type as ORT names it (`float`, `int64`, …) and shape. */
export interface ProfiledTensor {
  /** ORT's element type name. */
  type: string;
  /** Shape. */
  shape: number[];
}

/** One kernel run of one node. */
export interface NodeRun {
  /** Node name (ours, or ORT's for nodes its optimizer made). */
  node: string;
  /** ONNX op type (after ORT's fusions, e.g. `FusedMatMul`). */
  op: string;
  /** The execution provider that ran it, e.g. `WebGpuExecutionProvider`. */
  provider: string;
  /** Input tensors. */
  inputs: ProfiledTensor[];
  /** Output tensors. */
  outputs: ProfiledTensor[];
  /** Kernel time in microseconds. */
  us: number;
}

type Shapes = Record<string, number[]>[] | undefined;

/** The fields of an ORT trace event this module reads. */
interface TraceEvent {
  cat?: string;
  name?: string;
  dur?: number;
  args?: {
    op_name?: string;
    provider?: string;
    input_type_shape?: Shapes;
    output_type_shape?: Shapes;
  };
}

function tensors(list: Shapes): ProfiledTensor[] {
  return (list ?? []).flatMap((t) => Object.entries(t).map(([type, shape]) => ({ type, shape })));
}

/**
 * Parses the text of an ORT profile (a JSON array of trace events) into its node runs.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseProfile } from "./profile.ts";
 * const runs = parseProfile(JSON.stringify([
 *   { cat: "Session", name: "model_run", dur: 9, args: {} },
 *   { cat: "Node", name: "MatMul_3_kernel_time", dur: 7, args: {
 *     op_name: "MatMul", provider: "WebGpuExecutionProvider",
 *     input_type_shape: [{ float: [2, 3] }, { float: [3, 4] }], output_type_shape: [{ float: [2, 4] }] } },
 * ]));
 * assert.deepEqual(runs.map((r) => [r.node, r.op, r.provider, r.outputs[0].shape, r.us]),
 *   [["MatMul_3", "MatMul", "WebGpuExecutionProvider", [2, 4], 7]]);
 * ```
 */
export function parseProfile(text: string, file = "profile"): NodeRun[] {
  let events: unknown;
  try {
    events = JSON.parse(text);
  } catch (e) {
    throw new UserError(`${file}: not JSON (${(e as Error).message})`);
  }
  if (!Array.isArray(events)) throw new UserError(`${file}: expected a JSON array of events`);
  const runs: NodeRun[] = [];
  for (const e of events as TraceEvent[]) {
    if (e.cat !== "Node" || !e.name?.endsWith("_kernel_time") || !e.args?.provider) continue;
    runs.push({
      node: e.name.slice(0, -"_kernel_time".length),
      op: String(e.args.op_name),
      provider: String(e.args.provider),
      inputs: tensors(e.args.input_type_shape),
      outputs: tensors(e.args.output_type_shape),
      us: Number(e.dur ?? 0),
    });
  }
  return runs;
}

/**
 * The newest `<prefix>_<timestamp>.json` file ORT wrote for a session profiled with `prefix`
 * (what `Session.endProfiling` returns), or undefined when there is none.
 */
export function latestProfile(prefix: string): string | undefined {
  const slash = prefix.lastIndexOf("/");
  const dir = slash >= 0 ? prefix.slice(0, slash) || "/" : ".";
  const base = prefix.slice(slash + 1);
  let best: { path: string; mtime: number } | undefined;
  for (const e of Deno.readDirSync(dir)) {
    if (!e.isFile || !e.name.startsWith(`${base}_`) || !e.name.endsWith(".json")) continue;
    const path = `${dir}/${e.name}`;
    const mtime = Deno.statSync(path).mtime?.getTime() ?? 0;
    if (!best || mtime >= best.mtime) best = { path, mtime };
  }
  return best?.path;
}

/** Reads and parses a profile file (see {@link parseProfile}). */
export function readProfile(path: string): NodeRun[] {
  return parseProfile(Deno.readTextFileSync(path), path);
}

/**
 * Ops that are hot whatever their size: the matrix products, softmaxes and normalizations that
 * hold nearly all of a transformer's arithmetic (ORT's fused forms included).
 */
export const HOT_OPS: ReadonlySet<string> = new Set([
  "MatMul",
  "Gemm",
  "FusedMatMul",
  "MatMulNBits",
  "Softmax",
  "LogSoftmax",
  "ReduceLogSumExp",
  "LayerNormalization",
  "SimplifiedLayerNormalization",
  "SkipLayerNormalization",
  "SkipSimplifiedLayerNormalization",
  "RotaryEmbedding",
  "MultiHeadAttention",
  "GroupQueryAttention",
]);

/**
 * The node runs that a GPU provider should have taken but the CPU provider ran: an op of
 * {@link HOT_OPS}, or any node with a tensor (input or output, any element type) of at least
 * `minElements` elements — pass the size of one activation, `B·T·hidden`: whatever is that big
 * costs as much to copy between host and device as to compute. What remains allowed on CPU is
 * index bookkeeping on `[B, T]` ids and positions and on shapes, which is small by this rule.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { hotOnCpu, type NodeRun } from "./profile.ts";
 * const run = (op: string, shape: number[], provider = "CPUExecutionProvider"): NodeRun =>
 *   ({ node: op, op, provider, inputs: [], outputs: [{ type: "float", shape }], us: 1 });
 * const runs = [run("Cast", [2, 8]), run("Equal", [16, 258]), run("Gemm", [2, 2]),
 *   run("MatMul", [16, 64], "WebGpuExecutionProvider")];
 * assert.deepEqual(hotOnCpu(runs, 512).map((r) => r.op), ["Equal", "Gemm"]);
 * ```
 */
export function hotOnCpu(runs: readonly NodeRun[], minElements: number): NodeRun[] {
  const size = (t: ProfiledTensor) => t.shape.reduce((a, b) => a * b, 1);
  return runs.filter((r) =>
    r.provider === "CPUExecutionProvider" &&
    (HOT_OPS.has(r.op) || [...r.inputs, ...r.outputs].some((t) => size(t) >= minElements))
  );
}

/**
 * Counts node runs per `op@provider` (for reports), most frequent first.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { providerCounts } from "./profile.ts";
 * const r = { node: "n", inputs: [], outputs: [], us: 1 };
 * assert.deepEqual(providerCounts([{ ...r, op: "Add", provider: "CPUExecutionProvider" },
 *   { ...r, op: "Add", provider: "CPUExecutionProvider" }]), { "Add@CPUExecutionProvider": 2 });
 * ```
 */
export function providerCounts(runs: readonly NodeRun[]): Record<string, number> {
  const counts = new Map<string, number>();
  for (const r of runs) {
    const k = `${r.op}@${r.provider}`;
    counts.set(k, (counts.get(k) ?? 0) + 1);
  }
  return Object.fromEntries([...counts].sort((a, b) => b[1] - a[1]));
}
