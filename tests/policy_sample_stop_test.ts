// Sampling through the real sampler: multi-token stop strings, EOS ending one row of a batch
// while the others continue (and scoring masking what follows), EOS ids from config.json.
import assert from "node:assert/strict";
import { defaultEosTokenIds, sampleTexts, sampleTokens } from "../lib/policy/sample.ts";
import { scoreCompletions } from "../lib/policy/score.ts";
import { packSequences } from "../lib/policy/pack.ts";
import { loadPolicy } from "../lib/policy/load.ts";
import type { Policy } from "../lib/policy/policy.ts";
import { randomPolicy, tinyConfig } from "./fixtures.ts";

Deno.test("a multi-token stop string cuts the text before it and ends generation there", async () => {
  const p = await loadPolicy("data/default-model");
  const opts = { maxNewTokens: 40, temperature: 0.8, seed: 3, eosTokenIds: [] };
  const [free] = await sampleTexts(p, ["Once upon a time"], opts);
  assert.equal(free.finish, "length");
  assert.equal(free.ids.length, 40);
  // A 4-character substring from the middle of the text, at its first occurrence.
  let at = Math.floor(free.text.length / 2);
  while (free.text.indexOf(free.text.slice(at, at + 4)) !== at) at++;
  const stop = free.text.slice(at, at + 4);
  assert.ok(at >= 1 && stop.length === 4, `stop ${JSON.stringify(stop)} at ${at}`);
  assert.ok(p.tokenizer.encode(stop).length >= 2, "the stop string spans several tokens");
  // Convention: generation stops at the first token whose decoded text contains the stop
  // string; ids keep every generated token, text is cut before the stop string.
  let n = 1;
  while (!p.tokenizer.decode(free.ids.slice(0, n), { skipSpecialTokens: true }).includes(stop)) {
    n++;
  }
  const [cut] = await sampleTexts(p, ["Once upon a time"], { ...opts, stop: [stop] });
  assert.equal(cut.finish, "stop");
  assert.equal(cut.text, free.text.slice(0, at));
  assert.deepEqual(cut.ids, free.ids.slice(0, n));
  assert.deepEqual(cut.logprobs, free.logprobs.slice(0, n));
  assert.ok(n >= 2 && n < 40, `stopped after ${n} tokens`);
  console.log(`stop ${JSON.stringify(stop)} at char ${at}: ${n} of 40 tokens kept`);
});

Deno.test("EOS ends one row of a batch while the others run to maxNewTokens; scoring masks what follows", async () => {
  const p = randomPolicy(tinyConfig(), 7, 0.3);
  const prompts = [[72, 101, 108, 108, 111], [84, 104, 101], [65, 32, 99, 97, 116]];
  const greedy = { temperature: 0, maxNewTokens: 12 };
  const free = await sampleTokens(p, prompts, { ...greedy, eosTokenIds: [] });
  // Pick as EOS a token row 0 first generates at step k that rows 1 and 2 never generate.
  const k = [3, 4, 5, 2, 6, 1].find((s) => {
    const x = free[0].ids[s];
    return free[0].ids.indexOf(x) === s && !free[1].ids.includes(x) && !free[2].ids.includes(x);
  });
  assert.ok(k !== undefined, `no usable EOS candidate in ${free.map((c) => c.ids)}`);
  const eos = free[0].ids[k];
  const out = await sampleTokens(p, prompts, { ...greedy, eosTokenIds: [eos] });
  assert.deepEqual(out.map((c) => c.finish), ["eos", "length", "length"]);
  assert.deepEqual(out.map((c) => c.ids.length), [k + 1, 12, 12]);
  assert.deepEqual(out[0].ids, free[0].ids.slice(0, k + 1));
  assert.equal(out[0].ids.at(-1), eos);
  assert.deepEqual(out[1].ids, free[1].ids);
  assert.deepEqual(out[2].ids, free[2].ids);
  // Scoring sees exactly the k+1 tokens up to EOS: mask covers them and nothing after.
  const packed = packSequences(out, { seqLen: 17, padId: 0 });
  const rowMask = (r: number) => Array.from(packed.mask.subarray(r * 17, (r + 1) * 17));
  assert.equal(rowMask(0).reduce((a, b) => a + b, 0), k + 1);
  assert.deepEqual(rowMask(0).slice(prompts[0].length + k), new Array(17 - 5 - k).fill(0));
  assert.equal(rowMask(1).reduce((a, b) => a + b, 0), 12);
  const scored = await scoreCompletions(p, out);
  assert.deepEqual(scored.map((s) => s.length), [k + 1, 12, 12]);
  let worst = 0;
  out.forEach((c, i) =>
    c.logprobs.forEach((l, j) => (worst = Math.max(worst, Math.abs(l - scored[i][j]))))
  );
  assert.ok(worst < 1e-4, `max |Δ logprob| ${worst}`);
});

Deno.test("EOS ids from config.json end a completion even when the tokenizer has none", async () => {
  const base = randomPolicy(tinyConfig(), 8, 0.3);
  const free = await sampleTokens(base, [[72, 105]], {
    temperature: 0,
    maxNewTokens: 10,
    eosTokenIds: [],
  });
  const x = free[0].ids[2];
  const k = free[0].ids.indexOf(x);
  const p: Policy = {
    ...base,
    cfg: { ...base.cfg, eosTokenIds: [x] },
    tokenizer: { ...base.tokenizer, eosTokenIds: [257] },
  };
  assert.deepEqual(defaultEosTokenIds(p), [257, x]);
  const [c] = await sampleTokens(p, [[72, 105]], { temperature: 0, maxNewTokens: 10 });
  assert.equal(c.finish, "eos");
  assert.deepEqual(c.ids, free[0].ids.slice(0, k + 1));
  // An explicit list replaces the defaults.
  const [d] = await sampleTokens(p, [[72, 105]], {
    temperature: 0,
    maxNewTokens: 10,
    eosTokenIds: [],
  });
  assert.deepEqual(d.ids, free[0].ids);
  assert.equal(d.finish, "length");
});
