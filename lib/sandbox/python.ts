/**
 * Runs untrusted Python source in a separate, isolated process.
 *
 * Layers, outermost first (each one alone stops the listed abuse; nothing relies on the inner
 * ones, which are kept as a second and third line):
 * 1. the kernel, through bubblewrap (`bwrap.ts`): new user, PID, network, IPC, UTS and mount
 *    namespaces; a read-only root holding only the interpreter and its libraries; a private
 *    `/proc`; a size-limited tmpfs as the only writable place; a new session; a seccomp filter
 *    (`seccomp.ts`: no signals, ptrace, namespaces); the whole namespace dies with the run and
 *    with the trainer; as root, the program runs as `nobody`;
 * 2. resource limits set by the wrapper (`wrapper.py`): address space, CPU seconds, file
 *    size, open files, processes, no core dumps; descriptors above 2 closed before the program;
 * 3. an audit hook in the wrapper that ends the program on sockets, process creation, signals,
 *    ctypes, limit changes and file access outside the working directory;
 * and, from this side, a wall-clock timeout, an optional "no output for a while" timeout and
 * capped stdout / stderr, enforced by killing the sandbox.
 *
 * Where the kernel cannot isolate (no bwrap, user namespaces refused), `runPython` refuses with
 * a one-line {@link UserError} unless the caller passes `unsafe: true`, which runs with layers 2
 * and 3 only (and says so once on stderr). Callers need `--allow-run --allow-read --allow-write`.
 *
 * @module
 */

import { UserError } from "../util/errors.ts";
import { defaultLimiter, type Limiter } from "./pool.ts";
import { type SandboxInfo, sandboxInfo } from "./setup.ts";
export type { SandboxInfo } from "./setup.ts";
export type { Limiter } from "./pool.ts";
import { WRAPPER_EXITS, wrapperSource } from "./wrapper_py.ts";
import { makeWorkdir, removeWorkdir } from "./cleanup.ts";
import { classify, type RunStatus, signalFromCode } from "./outcome.ts";
import { collect } from "./streams.ts";
import { sandboxArgv } from "./bwrap.ts";
export type { RunStatus } from "./outcome.ts";

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
   * `""` when the temporary working directory was removed (always, isolated: it never reached
   * the host); otherwise why it could not be (also printed as a warning). The run's own outcome
   * is not changed by it.
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
   * Existing directory under whose path each run's fresh working directory
   * (`magrpo-sandbox-*`) lies (default: the system temporary directory). Isolated runs mount a
   * tmpfs at that path inside the sandbox and write nothing on the host; unsafe runs make the
   * directory on the host and remove it afterwards.
   */
  tmpDir?: string;
  /** Size of the sandbox's only writable place (a tmpfs), in MiB: the total disk quota (default 64). */
  diskMb?: number;
  /**
   * Run even where the kernel cannot isolate the program (no bubblewrap, user namespaces
   * refused), with resource limits and the audit hook only. Default `false`: refuse.
   */
  unsafe?: boolean;
  /**
   * Install the wrapper's audit hook (default `true`). `false` leaves the kernel and the
   * resource limits alone in charge; the adversarial tests use it to show they suffice.
   */
  auditHook?: boolean;
  /**
   * Processes (and threads) the program's user may have besides the interpreter's main thread
   * (RLIMIT_NPROC; default 0: no new process or thread).
   */
  maxProcesses?: number;
  /** A short label (letters, digits, `-_.:`) added to the interpreter's command line (`ps`). */
  label?: string;
}

const DEFAULTS = {
  timeoutMs: 10_000,
  memoryMb: 512,
  maxOutputBytes: 1 << 20,
  fileSizeMb: 16,
  diskMb: 64,
};

let warnedUnsafe = false;
const STREAM_GRACE_MS = 250;
const LABEL = /^[A-Za-z0-9_.:-]{1,64}$/;

function killGroup(pid: number, alive = true): void {
  for (const target of alive ? [-pid, pid] : [-pid]) {
    try {
      Deno.kill(target, "SIGKILL");
    } catch {
      // already gone
    }
  }
}

/** Refuses (one line) when the kernel cannot isolate and the caller did not say `unsafe`. */
function checkIsolation(setup: SandboxInfo, unsafe: boolean): void {
  if (setup.isolated) return;
  if (!unsafe) {
    throw new UserError(
      `runPython: refusing to run untrusted code without operating-system isolation: ${setup.unavailable}` +
        " (pass unsafe: true to run with resource limits and the audit hook only)",
    );
  }
  if (!warnedUnsafe) {
    warnedUnsafe = true;
    console.warn(
      `runPython: unsafe: true, running WITHOUT operating-system isolation (${setup.unavailable})`,
    );
  }
}

function positive(name: string, value: number | undefined, fallback: number) {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isFinite(value) || value <= 0) {
    throw new UserError(
      `runPython: option '${name}' must be a positive number, got ${value}`,
    );
  }
  return value;
}

/**
 * Runs `code` as a Python program in its own sandboxed process and resolves when it has
 * ended and its working directory is gone. Never throws for anything the program does;
 * throws {@link UserError} for bad options, a missing interpreter, or a machine that cannot
 * isolate the program (unless `unsafe: true`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { runPython } from "./python.ts";
 * const r = await runPython("print(sum(range(10)))", { timeoutMs: 2000, memoryMb: 256 });
 * assert.deepEqual([r.ok, r.status, r.stdout], [true, "ok", "45\n"]);
 * const bad = await runPython("while True: pass", { timeoutMs: 500 });
 * assert.deepEqual([bad.ok, bad.status], [false, "timeout"]); // "wall-clock timeout after 500 ms"
 * ```
 */
export async function runPython(
  code: string,
  options: RunPythonOptions = {},
): Promise<RunResult> {
  if (typeof code !== "string") {
    throw new UserError(`runPython: code must be a string, got ${typeof code}`);
  }
  const timeoutMs = positive("timeoutMs", options.timeoutMs, DEFAULTS.timeoutMs);
  const memoryMb = positive("memoryMb", options.memoryMb, DEFAULTS.memoryMb);
  const cap = positive("maxOutputBytes", options.maxOutputBytes, DEFAULTS.maxOutputBytes);
  const fileSizeMb = positive("fileSizeMb", options.fileSizeMb, DEFAULTS.fileSizeMb);
  const diskMb = positive("diskMb", options.diskMb, DEFAULTS.diskMb);
  const idleMs = options.idleTimeoutMs === undefined
    ? undefined
    : positive("idleTimeoutMs", options.idleTimeoutMs, 1);
  const nproc = options.maxProcesses ?? 0;
  if (!Number.isInteger(nproc) || nproc < 0 || nproc > 4096) {
    throw new UserError(
      `runPython: option 'maxProcesses' must be an integer in [0, 4096], got ${nproc}`,
    );
  }
  if (options.label !== undefined && !LABEL.test(options.label)) {
    throw new UserError(
      `runPython: option 'label' must be 1-64 letters, digits or -_.:, got ${
        JSON.stringify(options.label)
      }`,
    );
  }
  const setup = await sandboxInfo(options.python ?? "python3");
  checkIsolation(setup, options.unsafe === true);
  const limiter = options.limiter ?? defaultLimiter;
  return await limiter(() =>
    runOnce(code, setup, {
      tmpDir: options.tmpDir,
      timeoutMs,
      idleMs,
      cap: Math.floor(cap),
      diskBytes: Math.floor(diskMb * 1024 * 1024),
      cfg: {
        memoryBytes: Math.floor(memoryMb * 1024 * 1024),
        cpuSeconds: Math.ceil(timeoutMs / 1000) + 1,
        fileBytes: Math.floor(fileSizeMb * 1024 * 1024),
        setsid: !setup.isolated && setup.unsafePrefix.length === 0,
        auditHook: options.auditHook !== false,
        processes: nproc,
        label: options.label ?? "",
        ...WRAPPER_EXITS,
      },
    })
  );
}

interface RunPlan {
  tmpDir: string | undefined;
  timeoutMs: number;
  idleMs: number | undefined;
  cap: number;
  diskBytes: number;
  cfg: Record<string, unknown>;
}

export { SANDBOX_DIR_PREFIX } from "./cleanup.ts";

/** Runs in a fresh working directory, removed afterwards whatever happened. */
async function runOnce(
  code: string,
  setup: SandboxInfo,
  plan: RunPlan,
): Promise<RunResult> {
  const workdir = await makeWorkdir(setup.tools !== null, plan.tmpDir);
  if (setup.tools) return await runIn(workdir, code, setup, plan); // the tmpfs goes with it
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

/**
 * The command of one run. Isolated: bwrap mounts a fresh tmpfs at the working directory's
 * path; unsafe: the host directory itself.
 */
function command(
  workdir: string,
  setup: SandboxInfo,
  plan: RunPlan,
  wrapper: string,
): { argv: string[]; cwd: string } {
  const pyArgs = ["-P", "-s", "-S", "-B", "-X", "utf8", "-c", wrapper, JSON.stringify(plan.cfg)];
  if (setup.tools) {
    const argv = sandboxArgv(
      setup.tools,
      setup.interpreter,
      setup.closed,
      workdir,
      plan.diskBytes,
      pyArgs,
    );
    return { argv, cwd: "/" };
  }
  return { argv: [...setup.unsafePrefix, setup.python, ...pyArgs], cwd: workdir };
}

async function runIn(
  workdir: string,
  code: string,
  setup: SandboxInfo,
  plan: RunPlan,
): Promise<RunResult> {
  const started = performance.now();
  const { argv, cwd } = command(workdir, setup, plan, await wrapperSource());
  const child = new Deno.Command(argv[0], {
    args: argv.slice(1),
    cwd,
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
    idle = setTimeout(() => kill("timeout", `no output for ${plan.idleMs} ms`), plan.idleMs);
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
  // Isolated: the kernel ended the whole PID namespace with its first process. Unsafe: kill
  // what the program left in its process group (never the reaped pid itself).
  if (!setup.tools) killGroup(child.pid, false);
  const [o, e] = await Promise.all([out(STREAM_GRACE_MS), err(STREAM_GRACE_MS)]);
  const dec = new TextDecoder();
  const stdout = dec.decode(o.bytes);
  const stderr = dec.decode(e.bytes);
  // bwrap reports a program killed by signal n as exit code 128 + n
  const signal = status.signal ?? (setup.tools ? signalFromCode(status.code) : null);
  const ended = killed ?? classify(status.code, signal, stderr);
  return {
    ok: ended.status === "ok",
    status: ended.status,
    stdout,
    stderr,
    reason: ended.reason,
    exitCode: signal === null ? status.code : null,
    durationMs: Math.round(performance.now() - started),
    cleanupError: "",
  };
}
