/**
 * SVG to PNG through `rsvg-convert` (librsvg, Debian package `librsvg2-bin`; fonts from the
 * system's fontconfig). When it is missing and this process runs as root with `apt-get`, the
 * package is installed once (said in one line), as `tools/test.sh` does for its tools; otherwise
 * the PNG is skipped with the command to install it, never an error.
 *
 * @module
 */

/** What {@link svgToPng} did. */
export type PngResult = { ok: true; path: string } | { ok: false; reason: string };

const DEB = "librsvg2-bin";

async function run(cmd: string, args: string[], stdin?: string): Promise<boolean> {
  try {
    const p = new Deno.Command(cmd, {
      args,
      stdin: stdin === undefined ? "null" : "piped",
      stdout: "null",
      stderr: "null",
    }).spawn();
    if (stdin !== undefined) {
      const w = p.stdin.getWriter();
      await w.write(new TextEncoder().encode(stdin));
      await w.close();
    }
    return (await p.status).success;
  } catch {
    return false;
  }
}

let installTried = false;

/** Finds `rsvg-convert`, installing `librsvg2-bin` with apt-get when root (once per process). */
export async function findRsvg(log: (line: string) => void = console.log): Promise<boolean> {
  if (await run("rsvg-convert", ["--version"])) return true;
  if (installTried || Deno.uid?.() !== 0 || !(await run("apt-get", ["--version"]))) return false;
  installTried = true;
  log(`installing ${DEB} (rsvg-convert, for PNG figures) with apt-get ...`);
  const env = { DEBIAN_FRONTEND: "noninteractive" };
  try {
    for (
      const args of [["update", "-qq"], ["install", "-y", "-qq", "--no-install-recommends", DEB]]
    ) {
      const o = await new Deno.Command("apt-get", { args, env, stdout: "null", stderr: "null" })
        .output();
      if (!o.success) return false;
    }
  } catch {
    return false;
  }
  return await run("rsvg-convert", ["--version"]);
}

/**
 * Writes `svg` (a standalone SVG document) as a PNG file at `path`, at `zoom` times its size.
 *
 * @example
 * ```ts
 * import { svgToPng } from "./png.ts";
 * const path = `${await Deno.makeTempDir()}/x.png`;
 * const r = await svgToPng('<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"/>', path);
 * if (!r.ok) console.log(r.reason); // how to install rsvg-convert
 * ```
 */
export async function svgToPng(
  svg: string,
  path: string,
  opts: { zoom?: number; log?: (line: string) => void } = {},
): Promise<PngResult> {
  if (!(await findRsvg(opts.log))) {
    return {
      ok: false,
      reason: `rsvg-convert not found; install it (Debian/Ubuntu: apt-get install ${DEB}, ` +
        `macOS: brew install librsvg) for PNG figures`,
    };
  }
  const zoom = String(opts.zoom ?? 2);
  return await run("rsvg-convert", ["-f", "png", "-z", zoom, "-b", "white", "-o", path], svg)
    ? { ok: true, path }
    : { ok: false, reason: `rsvg-convert failed to write ${path}` };
}
