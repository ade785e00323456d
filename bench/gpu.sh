#!/usr/bin/env bash
# The prepared GPU benchmark: `bash bench/gpu.sh [--quick]`, one command, at most 8 minutes,
# one JSON line per measurement on stdout (progress and errors on stderr).
#
#   1. the device: the NVIDIA card's name (nvidia-smi) or, without one, the Vulkan driver
#      (Mesa's lavapipe: the WebGPU provider then runs on the CPU);
#   (in this order, the LoRA model last with the time that is left)
#   2. ours on the WebGPU provider (bench/gpu.ts): sampling tokens/s and the per-agent update for
#      the 10M and 100M llama shapes (--quick: the default model and 10M, smaller batches), plus
#      the raw train step with the AdamW state fed from JS vs kept on the device (gpu-buffer);
#   3. the 0.5B-shape LoRA model (2 agents, r = 16) on WebGPU, when tools/make_shape_model.ts is
#      there (--quick: its tiny shape);
#   4. the CUDA provider on the same sizes (a skip line when ORT's CUDA libraries are missing);
#   5. the CPU provider on the smallest size, for reference;
#   6. the PyTorch peer (bench/peer_torch.py) on the same models and shapes, on CUDA when
#      `torch.cuda.is_available()`, else on CPU (2 threads), when `python3 -c "import torch"`
#      works (python3 on PATH, else /usr/bin/python3).
# Anything that cannot run prints one line with "skip" and why; a step that would pass the
# time budget is skipped too. Environment: GPU_BENCH_SECONDS (budget, default 470).
set -uo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root" || exit 1
# shellcheck source=tools/bootstrap.sh
source tools/bootstrap.sh >/dev/null || {
  echo "bench/gpu.sh: bootstrap failed" >&2
  exit 1
}
export ORT_DISABLE_TELEMETRY=1

quick=()
[ "${1:-}" = "--quick" ] && quick=(--quick)
budget="${GPU_BENCH_SECONDS:-470}"
start=$SECONDS

json_str() { python3 -c 'import json,sys; print(json.dumps(sys.argv[1]))' "$1"; }
skip() { # what, why
  printf '{"bench":"gpu","what":%s,"skip":%s}\n' "$(json_str "$1")" "$(json_str "$2")"
}
left() { echo $((budget - (SECONDS - start))); }

# --- 1. the device ---------------------------------------------------------------------------
gpu="$(nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader 2>/dev/null |
  head -n 1)"
mesa="$(dpkg-query -W -f='${Version}' mesa-vulkan-drivers 2>/dev/null)"
if [ -n "$gpu" ]; then
  device="$gpu"
elif [ -n "$mesa" ]; then
  device="no GPU: lavapipe (Mesa $mesa) on $(nproc) CPU cores"
else
  device="no GPU, no Vulkan driver: $(nproc) CPU cores"
fi
printf '{"bench":"gpu","what":"device","device":%s,"quick":%s,"ort":"onnxruntime-node 1.30.0"}\n' \
  "$(json_str "$device")" "$([ ${#quick[@]} -gt 0 ] && echo true || echo false)"

# Runs bench/gpu.ts for at most `cap` seconds and within what is left of the budget.
ours() { # what, cap, args...
  local what="$1" cap="$2" t
  shift 2
  t=$(left)
  [ "$t" -gt "$cap" ] && t="$cap"
  if [ "$t" -lt 30 ]; then
    skip "$what" "time budget of ${budget} s spent"
    return
  fi
  timeout "$t" deno run -A bench/gpu.ts "$@" --device "$device" "${quick[@]}"
  local rc=$?
  [ "$rc" -eq 124 ] && skip "$what" "stopped at the time budget of ${budget} s"
  [ "$rc" -ne 0 ] && [ "$rc" -ne 124 ] && skip "$what" "bench/gpu.ts exited with status $rc"
}

if [ ${#quick[@]} -gt 0 ]; then sizes=(default 10M); else sizes=(10M 100M); fi

# --- 2. WebGPU, 4. CUDA, 5. CPU (each size at most 100 s) ----------------------------------------
for size in "${sizes[@]}"; do ours "webgpu $size" 100 --ep webgpu --size "$size"; done
for size in "${sizes[@]}"; do ours "cuda $size" 100 --ep cuda --size "$size"; done
ours "cpu ${sizes[0]}" 100 --ep cpu --size "${sizes[0]}"

# --- 6. the PyTorch peer -----------------------------------------------------------------------
py=""
for p in python3 /usr/bin/python3; do
  if "$p" -c "import torch" 2>/dev/null; then
    py="$p"
    break
  fi
done
if [ -z "$py" ]; then
  skip "torch" "neither python3 nor /usr/bin/python3 can import torch"
else
  tdev="$("$py" -c 'import torch; print("cuda" if torch.cuda.is_available() else "cpu")')"
  for size in "${sizes[@]}"; do
    t=$(left)
    [ "$t" -gt 90 ] && t=90
    if [ "$t" -lt 30 ]; then
      skip "torch $size" "time budget of ${budget} s spent"
      continue
    fi
    spec="$(deno run -A bench/gpu.ts --size "$size" --peer-spec "${quick[@]}" |
      python3 -c 'import json,sys; s=json.load(sys.stdin); s["device"]=sys.argv[1]; print(json.dumps(s))' "$tdev")"
    out="$(timeout "$t" "$py" bench/peer_torch.py "$spec")" || {
      skip "torch $size" "bench/peer_torch.py failed or timed out"
      continue
    }
    python3 - "$size" "$out" <<'EOF'
import json, statistics, sys
size, r = sys.argv[1], json.loads(sys.argv[2].strip().splitlines()[-1])
med = lambda k: statistics.median(s[k] for s in r["steps"])
base = {"bench": "gpu", "impl": "torch", "torch": r["torch"], "device": r["device"],
        "model": size, "params": r["params"]}
print(json.dumps({**base, "what": "sampling", "tokens": r["tokensPerStep"],
                  "seconds": round(med("sampling"), 3),
                  "tokensPerSecond": round(r["tokensPerStep"] / med("sampling"), 1)}))
print(json.dumps({**base, "what": "update", "ms": round(1000 * med("update") / 2, 1),
                  "note": "per agent (the peer updates 2 agents per step)"}))
EOF
  done
fi
# --- 3. the 0.5B-shape LoRA model, last: whatever time is left -------------------------------
if [ -f tools/make_shape_model.ts ]; then
  shape=qwen2.5-0.5b
  [ ${#quick[@]} -gt 0 ] && shape=tiny
  dir="${TMPDIR:-/tmp}/magrpo-shapes/$shape-float32"
  if [ ! -f "$dir/config.json" ] && [ "$(left)" -gt 60 ]; then
    timeout "$(left)" deno run -A tools/make_shape_model.ts --shape "$shape" --dtype float32 \
      --out "$dir" >&2 || skip "webgpu lora $shape" "tools/make_shape_model.ts failed"
  fi
  if [ -f "$dir/config.json" ]; then
    ours "webgpu lora $shape" "$budget" --ep webgpu --model "$dir" --finetune lora
  else
    skip "webgpu lora $shape" "no model folder (time budget spent?)"
  fi
else
  skip "webgpu lora qwen2.5-0.5b" "tools/make_shape_model.ts is not in this tree"
fi
printf '{"bench":"gpu","what":"done","seconds":%d}\n' $((SECONDS - start))
