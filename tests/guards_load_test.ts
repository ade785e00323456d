// Guards when loading a model or a dataset: a model.safetensors that is a folder, special
// token ids outside the vocabulary, NaN/Inf weights (also through `deno task logits`), and
// env.dataPath given as a folder (as README documents).
import assert from "node:assert/strict";
import { loadPolicy, savePolicy } from "../lib/policy/load.ts";
import { loadEnvironment, resolveDataPath } from "../lib/envs/registry.ts";
import { UserError } from "../lib/util/errors.ts";
import { randomPolicy, runLogitsCli, tinyConfig } from "./fixtures.ts";

const CFG = tinyConfig({ layers: 1 });

function userError(message: string) {
  return (e: Error) => {
    assert.ok(e instanceof UserError, `expected a UserError, got ${e?.constructor?.name}: ${e}`);
    assert.equal(e.message, message);
    return true;
  };
}

async function savedModel(): Promise<string> {
  const dir = await Deno.makeTempDir();
  await savePolicy(randomPolicy(CFG, 1), dir);
  return dir;
}

async function editJson(path: string, change: (j: Record<string, unknown>) => void) {
  const j = JSON.parse(await Deno.readTextFile(path));
  change(j);
  await Deno.writeTextFile(path, JSON.stringify(j));
}

Deno.test("a model.safetensors that is a folder is one clear load error", async () => {
  const dir = await savedModel();
  await Deno.remove(`${dir}/model.safetensors`);
  await Deno.mkdir(`${dir}/model.safetensors`);
  await assert.rejects(
    () => loadPolicy(dir),
    userError(`${dir}/model.safetensors: is a folder, expected a safetensors file`),
  );
  await Deno.remove(dir, { recursive: true });
});

Deno.test("an EOS (or BOS/pad) id outside the vocabulary is a load error naming the file", async () => {
  const dir = await savedModel();
  await editJson(`${dir}/config.json`, (j) => (j.eos_token_id = [256, 5000]));
  await assert.rejects(
    () => loadPolicy(dir),
    userError(
      `${dir}/config.json: field 'eos_token_id' is 5000, outside the vocabulary ` +
        `(vocab_size 258: ids 0 to 257)`,
    ),
  );
  await editJson(`${dir}/config.json`, (j) => {
    j.eos_token_id = 256;
    j.pad_token_id = 258;
  });
  await assert.rejects(
    () => loadPolicy(dir),
    userError(
      `${dir}/config.json: field 'pad_token_id' is 258, outside the vocabulary ` +
        `(vocab_size 258: ids 0 to 257)`,
    ),
  );
  await editJson(`${dir}/config.json`, (j) => delete j.pad_token_id);
  await Deno.writeTextFile(`${dir}/generation_config.json`, JSON.stringify({ eos_token_id: 9999 }));
  await assert.rejects(
    () => loadPolicy(dir),
    userError(
      `${dir}/generation_config.json: field 'eos_token_id' is 9999, outside the vocabulary ` +
        `(vocab_size 258: ids 0 to 257)`,
    ),
  );
  await Deno.writeTextFile(`${dir}/generation_config.json`, JSON.stringify({ eos_token_id: 257 }));
  assert.ok((await loadPolicy(dir)).generation?.eosTokenIds?.includes(257)); // the last id is fine
  await Deno.remove(dir, { recursive: true });
});

Deno.test("NaN or Inf weights are a load error, in loadPolicy and in tools/logits.ts", async () => {
  for (const [bad, shown] of [[NaN, "NaN"], [Infinity, "Infinity"]] as const) {
    const p = randomPolicy(CFG, 2);
    const w = p.params["model.norm.weight"].data as Float32Array;
    w[3] = bad;
    w[5] = bad;
    const dir = await Deno.makeTempDir();
    await savePolicy(p, dir);
    const message = `${dir}/model.safetensors: tensor 'model.norm.weight' has 2 non-finite ` +
      `values (first: ${shown} at index 3); the checkpoint is diverged or corrupted`;
    await assert.rejects(() => loadPolicy(dir), userError(message));
    const out = await runLogitsCli(dir, "1,2,3");
    assert.equal(out.code, 2);
    assert.equal(out.stdout, "");
    assert.equal(out.stderr.trim(), `error: ${message}`);
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("env.dataPath may be a folder: the shipped data/tldr, data/arxiv, data/coding load", async () => {
  for (const [name, file] of [["tldr", "posts"], ["arxiv", "abstracts"], ["coding", "problems"]]) {
    assert.equal(await resolveDataPath(name, `data/${name}`), `data/${name}/${file}.jsonl`);
    assert.equal(await resolveDataPath(name, `data/${name}/`), `data/${name}/${file}.jsonl`);
    const fromFolder = await loadEnvironment({ name, dataPath: `data/${name}` });
    const fromFile = await loadEnvironment({ name, dataPath: `data/${name}/${file}.jsonl` });
    assert.deepEqual(fromFolder.rows, fromFile.rows);
    assert.ok(fromFolder.rows.length > 0);
  }
});

Deno.test("a dataPath folder with one data file uses it; none, several or a missing path are errors", async () => {
  const dir = await Deno.makeTempDir();
  const row = JSON.stringify({ prompt: "POST: a day at the lake.", completion: " A lake day." });
  await Deno.writeTextFile(`${dir}/notes.md`, "not data\n");
  await assert.rejects(
    () => loadEnvironment({ name: "tldr", dataPath: dir }),
    userError(
      `env.dataPath: the folder ${dir} holds no .jsonl or .json file; set env.dataPath to the ` +
        `data file itself`,
    ),
  );
  await Deno.writeTextFile(`${dir}/train.jsonl`, Array(10).fill(row).join("\n") + "\n");
  assert.equal(await resolveDataPath("tldr", dir), `${dir}/train.jsonl`);
  await Deno.writeTextFile(`${dir}/test.jsonl`, row + "\n");
  await assert.rejects(
    () => loadEnvironment({ name: "tldr", dataPath: dir }),
    userError(
      `env.dataPath: the folder ${dir} holds several data files (test.jsonl, train.jsonl); set ` +
        `env.dataPath to the data file itself`,
    ),
  );
  await Deno.writeTextFile(`${dir}/posts.jsonl`, row + "\n"); // the usual name wins
  assert.equal(await resolveDataPath("tldr", dir), `${dir}/posts.jsonl`);
  await assert.rejects(
    () => resolveDataPath("tldr", `${dir}/missing`),
    userError(`env.dataPath: ${dir}/missing not found`),
  );
  await Deno.remove(dir, { recursive: true });
});
