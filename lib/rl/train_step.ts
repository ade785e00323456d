/**
 * The policy update as one onnxruntime call: forward pass, masked token-level
 * policy-gradient loss `−Σ mask·adv·logp / Σ mask`, backward pass, global-norm clipping and
 * AdamW, all in one graph. The state (parameters and moments) stays in JS as plain host
 * tensors; each step returns a new state.
 *
 * @module
 */
import { type DType, input, newGraph, type Tensor } from "../engine/graph.ts";
import {
  div,
  maximum,
  mul,
  neg,
  reduceSum,
  sub,
  trilu,
} from "../engine/ops.ts";
import { full, unsqueeze } from "../engine/shape_ops.ts";
import { grad } from "../engine/grad.ts";
import { logProbsOf } from "../engine/nn.ts";
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
import {
  type Params,
  type TransformerConfig,
  transformerForward,
} from "../model/transformer.ts";
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
 * One batch for the policy-gradient loss, all `[B·T]` row-major:
 * `ids` the tokens (prompt + completion, right-padded), `attn` 1 for real tokens,
 * `targets[t]` the token predicted at position t (normally `ids[t+1]`), `mask[t]` 1 where
 * that prediction is trained (completion tokens before and including EOS), `adv` `[B]` the
 * advantage of each sequence, `positions` the absolute positions.
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
  /** 1 where the prediction at that position is trained. */
  mask: Float32Array | Float64Array;
  /** Advantage per sequence `[B]`. */
  adv: Float32Array | Float64Array;
}

/** Additive attention bias `[B, 1, T, T]`: causal and key-padding masked (−1e9). */
export function causalPaddingBias(attn: Tensor): Tensor {
  const t = attn.shape[1] as number;
  const causal = trilu(full(attn.graph, [t, t], 1, attn.dtype), false); // [T,T]
  const allowed = mul(causal, unsqueeze(attn, [1])); // [B,T,T]: causal and key not padding
  return unsqueeze(mul(sub(allowed, 1), 1e9), [1]);
}

/**
 * The masked policy-gradient loss graph (no optimizer): returns the loss and the per-token
 * log-probs, with symbolic inputs named ids/targets/positions/attn/mask/adv.
 */
export function pgLossGraph(
  cfg: TransformerConfig,
  params: Params,
  batch: number,
  seqLen: number,
): { loss: Tensor; logp: Tensor; logits: Tensor } {
  const g = Object.values(params)[0].graph,
    dtype = Object.values(params)[0].dtype;
  const shape = [batch, seqLen];
  const ids = input(g, "ids", shape, "int64"),
    targets = input(g, "targets", shape, "int64");
  const positions = input(g, "positions", shape, "int64");
  const attn = input(g, "attn", shape, dtype),
    mask = input(g, "mask", shape, dtype);
  const adv = input(g, "adv", [batch], dtype);
  const { logits } = transformerForward(cfg, params, {
    ids,
    positions,
    bias: causalPaddingBias(attn),
  });
  const logp = logProbsOf(logits, targets);
  const weighted = reduceSum(mul(mul(logp, mask), unsqueeze(adv, [1])));
  const loss = neg(div(weighted, maximum(reduceSum(mask), 1)));
  return { loss, logp, logits };
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
  const { loss, logp } = pgLossGraph(spec.cfg, params, spec.batch, spec.seqLen);
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
      for (
        const k of ["ids", "targets", "positions", "attn", "mask"] as const
      ) {
        if (batch[k].length !== spec.batch * spec.seqLen) {
          throw new UserError(
            `train step: batch.${k} has ${
              batch[k].length
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
        mask: { data: F.from(batch.mask), dims: bt },
        adv: { data: F.from(batch.adv), dims: [spec.batch] },
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
        grads,
      };
      return { state: next, metrics };
    },
  };
}
