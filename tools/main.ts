/**
 * README's main command: two agents, both starting from the embedded default model
 * (`data/default-model`), trained with MAGRPO on the toy cooperative task for a few steps.
 * Prints each step's mean joint reward, loss per agent and tokens/s, then the reward before and
 * after. Everything runs offline from files in the repository. Each invocation is a fresh run
 * in `runs/main-magrpo-toy-seed<S>/`: a previous run's metrics, checkpoints and agents there are
 * removed first (the trainer says so in one line).
 *
 * Usage: `bash tools/main.sh [--steps N] [--seed S] [--ep cpu|webgpu|cuda] [--model DIR]`
 *
 * @module
 */
import { parseArgs } from "node:util";
import { runPaths, validateConfig } from "../lib/rl/config.ts";
import { train } from "../lib/rl/trainer.ts";
import { runCli, UserError } from "../lib/util/errors.ts";

await runCli(async () => {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      steps: { type: "string", default: "30" },
      seed: { type: "string", default: "0" },
      ep: { type: "string", default: "cpu" },
      model: { type: "string", default: "data/default-model" },
    },
  });
  const steps = Number(values.steps), seed = Number(values.seed);
  if (!Number.isInteger(steps) || steps < 1) {
    throw new UserError(`--steps must be a positive integer, got '${values.steps}'`);
  }
  const cfg = validateConfig({
    algorithm: "magrpo",
    env: { name: "toy" },
    model: values.model,
    ep: values.ep,
    groupSize: 8,
    steps,
    promptsPerStep: 4,
    seed,
    sampling: { maxNewTokens: 40, temperature: 1 },
    optimizer: { lr: 3e-4 },
    eval: { every: 0 },
    log: { dir: "runs/main-<name>" },
    checkpoint: { every: 0, keep: 1 },
  }, "tools/main.ts");
  console.log(
    `MAGRPO: 2 agents from ${values.model} on the toy cooperative task, G=8, 4 prompts/step, ${steps} steps, seed ${seed}; fresh run in ${
      runPaths(cfg).dir
    }`,
  );
  const result = await train(cfg, {
    resume: false,
    quiet: true,
    onStep: (r) => {
      if (r.type !== "step") return;
      const x = r as unknown as {
        reward: { mean: number };
        loss: number[];
        tokensPerSecond: number;
        seconds: { total: number };
      };
      console.log(
        `step ${String(r.step).padStart(3)}  reward ${x.reward.mean.toFixed(3)}  loss ${
          x.loss.map((l) => l.toFixed(3)).join(" / ")
        }  ` +
          `${x.tokensPerSecond.toFixed(0)} tokens/s  (${x.seconds.total.toFixed(2)} s)`,
      );
    },
  });
  const rewards = result.records.filter((r) => r.type === "step").map((r) =>
    (r as unknown as { reward: { mean: number } }).reward.mean
  );
  const k = Math.min(5, Math.floor(rewards.length / 2)) || 1;
  const avg = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  console.log(
    `mean joint reward: first ${k} steps ${avg(rewards.slice(0, k)).toFixed(3)} → last ${k} steps ${
      avg(rewards.slice(-k)).toFixed(3)
    } ` +
      `(max 1.0); agents saved in ${result.dir}/agent-0, agent-1`,
  );
});
