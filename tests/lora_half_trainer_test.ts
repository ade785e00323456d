// `lora.baseDtype: "float16"`: a LoRA run over a float16-stored base (the base stays Uint16Array
// bits, shared by both agents), its adapters train, it resumes bit-exactly, its agents load over
// the float16 base; full fine-tuning refuses the key; checkpoints saved before the key existed
// still resume.
import assert from "node:assert/strict";
import { loadPolicy } from "../lib/policy/load.ts";
import {
  DEFAULT_CONFIG,
  resumeConflicts,
  type TrainerConfig,
  validateConfig,
} from "../lib/rl/config.ts";
import { train } from "../lib/rl/trainer.ts";
import { createStepContext } from "../lib/rl/step_context.ts";
import { UserError } from "../lib/util/errors.ts";

const MODEL = new URL("../data/default-model", import.meta.url).pathname;
const bits = (t: { data: unknown }) => new Uint8Array((t.data as Float32Array).slice().buffer);

function config(root: string, dir: string, extra: Record<string, unknown> = {}): TrainerConfig {
  return validateConfig({
    model: MODEL,
    finetune: "lora",
    lora: { r: 4, alpha: 8, targets: ["q_proj", "v_proj", "down_proj"], baseDtype: "float16" },
    groupSize: 3,
    steps: 2,
    sampling: { maxNewTokens: 8 },
    optimizer: { lr: 1e-2 },
    checkpoint: { every: 1, keep: 2 },
    log: { dir: `${root}/${dir}` },
    ...extra,
  }, "test");
}

Deno.test("lora.baseDtype: float32 by default, refused with finetune full", () => {
  assert.equal(DEFAULT_CONFIG.lora.baseDtype, "float32");
  assert.throws(
    () => validateConfig({ lora: { baseDtype: "float16" } }, "run.json"),
    (e: Error) =>
      e instanceof UserError && /run\.json/.test(e.message) &&
      /lora\.baseDtype: "float16" needs finetune "lora"/.test(e.message),
  );
  assert.throws(
    () => validateConfig({ finetune: "lora", lora: { baseDtype: "bfloat16" } }, "x"),
    /lora\.baseDtype: expected one of "float32" \| "float16", got "bfloat16"/,
  );
  // a checkpoint saved before the key existed resumes (the default is what it ran with) …
  const cfg = validateConfig({ finetune: "lora" }, "x");
  const { baseDtype: _, ...oldLora } = cfg.lora;
  assert.deepEqual(resumeConflicts({ ...cfg, lora: oldLora }, cfg), []);
  // … but not as a float16 run
  const half = validateConfig({ finetune: "lora", lora: { baseDtype: "float16" } }, "x");
  assert.deepEqual(resumeConflicts({ ...cfg, lora: oldLora }, half), [
    'lora.baseDtype: (unset) → "float16"',
  ]);
});

Deno.test("LoRA run over a float16 base: trains, resumes bit-exactly, agents load over it", async () => {
  const root = await Deno.makeTempDir({ prefix: "lora_half_" });
  try {
    const ctx = await createStepContext(config(root, "ctx"));
    const [a, b] = ctx.bases;
    assert.equal(a.params, b.params); // one base for both agents
    assert.equal(a.cfg.baseDtype, "float16");
    assert.ok(Object.values(a.params).every((t) => t.data instanceof Uint16Array));

    const straight = await train(config(root, "a"), { quiet: true });
    const steps = straight.records.filter((r) => r.type === "step");
    assert.deepEqual(steps.map((r) => r.step), [1, 2]);
    for (const r of steps) {
      assert.ok(Number.isFinite(r.reward.mean), `reward ${r.reward.mean}`);
      assert.ok(r.loss.length === 2 && r.loss.every(Number.isFinite), `loss ${r.loss}`);
    }
    // the adapters moved: every lora_B started at 0 (PEFT's init); some left it
    for (const s of straight.states) {
      const bs = Object.entries(s.params).filter(([k]) => k.endsWith("lora_B.weight"));
      assert.equal(bs.length, 12); // 4 layers × 3 targets
      assert.ok(bs.some(([, t]) => (t.data as Float32Array).some((x) => x !== 0)));
    }
    // the run really used the float16 base: the float32 run of the same config (same adapters,
    // same sampling streams) computes other step-1 losses
    const targets = ["q_proj", "v_proj", "down_proj"];
    const f32 = await train(config(root, "f32", { steps: 1, lora: { r: 4, alpha: 8, targets } }), {
      quiet: true,
    });
    assert.notDeepEqual(steps[0].loss, f32.records.find((r) => r.type === "step")!.loss);

    // killed after step 1's checkpoint, the resumed run ends bit-identical to the straight one
    await assert.rejects(
      () =>
        train(config(root, "b"), {
          quiet: true,
          onStep: (r) => {
            if (r.type === "step" && r.step === 2) throw new Error("killed");
          },
        }),
      /killed/,
    );
    const resumed = await train(config(root, "b"), { quiet: true });
    assert.deepEqual(resumed.records.map((r) => r.step), [2]);
    straight.states.forEach((s, i) => {
      for (const k of Object.keys(s.params)) {
        assert.deepEqual(bits(resumed.states[i].params[k]), bits(s.params[k]), `agent ${i} ${k}`);
        assert.deepEqual(bits(resumed.states[i].m[k]), bits(s.m[k]), `agent ${i} m/${k}`);
      }
    });

    // the saved agents: PEFT folders over the model, loadable over the float16 base
    for (const i of [0, 1]) {
      const agent = await loadPolicy(MODEL, {
        adapter: `${root}/b/agent-${i}`,
        baseDtype: "float16",
      });
      assert.ok(Object.values(agent.params).every((t) => t.data instanceof Uint16Array));
      for (const [k, t] of Object.entries(straight.states[i].params)) {
        assert.deepEqual(bits(agent.adapter!.params[k]), bits(t), `agent-${i} ${k}`);
      }
    }
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
