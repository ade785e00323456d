import assert from "node:assert/strict";

const dec = (b: Uint8Array) => new TextDecoder().decode(b);
const main = (...args: string[]) =>
  new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "tools/main.ts", ...args],
    stdout: "piped",
    stderr: "piped",
  }).output();
const exists = (p: string) => Deno.stat(p).then(() => true, () => false);

Deno.test("main --help: what the toy task rewards and every option", async () => {
  const out = await main("--help");
  assert.equal(out.code, 0);
  const text = dec(out.stdout);
  for (
    const w of [
      "topic",
      "short",
      "ratio",
      "overlap",
      "max 1.0",
      "--steps",
      "--fresh",
      "--runs",
      "--finetune",
      "--base-dtype",
      "deno task report",
    ]
  ) {
    assert.ok(text.includes(w), w);
  }
  const bad = await main("--steps", "0");
  assert.equal(bad.code, 2);
  assert.match(dec(bad.stderr), /--steps must be a positive integer, got '0'/);
});

Deno.test("main: answers before/after, levels, paths, figure; reruns keep earlier runs; no checkpoints", async () => {
  const runs = await Deno.makeTempDir({ prefix: "main-cli-" });
  const base = `${runs}/main-magrpo-toy-seed0`;
  try {
    const first = await main("--steps", "1", "--runs", runs);
    const text = dec(first.stdout);
    assert.equal(first.code, 0, dec(first.stderr));
    for (
      const w of [
        `→ ${base}\n`,
        `Before training, greedy answers for "a quiet girl":`,
        `After training, greedy answers for "a quiet girl":`,
        "cooperative levels",
        `metrics:     ${base}/metrics.jsonl`,
        `agents:      ${base}/agent-0, ${base}/agent-1`,
        `figure:      ${base}/curves.html, ${base}/curves.png`,
      ]
    ) assert.ok(text.includes(w), `${w}\n---\n${text}`);
    assert.match(text, /step {3}1 {2}reward \d\.\d{3} {2}loss -?\d+\.\d{3} \/ -?\d+\.\d{3}/);
    assert.match(text, /^ {2}(topic|short|ratio|overlap) +\d\.\d{3} → \d\.\d{3}$/m);
    for (
      const f of [
        "metrics.jsonl",
        "agent-0/config.json",
        "curves.html",
        "curves.png",
        "manifest.json",
        "completions.jsonl",
      ]
    ) {
      assert.ok(await exists(`${base}/${f}`), f);
    }
    assert.equal(
      [...Deno.readDirSync(base)].filter((e) => e.name.startsWith("events.out.tfevents.")).length,
      1,
    );
    // checkpoint.every: 0 writes no checkpoint, not even at the last step
    assert.equal(await exists(`${base}/checkpoints`), false);
    const firstMetrics = await Deno.readTextFile(`${base}/metrics.jsonl`);
    // a rerun goes to a new folder and leaves the first run as it was
    const second = await main("--steps", "1", "--runs", runs);
    assert.equal(second.code, 0, dec(second.stderr));
    assert.ok(dec(second.stdout).includes(`→ ${base}-2\n`));
    assert.equal(await Deno.readTextFile(`${base}/metrics.jsonl`), firstMetrics);
    assert.ok(await exists(`${base}-2/agent-1/config.json`));
    // --fresh reuses the first folder and says what it removed
    const fresh = await main("--steps", "1", "--runs", runs, "--fresh");
    assert.equal(fresh.code, 0, dec(fresh.stderr));
    assert.match(
      dec(fresh.stdout),
      new RegExp(`fresh run in ${base}: removed the previous run's metrics\\.jsonl \\(1 line\\)`),
    );
    assert.ok(await exists(`${base}-2/metrics.jsonl`));
    assert.equal(await exists(`${base}-3`), false);
  } finally {
    await Deno.remove(runs, { recursive: true });
  }
});

Deno.test("main --finetune lora: PEFT adapter agents over a float16 base, answered after training", async () => {
  const bad = await main("--base-dtype", "float16");
  assert.equal(bad.code, 2);
  assert.match(dec(bad.stderr), /--base-dtype float16 needs --finetune lora/);
  const runs = await Deno.makeTempDir({ prefix: "main-cli-lora-" });
  const base = `${runs}/main-magrpo-toy-seed0`;
  try {
    const args = ["--finetune", "lora", "--lora-r", "4", "--base-dtype", "float16"];
    const out = await main("--steps", "1", "--runs", runs, ...args);
    const text = dec(out.stdout);
    assert.equal(out.code, 0, dec(out.stderr));
    for (
      const w of [
        "LoRA r=4 adapters over one shared float16 base",
        `After training, greedy answers for "a quiet girl":`,
        `agents:      ${base}/agent-0, ${base}/agent-1 (PEFT LoRA adapter folders over `,
      ]
    ) assert.ok(text.includes(w), `${w}\n---\n${text}`);
    assert.match(
      text,
      /After training[^\n]*\n(?: {2}agent \d [^\n]*\n){2} {2}joint reward \d\.\d{3}/,
    );
    const j = JSON.parse(await Deno.readTextFile(`${base}/agent-1/adapter_config.json`));
    assert.deepEqual([j.peft_type, j.r, j.lora_alpha], ["LORA", 4, 8]);
    assert.ok(j.base_model_name_or_path.endsWith("data/default-model"), j.base_model_name_or_path);
    assert.equal(await exists(`${base}/agent-1/config.json`), false); // no full copy
    const cfg = JSON.parse(await Deno.readTextFile(`${base}/config.json`));
    assert.deepEqual([cfg.finetune, cfg.lora.baseDtype, cfg.optimizer.lr], [
      "lora",
      "float16",
      5e-4,
    ]);
  } finally {
    await Deno.remove(runs, { recursive: true });
  }
});
