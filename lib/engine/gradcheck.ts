/**
 * Gradient checking: compares the gradients that `grad()` builds (run through onnxruntime)
 * with central finite differences of the same loss, in float64.
 *
 * @module
 */
import type { Graph, Tensor } from "./graph.ts";
import { grad } from "./grad.ts";
import { toOnnx } from "./onnx.ts";
import { type HostTensor, openSession } from "./runtime.ts";
import { UserError } from "../util/errors.ts";

/** Result of {@link gradCheck}. */
export interface GradCheckResult {
  /** Max over checked inputs of the per-input relative error. */
  maxRelError: number;
  /** Per input name: max |analytic − numeric| / max(|analytic|, |numeric|, floor). */
  relError: Record<string, number>;
  /** Number of loss evaluations done for the finite differences. */
  evaluations: number;
}

/** Options for {@link gradCheck}. */
export interface GradCheckOptions {
  /** Finite-difference step (default 1e-6). */
  eps?: number;
  /** Denominator floor, so that near-zero gradients are compared absolutely (default 1e-3). */
  floor?: number;
  /** Check at most this many elements per input, evenly spread (default: all). */
  maxElements?: number;
}

/**
 * Checks d loss / d `wrt` at the given input values. All checked inputs must be float64 graph
 * inputs; `values` feeds every input of the graph.
 *
 * @example
 * ```ts
 * import { newGraph, input } from "./graph.ts";
 * import { mul, reduceSum, tanh } from "./ops.ts";
 * import { gradCheck } from "./gradcheck.ts";
 * const g = newGraph();
 * const x = input(g, "x", [3], "float64");
 * const r = await gradCheck(g, reduceSum(tanh(mul(x, x))), [x], {
 *   x: { data: new Float64Array([0.1, -0.4, 0.7]), dims: [3] },
 * });
 * console.assert(r.maxRelError < 1e-6);
 * ```
 */
export async function gradCheck(
  g: Graph,
  loss: Tensor,
  wrt: Tensor[],
  values: Record<string, HostTensor>,
  opts: GradCheckOptions = {},
): Promise<GradCheckResult> {
  const eps = opts.eps ?? 1e-6, floor = opts.floor ?? 1e-3;
  for (const t of wrt) {
    if (!t.inputName || t.dtype !== "float64") {
      throw new UserError(
        "gradCheck: every checked tensor must be a float64 graph input",
      );
    }
  }
  const grads = grad(loss, wrt);
  const outputs: Record<string, Tensor> = { loss };
  grads.forEach((d, i) => (outputs[`grad_${wrt[i].inputName}`] = d));
  const session = await openSession(toOnnx(g, { outputs }), {
    threads: 1,
    optimization: "basic",
  });
  const fwd = await openSession(toOnnx(g, { outputs: { loss } }), {
    threads: 1,
    optimization: "basic",
  });
  const analytic = await session.run(values);
  const relError: Record<string, number> = {};
  let evaluations = 0;
  for (const t of wrt) {
    const name = t.inputName!;
    const base = values[name].data as Float64Array;
    const a = analytic[`grad_${name}`].data as Float64Array;
    const n = base.length;
    const stride = opts.maxElements && n > opts.maxElements ? n / opts.maxElements : 1;
    let worst = 0;
    for (let f = 0; f < n; f += stride) {
      const i = Math.floor(f);
      const data = base.slice();
      const feeds = { ...values, [name]: { data, dims: values[name].dims } };
      data[i] = base[i] + eps;
      const lp = ((await fwd.run(feeds)).loss.data as Float64Array)[0];
      data[i] = base[i] - eps;
      const lm = ((await fwd.run(feeds)).loss.data as Float64Array)[0];
      evaluations += 2;
      const num = (lp - lm) / (2 * eps);
      const err = Math.abs(a[i] - num) /
        Math.max(Math.abs(a[i]), Math.abs(num), floor);
      if (!(err <= worst)) worst = Number.isNaN(err) ? Infinity : err;
    }
    relError[name] = worst;
  }
  await session.release();
  await fwd.release();
  return {
    maxRelError: Math.max(0, ...Object.values(relError)),
    relError,
    evaluations,
  };
}
