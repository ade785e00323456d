/**
 * Plain data as the sandbox reports it (see `plain_codec.py`) and Python's `==` on it, so that
 * a test's verdict is reached here, outside the process that ran the candidate: `1 == 1.0 ==
 * True`, `[1] != (1,)`, `{1} == frozenset({1})`, dicts and sets compared by content, NaN unequal
 * to itself, big integers exact.
 *
 * @module
 */

/** A value encoded by `plain_codec.py`. */
export type Plain =
  | null
  | boolean
  | string
  | { i: string }
  | { f: string }
  | { c: [string, string] }
  | { b: string }
  | { l: Plain[] }
  | { t: Plain[] }
  | { d: [Plain, Plain][] }
  | { s: Plain[] }
  | { z: Plain[] };

type Num = { kind: "int"; v: bigint } | { kind: "float"; v: number } | {
  kind: "complex";
  re: number;
  im: number;
};

function parseFloatRepr(s: string): number {
  if (s === "nan") return NaN;
  if (s === "inf") return Infinity;
  if (s === "-inf") return -Infinity;
  return Number(s);
}

function asNumber(x: Plain): Num | null {
  if (typeof x === "boolean") return { kind: "int", v: x ? 1n : 0n };
  if (x === null || typeof x !== "object") return null;
  if ("i" in x) return { kind: "int", v: BigInt(x.i) };
  if ("f" in x) return { kind: "float", v: parseFloatRepr(x.f) };
  if ("c" in x) return { kind: "complex", re: parseFloatRepr(x.c[0]), im: parseFloatRepr(x.c[1]) };
  return null;
}

function intEqFloat(i: bigint, f: number): boolean {
  return Number.isFinite(f) && Number.isInteger(f) && BigInt(f) === i;
}

function realPart(x: Num): [Num, number] {
  return x.kind === "complex" ? [{ kind: "float", v: x.re }, x.im] : [x, 0];
}

function numEqual(a: Num, b: Num): boolean {
  if (a.kind === "complex" || b.kind === "complex") {
    const [ra, ia] = realPart(a);
    const [rb, ib] = realPart(b);
    return ia === ib && numEqual(ra, rb);
  }
  if (a.kind === "int" && b.kind === "int") return a.v === b.v;
  if (a.kind === "float" && b.kind === "float") return a.v === b.v;
  return a.kind === "int" ? intEqFloat(a.v, b.v as number) : intEqFloat(b.v as bigint, a.v);
}

let nanCounter = 0;

/**
 * A string equal for two hashable plain values exactly when Python would find one as the
 * other's key (`1`, `1.0`, `True` share a key; each NaN gets its own).
 */
export function hashKey(x: Plain): string {
  const n = asNumber(x);
  if (n) {
    if (n.kind === "complex" && n.im !== 0) return `c:${n.re}:${n.im}`;
    const v = n.kind === "complex" ? n.re : n.v;
    if (typeof v === "bigint") return `n:${v}`;
    if (Number.isNaN(v)) return `nan:${nanCounter++}`;
    if (Number.isFinite(v) && Number.isInteger(v)) return `n:${BigInt(v)}`;
    return `n:${v}`;
  }
  if (x === null) return "None";
  if (typeof x === "string") return `s:${JSON.stringify(x)}`;
  if (typeof x === "object" && "b" in x) return `b:${x.b}`;
  if (typeof x === "object" && "t" in x) return `t:[${x.t.map(hashKey).join(",")}]`;
  if (typeof x === "object" && "z" in x) return `z:{${x.z.map(hashKey).sort().join(",")}}`;
  return `unhashable:${nanCounter++}`;
}

function setEqual(a: Plain[], b: Plain[]): boolean {
  if (a.length !== b.length) return false;
  const keys = new Set(b.map(hashKey));
  return a.every((x) => keys.has(hashKey(x)));
}

/**
 * Python's `a == b` for two plain values.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { pyEqual } from "./plain.ts";
 * assert.deepEqual(pyEqual({ i: "1" }, { f: "1.0" }), true);
 * assert.deepEqual(pyEqual({ l: [{ i: "1" }] }, { t: [{ i: "1" }] }), false);
 * ```
 */
export function pyEqual(a: Plain, b: Plain): boolean {
  const na = asNumber(a);
  const nb = asNumber(b);
  if (na || nb) return !!na && !!nb && numEqual(na, nb);
  if (a === null || b === null) return a === b;
  if (typeof a === "string" || typeof b === "string") return a === b;
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  if ("b" in x) return "b" in y && x.b === y.b;
  for (const key of ["l", "t"]) {
    if (!(key in x)) continue;
    const xs = x[key] as Plain[];
    const ys = y[key] as Plain[] | undefined;
    return Array.isArray(ys) && xs.length === ys.length && xs.every((v, i) => pyEqual(v, ys[i]));
  }
  if ("d" in x) {
    const xd = x.d as [Plain, Plain][];
    const yd = y.d as [Plain, Plain][] | undefined;
    if (!Array.isArray(yd) || xd.length !== yd.length) return false;
    const index = new Map<string, Plain>();
    for (const [k, v] of yd) index.set(hashKey(k), v);
    return xd.every(([k, v]) => {
      const key = hashKey(k);
      return index.has(key) && pyEqual(v, index.get(key)!);
    });
  }
  const xs = (x.s ?? x.z ?? null) as Plain[] | null;
  const ys = (y.s ?? y.z ?? null) as Plain[] | null;
  return xs !== null && ys !== null && setEqual(xs, ys);
}
