/**
 * Train/eval splits: which rows train and which are held out for evaluation. Three sources,
 * in order of precedence:
 *
 * 1. explicit Python-style slices (`trainSlice: "33:163"`, `evalSlice: ":32"`, as the authors'
 *    `test[33:163]` / `test[:32]`), or an evaluation file of its own;
 * 2. the authors' split for a dataset they define one for, recognized by its `task_id`s
 *    ({@link AUTHORS_SPLITS}: HumanEval, CoopHumanEval, MBPP);
 * 3. a seeded split: a fixed share of the rows, drawn with a seed that depends only on the
 *    environment's name and row count, so that every run (whatever its seed) evaluates on the
 *    same rows.
 *
 * When both sides come from the same rows, they never share a row: an overlap of the two
 * slices is refused, and a missing side is the complement of the other.
 *
 * @module
 */
import { makeRng, shuffled } from "../util/rng.ts";
import { UserError } from "../util/errors.ts";

/** A split as row indices into one list of rows. */
export interface SplitIndices {
  /** Training rows, in data order. */
  train: number[];
  /** Evaluation rows, in data order. */
  eval: number[];
}

/**
 * The authors' splits (LLM_Collab_Code_Generation `configs/*.yaml`), by `task_id` prefix:
 * HumanEval train `test[33:163]`, eval `test[:32]` (rows 32 and 163 are in neither);
 * CoopHumanEval train `test[16:]`, eval `test[:16]`; MBPP train `test[15:65]`, eval `test[:15]`.
 * (TLDR and arXiv use the datasets' own train and test/val splits: separate files here.)
 */
export const AUTHORS_SPLITS: Readonly<Record<string, { train: string; eval: string }>> = Object
  .freeze({
    "HumanEval/": { train: "33:163", eval: ":32" },
    "CoopHumanEval/": { train: "16:", eval: ":16" },
    "MBPP/": { train: "15:65", eval: ":15" },
  });

/**
 * The indices `rows[start:stop]` selects, Python semantics (negative counts from the end,
 * out-of-range ends are clipped; no step).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { sliceIndices } from "./split.ts";
 * assert.deepEqual(sliceIndices(":3", 10), [0, 1, 2]);
 * assert.deepEqual(sliceIndices("-2:", 10), [8, 9]);
 * ```
 */
export function sliceIndices(slice: string, n: number): number[] {
  const m = /^\s*(-?\d*)\s*:\s*(-?\d*)\s*$/.exec(slice);
  if (!m) throw new UserError(`bad slice ${JSON.stringify(slice)}: expected "start:stop"`);
  const end = (s: string, dflt: number) => {
    if (s === "") return dflt;
    const v = Number(s);
    return Math.min(n, Math.max(0, v < 0 ? n + v : v));
  };
  const a = end(m[1], 0), b = end(m[2], n);
  return Array.from({ length: Math.max(0, b - a) }, (_, k) => a + k);
}

/**
 * A seeded split of `n` rows: `max(1, round(fraction·n))` rows (but at least one left to
 * train) drawn by a shuffle seeded with `split/<name>/<n>`; both lists in data order.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { seededSplit } from "./split.ts";
 * const s = seededSplit("toy", 36, 0.2);
 * assert.deepEqual([s.train.length, s.eval.length], [29, 7]);
 * ```
 */
export function seededSplit(name: string, n: number, fraction: number): SplitIndices {
  if (n < 2) {
    throw new UserError(
      `environment '${name}' has ${n} row(s): a held-out split needs at least 2 ` +
        `(add rows, or give env.evalDataPath)`,
    );
  }
  const k = Math.min(n - 1, Math.max(1, Math.round(fraction * n)));
  const order = shuffled(makeRng(`split/${name}/${n}`), Array.from({ length: n }, (_, i) => i));
  const held = new Set(order.slice(0, k));
  const all = Array.from({ length: n }, (_, i) => i);
  return { train: all.filter((i) => !held.has(i)), eval: all.filter((i) => held.has(i)) };
}

/** The authors' split of these rows when their `task_id`s name a dataset they split. */
export function authorsSplitFor(rows: unknown[]): { train: string; eval: string } | undefined {
  const id = (rows[0] as { task_id?: unknown } | undefined)?.task_id;
  if (typeof id !== "string") return undefined;
  const prefix = Object.keys(AUTHORS_SPLITS).find((p) => id.startsWith(p));
  const all = prefix !== undefined &&
    rows.every((r) => String((r as { task_id?: unknown }).task_id).startsWith(prefix));
  return all ? AUTHORS_SPLITS[prefix!] : undefined;
}

/** What {@link splitRows} reads from the config (`env.*`). */
export interface SplitSpec {
  /** Training slice. */
  trainSlice?: string;
  /** Evaluation slice. */
  evalSlice?: string;
  /** Share held out by the seeded split (default 0.2). */
  evalFraction?: number;
}

/**
 * Splits one list of rows (see the module doc): slices if given (a missing side is the
 * complement of the other), else the authors' split, else a seeded one. Refuses overlapping
 * slices and empty sides.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { splitRows } from "./split.ts";
 * const { train, eval: held } = splitRows("coding", Array.from({ length: 10 }, (_, i) => i), { evalSlice: ":2" });
 * assert.deepEqual([train, held], [[2, 3, 4, 5, 6, 7, 8, 9], [0, 1]]);
 * ```
 */
export function splitRows<E>(name: string, rows: E[], spec: SplitSpec = {}): {
  train: E[];
  eval: E[];
} {
  const n = rows.length;
  let idx: SplitIndices;
  const slices = spec.trainSlice !== undefined || spec.evalSlice !== undefined
    ? { train: spec.trainSlice, eval: spec.evalSlice }
    : authorsSplitFor(rows);
  if (slices) {
    const tr = slices.train !== undefined ? sliceIndices(slices.train, n) : undefined;
    const ev = slices.eval !== undefined ? sliceIndices(slices.eval, n) : undefined;
    const complement = (xs: number[]) => {
      const s = new Set(xs);
      return rows.map((_, i) => i).filter((i) => !s.has(i));
    };
    idx = { train: tr ?? complement(ev!), eval: ev ?? complement(tr!) };
    const evalSet = new Set(idx.eval);
    const shared = idx.train.filter((i) => evalSet.has(i));
    if (shared.length) {
      throw new UserError(
        `env '${name}': trainSlice ${JSON.stringify(slices.train)} and evalSlice ` +
          `${JSON.stringify(slices.eval)} share ${shared.length} row(s) (first: row ${
            shared[0]
          }); ` +
          `evaluation must never see training rows`,
      );
    }
  } else {
    idx = seededSplit(name, n, spec.evalFraction ?? 0.2);
  }
  if (idx.train.length === 0) {
    throw new UserError(`env '${name}': the split leaves no training rows (of ${n})`);
  }
  return { train: idx.train.map((i) => rows[i]), eval: idx.eval.map((i) => rows[i]) };
}
