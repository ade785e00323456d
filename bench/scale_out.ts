/**
 * Scale-out benchmark: steps/s of a distributed run (`lib/dist`, Redis + BullMQ) with 1, 2 and 4
 * reward workers when reward jobs are slow (an injected pause per reward call,
 * `bench/slow_reward_env.ts`, standing in for a sandbox run; one job at a time per worker, like
 * one sandbox slot), one rollout worker, the learner in this process. Also the learner's own
 * per-step costs (the update, publishing weights) as inputs to the bottleneck estimate in the
 * README. Every run must end with the same parameters (checked).
 *
 * ```sh
 * deno run -A bench/scale_out.ts [--steps 4] [--reward-ms 500] [--prompts 2] [--workers 1,2,4]
 * ```
 *
 * @module
 */
import { parseArgs } from "node:util";
import { validateConfig } from "../lib/rl/config.ts";
import { trainDistributed } from "../lib/dist/train.ts";
import { startRedisServer } from "../lib/dist/server.ts";
import { packParams, paramsVersion } from "../lib/dist/codec.ts";
import type { StepRecord } from "../lib/rl/records.ts";
import { slowEnv } from "./slow_reward_env.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    steps: { type: "string", default: "4" },
    "reward-ms": { type: "string", default: "500" },
    prompts: { type: "string", default: "2" },
    workers: { type: "string", default: "1,2,4" },
  },
});
const steps = Number(values.steps), rewardMs = Number(values["reward-ms"]);
Deno.env.set("MAGRPO_SLOW_REWARD_MS", String(rewardMs));
const ROOT = new URL("..", import.meta.url).pathname;

function worker(url: string, role: string) {
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      "tools/worker.ts",
      "--redis",
      url,
      "--role",
      role,
      "--env-module",
      "bench/slow_reward_env.ts",
    ],
    cwd: ROOT,
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const ready = (async () => {
    let out = "";
    for await (const c of child.stdout.pipeThrough(new TextDecoderStream())) {
      out += c;
      if (out.includes("worker ready")) return;
    }
  })();
  return { child, ready };
}

const server = await startRedisServer();
const tmp = await Deno.makeTempDir({ prefix: "magrpo-scale-" });
const rows: string[] = [];
let reference: Uint8Array | undefined;
try {
  const rollout = worker(server.url, "rollout");
  await rollout.ready;
  for (const n of values.workers.split(",").map(Number)) {
    const rewards = Array.from({ length: n }, () => worker(server.url, "reward"));
    await Promise.all(rewards.map((w) => w.ready));
    const cfg = validateConfig({
      steps,
      promptsPerStep: Number(values.prompts),
      log: { dir: `${tmp}/w${n}`, tensorboard: false },
      checkpoint: { every: 0 },
      distributed: { redis: server.url },
    }, "bench");
    const ends: number[] = [], records: StepRecord[] = [];
    const r = await trainDistributed(cfg, {
      environment: slowEnv(),
      quiet: true,
      onStep: (rec) => {
        if (rec.type !== "step") return;
        ends.push(performance.now());
        records.push(rec as StepRecord);
      },
    });
    // steps after the first (sessions warm): steps per second
    const rate = (ends.length - 1) / ((ends.at(-1)! - ends[0]) / 1000);
    const later = records.slice(1);
    const avg = (f: (s: StepRecord) => number) =>
      later.reduce((a, s) => a + f(s), 0) / later.length;
    const blob = packParams(r.states[0].params);
    const t0 = performance.now();
    await paramsVersion(blob);
    const hashMs = performance.now() - t0;
    const same = reference === undefined ||
      (reference.length === blob.length && reference.every((x, i) => x === blob[i]));
    reference ??= blob;
    rows.push(
      `${n} reward worker(s): ${rate.toFixed(3)} steps/s (${(1 / rate).toFixed(2)} s/step); ` +
        `per step: collect ${avg((s) => s.seconds.sampling + s.seconds.reward).toFixed(2)} s, ` +
        `update ${avg((s) => s.seconds.update).toFixed(2)} s; ` +
        `weights ${(blob.length / 2 ** 20).toFixed(2)} MiB/agent (hash ${hashMs.toFixed(1)} ms); ` +
        `same parameters as the first run: ${same}`,
    );
    console.log(rows.at(-1));
    for (const w of rewards) w.child.kill("SIGTERM");
    await Promise.all(rewards.map((w) => w.child.status));
  }
  rollout.child.kill("SIGTERM");
  await rollout.child.status;
} finally {
  await server.stop();
  await Deno.remove(tmp, { recursive: true });
}
console.log(
  `(toy task, default model, G=4, ${values.prompts} prompts/step → ${
    4 * Number(values.prompts)
  } reward jobs/step of ${rewardMs} ms each; ${steps} steps, rate over steps 2..${steps})`,
);
