/**
 * The bubblewrap (`bwrap`) command line that isolates one sandboxed run by the kernel:
 *
 * - new user, PID, network, IPC, UTS and mount namespaces (`--unshare-all --unshare-user`,
 *   cgroup too where allowed), no further user namespaces inside (`--disable-userns`);
 * - an empty root file system, read-only, holding only the interpreter, its standard library
 *   and compiled modules and the shared libraries they load (each bound read-only), a private
 *   `/proc` of the new PID namespace, a minimal read-only `/dev` (null, zero, random, …);
 * - one writable place: a tmpfs of `diskBytes` at the working directory (the total disk quota);
 * - the seccomp filter of `seccomp.ts` (`--seccomp 3`, handed over by `bash` through a pipe),
 *   where the machine has one;
 * - a new session (`--new-session`: no controlling terminal, own process group) and
 *   `--die-with-parent`: the namespace's first process dies with bwrap, and every process of a
 *   PID namespace dies with its first process, so nothing outlives the run.
 *
 * As root, the program must not run as the host's uid 0 (a process with uid 0 may write root-owned
 * files such as `/proc/sys/kernel/core_pattern`, namespaces or not), so the command first drops to
 * `nobody` with `setpriv` (see {@link chainPrefix}).
 *
 * @module
 */

import { type Interpreter, isUnder } from "./interpreter.ts";

/** The user id and group id the sandbox runs as when started by root. */
export const SANDBOX_UID = 65534;

/** Where the isolation programs are and whether the caller is root. */
export interface Tools {
  /** Absolute path of `bwrap`. */
  bwrap: string;
  /** Absolute path of `setpriv` (parent-death signal; as root also the drop to `nobody`). */
  setpriv: string;
  /** Absolute path of `setsid`: the chain leads its own process group (killed as a whole). */
  setsid: string;
  /** Whether this process runs as uid 0. */
  root: boolean;
  /** `bash`, which hands the seccomp filter to bwrap on descriptor 3 (`null`: not found). */
  bash: string | null;
  /** The seccomp filter as a `printf` format (`seccomp.ts`); `null`: no filter. */
  seccomp: string | null;
}

/** Descriptor on which bwrap reads the seccomp filter. */
const SECCOMP_FD = "3";

/** Whether the chain loads the seccomp filter (a filter for this machine and `bash`). */
export function seccompOn(tools: Tools): boolean {
  return tools.seccomp !== null && tools.bash !== null;
}

/** Finds `name` in PATH (or the usual system directories); `null` when absent. */
export async function findProgram(name: string): Promise<string | null> {
  let path = "";
  try {
    path = Deno.env.get("PATH") ?? "";
  } catch {
    // no --allow-env: the usual directories below
  }
  const dirs = [
    ...path.split(":").filter((d) => d.startsWith("/")),
    "/usr/bin",
    "/bin",
    "/usr/sbin",
  ];
  for (const dir of dirs) {
    try {
      const info = await Deno.stat(`${dir}/${name}`);
      if (info.isFile && ((info.mode ?? 0) & 0o111)) return `${dir}/${name}`;
    } catch {
      // not here
    }
  }
  return null;
}

/**
 * Directories on the way to `paths` that other users cannot enter (no `o+x`), topmost first;
 * as root, these must be replaced by a reachable view before dropping to `nobody`.
 */
export async function closedAncestors(paths: string[]): Promise<string[]> {
  const closed = new Set<string>();
  for (const path of paths) {
    const parts = path.split("/").filter((p) => p);
    for (let i = 1; i < parts.length; i++) {
      const dir = "/" + parts.slice(0, i).join("/");
      const mode = (await Deno.stat(dir).catch(() => null))?.mode ?? 0o755;
      if ((mode & 0o001) === 0) {
        closed.add(dir);
        break;
      }
    }
  }
  return [...closed].sort();
}

/** `--perms 0755 --dir D` for each directory strictly between `top` and `path`. */
function openDirs(top: string, path: string, made: Set<string>): string[] {
  const args: string[] = [];
  const rest = path.slice(top.length + 1).split("/").slice(0, -1);
  let dir = top;
  for (const part of rest) {
    dir = `${dir}/${part}`;
    if (made.has(dir)) continue;
    made.add(dir);
    args.push("--perms", "0755", "--dir", dir);
  }
  return args;
}

/**
 * bwrap arguments that make `paths` reachable by every user although they lie under `closed`
 * directories: an empty tmpfs (mode 0755) over each closed directory, the directories on the
 * way created 0755, and each path bound back read-only.
 */
export function overlayArgs(closed: string[], paths: string[]): string[] {
  const args: string[] = [];
  const made = new Set<string>();
  for (const top of closed) {
    args.push("--perms", "0755", "--tmpfs", top);
    for (const path of paths.filter((p) => isUnder(p, top))) {
      args.push(...openDirs(top, path, made), "--ro-bind", path, path);
    }
  }
  return args;
}

/** The files of `py` to bind, without paths already inside a bound directory. */
export function boundPaths(py: Interpreter): string[] {
  const dirs = py.dirs.filter((d) => !py.dirs.some((o) => o !== d && isUnder(d, o)));
  const files = [py.exe, ...py.libs].filter((f) => !dirs.some((d) => isUnder(f, d)));
  return [...dirs, ...files];
}

/**
 * The part of the command before the sandbox's own `bwrap`. Every process of the chain must die
 * with a timeout kill and with the trainer: `setsid` makes the chain lead its own process group
 * (killed as a whole on timeout); each bwrap's `--die-with-parent` ties it to its parent, and
 * `setpriv --pdeathsig KILL` does the same for the steps before a bwrap runs (a change of user
 * clears the kernel's parent-death signal, so it is set again after the drop). As root, `setpriv`
 * also drops to `nobody`. When `closed` directories hide the interpreter from `nobody`, an outer
 * privileged bwrap comes first, in its own PID namespace (all of it, the inner sandbox included,
 * dies with its first process), laying a tmpfs over each closed directory with only the
 * interpreter's files bound back; the second `setpriv` drops to `nobody` inside it.
 */
export function chainPrefix(tools: Tools, py: Interpreter, closed: string[]): string[] {
  const orphanKill = [tools.setpriv, "--pdeathsig", "KILL"];
  // bash writes the filter into a pipe read as descriptor 3, then becomes the chain (exec)
  const filter = seccompOn(tools)
    ? [tools.bash!, "-c", `exec ${SECCOMP_FD}< <(printf "$0"); exec "$@"`, tools.seccomp!]
    : [];
  const id = String(SANDBOX_UID);
  const drop = [`--reuid=${id}`, `--regid=${id}`, "--clear-groups"];
  if (!tools.root) return [...filter, tools.setsid, ...orphanKill, "--"];
  if (closed.length === 0) return [...filter, tools.setsid, ...orphanKill, ...drop, "--"];
  const outer = [tools.bwrap, "--unshare-pid", "--dev-bind", "/", "/"];
  outer.push(...overlayArgs(closed, boundPaths(py)));
  outer.push("--die-with-parent", "--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID", "--");
  return [...filter, tools.setsid, ...orphanKill, "--", ...outer, ...orphanKill, ...drop, "--"];
}

/**
 * The full command (program first) that runs `py` with `args` in a fresh sandbox whose only
 * writable place is a `diskBytes` tmpfs at `workdir` (also the working directory).
 *
 * @example
 * ```ts
 * import { sandboxArgv } from "./bwrap.ts";
 * const py = { exe: "/usr/bin/python3.11", version: "3.11.2", dirs: ["/usr/lib/python3.11"], libs: [] };
 * const argv = sandboxArgv({ bwrap: "/usr/bin/bwrap", setpriv: "/usr/bin/setpriv", setsid: "/usr/bin/setsid", root: false, bash: null, seccomp: null }, py, [], "/tmp/w", 1 << 26, ["-c", "pass"]);
 * // ["/usr/bin/setsid", "/usr/bin/setpriv", "--pdeathsig", "KILL", "--", "/usr/bin/bwrap", "--unshare-all", "--unshare-user", ..., "/usr/bin/python3.11", "-c", "pass"]
 * ```
 */
export function sandboxArgv(
  tools: Tools,
  py: Interpreter,
  closed: string[],
  workdir: string,
  diskBytes: number,
  args: string[],
): string[] {
  const argv = [
    ...chainPrefix(tools, py, closed),
    tools.bwrap,
    "--unshare-all",
    "--unshare-user",
    "--unshare-cgroup-try",
    "--disable-userns",
    "--die-with-parent",
    "--new-session",
    "--hostname",
    "sandbox",
    "--cap-drop",
    "ALL",
    ...(seccompOn(tools) ? ["--seccomp", SECCOMP_FD] : []),
  ];
  for (const path of boundPaths(py)) argv.push("--ro-bind", path, path);
  argv.push(
    ...["--proc", "/proc", "--dev", "/dev", "--remount-ro", "/dev"],
    ...["--size", String(Math.floor(diskBytes)), "--tmpfs", workdir, "--chdir", workdir],
    ...["--remount-ro", "/", "--", py.exe, ...args],
  );
  return argv;
}
