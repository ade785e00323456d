/**
 * Load-memory benchmark (not a unit test): writes a ~30M-parameter llama checkpoint as BF16 and
 * as F32 into a temporary folder, then loads each with `loadPolicy` in a fresh subprocess and
 * reports the peak resident-memory growth (`VmHWM` of /proc/self/status, reset through
 * /proc/self/clear_refs before loading) relative to the size of the fp32 weights. The target
 * is "loading never holds more than ~2× the fp32 weights".
 *
 * Run: `deno run -A bench/load_memory.ts`
 *
 * @module
 */
import type { ModelConfig } from "../lib/model/config.ts";
import { countParams, initParams } from "../lib/model/params.ts";
import { byteLevelPolicy, loadPolicy, savePolicy } from "../lib/policy/load.ts";

/** Resident and peak resident memory of this process in bytes, from /proc/self/status. */
function procMemory(): { rss: number; hwm: number } {
  const status = Deno.readTextFileSync("/proc/self/status");
  const kb = (key: string) =>
    Number(new RegExp(`^${key}:\\s+(\\d+) kB`, "m").exec(status)?.[1]) * 1024;
  return { rss: kb("VmRSS"), hwm: kb("VmHWM") };
}

if (Deno.args[0] === "--child") {
  const dir = Deno.args[1];
  // Reset the peak to the current RSS (Linux: "5" clears VmHWM), so the peak measures loading.
  let reset = true;
  try {
    Deno.writeTextFileSync("/proc/self/clear_refs", "5");
  } catch {
    reset = false; // the peak then includes start-up, which only overstates it
  }
  const before = procMemory();
  const t0 = performance.now();
  const policy = await loadPolicy(dir);
  const seconds = (performance.now() - t0) / 1000;
  const after = procMemory();
  const fp32 = Object.values(policy.params).reduce((s, p) => s + p.data.byteLength, 0);
  console.log(JSON.stringify({ before, after, fp32, seconds, reset }));
  Deno.exit(0);
}

const cfg: ModelConfig = {
  arch: "llama",
  vocabSize: 8192,
  hidden: 512,
  layers: 8,
  heads: 8,
  kvHeads: 4,
  headDim: 64,
  intermediate: 1536,
  maxPositions: 1024,
  ropeTheta: 10000,
  normEps: 1e-6,
  qkvBias: false,
  tieEmbeddings: true,
  activation: "silu",
  eosTokenIds: [256],
};
const root = await Deno.makeTempDir({ prefix: "load-memory-" });
const policy = byteLevelPolicy(cfg, initParams(cfg, { seed: 0 }));
const mb = (b: number) => (b / 2 ** 20).toFixed(1);
console.log(
  `llama ${
    (countParams(cfg) / 1e6).toFixed(1)
  }M params; Deno ${Deno.version.deno}, ${Deno.build.os}/${Deno.build.arch}`,
);
for (const dtype of ["BF16", "F32"] as const) {
  const dir = `${root}/${dtype}`;
  policy.storage.dtypes = Object.fromEntries(Object.keys(policy.params).map((k) => [k, dtype]));
  await savePolicy(policy, dir);
  const file = (await Deno.stat(`${dir}/model.safetensors`)).size;
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", new URL(import.meta.url).pathname, "--child", dir],
    stdout: "piped",
    stderr: "inherit",
  }).output();
  if (!out.success) throw new Error(`child for ${dtype} failed`);
  const r = JSON.parse(new TextDecoder().decode(out.stdout));
  const peak = r.after.hwm - r.before.rss, kept = r.after.rss - r.before.rss;
  console.log(
    `${dtype}: file ${mb(file)} MiB, fp32 weights ${mb(r.fp32)} MiB; loading: peak RSS growth ` +
      `${mb(peak)} MiB = ${(peak / r.fp32).toFixed(2)}× fp32, kept ${mb(kept)} MiB = ${
        (kept / r.fp32).toFixed(2)
      }× fp32, ${r.seconds.toFixed(2)} s${r.reset ? "" : " (peak not reset: includes start-up)"}`,
  );
}
await Deno.remove(root, { recursive: true });
