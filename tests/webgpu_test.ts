// The WebGPU execution provider (on Mesa's lavapipe in CI: tools/test.sh installs it): forward
// logits and one train step agree with the CPU provider, every hot node of the train step runs on
// WebGpuExecutionProvider (ORT's profile says which provider ran each node), and a provider that
// cannot start with fallback off is an error.
//
// Tolerances (not bit equality). Both providers compute in float32 but sum in different orders
// (tiled GPU matmuls and reductions vs MLAS), so a dot product of K terms may differ by about
// K·ε·Σ|aᵢbᵢ| (ε = 2⁻²³ ≈ 1.2e-7), compounded over the layers: for this model (K ≤ 64, 2 layers)
// ~1e-6 of the logits' scale. We allow 1e-5·(1 + max|x|) on logits and log-probs, 1e-5 relative on
// the loss and 1e-4 on the gradient norm and on each gradient (relative L2 error: the backward
// sums over B·T more terms). Measured on lavapipe (Mesa 25.0.7): logits 6.5e-6 at max|x| = 6.1,
// log-probs 3.3e-6, loss 1.1e-6 relative, gradients 3.7e-6 relative. One AdamW step moves a weight
// by lr·g/(|g|+ε) ≈ ±lr, so new weights may differ by up to 2·lr where a g ≈ 0 changes sign; they
// are compared to lr·1e-2 where |g| is above 1e-3 of the largest |g| (measured: 9.5e-7, one ulp).
import assert from "node:assert/strict";
import { configureRuntime, openSession } from "../lib/engine/runtime.ts";
import { releaseSessions } from "../lib/engine/session_cache.ts";
import { hotOnCpu, providerCounts, readProfile } from "../lib/engine/profile.ts";
import { initTrainState } from "../lib/engine/optim_step.ts";
import { computeLogits } from "../lib/policy/logits.ts";
import { decodeSession } from "../lib/policy/decode.ts";
import { sampleTokens } from "../lib/policy/sample.ts";
import { createTrainStep, type PgBatch } from "../lib/rl/train_step.ts";
import { makeRng } from "../lib/util/rng.ts";
import { UserError } from "../lib/util/errors.ts";
import { input, newGraph } from "../lib/engine/graph.ts";
import { logSoftmax, mul, reduceSum } from "../lib/engine/ops.ts";
import { gather } from "../lib/engine/shape_ops.ts";
import { constant } from "../lib/engine/graph.ts";
import { gradCheck } from "../lib/engine/gradcheck.ts";
import { buildFor } from "../lib/engine/target.ts";
import { toOnnx } from "../lib/engine/onnx.ts";
import { randomPolicy, tinyConfig } from "./fixtures.ts";

const cfg = tinyConfig();
const policy = randomPolicy(cfg, 7, 0.3);

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}
function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
}
function norm(a: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * a[i];
  return Math.sqrt(s);
}

/** WebGPU must start here: CI installs lavapipe (tools/test.sh ensure_lavapipe). */
async function requireWebGpu(): Promise<void> {
  const g = newGraph();
  const x = input(g, "x", [2]);
  try {
    const s = await openSession(toOnnx(g, { outputs: { y: mul(x, x) } }), {
      ep: "webgpu",
      fallback: false,
    });
    await s.release();
  } catch (e) {
    throw new UserError(
      `${(e as Error).message}. WebGPU needs a Vulkan driver: run 'bash tools/test.sh' as root ` +
        "once (it installs Mesa's lavapipe from bookworm-backports), or install a GPU driver",
    );
  }
}

/** A B×T batch of random tokens, every position trained with a ±1 advantage. */
function batchOf(b: number, t: number, seed: number): PgBatch {
  const rng = makeRng(seed), n = b * t;
  const ids = BigInt64Array.from({ length: n }, () => BigInt(Math.floor(rng.next() * 256)));
  const targets = BigInt64Array.from({ length: n }, (_, i) => ids[(i + 1) % n]);
  const positions = BigInt64Array.from({ length: n }, (_, i) => BigInt(i % t));
  return {
    ids,
    targets,
    positions,
    attn: new Float32Array(n).fill(1),
    weights: new Float32Array(n).fill(1 / n),
    adv: Float32Array.from({ length: n }, (_, i) => (Math.floor(i / t) % 2 ? -1 : 1)),
  };
}

Deno.test("webgpu: forward logits match the CPU provider", async () => {
  await requireWebGpu();
  const seqs = [[3, 70, 101, 32, 200, 9, 44, 256], [5, 5, 5, 120, 121, 122, 7, 1]];
  const cpu = await computeLogits({ ...policy, ep: "cpu" }, seqs);
  const before = configureRuntime({ fallback: false });
  try {
    const gpu = await computeLogits({ ...policy, ep: "webgpu" }, seqs);
    const d = maxAbsDiff(cpu, gpu), tol = 1e-5 * (1 + maxAbs(cpu));
    assert.ok(d <= tol, `max |Δlogit| ${d} > ${tol}`);
    assert.ok(maxAbs(cpu) > 1, "the logits are not trivially small");
  } finally {
    configureRuntime(before);
  }
});

Deno.test("webgpu: one train step matches the CPU provider, and no hot node ran on CPU", async () => {
  await requireWebGpu();
  const spec = { cfg, batch: 2, seqLen: 8, outputGrads: true };
  const lr = 1e-3, batch = batchOf(2, 8, 11);
  const prefix = await Deno.makeTempFile({ prefix: "webgpu_profile" });
  const cpuStep = await createTrainStep(spec, { ep: "cpu" });
  const gpuStep = await createTrainStep(spec, { ep: "webgpu", fallback: false, profile: prefix });
  assert.equal(gpuStep.session.ep, "webgpu");
  const state = initTrainState(policy.params);
  const c = await cpuStep.run(state, batch, lr);
  const g = await gpuStep.run(state, batch, lr);
  const path = gpuStep.session.endProfiling!()!;
  await cpuStep.session.release();
  await gpuStep.session.release();

  // Providers: the profile lists every node run; hot ones must be WebGPU's.
  const runs = readProfile(path);
  await Deno.remove(path);
  await Deno.remove(prefix);
  const counts = providerCounts(runs);
  const onGpu = runs.filter((r) => r.provider === "WebGpuExecutionProvider").length;
  assert.ok(onGpu > 0.95 * runs.length, `WebGPU ran ${onGpu} of ${runs.length} nodes`);
  for (const op of ["MatMul", "Gemm", "Softmax"]) {
    assert.ok(counts[`${op}@WebGpuExecutionProvider`] > 0, `no ${op} on WebGPU`);
  }
  const hot = hotOnCpu(runs, spec.batch * spec.seqLen * cfg.hidden);
  assert.deepEqual(
    hot.map((r) => `${r.op} ${JSON.stringify([...r.inputs, ...r.outputs])}`),
    [],
    "hot nodes ran on the CPU provider",
  );

  // Numbers.
  const rel = (a: number, b: number) => Math.abs(a - b) / Math.max(1e-12, Math.abs(b));
  assert.ok(
    rel(g.metrics.loss, c.metrics.loss) < 1e-5,
    `loss ${g.metrics.loss} vs ${c.metrics.loss}`,
  );
  assert.ok(
    rel(g.metrics.gradNorm, c.metrics.gradNorm) < 1e-4,
    `grad norm ${g.metrics.gradNorm} vs ${c.metrics.gradNorm}`,
  );
  const dlogp = maxAbsDiff(g.metrics.logp, c.metrics.logp);
  assert.ok(dlogp < 1e-5 * (1 + maxAbs(c.metrics.logp)), `max |Δlogp| ${dlogp}`);
  for (const [name, gc] of Object.entries(c.metrics.grads!)) {
    const gg = g.metrics.grads![name].data as Float32Array, ref = gc.data as Float32Array;
    const diff = Float32Array.from(ref, (x, i) => x - gg[i]);
    const r = norm(diff) / Math.max(norm(ref), 1e-12);
    assert.ok(r < 1e-4 || norm(ref) < 1e-9, `${name}: relative gradient error ${r}`);
    const pc = c.state.params[name].data as Float32Array;
    const pg = g.state.params[name].data as Float32Array;
    const noise = 1e-3 * maxAbs(ref);
    for (let i = 0; i < pc.length; i++) {
      const bound = Math.abs(ref[i]) > noise ? lr * 1e-2 : 2.001 * lr;
      assert.ok(Math.abs(pc[i] - pg[i]) <= bound, `${name}[${i}]: ${pg[i]} vs ${pc[i]}`);
    }
  }
});

Deno.test("webgpu: sampling (KV-cached decoding) matches the CPU provider, on WebGPU", async () => {
  await requireWebGpu();
  const opts = { numReturnSequences: 3, maxNewTokens: 12, eosTokenIds: [], temperature: 1 };
  const prompt = [[72, 105, 32, 116, 104, 101, 114, 101]];
  const cpu = await sampleTokens({ ...policy, ep: "cpu" }, prompt, { ...opts, rng: makeRng(3) });
  const prefix = await Deno.makeTempFile({ prefix: "webgpu_decode" });
  releaseSessions(); // the decode session below is opened (and profiled) afresh
  const before = configureRuntime({ fallback: false, profile: prefix });
  let path: string | undefined;
  try {
    const gpu = await sampleTokens({ ...policy, ep: "webgpu" }, prompt, {
      ...opts,
      rng: makeRng(3),
    });
    path = (await decodeSession(cfg, "webgpu")).endProfiling!();
    // The same draws pick the same tokens unless a draw falls within ~1e-6 of a boundary of the
    // cumulative distribution (deterministic for this seed); log-probs as the logits above.
    assert.deepEqual(gpu.map((c) => c.ids), cpu.map((c) => c.ids));
    const a = cpu.flatMap((c) => c.logprobs), b = gpu.flatMap((c) => c.logprobs);
    assert.ok(maxAbsDiff(a, b) < 1e-5 * (1 + maxAbs(a)), `max |Δlogp| ${maxAbsDiff(a, b)}`);
  } finally {
    configureRuntime(before);
    releaseSessions();
  }
  const runs = readProfile(path!);
  await Deno.remove(path!);
  await Deno.remove(prefix);
  assert.ok(runs.some((r) => r.op === "MatMul" && r.provider === "WebGpuExecutionProvider"));
  // one decode step is [G, 1, hidden]: anything of G·hidden elements is an activation
  const hot = hotOnCpu(runs, opts.numReturnSequences * cfg.hidden);
  assert.deepEqual(hot.map((r) => `${r.op} ${JSON.stringify(r.outputs)}`), []);
});

Deno.test("graphs built for WebGPU: log-softmax and the embedding backward, float64 checks on CPU", async () => {
  // No GPU needed: the replacement ops run on the CPU provider in float64, against central finite
  // differences and a float64 log-softmax computed here. Logits near 100 would overflow a
  // log-sum-exp that does not subtract the maximum (as ORT's WebGPU ReduceLogSumExp does).
  const rows = [[100.5, 99.2, 101.7, 98.1, 100], [-3, 0.5, 2, -1.25, 0.75]];
  const w = [0.3, -1.2, 0.7, 2.1, -0.4, 1.1, 0.2, -0.9, 0.5, 1.6];
  const g = newGraph();
  const x = input(g, "x", [2, 5], "float64");
  const y = buildFor("webgpu", () => logSoftmax(x, -1));
  assert.ok(!g.nodes.some((n) => n.op === "LogSoftmax"), "lowered");
  const loss = reduceSum(mul(y, constant(g, Float64Array.from(w), [2, 5], "float64")));
  const xv = { data: Float64Array.from(rows.flat()), dims: [2, 5] };
  const r = await gradCheck(g, loss, [x], { x: xv });
  assert.ok(r.maxRelError < 1e-6, `log-softmax gradient: ${r.maxRelError}`);
  const s = await openSession(toOnnx(g, { outputs: { y } }));
  const got = (await s.run({ x: xv })).y.data as Float64Array;
  await s.release();
  rows.forEach((row, i) => {
    const m = Math.max(...row), lse = m + Math.log(row.reduce((a, v) => a + Math.exp(v - m), 0));
    row.forEach((v, j) => assert.ok(Math.abs(got[i * 5 + j] - (v - lse)) < 1e-12));
  });

  const g2 = newGraph();
  const table = input(g2, "table", [7, 3], "float64");
  const ids = input(g2, "ids", [2, 3], "int64");
  const picked = gather(table, ids, 0); // [2, 3, 3]
  const wt = constant(g2, Float64Array.from(w.concat(w).slice(0, 18)), [2, 3, 3], "float64");
  const loss2 = reduceSum(mul(picked, wt));
  // gradCheck builds the backward (and the one-hot) synchronously, before its first await, so
  // inside buildFor as a train step's graph is
  const tv = { data: Float64Array.from({ length: 21 }, (_, i) => Math.sin(i)), dims: [7, 3] };
  const iv = { data: BigInt64Array.of(1n, 4n, 1n, 6n, 0n, 4n), dims: [2, 3] }; // repeats 1 and 4
  const r2 = await buildFor("webgpu", () => gradCheck(g2, loss2, [table], { table: tv, ids: iv }));
  assert.ok(r2.maxRelError < 1e-6, `embedding gradient: ${r2.maxRelError}`);
  assert.ok(g2.nodes.some((n) => n.op === "Equal" && n.inputs[1].dtype === "float64"));
});

Deno.test("a provider that cannot start with fallback off is an error, not a CPU run", async () => {
  const g = newGraph();
  const x = input(g, "x", [2]);
  const bytes = toOnnx(g, { outputs: { y: mul(x, x) } });
  // ORT's CUDA libraries are not installed in CI.
  await assert.rejects(
    () => openSession(bytes, { ep: "cuda", fallback: false }),
    (e: Error) => e instanceof UserError && /'cuda' is not available/.test(e.message),
  );
  // The process-wide setting (config `epFallback: false`) does the same for every session.
  const before = configureRuntime({ fallback: false });
  try {
    await assert.rejects(
      () => computeLogits({ ...policy, ep: "cuda" }, [[1, 2]]),
      (e: Error) => e instanceof UserError && /'cuda' is not available/.test(e.message),
    );
  } finally {
    configureRuntime(before);
  }
  // The CLI flag.
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      "tools/logits.ts",
      "--model",
      "data/default-model",
      "--ids",
      "1,2",
      "--ep",
      "cuda",
      "--no-fallback",
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.notEqual(out.code, 0);
  assert.match(new TextDecoder().decode(out.stderr), /'cuda' is not available/);
  assert.equal(new TextDecoder().decode(out.stdout), "");
});
