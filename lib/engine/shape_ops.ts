/**
 * Ops that move data without arithmetic: reshape, transpose, (un)squeeze, expand, concat,
 * slice, gather/scatter, shape queries. Each checks shapes at build time and appends one
 * standard ONNX node (opset 17).
 *
 * @module
 */
import {
  addNode,
  type Attr,
  broadcastShapes,
  type Dim,
  dimProduct,
  type DType,
  fmtShape,
  type Graph,
  int64s,
  normAxis,
  sameDim,
  staticSize,
  type Tensor,
  typedArray,
} from "./graph.ts";
import { UserError } from "../util/errors.ts";

const int = (value: number): Attr => ({ kind: "int", value });

/**
 * Reshapes `x`. Entries of `shape`: a size, `-1` (inferred), or a symbolic dim equal to the
 * input's dim at the same position.
 */
export function reshape(x: Tensor, shape: readonly Dim[]): Tensor {
  const onnxShape: number[] = [];
  const out: Dim[] = [];
  let num = staticSize(x.shape.filter((d) => typeof d === "number")) ?? 1;
  const syms = x.shape.filter((d): d is string => typeof d === "string");
  let infer = -1;
  shape.forEach((d, i) => {
    if (typeof d === "string") {
      if (!sameDim(x.shape[i], d)) {
        throw new UserError(
          `Reshape: symbolic dim '${d}' must stay at position ${i} (input ${fmtShape(x.shape)})`,
        );
      }
      onnxShape.push(0);
      out.push(d);
      syms.splice(syms.indexOf(d), 1);
    } else if (d === -1) {
      if (infer >= 0) {
        throw new UserError(`Reshape: more than one -1 in ${fmtShape(shape)}`);
      }
      infer = i;
      onnxShape.push(-1);
      out.push(-1);
    } else {
      onnxShape.push(d);
      out.push(d);
      if (num % d !== 0 && syms.length === 0) {
        throw new UserError(
          `Reshape: cannot reshape ${fmtShape(x.shape)} to ${fmtShape(shape)}`,
        );
      }
      num /= d;
    }
  });
  if (infer >= 0) out[infer] = dimProduct([...syms, num]);
  else if (num !== 1 || syms.length > 0) {
    throw new UserError(
      `Reshape: cannot reshape ${fmtShape(x.shape)} to ${fmtShape(shape)}`,
    );
  }
  const shapeT = int64s(x.graph, onnxShape);
  return addNode("Reshape", [x, shapeT], {}, [{
    dtype: x.dtype,
    shape: out,
  }])[0];
}

/** Reshapes `x` to the run-time shape of `like` (used by backward rules). */
export function reshapeLike(x: Tensor, like: Tensor): Tensor {
  if (staticSize(like.shape) !== undefined) return reshape(x, like.shape);
  return addNode("Reshape", [x, shapeOf(like)], {}, [{
    dtype: x.dtype,
    shape: like.shape,
  }])[0];
}

/** The run-time shape of `x` as an int64 vector. */
export function shapeOf(x: Tensor): Tensor {
  return addNode("Shape", [x], {}, [{
    dtype: "int64",
    shape: [x.shape.length],
  }])[0];
}

/** A tensor of zeros with the shape and dtype of `like`. */
export function zerosLike(like: Tensor): Tensor {
  return fill(like, 0);
}

/** A tensor filled with `value`, with the shape and dtype of `like`. */
export function fill(like: Tensor, value: number): Tensor {
  const shapeT = staticSize(like.shape) !== undefined
    ? int64s(like.graph, like.shape as number[])
    : shapeOf(like);
  const attr: Attr = {
    kind: "tensor",
    dtype: like.dtype,
    dims: [1],
    data: typedArray(like.dtype, [value]),
  };
  return addNode("ConstantOfShape", [shapeT], { value: attr }, [{
    dtype: like.dtype,
    shape: like.shape,
  }])[0];
}

/** A constant-filled tensor of a static shape (ConstantOfShape: no large initializer). */
export function full(
  g: Graph,
  dims: number[],
  value: number,
  dtype: DType,
): Tensor {
  const attr: Attr = {
    kind: "tensor",
    dtype,
    dims: [1],
    data: typedArray(dtype, [value]),
  };
  return addNode("ConstantOfShape", [int64s(g, dims)], { value: attr }, [{
    dtype,
    shape: dims,
  }])[0];
}

/** Permutes dimensions (`perm[i]` = input axis placed at output axis i). */
export function transpose(x: Tensor, perm: number[]): Tensor {
  if (
    perm.length !== x.shape.length || [...perm].sort().some((p, i) => p !== i)
  ) {
    throw new UserError(
      `Transpose: perm [${perm}] does not fit shape ${fmtShape(x.shape)}`,
    );
  }
  return addNode("Transpose", [x], { perm: { kind: "ints", value: perm } }, [{
    dtype: x.dtype,
    shape: perm.map((p) => x.shape[p]),
  }])[0];
}

/** Inserts size-1 dims at `axes` (positions in the output). */
export function unsqueeze(x: Tensor, axes: number[]): Tensor {
  const rank = x.shape.length + axes.length;
  const ax = axes.map((a) => normAxis("Unsqueeze", a, rank)).sort((a, b) => a - b);
  const out: Dim[] = [];
  let j = 0;
  for (let i = 0; i < rank; i++) out.push(ax.includes(i) ? 1 : x.shape[j++]);
  return addNode("Unsqueeze", [x, int64s(x.graph, ax)], {}, [{
    dtype: x.dtype,
    shape: out,
  }])[0];
}

/** Removes size-1 dims at `axes`. */
export function squeeze(x: Tensor, axes: number[]): Tensor {
  const ax = axes.map((a) => normAxis("Squeeze", a, x.shape.length));
  for (const a of ax) {
    if (x.shape[a] !== 1) {
      throw new UserError(
        `Squeeze: axis ${a} of ${fmtShape(x.shape)} is not 1`,
      );
    }
  }
  return addNode("Squeeze", [x, int64s(x.graph, ax)], {}, [{
    dtype: x.dtype,
    shape: x.shape.filter((_, i) => !ax.includes(i)),
  }])[0];
}

/** Broadcasts `x` to `shape` (numpy rules; 1 in `shape` keeps the input's dim). */
export function expand(x: Tensor, shape: number[]): Tensor {
  const out = broadcastShapes("Expand", x.shape, shape);
  return addNode("Expand", [x, int64s(x.graph, shape)], {}, [{
    dtype: x.dtype,
    shape: out,
  }])[0];
}

/** Concatenates along `axis`; other dims must agree. */
export function concat(xs: Tensor[], axis: number): Tensor {
  const rank = xs[0].shape.length;
  const ax = normAxis("Concat", axis, rank);
  for (const t of xs) {
    if (
      t.shape.length !== rank ||
      t.shape.some((d, i) => i !== ax && !sameDim(d, xs[0].shape[i]))
    ) {
      throw new UserError(
        `Concat: shapes ${xs.map((t) => fmtShape(t.shape)).join(", ")} differ off axis ${ax}`,
      );
    }
  }
  const shape = [...xs[0].shape];
  shape[ax] = xs.map((t) => t.shape[ax]).reduce((a: Dim, b: Dim) =>
    typeof a === "number" && typeof b === "number" ? a + b : `${a}+${b}`
  );
  return addNode("Concat", xs, { axis: int(ax) }, [{
    dtype: xs[0].dtype,
    shape,
  }])[0];
}

/**
 * Slices `x[start:end]` along `axis` (step 1). Negative indices count from the end; the
 * axis must have a static size.
 */
export function slice(
  x: Tensor,
  axis: number,
  start: number,
  end: number,
): Tensor {
  const ax = normAxis("Slice", axis, x.shape.length);
  const n = x.shape[ax];
  if (typeof n !== "number") {
    throw new UserError(
      `Slice: axis ${ax} of ${fmtShape(x.shape)} must have a static size`,
    );
  }
  const s = Math.max(0, Math.min(n, start < 0 ? start + n : start));
  const e = Math.max(s, Math.min(n, end < 0 ? end + n : end));
  const shape = [...x.shape];
  shape[ax] = e - s;
  const g = x.graph;
  return addNode(
    "Slice",
    [x, int64s(g, [s]), int64s(g, [e]), int64s(g, [ax])],
    {},
    [{
      dtype: x.dtype,
      shape,
    }],
  )[0];
}

/** Pads with zeros: `pads` = [begin_0, …, begin_{r-1}, end_0, …, end_{r-1}] (static shapes). */
export function pad(x: Tensor, pads: number[]): Tensor {
  const r = x.shape.length;
  if (pads.length !== 2 * r) {
    throw new UserError(`Pad: need ${2 * r} pads for ${fmtShape(x.shape)}`);
  }
  const shape = x.shape.map((d, i) =>
    typeof d === "number"
      ? d + pads[i] + pads[i + r]
      : (pads[i] + pads[i + r] === 0 ? d : `${d}+${pads[i] + pads[i + r]}`)
  );
  return addNode("Pad", [x, int64s(x.graph, pads)], {}, [{
    dtype: x.dtype,
    shape,
  }])[0];
}

/** Gathers slices of `data` along `axis` at integer `indices` (e.g. an embedding lookup). */
export function gather(data: Tensor, indices: Tensor, axis = 0): Tensor {
  const ax = normAxis("Gather", axis, data.shape.length);
  requireIndex("Gather", indices);
  const shape = [
    ...data.shape.slice(0, ax),
    ...indices.shape,
    ...data.shape.slice(ax + 1),
  ];
  return addNode("Gather", [data, indices], { axis: int(ax) }, [{
    dtype: data.dtype,
    shape,
  }])[0];
}

/** `out[i][j] = data[i][indices[i][j]]` along `axis` (indices have the output's shape). */
export function gatherElements(
  data: Tensor,
  indices: Tensor,
  axis = -1,
): Tensor {
  const ax = normAxis("GatherElements", axis, data.shape.length);
  requireIndex("GatherElements", indices);
  if (indices.shape.length !== data.shape.length) {
    throw new UserError(
      `GatherElements: indices ${fmtShape(indices.shape)} and data ${
        fmtShape(data.shape)
      } need the same rank`,
    );
  }
  return addNode("GatherElements", [data, indices], { axis: int(ax) }, [{
    dtype: data.dtype,
    shape: indices.shape,
  }])[0];
}

/** Adds `updates` into a copy of `data` at `indices` along `axis` (repeated indices add up). */
export function scatterElementsAdd(
  data: Tensor,
  indices: Tensor,
  updates: Tensor,
  axis: number,
): Tensor {
  const ax = normAxis("ScatterElements", axis, data.shape.length);
  return addNode("ScatterElements", [data, indices, updates], {
    axis: int(ax),
    reduction: { kind: "string", value: "add" },
  }, [{ dtype: data.dtype, shape: data.shape }])[0];
}

/** Adds `updates` into a copy of `data` at the index tuples `indices[..., k]` (ONNX ScatterND). */
export function scatterNDAdd(
  data: Tensor,
  indices: Tensor,
  updates: Tensor,
): Tensor {
  return addNode("ScatterND", [data, indices, updates], {
    reduction: { kind: "string", value: "add" },
  }, [{ dtype: data.dtype, shape: data.shape }])[0];
}

/** Gathers `data[indices[..., :k]]` (ONNX GatherND, batch_dims = 0). */
export function gatherND(data: Tensor, indices: Tensor): Tensor {
  requireIndex("GatherND", indices);
  const k = indices.shape[indices.shape.length - 1];
  if (typeof k !== "number" || k > data.shape.length) {
    throw new UserError(
      `GatherND: last dim of indices ${fmtShape(indices.shape)} must be static and ≤ rank of ${
        fmtShape(data.shape)
      }`,
    );
  }
  const shape = [...indices.shape.slice(0, -1), ...data.shape.slice(k)];
  return addNode("GatherND", [data, indices], {}, [{
    dtype: data.dtype,
    shape,
  }])[0];
}

function requireIndex(op: string, t: Tensor): void {
  const ok: DType[] = ["int64", "int32"];
  if (!ok.includes(t.dtype)) {
    throw new UserError(`${op}: indices must be int64, got ${t.dtype}`);
  }
}
