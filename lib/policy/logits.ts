/**
 * Full logits of token sequences (every position), for parity checks against other
 * implementations and for inspection in notebooks. One graph with symbolic batch and length.
 *
 * @module
 */
import { input, newGraph } from "../engine/graph.ts";
import { toOnnx } from "../engine/onnx.ts";
import { openSession, runtimeKey, type Session } from "../engine/runtime.ts";
import { SessionCache } from "../engine/session_cache.ts";
import { type TransformerConfig, transformerForward } from "../model/transformer.ts";
import { declareModelInputs } from "../model/inputs.ts";
import { modelFeeds } from "./feeds.ts";
import type { Policy } from "./policy.ts";
import { UserError } from "../util/errors.ts";

/** Builds the model `ids [B, T] → logits [B, T, V]` (causal bias given as an input). */
export function buildLogitsGraph(cfg: TransformerConfig): Uint8Array {
  const g = newGraph("logits");
  const params = declareModelInputs(g, cfg);
  const ids = input(g, "ids", ["batch", "seq"], "int64");
  const positions = input(g, "positions", ["batch", "seq"], "int64");
  const bias = input(g, "bias", ["batch", 1, "seq", "seq"]);
  const { logits } = transformerForward(cfg, params, { ids, positions, bias });
  return toOnnx(g, { outputs: { logits } });
}

const sessions = new SessionCache<Session>((s) => s);

/**
 * Logits `[B, T, V]` (row-major) of equal-length sequences at positions 0…T−1 (through the
 * policy's LoRA adapter when it has one).
 *
 * @example
 * ```ts ignore
 * import { computeLogits } from "./logits.ts";
 * declare const policy: import("./policy.ts").Policy;
 * const logits = await computeLogits(policy, [[1, 2, 3]]); // 3 × vocabSize values
 * ```
 */
export async function computeLogits(
  policy: Policy,
  seqs: number[][],
): Promise<Float32Array> {
  const b = seqs.length, t = seqs[0]?.length ?? 0;
  if (b === 0 || t === 0 || seqs.some((s) => s.length !== t)) {
    throw new UserError(
      "computeLogits: give one or more non-empty sequences of equal length",
    );
  }
  const v = policy.cfg.vocabSize;
  if (policy.cfg.arch === "gpt2" && t > policy.cfg.maxPositions) {
    throw new UserError(
      `computeLogits: ${t} tokens exceed the model's ${policy.cfg.maxPositions} learned ` +
        `positions (n_positions in config.json)`,
    );
  }
  for (const s of seqs) {
    for (const id of s) {
      if (!Number.isInteger(id) || id < 0 || id >= v) {
        throw new UserError(
          `computeLogits: token id ${id} is outside the vocabulary [0, ${v})`,
        );
      }
    }
  }
  const key = JSON.stringify([policy.cfg, policy.ep ?? "cpu", runtimeKey()]);
  if (!sessions.has(key)) {
    sessions.set(
      key,
      openSession(buildLogitsGraph(policy.cfg), { ep: policy.ep }),
    );
  }
  const session = await sessions.get(key)!;
  const bias = new Float32Array(b * t * t);
  for (let r = 0; r < b; r++) {
    for (let i = 0; i < t; i++) {
      for (let j = i + 1; j < t; j++) bias[(r * t + i) * t + j] = -1e9;
    }
  }
  const out = await session.run({
    ...modelFeeds(policy),
    ids: { data: BigInt64Array.from(seqs.flat(), BigInt), dims: [b, t] },
    positions: {
      data: BigInt64Array.from(seqs.flatMap((s) => s.map((_, i) => BigInt(i)))),
      dims: [b, t],
    },
    bias: { data: bias, dims: [b, 1, t, t] },
  });
  return out.logits.data as Float32Array;
}
