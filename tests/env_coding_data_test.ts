// The coding datasets: HumanEval-format loaders and their errors, the 32 problems shipped in
// data/coding (canonical solutions pass, the aux+main split earns 4.0, each agent alone earns its
// maximum), and, when ../shared/datasets/humaneval is present, every HumanEval canonical solution.
import assert from "node:assert/strict";
import { SUM_SQ } from "./fixtures.ts";
import { codingAgentReward, codingReward } from "../lib/envs/coding.ts";
import {
  loadCoopCodingProblems,
  loadHumanEval,
  loadMbpp,
  parseHumanEvalText,
} from "../lib/envs/datasets.ts";
import { runChecks } from "../lib/sandbox/checks.ts";
import { mapLimit } from "../lib/sandbox/pool.ts";
import { UserError } from "../lib/util/errors.ts";

Deno.test("datasets: JSONL, JSON array, gzip and clear errors", async () => {
  const rec = { ...SUM_SQ };
  assert.equal(
    parseHumanEvalText(JSON.stringify(rec) + "\n\n", "a.jsonl").length,
    1,
  );
  assert.equal(
    parseHumanEvalText(
      JSON.stringify([rec, { ...rec, task_id: 7 }]),
      "a.json",
    )[1].task_id,
    "7",
  );
  const { entry_point: _, ...noEntry } = rec;
  assert.throws(
    () =>
      parseHumanEvalText(
        JSON.stringify(rec) + "\n" +
          JSON.stringify({ ...noEntry, task_id: "x/1" }),
        "data.jsonl",
        "loadMbpp",
      ),
    (e: Error) =>
      e instanceof UserError &&
      e.message ===
        "loadMbpp: data.jsonl:2 (task 'x/1'): missing field 'entry_point' (expected a string)",
  );
  assert.throws(
    () => parseHumanEvalText("{bad", "f.jsonl"),
    /f\.jsonl:1: invalid JSON/,
  );
  assert.throws(
    () => parseHumanEvalText(JSON.stringify([rec, { ...rec, test: 7 }]), "f.json"),
    /f\.json: element 1 .*field 'test' must be a string, got number/,
  );
  assert.throws(
    () => parseHumanEvalText(JSON.stringify([rec, rec]), "f.json"),
    /duplicate task_id 'demo\/sum_sq'/,
  );
  assert.throws(
    () =>
      parseHumanEvalText(
        JSON.stringify({ ...rec, test: "assert 1" }),
        "f.jsonl",
      ),
    /must define check\(candidate\)/,
  );
  assert.throws(
    () =>
      parseHumanEvalText(
        JSON.stringify({ ...rec, entry_point: "a b" }),
        "f.jsonl",
      ),
    /Python identifier/,
  );
  assert.throws(
    () => parseHumanEvalText("\n", "f.jsonl"),
    /contains no problems/,
  );
  const dir = await Deno.makeTempDir();
  try {
    const gz = new Uint8Array(
      await new Response(
        new Blob([JSON.stringify(rec) + "\n"]).stream().pipeThrough(
          new CompressionStream("gzip"),
        ),
      )
        .arrayBuffer(),
    );
    await Deno.writeFile(`${dir}/p.jsonl.gz`, gz);
    assert.equal(
      (await loadMbpp(`${dir}/p.jsonl.gz`))[0].entry_point,
      "sum_sq",
    );
    await assert.rejects(
      () => loadHumanEval(`${dir}/missing.jsonl`),
      /loadHumanEval: cannot read '.*missing\.jsonl': file not found/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("data/coding: 32 original problems, canonical passes, split aux+main earns 4.0, each alone its max, wrong body fails", async () => {
  const rows = await loadCoopCodingProblems();
  assert.equal(rows.length, 32);
  const out = await mapLimit(rows, 8, async (p) => ({
    p,
    canonical: await runChecks(
      p.prompt + p.canonical_solution,
      p.test,
      p.entry_point,
    ),
    split: await codingReward(p.aux_solution!, p.main_solution!, p, { rewardVariant: "strict" }),
    auxAlone: await codingAgentReward(0, p.aux_solution!, p),
    mainAlone: await codingAgentReward(1, p.prompt + p.canonical_solution, p),
    wrong: await runChecks(
      p.prompt + "    return None\n",
      p.test,
      p.entry_point,
    ),
  }));
  for (const { p, canonical, split, auxAlone, mainAlone, wrong } of out) {
    assert.ok(canonical.total >= 4, `${p.task_id}: ${canonical.total} tests`);
    assert.equal(canonical.passed, canonical.total, p.task_id);
    assert.equal(
      split.total,
      4,
      `${p.task_id}: ${JSON.stringify(split.levels)}`,
    );
    assert.equal(auxAlone, 0.9, `${p.task_id}: aux alone = 0.4 + 0.5`);
    assert.equal(mainAlone, 2.1, `${p.task_id}: canonical main alone = 0.6 + 0.5 + 1`);
    assert.ok(
      wrong.passed < wrong.total,
      `${p.task_id}: 'return None' passes everything`,
    );
  }
});

const HUMANEVAL = new URL(
  "../../shared/datasets/humaneval/HumanEval.jsonl.gz",
  import.meta.url,
);
let haveHumanEval = true;
try {
  Deno.statSync(HUMANEVAL);
} catch {
  haveHumanEval = false;
  console.log(
    `env_coding_data_test: skipping the HumanEval check, ${HUMANEVAL.pathname} not found`,
  );
}

Deno.test({
  name:
    "HumanEval (strict variant): all 164 canonical solutions get full test credit (main alone), 'return None' does not",
  ignore: !haveHumanEval,
  fn: async () => {
    const rows = await loadHumanEval(decodeURIComponent(HUMANEVAL.pathname));
    assert.equal(rows.length, 164);
    const out = await mapLimit(rows, 16, async (p) => ({
      p,
      good: await codingReward("", p.prompt + p.canonical_solution, p, { rewardVariant: "strict" }),
      bad: await codingReward("", p.prompt + "    return None\n", p, { rewardVariant: "strict" }),
    }));
    for (const { p, good, bad } of out) {
      assert.equal(
        good.levels.tests,
        1,
        `${p.task_id}: ${JSON.stringify(good.levels)}`,
      );
      assert.ok(Math.abs(good.total - 2.1) < 1e-9, p.task_id);
      assert.ok(
        bad.levels.tests < 1,
        `${p.task_id}: 'return None' passes every assert`,
      );
    }
  },
});
