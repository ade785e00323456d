// Guards on the update itself: a step whose loss, gradient norm or new parameters are not
// finite is not applied; the trainer stops with one line naming the step and the likely cause
// (optimizer.lr or rewardScale), the last good checkpoint stays finite, no agent is saved.
import assert from "node:assert/strict";
import { type TrainerConfig, validateConfig } from "../lib/rl/config.ts";
import { train } from "../lib/rl/trainer.ts";
import { latestCheckpoint, loadCheckpoint, saveCheckpoint } from "../lib/rl/checkpoint.ts";
import { createTrainStep, type PgBatch } from "../lib/rl/train_step.ts";
import { initTrainState, NonFiniteStepError } from "../lib/engine/optim_step.ts";
import { initParams, type ParamStore } from "../lib/model/params.ts";
import { explainNonFiniteStep } from "../lib/rl/update.ts";
import { UserError } from "../lib/util/errors.ts";
import { tinyLlamaConfig, tinyModelFolder } from "./fixtures.ts";

function config(root: string, extra: Record<string, unknown> = {}): TrainerConfig {
  return validateConfig({
    model: `${root}/model`,
    groupSize: 4,
    steps: 4,
    sampling: { maxNewTokens: 8 },
    optimizer: { lr: 1e-3 },
    checkpoint: { every: 1, keep: 5 },
    log: { dir: `${root}/run` },
    ...extra,
  }, "test");
}

function assertFinite(params: ParamStore, what: string) {
  for (const [k, t] of Object.entries(params)) {
    assert.ok(
      (t.data as Float32Array).every(Number.isFinite),
      `${what}: ${k} has non-finite values`,
    );
  }
}

async function agentFolders(dir: string): Promise<string[]> {
  const out: string[] = [];
  for await (const e of Deno.readDir(dir)) if (e.name.startsWith("agent-")) out.push(e.name);
  return out;
}

/** Runs `train`, expecting a UserError; returns its message. */
async function failure(cfg: TrainerConfig): Promise<string> {
  let message = "";
  await assert.rejects(() => train(cfg, { quiet: true }), (e: Error) => {
    assert.ok(e instanceof UserError, `expected a UserError, got ${e?.constructor?.name}: ${e}`);
    message = e.message;
    return true;
  });
  return message;
}

Deno.test("a refused step leaves the state as it was and says what was not finite", async () => {
  const cfg = tinyLlamaConfig();
  const step = await createTrainStep({ cfg, batch: 2, seqLen: 4 });
  const state = initTrainState(initParams(cfg, { seed: 1 }));
  const before = structuredClone(state.params);
  const n = 8, ids = BigInt64Array.from({ length: n }, (_, i) => BigInt(65 + i));
  const batch: PgBatch = {
    ids,
    targets: ids,
    positions: BigInt64Array.from({ length: n }, (_, i) => BigInt(i % 4)),
    attn: new Float32Array(n).fill(1),
    weights: new Float32Array(n).fill(1 / n),
    adv: new Float32Array(n).fill(Infinity),
  };
  let err: unknown;
  await step.run(state, batch, 1e-3).catch((e) => (err = e));
  assert.ok(err instanceof NonFiniteStepError, `expected NonFiniteStepError, got ${err}`);
  assert.match(err.message, /^optimization step not applied: non-finite loss -?(Infinity|NaN)/);
  assert.equal(state.step, 0);
  assert.deepEqual(state.params, before);
  const ok = await step.run(state, { ...batch, adv: new Float32Array(n).fill(1) }, 1e-3);
  assert.ok(Number.isFinite(ok.metrics.loss));
  assert.equal(ok.state.step, 1);
});

Deno.test("explainNonFiniteStep names the step, the cause and the last checkpoint", () => {
  const lr = new NonFiniteStepError({ loss: NaN, gradNorm: NaN, maxAbsParam: 2e30, lr: 1e30 });
  assert.equal(
    explainNonFiniteStep(lr, { step: 2, lr: 1e30, rewardScale: 1, lastCheckpoint: "r/step-1" })
      .message,
    "step 2: update not applied: non-finite loss NaN, gradient norm NaN; likely cause: " +
      "parameters reached 2.00e+30 in magnitude with optimizer.lr = 1e+30: the learning rate " +
      "is too large (lower optimizer.lr). The run stopped; the last good checkpoint is " +
      "r/step-1, nothing of this step was saved.",
  );
  const rs = new NonFiniteStepError({ loss: 1, gradNorm: 2, param: "w", maxAbsParam: 1, lr: 1 });
  rs.details.maxAbsAdvantage = 3e39;
  assert.equal(
    explainNonFiniteStep(rs, { step: 1, lr: 1e-4, rewardScale: 1e39 }).message,
    "step 1: update not applied: non-finite new values of 'w'; likely cause: advantages reach " +
      "3.00e+39 with rewardScale = 1e+39: the reward scale is too large (lower rewardScale, or " +
      "set advantage.normalize). The run stopped; no checkpoint was saved before it, nothing " +
      "of this step was saved.",
  );
});

Deno.test("lr 1e30: the run stops at the first non-finite step, checkpoints stay finite, no agents", async () => {
  const root = await tinyModelFolder();
  // Every advantage is 1 (no baseline, rewards shifted by 1): step 1 moves every trained
  // parameter by ~1e30 (still finite), step 2's forward pass overflows.
  const cfg = config(root, {
    optimizer: { lr: 1e30 },
    rewardShift: 1,
    advantage: { baseline: "none" },
  });
  const message = await failure(cfg);
  assert.match(
    message,
    /^step 2: update not applied: non-finite [^;]+; likely cause: parameters reached \S+e\+(29|30|31) in magnitude with optimizer\.lr = 1e\+30: the learning rate is too large \(lower optimizer\.lr\)\. The run stopped; the last good checkpoint is .*\/run\/checkpoints\/step-0*1, nothing of this step was saved\.$/,
  );
  const last = (await latestCheckpoint(`${root}/run/checkpoints`))!;
  assert.ok(message.includes(last), message);
  const ck = await loadCheckpoint(last);
  assert.equal(ck.step, 1);
  for (const a of ck.agents) assertFinite(a.params, last);
  assert.deepEqual(await agentFolders(`${root}/run`), []);
  await Deno.remove(root, { recursive: true });
});

Deno.test("rewardScale 1e39: the step is refused naming rewardScale; earlier checkpoints are kept", async () => {
  const root = await tinyModelFolder();
  // A healthy first step (rewardScale 1), saved as step 1 of a run configured with 1e39: the
  // run resumes from it and is refused at its first step with a non-zero reward.
  await train(config(root, { log: { dir: `${root}/good` } }), { quiet: true, stopAfter: 1 });
  const good = await loadCheckpoint((await latestCheckpoint(`${root}/good/checkpoints`))!);
  const cfg = config(root, { rewardScale: 1e39, steps: 30, checkpoint: { every: 1, keep: 50 } });
  await saveCheckpoint(`${root}/run/checkpoints`, { ...good, config: cfg });
  const message = await failure(cfg);
  const m = message.match(
    /^step (\d+): update not applied: non-finite [^;]+; likely cause: advantages reach \S+e\+3[6-9] with rewardScale = 1e\+39: the reward scale is too large \(lower rewardScale, or set advantage\.normalize\)\. The run stopped; the last good checkpoint is (.*\/run\/checkpoints\/step-0*(\d+)), nothing of this step was saved\.$/,
  );
  assert.ok(m, message);
  assert.ok(Number(m[1]) >= 2 && Number(m[3]) === Number(m[1]) - 1, message);
  assert.equal(await latestCheckpoint(`${root}/run/checkpoints`), m[2]);
  const ck = await loadCheckpoint(m[2]);
  for (const a of ck.agents) assertFinite(a.params, m[2]);
  const first = await loadCheckpoint(m[2].replace(/step-0*\d+$/, "step-000001"));
  first.agents.forEach((a, i) => assert.deepEqual(a.params, good.agents[i].params));
  assert.deepEqual(await agentFolders(`${root}/run`), []);
  await Deno.remove(root, { recursive: true });
});
