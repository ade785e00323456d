/**
 * A run's `manifest.json`: what someone else needs to know to trust or repeat it. The project's
 * name, version and git commit (with a dirty flag), the Deno, V8, TypeScript and onnxruntime
 * versions, the execution provider, the seeds, a SHA-256 of every data and model file the run
 * read, and the machine (CPU model, cores, memory, OS). Nothing here needs network access;
 * whatever cannot be read (no git, no permission) is `null`, never an error.
 *
 * @module
 */
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** The contents of `manifest.json`. */
export interface RunManifest {
  /** When the manifest was written (ISO 8601). */
  createdAt: string;
  /** The project: deno.json's name and version, the git commit and whether files differ from it. */
  project: {
    name: string | null;
    version: string | null;
    commit: string | null;
    dirty: boolean | null;
  };
  /** Runtime versions. */
  versions: { deno: string; v8: string; typescript: string; onnxruntime: string | null };
  /** Execution provider asked for, and the one sessions used when known. */
  executionProvider: { requested: string; used?: string };
  /** Seeds of the run (the config's `seed` and the streams derived from it). */
  seeds: Record<string, number | string>;
  /** Data and model files read by the run: label → { path, bytes, sha256 } (folders: each file). */
  files: Record<string, FileHash[]>;
  /** The machine. */
  machine: {
    cpu: string | null;
    cores: number;
    memoryBytes: number | null;
    os: string;
    osRelease: string | null;
    arch: string;
    hostname: string | null;
  };
}

/** One hashed file. */
export interface FileHash {
  /** The path as given (files of a folder: joined to it). */
  path: string;
  /** Size in bytes. */
  bytes: number;
  /** Lowercase hex SHA-256 of the contents. */
  sha256: string;
}

/** What {@link runManifest} is told about the run. */
export interface ManifestInput {
  /** Execution provider asked for. */
  ep: string;
  /** Execution provider used (after a fallback), when known. */
  epUsed?: string;
  /** Seeds to record. */
  seeds: Record<string, number | string>;
  /** Label → file or folder path to hash (undefined entries are skipped). */
  files: Record<string, string | undefined>;
}

/**
 * SHA-256 of a file, or of every file under a folder (sorted by path, hidden files skipped).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { hashFiles } from "./manifest.ts";
 * const [h] = await hashFiles("data/default-model/config.json");
 * assert.deepEqual(h.sha256.length, 64);
 * ```
 */
export async function hashFiles(path: string): Promise<FileHash[]> {
  const st = await Deno.stat(path);
  if (st.isFile) {
    const bytes = await Deno.readFile(path);
    const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
    const sha256 = [...digest].map((b) => b.toString(16).padStart(2, "0")).join("");
    return [{ path, bytes: bytes.length, sha256 }];
  }
  const names: string[] = [];
  for await (const e of Deno.readDir(path)) if (!e.name.startsWith(".")) names.push(e.name);
  const out: FileHash[] = [];
  for (const n of names.sort()) out.push(...await hashFiles(join(path, n)));
  return out;
}

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

async function text(cmd: string, args: string[]): Promise<string | null> {
  try {
    const o = await new Deno.Command(cmd, { args, cwd: ROOT, stdout: "piped", stderr: "null" })
      .output();
    return o.code === 0 ? new TextDecoder().decode(o.stdout).trim() : null;
  } catch {
    return null;
  }
}

function ortVersion(): string | null {
  try {
    const req = createRequire(import.meta.url);
    let dir = dirname(req.resolve("onnxruntime-node"));
    for (let i = 0; i < 5; i++, dir = dirname(dir)) {
      try {
        const pkg = JSON.parse(Deno.readTextFileSync(join(dir, "package.json")));
        if (pkg.name === "onnxruntime-node") return pkg.version;
      } catch { /* keep climbing */ }
    }
  } catch { /* not installed */ }
  return null;
}

async function cpuModel(): Promise<string | null> {
  try {
    const info = await Deno.readTextFile("/proc/cpuinfo");
    return info.match(/^model name\s*:\s*(.+)$/m)?.[1].trim() ?? null;
  } catch {
    return (await text("sysctl", ["-n", "machdep.cpu.brand_string"])) ?? null;
  }
}

const attempt = <T>(f: () => T): T | null => {
  try {
    return f();
  } catch {
    return null;
  }
};

/**
 * Gathers the manifest of a run (see the module doc). Files that cannot be read are listed
 * with `sha256: "unreadable"` rather than failing the run.
 *
 * @example
 * ```ts
 * import { runManifest } from "./manifest.ts";
 * const m = await runManifest({ ep: "cpu", seeds: { seed: 0 }, files: { model: "data/default-model" } });
 * m.files.model.length; // the model folder's files, each with its SHA-256
 * ```
 */
export async function runManifest(input: ManifestInput): Promise<RunManifest> {
  let name: string | null = null, version: string | null = null;
  try {
    const cfg = JSON.parse(await Deno.readTextFile(join(ROOT, "deno.json")));
    name = cfg.name ?? "magrpo-deno";
    version = cfg.version ?? null;
  } catch { /* not in the repository */ }
  const commit = await text("git", ["rev-parse", "HEAD"]);
  const status = commit === null ? null : await text("git", ["status", "--porcelain"]);
  const files: Record<string, FileHash[]> = {};
  for (const [label, p] of Object.entries(input.files)) {
    if (p === undefined) continue;
    files[label] = await hashFiles(p).catch(() => [{ path: p, bytes: 0, sha256: "unreadable" }]);
  }
  return {
    createdAt: new Date().toISOString(),
    project: { name, version, commit, dirty: status === null ? null : status !== "" },
    versions: {
      deno: Deno.version.deno,
      v8: Deno.version.v8,
      typescript: Deno.version.typescript,
      onnxruntime: ortVersion(),
    },
    executionProvider: { requested: input.ep, ...(input.epUsed ? { used: input.epUsed } : {}) },
    seeds: input.seeds,
    files,
    machine: {
      cpu: await cpuModel(),
      cores: navigator.hardwareConcurrency,
      memoryBytes: attempt(() => Deno.systemMemoryInfo().total),
      os: Deno.build.os,
      osRelease: attempt(() => Deno.osRelease()),
      arch: Deno.build.arch,
      hostname: attempt(() => Deno.hostname()),
    },
  };
}

/** Writes `<dir>/manifest.json` (see {@link runManifest}); returns what was written. */
export async function writeManifest(dir: string, input: ManifestInput): Promise<RunManifest> {
  const m = await runManifest(input);
  await Deno.mkdir(dir, { recursive: true });
  await Deno.writeTextFile(join(dir, "manifest.json"), JSON.stringify(m, null, 2) + "\n");
  return m;
}
