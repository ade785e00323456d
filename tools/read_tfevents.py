#!/usr/bin/env python3
"""Reads a TensorBoard event file with the standard library only (no TensorFlow).

Checks the TFRecord framing of every record (uint64 length, masked CRC-32C of the length,
data, masked CRC-32C of the data) and decodes the Event protobuf fields a scalar log uses:
wall_time (1, double), step (2, int64), file_version (3, string), summary (5) with
value (1) = { tag (1, string), simple_value (2, float) }. Prints one JSON object per event.
Written independently of lib/log/tensorboard.ts so that a test can check that file.

    python3 tools/read_tfevents.py runs/demo/events.out.tfevents.1700000000.host
"""
import json
import struct
import sys


def crc32c(data: bytes) -> int:
    crc = 0xFFFFFFFF
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ 0x82F63B78 if crc & 1 else crc >> 1
    return crc ^ 0xFFFFFFFF


def masked(data: bytes) -> int:
    c = crc32c(data)
    return (((c >> 15) | (c << 17)) + 0xA282EAD8) & 0xFFFFFFFF


def varint(buf: bytes, i: int):
    shift = result = 0
    while True:
        b = buf[i]
        i += 1
        result |= (b & 0x7F) << shift
        if not b & 0x80:
            return result, i
        shift += 7


def fields(buf: bytes):
    """Yields (field number, wire type, value) of a protobuf message."""
    i = 0
    while i < len(buf):
        key, i = varint(buf, i)
        field, wire = key >> 3, key & 7
        if wire == 0:
            value, i = varint(buf, i)
        elif wire == 1:
            value, i = buf[i:i + 8], i + 8
        elif wire == 2:
            n, i = varint(buf, i)
            value, i = buf[i:i + n], i + n
        elif wire == 5:
            value, i = buf[i:i + 4], i + 4
        else:
            raise ValueError(f"unsupported wire type {wire}")
        yield field, wire, value


def event(data: bytes) -> dict:
    out = {}
    for field, wire, value in fields(data):
        if field == 1 and wire == 1:
            out["wall_time"] = struct.unpack("<d", value)[0]
        elif field == 2 and wire == 0:
            out["step"] = value
        elif field == 3 and wire == 2:
            out["file_version"] = value.decode()
        elif field == 5 and wire == 2:
            scalars = {}
            for f, w, v in fields(value):
                if f != 1 or w != 2:
                    continue
                tag, x = None, None
                for f2, w2, v2 in fields(v):
                    if f2 == 1 and w2 == 2:
                        tag = v2.decode()
                    elif f2 == 2 and w2 == 5:
                        x = struct.unpack("<f", v2)[0]
                scalars[tag] = x
            out["scalars"] = scalars
    return out


def read(path: str):
    with open(path, "rb") as f:
        buf = f.read()
    i = 0
    while i < len(buf):
        header = buf[i:i + 8]
        (length,) = struct.unpack("<Q", header)
        (crc_len,) = struct.unpack("<I", buf[i + 8:i + 12])
        if crc_len != masked(header):
            raise ValueError(f"record at byte {i}: bad length CRC")
        data = buf[i + 12:i + 12 + length]
        (crc_data,) = struct.unpack("<I", buf[i + 12 + length:i + 16 + length])
        if len(data) != length or crc_data != masked(data):
            raise ValueError(f"record at byte {i}: bad data CRC")
        yield event(data)
        i += 16 + length


if __name__ == "__main__":
    for e in read(sys.argv[1]):
        print(json.dumps(e, sort_keys=True))
