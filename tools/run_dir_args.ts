/**
 * The command-line shape shared by `deno task plot` and `deno task report`: one run folder
 * (which must hold `metrics.jsonl`) and an optional `--out`.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { UserError } from "../lib/util/errors.ts";

/** Parsed arguments: the run folder and `--out`, or `help` when `--help` was given. */
export interface RunDirArgs {
  /** The run folder, without a trailing slash. */
  dir: string;
  /** `--out`, if given. */
  out?: string;
  /** `--help` was given (print the usage and stop). */
  help: boolean;
}

/** Parses `args`; throws a UserError carrying `usage` when they do not name one run folder. */
export async function runDirArgs(args: string[], usage: string): Promise<RunDirArgs> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { out: { type: "string" }, help: { type: "boolean", short: "h" } },
  });
  if (values.help) return { dir: "", help: true };
  const dir = positionals[0]?.replace(/\/+$/, "");
  if (!dir || positionals.length > 1) throw new UserError(usage);
  try {
    await Deno.stat(`${dir}/metrics.jsonl`);
  } catch {
    throw new UserError(`${dir}/metrics.jsonl not found: is ${dir} a run folder?\n${usage}`);
  }
  return { dir, out: values.out, help: false };
}
