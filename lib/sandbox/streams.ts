/**
 * Capped collection of a child process's output stream: bytes beyond the cap are dropped and
 * reported once (the caller kills the run), and the result can be taken after a grace period
 * even when a leftover process still holds the stream open.
 *
 * @module
 */

/** What {@link collect} gathered. */
export interface Collected {
  /** At most `cap` bytes, in arrival order. */
  bytes: Uint8Array;
  /** Whether more than `cap` bytes arrived. */
  overflow: boolean;
}

/**
 * Starts reading `stream`; `onData` is called for every chunk, `onOverflow` once when the
 * total passes `cap`. Returns a function that waits at most `graceMs` more for the end of the
 * stream, cancels it and resolves to what was read.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { collect } from "./streams.ts";
 * const take = collect(new Blob(["hello"]).stream(), 3, () => {}, () => {});
 * const { bytes, overflow } = await take(100);
 * assert.deepEqual([new TextDecoder().decode(bytes), overflow], ["hel", true]);
 * ```
 */
export function collect(
  stream: ReadableStream<Uint8Array>,
  cap: number,
  onData: () => void,
  onOverflow: () => void,
): (graceMs: number) => Promise<Collected> {
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  let overflow = false;
  const done = (async () => {
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        onData();
        if (size + value.length > cap && !overflow) {
          overflow = true;
          onOverflow();
        }
        if (size < cap) {
          const take = value.subarray(0, cap - size);
          chunks.push(take);
          size += take.length;
        }
      }
    } catch {
      // stream cancelled or broken: keep what we have
    }
  })();
  return async (graceMs) => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<void>((r) => timer = setTimeout(r, graceMs));
    await Promise.race([done, late]);
    clearTimeout(timer);
    await reader.cancel().catch(() => {});
    const bytes = new Uint8Array(size);
    let at = 0;
    for (const c of chunks) {
      bytes.set(c, at);
      at += c.length;
    }
    return { bytes, overflow };
  };
}
