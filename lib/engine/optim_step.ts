/**
 * A whole optimization step as one graph and one `session.run`: a loss over trainable
 * parameters (graph inputs), its gradients, global-norm clipping and AdamW. The state
 * (parameters and moments, fp32 master weights) stays in JS; each step returns a new state.
 * Used by the policy update and by the critic.
 *
 * Frozen parameters (`frozen` of {@link buildOptimGraph}, e.g. the base model under LoRA
 * adapters) are graph inputs too, but they get no gradient, no AdamW moments and no `next.*`
 * output: each call feeds the caller's typed arrays as they are (no copy on our side) and the
 * {@link TrainState} holds only the trainable parameters. Without `frozen` the graph is the
 * same as before, byte for byte.
 *
 * A step whose loss, gradient norm or new parameters are not finite is refused
 * ({@link NonFiniteStepError}): the caller's state is left as it was (the new buffers are
 * fresh arrays, adopted only after the check). With a finite gradient norm the new moments are
 * finite too (each squared gradient is at most the norm's square), so they need no scan.
 *
 * @module
 */
import { type DType, type Graph, input, newGraph, type Tensor } from "./graph.ts";
import { grad } from "./grad.ts";
import { toOnnx } from "./onnx.ts";
import {
  ADAMW_DEFAULTS,
  type AdamWConfig,
  adamwGraph,
  adamwScalars,
  adamwStepOutputs,
  momentNames,
} from "./adamw.ts";
import { type HostTensor, openSession, type Session, type SessionOptions } from "./runtime.ts";
import { isNormOrBias, type Params, type ParamStore } from "./param_types.ts";
import { UserError } from "../util/errors.ts";

/** Optimizer state: parameters, AdamW moments, and the number of steps taken. */
export interface TrainState {
  /** Parameters (fp32 master weights). */
  params: ParamStore;
  /** AdamW first moments. */
  m: ParamStore;
  /** AdamW second moments. */
  v: ParamStore;
  /** Updates applied so far. */
  step: number;
}

/** A fresh optimizer state (zero moments) for the given parameters. */
export function initTrainState(params: ParamStore): TrainState {
  const zeros = (t: HostTensor): HostTensor => ({
    data: new (t.data.constructor as Float32ArrayConstructor)(t.data.length),
    dims: t.dims,
  });
  const m: ParamStore = {}, v: ParamStore = {};
  for (const [k, t] of Object.entries(params)) {
    m[k] = zeros(t);
    v[k] = zeros(t);
  }
  return { params, m, v, step: 0 };
}

/** What the loss builder returns: the scalar loss and extra outputs to fetch. */
export interface LossOutputs {
  /** Scalar loss. */
  loss: Tensor;
  /** More graph outputs by name (metrics, log-probs). */
  outputs?: Record<string, Tensor>;
}

/** Options of {@link buildOptimGraph}. */
export interface OptimGraphOptions {
  /** AdamW settings (defaults {@link ADAMW_DEFAULTS}). */
  adam?: Partial<AdamWConfig>;
  /** Parameter dtype (default float32). */
  dtype?: DType;
  /** Also output each gradient as `grad.<name>`. */
  outputGrads?: boolean;
  /** Which parameters get weight decay (default: all but norms and biases). */
  decay?: (name: string) => boolean;
  /**
   * Frozen parameters the loss reads but that are not trained: shapes by name (declared as
   * inputs of `frozenDtype`), or a function that declares them in the graph itself (e.g. a
   * float16-stored base widened inside the graph) and returns the tensors the loss should use;
   * it gets the trainable inputs and may return them too (reused, not declared again).
   * Frozen tensors get no gradient, no moments and no `next.*` outputs; feed them to
   * {@link OptimStep.run} as `frozen`.
   */
  frozen?: Record<string, number[]> | ((g: Graph, trained: Params) => Params);
  /** Dtype of frozen inputs given as shapes (default: `dtype`). */
  frozenDtype?: DType;
}

/**
 * Builds the step graph: parameters named as in `shapes` become inputs, `buildLoss` adds the
 * loss (and declares its own data inputs), then gradients and AdamW are appended. Outputs:
 * `loss`, `grad_norm`, `next.<p>`, `next_m.<p>`, `next_v.<p>` and the builder's extras.
 * With `opts.frozen`, `buildLoss` receives the frozen tensors beside the trainable ones, and
 * only the trainable ones (`shapes`) are differentiated and updated.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { buildOptimGraph, createOptimStep, initTrainState } from "./optim_step.ts";
 * import { mul, reduceSum } from "./ops.ts";
 * // loss = Σ w·a (w frozen, a trained): d loss/d a = w
 * const bytes = buildOptimGraph("demo", { a: [2] }, (p) => ({ loss: reduceSum(mul(p.w, p.a)) }), {
 *   frozen: { w: [2] },
 * });
 * const step = await createOptimStep(bytes, ["a"], { frozenNames: ["w"] });
 * const w = { data: new Float32Array([1, -1]), dims: [2] };
 * const r = await step.run(initTrainState({ a: { data: new Float32Array([0, 0]), dims: [2] } }), {}, 0.1, { w });
 * assert.deepEqual(Object.keys(r.state.params), ["a"]); // no state for w
 * assert.deepEqual([...r.state.params.a.data].map((x) => Math.round(Number(x) * 10) / 10), [-0.1, 0.1]);
 * await step.session.release();
 * ```
 */
export function buildOptimGraph(
  name: string,
  shapes: Record<string, number[]>,
  buildLoss: (params: Params) => LossOutputs,
  opts: OptimGraphOptions = {},
): Uint8Array {
  const g = newGraph(name), dtype = opts.dtype ?? "float32";
  const params: Params = {};
  for (const [n, dims] of Object.entries(shapes)) {
    params[n] = input(g, n, dims, dtype);
  }
  const names = Object.keys(params);
  const frozen = frozenInputs(g, opts, params);
  const { loss, outputs: extra } = buildLoss(frozen ? { ...frozen, ...params } : params);
  const grads = grad(loss, names.map((n) => params[n]));
  const decay = opts.decay ?? ((n: string) => !isNormOrBias(n));
  const upd = adamwGraph(
    names.map((n, i) => ({
      name: n,
      param: params[n],
      grad: grads[i],
      decay: decay(n),
    })),
    { ...ADAMW_DEFAULTS, ...opts.adam },
  );
  const outGrads = opts.outputGrads ? Object.fromEntries(names.map((n, i) => [n, grads[i]])) : {};
  const outputs: Record<string, Tensor> = { ...extra, loss, ...adamwStepOutputs(upd, outGrads) };
  return toOnnx(g, { outputs });
}

/** Declares the frozen inputs of {@link OptimGraphOptions.frozen} (none: undefined). */
function frozenInputs(g: Graph, opts: OptimGraphOptions, trained: Params): Params | undefined {
  if (!opts.frozen) return undefined;
  const out: Params = {};
  if (typeof opts.frozen === "function") {
    for (const [n, t] of Object.entries(opts.frozen(g, trained))) {
      if (trained[n] === undefined) out[n] = t;
      else if (trained[n] !== t) {
        throw new UserError(`buildOptimGraph: parameter '${n}' is both trainable and frozen`);
      }
    }
  } else {
    const dtype = opts.frozenDtype ?? opts.dtype ?? "float32";
    for (const [n, dims] of Object.entries(opts.frozen)) {
      if (trained[n]) {
        throw new UserError(`buildOptimGraph: parameter '${n}' is both trainable and frozen`);
      }
      out[n] = input(g, n, dims, dtype);
    }
  }
  return out;
}

/** What was not finite in a refused step (see {@link NonFiniteStepError}). */
export interface NonFiniteDetails {
  /** The loss (before the update). */
  loss: number;
  /** The global gradient norm (before clipping). */
  gradNorm: number;
  /** The first parameter whose new values are not finite, when the loss and norm were finite. */
  param?: string;
  /** The largest |value| over the parameters before the update (a hint at a too-large lr). */
  maxAbsParam: number;
  /** The learning rate of the step. */
  lr: number;
  /** The largest |advantage| of the batch (set by the policy update). */
  maxAbsAdvantage?: number;
  /** Which inner iteration failed (set by the policy update; 1-based). */
  innerIteration?: number;
}

/**
 * A step refused because its loss, gradient norm or new parameters are not finite: nothing of
 * it was applied. The trainer adds the step number and the likely cause.
 */
export class NonFiniteStepError extends UserError {
  /** What was not finite. */
  readonly details: NonFiniteDetails;
  /** Creates the error; the message lists the non-finite values. */
  constructor(details: NonFiniteDetails) {
    const what = [
      ...(Number.isFinite(details.loss) ? [] : [`loss ${details.loss}`]),
      ...(Number.isFinite(details.gradNorm) ? [] : [`gradient norm ${details.gradNorm}`]),
      ...(details.param ? [`new values of '${details.param}'`] : []),
    ];
    super(`optimization step not applied: non-finite ${what.join(", ")}`);
    this.name = "NonFiniteStepError";
    this.details = details;
  }
}

/** Whether every value of `a` is finite (NaN and ±Infinity are not). */
export function allFinite(a: ArrayLike<number>): boolean {
  for (let i = 0; i < a.length; i++) {
    if (!Number.isFinite(a[i])) return false;
  }
  return true;
}

/** The largest absolute value in a parameter store (NaN when some value is NaN). */
export function maxAbs(store: ParamStore): number {
  let m = 0;
  for (const t of Object.values(store)) {
    const a = t.data as Float32Array;
    for (let i = 0; i < a.length; i++) {
      const x = Math.abs(a[i]);
      if (x > m) m = x;
      else if (Number.isNaN(x)) return NaN;
    }
  }
  return m;
}

/** A compiled optimization step. */
export interface OptimStep {
  /** The ORT session (release it when done). */
  session: Session;
  /**
   * Applies one update with data `feeds` (and the frozen parameters `frozen`, fed as they are,
   * when the graph has some); returns the new state and every other output.
   * Throws {@link NonFiniteStepError} (and leaves `state` as it was) when the loss, gradient
   * norm or a new parameter is not finite.
   */
  run(
    state: TrainState,
    feeds: Record<string, HostTensor>,
    lr: number,
    frozen?: ParamStore,
  ): Promise<
    {
      state: TrainState;
      loss: number;
      gradNorm: number;
      outputs: Record<string, HostTensor>;
    }
  >;
}

/** The entries `names` of a store (the same tensors, not copies). */
const pick = (store: ParamStore, names: string[]): ParamStore =>
  Object.fromEntries(names.map((n) => [n, store[n]]));

/**
 * Opens a step built by {@link buildOptimGraph} for the trainable parameters `names`;
 * `frozenNames` are the frozen parameters each call must be given (checked by name).
 */
export async function createOptimStep(
  bytes: Uint8Array,
  names: string[],
  opts: {
    adam?: Partial<AdamWConfig>;
    dtype?: DType;
    session?: SessionOptions;
    frozenNames?: string[];
  } = {},
): Promise<OptimStep> {
  const session = await openSession(bytes, opts.session);
  const adam = { ...ADAMW_DEFAULTS, ...opts.adam };
  return {
    session,
    async run(state, data, lr, frozen) {
      const missing = opts.frozenNames?.find((n) => !frozen?.[n]);
      if (missing !== undefined) {
        throw new UserError(
          `optimization step: frozen parameter '${missing}' was not given (pass the base ` +
            `parameters as run(state, feeds, lr, frozen))`,
        );
      }
      const out = await session.run({
        ...data,
        ...(opts.frozenNames ? pick(frozen!, opts.frozenNames) : {}),
        ...adamwFeeds(state, names, lr, adam, opts.dtype),
      });
      const loss = Number(out.loss.data[0]), gradNorm = Number(out.grad_norm.data[0]);
      const next = nextTrainState(state, names, out, { loss, gradNorm, lr });
      return { state: next, loss, gradNorm, outputs: out };
    },
  };
}

/**
 * The AdamW inputs of one step from `state` at learning rate `lr`: the scalars `lr`, `bias1`
 * and `bias2` of step `state.step + 1` (as `dtype` arrays, default float32) and, for each
 * trainable parameter of `names`, the parameter and its two moments (the state's own tensors).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { adamwFeeds, initTrainState } from "./optim_step.ts";
 * import { ADAMW_DEFAULTS } from "./adamw.ts";
 * const state = initTrainState({ w: { data: new Float32Array(2), dims: [2] } });
 * const f = adamwFeeds(state, ["w"], 0.5, { ...ADAMW_DEFAULTS, beta1: 0.9 });
 * assert.deepEqual(Object.keys(f), ["lr", "bias1", "bias2", "w", "adam_m.w", "adam_v.w"]);
 * assert.equal(f.w, state.params.w);
 * assert.ok(Math.abs(Number(f.bias1.data[0]) - 0.1) < 1e-7); // 1 − 0.9¹
 * ```
 */
export function adamwFeeds(
  state: TrainState,
  names: string[],
  lr: number,
  adam: AdamWConfig,
  dtype?: DType,
): Record<string, HostTensor> {
  const F = dtype === "float64" ? Float64Array : Float32Array;
  const sc = adamwScalars(state.step + 1, lr, adam);
  const feeds: Record<string, HostTensor> = {
    lr: { data: F.of(sc.lr), dims: [] },
    bias1: { data: F.of(sc.bias1), dims: [] },
    bias2: { data: F.of(sc.bias2), dims: [] },
  };
  for (const n of names) {
    const mn = momentNames(n);
    feeds[n] = state.params[n];
    feeds[mn.m] = state.m[n];
    feeds[mn.v] = state.v[n];
  }
  return feeds;
}

/**
 * The state after a step from `state`: the outputs `next.<p>`, `next_m.<p>`, `next_v.<p>` of
 * `out` for each trainable parameter of `names`, at step `state.step + 1`. Throws
 * {@link NonFiniteStepError} (`state` is left as it was) when the step's `loss` or `gradNorm`
 * or a new parameter is not finite.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { initTrainState, NonFiniteStepError, nextTrainState } from "./optim_step.ts";
 * const t = (...v: number[]) => ({ data: Float32Array.from(v), dims: [v.length] });
 * const state = initTrainState({ w: t(1) });
 * const out = { "next.w": t(0.5), "next_m.w": t(1), "next_v.w": t(2) };
 * const next = nextTrainState(state, ["w"], out, { loss: 1, gradNorm: 1, lr: 0.1 });
 * assert.deepEqual([next.step, [...next.params.w.data]], [1, [0.5]]);
 * assert.throws(
 *   () => nextTrainState(state, ["w"], { ...out, "next.w": t(NaN) }, { loss: 1, gradNorm: 1, lr: 0.1 }),
 *   NonFiniteStepError,
 * );
 * ```
 */
export function nextTrainState(
  state: TrainState,
  names: string[],
  out: Record<string, HostTensor>,
  step: { loss: number; gradNorm: number; lr: number },
): TrainState {
  const { loss, gradNorm, lr } = step;
  const bad = !Number.isFinite(loss) || !Number.isFinite(gradNorm)
    ? ""
    : names.find((n) => !allFinite(out[`next.${n}`].data as Float32Array));
  if (bad !== undefined) {
    throw new NonFiniteStepError({
      loss,
      gradNorm,
      ...(bad ? { param: bad } : {}),
      maxAbsParam: maxAbs(state.params),
      lr,
    });
  }
  const next: TrainState = { params: {}, m: {}, v: {}, step: state.step + 1 };
  for (const n of names) {
    next.params[n] = out[`next.${n}`];
    next.m[n] = out[`next_m.${n}`];
    next.v[n] = out[`next_v.${n}`];
  }
  return next;
}
