/**
 * Reverse-mode automatic differentiation on the symbolic graph: `grad(loss, wrt)` appends the
 * backward graph (built from standard ONNX ops by the rules in `rules.ts`) to the same graph
 * and returns one gradient tensor per `wrt` tensor.
 *
 * @module
 */
import { fill, reshapeLike } from "./shape_ops.ts";
import { addNode, fmtShape, type Graph, isFloat, type Node, type Tensor } from "./graph.ts";
import { accumulate, NON_DIFFERENTIABLE, RULES, unbroadcast } from "./rules.ts";
import { UserError } from "../util/errors.ts";

function sameShape(a: Tensor, b: Tensor): boolean {
  return a.shape.length === b.shape.length &&
    a.shape.every((d, i) => d === b.shape[i]);
}

/** Tensor ids reachable forward from `sources` through `nodes`. */
function forwardReach(nodes: Node[], sources: Tensor[]): Set<number> {
  const reach = new Set(sources.map((t) => t.id));
  for (const n of nodes) {
    if (n.inputs.some((t) => reach.has(t.id))) {
      for (const o of n.outputs) reach.add(o.id);
    }
  }
  return reach;
}

/**
 * Gradients of the scalar `loss` with respect to each tensor in `wrt` (graph inputs,
 * constants or intermediate values). Tensors that `loss` does not depend on get a zero
 * gradient. Throws a {@link UserError} for a non-scalar loss or an op with no backward rule.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { newGraph, input } from "./graph.ts";
 * import { mul, reduceSum } from "./ops.ts";
 * import { grad } from "./grad.ts";
 * const g = newGraph();
 * const x = input(g, "x", [3], "float64");
 * const [dx] = grad(reduceSum(mul(x, x)), [x]); // dx = 2x
 * assert.deepEqual([dx.shape, dx.dtype], [[3], "float64"]);
 * ```
 */
export function grad(loss: Tensor, wrt: Tensor[]): Tensor[] {
  const g = loss.graph;
  if (loss.shape.length !== 0) {
    throw new UserError(
      `grad: loss must be a scalar, got shape ${fmtShape(loss.shape)}`,
    );
  }
  const nodes = g.nodes.slice();
  const reach = forwardReach(nodes, wrt);
  const grads = new Map<number, Tensor>([[loss.id, fill(loss, 1)]]);
  const put = (t: Tensor, d: Tensor | undefined) => {
    if (!d || !reach.has(t.id) || !isFloat(t.dtype)) return;
    let fitted = sameShape(d, t) ? d : unbroadcast(d, t);
    if (!sameShape(fitted, t)) fitted = reshapeLike(fitted, t);
    const prev = grads.get(t.id);
    grads.set(t.id, prev ? accumulate(prev, fitted) : fitted);
  };
  for (let i = nodes.length - 1; i >= 0; i--) {
    const n = nodes[i];
    const gOuts = n.outputs.map((o) => grads.get(o.id));
    if (gOuts.every((x) => x === undefined)) continue;
    if (n.vjp) {
      const ds = n.vjp.rule(gOuts);
      n.vjp.wrt.forEach((t, k) => put(t, ds[k]));
      continue;
    }
    if (NON_DIFFERENTIABLE.has(n.op)) continue;
    const needs = n.inputs.map((t) => reach.has(t.id) && isFloat(t.dtype));
    if (!needs.some(Boolean)) continue;
    const rule = RULES[n.op];
    if (!rule) throw new UserError(`grad: no backward rule for op ${n.op}`);
    if (n.outputs.length !== 1) {
      throw new UserError(`grad: op ${n.op} has several outputs`);
    }
    const ds = rule(n, gOuts[0]!, needs);
    n.inputs.forEach((t, k) => needs[k] && put(t, ds[k]));
  }
  const out = wrt.map((t) => grads.get(t.id) ?? fill(t, 0));
  recastInBackward(g, nodes.length);
  return out;
}

/**
 * Makes the backward nodes (those from index `from` on) read a fresh Cast of each float16 graph
 * input instead of the forward pass's Cast output. A frozen base stored in float16 is widened by
 * one Cast per weight (`model/inputs.ts`); without this, each widened float32 copy stays alive from
 * its forward use until the backward pass reuses it (for `dX = dY·W`), so a train step would hold
 * a float32 copy of the whole base on top of the float16 one. Recomputing the Cast costs one
 * conversion per weight per step.
 */
function recastInBackward(g: Graph, from: number): void {
  const fresh = new Map<number, Tensor>(), made = new Set<number>();
  for (let i = from; i < g.nodes.length; i++) {
    const n = g.nodes[i];
    n.inputs.forEach((t, k) => {
      const p = g.producers.get(t.id);
      const src = p?.op === "Cast" ? p.inputs[0] : undefined;
      if (!p || !src?.inputName || src.dtype !== "float16" || made.has(t.id)) return;
      let c = fresh.get(t.id);
      if (!c) {
        c = addNode("Cast", [src], p.attrs, [{ dtype: t.dtype, shape: t.shape }])[0];
        g.nodes.splice(i, 0, g.nodes.pop()!); // right before its first backward consumer
        i++;
        fresh.set(t.id, c);
        made.add(c.id);
        g.recomputes = true;
      }
      n.inputs[k] = c;
    });
  }
}
