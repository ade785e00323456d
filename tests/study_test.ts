/**
 * `bench/study.ts --quick` end to end (a few minutes on 2 cores): every task × method × seed
 * once in `results.json` with finite numbers in range, curves as long as the budget, the
 * tables and figures written, a second invocation resuming (nothing to redo), and `--jobs 2`
 * (two worker processes) giving the same runs as `--jobs 1` (one process), wall times aside.
 */
import assert from "node:assert/strict";
import type { StudyResults } from "../bench/study.ts";

const TASKS = ["coordination", "complementarity", "toy", "tldr", "coding"];
const METHODS = ["magrpo", "independent", "grpo_single", "critic", "untrained"];
const MAX: Record<string, number> = {
  coordination: 1,
  complementarity: 1,
  toy: 1,
  tldr: 2.98,
  coding: 4,
};

async function study(out: string, ...more: string[]): Promise<string> {
  const cmd = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "bench/study.ts", "--quick", "--out", out, ...more],
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  });
  const r = await cmd.output();
  const text = new TextDecoder().decode(r.stdout) + new TextDecoder().decode(r.stderr);
  assert.equal(r.code, 0, text);
  return text;
}

Deno.test({
  name: "study --quick: well-formed results, tables, figures, resume",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const out = await Deno.makeTempDir({ prefix: "study-test-" });
    assert.match(await study(out, "--jobs", "2"), /50 runs to do \(0 already in .*\), 2 processes/);
    const res: StudyResults = JSON.parse(await Deno.readTextFile(`${out}/results.json`));
    assert.equal(res.quick, true);
    // "a few minutes": 46-93 s measured on the shared 2 cores; 10 min means a stuck worker
    assert.equal(res.invocations?.length, 1);
    assert.ok(res.invocations![0].seconds < 600, `${res.invocations![0].seconds} s`);
    assert.equal(res.invocations![0].jobs, 2);
    assert.equal(res.runs.length, TASKS.length * METHODS.length * 2);
    for (const t of TASKS) {
      for (const m of METHODS) {
        for (const seed of [0, 1]) {
          const rs = res.runs.filter((r) => r.task === t && r.method === m && r.seed === seed);
          assert.equal(rs.length, 1, `${t}/${m}/${seed}`);
          const r = rs[0], where = `${t}/${m}/seed${seed}`;
          assert.ok(Number.isFinite(r.eval.reward), where);
          assert.ok(r.eval.reward >= -1e-9 && r.eval.reward <= MAX[t] + 1e-9, where);
          assert.ok(Number.isFinite(r.eval.coop), where);
          assert.equal(r.eval.rows, 2, where);
          for (const v of Object.values(r.eval.levels)) assert.ok(Number.isFinite(v), where);
          // trained runs: one curve point per step (2 in --quick), steps 1, 2
          assert.deepEqual(r.curve.map((c) => c.step), m === "untrained" ? [] : [1, 2], where);
          for (const c of r.curve) assert.ok(Number.isFinite(c.reward) && Number.isFinite(c.coop));
          assert.ok(r.seconds > 0, where);
        }
      }
    }
    // task metrics: ROUGE-L for TLDR, pass@k for coding (2 samples per eval row)
    for (const r of res.runs.filter((r) => r.task === "tldr")) {
      assert.ok(r.eval.metrics.rougeL >= 0 && r.eval.metrics.rougeL <= 1);
      assert.ok("structure" in r.eval.metrics && "consistency" in r.eval.metrics);
    }
    for (const r of res.runs.filter((r) => r.task === "coding")) {
      assert.deepEqual(Object.keys(r.eval.passAtK ?? {}).sort(), ["pass@1", "pass@2"]);
      for (const v of Object.values(r.eval.passAtK!)) assert.ok(v >= 0 && v <= 1);
    }
    // the tables: one section per task, one row per method, a paired row per other method
    const md = await Deno.readTextFile(`${out}/summary.md`);
    for (const t of TASKS) assert.ok(md.includes(`### ${t}`), t);
    assert.equal(md.split("\n").filter((l) => l.startsWith("| magrpo | 2 |")).length, TASKS.length);
    // every interval brackets its mean: "mean [lo, hi]"
    for (const [, mean, lo, hi] of md.matchAll(/(-?\d+\.\d+) \[(-?\d+\.\d+), (-?\d+\.\d+)\]/g)) {
      assert.ok(+lo <= +mean + 1e-3 && +mean <= +hi + 1e-3, `${mean} [${lo}, ${hi}]`);
    }
    // figures: plotly JSON with traces, and the HTML beside it
    for (const f of [...TASKS.map((t) => `curves-${t}`), "gain"]) {
      const fig = JSON.parse(await Deno.readTextFile(`${out}/${f}.json`));
      assert.ok(Array.isArray(fig.data) && fig.data.length > 0, f);
      assert.ok((await Deno.stat(`${out}/${f}.html`)).size > 0, f);
    }
    // resume: a second invocation finds every run done and leaves them as they are
    const again = await study(out);
    assert.match(again, /nothing to do: all 50 runs are in/);
    const res2: StudyResults = JSON.parse(await Deno.readTextFile(`${out}/results.json`));
    assert.deepEqual(res2.runs, res.runs);
    // one process gives the same runs (each run seeded by itself, same thread count), in its
    // own order: compare them by task, method and seed, without the wall times
    const seq = await Deno.makeTempDir({ prefix: "study-test-seq-" });
    assert.match(await study(seq, "--jobs", "1"), /, 1 process\b/);
    const res1: StudyResults = JSON.parse(await Deno.readTextFile(`${seq}/results.json`));
    const keyed = (r: StudyResults) =>
      Object.fromEntries(
        r.runs.map(({ seconds: _, ...run }) => [`${run.task}/${run.method}/${run.seed}`, run]),
      );
    assert.equal(res1.runs.length, res.runs.length);
    assert.deepEqual(keyed(res1), keyed(res));
    await Deno.remove(seq, { recursive: true });
    await Deno.remove(out, { recursive: true });
  },
});
