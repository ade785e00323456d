/**
 * Errors meant for the person running the toolkit: the message names the file, field or
 * function that is wrong and what was expected, so that command-line tools print the message
 * alone (no stack dump) and notebooks show one readable line.
 *
 * @module
 */

/**
 * An error caused by the user's input (a file, a config value, a shape, a reward function),
 * as opposed to a bug in the toolkit. Command-line entry points print only its message.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { UserError } from "./errors.ts";
 * const err = new UserError("config.json: field 'lr' must be a positive number, got -1");
 * assert.ok(err instanceof Error && err.name === "UserError");
 * ```
 */
export class UserError extends Error {
  /** Creates the error; `cause` keeps the underlying error for debugging. */
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "UserError";
  }
}

/**
 * Runs `main` and, if it throws a {@link UserError} (or a command-line parsing error from
 * `node:util` `parseArgs`), prints its message (no stack) to stderr and exits with status 2.
 * Other errors are bugs and keep their stack trace.
 */
export async function runCli(main: () => Promise<void> | void): Promise<void> {
  try {
    await main();
  } catch (err) {
    const code = (err as { code?: unknown })?.code;
    if (
      err instanceof UserError ||
      (typeof code === "string" && code.startsWith("ERR_PARSE_ARGS"))
    ) {
      console.error(`error: ${(err as Error).message}`);
      Deno.exit(2);
    }
    throw err;
  }
}
