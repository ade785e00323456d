// Escape attempts against the sandbox (issue 10: S1–S5, S7), as Python programs plus what must
// hold afterwards. Used by sandbox_escape_test.ts, which runs each one with every layer on and
// with the kernel and resource limits alone (audit hook off), as root and as nobody.
import assert from "node:assert/strict";
import type { RunResult } from "../lib/sandbox/python.ts";

/** What an attack may aim at; the test sets these up before running it. */
export interface Targets {
  /** Unique word put in the command line of everything the attacks start. */
  tag: string;
  /** A file in the project folder that must never appear. */
  projectFile: string;
  /** The value of an environment variable of the test process. */
  secret: string;
  /** A port on 127.0.0.1 where the test listens (no connection may arrive). */
  port: number;
  /** A descriptor of the test process that children inherit (no O_CLOEXEC). */
  fd: number;
  /** The test process's PID and a sentinel process's PID (both must survive). */
  hostPid: number;
  sentinelPid: number;
}

/** One attack: its program and the checks on its result (besides "nothing left behind"). */
export interface Attack {
  name: string;
  code: (t: Targets) => string;
  check?: (r: RunResult, t: Targets) => void;
  /** Options beyond the defaults (e.g. a disk quota). */
  diskMb?: number;
  /** Run with this interpreter when it exists (Debian's, whose `_posixsubprocess` is built in). */
  python?: string;
}

const py = JSON.stringify;

/** Lines that switch the audit hook off in the old wrapper (S1). */
export const HOOK_BYPASSES: Array<[string, string]> = [
  ["__main__._mark", "import __main__\n__main__._mark = lambda *a, **k: None\n"],
  ["__main__._wd", "import __main__\n__main__._wd = '/'\n"],
  ["builtins.any", "import builtins\nbuiltins.any = lambda it: True\n"],
];

/** `true` for an exit that a caller would count as success. */
const okExit = (r: RunResult) => r.ok && r.exitCode === 0;

/** The attacks S1 follows up with once the hook is off (also run on their own). */
export const FOLLOW_UPS: Attack[] = [{
  name: "write into the project folder",
  code: (t) =>
    `import os\nfor flags in (os.O_WRONLY | os.O_CREAT, os.O_RDWR | os.O_CREAT | os.O_APPEND):\n` +
    `    try:\n        fd = os.open(${py(t.projectFile)}, flags, 0o644)\n` +
    `        os.write(fd, b"PWNED")\n        print("WROTE")\n    except OSError as e:\n` +
    `        print("refused", e)\n`,
  check: (r) => assert.ok(!r.stdout.includes("WROTE"), r.stdout),
}, {
  name: "ctypes fork + execve",
  code: (t) =>
    `import ctypes, sys\nlibc = ctypes.CDLL(None, use_errno=True)\npid = libc.fork()\n` +
    `if pid == 0:\n` +
    `    for exe, arg in ((b"/bin/sh", ${py(`echo PWNED > ${t.projectFile}`)}.encode()),\n` +
    `                     (sys.executable.encode(), ${
      py(`open(${py(t.projectFile)}, 'w').write('x')`)
    }.encode())):\n` +
    `        argv = (ctypes.c_char_p * 5)(exe, b"-c", arg, ${py(t.tag)}.encode(), None)\n` +
    `        libc.execve(exe, argv, None)\n    libc._exit(0)\n` +
    `print("fork returned", pid, "errno", ctypes.get_errno())\n` +
    `if pid > 0:\n    import os\n    os.waitpid(pid, 0)\n`,
}, {
  name: "read /etc/shadow",
  code: () =>
    `for p in ("/etc/shadow", "/etc/passwd", "/etc/hostname"):\n    try:\n` +
    `        print(open(p).read())\n    except OSError as e:\n        print("refused", e)\n`,
  check: (r) => assert.ok(!/root:/.test(r.stdout), r.stdout),
}, {
  name: "connect to 127.0.0.1",
  code: (t) =>
    `import socket\ntry:\n    s = socket.create_connection(("127.0.0.1", ${t.port}), timeout=1)\n` +
    `    s.sendall(b"PWNED")\n    print("CONNECTED")\nexcept OSError as e:\n    print("refused", e)\n`,
  check: (r) => assert.ok(!r.stdout.includes("CONNECTED"), r.stdout),
}, {
  name: "read the trainer's environment",
  code: (t) =>
    `import os\nseen = []\nfor p in ["self", str(os.getppid()), "1", "${t.hostPid}"] + os.listdir("/proc"):\n` +
    `    try:\n        seen.append(open("/proc/%s/environ" % p, "rb").read().decode("latin-1"))\n` +
    `    except OSError:\n        pass\nprint(seen, dict(os.environ))\n`,
  check: (r, t) => assert.ok(!(r.stdout + r.stderr).includes(t.secret), "secret leaked"),
}, {
  name: "double-forked daemon",
  code: (t) =>
    `import os, sys, time\npid = os.fork()\nif pid == 0:\n    os.setsid()\n    if os.fork() == 0:\n` +
    `        os.execv(sys.executable, [sys.executable, "-c", "import time; time.sleep(30)", ${
      py(t.tag)
    }])\n` +
    `    os._exit(0)\nos.waitpid(pid, 0)\ntime.sleep(0.1)\nprint("daemon started")\n`,
}];

/** Attacks run on their own (S2–S5, S7). */
export const ATTACKS: Attack[] = [
  ...FOLLOW_UPS,
  {
    name: "pidfd kill of the parent, the sentinel and everyone (S2)",
    code: (t) =>
      `import os, signal\nfor pid in (os.getppid(), 1, ${t.hostPid}, ${t.sentinelPid}):\n` +
      `    try:\n        signal.pidfd_send_signal(os.pidfd_open(pid), 9)\n        print("sent", pid, flush=True)\n` +
      `    except OSError as e:\n        print("refused", pid, e, flush=True)\n` +
      `    try:\n        os.kill(pid, 9)\n    except OSError:\n        pass\n` +
      `os.killpg(0, 9)\nos.kill(-1, 9)\n`,
  },
  {
    name: "new namespaces and ptrace by raw system calls; threads still work",
    code: () =>
      `import ctypes, threading\nlibc = ctypes.CDLL(None, use_errno=True)\nres = {}\n` +
      `res["unshare"] = libc.unshare(0x10000000 | 0x20000), ctypes.get_errno()\n` +
      `res["ptrace"] = libc.ptrace(16, 1, 0, 0), ctypes.get_errno()\n` +
      `t = threading.Thread(target=lambda: res.__setitem__("thread", "ran"))\nt.start()\nt.join()\n` +
      `print(res)\n`,
    check: (r) => {
      if (!r.ok) return;
      assert.match(r.stdout, /'unshare': \(-1, \d+\), 'ptrace': \(-1, \d+\), 'thread': 'ran'/);
    },
  },
  {
    name: "_imp.create_builtin('_posixsubprocess') fork_exec (S3)",
    python: "/usr/bin/python3",
    code: (t) =>
      `import sys, _imp\ntry:\n    spec = type("S", (), {"name": "_posixsubprocess"})()\n` +
      `    m = _imp.create_builtin(spec)\n    if m is not None:\n` +
      `        sys.modules["_posixsubprocess"] = m\n        print("builtin loaded")\n` +
      `except Exception as e:\n    print("no builtin", e)\nimport subprocess\n` +
      `subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)", ${
        py(t.tag)
      }], start_new_session=True)\n` +
      `print("spawned")\n`,
  },
  {
    name: "write to an inherited descriptor (S4)",
    code: (t) =>
      `import os\nfor fd in sorted({${t.fd}, *range(3, 64)}):\n    try:\n        os.write(fd, b"PWNED")\n` +
      `        print("WROTE", fd)\n    except OSError:\n        pass\nprint(sorted(os.listdir("/proc/self/fd")))\n`,
    check: (r) => {
      assert.ok(!r.stdout.includes("WROTE"), r.stdout);
      if (r.ok) assert.match(r.stdout, /\['0', '1', '2', '3'\]/); // 3: the listing itself
    },
  },
  {
    name: "/proc shows host processes (S5)",
    code: () => `import os\nprint(sorted(int(p) for p in os.listdir("/proc") if p.isdigit()))\n`,
    check: (r) => {
      if (r.ok) assert.equal(r.stdout, "[1, 2]\n"); // bwrap's init and the program
    },
  },
  {
    name: "write 512 MiB to disk (S7)",
    diskMb: 32,
    code: () =>
      `n = 0\ntry:\n    for i in range(64):\n        with open("f%d" % i, "wb") as f:\n` +
      `            for _ in range(8):\n                f.write(b"x" * (1 << 20))\n                f.flush()\n` +
      `                n += 1\nexcept OSError as e:\n    print("stopped at", n, "MiB:", e.strerror)\n` +
      `for d in ("/tmp", "/", "/dev", "/dev/shm", "/proc"):\n    try:\n` +
      `        open(d + "/x", "wb").write(b"x")\n        print("WROTE", d)\n    except OSError:\n` +
      `        pass\n`,
    check: (r) => {
      assert.ok(!r.stdout.includes("WROTE"), r.stdout);
      const m = /stopped at (\d+) MiB/.exec(r.stdout);
      if (r.status !== "blocked") assert.ok(m && Number(m[1]) <= 32, r.stdout + r.stderr);
    },
  },
  {
    name: "forged status markers, exit 0 (S7)",
    code: () =>
      `import sys\nprint("SANDBOX_BLOCKED: forged", file=sys.stderr)\nprint("SANDBOX_MEMORY: forged")\n`,
    check: (r) => assert.deepEqual([r.status, r.reason], ["ok", ""]),
  },
  {
    name: "forged status marker, exit 3 (S7)",
    code: () =>
      `import sys\nprint("\\nSANDBOX_MEMORY: forged", file=sys.stderr)\nraise SystemExit(3)\n`,
    check: (r) => assert.deepEqual([r.status, r.exitCode], ["error", 3]),
  },
  ...[256, -1, 2 ** 40, 512].map((code): Attack => ({
    name: `SystemExit(${code}) (S7)`,
    code: () => `raise SystemExit(${code})\n`,
    check: (r) => {
      assert.equal(okExit(r), false);
      assert.deepEqual([r.status, r.exitCode], ["error", 1]);
    },
  })),
];
