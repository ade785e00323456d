/**
 * Parquet files as the Hugging Face hub distributes datasets (trl-lib/tldr,
 * OpenMLRL/arXiv_abstract: `data/<split>-00000-of-00001.parquet`), read with `hyparquet`
 * (pure JavaScript, no install scripts; snappy pages built in, the other codecs refused with
 * the codec named). Every column comes back per row; the loaders take the fields they need.
 *
 * @module
 */
import { parquetReadObjects } from "npm:hyparquet@1.33.0";
import { UserError } from "../util/errors.ts";

/** Whether `path` names a parquet file (by its extension). */
export function isParquetPath(path: string | URL): boolean {
  const p = path instanceof URL ? path.pathname : path;
  return p.toLowerCase().endsWith(".parquet");
}

/**
 * The rows of a parquet file as plain objects (column name → value), in file order.
 *
 * @throws {UserError} naming the file when it cannot be read or is not valid parquet
 *
 * @example
 * ```ts ignore
 * // Needs the paper's parquet files (not shipped; see data/README.md).
 * import { readParquetRows } from "./writing_parquet.ts";
 * const rows = await readParquetRows("data/paper/tldr/train.parquet");
 * assert.deepEqual(rows[0].prompt, "SUBREDDIT: r/...");
 * ```
 */
export async function readParquetRows(path: string | URL): Promise<Record<string, unknown>[]> {
  const file = path instanceof URL ? decodeURIComponent(path.pathname) : path;
  let bytes: Uint8Array;
  try {
    bytes = await Deno.readFile(path);
  } catch (err) {
    throw new UserError(`${file}: cannot read the file (${(err as Error).message})`, {
      cause: err,
    });
  }
  try {
    const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
    return await parquetReadObjects({ file: buffer as ArrayBuffer }) as Record<string, unknown>[];
  } catch (err) {
    throw new UserError(`${file}: not a readable parquet file (${(err as Error).message})`, {
      cause: err,
    });
  }
}
