/**
 * Seeded random streams. Every random choice in the toolkit (weight init, sampling, data
 * order) draws from an explicit {@link Rng} made here, so the same seed gives the same run.
 * Streams are backed by seedrandom's ARC4 generator, whose full state can be saved and
 * restored (used by checkpoints for exact resume).
 *
 * @module
 */
import seedrandom from "npm:seedrandom@3.0.5";

/** Serializable state of an {@link Rng} (seedrandom ARC4 state). */
export interface RngState {
  /** ARC4 index i. */
  i: number;
  /** ARC4 index j. */
  j: number;
  /** ARC4 permutation. */
  S: number[];
}

/** A seeded random stream: uniform floats in [0, 1) plus saveable state. */
export interface Rng {
  /** Next uniform float in [0, 1) (53 bits of randomness). */
  next(): number;
  /** The current state, a plain object that can be JSON-serialized. */
  state(): RngState;
}

type Prng = { double(): number; state(): RngState };

/**
 * Creates a stream from a seed (any string or number), or resumes one from a saved state.
 *
 * @example
 * ```ts
 * import { makeRng } from "./rng.ts";
 * const a = makeRng(42), b = makeRng(42);
 * console.assert(a.next() === b.next());
 * ```
 */
export function makeRng(seed: string | number, state?: RngState): Rng {
  // deno-lint-ignore no-explicit-any
  const opts: any = { state: state ? structuredClone(state) : true };
  const prng = seedrandom(String(seed), opts) as unknown as Prng;
  return { next: () => prng.double(), state: () => prng.state() };
}

/**
 * Derives an independent child stream from a parent seed and a label, e.g.
 * `childRng(seed, "init")`, `childRng(seed, "sample/agent0")`.
 */
export function childRng(seed: string | number, label: string): Rng {
  return makeRng(`${seed}/${label}`);
}

/** Uniform integer in [0, n). */
export function randInt(rng: Rng, n: number): number {
  return Math.floor(rng.next() * n);
}

/** Standard normal draw (Box–Muller, one value per call, deterministic). */
export function randNormal(rng: Rng): number {
  let u = rng.next();
  while (u <= 1e-300) u = rng.next();
  const v = rng.next();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

/** Fisher–Yates shuffle of a copy of `items`. */
export function shuffled<T>(rng: Rng, items: readonly T[]): T[] {
  const out = items.slice();
  for (let i = out.length - 1; i > 0; i--) {
    const j = randInt(rng, i + 1);
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}
