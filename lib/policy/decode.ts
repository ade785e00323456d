/**
 * KV-cache decoding. The cache lives in JS, time-major (`[maxLen, B, kvHeads, headDim]` per
 * layer and for keys and values), so the prefix of P steps is a zero-copy view passed to the
 * graph; the decode graph outputs only the K/V rows of the new tokens, which are copied into
 * the cache. The same graph serves the prompt (P = 0, T = prompt length) and each next token
 * (T = 1), for any batch size.
 *
 * @module
 */
import { input, newGraph, type Tensor } from "../engine/graph.ts";
import { toOnnx } from "../engine/onnx.ts";
import { transpose } from "../engine/shape_ops.ts";
import {
  type ExecutionProvider,
  type HostTensor,
  openSession,
  runtimeKey,
  type Session,
} from "../engine/runtime.ts";
import { SessionCache } from "../engine/session_cache.ts";
import { type TransformerConfig, transformerForward } from "../model/transformer.ts";
import type { ParamStore } from "../model/params.ts";
import { declareModelInputs } from "../model/inputs.ts";
import { UserError } from "../util/errors.ts";

/**
 * Builds the decode model: last-position logits and the new tokens' K/V rows (with the
 * adapter inputs when `cfg.lora` is set).
 */
export function buildDecodeGraph(cfg: TransformerConfig): Uint8Array {
  const g = newGraph("decode");
  const params = declareModelInputs(g, cfg);
  const [b, t, p] = ["batch", "new", "past"];
  const ids = input(g, "ids", [b, t], "int64");
  const positions = input(g, "positions", [b, t], "int64");
  const bias = input(g, "bias", [b, 1, t, `${p}+${t}`]);
  const kv = [cfg.kvHeads, cfg.headDim];
  const past = Array.from({ length: cfg.layers }, (_, i) => ({
    key: transpose(input(g, `past_key.${i}`, [p, b, ...kv]), [1, 2, 0, 3]),
    value: transpose(input(g, `past_value.${i}`, [p, b, ...kv]), [1, 2, 0, 3]),
  }));
  const out = transformerForward(cfg, params, {
    ids,
    positions,
    bias,
    past,
    lastOnly: true,
  });
  const outputs: Record<string, Tensor> = { logits: out.logits };
  out.fresh.forEach((c, i) => {
    outputs[`new_key.${i}`] = transpose(c.key, [2, 0, 1, 3]);
    outputs[`new_value.${i}`] = transpose(c.value, [2, 0, 1, 3]);
  });
  return toOnnx(g, { outputs });
}

const sessions = new SessionCache<Session>((s) => s);

/** The decode session for a config (compiled once per config and provider, then cached). */
export function decodeSession(
  cfg: TransformerConfig,
  ep: ExecutionProvider = "cpu",
): Promise<Session> {
  const key = JSON.stringify([cfg, ep, runtimeKey()]);
  let s = sessions.get(key);
  if (!s) {
    s = openSession(buildDecodeGraph(cfg), { ep });
    sessions.set(key, s);
  }
  return s;
}

/** A JS-side KV cache for `batch` rows and up to `maxLen` positions. */
export interface KvCache {
  /** Rows. */
  batch: number;
  /** Capacity in positions. */
  maxLen: number;
  /** Positions filled so far. */
  length: number;
  /** Per layer: keys and values, `[maxLen, batch, kvHeads, headDim]` each. */
  layers: { key: Float32Array; value: Float32Array }[];
}

/** An empty cache. */
export function createKvCache(
  cfg: TransformerConfig,
  batch: number,
  maxLen: number,
): KvCache {
  const n = maxLen * batch * cfg.kvHeads * cfg.headDim;
  return {
    batch,
    maxLen,
    length: 0,
    layers: Array.from({ length: cfg.layers }, () => ({
      key: new Float32Array(n),
      value: new Float32Array(n),
    })),
  };
}

/** Inputs of one {@link decodeStep}, all `[B·T]` row-major. */
export interface DecodeInput {
  /** New tokens. */
  ids: BigInt64Array;
  /** Their absolute positions. */
  positions: BigInt64Array;
  /** Additive bias `[B, 1, T, P+T]` over the cached and new keys. */
  bias: Float32Array;
  /** Tokens per row in this call. */
  tokens: number;
}

/**
 * Runs the model on `T` new tokens per row given the cache, appends their K/V rows to the
 * cache, and returns the logits of the last new position, `[B, V]`. `params` are the model
 * feeds: `modelFeeds(policy)` (base + adapter).
 */
export async function decodeStep(
  session: Session,
  cfg: TransformerConfig,
  params: ParamStore,
  cache: KvCache,
  inp: DecodeInput,
): Promise<Float32Array> {
  const { batch: b } = cache, t = inp.tokens, p = cache.length;
  if (p + t > cache.maxLen) {
    throw new UserError(
      `decodeStep: KV cache full: ${p} cached + ${t} new positions exceed its capacity ${cache.maxLen} ` +
        `(createKvCache maxLen)`,
    );
  }
  const row = b * cfg.kvHeads * cfg.headDim;
  const kvDims = [p, b, cfg.kvHeads, cfg.headDim];
  const feeds: Record<string, HostTensor> = {
    ...params,
    ids: { data: inp.ids, dims: [b, t] },
    positions: { data: inp.positions, dims: [b, t] },
    bias: { data: inp.bias, dims: [b, 1, t, p + t] },
  };
  cache.layers.forEach((l, i) => {
    feeds[`past_key.${i}`] = { data: l.key.subarray(0, p * row), dims: kvDims };
    feeds[`past_value.${i}`] = {
      data: l.value.subarray(0, p * row),
      dims: kvDims,
    };
  });
  const out = await session.run(feeds);
  cache.layers.forEach((l, i) => {
    l.key.set(out[`new_key.${i}`].data as Float32Array, p * row);
    l.value.set(out[`new_value.${i}`].data as Float32Array, p * row);
  });
  cache.length = p + t;
  return out.logits.data as Float32Array;
}

/**
 * A cache of `src.batch · copies` rows whose row `r·copies + c` is a copy of `src`'s row `r`
 * (the prompt-major layout of a group), with capacity `maxLen` ≥ `src.length`: one prefill per
 * prompt serves its G samples.
 *
 * @example
 * ```ts ignore
 * import { createKvCache, tileKvCache } from "./decode.ts";
 * declare const cfg: import("../model/transformer.ts").TransformerConfig;
 * const one = createKvCache(cfg, 1, 8); // … prefilled with one prompt's 8 tokens
 * const group = tileKvCache(cfg, one, 4, 40); // 4 rows, 8 positions filled, room for 40
 * ```
 */
export function tileKvCache(
  cfg: TransformerConfig,
  src: KvCache,
  copies: number,
  maxLen: number,
): KvCache {
  const out = createKvCache(cfg, src.batch * copies, maxLen);
  const w = cfg.kvHeads * cfg.headDim, rowIn = src.batch * w, rowOut = rowIn * copies;
  out.layers.forEach((l, i) => {
    const from = src.layers[i];
    for (const k of ["key", "value"] as const) {
      for (let t = 0; t < src.length; t++) {
        for (let r = 0; r < src.batch; r++) {
          const row = from[k].subarray(t * rowIn + r * w, t * rowIn + (r + 1) * w);
          for (let c = 0; c < copies; c++) l[k].set(row, t * rowOut + (r * copies + c) * w);
        }
      }
    }
  });
  out.length = src.length;
  return out;
}
