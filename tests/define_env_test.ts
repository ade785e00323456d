// Bring your own task: an environment defined in the test (its reward function written here)
// trains 5 steps through `train`, logs what the reward returned, and resumes exactly; a
// definition's problems are reported at once; agents may start from different models.
import assert from "node:assert/strict";
import { defineEnvironment } from "../lib/envs/define.ts";
import { savePolicy } from "../lib/policy/load.ts";
import { type TrainerConfig, validateConfig } from "../lib/rl/config.ts";
import { train, type TrainResult } from "../lib/rl/trainer.ts";
import { readJsonl } from "../lib/util/jsonl.ts";
import { UserError } from "../lib/util/errors.ts";
import { randomPolicy, tinyLlamaConfig } from "./fixtures.ts";

type Row = { word: string };
const ROWS: Row[] = ["cat", "dog", "sun", "sea", "owl", "fig"].map((word) => ({ word }));

/** A cooperative reward: each agent's answer has the word (0.5 each); both have it: +1. */
function wordTask(calls?: number[]) {
  return defineEnvironment<Row>({
    name: "two-words",
    rows: ROWS,
    prompts: [(r) => `Say ${r.word}:`, (r) => `Now say ${r.word} too:`],
    reward: async (answers, row) => {
      await Promise.resolve();
      const has = answers.map((a) => a.includes(row.word[0]) ? 1 : 0);
      const levels = { first: has[0], second: has[1], both: has[0] * has[1] };
      const total = 0.5 * has[0] + 0.5 * has[1] + levels.both + answers[0].length / 100;
      calls?.push(total);
      return { total, levels };
    },
  });
}

async function tinyModels(root: string): Promise<void> {
  await savePolicy(randomPolicy(tinyLlamaConfig(), 3, 0.2), `${root}/model`);
  const wide = { ...tinyLlamaConfig(), hidden: 48, intermediate: 96, headDim: 24 };
  await savePolicy(randomPolicy(wide, 4, 0.2), `${root}/wide`);
}

function config(root: string, dir: string, extra: Record<string, unknown> = {}): TrainerConfig {
  return validateConfig({
    model: `${root}/model`,
    groupSize: 3,
    steps: 5,
    sampling: { maxNewTokens: 6 },
    optimizer: { lr: 1e-3 },
    checkpoint: { every: 2, keep: 2 },
    log: { dir: `${root}/${dir}/<name>` },
    ...extra,
  }, "test");
}

const bits = (t: { data: unknown }) => new Uint8Array((t.data as Float32Array).slice().buffer);
type Line = {
  type: string;
  step: number;
  reward: { mean: number; levels: Record<string, number> };
};

function sameStates(a: TrainResult, b: TrainResult) {
  assert.equal(a.states.length, b.states.length);
  a.states.forEach((s, i) => {
    assert.equal(b.states[i].step, s.step);
    for (const k of Object.keys(s.params)) {
      assert.deepEqual(bits(b.states[i].params[k]), bits(s.params[k]), `agent ${i} ${k}`);
      assert.deepEqual(bits(b.states[i].m[k]), bits(s.m[k]), `agent ${i} m/${k}`);
      assert.deepEqual(bits(b.states[i].v[k]), bits(s.v[k]), `agent ${i} v/${k}`);
    }
  });
}

Deno.test("a task defined in the test trains 5 steps through train() and resumes exactly", async () => {
  const root = await Deno.makeTempDir({ prefix: "define_env_" });
  try {
    await tinyModels(root);
    const calls: number[] = [];
    const a = await train(config(root, "a"), { environment: wordTask(calls), quiet: true });
    assert.equal(a.dir, `${root}/a/magrpo-two-words-seed0`);
    assert.deepEqual(a.records.map((r) => r.step), [1, 2, 3, 4, 5]);
    // G = 3 aligned joint actions per step, each rewarded once; the log holds their mean
    assert.equal(calls.length, 15);
    const lines = (await readJsonl(`${a.dir}/metrics.jsonl`)) as Line[];
    lines.forEach((r, s) => {
      const mine = calls.slice(3 * s, 3 * s + 3);
      assert.ok(
        Math.abs(r.reward.mean - mine.reduce((x, y) => x + y) / 3) < 1e-12,
        `step ${s + 1}`,
      );
      assert.deepEqual(Object.keys(r.reward.levels), ["first", "second", "both"]);
    });
    const stored = JSON.parse(await Deno.readTextFile(`${a.dir}/config.json`));
    assert.equal(stored.env.name, "two-words");
    // interrupted after step 3 (checkpoint at 3), resumed: bit-identical to the straight run
    await train(config(root, "b"), { environment: wordTask(), quiet: true, stopAfter: 3 });
    const b = await train(config(root, "b"), { environment: wordTask(), quiet: true });
    assert.deepEqual(b.records.map((r) => r.step), [4, 5]);
    sameStates(a, b);
    const lb = (await readJsonl(`${b.dir}/metrics.jsonl`)) as Line[];
    assert.deepEqual(lb.map((r) => r.reward), lines.map((r) => r.reward));
    // a different task under the same run folder is refused, naming env.name
    const other = defineEnvironment<Row>({ ...wordTaskDef(), name: "two-words-v2" });
    await assert.rejects(
      () => train(config(root, "b", { log: { dir: b.dir } }), { environment: other, quiet: true }),
      (e: Error) =>
        e instanceof UserError && /env\.name: "two-words" → "two-words-v2"/.test(e.message),
    );
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

function wordTaskDef() {
  const env = wordTask();
  return { rows: env.rows, prompts: env.formatters, reward: env.reward };
}

Deno.test("defineEnvironment lists every problem of a definition at once", () => {
  const bad = {
    name: "my task",
    rows: [],
    prompts: [(r: Row) => r.word, "B"],
    reward: 3,
    transition: "next",
    split: { evalFraction: 2, evalRow: [] },
    promts: [],
  };
  assert.throws(
    () => defineEnvironment(bad as never),
    (e: Error) =>
      e instanceof UserError &&
      e.message === `defineEnvironment("my task"): 8 problems:\n` +
          `  - promts: unknown key (known: name, rows, prompts, reward, transition, agentReward, split)\n` +
          `  - name: expected a short identifier (letters, digits, "-", "_", "."), got "my task"\n` +
          `  - rows: expected a non-empty array of rows, got []\n` +
          `  - prompts[1]: expected a function, got string\n` +
          `  - reward: expected a function (answers, row) => number | {total, levels}, got number\n` +
          `  - transition: expected a function, got string\n` +
          `  - split.evalRow: unknown key (known: evalRows, trainSlice, evalSlice, evalFraction)\n` +
          `  - split.evalFraction: expected a number in (0, 1), got 2`,
  );
  // prompts are tried on the first row
  assert.throws(
    () =>
      defineEnvironment<Row>({
        name: "t",
        rows: ROWS,
        prompts: [(r) => r.word.toUpperCase(), () => 7 as unknown as string, () => {
          throw new Error("no field 'topic'");
        }],
        reward: () => 1,
      }),
    (e: Error) =>
      e.message === `defineEnvironment("t"): 2 problems:\n` +
          `  - prompts[1](rows[0]) returned number, expected a string\n` +
          `  - prompts[2](rows[0]) threw: no field 'topic'`,
  );
  assert.throws(
    () => defineEnvironment(null as never),
    /expected a task definition object, got null/,
  );
});

Deno.test("defineEnvironment: numbers become breakdowns; splits give held-out rows", async () => {
  const env = defineEnvironment<Row>({
    name: "n",
    rows: ROWS,
    prompts: [(r) => r.word],
    reward: function exact([a], r) {
      return a === r.word ? 1 : 0;
    },
    split: { evalFraction: 1 / 3 },
  });
  assert.equal(env.numAgents, 1);
  assert.deepEqual(await env.reward(["cat"], ROWS[0]), { total: 1, levels: {} });
  assert.equal(env.reward.name, "exact");
  assert.deepEqual([env.rows.length, env.evalRows!.length], [4, 2]);
  assert.ok(env.rows.every((r) => !env.evalRows!.includes(r)));
  const held = defineEnvironment<Row>({
    name: "h",
    rows: ROWS,
    prompts: [(r) => r.word],
    reward: () => Promise.resolve(0.25),
    split: { evalRows: [{ word: "elk" }] },
  });
  assert.deepEqual([held.rows.length, held.evalRows], [6, [{ word: "elk" }]]);
  assert.deepEqual(await held.reward(["x"], ROWS[0]), { total: 0.25, levels: {} });
});

Deno.test("a list of models: agents of different sizes train, each saved with its own shape", async () => {
  const root = await Deno.makeTempDir({ prefix: "define_env_models_" });
  try {
    await tinyModels(root);
    const cfg = config(root, "m", { model: [`${root}/model`, `${root}/wide`], steps: 2 });
    const r = await train(cfg, { environment: wordTask(), quiet: true });
    assert.deepEqual(r.states.map((s) => s.params["model.embed_tokens.weight"].dims), [
      [258, 32],
      [258, 48],
    ]);
    const saved = JSON.parse(await Deno.readTextFile(`${r.dir}/agent-1/config.json`));
    assert.equal(saved.hidden_size, 48);
    // the config refuses a list of the wrong length, naming the key
    assert.throws(
      () => config(root, "m", { model: [`${root}/model`] }),
      /model: lists 1 folder\(s\) but magrpo trains 2 policies \(agents 2\)/,
    );
    // in-memory policies replace cfg.model (a single one serves every agent)
    const mem = await train(config(root, "p", { steps: 1, model: "/nonexistent" }), {
      environment: wordTask(),
      policies: randomPolicy(tinyLlamaConfig(), 5, 0.2),
      quiet: true,
    });
    assert.equal(mem.states.length, 2);
    assert.equal(mem.states[0].step, 1);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
