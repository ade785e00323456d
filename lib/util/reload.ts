/**
 * Reloading after a library edit. Deno's Jupyter kernel caches every module it has imported, so
 * an edit to `lib/` shows only after a kernel restart ("Restart Kernel and Run All"): cheap,
 * because notebook state lives in values that the cells rebuild in seconds. Re-importing with a
 * query string (`import("../mod.ts?v=2")`) reloads that one file, not the files it imports, so it
 * is no substitute. {@link libEditsSinceStart} tells a cell whether a restart is due.
 *
 * @module
 */

/** The repository root this module belongs to (`lib/util/` is two folders down). */
const ROOT = new URL("../../", import.meta.url);

/**
 * The library files (`mod.ts` and `lib/**.ts`, relative to the repository root) modified after
 * this process (the kernel) started, newest first: each is a reason to restart the kernel
 * before trusting the next cell. Empty where the library is not on the local disk (imported
 * over https) or the folder cannot be read.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { libEditsSinceStart } from "./reload.ts";
 * const edits = await libEditsSinceStart();
 * assert.ok(Array.isArray(edits));
 * if (edits.length > 0) console.log(`restart the kernel: ${edits.join(", ")} changed`);
 * ```
 */
export async function libEditsSinceStart(
  since: number = performance.timeOrigin,
): Promise<string[]> {
  if (ROOT.protocol !== "file:") return [];
  const found: [string, number][] = [];
  const visit = async (dir: URL, rel: string): Promise<void> => {
    let entries;
    try {
      entries = await Array.fromAsync(Deno.readDir(dir));
    } catch {
      return;
    }
    for (const e of entries) {
      if (e.isDirectory) await visit(new URL(`${e.name}/`, dir), `${rel}${e.name}/`);
      else if (e.name.endsWith(".ts")) await note(new URL(e.name, dir), `${rel}${e.name}`);
    }
  };
  const note = async (file: URL, rel: string): Promise<void> => {
    try {
      const mtime = (await Deno.stat(file)).mtime?.getTime() ?? 0;
      if (mtime > since) found.push([rel, mtime]);
    } catch {
      // vanished or unreadable: not an edit we can report
    }
  };
  await note(new URL("mod.ts", ROOT), "mod.ts");
  await visit(new URL("lib/", ROOT), "lib/");
  return found.sort((a, b) => b[1] - a[1]).map(([rel]) => rel);
}
