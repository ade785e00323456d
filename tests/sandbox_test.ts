import assert from "node:assert/strict";
import { runPython } from "../lib/sandbox/python.ts";
import { sandboxInfo } from "../lib/sandbox/setup.ts";
import { createLimiter, mapLimit } from "../lib/sandbox/pool.ts";
import { runChecks } from "../lib/sandbox/checks.ts";
import { UserError } from "../lib/util/errors.ts";
import { parseLdd } from "../lib/sandbox/interpreter.ts";
import { DENIED_X86_64, seccompFilter } from "../lib/sandbox/seccomp.ts";
import { classify, signalFromCode } from "../lib/sandbox/outcome.ts";

/** Sandboxed interpreters still alive (their command line carries the wrapper source). */
async function leftoverSandboxes(): Promise<number> {
  const out = await new Deno.Command("ps", { args: ["-eo", "args"] }).output();
  return new TextDecoder().decode(out.stdout).split("\n")
    .filter((l) => l.includes("SANDBOX_") && l.includes("-P -s -S")).length;
}

Deno.test("sandbox: detects interpreter and layers", async () => {
  const info = await sandboxInfo();
  assert.ok(info.python.startsWith("/"));
  assert.ok(info.layers.includes("rlimits"));
  assert.ok(info.layers.includes("audit hook"));
  console.log(`sandbox layers: ${info.layers.join(", ")}`);
});

Deno.test("sandbox: ok run, exact stdout, non-ASCII, empty program", async () => {
  const r = await runPython("print(sum(range(10)))\nprint('héllo ✓ 日本')", {
    timeoutMs: 5000,
  });
  assert.equal(r.ok, true);
  assert.equal(r.status, "ok");
  assert.equal(r.exitCode, 0);
  assert.equal(r.stdout, "45\nhéllo ✓ 日本\n");
  assert.equal(r.reason, "");
  const empty = await runPython("", { timeoutMs: 5000 });
  assert.equal(empty.status, "ok");
  assert.equal(empty.stdout, "");
});

Deno.test("sandbox: exceptions, exit codes and closed stdin are errors", async () => {
  const [div, exit3, inp] = await Promise.all([
    runPython("1/0"),
    runPython("import sys\nsys.exit(3)"),
    runPython("input()"),
  ]);
  assert.equal(div.status, "error");
  assert.match(div.reason, /ZeroDivisionError: division by zero/);
  assert.match(div.stderr, /line 1/);
  assert.equal(exit3.status, "error");
  assert.equal(exit3.exitCode, 3);
  assert.equal(exit3.reason, "exit code 3");
  assert.equal(inp.status, "error");
  assert.match(inp.reason, /EOFError/);
});

Deno.test("sandbox: bad options and code are UserErrors", async () => {
  await assert.rejects(() => runPython("pass", { timeoutMs: -1 }), UserError);
  await assert.rejects(
    () => runPython("pass", { memoryMb: Number.NaN }),
    UserError,
  );
  await assert.rejects(() => runPython(42 as unknown as string), UserError);
  await assert.rejects(
    () => runPython("pass", { python: "no-such-python-xyz" }),
    UserError,
  );
  await assert.rejects(
    () => runPython("pass", { tmpDir: "/no/such/dir-xyz" }),
    (e: unknown) =>
      e instanceof UserError &&
      e.message.startsWith(
        "runPython: cannot make a working directory in '/no/such/dir-xyz' (option 'tmpDir'): ",
      ),
  );
});

Deno.test("pool: limiter bounds concurrency and keeps order", async () => {
  const limit = createLimiter(2);
  let active = 0;
  let peak = 0;
  const out = await Promise.all([1, 2, 3, 4, 5].map((x) =>
    limit(async () => {
      peak = Math.max(peak, ++active);
      await new Promise((r) => setTimeout(r, 10));
      active--;
      return x * 10;
    })
  ));
  assert.deepEqual(out, [10, 20, 30, 40, 50]);
  assert.equal(peak, 2);
  assert.deepEqual(
    await mapLimit([1, 2, 3], 2, (x) => Promise.resolve(x * x)),
    [1, 4, 9],
  );
  await assert.rejects(
    () => limit(() => Promise.reject(new Error("boom"))),
    /boom/,
  );
  assert.equal(await limit(() => Promise.resolve(7)), 7); // slot was released
  assert.throws(() => createLimiter(0), UserError);
});

Deno.test("sandbox: many programs in parallel all succeed", async () => {
  const rs = await mapLimit(
    Array.from({ length: 12 }, (_, i) => i),
    12,
    (i) => runPython(`print(${i} * ${i})`),
  );
  assert.deepEqual(
    rs.map((r) => r.stdout),
    Array.from({ length: 12 }, (_, i) => `${i * i}\n`),
  );
});

/** Test statuses of a checks report, comma-joined. */
const statuses = (r: { tests: Array<{ status: string }> }) =>
  r.tests.map((t) => t.status).join(",");

const TEST = `
def check(candidate):
    assert candidate(1, 2) == 3
    assert candidate(2, 2) == 5, "two plus two"
    x = 10
    assert candidate(x, 1) == 11
    for i in range(3):
        assert candidate(i, i) == 2 * i
    assert True
`;

Deno.test("checks: each assert separately; setup lines are not tests", async () => {
  const r = await runChecks("def add(a, b):\n    return a + b\n", TEST, "add");
  assert.equal(r.total, 4);
  assert.equal(r.passed, 3);
  assert.equal(statuses(r), "pass,fail,pass,pass");
  assert.equal(r.tests[1].error, "AssertionError: two plus two");
  assert.equal(
    r.tests[1].source,
    'assert candidate(2, 2) == 5, "two plus two"',
  );
  assert.equal(r.runs, 1);
});

const HANG_IGNORING_ALARM = `import signal
def add(a, b):
    if a == 2:
        signal.signal(signal.SIGALRM, signal.SIG_IGN)
        while True:
            pass
    return a + b
`;

Deno.test("checks: timeouts per assert, C-level hangs restart, stop after 3 timeouts", async () => {
  const opts = { testTimeoutMs: 400 };
  const [py, c, all] = await Promise.all([
    runChecks(
      "def add(a, b):\n    while a == 2:\n        pass\n    return a + b\n",
      TEST,
      "add",
      opts,
    ),
    runChecks(HANG_IGNORING_ALARM, TEST, "add", opts),
    runChecks(
      "def add(a, b):\n    while True:\n        pass\n",
      TEST,
      "add",
      opts,
    ),
  ]);
  assert.equal(statuses(py), "pass,timeout,pass,timeout");
  assert.equal(py.runs, 1);
  // the program defeats the in-process timer; the loop test calls add(2, 2) too:
  // two hard kills (no output for testTimeoutMs + 1 s), three processes
  assert.equal(statuses(c), "pass,timeout,pass,timeout");
  assert.equal(c.tests[1].error, "no output for 1400 ms");
  assert.equal(c.passed, 2);
  assert.equal(c.runs, 3);
  assert.equal(statuses(all), "timeout,timeout,timeout,skipped");
  assert.equal(all.timeouts, 3);
  assert.equal(all.tests[3].error, "not run: 3 tests timed out");
  assert.equal(await leftoverSandboxes(), 0); // hard-killed processes are gone too
});

Deno.test("checks: os._exit, __eq__ tricks, load errors, missing entry point, bad tests", async () => {
  const [exit, eq, load, missing, noCheck, syntax] = await Promise.all([
    runChecks(
      "import os\ndef add(a, b):\n    if a == 2:\n        os._exit(0)\n    return a + b\n",
      TEST,
      "add",
    ),
    runChecks(
      "class A:\n    def __eq__(s, o):\n        return True\ndef add(a, b):\n    return A()\n",
      TEST,
      "add",
    ),
    runChecks("raise ValueError('boom')\n", TEST, "add"),
    runChecks("def plus(a, b):\n    return a + b\n", TEST, "add"),
    runChecks("def add(a, b):\n    return a + b\n", "assert True\n", "add"),
    runChecks("def add(a, b)\n    return a + b\n", TEST, "add"),
  ]);
  assert.equal(statuses(exit), "pass,error,pass,error");
  assert.equal(exit.runs, 3);
  assert.equal(
    exit.tests[1].error,
    "the program ended the test run early (sys.exit or os._exit)",
  );
  assert.equal(eq.passed, 0);
  assert.match(eq.tests[0].error, /^TypeError: returned an object of type A/);
  assert.equal(load.loadError, "ValueError: boom");
  assert.equal(load.tests.every((t) => t.status === "skipped"), true);
  assert.equal(missing.loadError, "the program does not define add()");
  assert.equal(
    noCheck.planError,
    "the test code defines no check(candidate) function",
  );
  assert.equal(noCheck.total, 0);
  assert.deepEqual(syntax.syntax, {
    ok: false,
    line: 1,
    col: 14,
    message: "expected ':'",
  });
});

Deno.test("sandbox: without user namespaces it refuses in one line, unless unsafe: true", async () => {
  // A child process in a user namespace that may not create further ones stands for a kernel
  // (or container) that refuses namespaces.
  const lib = new URL("../lib/sandbox/python.ts", import.meta.url).href;
  const script = `import { runPython } from ${JSON.stringify(lib)};
let refused = "";
try { await runPython("print(1)"); } catch (e) { refused = e.name + ": " + e.message; }
const r = await runPython("print(6 * 7)", { unsafe: true });
console.log(JSON.stringify({ refused, status: r.status, stdout: r.stdout }));`;
  const out = await new Deno.Command("bwrap", {
    args: [
      ...["--dev-bind", "/", "/", "--unshare-user", "--disable-userns", "--"],
      ...[Deno.execPath(), "eval", "--no-config", script],
    ],
    stdin: "null",
  }).output();
  const dec = new TextDecoder();
  assert.equal(out.code, 0, dec.decode(out.stderr));
  const got = JSON.parse(dec.decode(out.stdout).trim().split("\n").pop()!);
  assert.match(
    got.refused,
    /^UserError: runPython: refusing to run untrusted code without operating-system isolation: .*\(pass unsafe: true to run with resource limits and the audit hook only\)$/,
  );
  assert.equal(got.refused.includes("\n"), false);
  assert.deepEqual([got.status, got.stdout], ["ok", "42\n"]);
  assert.match(dec.decode(out.stderr), /unsafe: true, running WITHOUT operating-system isolation/);
});

Deno.test("sandbox parts: ldd output, seccomp program, exit statuses", () => {
  const ldd = "/usr/bin/python3.11:\n\tlinux-vdso.so.1 (0x00007ffd)\n" +
    "\tlibm.so.6 => /lib/x86_64-linux-gnu/libm.so.6 (0x00007f1)\n" +
    "\tlibz.so.1 => not found\n\t/lib64/ld-linux-x86-64.so.2 (0x00007f2)\n";
  assert.deepEqual(parseLdd(ldd), [
    "/lib/x86_64-linux-gnu/libm.so.6",
    "/lib64/ld-linux-x86-64.so.2",
  ]);
  const bpf = seccompFilter("x86_64")!;
  const n = Object.keys(DENIED_X86_64).length;
  assert.equal(bpf.length, 8 * (n + 14)); // header 5, one per call, clone 5, 4 returns
  const view = new DataView(bpf.buffer);
  assert.equal(view.getUint32(4 + 8, true), 0xc000003e); // checks the architecture first
  assert.equal(view.getUint32(bpf.length - 4, true), 0x80000000); // other ABIs: kill
  assert.equal(seccompFilter("aarch64"), null);
  assert.deepEqual(classify(0, null, "SANDBOX_BLOCKED: forged\n"), { status: "ok", reason: "" });
  assert.equal(classify(86, null, "x\nSANDBOX_BLOCKED: os.fork\n").status, "blocked");
  assert.equal(classify(3, null, "SANDBOX_BLOCKED: forged\n").status, "error");
  assert.equal(signalFromCode(137), "SIGKILL");
  assert.equal(signalFromCode(125), null);
});
