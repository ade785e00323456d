/**
 * A centralized critic for the MAAC-style baseline: a value model V(s) that reads every agent's
 * prompt (centralized training) and predicts the return. It is a transformer of the policy's
 * architecture with a scalar head on the hidden state of the last prompt token, trained by
 * mean squared error in one graph call (forward, loss, backward, AdamW). Advantages are
 * `r + γ·V(next) − V(current)` ({@link criticAdvantages}, {@link collectCritic}; the trainer fits
 * the critic on each node's mean return).
 *
 * The critic trains every one of its weights, so it is a plain float32 model even when the
 * agents are LoRA adapters over a float16-stored base: it starts from the agent's weights
 * widened to float32 with the adapter merged in (its own full copy, plus AdamW's two moments).
 *
 * @module
 */
import { input, newGraph, type Tensor } from "../engine/graph.ts";
import { add, mul, reduceSum, sub } from "../engine/ops.ts";
import { reshape, unsqueeze } from "../engine/shape_ops.ts";
import { linear } from "../engine/nn.ts";
import { toOnnx } from "../engine/onnx.ts";
import { openSession, runtimeKey, type Session } from "../engine/runtime.ts";
import { SessionCache } from "../engine/session_cache.ts";
import {
  buildOptimGraph,
  createOptimStep,
  type OptimStep,
  type TrainState,
} from "../engine/optim_step.ts";
import { type Params, type TransformerConfig, transformerForward } from "../model/transformer.ts";
import { paramShapes, type ParamStore } from "../model/params.ts";
import { mergeLoraWeights, withoutLoraConfig } from "../model/lora.ts";
import { widenFloat16 } from "../model/half_base.ts";
import { UserError } from "../util/errors.ts";
import { causalPaddingBias } from "./loss_graph.ts";
import { bucketLength, packSequences } from "../policy/pack.ts";
import type { Tokenizer } from "../policy/tokenizer.ts";
import { makeRng, randNormal } from "../util/rng.ts";
import type { Rng } from "../util/rng.ts";
import type { Environment } from "../envs/types.ts";
import type { Policy } from "../policy/policy.ts";
import type { RolloutNode } from "./rollout.ts";
import type { AgentSample } from "./update.ts";
import {
  type Collected,
  type CollectSettings,
  magrpoAdvantages,
  rolloutShaped,
} from "./collect.ts";
import { flattenTree, treeReturns } from "./returns.ts";
export type {
  Collected,
  CollectSettings,
  Environment,
  ParamStore,
  Policy,
  Rng,
  RolloutNode,
  Tokenizer,
  TrainState,
  TransformerConfig,
};

/** The critic's transformer config: the policy's without `lora` and `baseDtype` (float32). */
function valueModelConfig(cfg: TransformerConfig): TransformerConfig {
  const { baseDtype: _, ...plain } = withoutLoraConfig(cfg);
  return plain;
}

/** Names and shapes of the critic's parameters: the transformer's plus the value head. */
export function criticShapes(cfg: TransformerConfig): Record<string, number[]> {
  const plain = valueModelConfig(cfg);
  return { ...paramShapes(plain), "value_head.weight": [1, cfg.hidden], "value_head.bias": [1] };
}

/**
 * Critic parameters from a policy's (a float32 copy) plus a small random value head. A float16
 * base (`Uint16Array` bits) is widened exactly; for a LoRA policy (`cfg.lora` set) pass its
 * adapter tensors (`policy.adapter.params`), which are merged in (`W + scale·B·A`).
 *
 * @example
 * ```ts ignore
 * import { initCriticParams } from "./critic.ts";
 * declare const agent: import("../policy/policy.ts").Policy; // e.g. LoRA over a float16 base
 * const params = initCriticParams(agent.cfg, agent.params, 0, agent.adapter?.params);
 * ```
 */
export function initCriticParams(
  cfg: TransformerConfig,
  from: ParamStore,
  seed: number | string,
  adapter?: ParamStore,
): ParamStore {
  if (cfg.lora && !adapter) {
    throw new UserError(
      "initCriticParams: the policy is a LoRA one (cfg.lora is set): pass its adapter tensors " +
        "(policy.adapter.params), or start from mergeAdapter(policy)'s cfg and params",
    );
  }
  const rng = makeRng(`critic/${seed}`);
  let out: ParamStore = {};
  for (const [k, t] of Object.entries(from)) {
    const data = t.data instanceof Uint16Array
      ? widenFloat16(t.data)
      : Float32Array.from(t.data as Float32Array);
    out[k] = { data, dims: t.dims };
  }
  if (adapter) out = mergeLoraWeights(cfg, out, adapter);
  out["value_head.weight"] = {
    data: Float32Array.from({ length: cfg.hidden }, () => 0.01 * randNormal(rng)),
    dims: [1, cfg.hidden],
  };
  out["value_head.bias"] = { data: new Float32Array(1), dims: [1] };
  return out;
}

/** V for each row: the head applied to the hidden state at the row's last real token. */
function valueGraph(cfg: TransformerConfig, params: Params, b: number, t: number) {
  const g = Object.values(params)[0].graph;
  const ids = input(g, "ids", [b, t], "int64"), positions = input(g, "positions", [b, t], "int64");
  const attn = input(g, "attn", [b, t]), last = input(g, "last", [b, t]); // one-hot of the last token
  const { hidden } = transformerForward(cfg, params, {
    ids,
    positions,
    bias: causalPaddingBias(attn),
  });
  const pooled = reduceSum(mul(hidden, unsqueeze(last, [2])), [1]); // [B, H]
  const v = reshape(linear(pooled, params["value_head.weight"], params["value_head.bias"]), [b]);
  return { g, v };
}

/** A compiled critic for one batch shape. */
export interface Critic {
  /** Predicts V for each text. */
  predict(params: ParamStore, texts: string[]): Promise<number[]>;
  /** One MSE step towards `targets`; returns the new state and the loss. */
  fit(
    state: TrainState,
    texts: string[],
    targets: number[],
    lr: number,
  ): Promise<{ state: TrainState; loss: number }>;
}

/**
 * Builds the critic for `cfg` and a tokenizer. Texts are tokenized, right-padded into batches
 * of a multiple of 4 rows and 16 tokens (graphs compiled per shape and cached).
 */
export function createCritic(cfg: TransformerConfig, tokenizer: Tokenizer): Critic {
  cfg = valueModelConfig(cfg); // a plain float32 model, whatever the agents' adapters or base
  const shapes = criticShapes(cfg), names = Object.keys(shapes);
  const predictors = new SessionCache<Session>((s) => s),
    fitters = new SessionCache<OptimStep>((f) => f.session);
  const encode = (texts: string[]) => {
    const seqs = texts.map((x) => ({
      promptIds: tokenizer.encode(x).slice(-cfg.maxPositions + 1),
      ids: [],
    }));
    const rows = Math.ceil(texts.length / 4) * 4;
    const longest = Math.max(1, ...seqs.map((s) => s.promptIds.length));
    const p = packSequences(seqs, { rows, seqLen: bucketLength(longest) });
    const last = new Float32Array(rows * p.seqLen);
    seqs.forEach((s, r) => (last[r * p.seqLen + s.promptIds.length - 1] = 1));
    const dims = [rows, p.seqLen];
    const feeds = {
      ids: { data: p.ids, dims },
      positions: { data: p.positions, dims },
      attn: { data: p.attn, dims },
      last: { data: last, dims },
    };
    return { rows, seqLen: p.seqLen, feeds };
  };
  return {
    async predict(params, texts) {
      const e = encode(texts), key = `${e.rows}x${e.seqLen}/${runtimeKey()}`;
      if (!predictors.has(key)) {
        const g = newGraph("critic_predict");
        const ps: Params = {};
        for (const [n, d] of Object.entries(shapes)) ps[n] = input(g, n, d);
        const { v } = valueGraph(cfg, ps, e.rows, e.seqLen);
        predictors.set(key, openSession(toOnnx(g, { outputs: { v } })));
      }
      const out = await (await predictors.get(key)!).run({ ...params, ...e.feeds });
      return Array.from((out.v.data as Float32Array).subarray(0, texts.length));
    },
    async fit(state, texts, targets, lr) {
      const e = encode(texts), key = `${e.rows}x${e.seqLen}/${runtimeKey()}`;
      if (!fitters.has(key)) {
        const bytes = buildOptimGraph("critic_fit", shapes, (ps) => {
          const { g, v } = valueGraph(cfg, ps, e.rows, e.seqLen);
          const target = input(g, "target", [e.rows]), w = input(g, "row_weight", [e.rows]);
          const err = sub(v, target);
          const loss: Tensor = reduceSum(mul(mul(err, err), w));
          return { loss: add(loss, 0), outputs: { v } };
        });
        fitters.set(key, createOptimStep(bytes, names));
      }
      const target = new Float32Array(e.rows), w = new Float32Array(e.rows);
      targets.forEach((x, i) => {
        target[i] = x;
        w[i] = 1 / targets.length;
      });
      const r = await (await fitters.get(key)!).run(state, {
        ...e.feeds,
        target: { data: target, dims: [e.rows] },
        row_weight: { data: w, dims: [e.rows] },
      }, lr);
      return { state: r.state, loss: r.loss };
    },
  };
}

/** The text a centralized critic reads for a node: every agent's prompt. */
export function criticState(node: RolloutNode): string {
  return node.prompts.map((p, i) => `[agent ${i}] ${p}`).join("\n");
}

/**
 * Stage 3 (centralized critic): `A_g = r_g + γ·V(child_g) − V(node)` with V read from the
 * critic (run `treeReturns` first: the critic's regression targets are the node returns).
 */
export async function criticAdvantages(
  tree: RolloutNode,
  s: CollectSettings,
  critic: { model: Critic; params: ParamStore },
): Promise<Collected> {
  const c = magrpoAdvantages(tree, { ...s, jointMode: "aligned" });
  const flat = flattenTree(tree) as unknown as { node: RolloutNode }[];
  const texts = flat.map(({ node }) => criticState(node));
  const values = await critic.model.predict(critic.params, texts);
  const v = new Map(flat.map(({ node }, k) => [node, values[k]]));
  const samples: AgentSample[][] = tree.completions.map(() => []), advantages: number[] = [];
  for (const { node } of flat) {
    node.joint.forEach((j, g) => {
      const child = node.children?.[g];
      const a = node.rewards[g] + (child ? s.gamma * v.get(child)! : 0) - v.get(node)!;
      j.forEach((k, i) => samples[i].push({ completion: node.completions[i][k], advantage: a }));
      advantages.push(a);
    });
  }
  const targets = flat.map(({ node }) =>
    node.returns!.reduce((a, b) => a + b, 0) / node.returns!.length
  );
  return { ...c, samples, groups: undefined, advantages, criticData: { texts, targets } };
}

/** Centralized critic: `A_g = r_g + γ·V(child_g) − V(node)`; V is regressed on node returns. */
export async function collectCritic<E>(
  env: Environment<E>,
  example: E,
  policies: Policy[],
  s: CollectSettings,
  rng: Rng,
  critic: { model: Critic; params: ParamStore },
): Promise<Collected> {
  const aligned = { ...s, jointMode: "aligned" as const };
  const tree = await rolloutShaped(env, example, policies, aligned, rng);
  treeReturns(tree, s.gamma);
  return await criticAdvantages(tree, aligned, critic);
}
