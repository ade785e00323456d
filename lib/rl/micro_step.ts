/**
 * The policy update in micro-batches (gradient accumulation): the batch's rows are split into
 * chunks ({@link rowChunks}); each chunk's forward pass, loss and backward pass run in their own
 * onnxruntime call that outputs only the loss and the gradients of the trained parameters (for
 * LoRA, the small adapter tensors), the gradients are summed in JS in float64 in chunk order, and
 * one more call clips the summed gradient by its global norm and applies AdamW
 * (`engine/grad_step.ts`). Only one chunk's activations are alive at a time, so an update's
 * memory is bounded by the chunk, not the batch.
 *
 * The token weights of a {@link PgBatch} are normalized over the whole batch (`aggregation.ts`)
 * and the loss is `Σ w·ℓ` over rows, so the chunk losses and gradients sum to the whole batch's:
 * the step equals the one-call step of `train_step.ts` up to rounding (float32: ~1e-6 relative;
 * float64: ~1e-15, tested in tests/micro_batch_test.ts).
 *
 * @module
 */
import type { SessionOptions } from "../engine/runtime.ts";
import { runtimeKey } from "../engine/runtime.ts";
import { SessionCache } from "../engine/session_cache.ts";
import { buildFor } from "../engine/target.ts";
import type { Graph, Tensor } from "../engine/graph.ts";
import type { Params } from "../engine/param_types.ts";
import type { TrainState } from "../engine/optim_step.ts";
import {
  addGrads,
  type ApplyStep,
  buildApplyGraph,
  buildGradGraph,
  createApplyStep,
  createGradStep,
  type GradStep,
  type GradSums,
} from "../engine/grad_step.ts";
import type { ParamStore } from "../model/params.ts";
import { declareModelInputs } from "../model/inputs.ts";
import { bucketLength } from "../policy/pack.ts";
import { policyLossGraph } from "./loss_graph.ts";
import {
  type PgBatch,
  pgBatchFeeds,
  type StepMetrics,
  trainedShapes,
  type TrainStepSpec,
} from "./train_step.ts";
import { UserError } from "../util/errors.ts";

/** One micro-batch: `rows` consecutive rows of a batch (with `sel` when positions are selected). */
export interface MicroChunk {
  /** The rows' data, `[rows·seqLen]` (or `[K]` per selected position). */
  batch: PgBatch;
  /** Rows in this chunk. */
  rows: number;
}

/**
 * Splits a `[rows·seqLen]` batch into chunks of `chunkRows` consecutive rows (the last one may
 * be shorter). Chunks whose token weights are all 0 (padding rows) are left out: their loss and
 * gradients are 0. The weights are not renormalized: they stay those of the whole batch.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { rowChunks } from "./micro_step.ts";
 * const n = 3 * 2, i64 = () => new BigInt64Array(n), f = (v: number[]) => Float32Array.from(v);
 * const batch = {
 *   ids: i64(), targets: i64(), positions: i64(), attn: f([1, 1, 1, 1, 0, 0]),
 *   weights: f([0.5, 0, 0.5, 0, 0, 0]), adv: f([1, 1, 2, 2, 0, 0]),
 * };
 * const chunks = rowChunks(batch, 2, 2); // rows 0–1, then row 2 (all weight 0): left out
 * assert.deepEqual(chunks.map((c) => [c.rows, [...c.batch.adv]]), [[2, [1, 1, 2, 2]]]);
 * ```
 */
export function rowChunks(batch: PgBatch, seqLen: number, chunkRows: number): MicroChunk[] {
  if (!Number.isInteger(chunkRows) || chunkRows < 1) {
    throw new UserError(`microBatchRows must be an integer ≥ 1, got ${chunkRows}`);
  }
  if (batch.sel) throw new UserError("rowChunks: split the batch before selecting positions");
  const rows = batch.ids.length / seqLen, out: MicroChunk[] = [];
  for (let r0 = 0; r0 < rows; r0 += chunkRows) {
    const r1 = Math.min(rows, r0 + chunkRows), a = r0 * seqLen, b = r1 * seqLen;
    if (!batch.weights.subarray(a, b).some((w) => w !== 0)) continue;
    const cut = <A extends PgBatch[keyof PgBatch]>(x: A): A => x && (x.slice(a, b) as A);
    out.push({
      rows: r1 - r0,
      batch: {
        ids: cut(batch.ids),
        targets: cut(batch.targets),
        positions: cut(batch.positions),
        attn: cut(batch.attn),
        weights: cut(batch.weights),
        adv: cut(batch.adv),
        ...(batch.oldLogp ? { oldLogp: cut(batch.oldLogp) } : {}),
        ...(batch.refLogp ? { refLogp: cut(batch.refLogp) } : {}),
      },
    });
  }
  return out;
}

/**
 * Builds the gradient graph of a train-step spec: the same forward pass and policy loss as
 * `buildTrainGraph`, outputs `loss`, `logp`, `kl` / `clip_fraction` when on, and `grad.<p>` for
 * each trained parameter; no optimizer.
 */
export function buildGradTrainGraph(spec: TrainStepSpec): Uint8Array {
  const { trained, frozen } = trainedShapes(spec.cfg);
  const loss = (params: Params) => {
    const r = policyLossGraph(spec.cfg, params, spec.batch, spec.seqLen, spec.loss, spec.select);
    const outputs: Record<string, Tensor> = { logp: r.logp };
    if (r.kl) outputs.kl = r.kl;
    if (r.clipFraction) outputs.clip_fraction = r.clipFraction;
    return { loss: r.loss, outputs };
  };
  return buildGradGraph("grad_step", trained, loss, {
    dtype: spec.dtype,
    ...(frozen.length
      ? {
        frozen: (g: Graph, reuse: Params) =>
          declareModelInputs(g, spec.cfg, { reuse, dtype: spec.dtype }),
      }
      : {}),
  });
}

/** What every chunk of one update shares (the rows and selection come from each chunk). */
export type MicroStepSpec = Omit<TrainStepSpec, "batch" | "select" | "outputGrads"> & {
  /** Also return the summed gradients (before clipping) as `metrics.grads`. */
  outputGrads?: boolean;
};

const gradSteps = new SessionCache<GradStep>((s) => s.session);

/**
 * The session options of a gradient graph: over a float16 base, ORT's graph optimizations are
 * off unless the caller chose a level. With them on, a LoRA gradient call on the Qwen2.5-0.5B
 * shape (float16 base, 1 row × 80 tokens) peaked 2.1–2.4 GB above the loaded process, about a
 * float32 copy of the base, against 1.1–1.4 GB with them off, at the same speed (4.5 s; `basic`
 * was no better than `all`; bench/RESULTS.md, "Real sizes on CPU").
 */
function gradSessionOptions(spec: TrainStepSpec, opts: SessionOptions): SessionOptions {
  return spec.cfg.baseDtype === "float16" && opts.optimization === undefined
    ? { ...opts, optimization: "disabled" }
    : opts;
}
const applySteps = new SessionCache<ApplyStep>((s) => s.session);

function gradStepFor(spec: TrainStepSpec, session: SessionOptions): Promise<GradStep> {
  const opts = gradSessionOptions(spec, session);
  const key = JSON.stringify([spec, opts, runtimeKey()]);
  let s = gradSteps.get(key);
  if (!s) {
    const { trained, frozen } = trainedShapes(spec.cfg);
    s = createGradStep(buildFor(opts.ep, () => buildGradTrainGraph(spec)), Object.keys(trained), {
      session: opts,
      ...(frozen.length ? { frozenNames: frozen } : {}),
    });
    gradSteps.set(key, s);
  }
  return s;
}

function applyStepFor(spec: MicroStepSpec, opts: SessionOptions): Promise<ApplyStep> {
  const key = JSON.stringify([spec.cfg, spec.adam, spec.dtype, opts, runtimeKey()]);
  let s = applySteps.get(key);
  if (!s) {
    const { trained } = trainedShapes(spec.cfg);
    const o = { adam: spec.adam, dtype: spec.dtype };
    s = createApplyStep(
      buildFor(opts.ep, () => buildApplyGraph(trained, o)),
      Object.keys(trained),
      {
        ...o,
        session: opts,
      },
    );
    applySteps.set(key, s);
  }
  return s;
}

/**
 * One update over `chunks` (from {@link rowChunks}, each optionally cut to its trained positions
 * with `selectTrained`): a gradient call per chunk, the float64 sum of the gradients in chunk
 * order, then one clipping + AdamW call. `state` and `base` are as for `TrainStep.run`. The
 * metrics are those of the whole batch: the summed loss, the norm of the summed gradient, `kl`
 * and `clipFraction` averaged over the chunks' trained tokens, and `logp` the chunks' log-probs
 * one after the other (`[Σ rows·seqLen]`; with selected positions, those of the trained
 * positions in order, padded with 0 to a multiple of 16). Throws `NonFiniteStepError` (nothing
 * applied) like the one-call step.
 *
 * @example
 * ```ts ignore
 * import { microBatchedStep, rowChunks } from "./micro_step.ts";
 * declare const cfg: import("../model/transformer.ts").TransformerConfig;
 * declare const batch: import("./train_step.ts").PgBatch; // 8 rows of 128 tokens
 * declare const state: import("../engine/optim_step.ts").TrainState;
 * const r = await microBatchedStep({ cfg, seqLen: 128 }, state, rowChunks(batch, 128, 2), 1e-5);
 * ```
 */
export async function microBatchedStep(
  spec: MicroStepSpec,
  state: TrainState,
  chunks: MicroChunk[],
  lr: number,
  base?: ParamStore,
  session: SessionOptions = {},
): Promise<{ state: TrainState; metrics: StepMetrics }> {
  const F = spec.dtype === "float64" ? Float64Array : Float32Array;
  const { outputGrads, ...shared } = spec;
  const selected = chunks.length > 0 && chunks[0].batch.sel !== undefined;
  let sums: GradSums = {}, loss = 0, trained = 0, kl = 0, clip = 0;
  const logps: (Float32Array | Float64Array)[] = [];
  for (const c of chunks) {
    const step = await gradStepFor(
      { ...shared, batch: c.rows, ...(c.batch.sel ? { select: c.batch.sel.length } : {}) },
      session,
    );
    const r = await step.run(
      state.params,
      pgBatchFeeds(c.batch, [c.rows, spec.seqLen], Boolean(c.batch.sel), spec.dtype),
      base,
    );
    sums = addGrads(sums, r.grads);
    loss += r.loss;
    let n = 0; // trained tokens (w > 0) of the chunk: weights of its kl / clip_fraction means
    for (const w of c.batch.weights) if (w > 0) n++;
    trained += n;
    if (r.outputs.kl) kl += n * Number(r.outputs.kl.data[0]);
    if (r.outputs.clip_fraction) clip += n * Number(r.outputs.clip_fraction.data[0]);
    const lp = r.outputs.logp.data as Float32Array | Float64Array;
    if (!selected) logps.push(lp);
    else {
      const keep: number[] = [];
      c.batch.weights.forEach((w, k) => w !== 0 && keep.push(lp[k]));
      logps.push(F.from(keep));
    }
  }
  const apply = await applyStepFor(spec, session);
  const r = await apply.run(state, sums, lr, loss);
  const count = logps.reduce((n, a) => n + a.length, 0);
  const logp = new F(selected ? bucketLength(count) : count);
  logps.reduce((at, a) => (logp.set(a, at), at + a.length), 0);
  const hasKl = (spec.loss?.klBeta ?? 0) > 0, hasClip = (spec.loss?.clipEps ?? 0) > 0;
  const metrics: StepMetrics = {
    loss,
    gradNorm: r.gradNorm,
    logp,
    kl: hasKl ? kl / Math.max(trained, 1) : undefined,
    clipFraction: hasClip ? clip / Math.max(trained, 1) : undefined,
  };
  if (outputGrads) {
    metrics.grads = Object.fromEntries(
      Object.entries(sums).map(([n, s]) => [n, { data: F.from(s.data), dims: s.dims }]),
    );
  }
  return { state: r.state, metrics };
}

/**
 * The rows per micro-batch an update over `rows` rows uses: undefined (one call) when
 * `microBatchRows` is undefined or 0 (off) or at least `rows`. Anything but an integer ≥ 0 is
 * refused with a {@link UserError}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { microBatchRowsFor } from "./micro_step.ts";
 * assert.deepEqual([microBatchRowsFor(0, 8), microBatchRowsFor(2, 8), microBatchRowsFor(8, 8)], [undefined, 2, undefined]);
 * assert.throws(() => microBatchRowsFor(1.5, 8), /microBatchRows must be an integer ≥ 0/);
 * ```
 */
export function microBatchRowsFor(
  microBatchRows: number | undefined,
  rows: number,
): number | undefined {
  if (microBatchRows === undefined) return undefined;
  if (!Number.isInteger(microBatchRows) || microBatchRows < 0) {
    throw new UserError(
      `microBatchRows must be an integer ≥ 0 (0: the whole batch in one call), got ${microBatchRows}`,
    );
  }
  return microBatchRows === 0 || microBatchRows >= rows ? undefined : microBatchRows;
}
