/**
 * An optimization step split in two kinds of graphs, for gradient accumulation (micro-batches):
 * a **gradient graph** ({@link buildGradGraph}) that runs the loss and its backward pass on part
 * of a batch and outputs only the loss and the gradients of the trainable parameters, and an
 * **apply graph** ({@link buildApplyGraph}) that takes the summed gradients as inputs and does
 * global-norm clipping and AdamW exactly as the one-call step of `optim_step.ts` does. In between,
 * {@link addGrads} sums the parts' gradients in JS in float64, in the order given (deterministic).
 *
 * When the loss is a sum over rows whose weights were normalized over the whole batch, the summed
 * part losses and gradients equal the whole batch's, so `apply(Σ grads)` is the one-call step up
 * to rounding; only one part's activations are alive at a time.
 *
 * @module
 */
import { type DType, type Graph, input, newGraph, type Tensor } from "./graph.ts";
import { grad } from "./grad.ts";
import { toOnnx } from "./onnx.ts";
import { ADAMW_DEFAULTS, type AdamWConfig, adamwGraph, adamwStepOutputs } from "./adamw.ts";
import { type HostTensor, openSession, type Session, type SessionOptions } from "./runtime.ts";
import { isNormOrBias, type Params, type ParamStore } from "./param_types.ts";
import { adamwFeeds, type LossOutputs, nextTrainState, type TrainState } from "./optim_step.ts";
import { UserError } from "../util/errors.ts";

/** Options of {@link buildGradGraph}. */
export interface GradGraphOptions {
  /** Parameter dtype (default float32). */
  dtype?: DType;
  /**
   * Declares the frozen tensors the loss reads (e.g. a base model under LoRA adapters) and
   * returns them; it gets the trainable inputs and may return them too (reused). Frozen tensors
   * get no gradient; feed them to {@link GradStep.run} as `frozen`.
   */
  frozen?: (g: Graph, trained: Params) => Params;
}

/**
 * Builds a gradient graph: the parameters of `shapes` become inputs, `buildLoss` adds the loss
 * (and declares its data inputs); outputs `loss`, `grad.<p>` for each trainable parameter, and
 * the builder's extra outputs. No optimizer: see {@link buildApplyGraph}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { buildGradGraph, createGradStep } from "./grad_step.ts";
 * import { input } from "./graph.ts";
 * import { mul, reduceSum } from "./ops.ts";
 * // loss = Σ w·a·x (w frozen, x data): d loss/d a = w·x
 * const bytes = buildGradGraph("demo", { a: [2] }, (p) => {
 *   const x = input(p.a.graph, "x", [2]);
 *   return { loss: reduceSum(mul(mul(p.w, p.a), x)) };
 * }, { frozen: (g) => ({ w: input(g, "w", [2]) }) });
 * const step = await createGradStep(bytes, ["a"], { frozenNames: ["w"] });
 * const f = (...v: number[]) => ({ data: Float32Array.from(v), dims: [2] });
 * const r = await step.run({ a: f(1, 1) }, { x: f(3, 4) }, { w: f(1, -1) });
 * assert.deepEqual([r.loss, [...r.grads.a.data]], [-1, [3, -4]]);
 * await step.session.release();
 * ```
 */
export function buildGradGraph(
  name: string,
  shapes: Record<string, number[]>,
  buildLoss: (params: Params) => LossOutputs,
  opts: GradGraphOptions = {},
): Uint8Array {
  const g = newGraph(name), dtype = opts.dtype ?? "float32";
  const params: Params = {};
  for (const [n, dims] of Object.entries(shapes)) params[n] = input(g, n, dims, dtype);
  const names = Object.keys(params);
  let all = params;
  if (opts.frozen) {
    all = { ...params };
    for (const [n, t] of Object.entries(opts.frozen(g, params))) {
      if (params[n] !== undefined && params[n] !== t) {
        throw new UserError(`buildGradGraph: parameter '${n}' is both trainable and frozen`);
      }
      all[n] = t;
    }
  }
  const { loss, outputs: extra } = buildLoss(all);
  const grads = grad(loss, names.map((n) => params[n]));
  const outputs: Record<string, Tensor> = { ...extra, loss };
  names.forEach((n, i) => (outputs[`grad.${n}`] = grads[i]));
  return toOnnx(g, { outputs });
}

/** Options of {@link buildApplyGraph}. */
export interface ApplyGraphOptions {
  /** AdamW settings (defaults `ADAMW_DEFAULTS`). */
  adam?: Partial<AdamWConfig>;
  /** Parameter dtype (default float32). */
  dtype?: DType;
  /** Which parameters get weight decay (default: all but norms and biases, as the one-call step). */
  decay?: (name: string) => boolean;
}

/**
 * Builds the apply graph: inputs `<p>`, `grad.<p>` (the summed gradient), the AdamW moments and
 * scalars; global-norm clipping and AdamW as in `buildOptimGraph`. Outputs `grad_norm` (before
 * clipping), `next.<p>`, `next_m.<p>`, `next_v.<p>`.
 */
export function buildApplyGraph(
  shapes: Record<string, number[]>,
  opts: ApplyGraphOptions = {},
): Uint8Array {
  const g = newGraph("apply_step"), dtype = opts.dtype ?? "float32";
  const decay = opts.decay ?? ((n: string) => !isNormOrBias(n));
  const slots = Object.entries(shapes).map(([n, dims]) => ({
    name: n,
    param: input(g, n, dims, dtype),
    grad: input(g, `grad.${n}`, dims, dtype),
    decay: decay(n),
  }));
  if (!slots.length) throw new UserError("buildApplyGraph: no trainable parameters");
  const upd = adamwGraph(slots, { ...ADAMW_DEFAULTS, ...opts.adam });
  return toOnnx(g, { outputs: adamwStepOutputs(upd) });
}

/** A compiled gradient graph. */
export interface GradStep {
  /** The ORT session (release it when done). */
  session: Session;
  /**
   * Runs the loss and backward pass on `feeds` at parameters `params` (and `frozen`, fed as
   * they are); returns the loss, the gradients and every other output.
   */
  run(
    params: ParamStore,
    feeds: Record<string, HostTensor>,
    frozen?: ParamStore,
  ): Promise<{ loss: number; grads: ParamStore; outputs: Record<string, HostTensor> }>;
}

/** Opens a graph of {@link buildGradGraph} for the trainable `names` (and `frozenNames`). */
export async function createGradStep(
  bytes: Uint8Array,
  names: string[],
  opts: { session?: SessionOptions; frozenNames?: string[] } = {},
): Promise<GradStep> {
  const session = await openSession(bytes, opts.session);
  return {
    session,
    async run(params, data, frozen) {
      const feeds: Record<string, HostTensor> = { ...data };
      for (const n of opts.frozenNames ?? []) {
        if (!frozen?.[n]) {
          throw new UserError(
            `gradient step: frozen parameter '${n}' was not given (pass the base parameters ` +
              `as run(params, feeds, frozen))`,
          );
        }
        feeds[n] = frozen[n];
      }
      for (const n of names) {
        if (!params[n]) throw new UserError(`gradient step: parameter '${n}' was not given`);
        feeds[n] = params[n];
      }
      const out = await session.run(feeds);
      const grads: ParamStore = {};
      for (const n of names) grads[n] = out[`grad.${n}`];
      return { loss: Number(out.loss.data[0]), grads, outputs: out };
    },
  };
}

/** Gradient sums in float64, by parameter name (see {@link addGrads}). */
export type GradSums = Record<string, { data: Float64Array; dims: number[] }>;

/**
 * Adds `grads` into `sums` (created, zero, for names it lacks) in float64 and returns `sums`.
 * Summing the parts in a fixed order makes the result the same from run to run.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { addGrads } from "./grad_step.ts";
 * const part = (...v: number[]) => ({ w: { data: Float32Array.from(v), dims: [v.length] } });
 * const sums = addGrads(addGrads({}, part(1, 2)), part(0.5, -2));
 * assert.deepEqual([...sums.w.data], [1.5, 0]);
 * ```
 */
export function addGrads(sums: GradSums, grads: ParamStore): GradSums {
  for (const [n, t] of Object.entries(grads)) {
    const s = sums[n] ??= { data: new Float64Array(t.data.length), dims: t.dims };
    if (s.data.length !== t.data.length) {
      throw new UserError(
        `addGrads: gradient '${n}' has ${t.data.length} elements, the sum ${s.data.length}`,
      );
    }
    const a = s.data, b = t.data as Float32Array | Float64Array;
    for (let i = 0; i < a.length; i++) a[i] += b[i];
  }
  return sums;
}

/** A compiled apply graph. */
export interface ApplyStep {
  /** The ORT session (release it when done). */
  session: Session;
  /**
   * Clips the summed gradients `sums` by their global norm and applies AdamW to `state` at
   * learning rate `lr`; `loss` (the summed loss) is only checked. Returns the new state (the
   * old one is left untouched) and the norm before clipping. Throws `NonFiniteStepError`, and
   * applies nothing, when the loss, the norm or a new parameter is not finite. A parameter
   * without a sum (no part had a gradient for it) gets a zero gradient.
   */
  run(
    state: TrainState,
    sums: GradSums,
    lr: number,
    loss: number,
  ): Promise<{ state: TrainState; gradNorm: number }>;
}

/** Opens a graph of {@link buildApplyGraph} for the trainable parameters `names`. */
export async function createApplyStep(
  bytes: Uint8Array,
  names: string[],
  opts: { adam?: Partial<AdamWConfig>; dtype?: DType; session?: SessionOptions } = {},
): Promise<ApplyStep> {
  const session = await openSession(bytes, opts.session);
  const adam = { ...ADAMW_DEFAULTS, ...opts.adam };
  const F = opts.dtype === "float64" ? Float64Array : Float32Array;
  return {
    session,
    async run(state, sums, lr, loss) {
      const feeds = adamwFeeds(state, names, lr, adam, opts.dtype);
      for (const n of names) {
        const p = state.params[n];
        feeds[`grad.${n}`] = {
          data: sums[n] ? F.from(sums[n].data) : new F(p.data.length),
          dims: p.dims,
        };
      }
      const out = await session.run(feeds);
      const gradNorm = Number(out.grad_norm.data[0]);
      return { state: nextTrainState(state, names, out, { loss, gradNorm, lr }), gradNorm };
    },
  };
}
