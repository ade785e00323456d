// Token choice (known values), seeded sampling, KV-cache decoding == full recompute.
import assert from "node:assert/strict";
import { argmax, chooseToken, filterThreshold, logSumExp } from "../lib/policy/choose.ts";
import { sampleTexts, sampleTokens } from "../lib/policy/sample.ts";
import type { Policy } from "../lib/policy/policy.ts";
import type { ModelConfig } from "../lib/model/config.ts";
import { byteTokenizer } from "../lib/policy/byte_tokenizer.ts";
import { makeRng } from "../lib/util/rng.ts";
import { randomPolicy, tinyConfig } from "./fixtures.ts";

const CFG = tinyConfig();

function policy(cfg: ModelConfig = CFG, seed = 1): Policy {
  return randomPolicy(cfg, seed, 0.3);
}

Deno.test("logSumExp, argmax and filter thresholds have known values", () => {
  const l = new Float64Array([0, Math.log(2), Math.log(3)]); // probabilities 1/6, 2/6, 3/6
  assert.ok(Math.abs(logSumExp(l) - Math.log(6)) < 1e-12);
  assert.equal(argmax([1, 3, 3, 2]), 1);
  assert.equal(filterThreshold(l, 0, 1), -Infinity);
  assert.equal(filterThreshold(l, 2, 1), Math.log(2));
  assert.equal(filterThreshold(l, 0, 0.5), Math.log(3)); // the top token alone reaches 0.5
  assert.equal(filterThreshold(l, 0, 0.6), Math.log(2)); // needs the top two (5/6)
  assert.equal(filterThreshold(l, 1, 0.9), Math.log(3)); // top-k tighter than top-p
});

Deno.test("chooseToken: greedy, top-k=1, and sampled frequencies match the softmax", () => {
  const logits = new Float32Array([0, Math.log(2), Math.log(3)]);
  const rng = makeRng("choose");
  const g = chooseToken(logits, { temperature: 0 }, rng);
  assert.equal(g.token, 2);
  assert.ok(Math.abs(g.logprob - Math.log(0.5)) < 1e-6);
  assert.equal(chooseToken(logits, { topK: 1 }, rng).token, 2);
  const counts = [0, 0, 0];
  const n = 30000;
  for (let i = 0; i < n; i++) counts[chooseToken(logits, {}, rng).token]++;
  [1 / 6, 2 / 6, 3 / 6].forEach((p, i) =>
    assert.ok(Math.abs(counts[i] / n - p) < 0.01, `${counts}`)
  );
  // Temperature 0.5 squares the odds: 1:4:9.
  counts.fill(0);
  for (let i = 0; i < n; i++) {
    counts[chooseToken(logits, { temperature: 0.5 }, rng).token]++;
  }
  [1 / 14, 4 / 14, 9 / 14].forEach((p, i) =>
    assert.ok(Math.abs(counts[i] / n - p) < 0.01, `${counts}`)
  );
  // top-p 0.6 keeps tokens 1 and 2 only, renormalized 2:3; the logprob stays the model's own.
  counts.fill(0);
  for (let i = 0; i < n; i++) {
    const c = chooseToken(logits, { topP: 0.6 }, rng);
    counts[c.token]++;
    if (c.token === 1) assert.ok(Math.abs(c.logprob - Math.log(2 / 6)) < 1e-6);
  }
  assert.equal(counts[0], 0);
  assert.ok(Math.abs(counts[1] / n - 0.4) < 0.01);
});

Deno.test("sampling: a group of G per prompt, deterministic under a seed", async () => {
  const p = policy();
  const opts = {
    numReturnSequences: 3,
    maxNewTokens: 12,
    temperature: 1,
    seed: 5,
  };
  const a = await sampleTexts(p, ["Hello", "The cat sat"], opts);
  const b = await sampleTexts(p, ["Hello", "The cat sat"], opts);
  const c = await sampleTexts(p, ["Hello", "The cat sat"], {
    ...opts,
    seed: 6,
  });
  assert.equal(a.length, 6);
  assert.deepEqual(a.map((x) => [x.prompt, x.sample]), [
    [0, 0],
    [0, 1],
    [0, 2],
    [1, 0],
    [1, 1],
    [1, 2],
  ]);
  assert.deepEqual(a.map((x) => x.ids), b.map((x) => x.ids));
  assert.notDeepEqual(a.map((x) => x.ids), c.map((x) => x.ids));
  for (const x of a) {
    assert.equal(x.ids.length, x.logprobs.length);
    assert.ok(x.logprobs.every((l) => l <= 0 && Number.isFinite(l)));
  }
});

Deno.test("KV-cache decoding equals full recompute (greedy tokens and log-probs, ragged prompts)", async () => {
  for (const arch of ["qwen2", "llama", "gpt2"] as const) {
    const cfg: ModelConfig = {
      ...CFG,
      arch,
      qkvBias: arch === "qwen2",
      kvHeads: arch === "gpt2" ? 4 : 2,
      tieEmbeddings: arch === "gpt2",
    };
    const p = policy(cfg, 3);
    const prompts = [[72, 101, 108], [84, 104, 101, 32, 99, 97, 116], [65]];
    const opts = { maxNewTokens: 16, temperature: 0, numReturnSequences: 2 };
    const cached = await sampleTokens(p, prompts, opts);
    const full = await sampleTokens(p, prompts, { ...opts, noCache: true });
    let worst = 0;
    cached.forEach((c, i) => {
      assert.deepEqual(c.ids, full[i].ids, `${arch} row ${i}`);
      c.logprobs.forEach((
        l,
        k,
      ) => (worst = Math.max(worst, Math.abs(l - full[i].logprobs[k]))));
    });
    assert.ok(worst < 1e-4, `${arch}: max |Δ logprob| ${worst}`);
    console.log(
      `${arch}: cached vs recomputed, max |Δ logprob| = ${worst.toExponential(2)}`,
    );
  }
});

Deno.test("sampling stops at EOS and at stop strings, and validates its options", async () => {
  const p = policy();
  const all = Array.from({ length: 258 }, (_, i) => i);
  const [e] = await sampleTexts(p, ["Hi"], {
    eosTokenIds: all,
    maxNewTokens: 8,
    seed: 1,
  });
  assert.equal(e.finish, "eos");
  assert.equal(e.ids.length, 1);
  const [s] = await sampleTexts(p, ["Hi"], {
    stop: [""],
    maxNewTokens: 8,
    seed: 1,
    eosTokenIds: [],
  });
  assert.equal(s.finish, "stop");
  assert.equal(s.text, "");
  const [l] = await sampleTexts(p, ["Hi"], {
    maxNewTokens: 5,
    seed: 1,
    eosTokenIds: [],
  });
  assert.equal(l.finish, "length");
  assert.equal(l.ids.length, 5);
  await assert.rejects(
    () => sampleTexts(p, ["Hi"], { numReturnSequences: 0 }),
    /numReturnSequences must be ≥ 1/,
  );
  await assert.rejects(() => sampleTokens(p, [[]]), /at least one token/);
});

Deno.test("packSequences: targets are shifted ids, mask covers exactly the completion", async () => {
  const { packSequences } = await import("../lib/policy/pack.ts");
  const b = packSequences([{ promptIds: [5, 6], ids: [7, 8] }, {
    promptIds: [9],
    ids: [3],
  }], { seqLen: 5, padId: 0 });
  assert.deepEqual(Array.from(b.ids, Number), [5, 6, 7, 8, 0, 9, 3, 0, 0, 0]);
  assert.deepEqual(Array.from(b.targets, Number), [
    6,
    7,
    8,
    0,
    0,
    3,
    0,
    0,
    0,
    0,
  ]);
  assert.deepEqual(Array.from(b.mask), [0, 1, 1, 0, 0, 1, 0, 0, 0, 0]);
  assert.deepEqual(Array.from(b.attn), [1, 1, 1, 1, 0, 1, 1, 0, 0, 0]);
  assert.throws(
    () => packSequences([{ promptIds: [1], ids: [2, 3] }], { seqLen: 2 }),
    /3 tokens, seqLen is 2/,
  );
});

Deno.test("scoring a sampled completion reproduces the sampler's log-probs", async () => {
  const { scoreCompletions } = await import("../lib/policy/score.ts");
  const p = policy(CFG, 4);
  const group = await sampleTexts(p, ["Once", "A longer prompt here"], {
    numReturnSequences: 3,
    maxNewTokens: 10,
    seed: 2,
  });
  const scored = await scoreCompletions(p, group, { batchSize: 4 });
  let worst = 0;
  group.forEach((c, i) => {
    assert.equal(scored[i].length, c.ids.length);
    c.logprobs.forEach((
      l,
      k,
    ) => (worst = Math.max(worst, Math.abs(l - scored[i][k]))));
  });
  assert.ok(worst < 1e-4, `max |Δ| ${worst}`);
});

Deno.test("prompts go through the tokenizer's chat template when it has one (opt-out: chatTemplate false)", async () => {
  const { encodePrompt } = await import("../lib/policy/sample.ts");
  const tok = byteTokenizer();
  const chat = {
    ...tok,
    applyChatTemplate: (ms: { role: string; content: string }[]) =>
      ms.map((m) => `<${m.role}>${m.content}\n`).join("") + "<assistant>",
  };
  const p: Policy = { ...policy(), tokenizer: chat };
  assert.deepEqual(encodePrompt(p, "hi"), tok.encode("<user>hi\n<assistant>"));
  assert.deepEqual(encodePrompt(p, "hi", { chatTemplate: false }), tok.encode("hi"));
  const [c] = await sampleTexts(p, ["hi"], { maxNewTokens: 2, seed: 1 });
  assert.deepEqual(c.promptIds, tok.encode("<user>hi\n<assistant>"));
});
