/**
 * Sandbox throughput: programs per second for trivial programs and for HumanEval-style test
 * runs (the coding reward's unit of work), with the default pool (one slot per core).
 *
 * Run: `deno run -A bench/sandbox.ts [count]`
 *
 * @module
 */

import { runPython } from "../lib/sandbox/python.ts";
import { sandboxInfo } from "../lib/sandbox/setup.ts";
import { coreCount } from "../lib/sandbox/pool.ts";
import { codingReward } from "../lib/envs/coding.ts";
import { loadCoopCodingProblems } from "../lib/envs/datasets.ts";

const count = Number(Deno.args[0] ?? 64);
const info = await sandboxInfo();
console.log(`python: ${info.python}`);
console.log(`layers: ${info.layers.join(", ")}; pool size: ${coreCount()}`);

async function measure(
  label: string,
  n: number,
  job: (i: number) => Promise<boolean>,
) {
  const t0 = performance.now();
  const ok = await Promise.all(Array.from({ length: n }, (_, i) => job(i)));
  const secs = (performance.now() - t0) / 1000;
  const good = ok.filter((x) => x).length;
  console.log(
    `${label}: ${n} in ${secs.toFixed(2)} s = ${
      (n / secs).toFixed(1)
    } programs/s (${good}/${n} ok)`,
  );
}

await runPython("pass"); // warm-up: interpreter resolution
await measure(
  "trivial print",
  count,
  async (i) => (await runPython(`print(${i})`)).stdout === `${i}\n`,
);
const rows = await loadCoopCodingProblems();
await measure("coding reward (aux + main, all asserts)", count, async (i) => {
  const p = rows[i % rows.length];
  return (await codingReward(p.aux_solution!, p.main_solution!, p)).total === 4;
});
