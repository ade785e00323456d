/**
 * Emits a symbolic {@link Graph} as ONNX ModelProto bytes (opset 17, IR version 8). Only the
 * nodes needed for the requested outputs are emitted (dead-code elimination), so one graph can
 * yield several models: train step, log-probs, decode.
 *
 * @module
 */
import type { Attr, ConstData, DType, Graph, Node, Tensor } from "./graph.ts";
import {
  finish,
  type Message,
  message,
  writeBytes,
  writeFloat,
  writeInt,
  writeMessage,
  writePackedInts,
  writeString,
} from "./protobuf.ts";
import { UserError } from "../util/errors.ts";

/** ONNX TensorProto.DataType codes. */
export const ONNX_DTYPE: Record<DType, number> = {
  float32: 1,
  int32: 6,
  int64: 7,
  bool: 9,
  float16: 10,
  float64: 11,
};

/** Options for {@link toOnnx}. */
export interface EmitOptions {
  /** Graph outputs by name. */
  outputs: Record<string, Tensor>;
  /** Opset of the default domain (≥ 17). */
  opset?: number;
  /** Producer name recorded in the model. */
  producer?: string;
}

function tensorName(t: Tensor): string {
  return t.inputName ?? (t.constant ? `c${t.id}` : `t${t.id}`);
}

function rawBytes(data: ConstData): Uint8Array {
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

function tensorProto(
  name: string,
  dtype: DType,
  dims: number[],
  data: ConstData,
): Message {
  const m = message();
  writePackedInts(m, 1, dims);
  writeInt(m, 2, ONNX_DTYPE[dtype]);
  if (name) writeString(m, 8, name);
  writeBytes(m, 9, rawBytes(data));
  return m;
}

function attrProto(name: string, a: Attr): Message {
  const m = message();
  writeString(m, 1, name);
  switch (a.kind) {
    case "int":
      writeInt(m, 3, a.value);
      writeInt(m, 20, 2);
      break;
    case "float":
      writeFloat(m, 2, a.value);
      writeInt(m, 20, 1);
      break;
    case "string":
      writeBytes(m, 4, new TextEncoder().encode(a.value));
      writeInt(m, 20, 3);
      break;
    case "tensor":
      writeMessage(m, 5, tensorProto("", a.dtype, a.dims, a.data));
      writeInt(m, 20, 4);
      break;
    case "floats":
      for (const v of a.value) writeFloat(m, 7, v);
      writeInt(m, 20, 6);
      break;
    case "ints":
      writePackedInts(m, 8, a.value);
      writeInt(m, 20, 7);
      break;
  }
  return m;
}

function valueInfo(name: string, t: Tensor, withShape: boolean): Message {
  const shape = message();
  for (const d of t.shape) {
    const dim = message();
    if (typeof d === "number" && d >= 0) writeInt(dim, 1, d);
    else writeString(dim, 2, String(d));
    writeMessage(shape, 1, dim);
  }
  const tt = message();
  writeInt(tt, 1, ONNX_DTYPE[t.dtype]);
  if (withShape) writeMessage(tt, 2, shape);
  const type = message();
  writeMessage(type, 1, tt);
  const m = message();
  writeString(m, 1, name);
  writeMessage(m, 2, type);
  return m;
}

function nodeProto(
  n: Node,
  idx: number,
  names: (t: Tensor) => string,
): Message {
  const m = message();
  for (const t of n.inputs) writeString(m, 1, names(t));
  for (const t of n.outputs) writeString(m, 2, names(t));
  writeString(m, 3, `${n.op}_${idx}`);
  writeString(m, 4, n.op);
  for (const [k, a] of Object.entries(n.attrs)) {
    writeMessage(m, 5, attrProto(k, a));
  }
  return m;
}

/** The nodes, inputs and constants needed to compute `outputs`, in graph order. */
export function liveSubgraph(g: Graph, outputs: Tensor[]) {
  const need = new Set(outputs.map((t) => t.id));
  const nodes: Node[] = [];
  for (let i = g.nodes.length - 1; i >= 0; i--) {
    const n = g.nodes[i];
    if (n.outputs.some((o) => need.has(o.id))) {
      nodes.push(n);
      for (const t of n.inputs) need.add(t.id);
    }
  }
  nodes.reverse();
  return {
    nodes,
    inputs: g.inputs.filter((t) => need.has(t.id)),
    constants: g.constants.filter((t) => need.has(t.id)),
  };
}

/**
 * Serializes the part of `g` that computes `opts.outputs` as ONNX ModelProto bytes.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { newGraph, input } from "./graph.ts";
 * import { mul } from "./ops.ts";
 * import { toOnnx } from "./onnx.ts";
 * const g = newGraph();
 * const x = input(g, "x", [2]);
 * const bytes = toOnnx(g, { outputs: { y: mul(x, x) } });
 * assert.ok(bytes instanceof Uint8Array && bytes.length > 0); // an ONNX ModelProto
 * ```
 */
export function toOnnx(g: Graph, opts: EmitOptions): Uint8Array {
  const opset = opts.opset ?? 17;
  if (opset < 17) {
    throw new UserError(`toOnnx: opset must be ≥ 17, got ${opset}`);
  }
  const outs = Object.entries(opts.outputs);
  const live = liveSubgraph(g, outs.map(([, t]) => t));
  const graph = message();
  live.nodes.forEach((n, i) => writeMessage(graph, 1, nodeProto(n, i, tensorName)));
  outs.forEach(([name, t], i) => {
    if (g.inputs.some((x) => x.inputName === name)) {
      throw new UserError(
        `toOnnx: output name '${name}' is also an input name`,
      );
    }
    writeMessage(graph, 1, outputNode(t, name, live.nodes.length + i));
  });
  writeString(graph, 2, g.name);
  for (const c of live.constants) {
    writeMessage(
      graph,
      5,
      tensorProto(tensorName(c), c.dtype, c.shape as number[], c.constant!),
    );
  }
  for (const t of live.inputs) {
    writeMessage(graph, 11, valueInfo(tensorName(t), t, true));
  }
  for (const [name, t] of outs) {
    writeMessage(graph, 12, valueInfo(name, t, false));
  }
  const model = message();
  writeInt(model, 1, 8);
  writeString(model, 2, opts.producer ?? "magrpo-deno");
  writeMessage(model, 7, graph);
  const opsetId = message();
  writeString(opsetId, 1, "");
  writeInt(opsetId, 2, opset);
  writeMessage(model, 8, opsetId);
  if (g.recomputes) {
    const entry = message();
    writeString(entry, 1, RECOMPUTE_MARKER);
    writeString(entry, 2, "1");
    writeMessage(model, 14, entry); // metadata_props
  }
  return finish(model);
}

/**
 * Metadata key written into models of graphs whose backward pass recomputes forward values
 * (`Graph.recomputes`: float16 weights re-widened by `grad.ts`, logits recomputed by
 * `chunkedLogProbs`): onnxruntime's common-subexpression elimination would merge the recomputed
 * nodes back into the forward ones (keeping those values alive until the backward pass; measured
 * in bench/RESULTS.md), so `runtime.ts` turns that optimizer off for such models.
 */
export const RECOMPUTE_MARKER = "magrpo.recomputes";

function outputNode(t: Tensor, name: string, idx: number): Message {
  const m = message();
  writeString(m, 1, tensorName(t));
  writeString(m, 2, name);
  writeString(m, 3, `output_${idx}`);
  writeString(m, 4, "Identity");
  return m;
}
