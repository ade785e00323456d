/**
 * The policy update as one onnxruntime call: forward pass, the token-weighted policy loss of
 * `loss_graph.ts` (with token weights `mask / Σ mask` it is the masked token-level loss
 * `−Σ mask·adv·logp / Σ mask`), backward pass, global-norm clipping and AdamW, all in one graph. The state (parameters and moments) stays in JS as plain host
 * tensors; each step returns a new state.
 *
 * @module
 */
import { type DType, input, newGraph, type Tensor } from "../engine/graph.ts";
import { grad } from "../engine/grad.ts";
import { toOnnx } from "../engine/onnx.ts";
import {
  ADAMW_DEFAULTS,
  type AdamWConfig,
  adamwGraph,
  adamwScalars,
  momentNames,
} from "../engine/adamw.ts";
import {
  type HostTensor,
  openSession,
  type Session,
  type SessionOptions,
} from "../engine/runtime.ts";
import type { Params, TransformerConfig } from "../model/transformer.ts";
import { type LossOptions, policyLossGraph } from "./loss_graph.ts";
import { isNormOrBias, paramShapes, type ParamStore } from "../model/params.ts";
import { UserError } from "../util/errors.ts";

/** Shapes and settings of a train graph. */
export interface TrainStepSpec {
  /** Model architecture. */
  cfg: TransformerConfig;
  /** Sequences per step. */
  batch: number;
  /** Tokens per sequence (padded). */
  seqLen: number;
  /** AdamW settings (defaults: {@link ADAMW_DEFAULTS}). */
  adam?: Partial<AdamWConfig>;
  /** Optional loss terms: PPO clipping, KL to a reference (off by default). */
  loss?: LossOptions;
  /** float32 (default) or float64 (gradient checks). */
  dtype?: "float32" | "float64";
  /** Also output the (unclipped) gradients, named `grad.<param>` (tests, debugging). */
  outputGrads?: boolean;
}

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

/**
 * One batch for the policy loss, all `[B·T]` row-major: `ids`, `targets` (the token predicted
 * at each position), `positions`, `attn` (1 for real tokens) as from `packSequences`, plus
 * `weights` (token weights: mask and normalization, see `aggregation.ts`), `adv` (the
 * advantage of each token, normally its sequence's), and `oldLogp` / `refLogp` when clipping /
 * KL are on.
 */
export interface PgBatch {
  /** Input tokens. */
  ids: BigInt64Array;
  /** Token predicted at each position. */
  targets: BigInt64Array;
  /** Absolute position of each token. */
  positions: BigInt64Array;
  /** 1 for real tokens, 0 for padding. */
  attn: Float32Array | Float64Array;
  /** Weight of each token's loss term (0 outside completions). */
  weights: Float32Array | Float64Array;
  /** Advantage of each token. */
  adv: Float32Array | Float64Array;
  /** Log-probs under the sampling policy (clipping). */
  oldLogp?: Float32Array | Float64Array;
  /** Log-probs under the reference policy (KL). */
  refLogp?: Float32Array | Float64Array;
}

/** Builds the train-step ONNX model for a spec. */
export function buildTrainGraph(spec: TrainStepSpec): Uint8Array {
  const dtype: DType = spec.dtype ?? "float32";
  const adam = { ...ADAMW_DEFAULTS, ...spec.adam };
  const g = newGraph("train_step");
  const params: Params = {};
  for (const [name, dims] of Object.entries(paramShapes(spec.cfg))) {
    params[name] = input(g, name, dims, dtype);
  }
  const { loss, logp, kl, clipFraction } = policyLossGraph(
    spec.cfg,
    params,
    spec.batch,
    spec.seqLen,
    spec.loss,
  );
  const names = Object.keys(params);
  const grads = grad(loss, names.map((n) => params[n]));
  const upd = adamwGraph(
    names.map((name, i) => ({
      name,
      param: params[name],
      grad: grads[i],
      decay: !isNormOrBias(name),
    })),
    adam,
  );
  const outputs: Record<string, Tensor> = {
    loss,
    logp,
    grad_norm: upd.gradNorm,
  };
  names.forEach((name, i) => {
    outputs[`next.${name}`] = upd.next[name].param;
    outputs[`next_m.${name}`] = upd.next[name].m;
    outputs[`next_v.${name}`] = upd.next[name].v;
    if (spec.outputGrads) outputs[`grad.${name}`] = grads[i];
  });
  return toOnnx(g, { outputs });
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

/** Metrics of one step. */
export interface StepMetrics {
  /** Loss before the update. */
  loss: number;
  /** Global gradient norm before clipping. */
  gradNorm: number;
  /** Weighted KL estimate (when the graph has a KL term). */
  kl?: number;
  /** Weighted fraction of clipped tokens (when the graph clips). */
  clipFraction?: number;
  /** Per-token log-probs `[B·T]` under the parameters before the update. */
  logp: Float32Array | Float64Array;
  /** Gradients, when the graph was built with `outputGrads`. */
  grads?: ParamStore;
}

/** A compiled train step. */
export interface TrainStep {
  /** What was compiled. */
  spec: TrainStepSpec;
  /** The ORT session (release it when done). */
  session: Session;
  /** Applies one update; returns the new state (the old one is left untouched). */
  run(
    state: TrainState,
    batch: PgBatch,
    lr: number,
  ): Promise<{ state: TrainState; metrics: StepMetrics }>;
}

/**
 * Compiles the train step for a spec.
 *
 * @example
 * ```ts
 * import { createTrainStep, initTrainState } from "./train_step.ts";
 * import { initParams } from "../model/params.ts";
 * declare const cfg: import("../model/transformer.ts").TransformerConfig;
 * declare const batch: import("./train_step.ts").PgBatch;
 * const step = await createTrainStep({ cfg, batch: 8, seqLen: 128 });
 * let state = initTrainState(initParams(cfg, { seed: 0 }));
 * ({ state } = await step.run(state, batch, 1e-3));
 * ```
 */
export async function createTrainStep(
  spec: TrainStepSpec,
  opts: SessionOptions = {},
): Promise<TrainStep> {
  const session = await openSession(buildTrainGraph(spec), opts);
  const adam = { ...ADAMW_DEFAULTS, ...spec.adam };
  const names = Object.keys(paramShapes(spec.cfg));
  const dtype = spec.dtype ?? "float32";
  const F = dtype === "float64" ? Float64Array : Float32Array;
  const bt = [spec.batch, spec.seqLen];
  return {
    spec,
    session,
    async run(state, batch, lr) {
      const need: (keyof PgBatch)[] = [
        "ids",
        "targets",
        "positions",
        "attn",
        "weights",
        "adv",
      ];
      if (spec.loss?.clipEps) need.push("oldLogp");
      if (spec.loss?.klBeta) need.push("refLogp");
      for (const k of need) {
        const n = batch[k]?.length;
        if (n !== spec.batch * spec.seqLen) {
          throw new UserError(
            `train step: batch.${k} has ${
              n ?? "no"
            } elements, expected ${spec.batch}×${spec.seqLen}`,
          );
        }
      }
      const t = state.step + 1;
      const sc = adamwScalars(t, lr, adam);
      const feeds: Record<string, HostTensor> = {
        ids: { data: batch.ids, dims: bt },
        targets: { data: batch.targets, dims: bt },
        positions: { data: batch.positions, dims: bt },
        attn: { data: F.from(batch.attn), dims: bt },
        weights: { data: F.from(batch.weights), dims: bt },
        adv: { data: F.from(batch.adv), dims: bt },
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
      if (batch.oldLogp) {
        feeds.old_logp = { data: F.from(batch.oldLogp), dims: bt };
      }
      if (batch.refLogp) {
        feeds.ref_logp = { data: F.from(batch.refLogp), dims: bt };
      }
      const out = await session.run(feeds);
      const next: TrainState = { params: {}, m: {}, v: {}, step: t };
      const grads: ParamStore | undefined = spec.outputGrads ? {} : undefined;
      for (const n of names) {
        next.params[n] = out[`next.${n}`];
        next.m[n] = out[`next_m.${n}`];
        next.v[n] = out[`next_v.${n}`];
        if (grads) grads[n] = out[`grad.${n}`];
      }
      const metrics: StepMetrics = {
        loss: Number(out.loss.data[0]),
        gradNorm: Number(out.grad_norm.data[0]),
        logp: out.logp.data as Float32Array,
        kl: out.kl ? Number(out.kl.data[0]) : undefined,
        clipFraction: out.clip_fraction
          ? Number(out.clip_fraction.data[0])
          : undefined,
        grads,
      };
      return { state: next, metrics };
    },
  };
}
