/**
 * Math ops on symbolic tensors: elementwise, reductions, matrix products, softmax. Each
 * function checks shapes at build time (errors name the op and the shapes) and appends one
 * standard ONNX node (opset 17). Backward rules live in `rules.ts`.
 *
 * @module
 */
import {
  addNode,
  type Attr,
  broadcastShapes,
  type Dim,
  type DType,
  fmtShape,
  int64s,
  isFloat,
  normAxis,
  sameDim,
  scalar,
  type Tensor,
} from "./graph.ts";
import { buildTarget } from "./target.ts";
import { UserError } from "../util/errors.ts";

/** A tensor or a plain number (turned into a scalar constant of the other operand's dtype). */
export type TensorLike = Tensor | number;

function lift(x: TensorLike, like: Tensor): Tensor {
  return typeof x === "number" ? scalar(like.graph, x, like.dtype) : x;
}

function binary(
  op: string,
  a: TensorLike,
  b: TensorLike,
  outType?: DType,
): Tensor {
  if (typeof a === "number" && typeof b === "number") {
    throw new UserError(`${op}: at least one operand must be a tensor`);
  }
  const ta = lift(a, (typeof a === "number" ? b : a) as Tensor);
  const tb = lift(b, ta);
  if (ta.dtype !== tb.dtype) {
    throw new UserError(`${op}: dtypes differ (${ta.dtype} vs ${tb.dtype})`);
  }
  const shape = broadcastShapes(op, ta.shape, tb.shape);
  return addNode(op, [ta, tb], {}, [{ dtype: outType ?? ta.dtype, shape }])[0];
}

function unary(
  op: string,
  x: Tensor,
  attrs: Record<string, Attr> = {},
): Tensor {
  return addNode(op, [x], attrs, [{ dtype: x.dtype, shape: x.shape }])[0];
}

/** a + b (broadcasting). */
export const add = (a: TensorLike, b: TensorLike): Tensor => binary("Add", a, b);
/** a − b (broadcasting). */
export const sub = (a: TensorLike, b: TensorLike): Tensor => binary("Sub", a, b);
/** a · b (broadcasting). */
export const mul = (a: TensorLike, b: TensorLike): Tensor => binary("Mul", a, b);
/** a / b (broadcasting). */
export const div = (a: TensorLike, b: TensorLike): Tensor => binary("Div", a, b);
/** a ^ b (broadcasting). */
export const pow = (a: TensorLike, b: TensorLike): Tensor => binary("Pow", a, b);
/** Elementwise maximum of two tensors. */
export const maximum = (a: TensorLike, b: TensorLike): Tensor => binary("Max", a, b);
/** Elementwise minimum of two tensors. */
export const minimum = (a: TensorLike, b: TensorLike): Tensor => binary("Min", a, b);
/** a == b → bool. */
export const equal = (a: TensorLike, b: TensorLike): Tensor => binary("Equal", a, b, "bool");
/** a < b → bool. */
export const less = (a: TensorLike, b: TensorLike): Tensor => binary("Less", a, b, "bool");
/** a > b → bool. */
export const greater = (a: TensorLike, b: TensorLike): Tensor => binary("Greater", a, b, "bool");

/** −x. */
export const neg = (x: Tensor): Tensor => unary("Neg", x);
/** eˣ. */
export const exp = (x: Tensor): Tensor => unary("Exp", x);
/** Natural log. */
export const log = (x: Tensor): Tensor => unary("Log", x);
/** √x. */
export const sqrt = (x: Tensor): Tensor => unary("Sqrt", x);
/** 1/x. */
export const reciprocal = (x: Tensor): Tensor => unary("Reciprocal", x);
/** tanh(x). */
export const tanh = (x: Tensor): Tensor => unary("Tanh", x);
/** 1/(1+e⁻ˣ). */
export const sigmoid = (x: Tensor): Tensor => unary("Sigmoid", x);
/** max(x, 0). */
export const relu = (x: Tensor): Tensor => unary("Relu", x);
/** cos(x). */
export const cos = (x: Tensor): Tensor => unary("Cos", x);
/** sin(x). */
export const sin = (x: Tensor): Tensor => unary("Sin", x);
/** |x|. */
export const abs = (x: Tensor): Tensor => unary("Abs", x);
/** A copy of x (useful to name a value). */
export const identity = (x: Tensor): Tensor => unary("Identity", x);

/** Converts to another dtype (gradient flows between float types only). */
export function cast(x: Tensor, to: DType): Tensor {
  const code = { float32: 1, float64: 11, int64: 7, int32: 6, bool: 9, float16: 10 }[to];
  return addNode("Cast", [x], { to: { kind: "int", value: code } }, [{
    dtype: to,
    shape: x.shape,
  }])[0];
}

/** `cond ? a : b`, elementwise with broadcasting; `cond` is bool. */
export function where(cond: Tensor, a: TensorLike, b: TensorLike): Tensor {
  const like = typeof a === "number" ? (b as Tensor) : a;
  const ta = lift(a, like), tb = lift(b, like);
  if (cond.dtype !== "bool") {
    throw new UserError(`Where: condition must be bool, got ${cond.dtype}`);
  }
  const s = broadcastShapes(
    "Where",
    broadcastShapes("Where", cond.shape, ta.shape),
    tb.shape,
  );
  return addNode("Where", [cond, ta, tb], {}, [{
    dtype: ta.dtype,
    shape: s,
  }])[0];
}

function reduceShape(
  op: string,
  x: Tensor,
  axes: number[],
  keepDims: boolean,
): Dim[] {
  const ax = axes.map((a) => normAxis(op, a, x.shape.length));
  return x.shape.flatMap((d, i) => ax.includes(i) ? (keepDims ? [1] : []) : [d]);
}

/** Sum over `axes` (all axes when omitted). */
export function reduceSum(
  x: Tensor,
  axes?: number[],
  keepDims = false,
): Tensor {
  const ax = axes ?? x.shape.map((_, i) => i);
  const shape = reduceShape("ReduceSum", x, ax, keepDims);
  const inputs = [
    x,
    int64s(x.graph, ax.map((a) => normAxis("ReduceSum", a, x.shape.length))),
  ];
  return addNode("ReduceSum", inputs, {
    keepdims: { kind: "int", value: keepDims ? 1 : 0 },
  }, [{
    dtype: x.dtype,
    shape,
  }])[0];
}

function reduceAttr(
  op: string,
  x: Tensor,
  axes: number[] | undefined,
  keepDims: boolean,
): Tensor {
  const ax = (axes ?? x.shape.map((_, i) => i)).map((a) => normAxis(op, a, x.shape.length));
  const attrs: Record<string, Attr> = {
    axes: { kind: "ints", value: ax },
    keepdims: { kind: "int", value: keepDims ? 1 : 0 },
  };
  return addNode(op, [x], attrs, [{
    dtype: x.dtype,
    shape: reduceShape(op, x, ax, keepDims),
  }])[0];
}

/** Mean over `axes` (all axes when omitted). */
export const reduceMean = (
  x: Tensor,
  axes?: number[],
  keepDims = false,
): Tensor => reduceAttr("ReduceMean", x, axes, keepDims);

/** Maximum over `axes` (all axes when omitted). */
export const reduceMax = (
  x: Tensor,
  axes?: number[],
  keepDims = false,
): Tensor => reduceAttr("ReduceMax", x, axes, keepDims);

/**
 * Batched matrix product `a @ b` (rank ≥ 2, batch dims broadcast).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { newGraph, input } from "./graph.ts";
 * import { matmul } from "./ops.ts";
 * const g = newGraph();
 * const y = matmul(input(g, "a", [4, 2, 3]), input(g, "b", [3, 5]));
 * assert.deepEqual(y.shape, [4, 2, 5]);
 * ```
 */
export function matmul(a: Tensor, b: Tensor): Tensor {
  if (a.shape.length < 2 || b.shape.length < 2) {
    throw new UserError(
      `MatMul: operands must have rank ≥ 2, got ${fmtShape(a.shape)} and ${fmtShape(b.shape)}`,
    );
  }
  if (a.dtype !== b.dtype) {
    throw new UserError(`MatMul: dtypes differ (${a.dtype} vs ${b.dtype})`);
  }
  const [m, k] = a.shape.slice(-2), [k2, n] = b.shape.slice(-2);
  if (!sameDim(k, k2)) {
    throw new UserError(
      `MatMul: inner dimensions differ: ${fmtShape(a.shape)} @ ${
        fmtShape(b.shape)
      } (${k} vs ${k2})`,
    );
  }
  const batch = broadcastShapes(
    "MatMul",
    a.shape.slice(0, -2),
    b.shape.slice(0, -2),
  );
  return addNode("MatMul", [a, b], {}, [{
    dtype: a.dtype,
    shape: [...batch, m, n],
  }])[0];
}

/**
 * 2-D general matrix product `op(a) @ op(b) (+ c)` where `op` transposes when asked
 * (ONNX Gemm, alpha = beta = 1). `linear(x, W)` with HF's [out, in] weights is
 * `gemm(x, W, {transB: true})`.
 */
export function gemm(
  a: Tensor,
  b: Tensor,
  opts: { transA?: boolean; transB?: boolean; c?: Tensor } = {},
): Tensor {
  if (a.shape.length !== 2 || b.shape.length !== 2) {
    throw new UserError(
      `Gemm: operands must be 2-D, got ${fmtShape(a.shape)} and ${fmtShape(b.shape)}`,
    );
  }
  const [m, k] = opts.transA ? [a.shape[1], a.shape[0]] : [a.shape[0], a.shape[1]];
  const [k2, n] = opts.transB ? [b.shape[1], b.shape[0]] : [b.shape[0], b.shape[1]];
  if (!sameDim(k, k2)) {
    throw new UserError(
      `Gemm: inner dimensions differ: ${fmtShape(a.shape)}${opts.transA ? "ᵀ" : ""} @ ${
        fmtShape(b.shape)
      }${opts.transB ? "ᵀ" : ""} (${k} vs ${k2})`,
    );
  }
  if (opts.c) broadcastShapes("Gemm (bias)", [m, n], opts.c.shape);
  const attrs: Record<string, Attr> = {
    transA: { kind: "int", value: opts.transA ? 1 : 0 },
    transB: { kind: "int", value: opts.transB ? 1 : 0 },
  };
  const inputs = opts.c ? [a, b, opts.c] : [a, b];
  return addNode("Gemm", inputs, attrs, [{ dtype: a.dtype, shape: [m, n] }])[0];
}

/** Softmax along `axis` (default last). */
export function softmax(x: Tensor, axis = -1): Tensor {
  const ax = normAxis("Softmax", axis, x.shape.length);
  return unary("Softmax", x, { axis: { kind: "int", value: ax } });
}

/**
 * Log-softmax along `axis` (default last): one `LogSoftmax` node, or, in a graph built for
 * `"webgpu"` (see `target.ts`), `d = x − max(x); d − log(Σ exp(d))` (the WebGPU EP has no
 * LogSoftmax kernel) with the LogSoftmax backward attached, so no gradient flows through `max`.
 */
export function logSoftmax(x: Tensor, axis = -1): Tensor {
  const ax = normAxis("LogSoftmax", axis, x.shape.length);
  if (buildTarget() !== "webgpu") {
    return unary("LogSoftmax", x, { axis: { kind: "int", value: ax } });
  }
  const d = sub(x, reduceMax(x, [ax], true));
  const y = sub(d, log(reduceSum(exp(d), [ax], true)));
  x.graph.producers.get(y.id)!.vjp = {
    wrt: [x],
    rule: ([g]) => [sub(g!, mul(exp(y), reduceSum(g!, [ax], true)))],
  };
  return y;
}

/** Lower (`upper=false`) or upper triangle of the last two dims, offset by `k`. */
export function trilu(x: Tensor, upper: boolean, k = 0): Tensor {
  return addNode("Trilu", [x, scalar(x.graph, k, "int64")], {
    upper: { kind: "int", value: upper ? 1 : 0 },
  }, [{ dtype: x.dtype, shape: x.shape }])[0];
}

/** Throws unless `x` has a float dtype (for ops that only make sense on floats). */
export function requireFloat(op: string, x: Tensor): void {
  if (!isFloat(x.dtype)) {
    throw new UserError(`${op}: expected a float tensor, got ${x.dtype}`);
  }
}
