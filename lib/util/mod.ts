/**
 * Utilities shared by every layer: the one user-facing error type, seeded random numbers, and
 * JSON-lines files.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { makeRng, randInt, UserError } from "./mod.ts";
 * assert.equal(randInt(makeRng("seed"), 100), randInt(makeRng("seed"), 100));
 * assert.ok(new UserError("bad key") instanceof Error);
 * ```
 *
 * @module
 */

export { runCli, UserError } from "./errors.ts";
export { childRng, makeRng, randInt, randNormal, shuffled } from "./rng.ts";
export type { Rng, RngState } from "./rng.ts";
export { filterJsonl, openJsonl, readJsonl, toJsonSafe } from "./jsonl.ts";
export type { JsonlOptions, JsonlWriter, JsonSafe } from "./jsonl.ts";
export { libEditsSinceStart } from "./reload.ts";
