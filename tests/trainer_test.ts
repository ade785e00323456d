// The trainer end to end: exact resume (bit-identical parameters), every algorithm runs, the
// default model learns the toy task with MAGRPO in CI-sized time, clear config errors.
import assert from "node:assert/strict";
import { type TrainerConfig, validateConfig } from "../lib/rl/config.ts";
import { train } from "../lib/rl/trainer.ts";
import { readJsonl } from "../lib/util/jsonl.ts";
import type { TrainState } from "../lib/engine/optim_step.ts";
import { tinyModelFolder } from "./fixtures.ts";

function config(root: string, extra: Record<string, unknown> = {}): TrainerConfig {
  return validateConfig({
    model: `${root}/model`,
    groupSize: 3,
    steps: 4,
    sampling: { maxNewTokens: 8 },
    optimizer: { lr: 1e-3 },
    checkpoint: { every: 2, keep: 2 },
    log: { dir: `${root}/<name>` },
    ...extra,
  }, "test");
}

function sameStates(a: TrainState[], b: TrainState[]) {
  assert.equal(a.length, b.length);
  a.forEach((s, i) => {
    for (const [k, t] of Object.entries(s.params)) {
      const x = new Uint8Array((t.data as Float32Array).buffer),
        y = new Uint8Array((b[i].params[k].data as Float32Array).buffer);
      assert.deepEqual(x, y, `agent ${i} ${k}`);
    }
  });
}

for (const algorithm of ["magrpo", "critic"] as const) {
  Deno.test(`${algorithm}: an interrupted and resumed run ends with bit-identical parameters`, async () => {
    const root = await tinyModelFolder();
    const straight = await train(config(root, { algorithm, log: { dir: `${root}/a` } }), {
      quiet: true,
    });
    await train(config(root, { algorithm, log: { dir: `${root}/b` } }), {
      quiet: true,
      stopAfter: 2,
    });
    const resumed = await train(config(root, { algorithm, log: { dir: `${root}/b` } }), {
      quiet: true,
    });
    sameStates(straight.states, resumed.states);
    assert.deepEqual(resumed.records.map((r) => r.step), [3, 4]);
    // Logged metrics of steps 3-4 are identical too (same samples, same rewards).
    const la = (await readJsonl(`${root}/a/metrics.jsonl`)) as { step: number; reward: unknown }[];
    const lb = (await readJsonl(`${root}/b/metrics.jsonl`)) as { step: number; reward: unknown }[];
    assert.deepEqual(la.map((r) => r.reward), lb.map((r) => r.reward));
    await Deno.remove(root, { recursive: true });
  });
}

Deno.test("every algorithm and option combination runs on the toy task and logs its metrics", async () => {
  const root = await tinyModelFolder();
  const variants: Record<string, unknown>[] = [
    { algorithm: "independent" },
    { algorithm: "grpo_single" },
    { jointMode: "cross", crossAggregate: "sum" },
    { advantage: { baseline: "rloo", normalize: true }, aggregation: "grpo" },
    { aggregation: "dr_grpo", clipEps: 0.2, innerIterations: 2, klBeta: 0.05 },
    { eval: { every: 2, prompts: 2 } },
  ];
  for (const [i, v] of variants.entries()) {
    const r = await train(config(root, { ...v, steps: 2, log: { dir: `${root}/v${i}` } }), {
      quiet: true,
    });
    const steps = r.records.filter((x) => x.type === "step") as unknown as {
      reward: { mean: number };
      loss: number[];
      kl: (number | null)[];
    }[];
    assert.equal(steps.length, 2, JSON.stringify(v));
    assert.ok(
      steps.every((s) => Number.isFinite(s.reward.mean) && s.loss.every(Number.isFinite)),
      JSON.stringify(v),
    );
    if ((v as { klBeta?: number }).klBeta) {
      assert.ok(steps.every((s) => s.kl.every((k) => k !== null && k >= 0)));
    }
    if ((v as { eval?: unknown }).eval) assert.ok(r.records.some((x) => x.type === "eval"));
  }
  await Deno.remove(root, { recursive: true });
});

Deno.test("MAGRPO raises the default model's joint reward on the toy task within a fixed budget", async () => {
  const root = await Deno.makeTempDir();
  const cfg = validateConfig({
    groupSize: 8,
    promptsPerStep: 4,
    steps: 60,
    seed: 1,
    sampling: { maxNewTokens: 40 },
    optimizer: { lr: 3e-4 },
    checkpoint: { every: 0, keep: 1 },
    log: { dir: `${root}/<name>` },
  }, "test");
  const r = await train(cfg, { quiet: true });
  const rewards = r.records.filter((x) => x.type === "step").map((x) =>
    (x as unknown as { reward: { mean: number } }).reward.mean
  );
  const avg = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const first = avg(rewards.slice(0, 10)), last = avg(rewards.slice(-10));
  console.log(
    `toy joint reward (MAGRPO, default model, 60 steps): first 10 steps ${
      first.toFixed(3)
    } → last 10 ${last.toFixed(3)}`,
  );
  assert.ok(last > first + 0.07, `${first} → ${last}`);
  await Deno.remove(root, { recursive: true });
});

Deno.test("config errors name the file, the key and what was expected, all at once", () => {
  assert.throws(
    () => validateConfig({ groupsize: 4, optimizer: { lr: -1 }, algorithm: "ppo" }, "run.json"),
    (e: Error) => {
      assert.match(e.message, /run\.json/);
      assert.match(e.message, /groupsize.*did you mean.*groupSize/s);
      assert.match(e.message, /optimizer\.lr.*> 0.*-1/s);
      assert.match(e.message, /algorithm.*magrpo/s);
      return true;
    },
  );
});

Deno.test("the example configs in data/configs validate", async () => {
  const { loadConfig } = await import("../lib/rl/config.ts");
  let n = 0;
  for await (const e of Deno.readDir(new URL("../data/configs/", import.meta.url))) {
    if (!e.name.endsWith(".json")) continue;
    const cfg = await loadConfig(new URL(`../data/configs/${e.name}`, import.meta.url).pathname);
    assert.equal(cfg.model, "data/default-model");
    n++;
  }
  assert.ok(n >= 3);
});
