// Adversarial programs in the sandbox, run directly (runPython) and as a candidate under test
// (runChecks through the coding reward). For every case: not ok, the exact status and reason,
// done within the limit plus a small margin, no process and no working directory left behind.
// All runs make their working directories in ROOT (option tmpDir), so that leftovers are ours.
import assert from "node:assert/strict";
import { runPython, type RunPythonOptions, type RunResult } from "../lib/sandbox/python.ts";
import { removeWorkdir } from "../lib/sandbox/cleanup.ts";
import { codingLevels, codingReward, evaluateCoding } from "../lib/envs/coding.ts";
import type { HumanEvalProblem } from "../lib/envs/datasets.ts";

const MARGIN_MS = 1500; // process start + kill + stream drain + cleanup, generous for slow CI
const ROOT = await Deno.makeTempDir({ prefix: "magrpo-adversarial-test-" });
const OUTSIDE = `${ROOT}-escape-${crypto.randomUUID()}.txt`; // a sibling of ROOT

/** Live processes whose working directory or HOME lies in ROOT (`pid: command line`). */
async function processesInRoot(): Promise<string[]> {
  const found: string[] = [];
  for await (const e of Deno.readDir("/proc")) {
    if (!/^\d+$/.test(e.name)) continue;
    const at = (f: string) => `/proc/${e.name}/${f}`;
    const cwd = await Deno.readLink(at("cwd")).catch(() => "");
    const env = await Deno.readTextFile(at("environ")).catch(() => "");
    if (cwd.startsWith(ROOT) || env.includes(`HOME=${ROOT}/`)) {
      const cmd = await Deno.readTextFile(at("cmdline")).catch(() => "");
      found.push(`${e.name}: ${cmd.replaceAll("\0", " ").slice(0, 80)}`);
    }
  }
  return found;
}

/** Asserts that no process (after a kill, allow up to 1 s to die) and no directory is left. */
async function assertNothingLeft(what: string): Promise<void> {
  let procs = await processesInRoot();
  for (let i = 0; i < 10 && procs.length > 0; i++) {
    await new Promise((r) => setTimeout(r, 100));
    procs = await processesInRoot();
  }
  assert.deepEqual(procs, [], `${what}: processes left behind`);
  const dirs = [];
  for await (const e of Deno.readDir(ROOT)) dirs.push(e.name);
  assert.deepEqual(dirs, [], `${what}: sandbox directories left behind`);
}

interface Case {
  name: string;
  code: string;
  options: RunPythonOptions & { timeoutMs: number };
  status: RunResult["status"];
  reason: string | RegExp;
  /** The limit the run must end within (default `options.timeoutMs`), plus MARGIN_MS. */
  limitMs?: number;
  check?: (r: RunResult) => void | Promise<void>;
}

const BLOCKED = (what: string) => `blocked: ${what} is not allowed in the sandbox`;

const CASES: Case[] = [{
  name: "infinite loop swallowing exceptions",
  code: "while True:\n    try:\n        pass\n    except BaseException:\n        pass",
  options: { timeoutMs: 800 },
  status: "timeout",
  reason: "wall-clock timeout after 800 ms",
  check: (r) => assert.ok(r.durationMs >= 800, `ended early: ${r.durationMs} ms`),
}, {
  name: "C-level loop (math.factorial)",
  code: "import math\nmath.factorial(10**8)",
  options: { timeoutMs: 800 },
  status: "timeout",
  reason: "wall-clock timeout after 800 ms",
  check: (r) => assert.ok(r.durationMs >= 800, `ended early: ${r.durationMs} ms`),
}, {
  name: "silent sleep (idle timeout)",
  code: "print('start', flush=True)\nimport time\ntime.sleep(30)",
  options: { timeoutMs: 20_000, idleTimeoutMs: 400 },
  limitMs: 400,
  status: "timeout",
  reason: "no output for 400 ms",
  check: (r) => assert.equal(r.stdout, "start\n"),
}, {
  name: "fork bomb",
  code: "import os\nwhile True:\n    os.fork()",
  options: { timeoutMs: 3000 },
  status: "blocked",
  reason: BLOCKED("os.fork"),
}, {
  name: "thread bomb",
  code: "import threading, time\nwhile True:\n" +
    "    threading.Thread(target=time.sleep, args=(100,)).start()",
  options: { timeoutMs: 3000 },
  status: "error",
  reason: /^RuntimeError: can't start new thread \(exit code 1\)$/,
}, {
  name: "subprocess",
  code: "import subprocess\nsubprocess.run(['sleep', '100'])",
  options: { timeoutMs: 3000 },
  status: "blocked",
  reason: "blocked: import module '_posixsubprocess'",
}, {
  name: "kill the parent",
  code: "import os\nos.kill(os.getppid(), 9)",
  options: { timeoutMs: 3000 },
  status: "blocked",
  reason: BLOCKED("os.kill"),
}, {
  name: "ctypes",
  code: "import ctypes",
  options: { timeoutMs: 3000 },
  status: "blocked",
  reason: "blocked: import module 'ctypes'",
}, {
  name: "raise the memory limit",
  code: "import resource\nresource.setrlimit(resource.RLIMIT_AS, (-1, -1))",
  options: { timeoutMs: 3000 },
  status: "blocked",
  reason: BLOCKED("resource.setrlimit"),
}, {
  name: "memory bomb, one 2 GiB allocation",
  code: "x = bytearray(2 * 1024**3)",
  options: { timeoutMs: 5000, memoryMb: 256 },
  status: "memory",
  reason: "memory limit exceeded (MemoryError)",
}, {
  name: "memory bomb, growing list",
  code: "xs = []\nwhile True:\n    xs.append('x' * 10**6)",
  options: { timeoutMs: 10_000, memoryMb: 256 },
  status: "memory",
  reason: "memory limit exceeded (MemoryError)",
}, {
  name: "huge print on stdout",
  code: "while True:\n    print('x' * 1000)",
  options: { timeoutMs: 5000, maxOutputBytes: 50_000 },
  status: "output_limit",
  reason: "stdout exceeded 50000 bytes",
  check: (r) => assert.equal(r.stdout.length, 50_000),
}, {
  name: "huge print on stderr",
  code: "import sys\nwhile True:\n    sys.stderr.write('e' * 1000)",
  options: { timeoutMs: 5000, maxOutputBytes: 20_000 },
  status: "output_limit",
  reason: "stderr exceeded 20000 bytes",
  check: (r) => assert.equal(r.stderr.length, 20_000),
}, {
  name: "write outside the working directory",
  code: `open(${JSON.stringify(OUTSIDE)}, "w").write("x")`,
  options: { timeoutMs: 3000 },
  status: "blocked",
  reason: `blocked: open for writing path '${OUTSIDE}' is outside the allowed directory`,
  check: async () => assert.equal(await Deno.lstat(OUTSIDE).then(() => true, () => false), false),
}, {
  name: "read outside the working directory",
  code: "print(open('/etc/passwd').read())",
  options: { timeoutMs: 3000 },
  status: "blocked",
  reason: "blocked: open path '/etc/passwd' is outside the allowed directory",
}, {
  name: "chdir out of the working directory",
  code: "import os\nos.chdir('/')\nopen('x', 'w')",
  options: { timeoutMs: 3000 },
  status: "blocked",
  reason: "blocked: os.chdir path '/' is outside the allowed directory",
}, {
  name: "symlink to /etc",
  code: "import os\nos.symlink('/etc', 'e')\nprint(os.listdir('e'))",
  options: { timeoutMs: 3000 },
  status: "blocked",
  reason: BLOCKED("os.symlink"),
}, {
  name: "disk filler",
  code: "f = open('big', 'wb')\nfor _ in range(40):\n    f.write(b'x' * 10**6)",
  options: { timeoutMs: 5000, fileSizeMb: 4 },
  status: "error",
  reason: /File too large/,
}, {
  name: "socket",
  code: "import socket\ns = socket.socket()\ns.connect(('127.0.0.1', 9))",
  options: { timeoutMs: 3000 },
  status: "blocked",
  reason: BLOCKED("socket.__new__"),
}];

Deno.test("sandbox adversarial: a normal run and a chmod-000 tree leave nothing behind", async () => {
  const r = await runPython(
    "import os\nos.mkdir('d')\nopen('d/f', 'w').write('x')\nos.chmod('d', 0)\nprint(os.getcwd())",
    { tmpDir: ROOT },
  );
  assert.equal(r.status, "ok");
  assert.ok(r.stdout.startsWith(`${ROOT}/magrpo-sandbox-`), r.stdout);
  assert.equal(r.cleanupError, "");
  await assertNothingLeft("normal run");
});

for (const c of CASES) {
  Deno.test(`sandbox adversarial: ${c.name}`, async () => {
    const t0 = performance.now();
    const r = await runPython(c.code, { ...c.options, tmpDir: ROOT });
    const wall = performance.now() - t0;
    const bound = (c.limitMs ?? c.options.timeoutMs) + MARGIN_MS;
    assert.equal(r.ok, false);
    assert.equal(r.status, c.status, r.reason);
    if (typeof c.reason === "string") assert.equal(r.reason, c.reason);
    else assert.match(r.reason, c.reason);
    assert.ok(r.durationMs <= bound, `durationMs ${r.durationMs} > ${bound}`);
    assert.ok(wall <= bound, `wall ${wall} ms > ${bound}`);
    assert.equal(r.cleanupError, "");
    await c.check?.(r);
    await assertNothingLeft(c.name);
  });
}

const DOUBLE: HumanEvalProblem = {
  task_id: "adversarial/double",
  prompt: "def double(x):\n",
  canonical_solution: "    return 2 * x\n",
  test: "def check(candidate):\n    assert candidate(1) == 2\n    assert candidate(2) == 4\n" +
    "    assert candidate(3) == 6\n",
  entry_point: "double",
};

/** Main bodies that misbehave on x == 2 only, and the error the middle test must record. */
const MAIN_CASES: Array<[string, string, "error" | "timeout", string]> = [
  ["fork bomb", "import os\nwhile True:\n    os.fork()", "error", BLOCKED("os.fork")],
  [
    "memory bomb",
    "xs = []\nwhile True:\n    xs.append(bytearray(10**8))",
    "error",
    "MemoryError",
  ],
  ["huge print", "while True:\n    print('x' * 1000)", "timeout", "timed out after 1 s"],
  [
    "huge stderr",
    "import sys\nwhile True:\n    sys.stderr.write('e' * 1000)",
    "timeout",
    "timed out after 1 s",
  ],
  [
    "socket",
    "import socket\nsocket.socket().connect(('127.0.0.1', 9))",
    "error",
    BLOCKED("socket.__new__"),
  ],
  [
    "write outside",
    `open(${JSON.stringify(OUTSIDE)}, 'w').write('x')`,
    "error",
    `blocked: open for writing path '${OUTSIDE}' is outside the allowed directory`,
  ],
  ["infinite loop", "while True:\n    pass", "timeout", "timed out after 1 s"],
];

for (const [name, body, status, error] of MAIN_CASES) {
  Deno.test(`coding reward adversarial: main with a ${name} fails that test only`, async () => {
    const indented = body.split("\n").map((l) => `        ${l}`).join("\n");
    const main = `def double(x):\n    if x == 2:\n${indented}\n    return 2 * x\n`;
    const options = { testTimeoutMs: 1000, memoryMb: 256, tmpDir: ROOT };
    const t0 = performance.now();
    const report = await evaluateCoding("", main, DOUBLE, options);
    const wall = performance.now() - t0;
    const tests = report.checks!.tests.map((t) => [t.status, t.error]);
    assert.deepEqual(tests, [["pass", ""], [status, error], ["pass", ""]]);
    // The reward is still computed: 0.6 (main) + 0.5 (parses) + 2/3 (tests), no aux.
    const reward = codingLevels(report);
    assert.equal(reward.total, 1.766666667);
    assert.deepEqual(reward.levels, {
      aux_defined: 0,
      main_defined: 0.6,
      syntax: 0.5,
      tests: 2 / 3,
      aux_used: 0,
      not_wrapper: 0,
    });
    const bound = 3 * 1000 + MARGIN_MS; // three tests of at most 1 s each, plus the margin
    assert.ok(wall <= bound, `wall ${wall} ms > ${bound}`);
    assert.equal(await Deno.lstat(OUTSIDE).then(() => true, () => false), false);
    await assertNothingLeft(name);
  });
}

Deno.test("coding reward adversarial: codingReward itself, fork bomb in main", async () => {
  const main = "def double(x):\n    import os\n    while True:\n        os.fork()\n    return x\n";
  const r = await codingReward("", main, DOUBLE, { testTimeoutMs: 1000, tmpDir: ROOT });
  assert.deepEqual([r.total, r.levels.tests], [1.1, 0]); // every test fails, reward computed
  await assertNothingLeft("codingReward");
});

Deno.test("sandbox cleanup: locked trees are removed; what cannot be removed is reported", async () => {
  const dir = await Deno.makeTempDir({ dir: ROOT, prefix: "magrpo-sandbox-" });
  await Deno.mkdir(`${dir}/a/b`, { recursive: true });
  await Deno.writeTextFile(`${dir}/a/b/f`, "x");
  await Deno.chmod(`${dir}/a/b`, 0o000);
  await Deno.chmod(`${dir}/a`, 0o000);
  assert.equal(await removeWorkdir(dir), "");
  assert.equal(await Deno.lstat(dir).then(() => true, () => false), false);
  assert.equal(await removeWorkdir(dir), ""); // already gone
  // procfs refuses removal (and chmod) even to root: the failure is reported, not swallowed.
  assert.match(
    await removeWorkdir("/proc/self/task"),
    /^could not remove the sandbox working directory '\/proc\/self\/task': .*(not permitted|denied)/,
  );
  await assertNothingLeft("cleanup");
  await Deno.remove(ROOT); // empty: every run above cleaned up after itself
});
