// Bad input gives one UserError naming the file/field and the numbers: tokenizer vs model
// vocab, sharded weight files, non-floating weights, gpt2 inputs past n_positions, NaN logits,
// a full KV cache.
import assert from "node:assert/strict";
import type { ModelConfig } from "../lib/model/config.ts";
import { loadPolicy, savePolicy } from "../lib/policy/load.ts";
import { sampleTokens } from "../lib/policy/sample.ts";
import { computeLogits } from "../lib/policy/logits.ts";
import { chooseToken } from "../lib/policy/choose.ts";
import { createKvCache, decodeSession, decodeStep } from "../lib/policy/decode.ts";
import { loadSafetensors } from "../lib/model/safetensors.ts";
import { saveSafetensors } from "../lib/model/safetensors_write.ts";
import { makeRng } from "../lib/util/rng.ts";
import { UserError } from "../lib/util/errors.ts";
import { randomPolicy, runLogitsCli, tinyConfig } from "./fixtures.ts";

const CFG = tinyConfig({ intermediate: 48, maxPositions: 128 });
const GPT2: ModelConfig = {
  ...CFG,
  arch: "gpt2",
  kvHeads: 4,
  tieEmbeddings: true,
  activation: "gelu_new",
  ropeTheta: 0,
  maxPositions: 16,
};

function userError(message: string) {
  return (e: Error) => {
    assert.ok(e instanceof UserError, `expected a UserError, got ${e?.constructor?.name}: ${e}`);
    assert.equal(e.message, message);
    return true;
  };
}

Deno.test("a tokenizer with more ids than the model names tokenizer.json, config.json and both sizes", async () => {
  const dir = await Deno.makeTempDir();
  await savePolicy(randomPolicy({ ...CFG, vocabSize: 200 }, 1), dir);
  await assert.rejects(
    () => loadPolicy(dir),
    userError(
      `${dir}/tokenizer.json: tokenizer vocabulary (258 ids) exceeds vocab_size 200 in ${dir}/config.json`,
    ),
  );
  await Deno.remove(dir, { recursive: true });
});

Deno.test("a shape mismatch in a sharded checkpoint names the shard holding the tensor", async () => {
  const dir = await Deno.makeTempDir();
  await savePolicy(randomPolicy(CFG, 2), dir, { maxShardBytes: 20_000 });
  const index = JSON.parse(await Deno.readTextFile(`${dir}/model.safetensors.index.json`));
  const cfg = JSON.parse(await Deno.readTextFile(`${dir}/config.json`));
  await Deno.writeTextFile(`${dir}/config.json`, JSON.stringify({ ...cfg, intermediate_size: 64 }));
  const shard = (n: string) => `${dir}/${index.weight_map[n]}`;
  const lines = [0, 1].flatMap((l) => {
    const m = `model.layers.${l}.mlp.`;
    return [
      `  ${
        shard(m + "down_proj.weight")
      }: tensor '${m}down_proj.weight' has shape [32, 48], expected [32, 64]`,
      `  ${
        shard(m + "gate_proj.weight")
      }: tensor '${m}gate_proj.weight' has shape [48, 32], expected [64, 32]`,
      `  ${
        shard(m + "up_proj.weight")
      }: tensor '${m}up_proj.weight' has shape [48, 32], expected [64, 32]`,
    ];
  });
  await assert.rejects(() => loadPolicy(dir), (e: Error) => {
    assert.ok(e instanceof UserError);
    const got = e.message.split("\n");
    assert.equal(got[0], `${dir}/model.safetensors.index.json: 6 problems with the weights:`);
    assert.deepEqual(got.slice(1).sort(), lines.sort());
    assert.ok(got.slice(1).every((l) => /model-0000\d-of-0000\d\.safetensors: /.test(l)));
    return true;
  });
  await Deno.remove(dir, { recursive: true });
});

Deno.test("an integer-typed weight is a clear error naming file, tensor and dtype", async () => {
  const dir = await Deno.makeTempDir();
  await savePolicy(randomPolicy(CFG, 3), dir);
  const file = `${dir}/model.safetensors`;
  const { tensors } = await loadSafetensors(file);
  tensors["model.norm.weight"] = { dtype: "I32", shape: [32], data: new Int32Array(32).fill(1) };
  await saveSafetensors(file, tensors, { format: "pt" });
  await assert.rejects(
    () => loadPolicy(dir),
    userError(
      `${file}: tensor 'model.norm.weight' has dtype I32, expected a floating dtype (F32, F16, BF16)`,
    ),
  );
  await Deno.remove(dir, { recursive: true });
});

Deno.test("gpt2 inputs longer than n_positions are UserErrors in computeLogits, sampling and tools/logits.ts", async () => {
  const p = randomPolicy(GPT2, 4);
  const ids = (n: number) => Array.from({ length: n }, (_, i) => 65 + i);
  assert.equal((await computeLogits(p, [ids(16)])).length, 16 * 258); // the limit itself is fine
  await assert.rejects(
    () => computeLogits(p, [ids(17)]),
    userError(
      "computeLogits: 17 tokens exceed the model's 16 learned positions (n_positions in config.json)",
    ),
  );
  await assert.rejects(
    () => sampleTokens(p, [ids(10)], { maxNewTokens: 8 }),
    userError(
      "sample: prompt (10 tokens) + maxNewTokens (8) = 18 exceeds the model's 16 positions (n_positions in config.json)",
    ),
  );
  const dir = await Deno.makeTempDir();
  await savePolicy(p, dir);
  const out = await runLogitsCli(dir, ids(17).join(","));
  assert.equal(out.code, 2);
  assert.equal(
    out.stderr.trim(),
    `error: --ids has 17 tokens but ${dir}/config.json has n_positions 16 (gpt2's learned position table)`,
  );
  await Deno.remove(dir, { recursive: true });
});

Deno.test("NaN logits and a full KV cache are UserErrors, not -1 tokens or plain Errors", async () => {
  assert.throws(
    () => chooseToken(new Float32Array([0, NaN, 1]), {}, makeRng(1)),
    userError(
      "chooseToken: logit 1 of 3 is NaN (the model's weights or inputs produced NaN; check the checkpoint for NaN/Inf values)",
    ),
  );
  assert.throws(
    () => chooseToken(new Float32Array([-Infinity, -Infinity]), { temperature: 0 }, makeRng(1)),
    userError("chooseToken: the log-sum-exp of the 2 logits is -Infinity, expected a finite value"),
  );
  const p = randomPolicy(CFG, 5);
  const session = await decodeSession(p.cfg);
  const cache = createKvCache(p.cfg, 1, 2);
  await assert.rejects(
    () =>
      decodeStep(session, p.cfg, p.params, cache, {
        ids: BigInt64Array.from([1n, 2n, 3n]),
        positions: BigInt64Array.from([0n, 1n, 2n]),
        bias: new Float32Array(9),
        tokens: 3,
      }),
    userError(
      "decodeStep: KV cache full: 0 cached + 3 new positions exceed its capacity 2 (createKvCache maxLen)",
    ),
  );
});
