import assert from "node:assert/strict";
import { validateConfig } from "../lib/rl/config.ts";
import { train } from "../lib/rl/trainer.ts";
import type { StepRecord } from "../lib/rl/records.ts";
import { readCompletions } from "../lib/log/completions.ts";

const dec = (b: Uint8Array) => new TextDecoder().decode(b);

Deno.test("train writes TensorBoard events, completions and a manifest; checkpoint.every 0 writes none", async () => {
  const dir = await Deno.makeTempDir({ prefix: "run-logs-" });
  try {
    const cfg = validateConfig({
      steps: 3,
      groupSize: 2,
      promptsPerStep: 1,
      sampling: { maxNewTokens: 4 },
      log: { dir, completionsEvery: 2 },
      checkpoint: { every: 0 },
    }, "test");
    const r = await train(cfg, { quiet: true, resume: false });
    // typed records: narrowing by `type`, no casts
    const steps: StepRecord[] = r.records.filter((x) => x.type === "step");
    assert.deepEqual(steps.map((s) => s.step), [1, 2, 3]);
    const means: number[] = steps.map((s) => s.reward.mean);
    const names = [...Deno.readDirSync(dir)].map((e) => e.name).sort();
    assert.equal(names.includes("checkpoints"), false); // checkpoint.every: 0
    const events = names.filter((n) => n.startsWith("events.out.tfevents."));
    assert.equal(events.length, 1);
    const out = await new Deno.Command("python3", {
      args: ["tools/read_tfevents.py", `${dir}/${events[0]}`],
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.equal(out.code, 0, dec(out.stderr));
    const decoded = dec(out.stdout).trim().split("\n").map((l) => JSON.parse(l));
    assert.equal(decoded[0].file_version, "brain.Event:2");
    assert.deepEqual(decoded.slice(1).map((e) => e.step), [1, 2, 3]);
    assert.deepEqual(
      decoded.slice(1).map((e) => e.scalars["train/reward/mean"]),
      means.map(Math.fround),
    );
    assert.equal(decoded[1].scalars["train/loss/1"], Math.fround(steps[0].loss[1]));
    // completions at step 1 and every 2 steps; each a group of G = 2 joint answers with rewards
    const comps = await readCompletions(`${dir}/completions.jsonl`);
    assert.deepEqual(comps.map((c) => c.step), [1, 2]);
    assert.equal(comps[0].answers.length, 2);
    assert.equal(comps[1].prompts.length, 2);
    assert.equal(comps[1].answers[0].texts.length, 2);
    assert.equal(
      comps[1].answers.reduce((a, x) => a + x.reward, 0) / 2,
      steps[1].reward.mean,
    );
    const manifest = JSON.parse(await Deno.readTextFile(`${dir}/manifest.json`));
    assert.equal(manifest.seeds.seed, 0);
    assert.equal(manifest.executionProvider.requested, "cpu");
    assert.ok(
      manifest.files.model.some((f: { path: string }) => f.path.endsWith("model.safetensors")),
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
