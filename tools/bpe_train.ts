/**
 * A small, deterministic byte-level BPE trainer (GPT-2 style). The corpus is split at special
 * tokens and cut with GPT-2's pre-tokenizer pattern; then, until the vocabulary is full, the most
 * frequent adjacent token pair is merged (ties: smaller left id, then smaller right id). Pair
 * counts are updated incrementally and the best pair comes from a lazy max-heap, so a 1 MB corpus
 * trains in seconds. The result is a {@link ByteBpeSpec} for `byte_tokenizer.ts`.
 *
 * @module
 */

import { UserError } from "../lib/util/errors.ts";
import {
  BYTE_TO_UNICODE,
  type ByteBpeSpec,
  GPT2_SPLIT_PATTERN,
  pairKey,
} from "../lib/policy/byte_tokenizer.ts";

export type { ByteBpeSpec };

/** Options of {@link trainByteBpe}. */
export interface BpeTrainOptions {
  /** Target vocabulary size, bytes and special tokens included (e.g. 512–2048). */
  vocabSize: number;
  /** Special tokens (ids 256, 257, …). Default `["<|endoftext|>", "<|pad|>"]`. */
  specialTokens?: string[];
  /** End-of-sequence token. Default the first special token. */
  eosToken?: string;
  /** Padding token. Default `"<|pad|>"` when it is among the special tokens. */
  padToken?: string;
  /** Stop when the best pair occurs fewer times than this. Default 2. */
  minFrequency?: number;
}

/** Counts of distinct pre-tokens of a corpus, as byte arrays, in first-seen order. */
function countWords(
  corpus: string,
  specials: string[],
): { words: number[][]; freqs: number[] } {
  const counts = new Map<string, number>();
  const escaped = specials.map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));
  const parts = escaped.length > 0 ? corpus.split(new RegExp(escaped.join("|"), "u")) : [corpus];
  for (const part of parts) {
    for (const piece of part.match(GPT2_SPLIT_PATTERN) ?? []) {
      counts.set(piece, (counts.get(piece) ?? 0) + 1);
    }
  }
  const utf8 = new TextEncoder();
  const words: number[][] = [], freqs: number[] = [];
  for (const [piece, n] of counts) {
    words.push(Array.from(utf8.encode(piece)));
    freqs.push(n);
  }
  return { words, freqs };
}

/** Max-heap of (count, pair key): higher count first, then smaller key. Entries may be stale. */
class PairHeap {
  private counts: number[] = [];
  private keys: number[] = [];
  get size(): number {
    return this.keys.length;
  }
  private above(i: number, j: number): boolean {
    return this.counts[i] > this.counts[j] ||
      (this.counts[i] === this.counts[j] && this.keys[i] < this.keys[j]);
  }
  private swap(i: number, j: number): void {
    [this.counts[i], this.counts[j]] = [this.counts[j], this.counts[i]];
    [this.keys[i], this.keys[j]] = [this.keys[j], this.keys[i]];
  }
  push(count: number, key: number): void {
    this.counts.push(count);
    this.keys.push(key);
    for (let i = this.keys.length - 1; i > 0;) {
      const p = (i - 1) >> 1;
      if (!this.above(i, p)) break;
      this.swap(i, p);
      i = p;
    }
  }
  pop(): [number, number] {
    const top: [number, number] = [this.counts[0], this.keys[0]];
    const lastC = this.counts.pop()!, lastK = this.keys.pop()!;
    if (this.keys.length > 0) {
      this.counts[0] = lastC;
      this.keys[0] = lastK;
      for (let i = 0;;) {
        const l = 2 * i + 1, r = l + 1;
        let m = i;
        if (l < this.keys.length && this.above(l, m)) m = l;
        if (r < this.keys.length && this.above(r, m)) m = r;
        if (m === i) break;
        this.swap(i, m);
        i = m;
      }
    }
    return top;
  }
}

/**
 * Trains byte-level BPE merges on `corpus`. Deterministic: the same corpus and options always
 * give the same merges.
 *
 * @example
 * ```ts
 * import { trainByteBpe } from "./bpe_train.ts";
 * import { byteBpeTokenizer } from "../lib/policy/byte_tokenizer.ts";
 * const spec = trainByteBpe("low lower lowest ".repeat(50), { vocabSize: 270 });
 * byteBpeTokenizer(spec).encode(" lowest").length; // 1
 * ```
 */
export function trainByteBpe(
  corpus: string,
  opts: BpeTrainOptions,
): ByteBpeSpec {
  const specialTokens = opts.specialTokens ?? ["<|endoftext|>", "<|pad|>"];
  const minFrequency = opts.minFrequency ?? 2;
  const base = 256 + specialTokens.length;
  if (
    !Number.isSafeInteger(opts.vocabSize) || opts.vocabSize < base ||
    opts.vocabSize > 1_000_000
  ) {
    throw new UserError(
      `trainByteBpe: vocabSize must be an integer in [${base}, 1000000] (256 bytes + ${specialTokens.length} special tokens), got ${opts.vocabSize}`,
    );
  }
  const { words, freqs } = countWords(corpus, specialTokens);
  const pairCounts = new Map<number, number>();
  const pairWords = new Map<number, Set<number>>();
  const heap = new PairHeap();
  for (const [w, syms] of words.entries()) {
    for (let i = 0; i + 1 < syms.length; i++) {
      const k = pairKey(syms[i], syms[i + 1]);
      pairCounts.set(k, (pairCounts.get(k) ?? 0) + freqs[w]);
      let set = pairWords.get(k);
      if (!set) pairWords.set(k, set = new Set());
      set.add(w);
    }
  }
  for (const [k, c] of pairCounts) heap.push(c, k);

  const strings = [...BYTE_TO_UNICODE, ...specialTokens];
  const byString = new Map(strings.map((s, id) => [s, id]));
  const merges: Array<[number, number]> = [];
  while (strings.length < opts.vocabSize && heap.size > 0) {
    const [count, key] = heap.pop();
    if (pairCounts.get(key) !== count) continue; // stale entry
    if (count < minFrequency) break;
    const a = Math.floor(key / 1048576), b = key % 1048576;
    const str = strings[a] + strings[b];
    let id = byString.get(str);
    if (id === undefined) {
      id = strings.length;
      strings.push(str);
      byString.set(str, id);
    }
    merges.push([a, b]);
    applyMerge(a, b, id, words, freqs, pairCounts, pairWords, heap);
  }
  return {
    specialTokens,
    merges,
    eosToken: opts.eosToken ?? specialTokens[0],
    ...(opts.padToken !== undefined || specialTokens.includes("<|pad|>")
      ? { padToken: opts.padToken ?? "<|pad|>" }
      : {}),
  };
}

/** Rewrites every word holding pair (a, b) and updates pair counts, word sets and the heap. */
function applyMerge(
  a: number,
  b: number,
  id: number,
  words: number[][],
  freqs: number[],
  pairCounts: Map<number, number>,
  pairWords: Map<number, Set<number>>,
  heap: PairHeap,
): void {
  const key = pairKey(a, b);
  const delta = new Map<number, number>();
  const bump = (k: number, d: number) => delta.set(k, (delta.get(k) ?? 0) + d);
  for (const w of pairWords.get(key) ?? []) {
    const syms = words[w], f = freqs[w];
    let has = false;
    for (let i = 0; i + 1 < syms.length; i++) {
      if (syms[i] === a && syms[i + 1] === b) has = true;
    }
    if (!has) continue; // stale membership
    for (let i = 0; i + 1 < syms.length; i++) {
      bump(pairKey(syms[i], syms[i + 1]), -f);
    }
    const next: number[] = [];
    for (let i = 0; i < syms.length; i++) {
      if (i + 1 < syms.length && syms[i] === a && syms[i + 1] === b) {
        next.push(id), i++;
      } else next.push(syms[i]);
    }
    words[w] = next;
    for (let i = 0; i + 1 < next.length; i++) {
      const k = pairKey(next[i], next[i + 1]);
      bump(k, f);
      let set = pairWords.get(k);
      if (!set) pairWords.set(k, set = new Set());
      set.add(w);
    }
  }
  pairWords.delete(key);
  for (const [k, d] of delta) {
    if (d === 0) continue;
    const c = (pairCounts.get(k) ?? 0) + d;
    if (c > 0) {
      pairCounts.set(k, c);
      heap.push(c, k);
    } else pairCounts.delete(k);
  }
}
