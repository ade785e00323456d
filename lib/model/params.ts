/**
 * Parameter names, shapes and initialization of the transformer, with Hugging Face names.
 * Parameters live in JS as plain `{data, dims}` host tensors (fp32 master weights).
 *
 * @module
 */
import type { TransformerConfig } from "./transformer.ts";
import { isNormOrBias, type ParamStore } from "../engine/param_types.ts";
import { makeRng, randNormal } from "../util/rng.ts";

export { isNormOrBias, type ParamStore } from "../engine/param_types.ts";

/**
 * HF parameter names and shapes for a config (Linear weights `[out, in]`; GPT-2 Conv1D
 * weights `[in, out]`), in a fixed order.
 */
export function paramShapes(cfg: TransformerConfig): Record<string, number[]> {
  const s: Record<string, number[]> = {};
  const { hidden: h, vocabSize: v, intermediate: f, headDim: d } = cfg;
  if (cfg.arch === "gpt2") {
    s["wte.weight"] = [v, h];
    s["wpe.weight"] = [cfg.maxPositions, h];
    for (let i = 0; i < cfg.layers; i++) {
      const pre = `h.${i}.`;
      s[`${pre}ln_1.weight`] = [h];
      s[`${pre}ln_1.bias`] = [h];
      s[`${pre}attn.c_attn.weight`] = [h, 3 * h];
      s[`${pre}attn.c_attn.bias`] = [3 * h];
      s[`${pre}attn.c_proj.weight`] = [h, h];
      s[`${pre}attn.c_proj.bias`] = [h];
      s[`${pre}ln_2.weight`] = [h];
      s[`${pre}ln_2.bias`] = [h];
      s[`${pre}mlp.c_fc.weight`] = [h, f];
      s[`${pre}mlp.c_fc.bias`] = [f];
      s[`${pre}mlp.c_proj.weight`] = [f, h];
      s[`${pre}mlp.c_proj.bias`] = [h];
    }
    s["ln_f.weight"] = [h];
    s["ln_f.bias"] = [h];
    if (!cfg.tieEmbeddings) s["lm_head.weight"] = [v, h];
    return s;
  }
  s["model.embed_tokens.weight"] = [v, h];
  for (let i = 0; i < cfg.layers; i++) {
    const pre = `model.layers.${i}.`;
    s[`${pre}input_layernorm.weight`] = [h];
    s[`${pre}self_attn.q_proj.weight`] = [cfg.heads * d, h];
    s[`${pre}self_attn.k_proj.weight`] = [cfg.kvHeads * d, h];
    s[`${pre}self_attn.v_proj.weight`] = [cfg.kvHeads * d, h];
    if (cfg.qkvBias) {
      s[`${pre}self_attn.q_proj.bias`] = [cfg.heads * d];
      s[`${pre}self_attn.k_proj.bias`] = [cfg.kvHeads * d];
      s[`${pre}self_attn.v_proj.bias`] = [cfg.kvHeads * d];
    }
    s[`${pre}self_attn.o_proj.weight`] = [h, cfg.heads * d];
    if (cfg.arch === "qwen3") {
      s[`${pre}self_attn.q_norm.weight`] = [d];
      s[`${pre}self_attn.k_norm.weight`] = [d];
    }
    s[`${pre}post_attention_layernorm.weight`] = [h];
    s[`${pre}mlp.gate_proj.weight`] = [f, h];
    s[`${pre}mlp.up_proj.weight`] = [f, h];
    s[`${pre}mlp.down_proj.weight`] = [h, f];
  }
  s["model.norm.weight"] = [h];
  if (!cfg.tieEmbeddings) s["lm_head.weight"] = [v, h];
  return s;
}

/** Total number of parameters. */
export function countParams(cfg: TransformerConfig): number {
  return Object.values(paramShapes(cfg)).reduce(
    (n, d) => n + d.reduce((a, b) => a * b, 1),
    0,
  );
}

/**
 * Fresh parameters drawn from an explicit seed: weights ~ N(0, std²) (std 0.02, output
 * projections scaled by 1/√(2·layers) as in GPT-2), norm weights 1, biases 0.
 *
 * @example
 * ```ts ignore
 * import { initParams } from "./params.ts";
 * declare const cfg: import("./transformer.ts").TransformerConfig;
 * const params = initParams(cfg, { seed: 0 });
 * ```
 */
export function initParams(
  cfg: TransformerConfig,
  opts: { seed: number | string; std?: number; dtype?: "float32" | "float64" },
): ParamStore {
  const rng = makeRng(`init/${opts.seed}`);
  const std = opts.std ?? 0.02;
  const out: ParamStore = {};
  for (const [name, dims] of Object.entries(paramShapes(cfg))) {
    const n = dims.reduce((a, b) => a * b, 1);
    const data = opts.dtype === "float64" ? new Float64Array(n) : new Float32Array(n);
    if (name.endsWith(".bias")) data.fill(0);
    else if (isNormOrBias(name)) data.fill(1);
    else {
      const scale = /o_proj|down_proj|c_proj/.test(name) ? std / Math.sqrt(2 * cfg.layers) : std;
      for (let i = 0; i < n; i++) data[i] = randNormal(rng) * scale;
    }
    out[name] = { data, dims };
  }
  return out;
}
