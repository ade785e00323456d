import assert from "node:assert/strict";
import {
  coordinationAgentReward,
  coordinationEnv,
  coordinationReward,
  firstWord,
  topicRows,
} from "../lib/envs/coordination.ts";
import {
  complementarityAgentReward,
  complementarityEnv,
  complementarityReward,
} from "../lib/envs/complementarity.ts";
import { loadEnvironment } from "../lib/envs/registry.ts";
import { fluency } from "../lib/envs/toy.ts";

const row = { topic: "the lake" };
const close = (a: number, b: number) => assert.ok(Math.abs(a - b) < 1e-12, `${a} vs ${b}`);

Deno.test("coordination: agree pays only for the same first word", () => {
  // every word below is a corpus word (fluency 1): valid 0.25, agree 0.75 or 0
  assert.deepEqual(coordinationReward(["The lake is calm.", "The swans swim."], row).levels, {
    valid: 0.25,
    agree: 0.75,
  });
  assert.deepEqual(coordinationReward(["The lake is calm.", "You can see swans."], row).levels, {
    valid: 0.25,
    agree: 0,
  });
  // case and punctuation do not matter: "the" = "The"
  close(coordinationReward(['"the lake!"', "The swans swim."], row).total, 1);
  // an empty answer: no first word, half the valid level from the other agent
  assert.deepEqual(coordinationReward(["", "The swans swim."], row).levels, {
    valid: 0.125,
    agree: 0,
  });
});

Deno.test("coordination: levels scale with fluency", () => {
  // "The zzq." has 2 words, 1 in the corpus: fluency 1/2
  close(fluency("The zzq."), 0.5);
  const r = coordinationReward(["The zzq.", "The swans swim."], row);
  close(r.levels.valid, 0.25 * (0.5 + 1) / 2); // 0.1875
  close(r.levels.agree, 0.75 * 0.5 * 1); // 0.375
  close(r.total, 0.5625);
});

Deno.test("coordination: an agent alone earns its fluency, whatever its first word", () => {
  close(coordinationAgentReward(0, "The lake is calm.", row), 1);
  close(coordinationAgentReward(1, "You can see swans.", row), 1);
  close(coordinationAgentReward(0, "The zzq.", row), 0.5);
  assert.equal(firstWord("  ...  "), "");
});

Deno.test("complementarity: each opening counts when exactly one sentence uses it", () => {
  close(complementarityReward(["The lake is calm.", "You can see swans."], row).total, 1);
  close(complementarityReward(["You can see swans.", "The lake is calm."], row).total, 1);
  close(complementarityReward(["The lake is calm.", "The swans swim."], row).total, 0);
  close(complementarityReward(["You can see swans.", "You can swim."], row).total, 0);
  // "The" covered once, "You" by nobody: 1 of 2
  close(complementarityReward(["The lake is calm.", "A swan can swim."], row).total, 0.5);
  close(complementarityReward(["A swan can swim.", "A lake is calm."], row).total, 0);
  // scaled by both fluencies: 1 × 0.5 × (1/2 · 2)
  close(complementarityReward(["The zzq.", "You can see swans."], row).total, 0.5);
});

Deno.test("complementarity: an agent alone earns half for using one of the openings", () => {
  close(complementarityAgentReward(0, "The lake is calm.", row), 0.5);
  close(complementarityAgentReward(1, "You can see swans.", row), 0.5);
  close(complementarityAgentReward(0, "A swan can swim.", row), 0);
});

Deno.test("both tasks open by name with 60 topics, a fifth held out", async () => {
  assert.equal(topicRows().length, 60);
  for (const name of ["coordination", "complementarity"]) {
    const env = await loadEnvironment({ name });
    assert.equal(env.rows.length + env.evalRows!.length, 60);
    assert.equal(env.evalRows!.length, 12);
    const train = new Set(env.rows.map((r: { topic: string }) => r.topic));
    assert.ok(env.evalRows!.every((r: { topic: string }) => !train.has(r.topic)));
  }
  const c = coordinationEnv(), k = complementarityEnv();
  assert.notEqual(c.formatters[0](c.rows[0]), c.formatters[1](c.rows[0])); // different priors
  assert.equal(k.formatters[0](k.rows[0]), k.formatters[1](k.rows[0])); // one shared prior
  await assert.rejects(
    loadEnvironment({ name: "coordination", dataPath: "x.jsonl" }),
    /built-in topics; remove env.dataPath/,
  );
});
