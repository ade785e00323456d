/**
 * Finds, once per interpreter name, the Python interpreter to run (shims such as pyenv's
 * resolved to the real binary, version >= 3.11 checked) and the isolation layers this
 * machine offers: `setsid`, and `unshare` with a network + PID namespace (as root) or with
 * a user namespace in addition (unprivileged), else the in-process layers only.
 *
 * @module
 */

import { UserError } from "../util/errors.ts";

/** What the sandbox could set up on this machine (resolved once per interpreter). */
export interface SandboxInfo {
  /** Absolute path of the interpreter actually run (shims resolved). */
  python: string;
  /** The isolation layers in use, e.g. `["setsid", "unshare -n -p", "rlimits", "audit hook"]`. */
  layers: string[];
  /** Command prefix placed before the interpreter. */
  prefix: string[];
  /** Whether the wrapper must call `os.setsid()` itself (no `setsid` binary). */
  wrapperSetsid: boolean;
}

const setups = new Map<string, Promise<SandboxInfo>>();

async function succeeds(cmd: string[]): Promise<boolean> {
  try {
    const out = await new Deno.Command(cmd[0], {
      args: cmd.slice(1),
      stdin: "null",
      stdout: "null",
      stderr: "null",
    }).output();
    return out.success;
  } catch {
    return false;
  }
}

async function detectSetup(python: string): Promise<SandboxInfo> {
  let out: Deno.CommandOutput;
  try {
    out = await new Deno.Command(python, {
      args: [
        "-c",
        "import sys;print(sys.executable);print(sys.version_info>=(3,11))",
      ],
      stdin: "null",
    }).output();
  } catch (err) {
    throw new UserError(
      `runPython: cannot start the Python interpreter '${python}' (${
        (err as Error).message
      }); install Python >= 3.11 or pass options.python`,
    );
  }
  const [exe, recent] = new TextDecoder().decode(out.stdout).trim().split("\n");
  if (!out.success || !exe || recent !== "True") {
    throw new UserError(
      `runPython: '${python}' must be Python >= 3.11 (audit hooks, -P flag)`,
    );
  }
  const layers: string[] = [];
  const prefix: string[] = [];
  const hasSetsid = await succeeds(["setsid", "true"]);
  if (hasSetsid) {
    prefix.push("setsid");
    layers.push("setsid");
  }
  for (const ns of [["-n", "-p"], ["-r", "-n", "-p"]]) {
    const cmd = ["unshare", ...ns, "-f", "--kill-child"];
    if (await succeeds([...cmd, exe, "-c", "pass"])) {
      prefix.push(...cmd);
      layers.push(`unshare ${ns.join(" ")}`);
      break;
    }
  }
  layers.push("rlimits", "audit hook");
  return { python: exe, layers, prefix, wrapperSetsid: !hasSetsid };
}

/**
 * Resolves (once per interpreter name) the interpreter and the isolation layers available.
 *
 * @example
 * ```ts
 * import { sandboxInfo } from "./setup.ts";
 * console.log((await sandboxInfo()).layers); // e.g. ["setsid", "unshare -n -p", "rlimits", "audit hook"]
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
