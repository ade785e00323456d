/**
 * A seccomp filter for the sandboxed program (x86-64 only), as the classic BPF program that
 * bubblewrap loads with `--seccomp FD` right before it starts the interpreter. It refuses with
 * EPERM every way to send a signal (`kill`, `tkill`, `tgkill`, `rt_(tg)sigqueueinfo`,
 * `pidfd_send_signal`, `pidfd_open`, `pidfd_getfd`), to reach another process's memory
 * (`ptrace`, `process_vm_readv/writev`, `kcmp`), to make namespaces or mounts (`unshare`,
 * `setns`, `mount`, `umount2`, `pivot_root`, `chroot`, `clone` with a `CLONE_NEW*` flag), and
 * the kernel interfaces a program under test never needs (`bpf`, `perf_event_open`,
 * `userfaultfd`, `io_uring_*`, keyrings, modules, `kexec_*`, `reboot`, swap, clocks, `syslog`,
 * `quotactl`, file handles, `acct`). `clone3` answers ENOSYS (its flags live in memory a filter
 * cannot read; the C library then falls back to `clone`). System calls of another ABI (i386
 * through `int 0x80`, x32) kill the process.
 *
 * @module
 */

const AUDIT_ARCH_X86_64 = 0xc000003e;
const X32_BIT = 0x40000000;
const EPERM = 1;
const ENOSYS = 38;
const SECCOMP_RET_KILL_PROCESS = 0x80000000;
const SECCOMP_RET_ERRNO = 0x00050000;
const SECCOMP_RET_ALLOW = 0x7fff0000;
/** CLONE_NEWNS | NEWCGROUP | NEWUTS | NEWIPC | NEWUSER | NEWPID | NEWNET. */
const CLONE_NEW_ANY = 0x7e020000;
const CLONE = 56;
const CLONE3 = 435;

/** x86-64 numbers of the refused system calls, by name (kept for readable tests). */
export const DENIED_X86_64: Record<string, number> = {
  kill: 62,
  tkill: 200,
  tgkill: 234,
  rt_sigqueueinfo: 129,
  rt_tgsigqueueinfo: 297,
  pidfd_send_signal: 424,
  pidfd_open: 434,
  pidfd_getfd: 438,
  ptrace: 101,
  process_vm_readv: 310,
  process_vm_writev: 311,
  kcmp: 312,
  unshare: 272,
  setns: 308,
  mount: 165,
  umount2: 166,
  pivot_root: 155,
  chroot: 161,
  bpf: 321,
  perf_event_open: 298,
  userfaultfd: 323,
  io_uring_setup: 425,
  io_uring_enter: 426,
  io_uring_register: 427,
  keyctl: 250,
  add_key: 248,
  request_key: 249,
  init_module: 175,
  finit_module: 313,
  delete_module: 176,
  kexec_load: 246,
  kexec_file_load: 320,
  reboot: 169,
  swapon: 167,
  swapoff: 168,
  acct: 163,
  settimeofday: 164,
  clock_settime: 227,
  adjtimex: 159,
  clock_adjtime: 305,
  syslog: 103,
  quotactl: 179,
  name_to_handle_at: 303,
  open_by_handle_at: 304,
};

// Classic BPF opcodes.
const LD_W_ABS = 0x20;
const JEQ_K = 0x15;
const JGE_K = 0x35;
const JSET_K = 0x45;
const RET_K = 0x06;

type Insn = [code: number, jt: number, jf: number, k: number];

/**
 * The filter as bytes (`struct sock_filter[]`, little-endian), or `null` on a machine other
 * than x86-64 (the sandbox then runs without this layer and says so in its layers).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { seccompFilter } from "./seccomp.ts";
 * const bytes = seccompFilter("x86_64");
 * assert.ok(bytes !== null && bytes.length > 0 && bytes.length % 8 === 0); // 8 bytes per instruction
 * ```
 */
export function seccompFilter(arch: string = Deno.build.arch): Uint8Array | null {
  if (arch !== "x86_64") return null;
  const denied = Object.values(DENIED_X86_64);
  // Layout: header (4), x32 check (1), one JEQ per denied call, clone (4), clone3 (1),
  // then ALLOW, EPERM, ENOSYS, KILL.
  const body: Insn[] = [];
  const n = 4 + 1 + denied.length + 4 + 1;
  const ALLOW = n, DENY = n + 1, NOSYS = n + 2, KILL = n + 3;
  const jump = (from: number, to: number) => to - from - 1;
  body.push([LD_W_ABS, 0, 0, 4]); // arch
  body.push([JEQ_K, 1, 0, AUDIT_ARCH_X86_64]);
  body.push([RET_K, 0, 0, SECCOMP_RET_KILL_PROCESS]);
  body.push([LD_W_ABS, 0, 0, 0]); // syscall number
  body.push([JGE_K, jump(4, KILL), 0, X32_BIT]);
  for (const nr of denied) body.push([JEQ_K, jump(body.length, DENY), 0, nr]);
  const at = body.length;
  body.push([JEQ_K, 0, 2, CLONE]);
  body.push([LD_W_ABS, 0, 0, 16]); // low 32 bits of the first argument: the flags
  body.push([JSET_K, jump(at + 2, DENY), jump(at + 2, ALLOW), CLONE_NEW_ANY]);
  body.push([LD_W_ABS, 0, 0, 0]); // clone was not the call: reload the number
  body.push([JEQ_K, jump(at + 4, NOSYS), 0, CLONE3]);
  body.push([RET_K, 0, 0, SECCOMP_RET_ALLOW]);
  body.push([RET_K, 0, 0, SECCOMP_RET_ERRNO | EPERM]);
  body.push([RET_K, 0, 0, SECCOMP_RET_ERRNO | ENOSYS]);
  body.push([RET_K, 0, 0, SECCOMP_RET_KILL_PROCESS]);
  const bytes = new Uint8Array(body.length * 8);
  const view = new DataView(bytes.buffer);
  body.forEach(([code, jt, jf, k], i) => {
    if (jt > 255 || jf > 255 || jt < 0 || jf < 0) throw new Error(`seccomp: bad jump at ${i}`);
    view.setUint16(i * 8, code, true);
    view.setUint8(i * 8 + 2, jt);
    view.setUint8(i * 8 + 3, jf);
    view.setUint32(i * 8 + 4, k >>> 0, true);
  });
  return bytes;
}

/**
 * The filter as a `printf` format that writes exactly its bytes (`\xHH` each), for the shell
 * that hands it to bwrap on a descriptor (no file involved); `null` when this machine has none.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { seccompPrintf } from "./seccomp.ts";
 * assert.equal(seccompPrintf("x86_64")!.slice(0, 16), "\\x20\\x00\\x00\\x00"); // the first instruction
 * ```
 */
export function seccompPrintf(arch: string = Deno.build.arch): string | null {
  const bytes = seccompFilter(arch);
  if (!bytes) return null;
  return Array.from(bytes, (b) => `\\x${b.toString(16).padStart(2, "0")}`).join("");
}
