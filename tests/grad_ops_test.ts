// Float64 gradient checks against central finite differences, one per backward rule.
import assert from "node:assert/strict";
import {
  type Dim,
  type Graph,
  input,
  newGraph,
  type Tensor,
  typedArray,
} from "../lib/engine/graph.ts";
import * as o from "../lib/engine/ops.ts";
import * as s from "../lib/engine/shape_ops.ts";
import { gradCheck } from "../lib/engine/gradcheck.ts";
import { RULES } from "../lib/engine/rules.ts";
import type { HostTensor } from "../lib/engine/runtime.ts";
import { makeRng, randNormal } from "../lib/util/rng.ts";

type Init = "normal" | "positive" | "awayFromZero";
interface Case {
  op: string;
  label?: string;
  inputs: [string, number[], Init?][];
  build: (x: Tensor[], g: Graph) => Tensor;
  ints?: Record<string, { dims: number[]; values: number[] }>;
}

const rowIdx = (g: Graph, name: string, dims: Dim[]) => input(g, name, dims, "int64");

const CASES: Case[] = [
  { op: "Identity", inputs: [["a", [2, 3]]], build: ([a]) => o.identity(a) },
  {
    op: "Add",
    label: "broadcast",
    inputs: [["a", [2, 3]], ["b", [3]]],
    build: ([a, b]) => o.add(a, b),
  },
  {
    op: "Sub",
    inputs: [["a", [2, 1]], ["b", [2, 3]]],
    build: ([a, b]) => o.sub(a, b),
  },
  {
    op: "Mul",
    inputs: [["a", [2, 3]], ["b", [1, 3]]],
    build: ([a, b]) => o.mul(a, b),
  },
  {
    op: "Div",
    inputs: [["a", [2, 3]], ["b", [2, 3], "awayFromZero"]],
    build: ([a, b]) => o.div(a, b),
  },
  {
    op: "Pow",
    inputs: [["a", [2, 3], "positive"], ["b", [2, 3]]],
    build: ([a, b]) => o.pow(a, b),
  },
  {
    op: "Max",
    inputs: [["a", [2, 3]], ["b", [2, 3]]],
    build: ([a, b]) => o.maximum(a, b),
  },
  {
    op: "Min",
    inputs: [["a", [2, 3]], ["b", [3]]],
    build: ([a, b]) => o.minimum(a, b),
  },
  { op: "Neg", inputs: [["a", [4]]], build: ([a]) => o.neg(a) },
  { op: "Exp", inputs: [["a", [4]]], build: ([a]) => o.exp(a) },
  { op: "Log", inputs: [["a", [4], "positive"]], build: ([a]) => o.log(a) },
  { op: "Sqrt", inputs: [["a", [4], "positive"]], build: ([a]) => o.sqrt(a) },
  {
    op: "Reciprocal",
    inputs: [["a", [4], "awayFromZero"]],
    build: ([a]) => o.reciprocal(a),
  },
  { op: "Cos", inputs: [["a", [4]]], build: ([a]) => o.cos(a) },
  { op: "Sin", inputs: [["a", [4]]], build: ([a]) => o.sin(a) },
  { op: "Tanh", inputs: [["a", [4]]], build: ([a]) => o.tanh(a) },
  { op: "Sigmoid", inputs: [["a", [4]]], build: ([a]) => o.sigmoid(a) },
  {
    op: "Relu",
    inputs: [["a", [6], "awayFromZero"]],
    build: ([a]) => o.relu(a),
  },
  { op: "Abs", inputs: [["a", [6], "awayFromZero"]], build: ([a]) => o.abs(a) },
  { op: "Cast", inputs: [["a", [4]]], build: ([a]) => o.cast(a, "float64") },
  {
    op: "Where",
    inputs: [["a", [2, 3]], ["b", [3]], ["c", [2, 3]]],
    build: ([a, b, c]) => o.where(o.less(c, 0), a, b),
  },
  {
    op: "ReduceSum",
    inputs: [["a", [2, 3, 4]]],
    build: ([a]) => o.reduceSum(a, [1]),
  },
  {
    op: "ReduceMean",
    inputs: [["a", [2, 3, 4]]],
    build: ([a]) => o.reduceMean(a, [0, 2], true),
  },
  {
    op: "ReduceMax",
    inputs: [["a", [2, 5]]],
    build: ([a]) => o.reduceMax(a, [1]),
  },
  {
    op: "MatMul",
    label: "batched broadcast",
    inputs: [["a", [2, 3, 4]], ["b", [4, 5]]],
    build: ([a, b]) => o.matmul(a, b),
  },
  {
    op: "Gemm",
    label: "plain + bias",
    inputs: [["a", [3, 4]], ["b", [4, 2]], ["c", [2]]],
    build: ([a, b, c]) => o.gemm(a, b, { c }),
  },
  {
    op: "Gemm",
    label: "transB",
    inputs: [["a", [3, 4]], ["b", [2, 4]]],
    build: ([a, b]) => o.gemm(a, b, { transB: true }),
  },
  {
    op: "Gemm",
    label: "transA",
    inputs: [["a", [4, 3]], ["b", [4, 2]]],
    build: ([a, b]) => o.gemm(a, b, { transA: true }),
  },
  {
    op: "Gemm",
    label: "transA+transB",
    inputs: [["a", [4, 3]], ["b", [2, 4]]],
    build: ([a, b]) => o.gemm(a, b, { transA: true, transB: true }),
  },
  { op: "Softmax", inputs: [["a", [2, 5]]], build: ([a]) => o.softmax(a) },
  {
    op: "LogSoftmax",
    inputs: [["a", [2, 5]]],
    build: ([a]) => o.logSoftmax(a, 0),
  },
  {
    op: "Transpose",
    inputs: [["a", [2, 3, 4]]],
    build: ([a]) => s.transpose(a, [2, 0, 1]),
  },
  {
    op: "Reshape",
    inputs: [["a", [2, 3, 4]]],
    build: ([a]) => s.reshape(a, [6, -1]),
  },
  {
    op: "Unsqueeze",
    inputs: [["a", [2, 3]]],
    build: ([a]) => s.unsqueeze(a, [1]),
  },
  {
    op: "Squeeze",
    inputs: [["a", [2, 1, 3]]],
    build: ([a]) => s.squeeze(a, [1]),
  },
  {
    op: "Expand",
    inputs: [["a", [2, 1, 3]]],
    build: ([a]) => s.expand(a, [4, 2, 5, 3]),
  },
  {
    op: "Concat",
    inputs: [["a", [2, 3]], ["b", [2, 2]]],
    build: ([a, b]) => s.concat([a, b], 1),
  },
  { op: "Slice", inputs: [["a", [3, 5]]], build: ([a]) => s.slice(a, 1, 1, 4) },
  {
    op: "Pad",
    inputs: [["a", [2, 3]]],
    build: ([a]) => s.pad(a, [1, 0, 0, 2]),
  },
  {
    op: "Gather",
    label: "embedding with repeated ids",
    inputs: [["a", [5, 3]]],
    ints: { ids: { dims: [2, 3], values: [0, 4, 4, 1, 0, 2] } },
    build: ([a], g) => s.gather(a, rowIdx(g, "ids", [2, 3])),
  },
  {
    op: "GatherElements",
    inputs: [["a", [2, 5]]],
    ints: { ids: { dims: [2, 3], values: [0, 4, 4, 1, 1, 2] } },
    build: ([a], g) => s.gatherElements(a, rowIdx(g, "ids", [2, 3]), 1),
  },
  {
    op: "GatherND",
    inputs: [["a", [3, 4]]],
    ints: { ids: { dims: [3, 2], values: [0, 1, 2, 3, 0, 1] } },
    build: ([a], g) => s.gatherND(a, rowIdx(g, "ids", [3, 2])),
  },
  {
    op: "ScatterElements",
    inputs: [["a", [2, 4]], ["u", [2, 3]]],
    ints: { ids: { dims: [2, 3], values: [0, 3, 3, 1, 1, 2] } },
    build: ([a, u], g) => s.scatterElementsAdd(a, rowIdx(g, "ids", [2, 3]), u, 1),
  },
  {
    op: "ScatterND",
    inputs: [["a", [4, 3]], ["u", [3, 3]]],
    ints: { ids: { dims: [3, 1], values: [1, 3, 1] } },
    build: ([a, u], g) => s.scatterNDAdd(a, rowIdx(g, "ids", [3, 1]), u),
  },
  {
    op: "Trilu",
    inputs: [["a", [2, 4, 4]]],
    build: ([a]) => o.trilu(a, false, 0),
  },
];

function initValues(
  rng: ReturnType<typeof makeRng>,
  n: number,
  init: Init = "normal",
) {
  return Float64Array.from({ length: n }, () => {
    const z = randNormal(rng);
    if (init === "positive") return 0.5 + Math.abs(z);
    if (init === "awayFromZero") return (0.3 + Math.abs(z)) * (z < 0 ? -1 : 1);
    return z;
  });
}

async function check(c: Case): Promise<number> {
  const rng = makeRng(`grad-${c.op}-${c.label ?? ""}`);
  const g = newGraph(c.op);
  const xs = c.inputs.map(([name, dims]) => input(g, name, dims, "float64"));
  const values: Record<string, HostTensor> = {};
  c.inputs.forEach(([name, dims, init]) => {
    values[name] = {
      data: initValues(rng, dims.reduce((a, b) => a * b, 1), init),
      dims,
    };
  });
  for (const [name, { dims, values: v }] of Object.entries(c.ints ?? {})) {
    values[name] = { data: typedArray("int64", v) as BigInt64Array, dims };
  }
  const y = c.build(xs, g);
  // Weight the output with fixed random numbers so every output element matters differently.
  const n = y.shape.reduce((a: number, b) => a * (b as number), 1);
  const w = s.reshape(
    input(g, "weights", [n], "float64"),
    y.shape.length ? y.shape : [],
  );
  values.weights = { data: initValues(rng, n), dims: [n] };
  const loss = o.reduceSum(o.mul(y, w));
  const r = await gradCheck(g, loss, xs, values);
  return r.maxRelError;
}

const results: Record<string, number> = {};
for (const c of CASES) {
  Deno.test(`grad ${c.op}${c.label ? ` (${c.label})` : ""} matches finite differences`, async () => {
    const err = await check(c);
    results[c.op] = Math.max(results[c.op] ?? 0, err);
    assert.ok(
      err < 1e-5,
      `${c.op}: max relative error ${err.toExponential(2)}`,
    );
  });
}

Deno.test("every backward rule has a gradient check", () => {
  const checked = new Set(CASES.map((c) => c.op));
  const missing = Object.keys(RULES).filter((op) => !checked.has(op));
  assert.deepEqual(missing, []);
  const worst = Math.max(...Object.values(results));
  console.log(
    `per-op gradient checks: ${Object.keys(results).length} ops, max relative error ${
      worst.toExponential(2)
    }`,
  );
});
