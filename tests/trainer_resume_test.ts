// The run folder across runs: a crash between checkpoints resumes bit-exactly with every step
// logged once; a fresh run clears the previous one; a changed config refuses to resume.
import assert from "node:assert/strict";
import { savePolicy } from "../lib/policy/load.ts";
import { RESUME_SAFE_KEYS, type TrainerConfig, validateConfig } from "../lib/rl/config.ts";
import { train } from "../lib/rl/trainer.ts";
import { listCheckpoints } from "../lib/rl/checkpoint.ts";
import { readJsonl } from "../lib/util/jsonl.ts";
import { UserError } from "../lib/util/errors.ts";
import { randomPolicy, tinyLlamaConfig } from "./fixtures.ts";

async function tinyModel(): Promise<string> {
  const dir = await Deno.makeTempDir();
  await savePolicy(randomPolicy(tinyLlamaConfig(), 3, 0.2), `${dir}/model`);
  return dir;
}

function config(root: string, dir: string, extra: Record<string, unknown> = {}): TrainerConfig {
  return validateConfig({
    model: `${root}/model`,
    groupSize: 3,
    steps: 4,
    sampling: { maxNewTokens: 8 },
    optimizer: { lr: 1e-3 },
    checkpoint: { every: 2, keep: 2 },
    log: { dir: `${root}/${dir}` },
    ...extra,
  }, "test");
}

/** Runs `f` with console.log captured; returns the printed lines. */
async function logged(f: () => Promise<unknown>): Promise<string[]> {
  const lines: string[] = [], original = console.log;
  console.log = (...xs: unknown[]) => lines.push(xs.join(" "));
  try {
    await f();
  } finally {
    console.log = original;
  }
  return lines;
}

const bits = (t: { data: unknown }) => new Uint8Array((t.data as Float32Array).slice().buffer);
type Line = { type: string; step: number; reward: { mean: number } };

Deno.test("a run killed between checkpoints resumes bit-exactly and logs every step once", async () => {
  const root = await tinyModel();
  try {
    const extra = { eval: { every: 2, prompts: 1 } };
    const straight = await train(config(root, "a", extra), { quiet: true });
    // "Kill" the run right after step 3 was logged: the newest checkpoint is step 2.
    await assert.rejects(
      () =>
        train(config(root, "b", extra), {
          quiet: true,
          onStep: (r) => {
            if (r.type === "step" && r.step === 3) throw new Error("killed");
          },
        }),
      /killed/,
    );
    assert.deepEqual((await listCheckpoints(`${root}/b/checkpoints`)).map((c) => c.step), [2]);
    const before = (await readJsonl(`${root}/b/metrics.jsonl`)) as Line[];
    assert.deepEqual(before.map((r) => `${r.type}${r.step}`), ["step1", "step2", "eval2", "step3"]);
    let resumed!: Awaited<ReturnType<typeof train>>;
    const out = await logged(async () => {
      resumed = await train(config(root, "b", extra), { quiet: true });
    });
    assert.deepEqual(out, [
      `resuming ${root}/b from step 2 (dropped 1 metrics line of later steps)`,
    ]);
    assert.deepEqual(resumed.records.map((r) => `${r.type}${r.step}`), ["step3", "step4", "eval4"]);
    // bit-identical parameters and AdamW moments
    straight.states.forEach((s, i) => {
      for (const k of Object.keys(s.params)) {
        assert.deepEqual(bits(resumed.states[i].params[k]), bits(s.params[k]), `agent ${i} ${k}`);
        assert.deepEqual(bits(resumed.states[i].m[k]), bits(s.m[k]), `agent ${i} m/${k}`);
      }
      assert.equal(resumed.states[i].step, 4);
    });
    // each step exactly once, with the same numbers as the uninterrupted run
    const a = (await readJsonl(`${root}/a/metrics.jsonl`)) as Line[];
    const b = (await readJsonl(`${root}/b/metrics.jsonl`)) as Line[];
    const keys = ["step1", "step2", "eval2", "step3", "step4", "eval4"];
    assert.deepEqual(b.map((r) => `${r.type}${r.step}`), keys);
    assert.deepEqual(a.map((r) => `${r.type}${r.step}`), keys);
    assert.deepEqual(b.map((r) => r.reward), a.map((r) => r.reward));
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("resume: false starts over (old metrics, checkpoints and agents removed, said once)", async () => {
  const root = await tinyModel();
  try {
    await train(config(root, "r", { steps: 2 }), { quiet: true });
    const out = await logged(() =>
      train(config(root, "r", { steps: 1 }), { quiet: true, resume: false })
    );
    assert.deepEqual(out, [
      `fresh run in ${root}/r: removed the previous run's metrics.jsonl (2 lines), ` +
      `1 checkpoint, agent-0, agent-1, 1 TensorBoard event file, completions.jsonl`,
    ]);
    const lines = (await readJsonl(`${root}/r/metrics.jsonl`)) as Line[];
    assert.deepEqual(lines.map((r) => r.step), [1]);
    assert.deepEqual((await listCheckpoints(`${root}/r/checkpoints`)).map((c) => c.step), [1]);
    // A later run resumes from the fresh run's step 1, not the old run's step 2
    // (`steps` may change on resume).
    const next = await train(config(root, "r", { steps: 2 }), { quiet: true });
    assert.deepEqual(next.records.map((r) => r.step), [2]);
    assert.deepEqual(
      ((await readJsonl(`${root}/r/metrics.jsonl`)) as Line[]).map((r) => r.step),
      [1, 2],
    );
    // `steps` may change on resume, but not to fewer than the checkpoint already has
    await assert.rejects(
      () => train(config(root, "r", { steps: 1 }), { quiet: true }),
      (e: Error) =>
        e instanceof UserError &&
        e.message === `${root}/r/checkpoints/step-000002: the checkpoint is at step 2, beyond ` +
            `steps = 1; raise steps, or start over with --fresh (train(cfg, { resume: false }))`,
    );
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("resuming with a changed config is refused, naming the keys and --fresh", async () => {
  const root = await tinyModel();
  try {
    await train(config(root, "c", { steps: 1 }), { quiet: true });
    const changed = config(root, "c", {
      steps: 3, // safe
      groupSize: 2,
      sampling: { maxNewTokens: 8, temperature: 0.5 },
      eval: { every: 1, prompts: 1 }, // safe
    });
    const err = await train(changed, { quiet: true }).then(() => undefined, (e) => e);
    assert.ok(err instanceof UserError, String(err));
    assert.equal(
      err.message,
      `${root}/c/checkpoints/step-000001: cannot resume, the config differs from the ` +
        `checkpoint's in 2 keys (saved → current):\n` +
        `  - groupSize: 3 → 2\n` +
        `  - sampling.temperature: 1 → 0.5\n` +
        `Restore these values, or start over with --fresh (train(cfg, { resume: false })). ` +
        `Keys that may change on resume: ${RESUME_SAFE_KEYS.join(", ")}.`,
    );
    // the refused resume left the folder as it was
    assert.deepEqual(
      ((await readJsonl(`${root}/c/metrics.jsonl`)) as Line[]).map((r) => r.step),
      [1],
    );
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
