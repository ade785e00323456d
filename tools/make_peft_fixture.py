"""Writes tests/reference/peft_adapter/: a PEFT LoRA adapter folder made with only json and
struct (no torch, no peft, no safetensors package), for tests/peft_test.ts to load.

The base is tests/fixtures.ts' tinyLlamaConfig (llama, 1 layer, hidden 32, 2 heads of 16, one
KV head, intermediate 64). Targets v_proj, down_proj, q_proj (listed out of order), r = 2,
lora_alpha = 4, use_rslora = true, and the other fields a recent PEFT writes. Values:
  lora_A[i][j] = ((7 i + 3 j) % 11 - 5) / 32,   lora_B[i][j] = ((5 i + j) % 7 - 3) / 64
(both exact in bfloat16). q_proj tensors are stored F32, v_proj BF16, down_proj F16.

Usage: python3 tools/make_peft_fixture.py
"""
import json
import os
import struct

OUT = os.path.join(os.path.dirname(__file__), "..", "tests", "reference", "peft_adapter")
R = 2
HIDDEN, KV, INTER = 32, 16, 64
MODULES = [  # (module path, out, in, dtype)
    ("model.layers.0.self_attn.q_proj", 32, HIDDEN, "F32"),
    ("model.layers.0.self_attn.v_proj", KV, HIDDEN, "BF16"),
    ("model.layers.0.mlp.down_proj", HIDDEN, INTER, "F16"),
]


def a_value(i, j):
    return ((7 * i + 3 * j) % 11 - 5) / 32


def b_value(i, j):
    return ((5 * i + j) % 7 - 3) / 64


def encode(values, dtype):
    if dtype == "F32":
        return struct.pack("<%df" % len(values), *values)
    if dtype == "F16":
        return struct.pack("<%de" % len(values), *values)
    # BF16: the upper 16 bits of the float32 (exact for these values)
    out = bytearray()
    for v in values:
        (bits,) = struct.unpack("<I", struct.pack("<f", v))
        assert bits & 0xFFFF == 0, v
        out += struct.pack("<H", bits >> 16)
    return bytes(out)


def main():
    os.makedirs(OUT, exist_ok=True)
    header, blobs, offset = {"__metadata__": {"format": "pt"}}, [], 0
    for module, out_dim, in_dim, dtype in MODULES:
        for kind, rows, cols, f in (("lora_A", R, in_dim, a_value), ("lora_B", out_dim, R, b_value)):
            data = encode([f(i, j) for i in range(rows) for j in range(cols)], dtype)
            key = "base_model.model.%s.%s.weight" % (module, kind)
            header[key] = {"dtype": dtype, "shape": [rows, cols],
                           "data_offsets": [offset, offset + len(data)]}
            blobs.append(data)
            offset += len(data)
    head = json.dumps(header, separators=(",", ":")).encode()
    head += b" " * (-len(head) % 8)
    with open(os.path.join(OUT, "adapter_model.safetensors"), "wb") as f:
        f.write(struct.pack("<Q", len(head)) + head + b"".join(blobs))
    config = {
        "alpha_pattern": {}, "auto_mapping": None, "base_model_name_or_path": "tiny-llama",
        "bias": "none", "corda_config": None, "eva_config": None, "exclude_modules": None,
        "fan_in_fan_out": False, "inference_mode": True, "init_lora_weights": True,
        "layer_replication": None, "layers_pattern": None, "layers_to_transform": None,
        "loftq_config": {}, "lora_alpha": 4, "lora_bias": False, "lora_dropout": 0.05,
        "megatron_config": None, "megatron_core": "megatron.core", "modules_to_save": None,
        "peft_type": "LORA", "qalora_group_size": 16, "r": R, "rank_pattern": {},
        "revision": None, "target_modules": ["v_proj", "down_proj", "q_proj"],
        "target_parameters": None, "task_type": "CAUSAL_LM", "trainable_token_indices": None,
        "use_dora": False, "use_qalora": False, "use_rslora": True,
    }
    with open(os.path.join(OUT, "adapter_config.json"), "w") as f:
        json.dump(config, f, indent=2, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    main()
