// Train/eval splits: every environment holds out evaluation rows that training never sees; the
// authors' splits for their coding datasets; slices as in their configs; seeded otherwise.
import assert from "node:assert/strict";
import { ENV_NAMES, loadEnvironment } from "../lib/envs/registry.ts";
import { seededSplit, sliceIndices, splitRows } from "../lib/envs/split.ts";
import { UserError } from "../lib/util/errors.ts";

Deno.test("every environment: eval rows and train rows are disjoint, and both are non-empty", async () => {
  // shipped rows: toy 36, tldr 50, arxiv 30, coding 32; the seeded split holds out round(0.2·n)
  const expected: Record<string, [number, number]> = {
    toy: [29, 7],
    tldr: [40, 10],
    arxiv: [24, 6],
    coding: [26, 6],
    coordination: [48, 12], // 60 built-in topics
    complementarity: [48, 12],
  };
  for (const name of ENV_NAMES) {
    const env = await loadEnvironment({ name });
    const train = new Set(env.rows.map((r) => JSON.stringify(r)));
    const held = env.evalRows!.map((r) => JSON.stringify(r));
    assert.deepEqual([env.rows.length, held.length], expected[name], name);
    assert.ok(held.every((r) => !train.has(r)), `${name}: an eval row is a training row`);
    // the same split every time (it depends on the name and row count only)
    const again = await loadEnvironment({ name });
    assert.deepEqual(again.evalRows, env.evalRows);
  }
});

Deno.test("maxRows cuts training rows only; slices pick rows as Python does", async () => {
  const env = await loadEnvironment({ name: "tldr", maxRows: 3 });
  assert.deepEqual([env.rows.length, env.evalRows!.length], [3, 10]);
  const sliced = await loadEnvironment({ name: "arxiv", evalSlice: ":4" });
  assert.deepEqual([sliced.rows.length, sliced.evalRows!.length], [26, 4]);
  assert.deepEqual(sliceIndices("33:163", 164).length, 130);
  assert.deepEqual(sliceIndices("33:163", 164)[0], 33);
  assert.deepEqual(sliceIndices(":32", 164).at(-1), 31);
  assert.deepEqual(sliceIndices("-2:", 5), [3, 4]);
  assert.deepEqual(sliceIndices("3:1", 5), []);
  assert.deepEqual(sliceIndices("2:99", 5), [2, 3, 4]);
});

Deno.test("the authors' coding splits are recognized by task_id", () => {
  const rows = (prefix: string, n: number) =>
    Array.from({ length: n }, (_, i) => ({ task_id: `${prefix}${i}` }));
  const ids = (xs: { task_id: string }[]) => xs.map((x) => Number(x.task_id.split("/")[1]));
  // HumanEval: train test[33:163], eval test[:32] (rows 32 and 163 in neither)
  const he = splitRows("coding", rows("HumanEval/", 164));
  assert.deepEqual([ids(he.train)[0], ids(he.train).at(-1), he.train.length], [33, 162, 130]);
  assert.deepEqual([ids(he.eval)[0], ids(he.eval).at(-1), he.eval.length], [0, 31, 32]);
  // CoopHumanEval: train test[16:], eval test[:16]
  const che = splitRows("coding", rows("CoopHumanEval/", 82));
  assert.deepEqual([che.train.length, che.eval.length, ids(che.train)[0]], [66, 16, 16]);
  // MBPP: train test[15:65], eval test[:15]
  const mbpp = splitRows("coding", rows("MBPP/", 257));
  assert.deepEqual([mbpp.train.length, mbpp.eval.length, ids(mbpp.train)[0]], [50, 15, 15]);
});

Deno.test("overlapping slices are refused; a missing side is the complement", () => {
  const rows = Array.from({ length: 10 }, (_, i) => i);
  assert.throws(
    () => splitRows("x", rows, { trainSlice: "0:6", evalSlice: "5:" }),
    (e: Error) => e instanceof UserError && /share 1 row\(s\) \(first: row 5\)/.test(e.message),
  );
  assert.deepEqual(splitRows("x", rows, { evalSlice: "8:" }).train, [0, 1, 2, 3, 4, 5, 6, 7]);
  assert.deepEqual(splitRows("x", rows, { trainSlice: "2:" }).eval, [0, 1]);
  const s = seededSplit("x", 10, 0.3);
  assert.equal(s.eval.length, 3);
  assert.deepEqual([...s.train, ...s.eval].sort((a, b) => a - b), rows);
  assert.throws(() => seededSplit("x", 1, 0.2), UserError);
});
