/**
 * Reading a trainer config file: JSON (`.json`) or YAML (`.yaml`, `.yml`, parsed by the `yaml`
 * package), an optional `$schema` key (for editor completion: accepted and dropped), and the
 * paths inside it ({@link CONFIG_PATH_KEYS}) resolved against the config file's folder, so a
 * config works from any working directory. Paths are given back relative to the working
 * directory when they lie under it (short messages), else absolute.
 *
 * @module
 */
import { parse as parseYaml } from "npm:yaml@2.9.1";
import { dirname, isAbsolute, relative, resolve } from "node:path";
import { UserError } from "../util/errors.ts";
const isPlainObject = (x: unknown): x is Record<string, unknown> =>
  x !== null && typeof x === "object" && !Array.isArray(x);

/** Dotted keys holding file or folder paths (a string or a list of strings). */
export const CONFIG_PATH_KEYS: readonly string[] = Object.freeze([
  "model",
  "env.dataPath",
  "env.evalDataPath",
  "log.dir",
]);

/** What {@link readConfigFile} read. */
export interface ConfigFile {
  /** The settings, `$schema` dropped, paths resolved (not yet validated). */
  json: Record<string, unknown>;
  /** The config file's absolute path (for messages). */
  path: string;
}

/** `p` resolved against `base`, shown relative to the working directory when under it. */
export function resolveFrom(base: string, p: string): string {
  if (isAbsolute(p)) return p;
  const abs = resolve(base, p);
  const rel = relative(Deno.cwd(), abs);
  return rel === "" ? "." : rel.startsWith("..") || isAbsolute(rel) ? abs : rel;
}

/**
 * Resolves the path keys ({@link CONFIG_PATH_KEYS}) of a config object against `base` (the
 * config file's folder); other keys and non-string values are left as they are (the validator
 * reports wrong types). Returns a new object.
 *
 * @example
 * ```ts
 * import { resolveConfigPaths } from "./config_file.ts";
 * import assert from "node:assert/strict";
 * const cfg = resolveConfigPaths({ model: "../models/a", steps: 3 }, "/home/me/runs");
 * assert.equal(cfg.model, "/home/me/models/a"); // relative to the working directory when under it
 * ```
 */
export function resolveConfigPaths(
  json: Record<string, unknown>,
  base: string,
): Record<string, unknown> {
  const out = structuredClone(json);
  for (const key of CONFIG_PATH_KEYS) {
    const parts = key.split(".");
    let o: Record<string, unknown> | undefined = out;
    for (const p of parts.slice(0, -1)) o = isPlainObject(o?.[p]) ? o[p] as typeof o : undefined;
    const leaf = parts.at(-1)!, v = o?.[leaf];
    if (!o) continue;
    if (typeof v === "string") o[leaf] = resolveFrom(base, v);
    else if (Array.isArray(v)) {
      o[leaf] = v.map((x) => typeof x === "string" ? resolveFrom(base, x) : x);
    }
  }
  return out;
}

/**
 * Reads a config file (JSON, or YAML by its extension), drops a `$schema` key and resolves
 * its paths against the file's folder (see the module doc). Errors name the file as given and,
 * when different, its resolved path.
 *
 * @throws {UserError} when the file cannot be read, does not parse, or is not an object
 *
 * @example
 * ```ts
 * import { readConfigFile } from "./config_file.ts";
 * import assert from "node:assert/strict";
 * const { json } = await readConfigFile("data/configs/toy_magrpo.yaml");
 * assert.equal(json.model, "data/default-model"); // "../default-model" from data/configs/
 * ```
 */
export async function readConfigFile(path: string): Promise<ConfigFile> {
  const abs = resolve(path);
  const name = abs === path ? path : `${path} (${abs})`;
  let text: string;
  try {
    text = await Deno.readTextFile(abs);
  } catch (err) {
    const why = err instanceof Deno.errors.NotFound ? "file not found" : (err as Error).message;
    throw new UserError(`${name}: cannot read config (${why})`, { cause: err });
  }
  const yaml = /\.ya?ml$/i.test(path);
  let json: unknown;
  try {
    json = yaml ? parseYaml(text) : JSON.parse(text);
  } catch (err) {
    const msg = (err as Error).message.split("\n")[0];
    throw new UserError(`${name}: invalid ${yaml ? "YAML" : "JSON"} (${msg})`, { cause: err });
  }
  if (!isPlainObject(json)) {
    throw new UserError(`${name}: expected an object of settings, got ${JSON.stringify(json)}`);
  }
  const { $schema: _, ...rest } = json;
  return { json: resolveConfigPaths(rest, dirname(abs)), path: abs };
}
