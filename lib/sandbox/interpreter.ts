/**
 * Finds what a Python interpreter needs to run inside an empty file system: the real binary
 * (shims such as pyenv's resolved), the directories of its standard library and compiled
 * modules, and the shared libraries those load (`ldd` on the binary and on every module of
 * `lib-dynload`). The sandbox binds exactly these paths read-only and nothing else.
 *
 * @module
 */

import { UserError } from "../util/errors.ts";

/** An interpreter and the files it needs (all absolute, symbolic links resolved). */
export interface Interpreter {
  /** The real interpreter binary. */
  exe: string;
  /** Python version, e.g. `"3.11.7"`. */
  version: string;
  /** Directories to bind read-only: the standard library and `lib-dynload`. */
  dirs: string[];
  /** Shared libraries to bind read-only (the dynamic loader included). */
  libs: string[];
}

const QUERY_PY = `import json, os, sys
print(json.dumps({"exe": os.path.realpath(sys.executable), "ok": sys.version_info >= (3, 11),
  "version": sys.version.split()[0],
  "dirs": [os.path.realpath(p) for p in sys.path if p and os.path.isdir(p)]}))`;

/** Library paths named by `ldd` output (`name => /path (0x…)` and `/path (0x…)` lines). */
export function parseLdd(text: string): string[] {
  const found = new Set<string>();
  for (const line of text.split("\n")) {
    const m = /(?:=>\s*)?(\/\S+)\s+\(0x[0-9a-f]+\)\s*$/.exec(line.trim());
    if (m) found.add(m[1]);
  }
  return [...found].sort();
}

/** `true` when `path` is `dir` or lies below it. */
export function isUnder(path: string, dir: string): boolean {
  return path === dir || path.startsWith(dir.endsWith("/") ? dir : `${dir}/`);
}

async function sharedObjects(dirs: string[]): Promise<string[]> {
  const out: string[] = [];
  for (const dir of dirs.filter((d) => d.endsWith("/lib-dynload"))) {
    for await (const e of Deno.readDir(dir)) {
      if (e.isFile && e.name.endsWith(".so")) out.push(`${dir}/${e.name}`);
    }
  }
  return out.sort();
}

async function ldd(files: string[]): Promise<string[]> {
  let out: Deno.CommandOutput;
  try {
    out = await new Deno.Command("ldd", { args: files, stdin: "null" }).output();
  } catch (err) {
    throw new UserError(
      `runPython: cannot list the interpreter's shared libraries: 'ldd' failed to start (${
        (err as Error).message
      }); install libc-bin`,
    );
  }
  return parseLdd(new TextDecoder().decode(out.stdout));
}

/**
 * Resolves `python` (a name on PATH or a path) to an {@link Interpreter}; throws a
 * {@link UserError} when it cannot be started or is older than Python 3.11.
 *
 * @example
 * ```ts
 * import { resolveInterpreter } from "./interpreter.ts";
 * const py = await resolveInterpreter("python3");
 * // py.exe e.g. "/usr/bin/python3.11"; py.dirs e.g. ["/usr/lib/python3.11", "/usr/lib/python3.11/lib-dynload"]
 * ```
 */
export async function resolveInterpreter(python: string): Promise<Interpreter> {
  let out: Deno.CommandOutput;
  try {
    out = await new Deno.Command(python, {
      args: ["-I", "-S", "-c", QUERY_PY],
      stdin: "null",
    }).output();
  } catch (err) {
    throw new UserError(
      `runPython: cannot start the Python interpreter '${python}' (${
        (err as Error).message
      }); install Python >= 3.11 or pass options.python`,
    );
  }
  let info: { exe: string; ok: boolean; version: string; dirs: string[] } | undefined;
  try {
    info = JSON.parse(new TextDecoder().decode(out.stdout));
  } catch {
    info = undefined;
  }
  if (!out.success || !info || !info.ok) {
    throw new UserError(
      `runPython: '${python}' must be Python >= 3.11 (audit hooks, -P flag)${
        info ? `, got ${info.version}` : ""
      }`,
    );
  }
  const dirs = [...new Set(info.dirs)].sort();
  const libs = (await ldd([info.exe, ...await sharedObjects(dirs)]))
    .filter((lib) => !dirs.some((d) => isUnder(lib, d)));
  return { exe: info.exe, version: info.version, dirs, libs };
}
