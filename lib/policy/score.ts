/**
 * Scoring: per-token log-probabilities of given completions under a policy (old, reference
 * or current), batched and padded, computed by one forward graph per batch shape.
 *
 * @module
 */
import { newGraph } from "../engine/graph.ts";
import { buildFor } from "../engine/target.ts";
import { toOnnx } from "../engine/onnx.ts";
import {
  type ExecutionProvider,
  openSession,
  runtimeKey,
  type Session,
} from "../engine/runtime.ts";
import { SessionCache } from "../engine/session_cache.ts";
import type { TransformerConfig } from "../model/transformer.ts";
import { declareModelInputs } from "../model/inputs.ts";
import { modelFeeds } from "./feeds.ts";
import { policyLossGraph } from "./loss_graph.ts";
import { packSequences, type PromptCompletion } from "./pack.ts";
import type { Policy } from "./policy.ts";

/**
 * Builds the scoring model for a `[batch, seqLen]` shape: output `logp` `[B, T]`. The LM head
 * and log-softmax run over row chunks of at most 8M logits (`chunkedLogProbs`) unless
 * `logitChunkRows` says otherwise.
 */
export function buildScoreGraph(
  cfg: TransformerConfig,
  batch: number,
  seqLen: number,
  opts: { logitChunkRows?: number } = {},
): Uint8Array {
  const g = newGraph("score");
  const params = declareModelInputs(g, cfg);
  const { logp } = policyLossGraph(cfg, params, batch, seqLen, {
    logitChunkRows: opts.logitChunkRows,
  });
  return toOnnx(g, { outputs: { logp } });
}

const sessions = new SessionCache<Session>((s) => s);

function scoreSession(
  cfg: TransformerConfig,
  b: number,
  t: number,
  ep: ExecutionProvider,
) {
  const key = JSON.stringify([cfg, b, t, ep, runtimeKey()]);
  let s = sessions.get(key);
  if (!s) {
    s = openSession(buildFor(ep, () => buildScoreGraph(cfg, b, t)), { ep });
    sessions.set(key, s);
  }
  return s;
}

/**
 * Log-probabilities of each completion token given its prompt, one array per sequence.
 * Sequences are scored in batches of `batchSize` (default 16), padded to a multiple of 16
 * tokens.
 *
 * @example
 * ```ts ignore
 * import { scoreCompletions } from "./score.ts";
 * declare const policy: import("./policy.ts").Policy;
 * const [lp] = await scoreCompletions(policy, [{ promptIds: [1, 2], ids: [3, 4] }]);
 * // lp = [log π(3 | 1 2), log π(4 | 1 2 3)]
 * ```
 */
export async function scoreCompletions(
  policy: Policy,
  seqs: readonly PromptCompletion[],
  opts: { batchSize?: number } = {},
): Promise<number[][]> {
  const bs = opts.batchSize ?? 16, out: number[][] = [];
  for (let start = 0; start < seqs.length; start += bs) {
    const chunk = seqs.slice(start, start + bs);
    const rows = Math.min(bs, seqs.length);
    const packed = packSequences(chunk, {
      rows,
      padId: policy.tokenizer.padTokenId ?? 0,
    });
    const feeds = modelFeeds(policy);
    const session = await scoreSession(
      policy.cfg,
      rows,
      packed.seqLen,
      policy.ep ?? "cpu",
    );
    const dims = [rows, packed.seqLen];
    const res = await session.run({
      ...feeds,
      ids: { data: packed.ids, dims },
      targets: { data: packed.targets, dims },
      positions: { data: packed.positions, dims },
      attn: { data: packed.attn, dims },
    });
    const logp = res.logp.data as Float32Array;
    chunk.forEach((s, r) => {
      const from = r * packed.seqLen + s.promptIds.length - 1;
      out.push(Array.from(logp.subarray(from, from + s.ids.length)));
    });
  }
  return out;
}
