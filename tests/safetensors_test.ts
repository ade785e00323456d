import assert from "node:assert/strict";
import { bf16ToF32, f16ToF32, f32ToBf16, f32ToF16 } from "../lib/model/float_bits.ts";
import {
  loadSafetensors,
  readSafetensorsHeader,
  type TensorMap,
} from "../lib/model/safetensors.ts";
import { saveSafetensors } from "../lib/model/safetensors_write.ts";
import { loadHfWeights, planShards, saveHfWeights } from "../lib/model/hf_folder.ts";
import { UserError } from "../lib/util/errors.ts";

const u16 = (...xs: number[]) => Uint16Array.from(xs);
const f32 = (...xs: number[]) => Float32Array.from(xs);

Deno.test("bf16 -> fp32 known values", () => {
  const v = bf16ToF32(
    u16(0x3f80, 0xc000, 0x0000, 0x8000, 0x7f80, 0xff80, 0x7fc0, 0x0001, 0x4049),
  );
  assert.deepEqual([...v.slice(0, 2)], [1, -2]);
  assert.ok(Object.is(v[2], 0) && Object.is(v[3], -0));
  assert.equal(v[4], Infinity);
  assert.equal(v[5], -Infinity);
  assert.ok(Number.isNaN(v[6]));
  assert.equal(v[7], 2 ** -133); // smallest bf16 subnormal
  assert.equal(v[8], 3.140625);
});

Deno.test("fp16 -> fp32 known values incl. subnormals, inf, nan", () => {
  const v = f16ToF32(
    u16(
      0x3c00,
      0xc000,
      0x0001,
      0x03ff,
      0x0400,
      0x7bff,
      0x7c00,
      0xfc00,
      0x7e00,
      0x8000,
      0x3555,
    ),
  );
  assert.deepEqual([...v.slice(0, 6)], [
    1,
    -2,
    2 ** -24,
    1023 * 2 ** -24,
    2 ** -14,
    65504,
  ]);
  assert.equal(v[6], Infinity);
  assert.equal(v[7], -Infinity);
  assert.ok(Number.isNaN(v[8]));
  assert.ok(Object.is(v[9], -0));
  assert.equal(v[10], 0.333251953125);
});

Deno.test("fp32 -> fp16/bf16 round to nearest even", () => {
  const h = f32ToF16(
    f32(
      1,
      1 + 2 ** -11,
      1 + 3 * 2 ** -11,
      65519,
      65520,
      2 ** -25,
      1.5 * 2 ** -25,
      1e-10,
      -2,
      1e6,
    ),
  );
  assert.deepEqual([...h], [
    0x3c00,
    0x3c00,
    0x3c02,
    0x7bff,
    0x7c00,
    0x0000,
    0x0001,
    0x0000,
    0xc000,
    0x7c00,
  ]);
  const b = f32ToBf16(f32(1, 1 + 2 ** -8, 1 + 3 * 2 ** -8, -2, 3.14159265));
  assert.deepEqual([...b], [0x3f80, 0x3f80, 0x3f82, 0xc000, 0x4049]);
  assert.ok(Number.isNaN(bf16ToF32(f32ToBf16(f32(NaN)))[0]));
  assert.ok(Number.isNaN(f16ToF32(f32ToF16(f32(NaN)))[0]));
});

Deno.test("all 65536 fp16 and bf16 bit patterns survive fp32 and back", () => {
  const all = new Uint16Array(65536).map((_, i) => i);
  assert.deepEqual(f32ToF16(f16ToF32(all)), all);
  assert.deepEqual(f32ToBf16(bf16ToF32(all)), all);
});

const dirs: string[] = [];
async function tmpDir(): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "safetensors_test_" });
  dirs.push(dir);
  return dir;
}

function sampleTensors(): TensorMap {
  return {
    "b.f16": {
      dtype: "F16",
      shape: [2, 3],
      data: f16ToF32(u16(0x3c00, 0xc000, 0x0001, 0x7c00, 0x7e01, 0x8000)),
    },
    "a.bf16": {
      dtype: "BF16",
      shape: [4],
      data: bf16ToF32(u16(0x3f80, 0xc000, 0x7fc1, 0x0001)),
    },
    "c.f32": {
      dtype: "F32",
      shape: [2, 2],
      data: f32(0.1, -0, Infinity, 1e-45),
    },
    "d.i64": {
      dtype: "I64",
      shape: [3],
      data: BigInt64Array.from([1n, -2n, 2n ** 62n]),
    },
    "e.i32": { dtype: "I32", shape: [], data: Int32Array.from([-7]) },
    "f.empty": { dtype: "F32", shape: [0, 5], data: new Float32Array(0) },
  };
}

Deno.test("save -> load -> save is bit-exact for F32/F16/BF16/I32/I64", async () => {
  const dir = await tmpDir();
  await saveSafetensors(`${dir}/a.safetensors`, sampleTensors(), {
    format: "pt",
  });
  const first = await Deno.readFile(`${dir}/a.safetensors`);
  const loaded = await loadSafetensors(`${dir}/a.safetensors`);
  assert.deepEqual(loaded.metadata, { format: "pt" });
  assert.equal(loaded.tensors["b.f16"].dtype, "F16");
  assert.deepEqual([...loaded.tensors["b.f16"].data.slice(0, 3)], [
    1,
    -2,
    2 ** -24,
  ]);
  assert.deepEqual(
    loaded.tensors["d.i64"].data,
    BigInt64Array.from([1n, -2n, 2n ** 62n]),
  );
  assert.deepEqual(loaded.tensors["e.i32"].shape, []);
  await saveSafetensors(
    `${dir}/b.safetensors`,
    loaded.tensors,
    loaded.metadata,
  );
  assert.deepEqual(await Deno.readFile(`${dir}/b.safetensors`), first);
  // layout: header length multiple of 8, data order = I64, F32 (by name), I32, BF16, F16
  const n = Number(new DataView(first.buffer).getBigUint64(0, true));
  assert.equal(n % 8, 0);
  const header = await readSafetensorsHeader(`${dir}/a.safetensors`);
  assert.deepEqual(header.entries.map((e) => e.name), [
    "d.i64",
    "c.f32",
    "f.empty",
    "e.i32",
    "a.bf16",
    "b.f16",
  ]);
  assert.deepEqual(header.entries.map((e) => e.offsets), [
    [0, 24],
    [24, 40],
    [40, 40],
    [40, 44],
    [44, 52],
    [52, 64],
  ]);
  assert.equal(first.length, 8 + n + 64);
  assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name).sort(), [
    "a.safetensors",
    "b.safetensors",
  ]);
});

/** A file laid out exactly as the reference (Rust/Python) writer lays it out. */
function referenceFile(): Uint8Array {
  const json =
    '{"__metadata__":{"format":"pt"},"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},' +
    '"h":{"dtype":"BF16","shape":[2],"data_offsets":[8,12]},"g":{"dtype":"F16","shape":[1],"data_offsets":[12,14]}}';
  const padded = json + " ".repeat((8 - (json.length % 8)) % 8);
  const bytes = new Uint8Array(8 + padded.length + 14);
  const view = new DataView(bytes.buffer);
  view.setBigUint64(0, BigInt(padded.length), true);
  bytes.set(new TextEncoder().encode(padded), 8);
  const d = 8 + padded.length;
  view.setFloat32(d, 1.5, true);
  view.setFloat32(d + 4, -0.25, true);
  view.setUint16(d + 8, 0x3f80, true);
  view.setUint16(d + 10, 0xc000, true);
  view.setUint16(d + 12, 0x3c00, true);
  return bytes;
}

Deno.test("reads a reference-layout file and re-saves it byte for byte", async () => {
  const dir = await tmpDir();
  const bytes = referenceFile();
  await Deno.writeFile(`${dir}/ref.safetensors`, bytes);
  const { tensors, metadata } = await loadSafetensors(`${dir}/ref.safetensors`);
  assert.deepEqual([...tensors.w.data], [1.5, -0.25]);
  assert.deepEqual([...tensors.h.data], [1, -2]);
  assert.deepEqual([...tensors.g.data], [1]);
  await saveSafetensors(`${dir}/again.safetensors`, tensors, metadata);
  assert.deepEqual(await Deno.readFile(`${dir}/again.safetensors`), bytes);
});

function withHeader(
  header: unknown,
  dataBytes: number,
  rawJson?: string,
): Uint8Array {
  const json = new TextEncoder().encode(rawJson ?? JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + dataBytes);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  return out;
}

async function loadError(bytes: Uint8Array): Promise<string> {
  const dir = await tmpDir();
  const path = `${dir}/bad.safetensors`;
  await Deno.writeFile(path, bytes);
  const err = await loadSafetensors(path).then(() => undefined, (e) => e);
  assert.ok(err instanceof UserError, `expected a UserError, got ${err}`);
  assert.ok(err.message.startsWith(path), err.message);
  return err.message;
}

Deno.test("bad files give UserErrors naming the file and the problem", async () => {
  const t = (x: unknown) => ({ x });
  const cases: Array<[Uint8Array, RegExp]> = [
    [new Uint8Array(4), /truncated file: 4 bytes/],
    [
      (() => {
        const b = withHeader({}, 0);
        new DataView(b.buffer).setBigUint64(0, 1000n, true);
        return b;
      })(),
      /header length 1000 is beyond the file size \(10 bytes\)/,
    ],
    [withHeader(null, 0, "{not json"), /invalid JSON header/],
    [
      withHeader(t({ dtype: "F8", shape: [1], data_offsets: [0, 1] }), 1),
      /tensor 'x' has unknown dtype "F8" \(supported: F32, F16, BF16, I32, I64\)/,
    ],
    [
      withHeader(t({ dtype: "F32", shape: [1], data_offsets: [8, 4] }), 8),
      /tensor 'x' data_offsets out of range/,
    ],
    [
      withHeader(t({ dtype: "F32", shape: [2, 3], data_offsets: [0, 20] }), 24),
      /hold 20 bytes but F32 x \[2,3\] needs 24/,
    ],
    [
      withHeader({
        x: { dtype: "F32", shape: [2], data_offsets: [0, 8] },
        y: { dtype: "F32", shape: [1], data_offsets: [4, 8] },
      }, 8),
      /tensor 'y' data_offsets \[4,8\] overlap tensor 'x' \[0,8\]/,
    ],
    [
      withHeader(t({ dtype: "F32", shape: [4], data_offsets: [0, 16] }), 10),
      /truncated file: tensor 'x' ends at data byte 16 but the file has only 10 data bytes/,
    ],
    [
      withHeader(t({ dtype: "F32", shape: "2", data_offsets: [0, 8] }), 8),
      /tensor 'x' shape must be/,
    ],
    [
      withHeader({ __metadata__: { n: 1 } }, 0),
      /__metadata__ value 'n' must be a string/,
    ],
  ];
  for (const [bytes, pattern] of cases) {
    assert.match(await loadError(bytes), pattern);
  }
  const missing = await loadSafetensors("/nonexistent/dir/m.safetensors").catch(
    (e) => e,
  );
  assert.ok(missing instanceof UserError);
  assert.equal(
    missing.message,
    "/nonexistent/dir/m.safetensors: file not found",
  );
});

Deno.test("bad tensors to save give UserErrors and leave no file", async () => {
  const dir = await tmpDir();
  const bad: Array<[TensorMap, RegExp]> = [
    [
      { w: { dtype: "F32", shape: [3], data: f32(1, 2) } },
      /tensor 'w' has 2 values but shape \[3\] needs 3/,
    ],
    [
      { w: { dtype: "I32", shape: [1], data: f32(1) } },
      /tensor 'w' with dtype I32 needs a Int32Array, got Float32Array/,
    ],
    [
      { w: { dtype: "F64" as "F32", shape: [1], data: f32(1) } },
      /unknown dtype "F64"/,
    ],
  ];
  for (const [tensors, pattern] of bad) {
    await assert.rejects(
      saveSafetensors(`${dir}/x.safetensors`, tensors),
      (e: Error) => {
        assert.ok(e instanceof UserError);
        assert.match(e.message, pattern);
        return true;
      },
    );
  }
  assert.deepEqual([...Deno.readDirSync(dir)], []);
});

Deno.test("sharded save/load with index; re-save as one file cleans up", async () => {
  const dir = await tmpDir();
  const tensors: TensorMap = {};
  for (const name of ["a", "b", "c", "d", "e"]) {
    tensors[name] = {
      dtype: "F32",
      shape: [10],
      data: new Float32Array(10).fill(name.charCodeAt(0)),
    };
  }
  assert.deepEqual(planShards(tensors, 100), [["a", "b"], ["c", "d"], ["e"]]);
  await saveHfWeights(dir, tensors, { maxShardBytes: 100 });
  const files = [...Deno.readDirSync(dir)].map((e) => e.name).sort();
  assert.deepEqual(files, [
    "model-00001-of-00003.safetensors",
    "model-00002-of-00003.safetensors",
    "model-00003-of-00003.safetensors",
    "model.safetensors.index.json",
  ]);
  const index = JSON.parse(
    await Deno.readTextFile(`${dir}/model.safetensors.index.json`),
  );
  assert.equal(index.metadata.total_size, 200);
  assert.equal(index.weight_map.c, "model-00002-of-00003.safetensors");
  const back = await loadHfWeights(dir);
  assert.deepEqual(Object.keys(back).sort(), ["a", "b", "c", "d", "e"]);
  assert.equal(back.e.data[9], 101);
  await saveHfWeights(dir, back);
  assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name), [
    "model.safetensors",
  ]);
});

Deno.test("index naming a missing shard, or no weights at all, is a UserError", async () => {
  const dir = await tmpDir();
  await assert.rejects(
    loadHfWeights(dir),
    /no model\.safetensors or model\.safetensors\.index\.json/,
  );
  await Deno.writeTextFile(
    `${dir}/model.safetensors.index.json`,
    JSON.stringify({ weight_map: { w: "model-00001-of-00002.safetensors" } }),
  );
  await assert.rejects(
    loadHfWeights(dir),
    (e: Error) =>
      e instanceof UserError &&
      /references missing shard 'model-00001-of-00002\.safetensors'/.test(
        e.message,
      ),
  );
});

Deno.test("cleanup temporary folders", async () => {
  for (const dir of dirs.splice(0)) await Deno.remove(dir, { recursive: true });
  assert.equal(dirs.length, 0);
});
