/**
 * Bounded caches of compiled sessions keyed by shape ({@link SessionCache}), and
 * {@link releaseSessions}, which frees every one of them at once.
 *
 * @module
 */
import { runtimeSettings, type Session } from "./runtime.ts";
import { UserError } from "../util/errors.ts";

/**
 * A cache of compiled sessions (or of objects holding one, such as a train step) keyed by shape,
 * with the `Map` methods its users need, that holds at most `capacity` entries: setting one more
 * retires the least recently used (its native memory is freed once its runs in flight end). Each
 * compiled graph holds ~10 MB even with the CPU arena off, and a run with varied prompt lengths
 * compiles one per padded shape, so an unbounded cache grows for as long as new lengths appear
 * (measured in bench/RESULTS.md).
 *
 * @example
 * ```ts ignore
 * import { openSession, type Session } from "./runtime.ts";
 * import { SessionCache } from "./session_cache.ts";
 * declare const bytes: Uint8Array;
 * const cache = new SessionCache<Session>((s) => s, 8);
 * if (!cache.has("4x128")) cache.set("4x128", openSession(bytes));
 * const s = await cache.get("4x128")!;
 * ```
 */
export class SessionCache<T> {
  readonly #entries = new Map<string, Promise<T>>();
  /**
   * An empty cache.
   *
   * @param sessionOf The session inside an entry (to retire it).
   * @param capacity Most entries kept (≥ 1; default: `RuntimeSettings.shapeSessions` (runtime.ts) at
   * the time of each `set`).
   */
  constructor(
    private readonly sessionOf: (value: T) => Session,
    /** Most entries kept (undefined: `RuntimeSettings.shapeSessions` (runtime.ts)). */
    readonly capacity?: number,
  ) {
    if (capacity !== undefined && !(capacity >= 1)) {
      throw new UserError(`SessionCache: capacity must be ≥ 1, got ${capacity}`);
    }
    caches.add(new WeakRef(this));
  }
  /** Entries held now. */
  get size(): number {
    return this.#entries.size;
  }
  /** Whether `key` is held (does not count as a use). */
  has(key: string): boolean {
    return this.#entries.has(key);
  }
  /** The entry for `key` (now the most recently used), or undefined. */
  get(key: string): Promise<T> | undefined {
    const v = this.#entries.get(key);
    if (v) {
      this.#entries.delete(key);
      this.#entries.set(key, v);
    }
    return v;
  }
  /** Adds or replaces an entry, retiring the least recently used ones beyond `capacity`. */
  set(key: string, value: Promise<T>): this {
    this.#entries.delete(key);
    this.#entries.set(key, value);
    const capacity = this.capacity ?? runtimeSettings().shapeSessions;
    for (const [k, old] of this.#entries) {
      if (this.#entries.size <= capacity) break;
      this.#entries.delete(k);
      this.#retire(old);
    }
    return this;
  }
  /** Retires every entry (freed once their runs in flight end); returns how many there were. */
  clear(): number {
    const n = this.#entries.size;
    for (const v of this.#entries.values()) this.#retire(v);
    this.#entries.clear();
    return n;
  }
  #retire(entry: Promise<T>): void {
    entry.then((x) => {
      const session = this.sessionOf(x);
      if (session.retire) session.retire();
      else void session.release();
    }, () => {});
  }
}

/** Every {@link SessionCache} made so far (weakly: a dropped critic's caches may go). */
const caches = new Set<WeakRef<{ clear(): number }>>();

/**
 * Frees every compiled graph the library has cached (decoding, scoring, logits, train steps,
 * critics). Compiled graphs are shared by all policies of one architecture (the weights are
 * inputs, so two agents of one model use one graph) rather than owned by a policy; call this
 * when a notebook or script is done with its models. Sessions in use finish their runs first;
 * a later call compiles what it needs again. Returns how many cache entries were retired.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { releaseSessions } from "./session_cache.ts";
 * assert.ok(releaseSessions() >= 0);
 * ```
 */
export function releaseSessions(): number {
  let n = 0;
  for (const ref of caches) {
    const cache = ref.deref();
    if (cache) n += cache.clear();
    else caches.delete(ref);
  }
  return n;
}
