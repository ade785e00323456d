import assert from "node:assert/strict";
import { hashFiles, writeManifest } from "../lib/log/manifest.ts";

Deno.test("manifest.json: versions, commit, seeds, SHA-256 of data files, machine", async () => {
  const dir = await Deno.makeTempDir({ prefix: "manifest-" });
  try {
    await Deno.writeTextFile(`${dir}/abc.txt`, "abc");
    await Deno.mkdir(`${dir}/data`);
    await Deno.writeTextFile(`${dir}/data/b.jsonl`, "");
    await Deno.writeTextFile(`${dir}/data/a.jsonl`, "abc");
    await Deno.writeTextFile(`${dir}/data/.hidden`, "x");
    const m = await writeManifest(`${dir}/run`, {
      ep: "webgpu",
      epUsed: "cpu",
      seeds: { seed: 7, data: "data/7" },
      files: {
        dataPath: `${dir}/abc.txt`,
        folder: `${dir}/data`,
        missing: `${dir}/none`,
        unset: undefined,
      },
    });
    const back = JSON.parse(await Deno.readTextFile(`${dir}/run/manifest.json`));
    assert.deepEqual(back, m);
    const abc = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"; // FIPS 180-2
    const empty = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
    assert.deepEqual(m.files.dataPath, [{ path: `${dir}/abc.txt`, bytes: 3, sha256: abc }]);
    assert.deepEqual(m.files.folder, [
      { path: `${dir}/data/a.jsonl`, bytes: 3, sha256: abc },
      { path: `${dir}/data/b.jsonl`, bytes: 0, sha256: empty },
    ]);
    assert.deepEqual(m.files.missing, [{ path: `${dir}/none`, bytes: 0, sha256: "unreadable" }]);
    assert.equal("unset" in m.files, false);
    assert.deepEqual(m.executionProvider, { requested: "webgpu", used: "cpu" });
    assert.deepEqual(m.seeds, { seed: 7, data: "data/7" });
    assert.equal(m.versions.deno, Deno.version.deno);
    assert.equal(m.versions.onnxruntime, "1.30.0");
    assert.match(m.project.commit ?? "", /^[0-9a-f]{40}$/);
    assert.equal(typeof m.project.dirty, "boolean");
    assert.equal(m.machine.cores, navigator.hardwareConcurrency);
    assert.ok((m.machine.memoryBytes ?? 0) > 0);
    assert.equal(m.machine.os, Deno.build.os);
    const model = await hashFiles("data/default-model");
    assert.ok(model.some((f) => f.path.endsWith("config.json")));
    assert.ok(model.every((f) => /^[0-9a-f]{64}$/.test(f.sha256)));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
