/**
 * The trainer config described for people and editors, both derived from the same table the
 * validator reads: a Markdown table ({@link describeConfig}, the README's) and a JSON Schema
 * (draft 2020-12, {@link configJsonSchema}) of `SCHEMA` in `config_schema.ts`: every key with
 * its type, bounds, allowed values, default and meaning. `deno task train --schema > magrpo.schema.json` writes it; a config that
 * starts with `"$schema": "./magrpo.schema.json"` (JSON) or the YAML language server's
 * `# yaml-language-server: $schema=./magrpo.schema.json` then gets completion and hover text in
 * editors. The validator accepts and ignores a `$schema` key.
 *
 * @module
 */
import { type Fields, SCHEMA, type Spec, typeText } from "./config_schema.ts";

/** A JSON Schema object (the subset written here). */
export type JsonSchema = Record<string, unknown>;

function leafSchema(s: Spec): JsonSchema {
  let out: JsonSchema;
  switch (s.kind) {
    case "number":
      out = { type: s.int ? "integer" : "number" };
      if (s.min !== undefined) out.minimum = s.min;
      if (s.max !== undefined) out.maximum = s.max;
      if (s.above !== undefined) out.exclusiveMinimum = s.above;
      if (s.below !== undefined) out.exclusiveMaximum = s.below;
      break;
    case "enum":
      out = { enum: [...s.values] };
      break;
    case "strings":
      out = { type: "array", items: { type: "string" } };
      break;
    case "paths":
      out = {
        oneOf: [{ type: "string" }, { type: "array", items: { type: "string" }, minItems: 1 }],
      };
      break;
    case "range":
      out = { type: "array", items: { type: "number" }, minItems: 2, maxItems: 2 };
      break;
    case "object":
      return objectSchema(s.fields, s.doc);
    default:
      out = { type: s.kind };
  }
  if (s.nullable || s.optional) {
    if (out.enum) out.enum = [...(out.enum as unknown[]), null];
    else out.type = [out.type, "null"];
  }
  if (s.default !== undefined) out.default = s.default;
  out.description = s.doc;
  return out;
}

function objectSchema(fields: Fields, doc: string): JsonSchema {
  return {
    type: "object",
    description: doc,
    properties: Object.fromEntries(Object.entries(fields).map(([k, s]) => [k, leafSchema(s)])),
    additionalProperties: false,
  };
}

/**
 * The JSON Schema of a trainer config file (every key optional: omitted keys take their
 * defaults; unknown keys are not allowed, `$schema` is).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { configJsonSchema } from "./config_json_schema.ts";
 * const s = configJsonSchema();
 * assert.deepEqual((s.properties as Record<string, { default?: unknown }>).groupSize.default, 4);
 * ```
 */
export function configJsonSchema(): JsonSchema {
  const root = objectSchema(SCHEMA, "magrpo-deno trainer config (deno task train --config FILE)");
  return {
    $schema: "https://json-schema.org/draft/2020-12/schema",
    $id: "magrpo-deno/trainer-config.schema.json",
    title: "magrpo-deno trainer config",
    ...root,
    properties: {
      $schema: { type: "string", description: "Path or URL of this schema (ignored)." },
      ...(root.properties as JsonSchema),
    },
  };
}

/**
 * A Markdown table of every key (dotted path), its type, its default and its meaning.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { describeConfig } from "./config_json_schema.ts";
 * assert.ok(describeConfig().startsWith("| key | type | default | meaning |"));
 * ```
 */
export function describeConfig(): string {
  const cell = (s: string) => s.replaceAll("|", "\\|");
  const rows: string[] = [];
  const walk = (fields: Fields, prefix: string) => {
    for (const [k, s] of Object.entries(fields)) {
      if (s.kind === "object") {
        walk(s.fields, `${prefix}${k}.`);
        continue;
      }
      const type = cell(typeText(s)) + (s.optional ? " (optional)" : "");
      const dflt = s.default === undefined ? "(unset)" : `\`${JSON.stringify(s.default)}\``;
      rows.push(`| \`${prefix}${k}\` | ${type} | ${cell(dflt)} | ${cell(s.doc)} |`);
    }
  };
  walk(SCHEMA, "");
  return ["| key | type | default | meaning |", "| --- | --- | --- | --- |", ...rows].join("\n");
}
