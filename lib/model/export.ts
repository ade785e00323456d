/**
 * Export for sharing: an ONNX model of the policy in the layout `@huggingface/transformers`
 * loads for text generation — `onnx/model.onnx` with inputs `input_ids`, `attention_mask`,
 * `position_ids`, `past_key_values.{i}.key|value` (`[batch_size, kv_heads,
 * past_sequence_length, head_dim]`) and outputs `logits`, `present.{i}.key|value` — next to
 * `config.json` and the tokenizer files. Weights are embedded as float32 initializers (models
 * up to ~2 GB, the protobuf limit): a float16-stored base (`cfg.baseDtype`) is widened exactly,
 * and a LoRA adapter (`cfg.lora`) is merged into the weights it targets (`W + scale·B·A`), since
 * transformers.js runs plain models only.
 *
 * @module
 */
import {
  addNode,
  constant,
  type Dim,
  type Graph,
  input,
  newGraph,
  scalar,
  type Tensor,
} from "../engine/graph.ts";
import { cast, where } from "../engine/ops.ts";
import { unsqueeze } from "../engine/shape_ops.ts";
import { toOnnx } from "../engine/onnx.ts";
import { type Params, type TransformerConfig, transformerForward } from "./transformer.ts";
import { paramShapes, type ParamStore } from "./params.ts";
import { mergeLoraWeights, withoutLoraConfig } from "./lora.ts";
import { widenFloat16 } from "./half_base.ts";
import { UserError } from "../util/errors.ts";

function node(
  op: string,
  inputs: Tensor[],
  dtype: Tensor["dtype"],
  shape: Dim[],
): Tensor {
  return addNode(op, inputs, {}, [{ dtype, shape }])[0];
}

/** Scalar `dim`-th entry of the run-time shape of `x`. */
function dimOf(x: Tensor, dim: number): Tensor {
  const shape = node("Shape", [x], "int64", [x.shape.length]);
  return addNode("Gather", [shape, scalar(x.graph, dim, "int64")], {
    axis: { kind: "int", value: 0 },
  }, [
    { dtype: "int64", shape: [] },
  ])[0];
}

/**
 * Additive bias `[B, 1, T, S]` from an int64 attention mask `[B, S]` over past + new tokens:
 * query i (absolute index S − T + i) attends key j when j ≤ S − T + i and mask[j] = 1.
 */
function maskToBias(g: Graph, mask: Tensor, ids: Tensor, total: Dim): Tensor {
  const [b, t] = ids.shape;
  const s = dimOf(mask, 1), n = dimOf(ids, 1);
  const one = scalar(g, 1, "int64"), zero = scalar(g, 0, "int64");
  const keyIdx = node("Range", [zero, s, one], "int64", [total]);
  const qIdx = node(
    "Range",
    [node("Sub", [s, n], "int64", []), s, one],
    "int64",
    [t],
  );
  const causal = node(
    "LessOrEqual",
    [unsqueeze(keyIdx, [0]), unsqueeze(qIdx, [1])],
    "bool",
    [t, total],
  );
  const keyOk = unsqueeze(cast(mask, "bool"), [1]); // [B,1,S]
  const allowed = node("And", [unsqueeze(causal, [0]), keyOk], "bool", [
    b,
    t,
    total,
  ]);
  const zeroF = constant(g, new Float32Array([0]), [], "float32");
  return unsqueeze(where(allowed, zeroF, -1e9), [1]);
}

/**
 * The plain float32 model to embed: `cfg` without `lora` and `baseDtype`, and `weights` with a
 * float16 base widened (exactly) and the adapter, when `cfg.lora` is set, merged in.
 */
function plainWeights(
  cfg: TransformerConfig,
  weights: ParamStore,
  adapter: ParamStore | undefined,
): { cfg: TransformerConfig; weights: ParamStore } {
  if (cfg.lora && !adapter) {
    throw new UserError(
      "export: the config has a LoRA adapter (cfg.lora) but no adapter tensors were given: pass " +
        "them (policy.adapter.params) as `adapter`, or export mergeAdapter(policy)'s cfg and params",
    );
  }
  if (adapter && !cfg.lora) {
    throw new UserError(
      "export: adapter tensors were given but the config has no 'lora' field: pass the LoRA " +
        "policy's cfg (withAdapter sets cfg.lora)",
    );
  }
  const { baseDtype: _, ...plain } = withoutLoraConfig(cfg);
  const wide: ParamStore = {};
  for (const [name, t] of Object.entries(weights)) {
    wide[name] = t.data instanceof Uint16Array ? { data: widenFloat16(t.data), dims: t.dims } : t;
  }
  return { cfg: plain, weights: adapter ? mergeLoraWeights(cfg, wide, adapter) : wide };
}

/**
 * Builds the transformers.js-layout ONNX model with the given weights embedded. A LoRA config
 * (`cfg.lora`) needs its adapter tensors in `adapter`: they are merged into the weights; a
 * float16 base (`Uint16Array` bits) is widened to float32.
 */
export function buildExportGraph(
  cfg: TransformerConfig,
  weights: ParamStore,
  adapter?: ParamStore,
): Uint8Array {
  ({ cfg, weights } = plainWeights(cfg, weights, adapter));
  const g = newGraph("model");
  const params: Params = {};
  for (const [name, dims] of Object.entries(paramShapes(cfg))) {
    const w = weights[name];
    if (!w) throw new UserError(`export: parameter '${name}' is missing`);
    params[name] = constant(
      g,
      Float32Array.from(w.data as Float32Array),
      dims,
      "float32",
    );
  }
  const [b, t, p] = ["batch_size", "sequence_length", "past_sequence_length"];
  const total = `${p}+${t}`;
  const ids = input(g, "input_ids", [b, t], "int64");
  const mask = input(g, "attention_mask", [b, total], "int64");
  const positions = input(g, "position_ids", [b, t], "int64");
  const kv = [cfg.kvHeads, cfg.headDim];
  const past = Array.from({ length: cfg.layers }, (_, i) => ({
    key: input(g, `past_key_values.${i}.key`, [b, kv[0], p, kv[1]]),
    value: input(g, `past_key_values.${i}.value`, [b, kv[0], p, kv[1]]),
  }));
  const bias = maskToBias(g, mask, ids, total);
  const out = transformerForward(cfg, params, { ids, positions, bias, past });
  const outputs: Record<string, Tensor> = { logits: out.logits };
  out.present.forEach((c, i) => {
    outputs[`present.${i}.key`] = c.key;
    outputs[`present.${i}.value`] = c.value;
  });
  return toOnnx(g, { outputs });
}

/**
 * Writes `dir/onnx/model.onnx` for a policy's config and weights (for a LoRA policy, also its
 * adapter tensors, which are merged: `writeOnnxExport(dir, p.cfg, p.params, p.adapter?.params)`).
 * Config and tokenizer files are written by `savePolicy` (a full export = `savePolicy` + this;
 * for a LoRA policy, `savePolicy(mergeAdapter(policy), dir)`).
 *
 * @example
 * ```ts ignore
 * import { writeOnnxExport } from "./export.ts";
 * import type { TransformerConfig } from "./transformer.ts";
 * import type { ParamStore } from "./params.ts";
 * // a policy, e.g. loaded with loadPolicy(dir, { adapter, baseDtype: "float16" })
 * declare const agent: { cfg: TransformerConfig; params: ParamStore; adapter?: { params: ParamStore } };
 * await writeOnnxExport("out/agent0", agent.cfg, agent.params, agent.adapter?.params);
 * ```
 */
export async function writeOnnxExport(
  dir: string,
  cfg: TransformerConfig,
  weights: ParamStore,
  adapter?: ParamStore,
): Promise<string> {
  const bytes = buildExportGraph(cfg, weights, adapter); // refuses before touching `dir`
  const path = `${dir.replace(/\/+$/, "")}/onnx/model.onnx`;
  await Deno.mkdir(`${dir}/onnx`, { recursive: true });
  const tmp = `${path}.tmp-${Deno.pid}`;
  await Deno.writeFile(tmp, bytes);
  await Deno.rename(tmp, path);
  return path;
}
