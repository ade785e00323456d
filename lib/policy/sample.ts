/**
 * Sampling a group of completions for a batch of prompts with KV-cache decoding: prompts are
 * left-padded into one batch, each repeated `numReturnSequences` (the group size G) times,
 * decoded together, and stopped per row at EOS, a stop string or `maxNewTokens`. Every random
 * draw comes from one seeded stream, so the same seed gives the same tokens.
 *
 * @module
 */
import { type ChooseOptions, chooseToken } from "./choose.ts";
import { createKvCache, decodeSession, decodeStep, tileKvCache } from "./decode.ts";
import type { Policy } from "./policy.ts";
import { modelFeeds } from "./feeds.ts";
import { makeRng, type Rng } from "../util/rng.ts";
import { UserError } from "../util/errors.ts";

/** Options of {@link sampleTokens} and {@link sampleTexts}. */
export interface SampleOptions extends ChooseOptions {
  /** Longest completion in tokens (default 64). */
  maxNewTokens?: number;
  /** Completions per prompt: the group size G (default 1). */
  numReturnSequences?: number;
  /**
   * Strings that end a completion: generation stops at the first token whose decoded text
   * contains one; `text` is cut before the first occurrence, `ids` keep every generated token.
   */
  stop?: string[];
  /**
   * Tokens that end a completion (default: the tokenizer's, those of `generation_config.json`
   * and `config.json`'s `eos_token_id`).
   */
  eosTokenIds?: number[];
  /** Seed of the sampling stream (default 0); ignored when `rng` is given. */
  seed?: number | string;
  /** Recompute the whole prefix at every step instead of using the KV cache (slower; for tests and benchmarks). */
  noCache?: boolean;
  /** An explicit stream to draw from (advanced: shared across calls). */
  rng?: Rng;
  /** Render text prompts with the tokenizer's chat template when it has one (default true). */
  chatTemplate?: boolean;
  /**
   * Prefill each prompt once and copy its K/V cache to its G rows (default true); false runs
   * the prefill on all `prompts × G` rows (the same tokens, G times the prefill work).
   */
  sharedPrefill?: boolean;
}

/**
 * A prompt that does not fit the model's positions with the completion budget: `tokens`
 * prompt tokens + `maxNewTokens` > `positions`. The trainer names the example (see
 * `atExample` in `rl/rewards.ts`).
 */
export class PromptTooLongError extends UserError {
  /** Creates the error with its message. */
  constructor(message: string) {
    super(message);
    this.name = "PromptTooLongError";
  }
}

/** The `config.json` field that holds a model's position count, for messages. */
function positionsField(cfg: { arch: string }): string {
  return cfg.arch === "gpt2" ? "n_positions" : "max_position_embeddings";
}

/**
 * Throws a {@link UserError} when `maxNewTokens` leaves no room for a prompt in the model's
 * positions (checked once when training starts; each prompt is checked when sampled).
 *
 * @example
 * ```ts ignore
 * import { checkCompletionBudget } from "./sample.ts";
 * declare const policy: import("./policy.ts").Policy; // 512 positions
 * checkCompletionBudget(policy, 4096, "data/default-model"); // throws
 * ```
 */
export function checkCompletionBudget(policy: Policy, maxNewTokens: number, model: string): void {
  const n = policy.cfg.maxPositions;
  if (maxNewTokens >= n) {
    throw new UserError(
      `sampling.maxNewTokens is ${maxNewTokens} but the model ${model} has ${n} positions ` +
        `(${positionsField(policy.cfg)} in config.json), which must hold the prompt and the ` +
        `completion; lower sampling.maxNewTokens below ${n}`,
    );
  }
}

/** Why a completion ended. */
export type FinishReason = "eos" | "stop" | "length";

/** One sampled completion. */
export interface Completion {
  /** Index of its prompt. */
  prompt: number;
  /** Index within the prompt's group (0 … G−1). */
  sample: number;
  /** Prompt tokens. */
  promptIds: number[];
  /** Generated tokens (including the EOS token when it ended with one). */
  ids: number[];
  /** Decoded text of the completion (special tokens dropped, cut at a stop string). */
  text: string;
  /** Log-probability of each generated token under the policy (temperature 1). */
  logprobs: number[];
  /** Why it ended. */
  finish: FinishReason;
}

function prefillBias(pads: number[], tp: number): Float32Array {
  const b = pads.length, out = new Float32Array(b * tp * tp);
  for (let r = 0; r < b; r++) {
    for (let i = 0; i < tp; i++) {
      for (let j = 0; j < tp; j++) {
        const ok = (j >= pads[r] && j <= i) || (i < pads[r] && j === i);
        out[(r * tp + i) * tp + j] = ok ? 0 : -1e9;
      }
    }
  }
  return out;
}

function stepBias(pads: number[], total: number): Float32Array {
  const out = new Float32Array(pads.length * total);
  pads.forEach((a, r) => out.fill(-1e9, r * total, r * total + a));
  return out;
}

/**
 * The options sampling actually uses: `opts`, with what the caller left undefined taken from
 * the policy's `generation_config.json` defaults (`temperature`, `top_k`, `top_p`,
 * `max_new_tokens`; `do_sample: false` means greedy), then the built-in defaults (temperature
 * 1, no top-k/top-p, 64 new tokens). Explicit options always win.
 *
 * @example
 * ```ts ignore
 * import { samplingDefaults } from "./sample.ts";
 * declare const policy: import("./policy.ts").Policy; // generation: { temperature: 0.7 }
 * samplingDefaults(policy, { topK: 5 }); // { topK: 5, temperature: 0.7, … }
 * ```
 */
export function samplingDefaults(policy: Policy, opts: SampleOptions): SampleOptions {
  const gen = policy.generation ?? {};
  return {
    ...opts,
    temperature: opts.temperature ?? (gen.doSample === false ? 0 : gen.temperature),
    topK: opts.topK ?? gen.topK,
    topP: opts.topP ?? gen.topP,
    maxNewTokens: opts.maxNewTokens ?? gen.maxNewTokens,
  };
}

/** The tokens that end a completion by default: the tokenizer's plus `config.json`'s. */
export function defaultEosTokenIds(policy: Policy): number[] {
  return [...new Set([...policy.tokenizer.eosTokenIds, ...policy.cfg.eosTokenIds])];
}

/**
 * Samples `G = numReturnSequences` completions for each tokenized prompt. Results are
 * prompt-major: index `p·G + g`. Options left undefined come from the policy's
 * `generation_config.json` (see {@link samplingDefaults}).
 */
export async function sampleTokens(
  policy: Policy,
  prompts: number[][],
  options: SampleOptions = {},
): Promise<Completion[]> {
  const opts = samplingDefaults(policy, options);
  const g = opts.numReturnSequences ?? 1, maxNew = opts.maxNewTokens ?? 64;
  if (!Number.isInteger(g) || g < 1) {
    throw new UserError(`sample: numReturnSequences must be ≥ 1, got ${g}`);
  }
  if (!Number.isInteger(maxNew) || maxNew < 1) {
    throw new UserError(`sample: maxNewTokens must be ≥ 1, got ${maxNew}`);
  }
  if (prompts.some((p) => p.length === 0)) {
    throw new UserError("sample: every prompt needs at least one token");
  }
  const { cfg, tokenizer } = policy;
  const params = modelFeeds(policy); // base + adapter
  const rows = prompts.flatMap((p, pi) => Array.from({ length: g }, (_, s) => ({ pi, s, ids: p })));
  const b = rows.length, tp = Math.max(...prompts.map((p) => p.length));
  if (tp + maxNew > cfg.maxPositions) {
    throw new PromptTooLongError(
      `sample: prompt (${tp} tokens) + maxNewTokens (${maxNew}) = ${tp + maxNew} exceeds the ` +
        `model's ${cfg.maxPositions} positions (${positionsField(cfg)} in config.json)`,
    );
  }
  const eos = new Set(opts.eosTokenIds ?? defaultEosTokenIds(policy));
  const padToken = tokenizer.padTokenId ?? [...eos][0] ?? 0;
  const rng = opts.rng ?? makeRng(`sample/${opts.seed ?? 0}`);
  const pads = rows.map((r) => tp - r.ids.length);
  const session = await decodeSession(cfg, policy.ep);
  const ids = new BigInt64Array(b * tp), positions = new BigInt64Array(b * tp);
  rows.forEach((r, i) => {
    for (let t = 0; t < tp; t++) {
      const k = t - pads[i];
      ids[i * tp + t] = BigInt(k >= 0 ? r.ids[k] : padToken);
      positions[i * tp + t] = BigInt(Math.max(0, k));
    }
  });
  let cache, logits: Float32Array;
  if (opts.sharedPrefill === false || g === 1) {
    cache = createKvCache(cfg, b, tp + maxNew);
    logits = await decodeStep(session, cfg, params, cache, {
      ids,
      positions,
      bias: prefillBias(pads, tp),
      tokens: tp,
    });
  } else {
    // one prefill row per prompt (rows p·G … p·G+G−1 share it), then copies of its K/V rows
    const first = (a: BigInt64Array) => {
      const o = new BigInt64Array(prompts.length * tp);
      prompts.forEach((_, pi) => o.set(a.subarray(pi * g * tp, (pi * g + 1) * tp), pi * tp));
      return o;
    };
    const one = createKvCache(cfg, prompts.length, tp);
    const lp = await decodeStep(session, cfg, params, one, {
      ids: first(ids),
      positions: first(positions),
      bias: prefillBias(prompts.map((_, pi) => pads[pi * g]), tp),
      tokens: tp,
    });
    cache = tileKvCache(cfg, one, g, tp + maxNew);
    const v = cfg.vocabSize;
    logits = new Float32Array(b * v);
    for (let i = 0; i < b; i++) {
      logits.set(lp.subarray(Math.floor(i / g) * v, (Math.floor(i / g) + 1) * v), i * v);
    }
  }
  const out: Completion[] = rows.map((r) => ({
    prompt: r.pi,
    sample: r.s,
    promptIds: r.ids,
    ids: [],
    text: "",
    logprobs: [],
    finish: "length",
  }));
  const done = new Array(b).fill(false);
  const v = cfg.vocabSize;
  /** Full forward over prompt + the first `n` generated tokens, with an empty cache. */
  const recompute = (n: number) => {
    const len = tp + n,
      all = new BigInt64Array(b * len),
      allPos = new BigInt64Array(b * len);
    for (let i = 0; i < b; i++) {
      for (let t = 0; t < len; t++) {
        const gen = t - tp;
        all[i * len + t] = gen < 0 ? ids[i * tp + t] : BigInt(out[i].ids[gen] ?? padToken);
        allPos[i * len + t] = BigInt(Math.max(0, t - pads[i]));
      }
    }
    return decodeStep(session, cfg, params, createKvCache(cfg, b, len), {
      ids: all,
      positions: allPos,
      bias: prefillBias(pads, len),
      tokens: len,
    });
  };
  for (let step = 0; step < maxNew; step++) {
    const next = new BigInt64Array(b), pos = new BigInt64Array(b);
    for (let i = 0; i < b; i++) {
      pos[i] = BigInt(tp - pads[i] + step);
      if (done[i]) {
        next[i] = BigInt(padToken);
        continue;
      }
      const { token, logprob } = chooseToken(
        logits.subarray(i * v, (i + 1) * v),
        opts,
        rng,
      );
      const c = out[i];
      c.ids.push(token);
      c.logprobs.push(logprob);
      next[i] = BigInt(token);
      if (eos.has(token)) {
        done[i] = true;
        c.finish = "eos";
      } else if (opts.stop?.length) {
        const text = tokenizer.decode(c.ids, { skipSpecialTokens: true });
        if (opts.stop.some((s) => text.includes(s))) {
          done[i] = true;
          c.finish = "stop";
        }
      }
    }
    if (done.every(Boolean) || step === maxNew - 1) break;
    if (opts.noCache) {
      logits = await recompute(step + 1);
      continue;
    }
    logits = await decodeStep(session, cfg, params, cache, {
      ids: next,
      positions: pos,
      bias: stepBias(pads, cache.length + 1),
      tokens: 1,
    });
  }
  for (const c of out) {
    let text = tokenizer.decode(c.ids, { skipSpecialTokens: true });
    for (const s of opts.stop ?? []) {
      const at = text.indexOf(s);
      if (at >= 0) text = text.slice(0, at);
    }
    c.text = text;
  }
  return out;
}

/**
 * Tokenizes text prompts (prepending BOS for Llama-style models whose tokenizer has one) and
 * samples a group of completions for each.
 *
 * @example
 * ```ts ignore
 * import { sampleTexts } from "./sample.ts";
 * declare const policy: import("./policy.ts").Policy;
 * const group = await sampleTexts(policy, ["Once upon a time"], {
 *   numReturnSequences: 4, maxNewTokens: 32, temperature: 0.8, topP: 0.95, seed: 1,
 * });
 * ```
 */
export function sampleTexts(
  policy: Policy,
  prompts: string[],
  opts: SampleOptions = {},
): Promise<Completion[]> {
  return sampleTokens(
    policy,
    prompts.map((p) => encodePrompt(policy, p, opts)),
    opts,
  );
}

/**
 * Token ids of a prompt. When the tokenizer has a chat template (instruct checkpoints such as
 * Qwen2.5-Instruct) and `chatTemplate` is not false, the text becomes one user message rendered
 * by the template, ending with the assistant prompt; otherwise BOS (Llama-style models whose
 * tokenizer has one) + the text. A text far longer than the model's positions is refused
 * ({@link PromptTooLongError}) before tokenizing all of it.
 */
export function encodePrompt(
  policy: Policy,
  text: string,
  opts: { chatTemplate?: boolean } = {},
): number[] {
  const tok = policy.tokenizer, positions = policy.cfg.maxPositions;
  // A huge text (megabytes) is refused from a prefix, without tokenizing all of it: when its
  // first 16 characters per position already make ≥ positions tokens, the whole cannot fit.
  const head = 16 * positions;
  if (text.length > head && tok.encode(text.slice(0, head)).length >= positions) {
    throw new PromptTooLongError(
      `sample: prompt of ${text.length} characters does not fit the model's ${positions} positions ` +
        `(${positionsField(policy.cfg)} in config.json): its first ${head} characters are ` +
        `already ${positions} or more tokens`,
    );
  }
  if (tok.applyChatTemplate && opts.chatTemplate !== false) {
    return tok.encode(tok.applyChatTemplate([{ role: "user", content: text }]));
  }
  const bos = policy.cfg.arch === "llama" ? tok.bosTokenId : undefined;
  return [...(bos !== undefined ? [bos] : []), ...tok.encode(text)];
}
