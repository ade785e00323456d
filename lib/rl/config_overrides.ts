/**
 * Command-line overrides of config keys: `--set steps=10 --set sampling.temperature=0.7`.
 * Each value is typed by the key's entry in the schema (`SCHEMA`): numbers, booleans
 * (`true`/`false`), `null` where the key allows it, lists as JSON (`["a","b"]`) or
 * comma-separated (`a,b`), strings as written. Unknown keys are reported with a "did you mean"
 * suggestion; the values themselves are checked by the validator afterwards, like the file's.
 *
 * @module
 */
import { UserError } from "../util/errors.ts";
import { type Fields, isPlainObject, leafPaths, SCHEMA, type Spec } from "./config_schema.ts";

/** The schema entry of a dotted key, or undefined when there is none. */
export function specAt(key: string, fields: Fields = SCHEMA): Spec | undefined {
  let s: Spec | undefined = { kind: "object", fields, doc: "" };
  for (const part of key.split(".")) {
    s = s?.kind === "object" && Object.hasOwn(s.fields, part) ? s.fields[part] : undefined;
  }
  return s;
}

function nearest(key: string): string | undefined {
  const norm = (s: string) => s.toLowerCase().replace(/[_\-\s]/g, "");
  const d = (a: string, b: string) => {
    let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
    for (let i = 1; i <= a.length; i++) {
      const cur = [i];
      for (let j = 1; j <= b.length; j++) {
        cur[j] = Math.min(
          prev[j] + 1,
          cur[j - 1] + 1,
          prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1),
        );
      }
      prev = cur;
    }
    return prev[b.length];
  };
  const k = norm(key);
  const scored = leafPaths(SCHEMA).map((p) => {
    const full = d(k, norm(p)), last = d(k, norm(p.slice(p.lastIndexOf(".") + 1)));
    return { p, dist: Math.min(full, last) };
  }).sort((a, b) => a.dist - b.dist);
  return scored[0] && scored[0].dist <= Math.max(2, Math.floor(k.length / 3))
    ? scored[0].p
    : undefined;
}

/** Types one `--set` value by its schema entry (see the module doc). */
export function parseOverrideValue(spec: Spec, text: string): unknown {
  if (text === "null" && (spec.nullable || spec.optional)) return null;
  switch (spec.kind) {
    case "number": {
      const x = Number(text);
      return text.trim() === "" || Number.isNaN(x) ? text : x;
    }
    case "boolean":
      return text === "true" ? true : text === "false" ? false : text;
    case "strings":
      if (text.trim().startsWith("[")) {
        try {
          return JSON.parse(text);
        } catch { /* the validator reports the string */ }
      }
      return text === "" ? [] : text.split(",");
    case "range":
      try {
        return JSON.parse(text);
      } catch {
        return text.split(",").map(Number);
      }
    default:
      return text;
  }
}

/**
 * Applies `key=value` overrides to a (partial) config object, returning a new one. Keys are
 * dotted paths; values are typed by the schema. `source` (the config file) starts messages.
 *
 * @throws {UserError} listing every override that is not `key=value` or names an unknown key
 * (with a "did you mean" suggestion)
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { applyOverrides } from "./config_overrides.ts";
 * assert.deepEqual(applyOverrides({ steps: 100 }, ["steps=10", "sampling.temperature=0.7"]), { steps: 10, sampling: { temperature: 0.7 } });
 * ```
 */
export function applyOverrides(
  json: Record<string, unknown>,
  sets: readonly string[],
  source?: string,
): Record<string, unknown> {
  const out = structuredClone(json), problems: string[] = [];
  for (const set of sets) {
    const eq = set.indexOf("=");
    if (eq <= 0) {
      problems.push(`--set ${set}: expected key=value, e.g. --set sampling.temperature=0.7`);
      continue;
    }
    const key = set.slice(0, eq).trim(), text = set.slice(eq + 1);
    const spec = specAt(key);
    if (!spec || spec.kind === "object") {
      const near = nearest(key);
      problems.push(
        spec
          ? `--set ${key}: ${key} is a group of keys; set one of its keys, e.g. ${
            leafPaths(SCHEMA).find((p) => p.startsWith(`${key}.`))
          }=…`
          : `--set ${key}: unknown key${near ? ` (did you mean "${near}"?)` : ""}`,
      );
      continue;
    }
    const parts = key.split(".");
    let o = out;
    for (const p of parts.slice(0, -1)) {
      if (!isPlainObject(o[p])) o[p] = {};
      o = o[p] as Record<string, unknown>;
    }
    o[parts.at(-1)!] = parseOverrideValue(spec, text);
  }
  if (problems.length) {
    throw new UserError((source ? `${source}: ` : "") + problems.join(source ? "\n  " : "\n"));
  }
  return out;
}
