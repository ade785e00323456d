/**
 * The policy loss as a graph: per-token log-probabilities of the targets, then
 * `loss = Σ_t w_t · ℓ_t + β · Σ_t w_t · k3_t` where `w` are token weights (mask and
 * normalization, see `rl/aggregation.ts`), `ℓ_t = −A_t · log π(t)` (the paper's on-policy
 * REINFORCE-style term) or, with clipping, the PPO term `−min(r_t A_t, clip(r_t, 1−ε, 1+ε) A_t)`
 * with `r_t = exp(log π − log π_old)`, and `k3 = exp(ref − log π) − (ref − log π) − 1` the
 * k3 estimator of KL(π ‖ π_ref). The reported `kl` and `clipFraction` are plain means over the
 * trained tokens (those with `w > 0`), whatever the aggregation.
 *
 * @module
 */
import { input, type Tensor } from "../engine/graph.ts";
import {
  add,
  cast,
  div,
  exp,
  greater,
  maximum,
  minimum,
  mul,
  neg,
  reduceSum,
  sub,
  trilu,
} from "../engine/ops.ts";
import { full, reshape, unsqueeze } from "../engine/shape_ops.ts";
import { chunkedLogProbs, LOGIT_CHUNK_FLOATS, logProbsOf } from "../engine/nn.ts";
import { type Params, type TransformerConfig, transformerForward } from "../model/transformer.ts";

/** Optional terms of the policy loss (all off by default, as in the paper). */
export interface LossOptions {
  /** PPO clip range ε (0 = no ratio, no clipping). Needs `old_logp` inputs. */
  clipEps?: number;
  /** Upper clip range (default `clipEps`; DAPO's "clip-higher" uses a larger one). */
  clipEpsHigh?: number;
  /** Weight β of the k3 KL penalty to a frozen reference policy (0 = off). Needs `ref_logp`. */
  klBeta?: number;
  /**
   * Rows of logits computed at once (default: all rows when `rows × vocab` ≤
   * `LOGIT_CHUNK_FLOATS`, 8M floats, else as many as fit that bound): see `chunkedLogProbs`.
   */
  logitChunkRows?: number;
}

/** Tensors of {@link policyLossGraph}. */
export interface LossGraph {
  /** Scalar loss. */
  loss: Tensor;
  /** Per-token log-probs of the targets `[B, T]` (`[K]` with `select`). */
  logp: Tensor;
  /** Logits `[B, T, V]` (`[K, V]` with `select`). */
  logits: Tensor;
  /** Mean k3 KL estimate over the trained tokens (`w > 0`), when `klBeta` > 0. */
  kl?: Tensor;
  /** Fraction of trained tokens (`w > 0`) whose ratio lies outside the clip range. */
  clipFraction?: Tensor;
}

/** The LM head `[V, H]` among `params`: the token embedding when tied. */
function lmHead(cfg: TransformerConfig, params: Params): Tensor {
  const name = !cfg.tieEmbeddings
    ? "lm_head.weight"
    : cfg.arch === "gpt2"
    ? "wte.weight"
    : "model.embed_tokens.weight";
  return params[name];
}

/** Additive attention bias `[B, 1, T, T]`: causal and key-padding masked (−1e9). */
export function causalPaddingBias(attn: Tensor): Tensor {
  const t = attn.shape[1] as number;
  const causal = trilu(full(attn.graph, [t, t], 1, attn.dtype), false); // [T,T]
  const allowed = mul(causal, unsqueeze(attn, [1])); // [B,T,T]: causal and key not padding
  return unsqueeze(mul(sub(allowed, 1), 1e9), [1]);
}

/**
 * Builds the loss on `params` (graph inputs or constants of one graph). Declares the inputs
 * `ids`, `targets`, `positions` (int64), `attn`, `weights`, `adv` (float), and `old_logp` /
 * `ref_logp` when clipping / KL are on, all `[batch, seqLen]`.
 *
 * With `select` = K, only K positions are scored (the completion tokens; the loss is the same
 * because every other position has weight 0): an extra input `sel` `[K]` (int64) holds their
 * flat indices into `batch·seqLen`, `targets`, `weights`, `adv`, `old_logp` and `ref_logp` are
 * `[K]` (one value per selected position; padding entries have weight 0), and so is `logp`.
 * The LM head and log-softmax then run on K rows instead of `batch·seqLen`, and in chunks of
 * rows when `rows × vocab` exceeds 8M floats (`chunkedLogProbs`): the logits of all rows are
 * then never held at once (`logits` is still built, for callers that output it, and is pruned
 * from models that do not).
 */
export function policyLossGraph(
  cfg: TransformerConfig,
  params: Params,
  batch: number,
  seqLen: number,
  opts: LossOptions = {},
  select?: number,
): LossGraph {
  const first = Object.values(params)[0];
  const g = first.graph, dtype = first.dtype, bt = [batch, seqLen];
  const shape = select ? [select] : bt;
  const ids = input(g, "ids", bt, "int64"),
    targets = input(g, "targets", shape, "int64");
  const positions = input(g, "positions", bt, "int64");
  const attn = input(g, "attn", bt, dtype);
  const weights = input(g, "weights", shape, dtype),
    adv = input(g, "adv", shape, dtype);
  const { logits, hidden } = transformerForward(cfg, params, {
    ids,
    positions,
    bias: causalPaddingBias(attn),
    select: select ? input(g, "sel", shape, "int64") : undefined,
  });
  const rows = select ?? batch * seqLen, chunk = opts.logitChunkRows;
  const logp = (chunk ? chunk < rows : rows * cfg.vocabSize > LOGIT_CHUNK_FLOATS)
    ? reshape(
      chunkedLogProbs(
        reshape(hidden, [rows, cfg.hidden]),
        lmHead(cfg, params),
        reshape(targets, [rows]),
        chunk,
      ),
      shape,
    )
    : logProbsOf(logits, targets);
  const out: LossGraph = { loss: logp, logp, logits };
  let trained: Tensor | undefined; // 1 on the tokens that count (built only when needed)
  const tokenMean = (x: Tensor) => {
    trained ??= cast(greater(weights, 0), dtype);
    return div(reduceSum(mul(trained, x)), maximum(reduceSum(trained), 1));
  };
  let term: Tensor;
  if (opts.clipEps && opts.clipEps > 0) {
    const old = input(g, "old_logp", shape, dtype);
    const ratio = exp(sub(logp, old));
    const lo = 1 - opts.clipEps, hi = 1 + (opts.clipEpsHigh ?? opts.clipEps);
    const clipped = minimum(maximum(ratio, lo), hi);
    term = neg(minimum(mul(ratio, adv), mul(clipped, adv)));
    const outside = maximum(sub(ratio, hi), sub(lo, ratio)); // > 0 where clipped
    out.clipFraction = tokenMean(cast(greater(outside, 0), dtype));
  } else {
    term = neg(mul(adv, logp));
  }
  let loss = reduceSum(mul(weights, term));
  if (opts.klBeta && opts.klBeta > 0) {
    const ref = input(g, "ref_logp", shape, dtype);
    const d = sub(ref, logp);
    const k3 = sub(sub(exp(d), d), 1);
    out.kl = tokenMean(k3);
    loss = add(loss, mul(reduceSum(mul(weights, k3)), opts.klBeta));
  }
  out.loss = loss;
  return out;
}
