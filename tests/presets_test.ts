// The paper presets (data/configs/paper/*.json): each loads, carries the authors' settings, and
// runs two steps on the default model with small overrides (short completions, one row, the
// shipped data instead of the authors' files).
import assert from "node:assert/strict";
import { loadConfig, validateConfig } from "../lib/rl/config.ts";
import { train } from "../lib/rl/trainer.ts";

/** Rows short enough for the default model's 2048 positions, in each environment's format. */
function smokeRows(env: string): string {
  const rows = env === "tldr"
    ? ["my cat sleeps all day", "the bus was late again", "we baked bread"].map((p, i) => ({
      prompt: `POST: ${p}. TL;DR:`,
      completion: `post ${i}`,
    }))
    : env === "arxiv"
    ? ["We study small graphs.", "We test a new optimizer.", "We measure rain."].map((a) => ({
      abstract_text: a,
    }))
    : [0, 1, 2].map((i) => ({
      // the authors' coding prompts alone take ~300 positions; turn 2 repeats turn 1's
      task_id: `smoke/${i}`,
      prompt: "def f(x):\n",
      canonical_solution: "    return x + 1\n",
      test: "def check(candidate):\n    assert candidate(1) == 2\n    assert candidate(0) == 1\n",
      entry_point: "f",
    }));
  return rows.map((r) => JSON.stringify(r)).join("\n") + "\n";
}

const DIR = new URL("../data/configs/paper/", import.meta.url);
const names = [...Deno.readDirSync(DIR)].map((e) => e.name).filter((n) => n.endsWith(".json"))
  .sort();

Deno.test("presets: MAGRPO and the single-agent baseline for the five tasks, the authors' settings", async () => {
  const tasks = ["tldr", "arxiv", "humaneval", "coophumaneval", "mbpp"];
  assert.deepEqual(
    names,
    [...tasks.map((t) => `grpo_${t}.json`), ...tasks.map((t) => `magrpo_${t}.json`)].sort(),
  );
  const he = await loadConfig(new URL("magrpo_humaneval.json", DIR).pathname);
  // LLM_Collab_Code_Generation configs/magrpo_he_config.yaml
  assert.deepEqual(
    [he.groupSize, he.turns, he.gamma, he.earlyStopThreshold, he.rewardShift, he.optimizer.lr],
    [4, 2, 0.9, -0.2, -4, 2e-5],
  );
  assert.deepEqual([he.env.trainSlice, he.env.evalSlice, he.sampling.maxNewTokens], [
    "33:163",
    ":32",
    256,
  ]);
  assert.deepEqual([he.steps, he.eval.prompts], [6 * 130, 32]);
  const che = await loadConfig(new URL("grpo_coophumaneval.json", DIR).pathname);
  assert.deepEqual([che.rewardShift, che.sampling.temperature, che.sampling.topP], [
    -2.1,
    0.8,
    0.95,
  ]);
  // configs/grpo_{he,che,mbpp}_config.yaml: 2 turns with level feedback for the single agent
  const thresholds: [string, number][] = [
    ["humaneval", -0.2],
    ["coophumaneval", -0.1],
    ["mbpp", -0.1],
  ];
  for (const [task, threshold] of thresholds) {
    const g = await loadConfig(new URL(`grpo_${task}.json`, DIR).pathname);
    assert.deepEqual(
      [g.turns, g.earlyStopThreshold, g.earlyStopOn],
      [2, threshold, "shaped"],
      task,
    );
  }
  const tldr = await loadConfig(new URL("magrpo_tldr.json", DIR).pathname);
  assert.deepEqual([tldr.optimizer.lr, tldr.advantage.normalize, tldr.env.trainSlice], [
    5e-6,
    true,
    ":1100",
  ]);
  for (const n of names) {
    const cfg = await loadConfig(new URL(n, DIR).pathname);
    assert.deepEqual([cfg.optimizer.weightDecay, cfg.optimizer.maxGradNorm], [0, 0], n);
    assert.equal(cfg.sampling.chatTemplate, false, n);
  }
});

for (const name of names) {
  Deno.test(`preset ${name}: two steps on the default model (small overrides)`, async () => {
    const json = JSON.parse(await Deno.readTextFile(new URL(name, DIR)));
    const dir = await Deno.makeTempDir({ prefix: "preset-" });
    try {
      const data = `${dir}/rows.jsonl`;
      await Deno.writeTextFile(data, smokeRows(json.env.name));
      const coding = json.env.name === "coding";
      const cfg = validateConfig({
        ...json,
        // the preset's split settings on three short rows (coding: row 0 held out), one trained
        env: {
          ...json.env,
          dataPath: data,
          ...(json.env.evalDataPath ? { evalDataPath: data } : {}),
          ...(coding ? { trainSlice: "1:", evalSlice: ":1" } : {}),
          maxRows: 1,
        },
        model: "data/default-model",
        steps: 2,
        promptsPerStep: 1,
        sampling: { ...json.sampling, maxNewTokens: 4 },
        eval: { ...json.eval, every: 2, prompts: 1 },
        checkpoint: { every: 0, keep: 1 },
        log: { dir },
      }, name);
      const r = await train(cfg, { quiet: true, resume: false });
      const steps = r.records.filter((x) => x.type === "step");
      const evals = r.records.filter((x) => x.type === "eval") as unknown as {
        rows: number;
        turnRewards: number[];
      }[];
      assert.equal(steps.length, 2);
      assert.equal(evals.length, 1);
      // evaluation: one held-out row, every turn (no early termination)
      assert.equal(evals[0].rows, 1);
      assert.equal(evals[0].turnRewards.length, cfg.turns);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });
}
