import assert from "node:assert/strict";
import { filterJsonl, openJsonl, readJsonl, toJsonSafe } from "../lib/util/jsonl.ts";
import { UserError } from "../lib/util/errors.ts";

/** Runs `f` with console.warn captured; returns the warnings. */
async function captureWarnings(f: () => unknown): Promise<string[]> {
  const warnings: string[] = [];
  const original = console.warn;
  console.warn = (...args: unknown[]) => warnings.push(args.join(" "));
  try {
    await f();
  } finally {
    console.warn = original;
  }
  return warnings;
}

async function withTempDir(f: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir();
  try {
    await f(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("openJsonl creates folders, appends one line per record, readJsonl reads them back", async () => {
  await withTempDir(async (dir) => {
    const path = `${dir}/a/b/metrics.jsonl`;
    const log = openJsonl(path);
    assert.equal(
      log.write({ step: 1, loss: 0.5, tags: ["x"] }),
      '{"step":1,"loss":0.5,"tags":["x"]}',
    );
    log.write({ step: 2, nested: { r: [1, 2.25] }, f32: new Float32Array([0.5, -2]) });
    // not closed yet: the lines are already in the file (a crash now loses nothing written)
    assert.equal(
      await Deno.readTextFile(path),
      '{"step":1,"loss":0.5,"tags":["x"]}\n{"step":2,"nested":{"r":[1,2.25]},"f32":[0.5,-2]}\n',
    );
    log.close();
    assert.throws(() => log.write({ step: 3 }), /write after close/);
    // reopening appends
    const again = openJsonl(path, { fsync: true });
    again.write({ step: 3, when: new Date(0) });
    again.close();
    const rows = await readJsonl(path);
    assert.deepEqual(rows.map((r) => r.step), [1, 2, 3]);
    assert.deepEqual(rows[1].nested, { r: [1, 2.25] });
    assert.equal(rows[2].when, "1970-01-01T00:00:00.000Z");
  });
});

Deno.test("non-finite numbers are written as null and reported once per key", async () => {
  await withTempDir(async (dir) => {
    const path = `${dir}/m.jsonl`;
    const log = openJsonl(path);
    const warnings = await captureWarnings(() => {
      log.write({ step: 1, loss: NaN, r: [1, Infinity, -Infinity], ok: 2 });
      log.write({ step: 2, loss: NaN, kl: { agent0: -Infinity } });
    });
    log.close();
    assert.equal(warnings.length, 3, warnings.join("\n"));
    assert.match(warnings[0], /m\.jsonl: key 'loss' is not a finite number .* written as null/);
    assert.match(warnings[1], /key 'r\[\]'/);
    assert.match(warnings[2], /key 'kl\.agent0'/);
    const lines = (await Deno.readTextFile(path)).trimEnd().split("\n");
    assert.equal(lines[0], '{"step":1,"loss":null,"r":[1,null,null],"ok":2}');
    assert.equal(lines[1], '{"step":2,"loss":null,"kl":{"agent0":null}}');
  });
});

Deno.test("toJsonSafe: paths of non-finite values; bigint is a UserError naming the key", () => {
  assert.deepEqual(toJsonSafe({ a: { b: [NaN] }, c: 1, d: undefined }), {
    value: { a: { b: [null] }, c: 1 },
    nonFinite: ["a.b[]"],
  });
  assert.deepEqual(toJsonSafe(-0), { value: -0, nonFinite: [] });
  assert.throws(
    () => toJsonSafe({ ids: { first: 3n } }, "x.jsonl"),
    (e: Error) =>
      e instanceof UserError && /x\.jsonl: key 'ids\.first' holds a bigint/.test(e.message),
  );
});

Deno.test("records must be objects; readJsonl errors name file and line", async () => {
  await withTempDir(async (dir) => {
    const log = openJsonl(`${dir}/x.jsonl`);
    assert.throws(
      () => log.write([1, 2] as unknown as Record<string, unknown>),
      /must be an object/,
    );
    log.close();
    const bad = `${dir}/bad.jsonl`;
    await Deno.writeTextFile(bad, '{"a":1}\n\n{"a":2,}\n{"a":3}\n');
    await assert.rejects(() => readJsonl(bad), new RegExp(`^UserError: ${bad}:3: invalid JSON`));
    await Deno.writeTextFile(bad, '{"a":1}\n[1]\n');
    await assert.rejects(() => readJsonl(bad), new RegExp(`${bad}:2: expected a JSON object`));
    await assert.rejects(
      () => readJsonl(`${dir}/none.jsonl`),
      /none\.jsonl: cannot read \(file not found\)/,
    );
  });
});

Deno.test("an incomplete last line (crash mid-write) is skipped by readers and removed by openJsonl", async () => {
  await withTempDir(async (dir) => {
    const path = `${dir}/crash.jsonl`;
    await Deno.writeTextFile(path, '{"step":1}\n{"step":2}\n{"st');
    let rows: Record<string, unknown>[] = [];
    const readWarnings = await captureWarnings(async () => (rows = await readJsonl(path)));
    assert.deepEqual(rows, [{ step: 1 }, { step: 2 }]);
    assert.match(readWarnings[0], /crash\.jsonl:3: skipping an incomplete last line/);
    const openWarnings = await captureWarnings(() => {
      const log = openJsonl(path);
      log.write({ step: 3 });
      log.close();
    });
    assert.match(openWarnings[0], /dropping an incomplete last line \(4 bytes/);
    assert.equal(await Deno.readTextFile(path), '{"step":1}\n{"step":2}\n{"step":3}\n');
  });
});

Deno.test("filterJsonl keeps the matching records, rewrites the file atomically, counts the rest", async () => {
  await withTempDir(async (dir) => {
    const path = `${dir}/metrics.jsonl`;
    await Deno.writeTextFile(
      path,
      '{"type":"step","step":1}\n{"type":"step","step":2}\n{"type":"eval","step":2}\n' +
        '{"type":"step","step":3}\n{"type":"st',
    );
    const warnings = await captureWarnings(async () => {
      assert.equal(await filterJsonl(path, (r) => (r.step as number) <= 2), 1);
    });
    assert.deepEqual(warnings, [`warning: ${path}:5: skipping an incomplete last line`]);
    assert.equal(
      await Deno.readTextFile(path),
      '{"type":"step","step":1}\n{"type":"step","step":2}\n{"type":"eval","step":2}\n',
    );
    // nothing to drop: the file is left untouched; no temporary files remain
    const mtime = (await Deno.stat(path)).mtime;
    assert.equal(await filterJsonl(path, () => true), 0);
    assert.deepEqual((await Deno.stat(path)).mtime, mtime);
    assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name), ["metrics.jsonl"]);
    assert.equal(await filterJsonl(`${dir}/none.jsonl`, () => false), 0);
  });
});
