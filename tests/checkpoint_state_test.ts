import assert from "node:assert/strict";
import {
  type Checkpoint,
  checkpointName,
  latestCheckpoint,
  listCheckpoints,
  loadCheckpoint,
  pruneCheckpoints,
  saveCheckpoint,
  type TrainState,
} from "../lib/rl/checkpoint.ts";
import { makeRng, randInt, shuffled } from "../lib/util/rng.ts";
import { UserError } from "../lib/util/errors.ts";

/** One temporary root for this file (removed when the test process ends); a fresh folder per test. */
const ROOT = await Deno.makeTempDir({ prefix: "checkpoint_state_test_" });
globalThis.addEventListener("unload", () => Deno.removeSync(ROOT, { recursive: true }));
let folders = 0;
function freshDir(): string {
  const dir = `${ROOT}/t${folders++}`;
  Deno.mkdirSync(dir);
  return dir;
}

/** Random finite float32 bit patterns (any sign, exponent 0..254: subnormals included) plus specials. */
function randomF32(rng: ReturnType<typeof makeRng>, n: number): Float32Array {
  const bits = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    const exp = randInt(rng, 255), mant = randInt(rng, 1 << 23), sign = randInt(rng, 2);
    bits[i] = ((sign << 31) | (exp << 23) | mant) >>> 0;
  }
  const f = new Float32Array(bits.buffer);
  const specials = [
    -0,
    0,
    1.401298464324817e-45,
    -1.1754942106924411e-38,
    3.4028234663852886e38,
    Infinity,
  ];
  f.set(specials.slice(0, Math.min(n, specials.length)));
  return f;
}

const SHAPES: Record<string, number[]> = {
  "model.embed_tokens.weight": [5, 3],
  "model.norm.weight": [3],
  "lm_head.scale": [],
};

function randomState(seed: number, step: number): TrainState {
  const rng = makeRng(seed);
  const store = () =>
    Object.fromEntries(
      Object.entries(SHAPES).map(([k, dims]) => [k, {
        data: randomF32(rng, dims.reduce((a, b) => a * b, 1)),
        dims,
      }]),
    );
  return { params: store(), m: store(), v: store(), step };
}

function tinyCheckpoint(step: number): Checkpoint {
  return {
    step,
    agents: [randomState(step, step)],
    rng: {},
    data: { order: [0], cursor: 0 },
    config: {},
  };
}

/** Asserts two TrainStates have the same names, dims, step and bit patterns. */
function assertBitExact(a: TrainState, b: TrainState): void {
  assert.equal(a.step, b.step);
  for (const f of ["params", "m", "v"] as const) {
    assert.deepEqual(Object.keys(a[f]).sort(), Object.keys(b[f]).sort());
    for (const [name, t] of Object.entries(a[f])) {
      const u = b[f][name];
      assert.ok(u.data instanceof Float32Array, `${f}/${name} is F32`);
      assert.deepEqual(u.dims, t.dims);
      const x = t.data as Float32Array, y = u.data as Float32Array;
      assert.deepEqual(
        new Uint32Array(y.buffer, y.byteOffset, y.length),
        new Uint32Array(x.buffer, x.byteOffset, x.length),
        `${f}/${name} bits`,
      );
    }
  }
}

Deno.test("bit-exact round trip of agents' params and moments (−0, subnormals, ±max, inf)", async () => {
  const dir = freshDir();
  const agents = [randomState(1, 7), randomState(2, 9)];
  const path = await saveCheckpoint(`${dir}/ckpt`, {
    step: 12,
    agents,
    rng: {},
    data: { order: [2, 0, 1], cursor: 1 },
    config: { groupSize: 4, optimizer: { lr: 1e-4 } },
    metrics: { reward: 0.75 },
  });
  assert.equal(path, `${dir}/ckpt/step-000012`);
  const names = [...Deno.readDirSync(path)].map((e) => e.name).sort();
  assert.deepEqual(names, ["agent-0.safetensors", "agent-1.safetensors", "state.json"]);
  const loaded = await loadCheckpoint(path);
  assert.equal(loaded.step, 12);
  assert.equal(loaded.agents.length, 2);
  assertBitExact(agents[0], loaded.agents[0]);
  assertBitExact(agents[1], loaded.agents[1]);
  assert.ok(
    Object.is((loaded.agents[0].params["model.embed_tokens.weight"].data as Float32Array)[0], -0),
  );
  assert.equal(
    (loaded.agents[0].params["model.embed_tokens.weight"].data as Float32Array)[2],
    2 ** -149,
  );
  assert.deepEqual(loaded.data, { order: [2, 0, 1], cursor: 1 });
  assert.deepEqual(loaded.config, { groupSize: 4, optimizer: { lr: 1e-4 } });
  assert.deepEqual(loaded.metrics, { reward: 0.75 });
  // state.json is readable: number arrays on one line
  assert.match(await Deno.readTextFile(`${path}/state.json`), /"order": \[2,0,1\],/);
});

Deno.test("RNG states round trip: a resumed makeRng continues the same sequence", async () => {
  const dir = freshDir();
  const sample = makeRng(42), data = makeRng("data");
  for (let i = 0; i < 17; i++) sample.next();
  shuffled(data, [1, 2, 3, 4, 5]);
  const ckpt = {
    ...tinyCheckpoint(3),
    rng: { "sample/agent0": sample.state(), data: data.state() },
  };
  const path = await saveCheckpoint(dir, ckpt);
  const expectedSample = Array.from({ length: 5 }, () => sample.next());
  const expectedOrder = shuffled(data, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  const loaded = await loadCheckpoint(path);
  const resumed = makeRng(42, loaded.rng["sample/agent0"]);
  assert.deepEqual(Array.from({ length: 5 }, () => resumed.next()), expectedSample);
  assert.deepEqual(
    shuffled(makeRng("data", loaded.rng.data), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]),
    expectedOrder,
  );
  // a fresh stream of the same seed would NOT continue it
  assert.notEqual(makeRng(42).next(), expectedSample[0]);
});

Deno.test("a crash leftover (temp folder, folder without state.json) is ignored by latestCheckpoint", async () => {
  const dir = freshDir();
  assert.equal(await latestCheckpoint(`${dir}/missing`), undefined);
  await saveCheckpoint(dir, tinyCheckpoint(10));
  // simulated crash of a later save: half-written temp folder, plus an incomplete step folder
  await Deno.mkdir(`${dir}/.tmp-step-000020-deadbeef`);
  await Deno.writeTextFile(`${dir}/.tmp-step-000020-deadbeef/agent-0.safetensors`, "partial");
  await Deno.mkdir(`${dir}/step-000030`);
  await Deno.writeTextFile(`${dir}/notes.txt`, "not a checkpoint");
  assert.equal(await latestCheckpoint(dir), `${dir}/step-000010`);
  // a save that fails validation leaves nothing behind
  const bad = { ...tinyCheckpoint(40), rng: { x: { i: 0, j: 0, S: [1, 2] } } };
  await assert.rejects(() => saveCheckpoint(dir, bad), /rng 'x': expected an RNG state/);
  const f64 = tinyCheckpoint(50);
  f64.agents[0].m["model.norm.weight"].data = new Float64Array(3);
  await assert.rejects(
    () => saveCheckpoint(dir, f64),
    /agent 0 m\/model\.norm\.weight must be a Float32Array/,
  );
  assert.deepEqual((await listCheckpoints(dir)).map((c) => c.step), [10]);
  assert.equal([...Deno.readDirSync(dir)].filter((e) => e.name.startsWith(".")).length, 1);
});

Deno.test("steps order numerically; saving a step again replaces it", async () => {
  const dir = freshDir();
  assert.equal(checkpointName(123), "step-000123");
  assert.equal(checkpointName(1234567), "step-1234567");
  await saveCheckpoint(dir, tinyCheckpoint(999999));
  await saveCheckpoint(dir, tinyCheckpoint(1000000));
  assert.equal(await latestCheckpoint(dir), `${dir}/step-1000000`);
  const replacement = { ...tinyCheckpoint(999999), data: { order: [5, 6], cursor: 2 } };
  await saveCheckpoint(dir, replacement);
  assert.deepEqual((await loadCheckpoint(`${dir}/step-999999`)).data, {
    order: [5, 6],
    cursor: 2,
  });
  const names = [...Deno.readDirSync(dir)].map((e) => e.name).sort();
  assert.deepEqual(names, ["step-1000000", "step-999999"]); // no leftovers of the replacement
});

Deno.test("pruneCheckpoints keeps the newest `keep` and removes crash leftovers", async () => {
  const dir = freshDir();
  for (const step of [5, 1, 3, 2, 4]) await saveCheckpoint(dir, tinyCheckpoint(step));
  await Deno.mkdir(`${dir}/.tmp-step-000006-0badf00d`);
  const removed = await pruneCheckpoints(dir, 2);
  assert.deepEqual(removed.map((p) => p.slice(dir.length + 1)).sort(), [
    ".tmp-step-000006-0badf00d",
    "step-000001",
    "step-000002",
    "step-000003",
  ]);
  assert.deepEqual((await listCheckpoints(dir)).map((c) => c.step), [4, 5]);
  assert.deepEqual(await pruneCheckpoints(dir, 5), []);
  assert.deepEqual(await pruneCheckpoints(`${dir}/none`, 1), []);
  await assert.rejects(() => pruneCheckpoints(dir, 0), /keep must be an integer ≥ 1, got 0/);
});

Deno.test("loadCheckpoint names the missing or corrupt file", async () => {
  const dir = freshDir();
  const path = await saveCheckpoint(dir, tinyCheckpoint(7));
  const agentFile = `${path}/agent-0.safetensors`;
  const good = await Deno.readFile(agentFile);
  const isUserError = (re: RegExp) => (e: Error) => e instanceof UserError && re.test(e.message);
  await Deno.writeFile(agentFile, good.subarray(0, good.length - 4)); // truncated
  await assert.rejects(
    () => loadCheckpoint(path),
    isUserError(new RegExp(`${agentFile}: truncated file`)),
  );
  await Deno.remove(agentFile);
  await assert.rejects(
    () => loadCheckpoint(path),
    isUserError(new RegExp(`${agentFile}: file not found`)),
  );
  await Deno.writeTextFile(`${path}/state.json`, "{");
  await assert.rejects(() => loadCheckpoint(path), isUserError(/state\.json: invalid JSON/));
  await assert.rejects(
    () => loadCheckpoint(`${dir}/nope`),
    isUserError(/nope\/state\.json: missing/),
  );
});

Deno.test("loadCheckpoint rejects an agent file without moments", async () => {
  const dir = freshDir();
  const ckpt = tinyCheckpoint(8);
  delete ckpt.agents[0].v["lm_head.scale"];
  const path = await saveCheckpoint(dir, ckpt);
  await assert.rejects(
    () => loadCheckpoint(path),
    /agent-0\.safetensors: missing moment tensor 'v\/lm_head\.scale'/,
  );
});
