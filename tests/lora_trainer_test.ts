// LoRA runs end to end: one base shared by the agents, per-agent adapters from (seed, agent),
// checkpoints holding adapters and their moments only, bit-exact resume, PEFT adapter folders
// at the end, and a ~20M-parameter model sampled and updated by one MAGRPO LoRA step (in its
// own process, tests/lora_scale_step.ts).
import assert from "node:assert/strict";
import { loadPolicy } from "../lib/policy/load.ts";
import { type TrainerConfig, validateConfig } from "../lib/rl/config.ts";
import { train } from "../lib/rl/trainer.ts";
import { listCheckpoints } from "../lib/rl/checkpoint.ts";
import { createStepContext } from "../lib/rl/step_context.ts";
import { initRunState } from "../lib/rl/run_state.ts";
import { loadSafetensors } from "../lib/model/safetensors.ts";
import { UserError } from "../lib/util/errors.ts";
import { randomPolicy, tinyConfig } from "./fixtures.ts";

const bits = (t: { data: unknown }) => new Uint8Array((t.data as Float32Array).slice().buffer);

/** The default model (4 layers, width 128): its toy-task rewards vary, so updates move. */
const MODEL = new URL("../data/default-model", import.meta.url).pathname;

function config(root: string, dir: string, extra: Record<string, unknown> = {}): TrainerConfig {
  return validateConfig({
    model: MODEL,
    finetune: "lora",
    lora: { r: 4, alpha: 8, targets: ["q_proj", "v_proj", "down_proj"] },
    groupSize: 3,
    steps: 4,
    sampling: { maxNewTokens: 8 },
    optimizer: { lr: 1e-2 },
    checkpoint: { every: 2, keep: 2 },
    log: { dir: `${root}/${dir}` },
    ...extra,
  }, "test");
}

Deno.test("LoRA context: one base loaded once for both agents, adapters from (seed, agent)", async () => {
  const root = await Deno.makeTempDir({ prefix: "lora_trainer_" });
  try {
    const ctx = await createStepContext(config(root, "ctx"));
    const [a, b] = ctx.bases;
    assert.equal(a.params, b.params); // the same object: loaded once, never copied
    assert.deepEqual(a.cfg.lora, { r: 4, scale: 2, targets: ["q_proj", "v_proj", "down_proj"] });
    assert.equal(a.adapter!.basePath, MODEL);
    const run = initRunState(ctx);
    // 4 layers × 3 targets × (A, B); nothing of the base in the state
    assert.deepEqual(Object.keys(run.agents[0].params).length, 24);
    const q = "model.layers.0.self_attn.q_proj.lora_A.weight";
    assert.deepEqual(run.agents[0].params[q].dims, [4, 128]);
    assert.notDeepEqual(bits(run.agents[0].params[q]), bits(run.agents[1].params[q]));
    const again = initRunState(await createStepContext(config(root, "ctx")));
    assert.deepEqual(bits(again.agents[1].params[q]), bits(run.agents[1].params[q])); // seeded
    // PEFT's init: A uniform on ±1/√in, B zero
    assert.ok(
      (run.agents[0].params[q].data as Float32Array).every((x) =>
        Math.abs(x) <= 1 / Math.sqrt(128)
      ),
    );
    const qb = "model.layers.0.self_attn.q_proj.lora_B.weight";
    assert.ok((run.agents[0].params[qb].data as Float32Array).every((x) => x === 0));
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("LoRA run: killed between checkpoints, it resumes bit-exactly; adapters saved as PEFT folders", async () => {
  const root = await Deno.makeTempDir({ prefix: "lora_trainer_" });
  try {
    const baseBefore = await Deno.readFile(`${MODEL}/model.safetensors`);
    const straight = await train(config(root, "a"), { quiet: true });
    await assert.rejects(
      () =>
        train(config(root, "b"), {
          quiet: true,
          onStep: (r) => {
            if (r.type === "step" && r.step === 3) throw new Error("killed");
          },
        }),
      /killed/,
    );
    assert.deepEqual((await listCheckpoints(`${root}/b/checkpoints`)).map((c) => c.step), [2]);
    // the checkpoint holds adapters and their moments only
    const ck = await loadSafetensors(`${root}/b/checkpoints/step-000002/agent-0.safetensors`);
    const keys = Object.keys(ck.tensors);
    assert.equal(keys.length, 3 * 24);
    assert.ok(
      keys.every((k) => /^(param|m|v)\/model\.layers\.\d\..*\.lora_[AB]\.weight$/.test(k)),
      keys.join(),
    );
    const resumed = await train(config(root, "b"), { quiet: true });
    assert.deepEqual(resumed.records.map((r) => r.step), [3, 4]);
    straight.states.forEach((s, i) => {
      assert.equal(Object.keys(s.params).length, 24);
      for (const k of Object.keys(s.params)) {
        assert.deepEqual(bits(resumed.states[i].params[k]), bits(s.params[k]), `agent ${i} ${k}`);
        assert.deepEqual(bits(resumed.states[i].m[k]), bits(s.m[k]), `agent ${i} m/${k}`);
        assert.deepEqual(bits(resumed.states[i].v[k]), bits(s.v[k]), `agent ${i} v/${k}`);
      }
      assert.equal(resumed.states[i].step, 4);
      // the adapters trained: B left zero (rewards varied, see the records)
      const b = s.params["model.layers.3.mlp.down_proj.lora_B.weight"].data as Float32Array;
      assert.ok(b.some((x) => x !== 0));
    });
    // The agents: PEFT adapter folders naming the base, loadable over it
    for (const i of [0, 1]) {
      const dir = `${root}/b/agent-${i}`;
      const j = JSON.parse(await Deno.readTextFile(`${dir}/adapter_config.json`));
      assert.deepEqual(
        [j.peft_type, j.r, j.lora_alpha, j.target_modules, j.base_model_name_or_path],
        ["LORA", 4, 8, ["q_proj", "v_proj", "down_proj"], MODEL],
      );
      const agent = await loadPolicy(MODEL, { adapter: dir });
      for (const [k, t] of Object.entries(straight.states[i].params)) {
        assert.deepEqual(bits(agent.adapter!.params[k]), bits(t), `agent-${i} ${k}`);
      }
    }
    // the base on disk was not touched
    assert.deepEqual(await Deno.readFile(`${MODEL}/model.safetensors`), baseBefore);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("LoRA resume of a full fine-tuning checkpoint is refused, naming finetune", async () => {
  const root = await Deno.makeTempDir({ prefix: "lora_trainer_" });
  try {
    await train(config(root, "f", { finetune: "full", steps: 1 }), { quiet: true });
    await assert.rejects(
      () => train(config(root, "f", { steps: 1 }), { quiet: true }),
      (e: Error) => e instanceof UserError && /finetune: "full" → "lora"/.test(e.message),
    );
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("LoRA config: targets checked by name, gpt2 refused with a clear error", async () => {
  assert.throws(
    () => validateConfig({ lora: { targets: ["q_proj", "c_attn", "q_proj"] } }, "run.json"),
    (e: Error) =>
      e instanceof UserError && /2 problems/.test(e.message) &&
      /lora\.targets: unknown module 'c_attn'/.test(e.message) &&
      /'q_proj' is listed twice/.test(e.message),
  );
  assert.throws(
    () => validateConfig({ lora: { r: 0 } }, "x"),
    /lora\.r: expected an integer in \[1, 4096\], got 0/,
  );
  assert.throws(
    () => validateConfig({ finetune: "qlora" }, "x"),
    /finetune: expected one of "full" \| "lora"/,
  );
  const gpt2 = randomPolicy(tinyConfig({ arch: "gpt2", headDim: 8, heads: 4, kvHeads: 4 }), 1);
  await assert.rejects(
    () => createStepContext(validateConfig({ finetune: "lora" }, "x"), { policies: gpt2 }),
    (e: Error) => e instanceof UserError && /not gpt2/.test(e.message),
  );
});

Deno.test("~20M-parameter model: sampling and one MAGRPO LoRA step; the base stays put", async () => {
  // its own process (tests/lora_scale_step.ts), so that the peak RSS is the step's alone
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", new URL("./lora_scale_step.ts", import.meta.url).pathname, "lora"],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stdout);
  assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
  const r = JSON.parse(text.trim().split("\n").at(-1)!);
  console.log(
    `20M LoRA step: ${r.parameters} base parameters, ${r.trainableTensors} adapter tensors, ` +
      `losses ${r.losses.map((x: number) => x.toFixed(4))}, ${r.seconds.total.toFixed(1)} s ` +
      `(sampling ${r.seconds.sampling.toFixed(1)} s, update ${r.seconds.update.toFixed(1)} s), ` +
      `peak RSS ${r.peakMiB.toFixed(0)} MiB`,
  );
  assert.ok(r.parameters > 19e6 && r.parameters < 21e6, `${r.parameters} parameters`);
  assert.equal(r.losses.length, 2);
  assert.ok(r.losses.every(Number.isFinite), `losses ${r.losses}`);
  // 6 layers × 7 targets × (A, B) = 84 tensors per agent; r 16 and (in + out) per projection:
  // 6 · 16 · (4 · (512 + 512) + 3 · (512 + 1408)) = 946,176 numbers
  assert.deepEqual([r.trainableTensors, r.trainableSize], [84, 946176]);
  // every lora_B moved (A too where B's first step made its gradient non-zero: not at step 1)
  assert.ok(r.moved.every((m: number) => m >= 42), `moved ${r.moved}`);
  assert.equal(r.baseUnchanged, true);
  // Measured 2026-12-07: 372 MiB with LoRA; the same step with `full` (two fp32 copies with
  // AdamW moments) 1086 MiB.
  assert.ok(r.peakMiB < 500, `peak RSS ${r.peakMiB} MiB`);
});
