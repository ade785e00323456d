// Hugging Face folders: bit-exact round trips (F32, BF16, sharded, GPT-2 prefix) and clear errors.
import assert from "node:assert/strict";
import type { ModelConfig } from "../lib/model/config.ts";
import { loadPolicy, savePolicy } from "../lib/policy/load.ts";
import { sampleTokens } from "../lib/policy/sample.ts";
import { bf16ToF32, f32ToBf16 } from "../lib/model/float_bits.ts";
import { UserError } from "../lib/util/errors.ts";
import { randomPolicy, runLogitsCli, tinyConfig } from "./fixtures.ts";

const CFG = tinyConfig({ intermediate: 48, maxPositions: 128 });

const read = (p: string) => Deno.readFile(p);

async function filesOf(dir: string): Promise<Record<string, Uint8Array>> {
  const out: Record<string, Uint8Array> = {};
  for await (const e of Deno.readDir(dir)) {
    if (e.isFile) out[e.name] = await read(`${dir}/${e.name}`);
  }
  return out;
}

Deno.test("F32 checkpoint: save → load → save is byte-identical and loads the same values", async () => {
  const dir = await Deno.makeTempDir();
  const p = randomPolicy(CFG, 1);
  await savePolicy(p, `${dir}/a`);
  const q = await loadPolicy(`${dir}/a`);
  for (const [k, v] of Object.entries(p.params)) {
    assert.deepEqual(q.params[k].data, v.data, k);
  }
  assert.deepEqual(q.cfg, {
    ...CFG,
    bosTokenId: q.cfg.bosTokenId,
    padTokenId: q.cfg.padTokenId,
  });
  await savePolicy(q, `${dir}/b`);
  const [fa, fb] = [await filesOf(`${dir}/a`), await filesOf(`${dir}/b`)];
  assert.deepEqual(Object.keys(fa).sort(), Object.keys(fb).sort());
  for (const k of Object.keys(fa)) assert.deepEqual(fa[k], fb[k], k);
  // The loaded policy generates exactly what the original does.
  const opts = { maxNewTokens: 8, seed: 3, numReturnSequences: 2 };
  const [x, y] = [
    await sampleTokens(p, [[72, 105]], opts),
    await sampleTokens(q, [[72, 105]], opts),
  ];
  assert.deepEqual(x.map((c) => c.ids), y.map((c) => c.ids));
  await Deno.remove(dir, { recursive: true });
});

Deno.test("BF16 and sharded checkpoints keep their dtype and layout through a round trip", async () => {
  const dir = await Deno.makeTempDir();
  const p = randomPolicy(CFG, 2);
  for (const t of Object.values(p.params)) {
    t.data = bf16ToF32(f32ToBf16(t.data as Float32Array));
  }
  p.storage.dtypes = Object.fromEntries(
    Object.keys(p.params).map((k) => [k, "BF16" as const]),
  );
  await savePolicy(p, `${dir}/a`, { maxShardBytes: 20_000 });
  const files = await filesOf(`${dir}/a`);
  assert.ok(files["model.safetensors.index.json"], "sharded index written");
  assert.ok(
    Object.keys(files).filter((f) => /^model-\d{5}-of-\d{5}\.safetensors$/.test(f)).length >= 2,
  );
  const q = await loadPolicy(`${dir}/a`);
  assert.ok(Object.values(q.storage.dtypes).every((d) => d === "BF16"));
  for (const [k, v] of Object.entries(p.params)) {
    assert.deepEqual(q.params[k].data, v.data, k);
  }
  await savePolicy(q, `${dir}/b`, { maxShardBytes: 20_000 });
  const fb = await filesOf(`${dir}/b`);
  for (const k of Object.keys(files)) assert.deepEqual(files[k], fb[k], k);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("GPT-2 checkpoint with the 'transformer.' prefix loads and saves with the prefix", async () => {
  const dir = await Deno.makeTempDir();
  const cfg: ModelConfig = {
    ...CFG,
    arch: "gpt2",
    kvHeads: 4,
    tieEmbeddings: true,
    activation: "gelu_new",
    ropeTheta: 0,
  };
  const p = randomPolicy(cfg, 4);
  p.storage.prefix = "transformer.";
  await savePolicy(p, `${dir}/a`);
  const header = new TextDecoder().decode(
    (await read(`${dir}/a/model.safetensors`)).subarray(8, 400),
  );
  assert.match(header, /"transformer\.h\.0\./);
  const q = await loadPolicy(`${dir}/a`);
  assert.equal(q.storage.prefix, "transformer.");
  for (const [k, v] of Object.entries(p.params)) {
    assert.deepEqual(q.params[k].data, v.data, k);
  }
  await Deno.remove(dir, { recursive: true });
});

async function expectUserError(f: () => Promise<unknown>, pattern: RegExp) {
  await assert.rejects(f, (e: Error) => {
    assert.ok(
      e instanceof UserError,
      `expected a UserError, got ${e?.constructor?.name}: ${e?.message}`,
    );
    assert.match(e.message, pattern);
    return true;
  });
}

Deno.test("bad folders give one clear error naming the file and the problem", async () => {
  const dir = await Deno.makeTempDir();
  await expectUserError(
    () => loadPolicy(`${dir}/nope`),
    /nope: model folder not found/,
  );
  const good = `${dir}/good`;
  await savePolicy(randomPolicy(CFG, 5), good);
  const copy = async (name: string) => {
    const d = `${dir}/${name}`;
    await Deno.mkdir(d);
    for await (const e of Deno.readDir(good)) {
      await Deno.copyFile(`${good}/${e.name}`, `${d}/${e.name}`);
    }
    return d;
  };
  const cfgJson = async (d: string, patch: Record<string, unknown>) => {
    const c = JSON.parse(await Deno.readTextFile(`${d}/config.json`));
    await Deno.writeTextFile(
      `${d}/config.json`,
      JSON.stringify({ ...c, ...patch }),
    );
  };
  const noCfg = await copy("nocfg");
  await Deno.remove(`${noCfg}/config.json`);
  await expectUserError(() => loadPolicy(noCfg), /nocfg\/config\.json/);
  const unknown = await copy("unknown");
  await cfgJson(unknown, { model_type: "mamba" });
  await expectUserError(
    () => loadPolicy(unknown),
    /config\.json.*mamba.*(llama|qwen2|gpt2)/s,
  );
  const shape = await copy("shape");
  await cfgJson(shape, { intermediate_size: 64 });
  await expectUserError(
    () => loadPolicy(shape),
    /model\.safetensors.*mlp\.(gate|up|down)_proj\.weight.*(64|48)/s,
  );
  const trunc = await copy("trunc");
  const bytes = await read(`${trunc}/model.safetensors`);
  await Deno.writeFile(
    `${trunc}/model.safetensors`,
    bytes.subarray(0, bytes.length - 100),
  );
  await expectUserError(
    () => loadPolicy(trunc),
    /model\.safetensors.*(truncated|beyond|end of the file|short)/is,
  );
  const corrupt = await copy("corrupt");
  const c2 = bytes.slice();
  c2.fill(0x7b, 8, 40); // garbage inside the JSON header
  await Deno.writeFile(`${corrupt}/model.safetensors`, c2);
  await expectUserError(() => loadPolicy(corrupt), /model\.safetensors/);
  // A tokenizer with more ids than the model has embeddings.
  const vocab = await copy("vocab");
  const small = { ...CFG, vocabSize: 200 };
  await savePolicy(
    randomPolicy(small, 6),
    vocab,
  );
  await expectUserError(() => loadPolicy(vocab), /258.*200|200.*258/);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("tools/logits.ts prints one row of vocab-size logits per position, matching computeLogits", async () => {
  const { computeLogits } = await import("../lib/policy/logits.ts");
  const dir = await Deno.makeTempDir();
  const p = randomPolicy(CFG, 9);
  await savePolicy(p, dir);
  const out = await runLogitsCli(dir, "72,105,33");
  assert.equal(out.code, 0, out.stderr);
  const { logits } = JSON.parse(out.stdout);
  assert.equal(logits.length, 3);
  assert.ok(logits.every((r: number[]) => r.length === 258));
  const ours = await computeLogits(p, [[72, 105, 33]]);
  assert.deepEqual(Float32Array.from(logits.flat()), ours);
  const bad = await runLogitsCli(dir, "1,x");
  assert.equal(bad.code, 2);
  assert.match(
    bad.stderr,
    /--ids must be comma-separated/,
  );
  await Deno.remove(dir, { recursive: true });
});
