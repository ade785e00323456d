/**
 * Finds, once per interpreter name, the Python interpreter to run (shims such as pyenv's
 * resolved to the real binary, version >= 3.11 checked, its files listed) and whether this
 * machine can isolate it by the kernel with bubblewrap (see `bwrap.ts`): bwrap installed, user
 * namespaces allowed, and `setsid` / `setpriv` (util-linux) to tie the sandbox to the trainer and,
 * as root, drop to `nobody`. The answer comes from
 * actually starting the interpreter in a sandbox once (it must see itself as PID 2 of its own
 * PID namespace), so a kernel that refuses namespaces is detected, never assumed.
 *
 * @module
 */

import { type Interpreter, resolveInterpreter } from "./interpreter.ts";
import { closedAncestors, findProgram, sandboxArgv, seccompOn, type Tools } from "./bwrap.ts";
import { seccompPrintf } from "./seccomp.ts";

/** What the sandbox could set up on this machine (resolved once per interpreter). */
export interface SandboxInfo {
  /** Absolute path of the interpreter actually run (shims resolved). */
  python: string;
  /** The interpreter and the files bound into the sandbox. */
  interpreter: Interpreter;
  /** Whether programs run isolated by the kernel (bubblewrap namespaces). */
  isolated: boolean;
  /** `""` when isolated, else one line saying why not and how to fix it. */
  unavailable: string;
  /** The protection layers in use, outermost first. */
  layers: string[];
  /** The isolation programs (`null` when not isolated). */
  tools: Tools | null;
  /** Directories `nobody` cannot enter that an outer bwrap replaces (as root). */
  closed: string[];
  /** `setsid` (when present) for runs without isolation (`unsafe: true`). */
  unsafePrefix: string[];
}

const setups = new Map<string, Promise<SandboxInfo>>();

function isRoot(): boolean {
  try {
    return Deno.uid() === 0;
  } catch {
    return false;
  }
}

const PROBE_PY = "import os; print(os.getpid())";

/** Starts the interpreter once in the sandbox; resolves to `""` or why it failed. */
async function probe(tools: Tools, py: Interpreter, closed: string[]): Promise<string> {
  const argv = sandboxArgv(tools, py, closed, "/sandbox-probe", 1 << 20, [
    "-I",
    "-S",
    "-c",
    PROBE_PY,
  ]);
  let out: Deno.CommandOutput;
  try {
    out = await new Deno.Command(argv[0], {
      args: argv.slice(1),
      cwd: "/",
      stdin: "null",
      clearEnv: true,
      env: { PATH: "/usr/bin:/bin" },
    }).output();
  } catch (err) {
    return `cannot start ${argv[0]}: ${(err as Error).message}`;
  }
  const dec = new TextDecoder();
  const said = dec.decode(out.stdout).trim();
  if (out.success && said === "2") return "";
  const why = dec.decode(out.stderr).trim().split("\n").pop() ?? "";
  return why || `the sandboxed interpreter printed '${said}' (exit ${out.code}), expected PID 2`;
}

async function detectSetup(python: string): Promise<SandboxInfo> {
  const py = await resolveInterpreter(python);
  const setsid = await findProgram("setsid");
  const base = {
    python: py.exe,
    interpreter: py,
    unsafePrefix: setsid ? [setsid] : [],
    closed: [] as string[],
  };
  const bwrap = await findProgram("bwrap");
  const root = isRoot();
  const setpriv = await findProgram("setpriv");
  let unavailable = "";
  if (!bwrap) {
    unavailable = "bubblewrap is not installed ('bwrap' not found; Debian package bubblewrap)";
  } else if (!setsid) {
    unavailable = "'setsid' (util-linux) not found";
  } else if (!setpriv) {
    unavailable = "'setpriv' (util-linux) not found";
  }
  if (unavailable || !bwrap || !setsid || !setpriv) {
    return { ...base, isolated: false, unavailable, tools: null, layers: unsafeLayers(setsid) };
  }
  const tools: Tools = {
    bwrap,
    setpriv,
    setsid,
    root,
    bash: await findProgram("bash"),
    seccomp: seccompPrintf(),
  };
  const closed = root ? await closedAncestors([py.exe, ...py.dirs, ...py.libs]) : [];
  const failed = await probe(tools, py, closed);
  if (failed) {
    return {
      ...base,
      isolated: false,
      unavailable: `bubblewrap cannot create the sandbox here (${failed}); ` +
        "the kernel must allow user namespaces (sysctl user.max_user_namespaces > 0, " +
        "kernel.apparmor_restrict_unprivileged_userns=0)",
      tools: null,
      layers: unsafeLayers(setsid),
    };
  }
  const layers = [
    ...(root ? ["setpriv: uid nobody"] : []),
    "bwrap: user, pid, net, ipc, uts, mount namespaces",
    seccompOn(tools)
      ? "seccomp: no signals, ptrace, namespaces"
      : `no seccomp filter (${tools.seccomp ? "no bash" : Deno.build.arch})`,
    "read-only root with the interpreter only",
    "tmpfs disk quota",
    "rlimits",
    "audit hook",
  ];
  return { ...base, closed, isolated: true, unavailable: "", tools, layers };
}

function unsafeLayers(setsid: string | null): string[] {
  return [...(setsid ? ["setsid"] : []), "rlimits", "audit hook"];
}

/**
 * Resolves (once per interpreter name) the interpreter and the isolation available.
 *
 * @example
 * ```ts
 * import { sandboxInfo } from "./setup.ts";
 * const info = await sandboxInfo();
 * console.log(info.isolated ? info.layers : info.unavailable);
 * ```
 */
export function sandboxInfo(python = "python3"): Promise<SandboxInfo> {
  let p = setups.get(python);
  if (!p) {
    p = detectSetup(python);
    setups.set(python, p);
    p.catch(() => setups.delete(python));
  }
  return p;
}
