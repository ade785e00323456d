// The MAGRPO authors' CoopHumanEval and MBPP files load as they distribute them (no canonical
// solution), and rows whose test code does not parse are rejected at load time.
import assert from "node:assert/strict";
import { loadCoopHumanEval, loadHumanEval, loadMbpp } from "../lib/envs/datasets.ts";
import { UserError } from "../lib/util/errors.ts";

const AUTHORS = new URL("./authors/", import.meta.url);
const path = (name: string) => decodeURIComponent(new URL(name, AUTHORS).pathname);
const CORPUS = JSON.parse(await Deno.readTextFile(path("coding_corpus.json"))) as {
  dataFiles: Record<string, { rows: number; fields: string[] }>;
};
const FIELDS = ["task_id", "prompt", "test", "entry_point"];

Deno.test("authors' CoopHumanEval and MBPP format: rows read with exactly their 4 fields", async () => {
  // The first 3 rows of each file, verbatim (tools/authors_coding_corpus.py writes them).
  const che = await loadCoopHumanEval(path("che_raw_head.json"));
  const mbpp = await loadMbpp(path("mbpp_raw_head.json"));
  for (const [rows, name] of [[che, "che_raw.json"], [mbpp, "mbpp_raw.json"]] as const) {
    assert.equal(rows.length, 3);
    for (const r of rows) assert.deepEqual(Object.keys(r), FIELDS);
    assert.deepEqual([...FIELDS].sort(), CORPUS.dataFiles[name].fields);
  }
  assert.equal(mbpp[0].entry_point, "remove_Occ");
  assert.equal(CORPUS.dataFiles["che_raw.json"].rows, 82);
  assert.equal(CORPUS.dataFiles["mbpp_raw.json"].rows, 257);
});

const MIRROR = "/work/.mirror/shady-cs15+LLM_Collab_Code_Generation/repo";
const haveMirror = await Deno.stat(MIRROR).then(() => true, () => false);

Deno.test({
  name: "authors' full CoopHumanEval (82) and MBPP (257) files load (when a checkout is present)",
  ignore: !haveMirror,
  fn: async () => {
    const dir = await Deno.makeTempDir();
    try {
      for (
        const [name, load] of [["che_raw.json", loadCoopHumanEval], [
          "mbpp_raw.json",
          loadMbpp,
        ]] as const
      ) {
        const out = await new Deno.Command("git", {
          args: ["--git-dir", MIRROR, "show", `HEAD:data/${name}`],
          stdout: "piped",
        }).output();
        assert.ok(out.success);
        await Deno.writeFile(`${dir}/${name}`, out.stdout);
        const rows = await load(`${dir}/${name}`);
        assert.equal(rows.length, CORPUS.dataFiles[name].rows, name);
        for (const r of rows) assert.deepEqual(Object.keys(r), FIELDS);
      }
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test("a row whose test code does not parse is rejected, naming file, row and task", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const ok = {
      task_id: "a/0",
      prompt: "def f(x):\n",
      entry_point: "f",
      test: "def check(candidate):\n    assert candidate(1) == 1\n",
    };
    const bad = {
      ...ok,
      task_id: "a/1",
      test: "def check(candidate):\n    assert candidate(1 == 1\n",
    };
    const file = `${dir}/rows.jsonl`;
    await Deno.writeTextFile(file, [ok, bad].map((r) => JSON.stringify(r)).join("\n") + "\n");
    await assert.rejects(() => loadHumanEval(file), (err: Error) => {
      assert.ok(err instanceof UserError);
      assert.match(
        err.message,
        /^loadHumanEval: .*rows\.jsonl:2 \(task 'a\/1'\): the test code does not parse: SyntaxError/,
      );
      return true;
    });
    const arr = `${dir}/rows.json`;
    await Deno.writeTextFile(arr, JSON.stringify([ok, bad]));
    await assert.rejects(() => loadMbpp(arr), /rows\.json: element 1 \(task 'a\/1'\)/);
    assert.equal(await loadMbpp(arr.replace("rows.json", "ok.json")).catch(() => null), null);
    await Deno.writeTextFile(`${dir}/ok.json`, JSON.stringify([ok]));
    assert.equal((await loadMbpp(`${dir}/ok.json`)).length, 1);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
