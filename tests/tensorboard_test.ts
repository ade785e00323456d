import assert from "node:assert/strict";
import { crc32c, maskedCrc32c } from "../lib/log/crc32c.ts";
import { fileVersionEvent, openEventFile, scalarTags, tfRecord } from "../lib/log/tensorboard.ts";

const enc = (s: string) => new TextEncoder().encode(s);

Deno.test("CRC-32C: known values (RFC 3720 test vectors) and TFRecord's mask", () => {
  assert.equal(crc32c(enc("123456789")), 0xe3069283);
  assert.equal(crc32c(new Uint8Array(32)), 0x8a9136aa); // 32 zero bytes
  assert.equal(crc32c(new Uint8Array(32).fill(0xff)), 0x62a8ab43);
  assert.equal(maskedCrc32c(new Uint8Array(0)), 0xa282ead8);
  // mask(c) = rotr15(c) + 0xa282ead8
  const c = 0xe3069283, rot = ((c >>> 15) | (c << 17)) >>> 0;
  assert.equal(maskedCrc32c(enc("123456789")), (rot + 0xa282ead8) >>> 0);
});

Deno.test("TFRecord framing and the file_version event, byte by byte", () => {
  const ev = fileVersionEvent(1.5);
  // field 1 (double): tag 0x09 + 8 bytes; field 3 (string): tag 0x1a, length 13, "brain.Event:2"
  assert.deepEqual([...ev.subarray(0, 9)], [0x09, 0, 0, 0, 0, 0, 0, 0xf8, 0x3f]);
  assert.deepEqual([...ev.subarray(9, 11)], [0x1a, 13]);
  assert.equal(new TextDecoder().decode(ev.subarray(11)), "brain.Event:2");
  const rec = tfRecord(ev);
  const v = new DataView(rec.buffer);
  assert.equal(rec.length, 12 + ev.length + 4);
  assert.equal(v.getBigUint64(0, true), BigInt(ev.length));
  assert.equal(v.getUint32(8, true), maskedCrc32c(rec.subarray(0, 8)));
  assert.equal(v.getUint32(12 + ev.length, true), maskedCrc32c(ev));
});

Deno.test("scalarTags: nested keys joined by '/', per-agent arrays by index, non-numbers skipped", () => {
  assert.deepEqual(
    scalarTags({
      type: "step",
      step: 3,
      reward: { mean: 0.5, levels: { a: 1 } },
      loss: [1, null, NaN, 2],
      ok: true,
    }, "train"),
    {
      "train/step": 3,
      "train/reward/mean": 0.5,
      "train/reward/levels/a": 1,
      "train/loss/0": 1,
      "train/loss/3": 2,
    },
  );
});

Deno.test("event file decoded independently (Python standard library: struct + own CRC-32C)", async () => {
  const dir = await Deno.makeTempDir({ prefix: "tb-" });
  try {
    const tb = openEventFile(dir, { time: 1700000000.25, host: "testhost" });
    assert.equal(tb.path, `${dir}/events.out.tfevents.1700000000.testhost`);
    tb.scalars(1, { "train/reward/mean": 0.25, "train/loss/0": -1.5 }, 1700000001);
    tb.scalars(2, { "train/reward/mean": 0.75, "eval/reward/mean": 1 / 3 }, 1700000002.5);
    tb.close();
    const out = await new Deno.Command("python3", {
      args: ["tools/read_tfevents.py", tb.path],
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
    const events = new TextDecoder().decode(out.stdout).trim().split("\n").map((l) =>
      JSON.parse(l)
    );
    assert.deepEqual(events, [
      { wall_time: 1700000000.25, file_version: "brain.Event:2" },
      {
        wall_time: 1700000001,
        step: 1,
        scalars: { "train/reward/mean": 0.25, "train/loss/0": -1.5 },
      },
      {
        wall_time: 1700000002.5,
        step: 2,
        // simple_value is a float32: 1/3 rounds to 0.3333333432674408
        scalars: { "train/reward/mean": 0.75, "eval/reward/mean": Math.fround(1 / 3) },
      },
    ]);
    // a flipped data byte is caught by the reader's CRC check
    const bytes = await Deno.readFile(tb.path);
    bytes[bytes.length - 6] ^= 1;
    await Deno.writeFile(tb.path, bytes);
    const bad = await new Deno.Command("python3", {
      args: ["tools/read_tfevents.py", tb.path],
      stdout: "null",
      stderr: "piped",
    }).output();
    assert.notEqual(bad.code, 0);
    assert.match(new TextDecoder().decode(bad.stderr), /bad data CRC/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
