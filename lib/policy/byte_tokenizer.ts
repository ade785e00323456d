/**
 * Byte-level BPE tokenizers without dependencies, in the GPT-2 layout: ids 0–255 are the bytes,
 * then the special tokens, then one id per merge. With no merges this is the plain byte
 * tokenizer (`byteTokenizer()`); with merges from `bpe_train.ts` it is a small trained one.
 * Either can be written as an HF `tokenizer.json` + `tokenizer_config.json` that `AutoTokenizer`
 * (transformers.js or Python) loads with identical encode/decode.
 *
 * @module
 */

import { UserError } from "../util/errors.ts";
import { writeJsonFile } from "../model/hf_folder.ts";
import type { ChatMessage, DecodeOptions, Tokenizer } from "./tokenizer.ts";

export type { ChatMessage, DecodeOptions, Tokenizer };

/** A byte-level BPE tokenizer as plain data. */
export interface ByteBpeSpec {
  /** Special tokens; they get ids 256, 257, … in this order. */
  specialTokens: string[];
  /** Merges in priority order, each a pair of token ids (a merge's result id is assigned in order). */
  merges: Array<[number, number]>;
  /** End-of-sequence token (one of `specialTokens`). */
  eosToken?: string;
  /** Padding token (one of `specialTokens`). */
  padToken?: string;
  /** Beginning-of-sequence token (one of `specialTokens`). */
  bosToken?: string;
}

/** GPT-2's pre-tokenizer pattern, as HF `ByteLevel` (use_regex) applies it. */
export const GPT2_SPLIT_PATTERN =
  /'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+/gu;

/** GPT-2's byte → printable character table (index = byte). */
export const BYTE_TO_UNICODE: readonly string[] = (() => {
  const printable = (b: number) =>
    (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || b >= 0xae;
  let n = 0;
  return Array.from(
    { length: 256 },
    (_, b) => String.fromCharCode(printable(b) ? b : 256 + n++),
  );
})();

/** Key of a token pair in lookup maps (ids below 2^20). */
export const pairKey = (a: number, b: number): number => a * 1048576 + b;

/** The lookup tables of a {@link ByteBpeSpec}. */
export interface ByteBpeTables {
  /** Bytes of each token (`undefined` for special tokens). */
  tokenBytes: (Uint8Array | undefined)[];
  /** HF vocabulary string of each token (byte-level characters, or the special text). */
  tokenStrings: string[];
  /** pairKey → merge rank. */
  ranks: Map<number, number>;
  /** merge rank → resulting token id. */
  mergeResult: number[];
  /** Special text → id. */
  specialIds: Map<string, number>;
}

/** Builds the tables of a spec, checking it (a merge result that already exists reuses its id). */
export function byteBpeTables(spec: ByteBpeSpec): ByteBpeTables {
  const tokenBytes: (Uint8Array | undefined)[] = [];
  const tokenStrings: string[] = [];
  const byString = new Map<string, number>();
  for (let b = 0; b < 256; b++) {
    tokenBytes.push(Uint8Array.of(b));
    tokenStrings.push(BYTE_TO_UNICODE[b]);
    byString.set(BYTE_TO_UNICODE[b], b);
  }
  const specialIds = new Map<string, number>();
  for (const s of spec.specialTokens) {
    if (
      typeof s !== "string" || s === "" || specialIds.has(s) || byString.has(s)
    ) {
      throw new UserError(
        `byte tokenizer: special token ${JSON.stringify(s)} must be a new, non-empty string`,
      );
    }
    specialIds.set(s, tokenStrings.length);
    byString.set(s, tokenStrings.length);
    tokenBytes.push(undefined);
    tokenStrings.push(s);
  }
  for (const k of ["eosToken", "padToken", "bosToken"] as const) {
    if (spec[k] !== undefined && !specialIds.has(spec[k])) {
      throw new UserError(
        `byte tokenizer: ${k} ${JSON.stringify(spec[k])} is not one of the special tokens`,
      );
    }
  }
  const ranks = new Map<number, number>();
  const mergeResult: number[] = [];
  for (const [rank, [a, b]] of spec.merges.entries()) {
    const ba = tokenBytes[a], bb = tokenBytes[b];
    if (!ba || !bb || ranks.has(pairKey(a, b))) {
      throw new UserError(
        `byte tokenizer: merge #${rank} [${a}, ${b}] is a repeat or names a missing/special token`,
      );
    }
    const str = tokenStrings[a] + tokenStrings[b];
    let id = byString.get(str);
    if (id === undefined) {
      id = tokenStrings.length;
      const bytes = new Uint8Array(ba.length + bb.length);
      bytes.set(ba);
      bytes.set(bb, ba.length);
      tokenBytes.push(bytes);
      tokenStrings.push(str);
      byString.set(str, id);
    }
    ranks.set(pairKey(a, b), rank);
    mergeResult.push(id);
  }
  return { tokenBytes, tokenStrings, ranks, mergeResult, specialIds };
}

/** Applies merges to one pre-token's bytes: lowest rank first, leftmost on ties (as HF). */
export function bpeMerge(
  bytes: Uint8Array,
  t: Pick<ByteBpeTables, "ranks" | "mergeResult">,
): number[] {
  const syms = Array.from(bytes);
  while (syms.length > 1) {
    let best = Infinity, at = -1;
    for (let i = 0; i + 1 < syms.length; i++) {
      const r = t.ranks.get(pairKey(syms[i], syms[i + 1]));
      if (r !== undefined && r < best) (best = r), (at = i);
    }
    if (at < 0) break;
    syms.splice(at, 2, t.mergeResult[best]);
  }
  return syms;
}

/** A regex that splits text at special tokens (longest first), or undefined when there are none. */
function specialSplitter(specials: Iterable<string>): RegExp | undefined {
  const list = [...specials].sort((a, b) => b.length - a.length);
  if (list.length === 0) return undefined;
  return new RegExp(
    `(${list.map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("|")})`,
    "u",
  );
}

/**
 * A {@link Tokenizer} from a spec: special tokens are split out first, the rest is cut with
 * {@link GPT2_SPLIT_PATTERN}, turned into UTF-8 bytes and merged.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { byteBpeTokenizer } from "./byte_tokenizer.ts";
 * const tok = byteBpeTokenizer({ specialTokens: ["<|endoftext|>"], merges: [[104, 105]] });
 * assert.deepEqual(tok.encode("hi!"), [257, 33]);
 * ```
 */
export function byteBpeTokenizer(spec: ByteBpeSpec): Tokenizer {
  const t = byteBpeTables(spec);
  const splitter = specialSplitter(t.specialIds.keys());
  const cache = new Map<string, number[]>();
  const utf8 = new TextEncoder();
  const vocabSize = t.tokenStrings.length;
  const encodePlain = (text: string, out: number[]) => {
    for (const piece of text.match(GPT2_SPLIT_PATTERN) ?? []) {
      let ids = cache.get(piece);
      if (!ids) {
        ids = bpeMerge(utf8.encode(piece), t);
        if (cache.size > 100_000) cache.clear();
        cache.set(piece, ids);
      }
      for (const id of ids) out.push(id);
    }
  };
  const decode = (ids: readonly number[], opts: DecodeOptions = {}): string => {
    const text = new TextDecoder("utf-8", { fatal: false, ignoreBOM: true });
    let out = "", run: number[] = [];
    const flush = () => {
      if (run.length > 0) out += text.decode(Uint8Array.from(run));
      run = [];
    };
    for (const id of ids) {
      const bytes = t.tokenBytes[id];
      if (!Number.isInteger(id) || id < 0 || id >= vocabSize) {
        throw new UserError(
          `decode: token id ${id} is outside the vocabulary [0, ${vocabSize})`,
        );
      }
      if (bytes) { for (const b of bytes) run.push(b); }
      else if (!opts.skipSpecialTokens) flush(), (out += t.tokenStrings[id]);
    }
    flush();
    return out;
  };
  const idOf = (
    name?: string,
  ) => (name === undefined ? undefined : t.specialIds.get(name));
  const eos = idOf(spec.eosToken),
    bos = idOf(spec.bosToken),
    pad = idOf(spec.padToken);
  return {
    encode(text: string): number[] {
      const out: number[] = [];
      const parts = splitter ? text.split(splitter) : [text];
      parts.forEach((
        part,
        i,
      ) => (i % 2 === 1 ? out.push(t.specialIds.get(part)!) : encodePlain(part, out)));
      return out;
    },
    decode,
    vocabSize,
    eosTokenIds: eos === undefined ? [] : [eos],
    ...(bos !== undefined ? { bosTokenId: bos } : {}),
    ...(pad !== undefined ? { padTokenId: pad } : {}),
  };
}

/** The plain byte tokenizer's spec: 256 bytes, `<|endoftext|>` = 256 (EOS), `<|pad|>` = 257. */
export const BYTE_TOKENIZER_SPEC: ByteBpeSpec = {
  specialTokens: ["<|endoftext|>", "<|pad|>"],
  merges: [],
  eosToken: "<|endoftext|>",
  padToken: "<|pad|>",
};

/**
 * The built-in byte tokenizer (vocab 258: bytes 0–255, `<|endoftext|>` 256, `<|pad|>` 257), for
 * tests and toy tasks. Save it with `saveByteBpeTokenizer(dir, BYTE_TOKENIZER_SPEC)`.
 */
export function byteTokenizer(): Tokenizer {
  return byteBpeTokenizer(BYTE_TOKENIZER_SPEC);
}

/**
 * The HF `tokenizer.json` and `tokenizer_config.json` objects of a spec (model BPE, ByteLevel
 * pre-tokenizer and decoder, no normalizer, no post-processor, no tokenization-space cleanup).
 */
export function byteBpeToHf(
  spec: ByteBpeSpec,
): { tokenizer: unknown; tokenizerConfig: unknown } {
  const t = byteBpeTables(spec);
  const added = [...t.specialIds].map(([content, id]) => ({
    id,
    content,
    single_word: false,
    lstrip: false,
    rstrip: false,
    normalized: false,
    special: true,
  }));
  const byteLevel = {
    type: "ByteLevel",
    add_prefix_space: false,
    trim_offsets: true,
    use_regex: true,
  };
  const tokenizer = {
    version: "1.0",
    truncation: null,
    padding: null,
    added_tokens: added,
    normalizer: null,
    pre_tokenizer: byteLevel,
    post_processor: null,
    decoder: byteLevel,
    model: {
      type: "BPE",
      dropout: null,
      unk_token: null,
      continuing_subword_prefix: null,
      end_of_word_suffix: null,
      fuse_unk: false,
      byte_fallback: false,
      ignore_merges: false,
      vocab: Object.fromEntries(t.tokenStrings.map((s, id) => [s, id])),
      merges: spec.merges.map(([a, b]) => `${t.tokenStrings[a]} ${t.tokenStrings[b]}`),
    },
  };
  const tokenizerConfig = {
    tokenizer_class: "PreTrainedTokenizerFast",
    clean_up_tokenization_spaces: false,
    add_prefix_space: false,
    ...(spec.bosToken !== undefined ? { bos_token: spec.bosToken } : {}),
    ...(spec.eosToken !== undefined ? { eos_token: spec.eosToken } : {}),
    ...(spec.padToken !== undefined ? { pad_token: spec.padToken } : {}),
    added_tokens_decoder: Object.fromEntries(
      added.map(({ id, ...rest }) => [String(id), rest]),
    ),
  };
  return { tokenizer, tokenizerConfig };
}

/** Writes `tokenizer.json` and `tokenizer_config.json` of a spec into `dir` (created if needed). */
export async function saveByteBpeTokenizer(
  dir: string,
  spec: ByteBpeSpec,
): Promise<void> {
  const { tokenizer, tokenizerConfig } = byteBpeToHf(spec);
  await Deno.mkdir(dir, { recursive: true });
  await writeJsonFile(`${dir}/tokenizer.json`, tokenizer);
  await writeJsonFile(`${dir}/tokenizer_config.json`, tokenizerConfig);
}
