/**
 * Memory benchmark (not a unit test): trains with a config (default `data/configs/tldr_ppo_kl.json`)
 * for some steps under one ORT memory setting and prints, per step, the resident memory (VmRSS)
 * and the step's seconds; at the end one summary line (`summary {...}`) with the RSS after
 * warm-up, the last RSS, their ratio, and the median step time. Each setting should run in its
 * own process (RSS is per process): `--all` runs every setting one after the other, each in a
 * fresh subprocess.
 *
 * Run: `deno run -A bench/memory.ts [--config FILE] [--steps N] [--warmup N] [--arena]
 * [--pattern] [--fast] [--threads N] [--max-rss-mb N] [--all]`
 *
 * - `--arena` turns ORT's CPU memory arena on (off by default), `--pattern` memory patterns;
 * - `--fast` runs non-deterministically (ORT's thread count, or `--threads`);
 * - `--shape-sessions N` keeps N compiled graphs per shape-keyed cache (default 12);
 * - `--post-chars N` cuts TLDR posts to N characters (for models with few positions);
 * - `--speed [--reps N] [--prompt-len N]` instead times sampling and the update under each
 *   memory/threading setting, interleaved (see `speed` below);
 * - `--max-rss-mb` stops the run once RSS passes this bound (default 6000: the arena case grows
 *   by gigabytes, and the trend is clear long before it would end).
 *
 * @module
 */
import { parseArgs } from "node:util";
import { loadConfig } from "../lib/rl/config.ts";
import { train } from "../lib/rl/trainer.ts";
import {
  configureRuntime,
  DEFAULT_RUNTIME,
  openSessionCount,
  runtimeKey,
  type RuntimeSettings,
  runtimeSettings,
} from "../lib/engine/runtime.ts";
import { loadPolicy } from "../lib/policy/load.ts";
import { sampleTokens } from "../lib/policy/sample.ts";
import { updateAgent } from "../lib/rl/update.ts";
import { initTrainState } from "../lib/engine/optim_step.ts";
import { makeRng } from "../lib/util/rng.ts";
import type { TrainerConfig } from "../lib/rl/config.ts";

/**
 * Writes the built-in TLDR posts, each cut to at most `chars` characters (still ending in
 * "TL;DR:"), into `dir/posts.jsonl` and points the config at it: prompts keep their varied
 * lengths but fit a small model's positions.
 */
export async function shortPosts(cfg: TrainerConfig, dir: string, chars: number): Promise<void> {
  const lines = (await Deno.readTextFile(new URL("../data/tldr/posts.jsonl", import.meta.url)))
    .split("\n").filter((l) => l.trim()).map((l) => {
      const row = JSON.parse(l);
      if (row.prompt.length > chars) row.prompt = row.prompt.slice(0, chars - 8) + "\nTL;DR:";
      return JSON.stringify(row);
    });
  await Deno.writeTextFile(`${dir}/posts.jsonl`, lines.join("\n") + "\n");
  cfg.env.dataPath = `${dir}/posts.jsonl`;
}

/** Resident memory of this process in MB, from /proc/self/status. */
export function rssMb(): number {
  const status = Deno.readTextFileSync("/proc/self/status");
  return Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1]) / 1024;
}

/** The median of some numbers. */
export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b), m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

const { values } = parseArgs({
  args: Deno.args,
  options: {
    config: { type: "string", default: "data/configs/tldr_ppo_kl.json" },
    steps: { type: "string", default: "30" },
    warmup: { type: "string", default: "5" },
    arena: { type: "boolean", default: false },
    pattern: { type: "boolean", default: false },
    fast: { type: "boolean", default: false },
    threads: { type: "string" },
    "max-rss-mb": { type: "string", default: "6000" },
    all: { type: "boolean", default: false },
    tag: { type: "string", default: "" },
    "post-chars": { type: "string" },
    "shape-sessions": { type: "string" },
    speed: { type: "boolean", default: false },
    reps: { type: "string", default: "7" },
    "prompt-len": { type: "string", default: "480" },
  },
});

/** One sampling+update setting of the speed comparison. */
interface SpeedSetting {
  /** Label. */
  name: string;
  /** Runtime settings. */
  runtime: Partial<RuntimeSettings>;
}

/**
 * The speed of each memory/threading setting on the same work, interleaved so that load drift
 * on a shared machine hits every setting alike: per repetition and setting, one `sampleTokens`
 * call (1 prompt of `promptLen` tokens, G = 4, 32 new tokens) and one `updateAgent` call (the
 * train step on those 4 completions, clipping and KL terms on). Prints medians in ms.
 */
async function speed(reps: number, promptLen: number) {
  const settings: SpeedSetting[] = [
    {
      name: "arena+pattern, ORT threads (before)",
      runtime: { deterministic: false, cpuArena: true, memPattern: true },
    },
    {
      name: "no arena, ORT threads",
      runtime: { deterministic: false, cpuArena: false, memPattern: false },
    },
    {
      name: "arena+pattern, 1 thread",
      runtime: { deterministic: true, cpuArena: true, memPattern: true },
    },
    {
      name: "no arena, 1 thread (new default)",
      runtime: { deterministic: true, cpuArena: false, memPattern: false },
    },
  ];
  const base = await loadPolicy("data/default-model");
  const rng = makeRng("speed");
  const prompt = Array.from({ length: promptLen }, () => 1 + Math.floor(rng.next() * 250));
  const times = settings.map(() => ({ sample: [] as number[], update: [] as number[] }));
  for (let r = 0; r <= reps; r++) {
    for (const [i, st] of settings.entries()) {
      configureRuntime({ ...DEFAULT_RUNTIME, ...st.runtime });
      const t0 = performance.now();
      const completions = await sampleTokens(base, [prompt], {
        numReturnSequences: 4,
        maxNewTokens: 32,
        temperature: 1,
        eosTokenIds: [],
        rng: makeRng(`speed/${r}`),
      });
      const t1 = performance.now();
      const samples = completions.map((completion, k) => ({ completion, advantage: k - 1.5 }));
      await updateAgent(base, initTrainState(base.params), samples, {
        lr: 1e-4,
        loss: { clipEps: 0.2, klBeta: 0.05 },
        reference: base,
      });
      const t2 = performance.now();
      if (r > 0) { // repetition 0 compiles the sessions
        times[i].sample.push(t1 - t0);
        times[i].update.push(t2 - t1);
      }
    }
  }
  for (const [i, st] of settings.entries()) {
    console.log(
      "speed " + JSON.stringify({
        setting: st.name,
        promptLen,
        reps,
        sampleMs: Math.round(median(times[i].sample)),
        updateMs: Math.round(median(times[i].update)),
      }),
    );
  }
}

if (values.speed) {
  await speed(Number(values.reps), Number(values["prompt-len"]));
} else if (values.all) {
  const base = ["--config", values.config, "--steps", values.steps, "--warmup", values.warmup];
  const settings = [[], ["--fast"], ["--arena"], ["--arena", "--fast"], ["--pattern"]];
  for (const extra of settings) {
    const cmd = new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", import.meta.filename!, ...base, ...extra],
      stdout: "piped",
      stderr: "inherit",
    });
    const out = new TextDecoder().decode((await cmd.output()).stdout);
    console.log(out.split("\n").filter((l) => l.startsWith("summary")).join("\n"));
  }
} else {
  const steps = Number(values.steps), warmup = Number(values.warmup);
  const maxRss = Number(values["max-rss-mb"]);
  configureRuntime({
    deterministic: !values.fast,
    cpuArena: values.arena,
    memPattern: values.pattern,
    threads: values.threads ? Number(values.threads) : undefined,
    ...(values["shape-sessions"] ? { shapeSessions: Number(values["shape-sessions"]) } : {}),
  });
  const cfg = await loadConfig(values.config);
  cfg.steps = steps;
  cfg.deterministic = !values.fast;
  cfg.eval.every = 0;
  cfg.checkpoint.every = 0;
  cfg.log.dir = await Deno.makeTempDir({ prefix: "memory_bench_" });
  if (values["post-chars"]) await shortPosts(cfg, cfg.log.dir, Number(values["post-chars"]));
  const setting = `${runtimeKey()}/shapes${runtimeSettings().shapeSessions}${values.tag}`;
  const rss: number[] = [], secs: number[] = [];
  let last = performance.now();
  try {
    await train(cfg, {
      quiet: true,
      resume: false,
      onStep: (r) => {
        if (r.type !== "step") return;
        const now = performance.now();
        rss.push(rssMb());
        secs.push((now - last) / 1000);
        last = now;
        console.log(
          `step ${r.step} rss ${rss.at(-1)!.toFixed(0)} MB ${secs.at(-1)!.toFixed(2)} s ` +
            `sessions ${openSessionCount()}`,
        );
        if (rss.at(-1)! > maxRss) throw new Error("stop: RSS bound");
      },
    });
  } catch (e) {
    if (!String(e).includes("stop: RSS bound")) throw e;
  } finally {
    await Deno.remove(cfg.log.dir, { recursive: true }).catch(() => {});
  }
  const w = Math.min(warmup, rss.length) - 1;
  console.log(
    "summary " + JSON.stringify({
      setting,
      config: values.config,
      steps: rss.length,
      rssWarm: Math.round(rss[w]),
      rssLast: Math.round(rss.at(-1)!),
      rssMax: Math.round(Math.max(...rss)),
      growth: +(rss.at(-1)! / rss[w]).toFixed(3),
      medianStepS: +median(secs.slice(w + 1)).toFixed(3),
    }),
  );
}
