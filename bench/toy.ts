/**
 * MAGRPO against its baselines on the toy cooperative task (not a unit test): each algorithm
 * trains two agents (one for single-agent GRPO) from the default model for a fixed budget, over
 * several seeds, and reports (mean ± std over seeds) the mean sampled joint reward of the first and
 * last 10 training steps (temperature 1, what the agents actually produce while learning) and the
 * joint reward of greedy answers on all 36 topics after training.
 *
 * Run: `deno run -A bench/toy.ts [--steps 60] [--seeds 0,1,2] [--algorithms magrpo,independent,grpo_single,critic]`
 *
 * @module
 */
import { parseArgs } from "node:util";
import { type Algorithm, validateConfig } from "../lib/rl/config.ts";
import { evaluate, train } from "../lib/rl/trainer.ts";
import { loadEnvironment } from "../lib/envs/registry.ts";
import { loadPolicy } from "../lib/policy/load.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    steps: { type: "string", default: "60" },
    seeds: { type: "string", default: "0,1,2" },
    algorithms: { type: "string", default: "magrpo,independent,grpo_single,critic" },
  },
});
const steps = Number(values.steps), seeds = values.seeds.split(",").map(Number);
const root = await Deno.makeTempDir();
const stats = (xs: number[]) => {
  const m = xs.reduce((a, b) => a + b, 0) / xs.length;
  const sd = Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / Math.max(1, xs.length - 1));
  return `${m.toFixed(3)} ± ${sd.toFixed(3)}`;
};
const config = (algorithm: string, seed: number) =>
  validateConfig({
    algorithm,
    groupSize: 8,
    promptsPerStep: 4,
    steps,
    seed,
    sampling: { maxNewTokens: 40 },
    optimizer: { lr: 3e-4 },
    eval: { every: steps, prompts: 36, greedy: true },
    checkpoint: { every: 0, keep: 1 },
    log: { dir: `${root}/<name>` },
  }, "bench/toy.ts");

const env = await loadEnvironment({ name: "toy" });
const base = await loadPolicy("data/default-model");
const before: Record<string, number> = {};
for (const algorithm of ["magrpo", "grpo_single"]) {
  const cfg = config(algorithm, 0);
  const policies = algorithm === "grpo_single" ? [base] : [base, base];
  const r = await evaluate(cfg, env, env.rows, policies, 0);
  before[algorithm] = (r.reward as { mean: number }).mean;
}
const avg = (xs: { reward: { mean: number } }[]) =>
  xs.reduce((a, x) => a + x.reward.mean, 0) / xs.length;
console.log(
  `untrained default model, greedy, all ${env.rows.length} topics: two agents ${
    before.magrpo.toFixed(3)
  }, ` +
    `one agent writing both parts ${before.grpo_single.toFixed(3)}`,
);
console.log(
  `| algorithm | sampled joint reward, first 10 steps | sampled joint reward, last 10 steps | ` +
    `cooperative levels (ratio + overlap), last 10 steps | ` +
    `greedy joint reward after training (${env.rows.length} topics) | seconds/run |`,
);
console.log("| --- | --- | --- | --- | --- | --- |");
for (const algorithm of values.algorithms.split(",") as Algorithm[]) {
  const finals: number[] = [], firsts: number[] = [], lasts: number[] = [], secs: number[] = [];
  const joint: number[] = [];
  for (const seed of seeds) {
    const t0 = performance.now();
    const r = await train(config(algorithm, seed), { quiet: true });
    secs.push((performance.now() - t0) / 1000);
    const ev = r.records.filter((x) => x.type === "eval").at(-1) as unknown as {
      reward: { mean: number };
    };
    finals.push(ev.reward.mean);
    const st = r.records.filter((x) => x.type === "step") as unknown as {
      reward: { mean: number; levels: Record<string, number> };
    }[];
    firsts.push(avg(st.slice(0, 10)));
    lasts.push(avg(st.slice(-10)));
    const tail = st.slice(-10);
    joint.push(
      tail.reduce((a, x) => a + x.reward.levels.ratio + x.reward.levels.overlap, 0) / tail.length,
    );
  }
  console.log(
    `| ${algorithm} | ${stats(firsts)} | ${stats(lasts)} | ${stats(joint)} | ${stats(finals)} | ${
      stats(secs)
    } |`,
  );
}
await Deno.remove(root, { recursive: true });
