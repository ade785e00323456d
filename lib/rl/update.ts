/**
 * The per-agent update: each agent's completions with their advantages become one padded
 * batch, and one train-graph call (forward, loss, backward, AdamW) updates the agent's own
 * parameters. Optional PPO-style inner iterations reuse the sampled log-probs as the old
 * policy's; an optional frozen reference policy adds the k3 KL term.
 *
 * @module
 */
import type { Completion } from "../policy/sample.ts";
import type { Policy } from "../policy/policy.ts";
import { modelFeeds } from "../policy/feeds.ts";
import { bucketLength, packSequences } from "../policy/pack.ts";
import { scoreCompletions } from "../policy/score.ts";
import { type ExecutionProvider, runtimeKey } from "../engine/runtime.ts";
import { SessionCache } from "../engine/session_cache.ts";
import type { AdamWConfig } from "../engine/adamw.ts";
import { type Aggregation, toPgBatch } from "./aggregation.ts";
import type { LossOptions } from "./loss_graph.ts";
import { createTrainStep, type PgBatch, type StepMetrics, type TrainStep } from "./train_step.ts";
import { NonFiniteStepError, type TrainState } from "../engine/optim_step.ts";
import { microBatchedStep, microBatchRowsFor, rowChunks } from "./micro_step.ts";
import type { TransformerConfig } from "../model/transformer.ts";
import { UserError } from "../util/errors.ts";

/** One trained sequence: a completion and its advantage. */
export interface AgentSample {
  /** The completion (prompt tokens, completion tokens, sampled log-probs). */
  completion: Completion;
  /** Its advantage. */
  advantage: number;
}

/** Options of {@link updateAgent}. */
export interface UpdateOptions {
  /** Token aggregation (default `"sequence_sum"`, the paper's). */
  aggregation?: Aggregation;
  /** Learning rate of this step. */
  lr: number;
  /** PPO clipping / KL terms (default off). */
  loss?: LossOptions;
  /** Updates on the same batch (≥ 1; > 1 only makes sense with clipping). */
  innerIterations?: number;
  /** Longest allowed completion (for `dr_grpo`). */
  maxCompletionLength?: number;
  /** Frozen reference policy for the KL term. */
  reference?: Policy;
  /** AdamW settings. */
  adam?: Partial<AdamWConfig>;
  /**
   * Compute logits at every position, prompts included (default false: only the completion
   * positions, whose log-probs the loss needs — the same loss and gradients, less work).
   */
  fullLogits?: boolean;
  /**
   * Rows per micro-batch (default undefined or 0: the whole batch in one call). Set below the
   * batch's rows, the loss and backward pass run on this many rows at a time, their gradients
   * are summed, then one clipping + AdamW call (`micro_step.ts`): the same update up to
   * rounding, with the activations of `microBatchRows` rows alive instead of the batch's.
   * Batches are padded to a multiple of 4 rows, so 1, 2 or 4 leave no shorter last chunk.
   */
  microBatchRows?: number;
}

/** What one update did. */
export interface UpdateMetrics {
  /** Loss of each inner iteration. */
  losses: number[];
  /** Gradient norm of each inner iteration. */
  gradNorms: number[];
  /** Mean k3 KL estimate over the trained tokens (first iteration), when on. */
  kl?: number;
  /** Fraction of trained tokens outside the clip range (last iteration), when clipping. */
  clipFraction?: number;
  /** Trained completion tokens. */
  tokens: number;
  /** Mean token entropy proxy: −mean sampled log-prob. */
  negLogp: number;
}

const steps = new SessionCache<TrainStep>((s) => s.session);

function trainStepFor(
  cfg: TransformerConfig,
  batch: number,
  seqLen: number,
  loss: LossOptions,
  adam: Partial<AdamWConfig>,
  ep: ExecutionProvider,
  select?: number,
): Promise<TrainStep> {
  const key = JSON.stringify([cfg, batch, seqLen, loss, adam, ep, select, runtimeKey()]);
  let s = steps.get(key);
  if (!s) {
    s = createTrainStep({ cfg, batch, seqLen, loss, adam, select }, { ep });
    steps.set(key, s);
  }
  return s;
}

/** Puts per-completion-token values at their target positions in a `[B·T]` array. */
function placeTokens(
  samples: AgentSample[],
  seqLen: number,
  rows: number,
  values: (s: AgentSample, r: number) => number[],
) {
  const out = new Float32Array(rows * seqLen);
  samples.forEach((s, r) => {
    const p = s.completion.promptIds.length, v = values(s, r);
    const n = Math.min(v.length, s.completion.ids.length);
    for (let k = 0; k < n; k++) out[r * seqLen + p - 1 + k] = v[k];
  });
  return out;
}

/**
 * The trained positions of a `[B·T]` batch only: `sel` holds the flat indices where
 * `weights ≠ 0`, padded with index 0 at weight 0 up to a multiple of 16 (few compiled
 * shapes), and `targets`, `weights`, `adv`, `oldLogp`, `refLogp` are cut to those indices.
 * `ids`, `positions` and `attn` stay whole (the forward pass needs every token). The loss
 * `Σ w·ℓ` is unchanged: only terms of weight 0 are dropped.
 *
 * @example
 * ```ts ignore
 * import { selectTrained } from "./update.ts";
 * declare const batch: import("./train_step.ts").PgBatch; // weights [0, .5, .5, 0]
 * selectTrained(batch).sel; // [1, 2, 0, 0, …] (16 entries, the padding at weight 0)
 * ```
 */
export function selectTrained(batch: PgBatch): PgBatch & { sel: BigInt64Array } {
  const idx: number[] = [];
  batch.weights.forEach((w, k) => w !== 0 && idx.push(k));
  const k = bucketLength(idx.length);
  const pick = <A extends Float32Array | Float64Array | BigInt64Array>(a: A): A => {
    const out = new (a.constructor as new (n: number) => A)(k);
    idx.forEach((j, i) => (out[i] = a[j]));
    return out;
  };
  const sel = new BigInt64Array(k);
  idx.forEach((j, i) => (sel[i] = BigInt(j)));
  return {
    ...batch,
    sel,
    targets: pick(batch.targets),
    weights: pick(batch.weights),
    adv: pick(batch.adv),
    oldLogp: batch.oldLogp && pick(batch.oldLogp),
    refLogp: batch.refLogp && pick(batch.refLogp),
  };
}

/**
 * A sample whose completion ends at its first EOS token (kept: the model learns to stop);
 * anything after it (e.g. padding of a hand-built completion) is dropped, so it is neither
 * scored nor trained. Samples without EOS are returned as they are.
 */
export function cutAfterEos(s: AgentSample, eosTokenIds: readonly number[]): AgentSample {
  const at = s.completion.ids.findIndex((id) => eosTokenIds.includes(id));
  if (at < 0 || at === s.completion.ids.length - 1) return s;
  const c = s.completion;
  return {
    ...s,
    completion: { ...c, ids: c.ids.slice(0, at + 1), logprobs: c.logprobs.slice(0, at + 1) },
  };
}

/**
 * Updates one agent on its samples (`state` holds what is trained: every parameter, or for a
 * policy with a LoRA adapter the adapter, the base being read from `policy`). The loss is masked to completion tokens: prompt tokens,
 * padding and anything after a completion's first EOS do not count (the authors' code does not
 * mask padding; we do). Batch shapes are rounded up (rows to a
 * multiple of 4, length to a multiple of 16) so that few train graphs are compiled; padding
 * rows weigh 0.
 */
export async function updateAgent(
  policy: Policy,
  state: TrainState,
  samples: AgentSample[],
  opts: UpdateOptions,
): Promise<{ state: TrainState; metrics: UpdateMetrics }> {
  samples = samples.map((s) => cutAfterEos(s, policy.tokenizer.eosTokenIds));
  const seqs = samples.map((s) => ({
    promptIds: s.completion.promptIds,
    ids: s.completion.ids,
  }));
  const rows = Math.ceil(samples.length / 4) * 4;
  const longest = Math.max(
    ...seqs.map((s) => s.promptIds.length + s.ids.length),
  );
  const packed = packSequences(seqs, {
    rows,
    seqLen: bucketLength(longest),
    padId: policy.tokenizer.padTokenId ?? 0,
  });
  const batch = toPgBatch(
    packed,
    samples.map((s) => s.advantage),
    opts.aggregation ?? "sequence_sum",
    {
      sequences: samples.length,
      maxCompletionLength: opts.maxCompletionLength,
    },
  );
  const loss = opts.loss ?? {};
  if (loss.clipEps) {
    batch.oldLogp = placeTokens(
      samples,
      packed.seqLen,
      rows,
      (s) => s.completion.logprobs,
    );
  }
  if (loss.klBeta) {
    if (!opts.reference) {
      throw new UserError(
        `updateAgent: loss.klBeta is ${loss.klBeta} but no reference policy was given ` +
          `(pass options.reference, e.g. the initial policy, or set klBeta to 0)`,
      );
    }
    const ref = await scoreCompletions(opts.reference, seqs);
    batch.refLogp = placeTokens(samples, packed.seqLen, rows, (_, r) => ref[r]);
  }
  const micro = microBatchRowsFor(opts.microBatchRows, rows);
  const chunks = micro === undefined ? undefined : rowChunks(batch, packed.seqLen, micro)
    .map((c) => opts.fullLogits ? c : { ...c, batch: selectTrained(c.batch) });
  const fed = opts.fullLogits ? batch : selectTrained(batch);
  const step = chunks ? undefined : await trainStepFor(
    policy.cfg,
    rows,
    packed.seqLen,
    loss,
    opts.adam ?? {},
    policy.ep ?? "cpu",
    fed.sel?.length,
  );
  const metrics: UpdateMetrics = {
    losses: [],
    gradNorms: [],
    tokens: 0,
    negLogp: 0,
  };
  let m: StepMetrics | undefined;
  const base = policy.adapter ? modelFeeds(policy) : undefined; // LoRA: the frozen base, as is
  for (let it = 0; it < (opts.innerIterations ?? 1); it++) {
    const r = await (chunks
      ? microBatchedStep(
        { cfg: policy.cfg, seqLen: packed.seqLen, loss, adam: opts.adam ?? {} },
        state,
        chunks,
        opts.lr,
        base,
        { ep: policy.ep ?? "cpu" },
      )
      : step!.run(state, fed, opts.lr, base)).catch((err) => {
        if (err instanceof NonFiniteStepError) {
          err.details.maxAbsAdvantage = Math.max(...samples.map((s) => Math.abs(s.advantage)));
          err.details.innerIteration = it + 1;
        }
        throw err;
      });
    state = r.state;
    m = r.metrics;
    metrics.losses.push(m.loss);
    metrics.gradNorms.push(m.gradNorm);
    if (it === 0) metrics.kl = m.kl;
    metrics.clipFraction = m.clipFraction;
  }
  for (const s of samples) {
    metrics.tokens += s.completion.ids.length;
    for (const l of s.completion.logprobs) metrics.negLogp -= l;
  }
  metrics.negLogp /= Math.max(1, metrics.tokens);
  return { state, metrics };
}

/** What the trainer knows about a refused step, for {@link explainNonFiniteStep}. */
export interface NonFiniteContext {
  /** The training step (1-based). */
  step: number;
  /** Who was being updated, e.g. "agent 1" or "the critic". */
  who?: string;
  /** The configured peak learning rate (`optimizer.lr`). */
  lr: number;
  /** The configured `rewardScale`. */
  rewardScale: number;
  /** The newest checkpoint folder on disk, if any. */
  lastCheckpoint?: string;
}

/**
 * A one-line {@link UserError} for a refused update ({@link NonFiniteStepError}): the step,
 * what was not finite, the likely cause and what to change (advantages beyond 1e6 point at
 * `rewardScale`; parameters beyond 1e4 or an lr above 1 point at `optimizer.lr`; otherwise both
 * are named), and where the last good checkpoint is. Nothing of the step was applied or saved.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { explainNonFiniteStep } from "./update.ts";
 * import { NonFiniteStepError } from "../engine/optim_step.ts";
 * const err = new NonFiniteStepError({ loss: NaN, gradNorm: NaN, maxAbsParam: 1e30, lr: 1e30 });
 * assert.match(
 *   explainNonFiniteStep(err, { step: 2, lr: 1e30, rewardScale: 1 }).message,
 *   /^step 2: update not applied: non-finite loss NaN, gradient norm NaN; likely cause: /,
 * );
 * ```
 */
export function explainNonFiniteStep(err: NonFiniteStepError, ctx: NonFiniteContext): UserError {
  const d = err.details, g = (x: number) => x.toPrecision(3);
  const what = err.message.replace(/^optimization step not applied: /, "");
  const adv = d.maxAbsAdvantage;
  let cause: string;
  if (adv !== undefined && !(adv <= 1e6)) {
    cause = `advantages reach ${g(adv)} with rewardScale = ${ctx.rewardScale}: the reward ` +
      `scale is too large (lower rewardScale, or set advantage.normalize)`;
  } else if (!(d.maxAbsParam <= 1e4) || ctx.lr > 1) {
    cause = `parameters reached ${g(d.maxAbsParam)} in magnitude with optimizer.lr = ` +
      `${ctx.lr}: the learning rate is too large (lower optimizer.lr)`;
  } else {
    cause = `a too-large optimizer.lr (${ctx.lr}) or rewardScale (${ctx.rewardScale}); lower one`;
  }
  const it = d.innerIteration && d.innerIteration > 1
    ? ` (inner iteration ${d.innerIteration})`
    : "";
  const ck = ctx.lastCheckpoint
    ? `the last good checkpoint is ${ctx.lastCheckpoint}`
    : "no checkpoint was saved before it";
  return new UserError(
    `step ${ctx.step}: update${ctx.who ? ` of ${ctx.who}` : ""} not applied${it}: ${what}; ` +
      `likely cause: ${cause}. The run stopped; ${ck}, nothing of this step was saved.`,
    { cause: err },
  );
}
