// One step as a value: magrpoStep(run, ctx) leaves `run` as it was, gives the same result when
// called again with the same value, and train() is exactly this step in a loop (same bits).
import assert from "node:assert/strict";
import { type TrainerConfig, validateConfig } from "../lib/rl/config.ts";
import { train } from "../lib/rl/trainer.ts";
import { magrpoStep } from "../lib/rl/step.ts";
import { createStepContext } from "../lib/rl/step_context.ts";
import {
  allStates,
  initRunState,
  runFromCheckpoint,
  type RunState,
  runToCheckpoint,
} from "../lib/rl/run_state.ts";
import { ALGORITHMS } from "../lib/rl/algorithms.ts";
import { configureRuntime } from "../lib/engine/runtime.ts";
import { randomPolicy, tinyLlamaConfig, tinyModelFolder } from "./fixtures.ts";

function config(root: string, extra: Record<string, unknown> = {}): TrainerConfig {
  return validateConfig({
    model: `${root}/model`,
    groupSize: 3,
    promptsPerStep: 2,
    steps: 3,
    sampling: { maxNewTokens: 6 },
    optimizer: { lr: 1e-3 },
    checkpoint: { every: 0, keep: 1 },
    log: { dir: `${root}/run` },
    ...extra,
  }, "test");
}

/** Every float of every state as bytes, plus the plain parts: equal iff bit-identical. */
function fingerprint(run: RunState): string {
  const bytes = allStates(run).flatMap((s) =>
    [s.params, s.m, s.v].flatMap((store) =>
      Object.entries(store).map(([k, t]) =>
        `${k}:${Array.from(new Uint8Array((t.data as Float32Array).slice().buffer)).join(",")}`
      )
    )
  );
  return JSON.stringify({
    ...run,
    agents: allStates(run).map((s) => s.step),
    algorithm: [],
    bytes,
  });
}

/** The record without timings. */
const numbers = (r: Record<string, unknown>) => {
  const { seconds: _s, tokensPerSecond: _t, ...rest } = r;
  return rest;
};

for (const algorithm of ["magrpo", "critic"] as const) {
  Deno.test(`${algorithm}: the same run value gives the same step, and the value is left as it was`, async () => {
    const root = await tinyModelFolder();
    const before = configureRuntime({ deterministic: true });
    try {
      const ctx = await createStepContext(config(root, { algorithm }));
      const run0 = initRunState(ctx);
      assert.equal(run0.algorithm.length, algorithm === "critic" ? 1 : 0);
      const print0 = fingerprint(run0);
      const a = await magrpoStep(run0, ctx);
      const b = await magrpoStep(run0, ctx);
      assert.equal(fingerprint(run0), print0, "the input run is unchanged");
      assert.equal(a.run.step, 1);
      assert.equal(a.run.data.cursor, 2);
      assert.equal(fingerprint(a.run), fingerprint(b.run));
      assert.deepEqual(numbers(a.record), numbers(b.record));
      assert.notEqual(fingerprint(a.run), print0, "the step changed the parameters");
      if (algorithm === "critic") assert.equal(typeof a.record.criticLoss, "number");
      // a checkpoint is the run value: it comes back equal
      const back = runFromCheckpoint(runToCheckpoint(a.run, {}), ctx.bases.length);
      assert.equal(fingerprint(back), fingerprint(a.run));
    } finally {
      configureRuntime(before);
      await Deno.remove(root, { recursive: true });
    }
  });
}

Deno.test("train() is magrpoStep in a loop: the same bits and the same records", async () => {
  const root = await tinyModelFolder();
  const before = configureRuntime({ deterministic: true });
  try {
    const cfg = config(root);
    const ctx = await createStepContext(cfg);
    let run = initRunState(ctx);
    const records = [];
    for (let s = 0; s < cfg.steps; s++) {
      const out = await magrpoStep(run, ctx);
      run = out.run;
      records.push(numbers(out.record));
    }
    const r = await train(cfg, { quiet: true });
    assert.deepEqual(r.records.map(numbers), records);
    assert.equal(fingerprint({ ...run, agents: r.states }), fingerprint(run));
  } finally {
    configureRuntime(before);
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("the algorithm table: policies trained and own state per entry", () => {
  assert.deepEqual(
    Object.values(ALGORITHMS).map((a) => [a.name, a.policies(3)]),
    [["magrpo", 3], ["independent", 3], ["grpo_single", 1], ["critic", 3]],
  );
  const p = randomPolicy(tinyLlamaConfig(), 1);
  assert.deepEqual(ALGORITHMS.magrpo.setup(p, 0).init(), []);
  const [critic] = ALGORITHMS.critic.setup(p, 0).init();
  assert.deepEqual(critic.params["value_head.weight"].dims, [1, 32]);
  assert.equal(critic.step, 0);
  assert.equal(ALGORITHMS.critic.setup(p, 0).fit !== undefined, true);
  assert.equal(ALGORITHMS.magrpo.setup(p, 0).fit, undefined);
});
