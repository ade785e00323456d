/**
 * The symbolic graph: tensors with a dtype and a shape, nodes that are ONNX ops, and the
 * bookkeeping to create them. A {@link Graph} is built once in TypeScript, differentiated by
 * `grad()`, and emitted as ONNX by `toOnnx()`; no numbers flow through it in JS.
 *
 * Shapes are known at build time. A dimension is a number or a symbolic name (e.g. `"batch"`);
 * shape errors are raised here, naming the op and the shapes involved.
 *
 * @module
 */
import { UserError } from "../util/errors.ts";

/**
 * Element types the engine emits. `float16` is a storage type only (a frozen base kept in half
 * precision and widened with a Cast): it is not differentiable ({@link isFloat} is false) and
 * the engine builds no float16 constants.
 */
export type DType = "float32" | "float64" | "int64" | "int32" | "bool" | "float16";

/** A dimension: a fixed size or a symbolic name resolved when the graph runs. */
export type Dim = number | string;

/** Constant data for an initializer. */
export type ConstData =
  | Float32Array
  | Float64Array
  | BigInt64Array
  | Int32Array
  | Uint8Array
  | Uint16Array;

/** An ONNX attribute value, tagged with its ONNX type. */
export type Attr =
  | { kind: "int"; value: number }
  | { kind: "float"; value: number }
  | { kind: "ints"; value: number[] }
  | { kind: "floats"; value: number[] }
  | { kind: "string"; value: string }
  | { kind: "tensor"; dtype: DType; dims: number[]; data: ConstData };

/** A symbolic tensor: a value inside a {@link Graph}. */
export interface Tensor {
  /** Unique id within the graph. */
  readonly id: number;
  /** The graph this tensor belongs to. */
  readonly graph: Graph;
  /** Element type. */
  readonly dtype: DType;
  /** Shape (numbers or symbolic names). */
  readonly shape: readonly Dim[];
  /** Graph-input name, for inputs only. */
  readonly inputName?: string;
  /** Constant data, for initializers only. */
  readonly constant?: ConstData;
}

/**
 * Overrides the backward rule of one node (used for fused rules such as
 * log-softmax + gather): given the gradients of the node's outputs, returns gradients for
 * `wrt`, which may be tensors earlier in the graph than the node's direct inputs.
 */
export interface CustomVjp {
  /** The tensors that receive gradients. */
  wrt: Tensor[];
  /** Maps the gradients of the node's outputs to gradients of `wrt`. */
  rule: (gradOutputs: (Tensor | undefined)[]) => (Tensor | undefined)[];
}

/** One ONNX op application. */
export interface Node {
  /** ONNX op type, e.g. `"MatMul"`. */
  readonly op: string;
  /** Input tensors in ONNX order. */
  readonly inputs: Tensor[];
  /** Output tensors. */
  readonly outputs: Tensor[];
  /** ONNX attributes. */
  readonly attrs: Record<string, Attr>;
  /** Optional fused backward rule replacing the op's own. */
  vjp?: CustomVjp;
}

/** A graph under construction. */
export interface Graph {
  /** Name recorded in the emitted model. */
  readonly name: string;
  /** Nodes in creation (topological) order. */
  readonly nodes: Node[];
  /** Declared inputs. */
  readonly inputs: Tensor[];
  /** Constants (initializers). */
  readonly constants: Tensor[];
  /** Producer node of each non-input, non-constant tensor, by tensor id. */
  readonly producers: Map<number, Node>;
  /** Next tensor id. */
  nextId: number;
  /**
   * Set when the backward pass recomputes forward values (re-widened float16 weights, chunked
   * logits): such nodes repeat forward ones exactly, and onnxruntime's common-subexpression
   * elimination would merge them back, keeping the forward values alive until the backward pass.
   * `toOnnx` then marks the model ({@link ./onnx.ts} `RECOMPUTE_MARKER`) and `runtime.ts` turns
   * that optimizer off for it.
   */
  recomputes?: boolean;
}

/**
 * Creates an empty graph.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { newGraph, input } from "./graph.ts";
 * const g = newGraph("demo");
 * const x = input(g, "x", [2, 3]);
 * assert.deepEqual([x.shape, x.dtype, g.inputs.length], [[2, 3], "float32", 1]);
 * ```
 */
export function newGraph(name = "graph"): Graph {
  return {
    name,
    nodes: [],
    inputs: [],
    constants: [],
    producers: new Map(),
    nextId: 0,
  };
}

function makeTensor(
  g: Graph,
  dtype: DType,
  shape: readonly Dim[],
  extra: { inputName?: string; constant?: ConstData } = {},
): Tensor {
  return { id: g.nextId++, graph: g, dtype, shape: [...shape], ...extra };
}

/** Declares a graph input (fed at run time). Names must be unique. */
export function input(
  g: Graph,
  name: string,
  shape: readonly Dim[],
  dtype: DType = "float32",
): Tensor {
  if (g.inputs.some((t) => t.inputName === name)) {
    throw new UserError(`graph '${g.name}': input '${name}' declared twice`);
  }
  const t = makeTensor(g, dtype, shape, { inputName: name });
  g.inputs.push(t);
  return t;
}

/** Adds a constant (an ONNX initializer) with the given data and shape. */
export function constant(
  g: Graph,
  data: ConstData,
  shape: readonly number[],
  dtype: DType,
): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  if (data.length !== n) {
    throw new UserError(
      `constant: data has ${data.length} elements, shape [${shape}] needs ${n}`,
    );
  }
  const t = makeTensor(g, dtype, shape, { constant: data });
  g.constants.push(t);
  return t;
}

/** A typed array of `dtype` holding `values`. */
export function typedArray(dtype: DType, values: ArrayLike<number>): ConstData {
  switch (dtype) {
    case "float32":
      return Float32Array.from(values);
    case "float64":
      return Float64Array.from(values);
    case "int64":
      return BigInt64Array.from(Array.from(values, (v) => BigInt(v)));
    case "int32":
      return Int32Array.from(values);
    case "bool":
      return Uint8Array.from(values);
    case "float16":
      throw new UserError(
        "float16 is a storage dtype: Cast the tensor to float32 before computing with it",
      );
  }
}

/** A scalar (rank-0) constant of the given dtype. */
export function scalar(g: Graph, value: number, dtype: DType): Tensor {
  return constant(g, typedArray(dtype, [value]), [], dtype);
}

/** A 1-D int64 constant (for shapes, axes, indices). */
export function int64s(g: Graph, values: number[]): Tensor {
  return constant(g, typedArray("int64", values), [values.length], "int64");
}

/**
 * Appends a node to the graph and returns its outputs. `outs` gives each output's dtype and
 * shape (computed by the op's shape inference).
 */
export function addNode(
  op: string,
  inputs: Tensor[],
  attrs: Record<string, Attr>,
  outs: { dtype: DType; shape: readonly Dim[] }[],
): Tensor[] {
  const g = inputs[0].graph;
  for (const t of inputs) {
    if (t.graph !== g) {
      throw new UserError(`${op}: inputs come from different graphs`);
    }
  }
  const outputs = outs.map((o) => makeTensor(g, o.dtype, o.shape));
  const node: Node = { op, inputs, outputs, attrs };
  g.nodes.push(node);
  for (const o of outputs) g.producers.set(o.id, node);
  return outputs;
}

/** Formats a shape for error messages: `[2,"batch",4]` → `[2, batch, 4]`. */
export function fmtShape(shape: readonly Dim[]): string {
  return `[${shape.join(", ")}]`;
}

/** Whether the dtype is a floating-point type (differentiable). */
export function isFloat(dtype: DType): boolean {
  return dtype === "float32" || dtype === "float64";
}

/** Number of elements when every dimension is a number, else `undefined`. */
export function staticSize(shape: readonly Dim[]): number | undefined {
  let n = 1;
  for (const d of shape) {
    if (typeof d !== "number") return undefined;
    n *= d;
  }
  return n;
}

/** Whether two dimensions are known to be equal (numbers equal, or the same symbol). */
export function sameDim(a: Dim, b: Dim): boolean {
  return a === b;
}

/**
 * Numpy-style broadcast of two shapes. Throws a {@link UserError} naming `op` and both shapes
 * when they are incompatible.
 */
export function broadcastShapes(
  op: string,
  a: readonly Dim[],
  b: readonly Dim[],
): Dim[] {
  const n = Math.max(a.length, b.length);
  const out: Dim[] = [];
  for (let i = 0; i < n; i++) {
    const da = i < n - a.length ? 1 : a[i - (n - a.length)];
    const db = i < n - b.length ? 1 : b[i - (n - b.length)];
    if (da === 1) out.push(db);
    else if (db === 1 || sameDim(da, db)) out.push(da);
    else {
      throw new UserError(
        `${op}: shapes ${fmtShape(a)} and ${
          fmtShape(b)
        } cannot be broadcast (dim ${i}: ${da} vs ${db})`,
      );
    }
  }
  return out;
}

/** Product of dims, symbolic when any dim is symbolic (e.g. `"batch*4"`). */
export function dimProduct(dims: readonly Dim[]): Dim {
  let n = 1;
  const syms: string[] = [];
  for (const d of dims) {
    if (typeof d === "number") n *= d;
    else syms.push(d);
  }
  if (syms.length === 0) return n;
  if (n === 0) return 0;
  return n === 1 ? syms.join("*") : [...syms, String(n)].join("*");
}

/** Normalizes a possibly negative axis for a tensor of rank `rank`, with a clear error. */
export function normAxis(op: string, axis: number, rank: number): number {
  const a = axis < 0 ? axis + rank : axis;
  if (a < 0 || a >= rank) {
    throw new UserError(`${op}: axis ${axis} out of range for rank ${rank}`);
  }
  return a;
}
