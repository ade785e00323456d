/**
 * End-to-end benchmark (not a unit test): one whole MAGRPO step — each of 2 agents samples G
 * completions of its prompt with the KV cache, joint rewards, group-mean advantages, one
 * update per agent (forward, masked policy-gradient loss, backward, clipping, AdamW) — ours
 * against the PyTorch peer `bench/peer_torch.py` on identical shapes, random weights. Per model
 * size (the default model's shapes ~0.9M, ~10M, ~30M) it prints tokens/s sampled, update ms,
 * whole step ms, peak RSS and the ratio to the peer, our step's breakdown (sampling / reward /
 * update / overhead), and ends with `e2e/peer: R` (the peer's step time over ours at ~10M).
 *
 * Each size runs in its own process (peak RSS is per process); timings are medians over the
 * measured steps after warm-up steps that compile the sessions. `--ablate` instead measures
 * the cheaper-step options of issue 11 (shared prefill, completion-only logits, the two agents
 * sampled concurrently) against the plain path, interleaved, at each size.
 *
 * Run: `deno run -A bench/e2e.ts [--quick] [--steps N] [--sizes default,10M,30M] [--ablate]
 * [--det] [--peer-threads 2,1]` (`--det`: our deterministic runtime, one thread; default: 2
 * threads like the peer; the peer runs at each listed thread count, `e2e/peer` uses the first).
 * The peer needs Debian's `python3-torch`: installed with apt-get when missing and running as
 * root, otherwise the peer columns are skipped with a message.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { existsSync } from "node:fs";
import { readHfConfig } from "../lib/model/hf_folder.ts";
import { countParams, initParams } from "../lib/model/params.ts";
import type { ModelConfig } from "../lib/model/config.ts";
import { loadPolicy, savePolicy } from "../lib/policy/load.ts";
import { type Policy, withParams } from "../lib/policy/policy.ts";
import { type Completion, sampleTokens } from "../lib/policy/sample.ts";
import { initTrainState, type TrainState } from "../lib/engine/optim_step.ts";
import { updateAgent } from "../lib/rl/update.ts";
import { groupAdvantages } from "../lib/rl/advantages.ts";
import { configureRuntime } from "../lib/engine/runtime.ts";
import { makeRng, randInt } from "../lib/util/rng.ts";

const { values: args } = parseArgs({
  args: Deno.args,
  options: {
    quick: { type: "boolean" },
    steps: { type: "string" },
    sizes: { type: "string" },
    ablate: { type: "boolean" },
    det: { type: "boolean" },
    "peer-threads": { type: "string" },
    one: { type: "string" }, // internal: run one size in this process, print JSON
    variant: { type: "string" },
  },
});

/** Shapes of the benchmarked step. */
const RUN = args.quick
  ? { agents: 2, groupSize: 4, promptLen: 32, maxNewTokens: 16, warmup: 1, steps: 3 }
  : { agents: 2, groupSize: 4, promptLen: 48, maxNewTokens: 32, warmup: 3, steps: 4 };
if (args.steps) RUN.steps = Number(args.steps);

const SIZES: Record<string, Partial<ModelConfig>> = {
  default: {},
  "10M": { hidden: 384, layers: 6, heads: 6, kvHeads: 2, headDim: 64, intermediate: 1024 },
  "30M": { hidden: 512, layers: 10, heads: 8, kvHeads: 2, headDim: 64, intermediate: 1536 },
  // ~10M body with a Llama-2-size vocabulary, where the LM head is a large share (ablation)
  "10M-v32k": {
    hidden: 384,
    layers: 6,
    heads: 6,
    kvHeads: 2,
    headDim: 64,
    intermediate: 1024,
    vocabSize: 32000,
  },
};

/** The synthetic joint reward (the peer's too): the fraction of token ids below 128. */
function reward(answers: number[][]): number {
  const ids = answers.flat();
  return ids.filter((t) => t < 128).length / ids.length;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Per-step seconds of one variant. */
interface Timing {
  sampling: number;
  reward: number;
  update: number;
  total: number;
}

interface Variant {
  sharedPrefill: boolean;
  fullLogits: boolean;
  concurrentAgents: boolean;
}
const VARIANTS: Record<string, Variant> = {
  ours: { sharedPrefill: true, fullLogits: false, concurrentAgents: false },
  plain: { sharedPrefill: false, fullLogits: true, concurrentAgents: false },
  "no-shared-prefill": { sharedPrefill: false, fullLogits: false, concurrentAgents: false },
  "full-logits": { sharedPrefill: true, fullLogits: true, concurrentAgents: false },
  "concurrent-agents": { sharedPrefill: true, fullLogits: false, concurrentAgents: true },
};

/** One MAGRPO step of ours, timed. */
async function ourStep(
  base: Policy,
  states: TrainState[],
  prompts: number[][],
  v: Variant,
  seed: number,
): Promise<{ states: TrainState[]; t: Timing }> {
  const t0 = performance.now();
  const sample = (i: number, rng = makeRng(`e2e/${seed}/${i}`)) =>
    sampleTokens(withParams(base, states[i].params), [prompts[i]], {
      numReturnSequences: RUN.groupSize,
      maxNewTokens: RUN.maxNewTokens,
      eosTokenIds: [],
      temperature: 1,
      rng,
      sharedPrefill: v.sharedPrefill,
    });
  let groups: Completion[][];
  if (v.concurrentAgents) groups = await Promise.all(states.map((_, i) => sample(i)));
  else {
    groups = [];
    for (let i = 0; i < states.length; i++) groups.push(await sample(i));
  }
  const t1 = performance.now();
  const rewards = groups[0].map((_, k) => reward(groups.map((g) => g[k].ids)));
  const adv = groupAdvantages(rewards);
  const t2 = performance.now();
  const next: TrainState[] = [];
  for (let i = 0; i < states.length; i++) {
    const samples = groups[i].map((completion, k) => ({ completion, advantage: adv[k] }));
    const policy = withParams(base, states[i].params);
    next.push(
      (await updateAgent(policy, states[i], samples, { lr: 1e-5, fullLogits: v.fullLogits }))
        .state,
    );
  }
  const t3 = performance.now();
  const s = (ms: number) => ms / 1000;
  return {
    states: next,
    t: { sampling: s(t1 - t0), reward: s(t2 - t1), update: s(t3 - t2), total: s(t3 - t0) },
  };
}

function peakRssMb(): number {
  const m = Deno.readTextFileSync("/proc/self/status").match(/VmHWM:\s+(\d+)/);
  return m ? Number(m[1]) / 1024 : NaN;
}

async function modelConfig(size: string): Promise<ModelConfig> {
  const cfg = await readHfConfig("data/default-model");
  return { ...cfg, ...SIZES[size] };
}

function promptsFor(cfg: ModelConfig): number[][] {
  const rng = makeRng("e2e/prompts");
  return Array.from(
    { length: RUN.agents },
    () => Array.from({ length: RUN.promptLen }, () => randInt(rng, Math.min(256, cfg.vocabSize))),
  );
}

/** Runs one size in this process; prints one JSON line. */
async function runOne(size: string, variants: string[]): Promise<void> {
  configureRuntime(args.det ? { deterministic: true } : { deterministic: false, threads: 2 });
  const cfg = await modelConfig(size);
  const dir = await Deno.makeTempDir({ prefix: "e2e-model-" });
  try {
    // a random-weight HF folder written by our own writer, then loaded as any model is
    // (the default model's tokenizer files, config fields over its config.json)
    const proto = await loadPolicy("data/default-model");
    await savePolicy({ ...proto, cfg, params: initParams(cfg, { seed: 0 }) }, dir);
    const loaded = await loadPolicy(dir);
    // a vocabulary beyond the tokenizer's (10M-v32k): texts from the ids modulo its size
    const tok = Object.create(loaded.tokenizer);
    tok.decode = (ids: number[], o?: { skipSpecialTokens?: boolean }) =>
      loaded.tokenizer.decode(ids.map((i) => i % 1024), o);
    const base: Policy = cfg.vocabSize > 1024 ? { ...loaded, tokenizer: tok } : loaded;
    const prompts = promptsFor(cfg);
    const out: Record<string, Timing[]> = {};
    const states: Record<string, TrainState[]> = {};
    for (const name of variants) {
      out[name] = [];
      states[name] = prompts.map(() => initTrainState(base.params));
    }
    for (let it = 0; it < RUN.warmup + RUN.steps; it++) {
      for (const name of variants) { // interleaved: a load spike hits every variant alike
        const r = await ourStep(base, states[name], prompts, VARIANTS[name], it);
        states[name] = r.states;
        if (it >= RUN.warmup) out[name].push(r.t);
      }
    }
    console.log(JSON.stringify({
      params: countParams(cfg),
      tokensPerStep: RUN.agents * RUN.groupSize * RUN.maxNewTokens,
      steps: out,
      peakRssMb: peakRssMb(),
    }));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

async function run(
  cmd: string[],
  input?: string,
  env?: Record<string, string>,
): Promise<{ ok: boolean; out: string }> {
  const p = new Deno.Command(cmd[0], {
    args: cmd.slice(1),
    env,
    stdout: "piped",
    stderr: "inherit",
    stdin: input ? "piped" : "null",
  }).spawn();
  if (input) {
    const w = p.stdin.getWriter();
    await w.write(new TextEncoder().encode(input));
    await w.close();
  }
  const r = await p.output();
  return { ok: r.success, out: new TextDecoder().decode(r.stdout) };
}

const OPENBLAS = "/usr/lib/x86_64-linux-gnu/openblas-pthread/libblas.so.3";

/**
 * Whether `import torch` works for /usr/bin/python3; installs python3-torch as root, and
 * OpenBLAS (`libopenblas0-pthread`): without it Debian's torch runs its matmuls on the
 * reference BLAS (`libblas3`), about 10× slower, which would flatter us.
 */
async function ensureTorch(): Promise<string | undefined> {
  const has = async () => (await run(["/usr/bin/python3", "-c", "import torch"])).ok;
  const blas = () => {
    try {
      Deno.statSync(OPENBLAS);
      return true;
    } catch {
      return false;
    }
  };
  if (await has() && blas()) return undefined;
  if (Deno.uid?.() !== 0) {
    return (await has())
      ? undefined // runs, on whatever BLAS is there (said in the peer line)
      : "python3-torch is missing and this is not root: peer skipped";
  }
  console.log("installing python3-torch and libopenblas0-pthread with apt-get …");
  await run(["apt-get", "install", "-y", "python3-torch", "libopenblas0-pthread"]);
  return (await has()) ? undefined : "apt-get could not install python3-torch: peer skipped";
}

/** The peer's per-step seconds at `threads` (torch intra-op and OpenBLAS threads). */
async function runPeer(size: string, threads: number) {
  const cfg = await modelConfig(size);
  const spec = JSON.stringify({ ...RUN, model: cfg, prompts: promptsFor(cfg), threads });
  const t = String(threads);
  const peer = await run(
    ["/usr/bin/python3", new URL("./peer_torch.py", import.meta.url).pathname, spec],
    undefined,
    { OPENBLAS_NUM_THREADS: t, OMP_NUM_THREADS: t },
  );
  if (!peer.ok) throw new Error(`e2e: the peer failed at ${size}`);
  const pj = JSON.parse(peer.out.trim().split("\n").at(-1)!);
  const pm = (k: keyof Timing) => median(pj.steps.map((x: Timing) => x[k]));
  return {
    info: pj,
    sampling: pm("sampling"),
    reward: pm("reward"),
    update: pm("update"),
    total: pm("total"),
  };
}

const fmt = (x: number, d = 1) => x.toFixed(d);

async function main(): Promise<void> {
  if (args.one) return runOne(args.one, (args.variant ?? "ours").split(","));
  const peerThreads = (args["peer-threads"] ?? "2,1").split(",").map(Number);
  const sizes = (args.sizes ?? (args.quick ? "default,10M" : "default,10M,30M")).split(",");
  const skip = args.ablate ? "ablation: no peer" : await ensureTorch();
  if (skip) console.log(skip);
  const self = new URL(import.meta.url).pathname;
  const pass = [...(args.quick ? ["--quick"] : []), ...(args.steps ? ["--steps", args.steps] : [])];
  if (args.det) pass.push("--det");
  console.log(
    `shapes: ${RUN.agents} agents, G=${RUN.groupSize}, prompt ${RUN.promptLen} tokens, ` +
      `${RUN.maxNewTokens} new tokens, median of ${RUN.steps} steps after ${RUN.warmup} warm-up; ` +
      `ours: ${args.det ? "deterministic (1 thread)" : "2 threads"}, peer: torch ` +
      `${peerThreads.join(" and ")} threads (e2e/peer uses ${peerThreads[0]})`,
  );
  let r10: number | undefined;
  for (const size of sizes) {
    const variants = args.ablate ? Object.keys(VARIANTS) : ["ours"];
    const mine = await run([
      Deno.execPath(),
      "run",
      "-A",
      self,
      "--one",
      size,
      "--variant",
      variants.join(","),
      ...pass,
    ]);
    if (!mine.ok) throw new Error(`e2e: our run of ${size} failed`);
    const ours = JSON.parse(mine.out.trim().split("\n").at(-1)!);
    const med = (name: string, k: keyof Timing) =>
      median(ours.steps[name].map((t: Timing) => t[k]));
    const tok = ours.tokensPerStep;
    const head = `${size} (${fmt(ours.params / 1e6, 2)}M params)`;
    if (args.ablate) {
      const min = (name: string, k: keyof Timing) =>
        Math.min(...ours.steps[name].map((t: Timing) => t[k]));
      for (const name of variants) {
        const both = (k: keyof Timing) =>
          `${fmt(1000 * med(name, k))} (min ${fmt(1000 * min(name, k))}) ms`;
        console.log(
          `${head} ${name}: sampling ${both("sampling")}, update ${both("update")}, ` +
            `step ${both("total")}`,
        );
      }
      continue;
    }
    const s = {
      sampling: med("ours", "sampling"),
      reward: med("ours", "reward"),
      update: med("ours", "update"),
      total: med("ours", "total"),
    };
    const over = median(
      ours.steps.ours.map((t: Timing) => t.total - t.sampling - t.reward - t.update),
    );
    // FLOPs: 2·params per token forwarded (sampling: one shared prefill per prompt, then
    // G rows per new token), 6·params per token trained (forward + backward)
    const fwd = RUN.agents * (RUN.promptLen + RUN.groupSize * (RUN.maxNewTokens - 1));
    const trained = RUN.agents * RUN.groupSize * (RUN.promptLen + RUN.maxNewTokens);
    const flopShare = (2 * fwd) / (2 * fwd + 6 * trained);
    const peerLines: string[] = [];
    for (const threads of skip ? [] : peerThreads) {
      const pm = await runPeer(size, threads);
      const ratio = pm.total / s.total;
      if (size === "10M" && threads === peerThreads[0]) r10 = ratio;
      const blas = existsSync(OPENBLAS) ? "OpenBLAS" : "reference BLAS";
      peerLines.push(
        `peer (torch ${pm.info.torch}, ${pm.info.threads} threads, ${blas}): ` +
          `${fmt(tok / pm.sampling, 0)} tokens/s, update ${fmt(1000 * pm.update)} ms, step ` +
          `${fmt(1000 * pm.total)} ms, peak RSS ${fmt(pm.info.peakRssMb, 0)} MB; peer/ours: ` +
          `decode ${fmt(pm.sampling / s.sampling, 2)}×, update ${fmt(pm.update / s.update, 2)}×, ` +
          `step ${fmt(ratio, 2)}×`,
      );
    }
    const peerLine = peerLines.length ? peerLines.join("\n  ") : "peer skipped";
    console.log(
      `${head}: ours ${fmt(tok / s.sampling, 0)} tokens/s sampled, update ${
        fmt(1000 * s.update)
      } ms, ` +
        `step ${fmt(1000 * s.total)} ms, peak RSS ${fmt(ours.peakRssMb, 0)} MB\n  ${peerLine}\n` +
        `  our step: sampling ${fmt(1000 * s.sampling)} ms (${
          fmt(100 * s.sampling / s.total, 0)
        }%), ` +
        `reward ${fmt(1000 * s.reward, 2)} ms, update ${fmt(1000 * s.update)} ms ` +
        `(${fmt(100 * s.update / s.total, 0)}%), overhead ${fmt(1000 * over, 2)} ms; ` +
        `FLOP shares: sampling ${fmt(100 * flopShare, 0)}%, update ${
          fmt(100 * (1 - flopShare), 0)
        }%`,
    );
  }
  if (!args.ablate) console.log(`e2e/peer: ${r10 === undefined ? "n/a" : fmt(r10, 2)}`);
}

await main();
