// Execution providers: an unavailable one falls back to CPU with one clear message (or fails when
// asked not to fall back); the CPU session computes the right numbers either way.
import assert from "node:assert/strict";
import { input, newGraph } from "../lib/engine/graph.ts";
import { mul } from "../lib/engine/ops.ts";
import { toOnnx } from "../lib/engine/onnx.ts";
import { type ExecutionProvider, openSession, openSessionCount } from "../lib/engine/runtime.ts";
import { releaseSessions } from "../lib/engine/session_cache.ts";
import { decodeSession } from "../lib/policy/decode.ts";
import { loadPolicy } from "../lib/policy/load.ts";
import { UserError } from "../lib/util/errors.ts";

function squareModel(): Uint8Array {
  const g = newGraph();
  const x = input(g, "x", [2]);
  return toOnnx(g, { outputs: { y: mul(x, x) } });
}

Deno.test("'cuda' without ORT's CUDA libraries falls back to CPU with one clear message", async () => {
  const bytes = squareModel();
  const messages: string[] = [];
  const s = await openSession(bytes, { ep: "cuda", warn: (m) => messages.push(m) });
  assert.equal(s.ep, "cpu");
  assert.equal(messages.length, 1);
  assert.match(messages[0], /execution provider 'cuda' is not available .*falling back to 'cpu'/);
  const out = await s.run({ x: { data: new Float32Array([2, 3]), dims: [2] } });
  assert.deepEqual(Array.from(out.y.data as Float32Array), [4, 9]);
  await s.release();
  await assert.rejects(
    () => openSession(bytes, { ep: "cuda", fallback: false }),
    (e: Error) => e instanceof UserError && /'cuda' is not available/.test(e.message),
  );
});

Deno.test("'webgpu' runs where an adapter exists, else falls back to CPU with one message", async () => {
  const bytes = squareModel();
  const messages: string[] = [];
  const ep: ExecutionProvider = "webgpu";
  const s = await openSession(bytes, { ep, warn: (m) => messages.push(m) });
  if (s.ep === "cpu") {
    // No GPU (CI): ORT says "Failed to get a WebGPU adapter"; we say it once, then use the CPU.
    assert.equal(messages.length, 1);
    assert.match(
      messages[0],
      /execution provider 'webgpu' is not available .*falling back to 'cpu'/,
    );
  } else {
    assert.equal(s.ep, "webgpu");
    assert.equal(messages.length, 0);
  }
  const out = await s.run({ x: { data: new Float32Array([-1.5, 4]), dims: [2] } });
  assert.deepEqual(Array.from(out.y.data as Float32Array), [2.25, 16]);
  await s.release();
});

Deno.test("releaseSessions frees every cached compiled graph; the next use compiles again", async () => {
  const policy = await loadPolicy("data/default-model");
  releaseSessions();
  await new Promise((r) => setTimeout(r, 0));
  const base = openSessionCount();
  const a = await decodeSession(policy.cfg);
  assert.equal(openSessionCount(), base + 1);
  assert.equal(await decodeSession(policy.cfg), a, "cached: the same session");
  assert.ok(releaseSessions() >= 1);
  await new Promise((r) => setTimeout(r, 0));
  assert.equal(openSessionCount(), base, "released");
  const b = await decodeSession(policy.cfg);
  assert.notEqual(b, a);
  assert.equal(openSessionCount(), base + 1);
  releaseSessions();
});
