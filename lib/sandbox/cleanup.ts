/**
 * Sandbox working directories: choosing (isolated runs) or making (unsafe runs) a fresh one, and
 * removing it. A program may leave its directory hard to delete
 * (a subdirectory with mode 000 stops a non-root user from listing and emptying it), so a
 * failed removal restores owner permissions on every entry inside the directory (never
 * following symbolic links, never touching anything outside it) and tries again. A directory
 * that still cannot be removed is reported, never ignored.
 *
 * @module
 */

import { UserError } from "../util/errors.ts";

/** Prefix of every sandbox working directory (in the system temporary directory). */
export const SANDBOX_DIR_PREFIX = "magrpo-sandbox-";

function systemTmp(): string {
  try {
    return Deno.env.get("TMPDIR") || "/tmp";
  } catch {
    return "/tmp";
  }
}

function noWorkdir(tmpDir: string | undefined, err: unknown): UserError {
  return new UserError(
    `runPython: cannot make a working directory in '${
      tmpDir ?? "the system temporary directory"
    }' (option 'tmpDir'): ${(err as Error).message}`,
    { cause: err },
  );
}

/**
 * A fresh working directory for one run, in `tmpDir` (default: the system temporary
 * directory). `isolated`: only its path is chosen (the sandbox mounts a tmpfs there, so nothing
 * reaches the host even if the trainer is killed; `tmpDir` must exist). Otherwise it is made on
 * the host (remove it with {@link removeWorkdir}). Throws a {@link UserError} naming `tmpDir`.
 *
 * @example
 * ```ts
 * import { makeWorkdir } from "./cleanup.ts";
 * const path = await makeWorkdir(true); // e.g. "/tmp/magrpo-sandbox-1f0c…", not created
 * ```
 */
export async function makeWorkdir(isolated: boolean, tmpDir?: string): Promise<string> {
  if (!isolated) {
    try {
      return await Deno.makeTempDir({ prefix: SANDBOX_DIR_PREFIX, dir: tmpDir });
    } catch (err) {
      throw noWorkdir(tmpDir, err);
    }
  }
  const parent = tmpDir ?? systemTmp();
  try {
    if (!(await Deno.stat(parent)).isDirectory) throw new Error("not a directory");
    const real = await Deno.realPath(parent);
    const id = Array.from(crypto.getRandomValues(new Uint8Array(8)))
      .map((b) => b.toString(16).padStart(2, "0")).join("");
    return `${real}/${SANDBOX_DIR_PREFIX}${id}`;
  } catch (err) {
    throw noWorkdir(tmpDir, err);
  }
}

/** Gives the owner rwx on `path` and, for a directory, on everything below it (no symlinks). */
async function restorePermissions(path: string): Promise<void> {
  let info: Deno.FileInfo;
  try {
    info = await Deno.lstat(path);
  } catch {
    return; // gone already
  }
  if (info.isSymlink) return; // chmod would follow it out of the directory
  try {
    await Deno.chmod(path, info.isDirectory ? 0o700 : 0o600);
  } catch {
    // not ours to change: the retry below will say why removal fails
  }
  if (!info.isDirectory) return;
  try {
    for await (const entry of Deno.readDir(path)) {
      await restorePermissions(`${path}/${entry.name}`);
    }
  } catch {
    // unreadable even after chmod: the retry reports it
  }
}

async function tryRemove(dir: string): Promise<unknown> {
  try {
    await Deno.remove(dir, { recursive: true });
    return null;
  } catch (err) {
    return err instanceof Deno.errors.NotFound ? null : err;
  }
}

/**
 * Removes the directory `dir` and everything in it. Resolves to `""` when it is gone (or was
 * never there), else to one line naming the directory and why it could not be removed.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { removeWorkdir } from "./cleanup.ts";
 * const dir = await Deno.makeTempDir({ prefix: "magrpo-sandbox-" });
 * await Deno.mkdir(`${dir}/locked`);
 * await Deno.chmod(`${dir}/locked`, 0o000);
 * assert.equal(await removeWorkdir(dir), ""); // permissions restored, then removed
 * assert.equal(await Deno.stat(dir).catch(() => null), null);
 * ```
 */
export async function removeWorkdir(dir: string): Promise<string> {
  if (await tryRemove(dir) === null) return "";
  await restorePermissions(dir);
  const err = await tryRemove(dir);
  if (err === null) return "";
  return `could not remove the sandbox working directory '${dir}': ${
    err instanceof Error ? err.message : String(err)
  }`;
}
