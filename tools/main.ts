/**
 * README's main command (`bash tools/main.sh`): two agents, both starting from the embedded
 * default model, trained with MAGRPO on the toy cooperative task; see {@link HELP}. Everything
 * runs offline from files in the repository. Each run gets its own folder (an earlier run is
 * never removed unless `--fresh` is given).
 *
 * @module
 */
import { parseArgs } from "node:util";
import { configureRuntime } from "../lib/engine/runtime.ts";
import { validateConfig } from "../lib/rl/config.ts";
import { train } from "../lib/rl/trainer.ts";
import { nextRunDir } from "../lib/rl/run_folder.ts";
import { loadPolicy } from "../lib/policy/load.ts";
import { type Policy, withAdapter } from "../lib/policy/policy.ts";
import { loadAdapter } from "../lib/model/peft.ts";
import { sampleGroups } from "../lib/rl/rollout.ts";
import { toyEnv, toyReward, type ToyRow } from "../lib/envs/toy.ts";
import { makeRng } from "../lib/util/rng.ts";
import { writeRunFigure } from "../lib/log/curves.ts";
import { runCli, UserError } from "../lib/util/errors.ts";
import { resolveFrom } from "../lib/rl/config_file.ts";
import { fileURLToPath } from "node:url";

/** The embedded default model, found from any working directory. */
const DEFAULT_MODEL = resolveFrom(
  fileURLToPath(new URL("..", import.meta.url)),
  "data/default-model",
);

/** The `--help` text. */
export const HELP = `bash tools/main.sh [options]    (or: deno task main [options])

Trains two small language-model agents together with MAGRPO on a toy cooperative task:
for a topic (e.g. "a quiet girl"), agent 0 writes a short sentence and agent 1 a longer one,
neither seeing the other's text. One joint reward (max 1.0) scores the pair, four levels of 0.25:
  topic    each text mentions the topic's noun (0.125 per agent)
  short    agent 0 uses 4-9 words
  ratio    agent 1 uses 1.8-3.5x as many words as agent 0   (needs both agents)
  overlap  the two texts share content words (Jaccard >= 0.25) (needs both agents)
each scaled by how fluent the texts are (real words, few repeats).

It prints a sample joint answer before and after training, each step's reward, the reward
levels, and where the metrics, agents and figure went.

Options:
  --steps N      training steps (default 60)
  --seed S       seed of every random stream (default 0)
  --ep NAME      onnxruntime execution provider: cpu (default), webgpu, cuda
  --no-fallback  stop with an error when --ep cannot start (default: run on CPU, with a warning)
  --model DIR    starting model, a Hugging Face folder (default data/default-model)
  --finetune F   full (default: every weight, lr 3e-4) or lora (a LoRA adapter per agent over
                 one shared frozen base, lr 5e-4; agents saved as PEFT adapter folders)
  --lora-r R     LoRA rank (default 16; alpha = 2R; with --finetune lora)
  --base-dtype D float32 (default) or float16: how the frozen base is held (with --finetune lora)
  --runs DIR     parent folder of run folders (default runs)
  --fresh        reuse <runs>/main-magrpo-toy-seed<S>, removing its earlier run; without it
                 each run gets a new folder (…-seed0, …-seed0-2, …)
  -h, --help     this text

Afterwards: deno task report <run folder>   (one HTML file with config, curves, completions)
            tensorboard --logdir <runs>     (event files are written beside metrics.jsonl)`;

/** Greedy joint answer of `policies` for `row`, with its reward. */
async function jointAnswer(policies: Policy[], row: ToyRow, maxNewTokens: number) {
  const env = toyEnv();
  const prompts = env.formatters.map((f) => f(row));
  const groups = await sampleGroups(policies, prompts, {
    groupSize: 1,
    sampling: { maxNewTokens, temperature: 0 },
    rng: makeRng(0),
  });
  const texts = groups.map((g) => g[0].text.trim());
  return { prompts, texts, reward: toyReward(texts, row) };
}

function showAnswer(title: string, a: Awaited<ReturnType<typeof jointAnswer>>): void {
  console.log(`\n${title}`);
  a.prompts.forEach((p, i) => console.log(`  agent ${i}  ${p} ${JSON.stringify(a.texts[i])}`));
  const levels = Object.entries(a.reward.levels).map(([k, v]) => `${k} ${v.toFixed(2)}`);
  console.log(`  joint reward ${a.reward.total.toFixed(3)}  (${levels.join(", ")})`);
}

await runCli(async () => {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      steps: { type: "string", default: "60" },
      seed: { type: "string", default: "0" },
      ep: { type: "string", default: "cpu" },
      "no-fallback": { type: "boolean", default: false },
      model: { type: "string", default: DEFAULT_MODEL },
      finetune: { type: "string", default: "full" },
      "lora-r": { type: "string", default: "16" },
      "base-dtype": { type: "string", default: "float32" },
      runs: { type: "string", default: "runs" },
      fresh: { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help) return console.log(HELP);
  const steps = Number(values.steps), seed = Number(values.seed);
  if (!Number.isInteger(steps) || steps < 1) {
    throw new UserError(`--steps must be a positive integer, got '${values.steps}'`);
  }
  if (!Number.isInteger(seed)) {
    throw new UserError(`--seed must be an integer, got '${values.seed}'`);
  }
  const lora = values.finetune === "lora", r = Number(values["lora-r"]);
  const baseDtype = values["base-dtype"];
  if (!lora && values.finetune !== "full") {
    throw new UserError(`--finetune must be full or lora, got '${values.finetune}'`);
  }
  if (!Number.isInteger(r) || r < 1) {
    throw new UserError(`--lora-r must be a positive integer, got '${values["lora-r"]}'`);
  }
  if (baseDtype !== "float32" && baseDtype !== "float16") {
    throw new UserError(`--base-dtype must be float32 or float16, got '${baseDtype}'`);
  }
  if (!lora && baseDtype === "float16") {
    throw new UserError(
      `--base-dtype float16 needs --finetune lora (full fine-tuning trains float32 weights)`,
    );
  }
  const base = `${values.runs.replace(/\/+$/, "")}/main-magrpo-toy-seed${seed}`;
  const dir = values.fresh ? base : await nextRunDir(base);
  const maxNewTokens = 40;
  const cfg = validateConfig({
    algorithm: "magrpo",
    env: { name: "toy" },
    model: values.model,
    ep: values.ep,
    epFallback: !values["no-fallback"],
    groupSize: 8,
    steps,
    promptsPerStep: 4,
    seed,
    sampling: { maxNewTokens, temperature: 1 },
    // LoRA wants a larger lr (bench/RESULTS.md, "LoRA vs. full fine-tuning on the toy task")
    optimizer: { lr: lora ? 5e-4 : 3e-4 },
    finetune: values.finetune,
    ...(lora ? { lora: { r, alpha: 2 * r, baseDtype } } : {}),
    eval: { every: 0 },
    log: { dir, completionsEvery: 5 },
    checkpoint: { every: 0, keep: 1 },
  }, "tools/main.ts");
  const what = lora ? `, LoRA r=${r} adapters over one shared ${baseDtype} base` : "";
  console.log(
    `MAGRPO: 2 agents from ${values.model}${what} on the toy cooperative task (joint reward, ` +
      `max 1.0),\nG=8 joint answers per prompt, 4 prompts/step, ${steps} steps, seed ${seed} → ${dir}`,
  );
  const row = toyEnv().rows[0];
  configureRuntime({ fallback: cfg.epFallback }); // the greedy answers before train() too
  const start = await loadPolicy(values.model, { ep: cfg.ep, baseDtype });
  showAnswer(
    `Before training, greedy answers for "${row.topic}":`,
    await jointAnswer([start, start], row, maxNewTokens),
  );
  console.log("");
  const result = await train(cfg, {
    resume: false,
    quiet: true,
    onStep: (r) => {
      if (r.type !== "step") return;
      console.log(
        `step ${String(r.step).padStart(3)}  reward ${r.reward.mean.toFixed(3)}  loss ${
          r.loss.map((l) => l.toFixed(3)).join(" / ")
        }  ${r.tokensPerSecond.toFixed(0)} tokens/s  (${r.seconds.total.toFixed(2)} s)`,
      );
    },
  });
  const rs = result.records.filter((r) => r.type === "step");
  const k = Math.min(5, Math.floor(rs.length / 2)) || 1;
  const avg = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
  const first = rs.slice(0, k), last = rs.slice(-k);
  console.log(
    `\nmean joint reward: first ${k} steps ${avg(first.map((r) => r.reward.mean)).toFixed(3)} → ` +
      `last ${k} steps ${avg(last.map((r) => r.reward.mean)).toFixed(3)} (max 1.0)`,
  );
  console.log("cooperative levels (mean over the sampled joint answers, max 0.25 each):");
  for (const name of Object.keys(rs[0]?.reward.levels ?? {})) {
    const a = avg(first.map((r) => r.reward.levels[name] ?? 0));
    const b = avg(last.map((r) => r.reward.levels[name] ?? 0));
    console.log(`  ${name.padEnd(8)} ${a.toFixed(3)} → ${b.toFixed(3)}`);
  }
  // LoRA agents are PEFT adapter folders: both run over the base loaded above
  const agents = await Promise.all(
    [0, 1].map(async (i) =>
      lora
        ? withAdapter(start, {
          ...await loadAdapter(`${dir}/agent-${i}`, start.cfg),
          basePath: values.model,
        })
        : loadPolicy(`${dir}/agent-${i}`, { ep: cfg.ep })
    ),
  );
  showAnswer(
    `After training, greedy answers for "${row.topic}":`,
    await jointAnswer(agents, row, maxNewTokens),
  );
  const fig = await writeRunFigure(dir);
  console.log(`\nmetrics:     ${dir}/metrics.jsonl (+ TensorBoard event files, completions.jsonl)`);
  console.log(
    `agents:      ${dir}/agent-0, ${dir}/agent-1 ` +
      (lora ? `(PEFT LoRA adapter folders over ${values.model})` : "(Hugging Face folders)"),
  );
  console.log(
    `figure:      ${fig.html}${fig.png.ok ? `, ${fig.png.path}` : ` (no PNG: ${fig.png.reason})`}`,
  );
  console.log(`full report: deno task report ${dir}`);
});
