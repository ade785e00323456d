/**
 * The policy update as one onnxruntime call: forward pass, the token-weighted policy loss of
 * `loss_graph.ts` (with token weights `mask / Σ mask` it is the masked token-level loss
 * `−Σ mask·adv·logp / Σ mask`), backward pass, global-norm clipping and AdamW, all in one graph (built by `engine/optim_step.ts`). Each step returns a new state.
 *
 * With `cfg.lora` set (LoRA fine-tuning) the trained parameters are the adapter's
 * (`loraShapes`): the state holds only them and their moments, and the base weights are frozen
 * inputs, passed to every `run` as they are and never updated.
 *
 * @module
 */
import type { Graph, Tensor } from "../engine/graph.ts";
import type { AdamWConfig } from "../engine/adamw.ts";
import type { HostTensor, Session, SessionOptions } from "../engine/runtime.ts";
import { buildFor } from "../engine/target.ts";
import { buildOptimGraph, createOptimStep, type TrainState } from "../engine/optim_step.ts";
import type { TransformerConfig } from "../model/transformer.ts";
import { type LossOptions, policyLossGraph } from "./loss_graph.ts";
import type { ParamStore } from "../model/params.ts";
import type { Params } from "../engine/param_types.ts";
import { declareModelInputs, modelInputShapes, trainableShapes } from "../model/inputs.ts";
import { UserError } from "../util/errors.ts";

/** Shapes and settings of a train graph. */
export interface TrainStepSpec {
  /** Model architecture. */
  cfg: TransformerConfig;
  /** Sequences per step. */
  batch: number;
  /** Tokens per sequence (padded). */
  seqLen: number;
  /** AdamW settings (defaults: `ADAMW_DEFAULTS`). */
  adam?: Partial<AdamWConfig>;
  /** Optional loss terms: PPO clipping, KL to a reference (off by default). */
  loss?: LossOptions;
  /** float32 (default) or float64 (gradient checks). */
  dtype?: "float32" | "float64";
  /** Also output the (unclipped) gradients, named `grad.<param>` (tests, debugging). */
  outputGrads?: boolean;
  /**
   * Score only this many positions (K, the completion tokens): the batch then carries `sel`
   * and `[K]` targets/weights/adv/oldLogp/refLogp (see `policyLossGraph`'s `select`).
   */
  select?: number;
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
  /**
   * Flat indices `[K]` of the scored positions (specs with `select`); then `targets`,
   * `weights`, `adv`, `oldLogp` and `refLogp` hold one value per index.
   */
  sel?: BigInt64Array;
}

/**
 * The graph feeds of a batch `b` of `dims` = `[rows, seqLen]` tokens, the float ones as `dtype`
 * arrays (default float32): `ids`, `positions`, `attn` of shape `dims`; `targets`, `weights`,
 * `adv` (and `old_logp` / `ref_logp` when the batch has them) of shape `dims`, or, with
 * `select`, of shape `[K]` beside `sel` itself (`K` = `b.sel.length`, which must be set).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { pgBatchFeeds } from "./train_step.ts";
 * const b = {
 *   ids: BigInt64Array.of(1n, 2n), targets: BigInt64Array.of(2n), positions: BigInt64Array.of(0n, 1n),
 *   attn: Float32Array.of(1, 1), weights: Float32Array.of(1), adv: Float32Array.of(0.5),
 *   sel: BigInt64Array.of(0n),
 * };
 * const f = pgBatchFeeds(b, [1, 2], true, "float64");
 * assert.deepEqual(Object.keys(f), ["ids", "targets", "positions", "attn", "weights", "adv", "sel"]);
 * assert.deepEqual([f.ids.dims, f.adv.dims, f.adv.data instanceof Float64Array], [[1, 2], [1], true]);
 * ```
 */
export function pgBatchFeeds(
  b: PgBatch,
  dims: number[],
  select: boolean,
  dtype?: "float32" | "float64",
): Record<string, HostTensor> {
  const F = dtype === "float64" ? Float64Array : Float32Array;
  const kt = select ? [b.sel!.length] : dims;
  const feeds: Record<string, HostTensor> = {
    ids: { data: b.ids, dims },
    targets: { data: b.targets, dims: kt },
    positions: { data: b.positions, dims },
    attn: { data: F.from(b.attn), dims },
    weights: { data: F.from(b.weights), dims: kt },
    adv: { data: F.from(b.adv), dims: kt },
  };
  if (select) feeds.sel = { data: b.sel!, dims: kt };
  if (b.oldLogp) feeds.old_logp = { data: F.from(b.oldLogp), dims: kt };
  if (b.refLogp) feeds.ref_logp = { data: F.from(b.refLogp), dims: kt };
  return feeds;
}

/**
 * The parameters a spec trains and those it reads frozen: every weight and none (full
 * fine-tuning), or the adapter's and the base's (`cfg.lora` set; see `model/inputs.ts`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { trainedShapes } from "./train_step.ts";
 * const cfg = {
 *   arch: "llama" as const, vocabSize: 10, hidden: 8, layers: 1, heads: 2, kvHeads: 1,
 *   headDim: 4, intermediate: 12, maxPositions: 16, ropeTheta: 1e4, normEps: 1e-5,
 *   qkvBias: false, tieEmbeddings: true,
 * };
 * assert.deepEqual(trainedShapes(cfg).frozen, []);
 * const lora = trainedShapes({ ...cfg, lora: { r: 2, scale: 1, targets: ["q_proj"] } });
 * assert.deepEqual(Object.keys(lora.trained), [
 *   "model.layers.0.self_attn.q_proj.lora_A.weight",
 *   "model.layers.0.self_attn.q_proj.lora_B.weight",
 * ]);
 * assert.ok(lora.frozen.includes("model.layers.0.self_attn.q_proj.weight"));
 * ```
 */
export function trainedShapes(cfg: TransformerConfig): {
  trained: Record<string, number[]>;
  frozen: string[];
} {
  const trained = trainableShapes(cfg);
  return {
    trained,
    frozen: Object.keys(modelInputShapes(cfg)).filter((n) => !(n in trained)),
  };
}

/** Builds the train-step ONNX model for a spec. */
export function buildTrainGraph(spec: TrainStepSpec): Uint8Array {
  const { trained, frozen } = trainedShapes(spec.cfg);
  const loss = (params: Params) => {
    const { loss, logp, kl, clipFraction } = policyLossGraph(
      spec.cfg,
      params,
      spec.batch,
      spec.seqLen,
      spec.loss,
      spec.select,
    );
    const outputs: Record<string, Tensor> = { logp };
    if (kl) outputs.kl = kl;
    if (clipFraction) outputs.clip_fraction = clipFraction;
    return { loss, outputs };
  };
  return buildOptimGraph("train_step", trained, loss, {
    adam: spec.adam,
    dtype: spec.dtype,
    outputGrads: spec.outputGrads,
    // LoRA: the base is declared where every model graph declares it, the adapter reused
    ...(frozen.length
      ? {
        frozen: (g: Graph, reuse: Params) =>
          declareModelInputs(g, spec.cfg, { reuse, dtype: spec.dtype }),
      }
      : {}),
  });
}

/** Metrics of one step. */
export interface StepMetrics {
  /** Loss before the update. */
  loss: number;
  /** Global gradient norm before clipping. */
  gradNorm: number;
  /** Mean k3 KL estimate over the trained tokens (when the graph has a KL term). */
  kl?: number;
  /** Fraction of the trained tokens whose ratio was clipped (when the graph clips). */
  clipFraction?: number;
  /** Per-token log-probs `[B·T]` (`[K]` with `select`) under the parameters before the update. */
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
  /**
   * Applies one update; returns the new state (the old one is left untouched). A non-finite
   * loss, gradient norm or new parameter throws `NonFiniteStepError` (nothing is applied).
   * With `cfg.lora`, `state` holds the adapter and `base` (required) the frozen base weights.
   */
  run(
    state: TrainState,
    batch: PgBatch,
    lr: number,
    base?: ParamStore,
  ): Promise<{ state: TrainState; metrics: StepMetrics }>;
}

/**
 * Compiles the train step for a spec.
 *
 * @example
 * ```ts ignore
 * import { createTrainStep } from "./train_step.ts";
 * import { initTrainState } from "../engine/optim_step.ts";
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
  const { trained, frozen } = trainedShapes(spec.cfg);
  const names = Object.keys(trained);
  const step = await createOptimStep(buildFor(opts.ep, () => buildTrainGraph(spec)), names, {
    adam: spec.adam,
    dtype: spec.dtype,
    session: opts,
    ...(frozen.length ? { frozenNames: frozen } : {}),
  });
  const bt = [spec.batch, spec.seqLen];
  return {
    spec,
    session: step.session,
    async run(state, batch, lr, base) {
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
      const per = ["ids", "positions", "attn"];
      if (spec.select) need.push("sel");
      for (const k of need) {
        const n = batch[k]?.length;
        const want = spec.select && !per.includes(k) ? spec.select : spec.batch * spec.seqLen;
        if (n !== want) {
          throw new UserError(
            `train step: batch.${k} has ${n ?? "no"} elements, expected ` +
              (want === spec.select ? `${want} (select)` : `${spec.batch}×${spec.seqLen}`),
          );
        }
      }
      const feeds = pgBatchFeeds(batch, bt, Boolean(spec.select), spec.dtype);
      const r = await step.run(state, feeds, lr, frozen.length ? base : undefined);
      const out = r.outputs;
      let grads: ParamStore | undefined;
      if (spec.outputGrads) {
        grads = Object.fromEntries(names.map((n) => [n, out[`grad.${n}`]]));
      }
      const metrics: StepMetrics = {
        loss: r.loss,
        gradNorm: r.gradNorm,
        logp: out.logp.data as Float32Array,
        kl: out.kl ? Number(out.kl.data[0]) : undefined,
        clipFraction: out.clip_fraction ? Number(out.clip_fraction.data[0]) : undefined,
        grads,
      };
      return { state: r.state, metrics };
    },
  };
}
