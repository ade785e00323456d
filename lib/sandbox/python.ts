/**
 * Runs untrusted Python source in a separate, limited process.
 *
 * Layers (each one alone should stop the listed abuse; together they overlap):
 * - a fresh temporary working directory per program, deleted afterwards;
 * - `setsid` (new session and process group) so a timeout kills the whole group;
 * - `unshare -n -p -f --kill-child` when available (root, or user namespaces): no network
 *   interfaces, and a private PID namespace whose processes all die with its first process;
 * - resource limits set by the wrapper ({@link WRAPPER_PY}): address space, CPU seconds, file
 *   size, open files, processes, no core dumps;
 * - an audit hook in the wrapper that ends the program on sockets, fork/exec/subprocess,
 *   signals to other processes, ctypes, limit changes, and file access outside the working
 *   directory (reads: also the Python installation and a few system paths);
 * - a wall-clock timeout, an optional "no output for a while" timeout, and capped stdout /
 *   stderr, all enforced from this side by killing the process group.
 *
 * The interpreter runs with `-P -s -S -B` and a minimal environment: the standard library is
 * available, site-packages are not. Callers need `--allow-run --allow-read --allow-write`.
 *
 * @module
 */

import { UserError } from "../util/errors.ts";
import { defaultLimiter, type Limiter } from "./pool.ts";
import { type SandboxInfo, sandboxInfo } from "./setup.ts";
export type { SandboxInfo } from "./setup.ts";
export type { Limiter } from "./pool.ts";
import { EXIT_BLOCKED, EXIT_CPU, EXIT_MEMORY, MARKER, WRAPPER_PY } from "./wrapper_py.ts";
import { removeWorkdir } from "./cleanup.ts";

/** How a sandboxed run ended. Everything but `"ok"` is a failed run. */
export type RunStatus =
  | "ok"
  | "error"
  | "timeout"
  | "memory"
  | "output_limit"
  | "blocked"
  | "crashed";

/** The outcome of {@link runPython}. */
export interface RunResult {
  /** `true` exactly when `status === "ok"` (exit code 0, within every limit). */
  ok: boolean;
  /** How the run ended. */
  status: RunStatus;
  /** Captured stdout (UTF-8, cut at `maxOutputBytes`). */
  stdout: string;
  /** Captured stderr (UTF-8, cut at `maxOutputBytes`). */
  stderr: string;
  /** One readable line saying why the run failed; `""` when ok. */
  reason: string;
  /** Exit code of the process, `null` when it died from a signal. */
  exitCode: number | null;
  /** Wall-clock milliseconds from spawn to exit. */
  durationMs: number;
  /**
   * `""` when the temporary working directory was removed; otherwise why it could not be
   * (also printed as a warning). The run's own outcome is not changed by it.
   */
  cleanupError: string;
}

/** Options of {@link runPython}; every limit has a safe default. */
export interface RunPythonOptions {
  /** Wall-clock limit in milliseconds (default 10000). */
  timeoutMs?: number;
  /** Address-space limit in MiB (default 512). */
  memoryMb?: number;
  /** Cap on each of stdout and stderr in bytes; exceeding it kills the run (default 1 MiB). */
  maxOutputBytes?: number;
  /** Largest file the program may write, in MiB (default 16). */
  fileSizeMb?: number;
  /** Kill the run when neither stream produced a byte for this many ms (default: off). */
  idleTimeoutMs?: number;
  /** Python interpreter to use (default `python3` on PATH, resolved once). */
  python?: string;
  /** Concurrency limiter (default: one shared pool sized by the number of cores). */
  limiter?: Limiter;
  /**
   * Existing directory in which each run's fresh working directory (`magrpo-sandbox-*`) is
   * made (default: the system temporary directory).
   */
  tmpDir?: string;
}

const DEFAULTS = {
  timeoutMs: 10_000,
  memoryMb: 512,
  maxOutputBytes: 1 << 20,
  fileSizeMb: 16,
};
const STREAM_GRACE_MS = 250;

function positive(name: string, value: number | undefined, fallback: number) {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isFinite(value) || value <= 0) {
    throw new UserError(
      `runPython: option '${name}' must be a positive number, got ${value}`,
    );
  }
  return value;
}

interface Collected {
  bytes: Uint8Array;
  overflow: boolean;
}

function collect(
  stream: ReadableStream<Uint8Array>,
  cap: number,
  onData: () => void,
  onOverflow: () => void,
): (graceMs: number) => Promise<Collected> {
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  let overflow = false;
  const done = (async () => {
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        onData();
        if (size + value.length > cap && !overflow) {
          overflow = true;
          onOverflow();
        }
        if (size < cap) {
          const take = value.subarray(0, cap - size);
          chunks.push(take);
          size += take.length;
        }
      }
    } catch {
      // stream cancelled or broken: keep what we have
    }
  })();
  return async (graceMs) => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<void>((r) => timer = setTimeout(r, graceMs));
    await Promise.race([done, late]);
    clearTimeout(timer);
    await reader.cancel().catch(() => {});
    const bytes = new Uint8Array(size);
    let at = 0;
    for (const c of chunks) {
      bytes.set(c, at);
      at += c.length;
    }
    return { bytes, overflow };
  };
}

function killGroup(pid: number): void {
  for (const target of [-pid, pid]) {
    try {
      Deno.kill(target, "SIGKILL");
    } catch {
      // already gone
    }
  }
}

function markerDetail(stderr: string, kind: string): string | null {
  const tag = `${MARKER}${kind}: `;
  const line = stderr.split("\n").reverse().find((l) => l.startsWith(tag));
  return line === undefined ? null : line.slice(tag.length);
}

function lastLine(text: string): string {
  const lines = text.split("\n").map((l) => l.trim()).filter((l) => l);
  return lines.length ? lines[lines.length - 1] : "";
}

function classify(
  code: number,
  signal: Deno.Signal | null,
  stderr: string,
): { status: RunStatus; reason: string } {
  const blocked = code === EXIT_BLOCKED ? markerDetail(stderr, "BLOCKED") : null;
  if (blocked !== null) {
    return { status: "blocked", reason: `blocked: ${blocked}` };
  }
  if (code === EXIT_MEMORY && markerDetail(stderr, "MEMORY") !== null) {
    return { status: "memory", reason: "memory limit exceeded (MemoryError)" };
  }
  if (
    signal === "SIGXCPU" ||
    (code === EXIT_CPU && markerDetail(stderr, "CPU") !== null)
  ) {
    return { status: "timeout", reason: "CPU time limit exceeded" };
  }
  if (signal !== null) {
    const why = signal === "SIGSEGV"
      ? "segmentation fault (deep recursion or memory exhaustion)"
      : signal === "SIGKILL"
      ? "killed by SIGKILL (CPU hard limit or out of memory)"
      : `killed by ${signal}`;
    return { status: "crashed", reason: why };
  }
  if (code === 0) return { status: "ok", reason: "" };
  const last = lastLine(stderr);
  if (/\bMemoryError\b/.test(last)) {
    return { status: "memory", reason: `memory limit exceeded (${last})` };
  }
  return {
    status: "error",
    reason: last ? `${last} (exit code ${code})` : `exit code ${code}`,
  };
}

/**
 * Runs `code` as a Python program in its own sandboxed process and resolves when it has
 * ended and its working directory is gone. Never throws for anything the program does;
 * throws {@link UserError} only for bad options or a missing interpreter.
 *
 * @example
 * ```ts
 * import { runPython } from "./python.ts";
 * const r = await runPython("print(sum(range(10)))", { timeoutMs: 2000, memoryMb: 256 });
 * // r.ok === true, r.status === "ok", r.stdout === "45\n"
 * const bad = await runPython("while True: pass", { timeoutMs: 500 });
 * // bad.ok === false, bad.status === "timeout", bad.reason === "wall-clock timeout after 500 ms"
 * ```
 */
export async function runPython(
  code: string,
  options: RunPythonOptions = {},
): Promise<RunResult> {
  if (typeof code !== "string") {
    throw new UserError(
      `runPython: code must be a string, got ${typeof code}`,
    );
  }
  const timeoutMs = positive(
    "timeoutMs",
    options.timeoutMs,
    DEFAULTS.timeoutMs,
  );
  const memoryMb = positive("memoryMb", options.memoryMb, DEFAULTS.memoryMb);
  const cap = positive(
    "maxOutputBytes",
    options.maxOutputBytes,
    DEFAULTS.maxOutputBytes,
  );
  const fileSizeMb = positive(
    "fileSizeMb",
    options.fileSizeMb,
    DEFAULTS.fileSizeMb,
  );
  const idleMs = options.idleTimeoutMs === undefined
    ? undefined
    : positive("idleTimeoutMs", options.idleTimeoutMs, 1);
  const setup = await sandboxInfo(options.python ?? "python3");
  const limiter = options.limiter ?? defaultLimiter;
  return await limiter(() =>
    runOnce(code, setup, {
      tmpDir: options.tmpDir,
      timeoutMs,
      idleMs,
      cap: Math.floor(cap),
      cfg: {
        memoryBytes: Math.floor(memoryMb * 1024 * 1024),
        cpuSeconds: Math.ceil(timeoutMs / 1000) + 1,
        fileBytes: Math.floor(fileSizeMb * 1024 * 1024),
        setsid: setup.wrapperSetsid,
      },
    })
  );
}

interface RunPlan {
  tmpDir: string | undefined;
  timeoutMs: number;
  idleMs: number | undefined;
  cap: number;
  cfg: Record<string, number | boolean>;
}

/** Prefix of every sandbox working directory (in the system temporary directory). */
export const SANDBOX_DIR_PREFIX = "magrpo-sandbox-";

/** Runs in a fresh working directory and removes it afterwards, whatever happened. */
async function runOnce(
  code: string,
  setup: SandboxInfo,
  plan: RunPlan,
): Promise<RunResult> {
  let workdir: string;
  try {
    workdir = await Deno.makeTempDir({
      prefix: SANDBOX_DIR_PREFIX,
      dir: plan.tmpDir,
    });
  } catch (err) {
    throw new UserError(
      `runPython: cannot make a working directory in '${
        plan.tmpDir ?? "the system temporary directory"
      }' (option 'tmpDir'): ${(err as Error).message}`,
      { cause: err },
    );
  }
  let result: RunResult | undefined;
  try {
    result = await runIn(workdir, code, setup, plan);
  } finally {
    const problem = await removeWorkdir(workdir);
    if (problem) {
      console.warn(`runPython: ${problem}`);
      if (result) result.cleanupError = problem;
    }
  }
  return result;
}

async function runIn(
  workdir: string,
  code: string,
  setup: SandboxInfo,
  plan: RunPlan,
): Promise<RunResult> {
  const started = performance.now();
  const argv = [
    ...setup.prefix,
    setup.python,
    ...["-P", "-s", "-S", "-B", "-X", "utf8", "-c", WRAPPER_PY],
    JSON.stringify(plan.cfg),
  ];
  const child = new Deno.Command(argv[0], {
    args: argv.slice(1),
    cwd: workdir,
    clearEnv: true,
    env: {
      PATH: "/usr/local/bin:/usr/bin:/bin",
      LANG: "C.UTF-8",
      LC_ALL: "C.UTF-8",
      HOME: workdir,
      TMPDIR: workdir,
      PYTHONHASHSEED: "0",
      PYTHONIOENCODING: "utf-8",
    },
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let killed: { status: RunStatus; reason: string } | null = null;
  const kill = (status: RunStatus, reason: string) => {
    if (killed) return;
    killed = { status, reason };
    killGroup(child.pid);
  };
  const wall = setTimeout(
    () => kill("timeout", `wall-clock timeout after ${plan.timeoutMs} ms`),
    plan.timeoutMs,
  );
  let idle: ReturnType<typeof setTimeout> | undefined;
  const touch = () => {
    if (plan.idleMs === undefined) return;
    clearTimeout(idle);
    idle = setTimeout(
      () => kill("timeout", `no output for ${plan.idleMs} ms`),
      plan.idleMs,
    );
  };
  touch();
  const overflow = (name: string) => () =>
    kill("output_limit", `${name} exceeded ${plan.cap} bytes`);
  const out = collect(child.stdout, plan.cap, touch, overflow("stdout"));
  const err = collect(child.stderr, plan.cap, touch, overflow("stderr"));
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(code)).catch(() => {});
  await writer.close().catch(() => {});
  const status = await child.status;
  clearTimeout(wall);
  clearTimeout(idle);
  killGroup(child.pid); // anything the program left behind in its group
  const [o, e] = await Promise.all([
    out(STREAM_GRACE_MS),
    err(STREAM_GRACE_MS),
  ]);
  const dec = new TextDecoder();
  const stdout = dec.decode(o.bytes);
  const stderr = dec.decode(e.bytes);
  const ended: { status: RunStatus; reason: string } = killed ??
    classify(status.code, status.signal, stderr);
  return {
    ok: ended.status === "ok",
    status: ended.status,
    stdout,
    stderr,
    reason: ended.reason,
    exitCode: status.signal === null ? status.code : null,
    durationMs: Math.round(performance.now() - started),
    cleanupError: "",
  };
}
