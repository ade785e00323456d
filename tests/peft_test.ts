// PEFT adapter folders (lib/model/peft.ts, loadPolicy { adapter }, mergeAdapter, tools/logits.ts
// --adapter): the saved key names and config fields against hand-written lists, a round trip,
// an adapter written by tools/make_peft_fixture.py with only json + struct (values recomputed
// here from its formula), the CLI against hand-merged weights, and clear errors.
import assert from "node:assert/strict";
import { loadAdapter, saveAdapter } from "../lib/model/peft.ts";
import { initLora, type LoraConfig, withLoraConfig } from "../lib/model/lora.ts";
import type { ParamStore } from "../lib/model/params.ts";
import { loadPolicy, savePolicy } from "../lib/policy/load.ts";
import { mergeAdapter, withAdapter } from "../lib/policy/policy.ts";
import { computeLogits } from "../lib/policy/logits.ts";
import { makeRng, randNormal } from "../lib/util/rng.ts";
import { randomPolicy, tinyConfig, tinyLlamaConfig, tinyModelFolder } from "./fixtures.ts";

const FIXTURE = new URL("./reference/peft_adapter/", import.meta.url).pathname;
const LC: LoraConfig = { r: 4, alpha: 8, targets: ["v_proj", "q_proj"] };

/** An agent over tinyLlamaConfig with nonzero A and B. */
function agent(seed: number) {
  const base = randomPolicy(tinyLlamaConfig(), seed, 0.2);
  const params = initLora(withLoraConfig(base.cfg, LC), seed);
  const rng = makeRng(`peft/${seed}`);
  for (const [n, t] of Object.entries(params)) {
    if (!n.endsWith("lora_B.weight")) continue;
    for (let i = 0; i < t.data.length; i++) (t.data as Float32Array)[i] = 0.1 * randNormal(rng);
  }
  return withAdapter(base, { config: LC, params });
}

/** The header of a safetensors file, parsed here by hand (u64 length + JSON). */
async function header(path: string): Promise<Record<string, unknown>> {
  const bytes = await Deno.readFile(path);
  const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
  return JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n)));
}

Deno.test("saveAdapter writes PEFT's key names, dtypes, shapes and config fields", async () => {
  const dir = await Deno.makeTempDir({ prefix: "peft_save_" });
  await saveAdapter(dir, agent(1), { basePath: "some/base" });
  const h = await header(`${dir}/adapter_model.safetensors`);
  const p = "base_model.model.model.layers.0.self_attn.";
  assert.deepEqual(Object.keys(h).sort(), [
    "__metadata__",
    `${p}q_proj.lora_A.weight`,
    `${p}q_proj.lora_B.weight`,
    `${p}v_proj.lora_A.weight`,
    `${p}v_proj.lora_B.weight`,
  ]);
  assert.deepEqual(h.__metadata__, { format: "pt" });
  // hidden 32, q: 2 heads × 16 = 32 rows, v: 1 KV head × 16 = 16 rows, r = 4
  const entry = (k: string) => h[`${p}${k}`] as { dtype: string; shape: number[] };
  assert.deepEqual(entry("q_proj.lora_A.weight").shape, [4, 32]);
  assert.deepEqual(entry("q_proj.lora_B.weight").shape, [32, 4]);
  assert.deepEqual(entry("v_proj.lora_A.weight").shape, [4, 32]);
  assert.deepEqual(entry("v_proj.lora_B.weight").shape, [16, 4]);
  assert.equal(entry("v_proj.lora_B.weight").dtype, "F32");
  const cfg = JSON.parse(await Deno.readTextFile(`${dir}/adapter_config.json`));
  assert.equal(cfg.peft_type, "LORA");
  assert.equal(cfg.task_type, "CAUSAL_LM");
  assert.equal(cfg.r, 4);
  assert.equal(cfg.lora_alpha, 8);
  assert.deepEqual(cfg.target_modules, ["q_proj", "v_proj"]);
  assert.equal(cfg.use_rslora, false);
  assert.equal(cfg.use_dora, false);
  assert.equal(cfg.bias, "none");
  assert.equal(cfg.lora_dropout, 0);
  assert.equal(cfg.fan_in_fan_out, false);
  assert.equal(cfg.inference_mode, true);
  assert.equal(cfg.base_model_name_or_path, "some/base");
  assert.deepEqual(Object.keys(cfg), Object.keys(cfg).sort(), "keys sorted as PEFT writes them");
});

Deno.test("an adapter round-trips: loadAdapter(saveAdapter) gives the same config and values", async () => {
  const a = agent(2), dir = await Deno.makeTempDir({ prefix: "peft_rt_" });
  await saveAdapter(dir, withAdapter(a, { ...a.adapter!, config: { ...LC, rslora: true } }));
  const back = await loadAdapter(dir, a.cfg);
  assert.deepEqual(back.config, { r: 4, alpha: 8, targets: ["q_proj", "v_proj"], rslora: true });
  assert.deepEqual(Object.keys(back.params).sort(), Object.keys(a.adapter!.params).sort());
  for (const [n, t] of Object.entries(a.adapter!.params)) {
    assert.deepEqual(back.params[n].dims, t.dims);
    assert.deepEqual(back.params[n].data, t.data, n);
  }
  // without the base config: names and rank are still checked
  assert.deepEqual((await loadAdapter(dir)).config.targets, ["q_proj", "v_proj"]);
});

Deno.test("loads an adapter written by a json+struct script (F32, BF16, F16; rsLoRA)", async () => {
  const tmp = await tinyModelFolder("peft_fixture_");
  const policy = await loadPolicy(`${tmp}/model`, { adapter: FIXTURE });
  const ad = policy.adapter!;
  assert.deepEqual(ad.config, {
    r: 2,
    alpha: 4,
    targets: ["q_proj", "v_proj", "down_proj"],
    rslora: true,
  });
  assert.equal(ad.basePath, `${tmp}/model`);
  assert.deepEqual(policy.cfg.lora, {
    r: 2,
    scale: 4 / Math.sqrt(2),
    targets: ["q_proj", "v_proj", "down_proj"],
  });
  const a = (i: number, j: number) => (((7 * i + 3 * j) % 11) - 5) / 32;
  const b = (i: number, j: number) => (((5 * i + j) % 7) - 3) / 64;
  const dims: Record<string, [number, number]> = {
    "model.layers.0.self_attn.q_proj": [32, 32],
    "model.layers.0.self_attn.v_proj": [16, 32],
    "model.layers.0.mlp.down_proj": [32, 64],
  };
  for (const [m, [out, inDim]] of Object.entries(dims)) {
    const ta = ad.params[`${m}.lora_A.weight`], tb = ad.params[`${m}.lora_B.weight`];
    assert.deepEqual(ta.dims, [2, inDim]);
    assert.deepEqual(tb.dims, [out, 2]);
    for (let i = 0; i < 2; i++) {
      for (let j = 0; j < inDim; j++) assert.equal(ta.data[i * inDim + j], a(i, j), `${m} A`);
    }
    for (let i = 0; i < out; i++) {
      for (let j = 0; j < 2; j++) assert.equal(tb.data[i * 2 + j], b(i, j), `${m} B`);
    }
  }
});

/** W + scale·B·A for the fixture, by hand, as a plain (adapter-free) parameter set. */
function handMergedFixture(base: ParamStore): ParamStore {
  const out: ParamStore = { ...base }, scale = 4 / Math.sqrt(2);
  const a = (i: number, j: number) => (((7 * i + 3 * j) % 11) - 5) / 32;
  const b = (i: number, j: number) => (((5 * i + j) % 7) - 3) / 64;
  for (const m of ["self_attn.q_proj", "self_attn.v_proj", "mlp.down_proj"]) {
    const name = `model.layers.0.${m}.weight`, w = base[name];
    const [o, n] = w.dims, data = new Float32Array(o * n);
    for (let i = 0; i < o; i++) {
      for (let j = 0; j < n; j++) {
        data[i * n + j] = Number(w.data[i * n + j]) +
          scale * (b(i, 0) * a(0, j) + b(i, 1) * a(1, j));
      }
    }
    out[name] = { data, dims: [o, n] };
  }
  return out;
}

Deno.test("tools/logits.ts --adapter prints the logits of the hand-merged weights", async () => {
  const tmp = await tinyModelFolder("peft_cli_");
  const ids = [3, 1, 4, 1, 5, 9, 2, 6];
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      new URL("../tools/logits.ts", import.meta.url).pathname,
      "--model",
      `${tmp}/model`,
      "--adapter",
      FIXTURE,
      "--ids",
      ids.join(","),
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
  const cli: number[][] = JSON.parse(new TextDecoder().decode(out.stdout)).logits;
  const base = await loadPolicy(`${tmp}/model`);
  const merged = { ...base, params: handMergedFixture(base.params) };
  const [want, plain] = await Promise.all([
    computeLogits(merged, [ids]),
    computeLogits(base, [ids]),
  ]);
  let err = 0, moved = 0;
  cli.flat().forEach((x, i) => {
    err = Math.max(err, Math.abs(x - want[i]));
    moved = Math.max(moved, Math.abs(x - plain[i]));
  });
  console.log(`CLI --adapter vs hand merge: ${err.toExponential(2)}; vs base: ${moved.toFixed(3)}`);
  assert.equal(cli.length, ids.length);
  assert.ok(moved > 1e-2, `the adapter barely matters: ${moved}`);
  assert.ok(err < 1e-4, `max abs error ${err}`);
});

Deno.test("mergeAdapter saves as a full HF folder whose logits equal base + adapter", async () => {
  const a = agent(3), dir = await Deno.makeTempDir({ prefix: "peft_merge_" });
  await assert.rejects(() => savePolicy(a, `${dir}/x`), /saveAdapter/);
  await savePolicy(mergeAdapter(a), `${dir}/merged`);
  const merged = await loadPolicy(`${dir}/merged`);
  assert.equal(merged.cfg.lora, undefined);
  const seq = [[7, 6, 5, 4, 3, 2]];
  const [x, y] = await Promise.all([computeLogits(a, seq), computeLogits(merged, seq)]);
  const err = x.reduce((m, v, i) => Math.max(m, Math.abs(v - y[i])), 0);
  console.log(`adapter vs saved merged folder: ${err.toExponential(2)}`);
  assert.ok(err < 1e-4, `max abs error ${err}`);
});

Deno.test("loading refuses bad adapter folders with messages naming the file and field", async () => {
  const a = agent(4), tmp = await Deno.makeTempDir({ prefix: "peft_bad_" });
  const good = `${tmp}/good`;
  await saveAdapter(good, a);
  const variant = async (name: string, edit: (j: Record<string, unknown>) => void) => {
    const d = `${tmp}/${name}`;
    await Deno.mkdir(d);
    await Deno.copyFile(`${good}/adapter_model.safetensors`, `${d}/adapter_model.safetensors`);
    const j = JSON.parse(await Deno.readTextFile(`${good}/adapter_config.json`));
    edit(j);
    await Deno.writeTextFile(`${d}/adapter_config.json`, JSON.stringify(j));
    return d;
  };
  await assert.rejects(() => loadAdapter(`${tmp}/none`), /adapter_config\.json not found/);
  const noWeights = `${tmp}/bin`;
  await Deno.mkdir(noWeights);
  await Deno.copyFile(`${good}/adapter_config.json`, `${noWeights}/adapter_config.json`);
  await Deno.writeFile(`${noWeights}/adapter_model.bin`, new Uint8Array(4));
  await assert.rejects(
    () => loadAdapter(noWeights),
    /adapter_model\.safetensors: not found.*pickle/,
  );
  const cases: [string, (j: Record<string, unknown>) => void, RegExp][] = [
    ["bias", (j) => (j.bias = "all"), /adapter_config\.json: bias is "all"/],
    ["dora", (j) => (j.use_dora = true), /use_dora is true; DoRA/],
    ["type", (j) => (j.peft_type = "IA3"), /peft_type is "IA3"/],
    ["layers", (j) => (j.layers_to_transform = [0]), /layers_to_transform/],
    ["ranks", (j) => (j.rank_pattern = { q_proj: 8 }), /rank_pattern/],
    ["head", (j) => (j.target_modules = ["q_proj", "lm_head"]), /"lm_head"\] not supported/],
    ["rank", (j) => (j.r = 8), /shape \[4,32\], expected \[8,32\]/],
    ["fewer", (j) => (j.target_modules = ["q_proj"]), /unexpected adapter tensor/],
    [
      "more",
      (j) => (j.target_modules = "all-linear"),
      /'model\.layers\.0\.self_attn\.k_proj\.lora_A\.weight' is missing/,
    ],
  ];
  for (const [name, edit, want] of cases) {
    const d = await variant(name, edit);
    await assert.rejects(() => loadAdapter(d, a.cfg), want, name);
  }
  // a regex over module paths (PEFT's full match) selecting q and v in every layer loads; the
  // same regex on a 2-layer base selects layer 0 only and is refused
  const regex = await variant(
    "regex",
    (j) => (j.target_modules = "model\\.layers\\.0\\..*(q|v)_proj"),
  );
  assert.deepEqual((await loadAdapter(regex, a.cfg)).config.targets, ["q_proj", "v_proj"]);
  await assert.rejects(
    () => loadAdapter(regex, { ...a.cfg, layers: 2 }),
    /selects q_proj in some layers only/,
  );
  // a base with other projection sizes
  const wide = tinyLlamaConfig();
  wide.hidden = 48;
  await assert.rejects(() => loadAdapter(good, wide), /expected \[4,48\]/);
  // gpt2 bases are refused
  const gpt2 = tinyConfig({ arch: "gpt2", kvHeads: 4 });
  await assert.rejects(() => loadAdapter(good, gpt2), /not gpt2/);
  // an unexpected key in the weights file
  const extra = await variant("extra", () => {});
  const { saveSafetensors } = await import("../lib/model/safetensors_write.ts");
  await saveSafetensors(`${extra}/adapter_model.safetensors`, {
    "base_model.model.model.layers.0.self_attn.q_proj.lora_magnitude_vector": {
      dtype: "F32",
      shape: [32],
      data: new Float32Array(32),
    },
  });
  await assert.rejects(
    () => loadAdapter(extra, a.cfg),
    /unexpected tensor '.*lora_magnitude_vector'/,
  );
});

Deno.test("an adapter over a float16-stored base: logits near the float32 base's, merge exact", async () => {
  const tmp = await tinyModelFolder("peft_half_");
  const full = await loadPolicy(`${tmp}/model`, { adapter: FIXTURE });
  const half = await loadPolicy(`${tmp}/model`, { adapter: FIXTURE, baseDtype: "float16" });
  const merged = mergeAdapter(half);
  assert.equal(merged.cfg.baseDtype, undefined);
  assert.ok(Object.values(merged.params).every((t) => t.data instanceof Float32Array));
  const seq = [[2, 7, 1, 8, 2, 8]];
  const [f, h, m] = await Promise.all([
    computeLogits(full, seq),
    computeLogits(half, seq),
    computeLogits(merged, seq),
  ]);
  const maxDiff = (x: Float32Array, y: Float32Array) =>
    x.reduce((s, v, i) => Math.max(s, Math.abs(v - y[i])), 0);
  const rounding = maxDiff(f, h), mergeErr = maxDiff(h, m);
  console.log(
    `half base + adapter vs float32 base + adapter: ${rounding.toExponential(2)}; ` +
      `vs its merge: ${mergeErr.toExponential(2)}`,
  );
  assert.ok(rounding < 1e-2, `float16 rounding moved logits by ${rounding}`);
  assert.ok(mergeErr < 1e-4, `merge error ${mergeErr}`);
});
