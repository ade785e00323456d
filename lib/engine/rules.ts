/**
 * Backward rules: one vector-Jacobian product per ONNX op, each built from standard ONNX ops
 * (this onnxruntime build has no training ops). A rule receives the node, the gradient of its
 * output(s) and which inputs need a gradient, and returns one gradient (or `undefined`) per
 * input. Rules are kept short and next to each other, one table, as in tinygrad.
 *
 * @module
 */
import {
  type Attr,
  constant,
  int64s,
  type Node,
  scalar,
  type Tensor,
  typedArray,
} from "./graph.ts";
import { buildTarget } from "./target.ts";
import {
  add,
  cast,
  cos,
  div,
  equal,
  exp,
  gemm,
  less,
  log,
  matmul,
  mul,
  neg,
  pow,
  reduceSum,
  sin,
  sub,
  trilu,
  where,
} from "./ops.ts";
import {
  gatherElements,
  gatherND,
  pad,
  reshape,
  reshapeLike,
  scatterElementsAdd,
  scatterNDAdd,
  shapeOf,
  slice,
  transpose,
  unsqueeze,
  zerosLike,
} from "./shape_ops.ts";
import { addNode } from "./graph.ts";
import { UserError } from "../util/errors.ts";

/** A backward rule: (node, output gradient, which inputs need one) → input gradients. */
export type Rule = (
  node: Node,
  g: Tensor,
  needs: boolean[],
) => (Tensor | undefined)[];

const attrInt = (n: Node, k: string, dflt = 0): number =>
  (n.attrs[k] as Extract<Attr, { kind: "int" }> | undefined)?.value ?? dflt;
const attrInts = (n: Node, k: string): number[] =>
  (n.attrs[k] as Extract<Attr, { kind: "ints" }>).value;

/** Sums `g` over the axes along which `x` was broadcast, giving `x`'s shape. */
export function unbroadcast(g: Tensor, x: Tensor): Tensor {
  const lead = g.shape.length - x.shape.length;
  const axes: number[] = [];
  for (let i = 0; i < g.shape.length; i++) {
    if (i < lead || (x.shape[i - lead] === 1 && g.shape[i] !== 1)) axes.push(i);
  }
  if (axes.length === 0) return g;
  return reshapeLike(reduceSum(g, axes, true), x);
}

/** Broadcasts `g` (reduced with keepdims) back to the run-time shape of `x`. */
function expandLike(g: Tensor, x: Tensor): Tensor {
  return addNode("Expand", [g, shapeOf(x)], {}, [{
    dtype: g.dtype,
    shape: x.shape,
  }])[0];
}

function keepDimsGrad(n: Node, g: Tensor, axes: number[]): Tensor {
  return attrInt(n, "keepdims", 1) ? g : unsqueeze(g, axes);
}

function reduceAxes(n: Node): number[] {
  if (n.op === "ReduceSum") {
    const axT = n.inputs[1];
    return Array.from(axT.constant as BigInt64Array, Number);
  }
  return attrInts(n, "axes");
}

function transposeLast2(t: Tensor): Tensor {
  const r = t.shape.length;
  const perm = t.shape.map((_, i) => i);
  [perm[r - 2], perm[r - 1]] = [perm[r - 1], perm[r - 2]];
  return transpose(t, perm);
}

const half = (t: Tensor) => scalar(t.graph, 0.5, t.dtype);

/** The rule table, keyed by ONNX op type. Ops that are not differentiable are absent. */
export const RULES: Record<string, Rule> = {
  Identity: (_n, g) => [g],
  Add: (_n, g) => [g, g],
  Sub: (_n, g) => [g, neg(g)],
  Mul: (n, g, needs) => [
    needs[0] ? mul(g, n.inputs[1]) : undefined,
    needs[1] ? mul(g, n.inputs[0]) : undefined,
  ],
  Div: (n, g, needs) => [
    needs[0] ? div(g, n.inputs[1]) : undefined,
    needs[1] ? neg(div(mul(g, n.outputs[0]), n.inputs[1])) : undefined,
  ],
  Pow: (n, g, needs) => {
    const [a, b] = n.inputs;
    return [
      needs[0] ? mul(g, mul(b, pow(a, sub(b, 1)))) : undefined,
      needs[1] ? mul(g, mul(n.outputs[0], log(a))) : undefined,
    ];
  },
  Max: (n, g) => {
    const lt = less(n.inputs[0], n.inputs[1]);
    return [where(lt, 0, g), where(lt, g, 0)];
  },
  Min: (n, g) => {
    const lt = less(n.inputs[1], n.inputs[0]);
    return [where(lt, 0, g), where(lt, g, 0)];
  },
  Neg: (_n, g) => [neg(g)],
  Exp: (n, g) => [mul(g, n.outputs[0])],
  Log: (n, g) => [div(g, n.inputs[0])],
  Sqrt: (n, g) => [div(mul(g, half(g)), n.outputs[0])],
  Reciprocal: (n, g) => [neg(mul(g, mul(n.outputs[0], n.outputs[0])))],
  Tanh: (n, g) => [mul(g, sub(1, mul(n.outputs[0], n.outputs[0])))],
  Sigmoid: (n, g) => [mul(g, mul(n.outputs[0], sub(1, n.outputs[0])))],
  Relu: (n, g) => [where(less(0, n.inputs[0]), g, 0)],
  Cos: (n, g) => [neg(mul(g, sin(n.inputs[0])))],
  Sin: (n, g) => [mul(g, cos(n.inputs[0]))],
  Abs: (n, g) => [where(less(n.inputs[0], 0), neg(g), g)],
  Cast: (
    n,
    g,
  ) => [addNode("Cast", [g], { to: castCode(n.inputs[0]) }, [n.inputs[0]])[0]],
  Where: (n, g, needs) => [
    undefined,
    needs[1] ? where(n.inputs[0], g, 0) : undefined,
    needs[2] ? where(n.inputs[0], 0, g) : undefined,
  ],
  ReduceSum: (
    n,
    g,
  ) => [expandLike(keepDimsGrad(n, g, reduceAxes(n)), n.inputs[0])],
  ReduceMean: (n, g) => {
    const x = n.inputs[0], axes = reduceAxes(n);
    const count = axes.reduce((c, a) => c * staticDim(x, a, "ReduceMean"), 1);
    return [div(expandLike(keepDimsGrad(n, g, axes), x), count)];
  },
  ReduceMax: (n, g) => {
    const x = n.inputs[0], axes = reduceAxes(n);
    const y = expandLike(keepDimsGrad(n, n.outputs[0], axes), x);
    const isMax = addNode("Equal", [x, y], {}, [{ dtype: "bool", shape: x.shape }])[0];
    return [where(isMax, expandLike(keepDimsGrad(n, g, axes), x), 0)];
  },
  MatMul: (n, g, needs) => {
    const [a, b] = n.inputs;
    return [
      needs[0] ? unbroadcast(matmul(g, transposeLast2(b)), a) : undefined,
      needs[1] ? unbroadcast(matmul(transposeLast2(a), g), b) : undefined,
    ];
  },
  Gemm: (n, g, needs) => {
    const [a, b, c] = n.inputs;
    const tA = attrInt(n, "transA") === 1, tB = attrInt(n, "transB") === 1;
    const da = !needs[0]
      ? undefined
      : tA
      ? gemm(b, g, { transA: tB, transB: true })
      : gemm(g, b, { transB: !tB });
    const db = !needs[1]
      ? undefined
      : tB
      ? gemm(g, a, { transA: true, transB: tA })
      : gemm(a, g, { transA: !tA });
    return [da, db, c && needs[2] ? unbroadcast(g, c) : undefined];
  },
  Softmax: (n, g) => {
    const y = n.outputs[0], ax = attrInt(n, "axis", -1);
    return [mul(y, sub(g, reduceSum(mul(g, y), [ax], true)))];
  },
  LogSoftmax: (n, g) => {
    const ax = attrInt(n, "axis", -1);
    return [sub(g, mul(exp(n.outputs[0]), reduceSum(g, [ax], true)))];
  },
  Transpose: (n, g) => {
    const perm = attrInts(n, "perm");
    const inv = perm.map((_, i) => perm.indexOf(i));
    return [transpose(g, inv)];
  },
  Reshape: (n, g) => [reshapeLike(g, n.inputs[0])],
  Unsqueeze: (n, g) => [reshapeLike(g, n.inputs[0])],
  Squeeze: (n, g) => [reshapeLike(g, n.inputs[0])],
  Expand: (n, g) => [unbroadcast(g, n.inputs[0])],
  Concat: (n, g) => {
    const ax = attrInt(n, "axis");
    let off = 0;
    return n.inputs.map((x) => {
      const len = staticDim(x, ax, "Concat");
      const part = slice(g, ax, off, off + len);
      off += len;
      return part;
    });
  },
  Slice: (n, g) => {
    const x = n.inputs[0];
    const [s, e, ax] = n.inputs.slice(1, 4).map((t) => Number((t.constant as BigInt64Array)[0]));
    const len = staticDim(x, ax, "Slice");
    const r = x.shape.length, pads = new Array(2 * r).fill(0);
    pads[ax] = s;
    pads[r + ax] = len - e;
    return [pad(g, pads)];
  },
  Pad: (n, g) => {
    const x = n.inputs[0], r = x.shape.length;
    const pads = Array.from(n.inputs[1].constant as BigInt64Array, Number);
    let out = g;
    for (let ax = 0; ax < r; ax++) {
      if (pads[ax] || pads[r + ax]) {
        out = slice(out, ax, pads[ax], staticDim(x, ax, "Pad") + pads[ax]);
      }
    }
    return [out];
  },
  Gather: (n, g) => {
    if (attrInt(n, "axis") !== 0) {
      throw new UserError("Gather: backward supports axis 0 only");
    }
    const [data, idx] = n.inputs;
    const [v, h] = data.shape;
    if (data.shape.length === 2 && typeof v === "number" && typeof h === "number") {
      // An embedding table: dE = onehot(idx)ᵀ · dY as one MatMul. ScatterND with "add" would
      // do it in O(N·H), but onnxruntime 1.30's CPU kernel loses updates of repeated indices
      // on more than one thread; the MatMul costs as much as the tied LM head's backward and
      // gives the same bits on any thread count.
      // Built for WebGPU (no int64 kernels there: an int64 Equal would run on CPU and copy the
      // [N, V] one-hot to the device), the ids are compared as floats (exact below 2^24).
      const asFloat = buildTarget() === "webgpu" && v <= 2 ** 24;
      const ids = asFloat
        ? cast(idx, data.dtype)
        : idx.dtype === "int64"
        ? idx
        : cast(idx, "int64");
      const count = Array.from({ length: v }, (_, i) => i);
      const range = asFloat
        ? constant(data.graph, typedArray(data.dtype, count), [v], data.dtype)
        : int64s(data.graph, count);
      const hot = cast(equal(unsqueeze(reshape(ids, [-1]), [-1]), range), data.dtype);
      return [matmul(transpose(hot, [1, 0]), reshape(g, [-1, h])), undefined];
    }
    return [scatterNDAdd(zerosLike(data), unsqueeze(idx, [-1]), g), undefined];
  },
  GatherElements: (n, g) => {
    const [data, idx] = n.inputs;
    return [
      scatterElementsAdd(zerosLike(data), idx, g, attrInt(n, "axis")),
      undefined,
    ];
  },
  GatherND: (n, g) => {
    const [data, idx] = n.inputs;
    return [scatterNDAdd(zerosLike(data), idx, g), undefined];
  },
  ScatterElements: (n, g, needs) => [
    g,
    undefined,
    needs[2] ? gatherElements(g, n.inputs[1], attrInt(n, "axis")) : undefined,
  ],
  ScatterND: (
    n,
    g,
    needs,
  ) => [g, undefined, needs[2] ? gatherND(g, n.inputs[1]) : undefined],
  Trilu: (n, g) => {
    const k = n.inputs[1] ? Number((n.inputs[1].constant as BigInt64Array)[0]) : 0;
    return [trilu(g, attrInt(n, "upper", 1) === 1, k), undefined];
  },
};

/** Ops whose outputs carry no gradient (comparisons, shapes, constants). */
export const NON_DIFFERENTIABLE = new Set([
  "Equal",
  "Less",
  "Greater",
  "Shape",
  "ConstantOfShape",
  "Not",
  "And",
  "Or",
]);

function castCode(x: Tensor): Attr {
  return {
    kind: "int",
    value: { float32: 1, float64: 11, int64: 7, int32: 6, bool: 9, float16: 10 }[x.dtype],
  };
}

function staticDim(x: Tensor, axis: number, op: string): number {
  const a = axis < 0 ? axis + x.shape.length : axis;
  const d = x.shape[a];
  if (typeof d !== "number") {
    throw new UserError(
      `${op} backward: axis ${a} of [${x.shape}] must have a static size`,
    );
  }
  return d;
}

/** Adds two gradient contributions (used when a tensor feeds several ops). */
export const accumulate = (a: Tensor, b: Tensor): Tensor => add(a, b);
