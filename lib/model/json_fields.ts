/**
 * Strict readers for fields of parsed JSON config files (`config.json`,
 * `generation_config.json`): each returns the typed value or throws a {@link UserError} naming
 * the file, the field and what was expected.
 *
 * @module
 */

import { UserError } from "../util/errors.ts";

export type { UserError };

/** A parsed JSON object (a config file's top level). */
export type JsonObject = Record<string, unknown>;

/** Checks that parsed JSON is an object (not null, an array or a scalar); throws naming `file`. */
export function asJsonObject(json: unknown, file: string): JsonObject {
  if (json === null || typeof json !== "object" || Array.isArray(json)) {
    throw new UserError(`${file}: expected a JSON object`);
  }
  return json as JsonObject;
}

/** Reads a field that must be a positive integer (or `fallback` when absent and one is given). */
export function intField(j: JsonObject, key: string, file: string, fallback?: number): number {
  const v = j[key] ?? fallback;
  if (!Number.isSafeInteger(v) || (v as number) <= 0) {
    throw new UserError(
      `${file}: field '${key}' must be a positive integer, got ${JSON.stringify(j[key])}`,
    );
  }
  return v as number;
}

/** Reads a field that must be a finite positive number (or `fallback` when absent). */
export function numberField(j: JsonObject, key: string, file: string, fallback: number): number {
  const v = j[key] ?? fallback;
  if (typeof v !== "number" || !Number.isFinite(v) || v <= 0) {
    throw new UserError(
      `${file}: field '${key}' must be a positive number, got ${JSON.stringify(j[key])}`,
    );
  }
  return v;
}

/** Reads a field that must be `true` or `false` (or `fallback` when absent). */
export function boolField(j: JsonObject, key: string, file: string, fallback: boolean): boolean {
  const v = j[key] ?? fallback;
  if (typeof v !== "boolean") {
    throw new UserError(
      `${file}: field '${key}' must be true or false, got ${JSON.stringify(v)}`,
    );
  }
  return v;
}

/** Reads an optional token id (an integer >= 0); `undefined` when absent or null. */
export function tokenIdField(j: JsonObject, key: string, file: string): number | undefined {
  const v = j[key];
  if (v === undefined || v === null) return undefined;
  if (!Number.isSafeInteger(v) || (v as number) < 0) {
    throw new UserError(
      `${file}: field '${key}' must be a token id (integer >= 0), got ${JSON.stringify(v)}`,
    );
  }
  return v as number;
}

/** Reads an optional token id or list of them as a list; `undefined` when absent or null. */
export function tokenIdsField(j: JsonObject, key: string, file: string): number[] | undefined {
  const v = j[key];
  if (v === undefined || v === null) return undefined;
  const list = Array.isArray(v) ? v : [v];
  if (!list.every((x) => Number.isSafeInteger(x) && x >= 0)) {
    throw new UserError(
      `${file}: field '${key}' must be a token id or a list of them, got ${JSON.stringify(v)}`,
    );
  }
  return list as number[];
}
