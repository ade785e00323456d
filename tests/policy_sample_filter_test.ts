// Sampling through the real sampler: top-k/top-p against greedy and against recomputed
// logits, determinism under a seed with every filter on, and generation_config.json defaults.
import assert from "node:assert/strict";
import { sampleTokens, samplingDefaults } from "../lib/policy/sample.ts";
import { computeLogits } from "../lib/policy/logits.ts";
import { loadPolicy, savePolicy } from "../lib/policy/load.ts";
import type { Policy } from "../lib/policy/policy.ts";
import { randomPolicy, tinyConfig } from "./fixtures.ts";

const P = randomPolicy(tinyConfig(), 11, 0.3);
const PROMPTS = [[72, 101, 108, 108, 111], [84, 104, 101]];
const ids = (cs: { ids: number[] }[]) => cs.map((c) => c.ids);

Deno.test("topK=1 and a tiny topP give exactly the greedy tokens", async () => {
  const base = { maxNewTokens: 16, numReturnSequences: 2, eosTokenIds: [] };
  const greedy = await sampleTokens(P, PROMPTS, { ...base, temperature: 0 });
  const k1 = await sampleTokens(P, PROMPTS, { ...base, temperature: 1.3, topK: 1, seed: 4 });
  const p0 = await sampleTokens(P, PROMPTS, { ...base, temperature: 1.3, topP: 1e-9, seed: 5 });
  assert.deepEqual(ids(k1), ids(greedy));
  assert.deepEqual(ids(p0), ids(greedy));
  assert.deepEqual(k1.map((c) => c.logprobs), greedy.map((c) => c.logprobs));
  // Greedy rows of the same prompt are identical.
  assert.deepEqual(greedy[0].ids, greedy[1].ids);
});

Deno.test("with topK=k every sampled token is among the k most likely at its step", async () => {
  const k = 4, n = 20;
  const out = await sampleTokens(P, [PROMPTS[0]], {
    maxNewTokens: n,
    numReturnSequences: 3,
    temperature: 2,
    topK: k,
    seed: 9,
    eosTokenIds: [],
  });
  const v = P.cfg.vocabSize, ranks: number[] = [];
  for (const c of out) {
    const seq = [...c.promptIds, ...c.ids];
    const logits = await computeLogits(P, [seq.slice(0, -1)]);
    c.ids.forEach((tok, s) => {
      const row = logits.subarray((c.promptIds.length - 1 + s) * v, (c.promptIds.length + s) * v);
      ranks.push(row.filter((x) => x > row[tok]).length);
    });
  }
  assert.equal(ranks.length, 3 * n);
  assert.ok(ranks.every((r) => r < k), `ranks ${ranks}`);
  // Temperature 2 does sample below the top token, and uses every allowed rank.
  assert.deepEqual([...new Set(ranks)].sort(), [0, 1, 2, 3]);
});

Deno.test("same seed gives the same tokens with temperature 0.7, topK and topP; another seed differs", async () => {
  const opts = {
    maxNewTokens: 24,
    numReturnSequences: 3,
    temperature: 0.7,
    topK: 20,
    topP: 0.9,
    eosTokenIds: [],
  };
  const a = await sampleTokens(P, PROMPTS, { ...opts, seed: 21 });
  const b = await sampleTokens(P, PROMPTS, { ...opts, seed: 21 });
  const c = await sampleTokens(P, PROMPTS, { ...opts, seed: 22 });
  assert.deepEqual(ids(a), ids(b));
  assert.deepEqual(a.map((x) => x.logprobs), b.map((x) => x.logprobs));
  assert.notDeepEqual(ids(a), ids(c));
  // Rows of one group differ from each other (the draws are not shared).
  assert.notDeepEqual(a[0].ids, a[1].ids);
});

Deno.test("generation_config.json defaults fill only the options the caller leaves undefined", async () => {
  const gen = { doSample: true, temperature: 0.6, topK: 7, topP: 0.85, maxNewTokens: 9 };
  const p: Policy = { ...P, generation: gen };
  assert.deepEqual(samplingDefaults(p, { seed: 1 }), {
    seed: 1,
    temperature: 0.6,
    topK: 7,
    topP: 0.85,
    maxNewTokens: 9,
  });
  assert.deepEqual(samplingDefaults(p, { temperature: 0, topK: 2, maxNewTokens: 3 }), {
    temperature: 0,
    topK: 2,
    topP: 0.85,
    maxNewTokens: 3,
  });
  assert.equal(
    samplingDefaults({ ...P, generation: { doSample: false, temperature: 0.6 } }, {})
      .temperature,
    0,
  );
  assert.equal(samplingDefaults(P, {}).temperature, undefined); // built-in default 1 applies
  const fromGen = await sampleTokens(p, PROMPTS, { seed: 3, eosTokenIds: [] });
  const explicit = await sampleTokens(P, PROMPTS, {
    seed: 3,
    eosTokenIds: [],
    temperature: 0.6,
    topK: 7,
    topP: 0.85,
    maxNewTokens: 9,
  });
  assert.deepEqual(fromGen.map((c) => c.ids.length), [9, 9]);
  assert.deepEqual(ids(fromGen), ids(explicit));
  const greedy = await sampleTokens(P, PROMPTS, {
    temperature: 0,
    maxNewTokens: 5,
    eosTokenIds: [],
  });
  const noSample = await sampleTokens(
    { ...P, generation: { doSample: false, maxNewTokens: 5 } },
    PROMPTS,
    {
      eosTokenIds: [],
      seed: 8,
    },
  );
  assert.deepEqual(ids(noSample), ids(greedy));
});

Deno.test("loadPolicy exposes generation_config.json sampling fields as policy.generation", async () => {
  const dir = await Deno.makeTempDir();
  await savePolicy(P, dir, {
    files: {
      "generation_config.json": new TextEncoder().encode(JSON.stringify({
        eos_token_id: 256,
        do_sample: true,
        temperature: 0.6,
        top_k: 7,
        top_p: 0.85,
        max_new_tokens: 9,
      })),
    },
  });
  const q = await loadPolicy(dir);
  assert.deepEqual(q.generation, {
    eosTokenIds: [256],
    doSample: true,
    temperature: 0.6,
    topK: 7,
    topP: 0.85,
    maxNewTokens: 9,
  });
  const [c] = await sampleTokens(q, [[72]], { seed: 2, eosTokenIds: [] });
  assert.equal(c.ids.length, 9);
  const none = await loadPolicy("data/default-model"); // only token ids in its generation config
  assert.deepEqual(samplingDefaults(none, {}), {
    temperature: undefined,
    topK: undefined,
    topP: undefined,
    maxNewTokens: undefined,
  });
  await Deno.remove(dir, { recursive: true });
});
