/**
 * Loaders for the two writing tasks' data. With no path they read the small datasets shipped in
 * `data/` (written for this toolkit: 50 Reddit-style posts with reference TL;DRs, 30 arXiv-style
 * abstracts). Given a path they read the real datasets a user has locally:
 *
 * - TLDR: JSONL, one object per line with string fields `prompt` and `completion`
 *   (the layout of trl-lib/tldr exported with `to_json`), or that dataset's parquet file;
 * - arXiv: JSONL, or one JSON array, of objects with a string field `abstract_text`, or a
 *   parquet file with that column (OpenMLRL/arXiv_abstract as distributed).
 *
 * Other fields are ignored. A bad row raises a {@link UserError} naming the file, the line (or
 * array item) and the field. Reading needs `--allow-read`.
 *
 * @module
 */

import { UserError } from "../util/errors.ts";
import { isParquetPath, readParquetRows } from "./writing_parquet.ts";
import type { ArxivRow } from "./arxiv.ts";
import type { TldrRow } from "./tldr.ts";

export type { ArxivRow, TldrRow };

/** Location of the shipped TLDR posts (50 rows). */
export const SHIPPED_TLDR_PATH: URL = new URL(
  "../../data/tldr/posts.jsonl",
  import.meta.url,
);
/** Location of the shipped arXiv-style abstracts (30 rows). */
export const SHIPPED_ARXIV_PATH: URL = new URL(
  "../../data/arxiv/abstracts.jsonl",
  import.meta.url,
);

/** One parsed record and where it came from ("line 3" or "item 3"), for error messages. */
interface Located {
  where: string;
  value: unknown;
}

function parseJsonl(text: string, file: string): Located[] {
  const out: Located[] = [];
  text.split(/\r?\n/).forEach((line, i) => {
    if (line.trim() === "") return;
    try {
      out.push({ where: `line ${i + 1}`, value: JSON.parse(line) });
    } catch (err) {
      throw new UserError(
        `${file}: line ${i + 1}: not valid JSON (${(err as Error).message})`,
        {
          cause: err,
        },
      );
    }
  });
  return out;
}

function parseJsonArray(text: string, file: string): Located[] {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new UserError(`${file}: not valid JSON (${(err as Error).message})`, {
      cause: err,
    });
  }
  if (!Array.isArray(value)) {
    throw new UserError(`${file}: expected a JSON array of objects or JSONL`);
  }
  return value.map((v, i) => ({ where: `item ${i}`, value: v }));
}

/** Reads `field` of one record as a non-empty string, or throws naming file, place and field. */
function stringField(record: Located, field: string, file: string): string {
  const v = record.value;
  if (v === null || typeof v !== "object" || Array.isArray(v)) {
    throw new UserError(
      `${file}: ${record.where}: expected a JSON object, got ${JSON.stringify(v)}`,
    );
  }
  if (!(field in v)) {
    throw new UserError(
      `${file}: ${record.where}: missing field '${field}' (a string)`,
    );
  }
  const s = (v as Record<string, unknown>)[field];
  if (typeof s !== "string") {
    throw new UserError(
      `${file}: ${record.where}: field '${field}' must be a string, got ${typeof s}`,
    );
  }
  if (s.trim() === "") {
    throw new UserError(`${file}: ${record.where}: field '${field}' is empty`);
  }
  return s;
}

function nonEmpty<T>(rows: T[], file: string): T[] {
  if (rows.length === 0) throw new UserError(`${file}: no rows found`);
  return rows;
}

/**
 * Parses TLDR JSONL text (fields `prompt`, `completion`); `file` names the source in errors.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseTldrJsonl } from "./writing_data.ts";
 * assert.deepEqual(parseTldrJsonl('{"prompt": "POST: ...", "completion": "tl;dr"}', "mine.jsonl").length, 1);
 * ```
 */
export function parseTldrJsonl(text: string, file: string): TldrRow[] {
  return tldrRows(parseJsonl(text, file), file);
}

function tldrRows(records: Located[], file: string): TldrRow[] {
  return nonEmpty(
    records.map((r) => ({
      prompt: stringField(r, "prompt", file),
      completion: stringField(r, "completion", file),
    })),
    file,
  );
}

/**
 * Parses arXiv rows (field `abstract_text`) from JSONL, or from a JSON array when the text
 * starts with `[`; `file` names the source in errors.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseArxivRows } from "./writing_data.ts";
 * assert.deepEqual(parseArxivRows('[{"abstract_text": "We study ..."}]', "a.json"), [{ abstract_text: "We study ..." }]);
 * ```
 */
export function parseArxivRows(text: string, file: string): ArxivRow[] {
  const records = text.trimStart().startsWith("[")
    ? parseJsonArray(text, file)
    : parseJsonl(text, file);
  return arxivRows(records, file);
}

function arxivRows(records: Located[], file: string): ArxivRow[] {
  return nonEmpty(
    records.map((r) => ({
      abstract_text: stringField(r, "abstract_text", file),
    })),
    file,
  );
}

async function readText(
  path: string | URL,
): Promise<{ text: string; file: string }> {
  const file = path instanceof URL ? decodeURIComponent(path.pathname) : path;
  try {
    return { text: await Deno.readTextFile(path), file };
  } catch (err) {
    throw new UserError(
      `${file}: cannot read the file (${(err as Error).message})`,
      {
        cause: err,
      },
    );
  }
}

/** A parquet file's rows as located records ("row i"), and the file's name. */
async function parquetRecords(path: string | URL): Promise<{ records: Located[]; file: string }> {
  const file = path instanceof URL ? decodeURIComponent(path.pathname) : path;
  const rows = await readParquetRows(path);
  return { records: rows.map((value, i) => ({ where: `row ${i}`, value })), file };
}

/**
 * Loads TLDR rows from a JSONL or parquet file (default: the 50 shipped posts).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { loadTldrRows } from "./writing_data.ts";
 * const rows = await loadTldrRows();
 * assert.equal(rows.length, 50);
 * ```
 */
export async function loadTldrRows(
  path: string | URL = SHIPPED_TLDR_PATH,
): Promise<TldrRow[]> {
  if (isParquetPath(path)) {
    const { records, file } = await parquetRecords(path);
    return tldrRows(records, file);
  }
  const { text, file } = await readText(path);
  return parseTldrJsonl(text, file);
}

/**
 * Loads arXiv rows from a JSONL, JSON-array or parquet file (default: the 30 shipped abstracts).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { loadArxivRows } from "./writing_data.ts";
 * const rows = await loadArxivRows();
 * assert.equal(rows.length, 30);
 * ```
 */
export async function loadArxivRows(
  path: string | URL = SHIPPED_ARXIV_PATH,
): Promise<ArxivRow[]> {
  if (isParquetPath(path)) {
    const { records, file } = await parquetRecords(path);
    return arxivRows(records, file);
  }
  const { text, file } = await readText(path);
  return parseArxivRows(text, file);
}
