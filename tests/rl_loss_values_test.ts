// Known values of the per-agent update: the reported loss equals the one computed by hand from
// scoreCompletions' per-token log-probs (padding and anything after EOS masked); PPO clipping
// (objective and clip fraction); k3 KL to a reference; inner iterations.
import assert from "node:assert/strict";
import type { Completion } from "../lib/policy/sample.ts";
import { scoreCompletions } from "../lib/policy/score.ts";
import { type Policy, withParams } from "../lib/policy/policy.ts";
import { type AgentSample, updateAgent } from "../lib/rl/update.ts";
import { initTrainState, type TrainState } from "../lib/engine/optim_step.ts";
import { UserError } from "../lib/util/errors.ts";
import { randomPolicy, tinyLlamaConfig } from "./fixtures.ts";

const CFG = tinyLlamaConfig();
const EOS = 256, PAD = 0;
const policy: Policy = randomPolicy(CFG, 11, 0.3);
const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

const completion = (promptIds: number[], ids: number[], logprobs = ids.map(() => -1)) =>
  ({ prompt: 0, sample: 0, promptIds, ids, text: "", logprobs, finish: "length" }) as Completion;

/** Three completions of different lengths; the second ends in EOS followed by two pad tokens. */
const SEQS: [number[], number[], number][] = [
  [[10, 11, 12], [20, 21, 22, 23], 1.5],
  [[10, 11], [30, EOS, PAD, PAD], -0.5],
  [[13], [40], -1],
];
/** Completion tokens that count: all up to and including the first EOS. */
const TRAINED = [4, 2, 1];

/** Per-token log-probs under `p` of the full completions (pads after EOS included), by scoring. */
async function scored(p: Policy): Promise<number[][]> {
  const lp = await scoreCompletions(p, SEQS.map(([promptIds, ids]) => ({ promptIds, ids })));
  return lp.map((l, b) => l.slice(0, TRAINED[b])); // mask after EOS, by hand
}

function samples(logprobs?: number[][]): AgentSample[] {
  return SEQS.map(([p, ids, a], b) => ({
    completion: completion(
      p,
      ids,
      logprobs && ids.map((_, t) => logprobs[b][t] ?? 0), // (pads after EOS: any value)
    ),
    advantage: a,
  }));
}

const close = (got: number, want: number, tol: number, what: string) =>
  assert.ok(Math.abs(got - want) <= tol, `${what}: got ${got}, want ${want}`);

Deno.test("loss value: −mean_g(A_g · Σ_t log π) over unpadded tokens up to EOS, and grpo/bnpo", async () => {
  const lp = await scored(policy);
  const A = SEQS.map((s) => s[2]);
  const state = initTrainState(policy.params);
  const want = {
    sequence_sum: -sum(lp.map((l, g) => A[g] * sum(l))) / 3,
    grpo: -sum(lp.map((l, g) => (A[g] * sum(l)) / l.length)) / 3,
    bnpo: -sum(lp.map((l, g) => A[g] * sum(l))) / 7,
  };
  for (const [aggregation, w] of Object.entries(want)) {
    const r = await updateAgent(policy, state, samples(), {
      lr: 1e-3,
      aggregation: aggregation as "grpo",
    });
    close(r.metrics.losses[0], w, 1e-5, aggregation);
    assert.equal(r.metrics.tokens, 7); // the pads after EOS are not trained
  }
  // the numbers themselves are not degenerate: every log-prob is below log(1/2)
  assert.ok(lp.flat().every((x) => x < -0.69), JSON.stringify(lp));
});

Deno.test("PPO clipping: clipped objective and clip fraction; innerIterations = 2 is two updates", async () => {
  const lp = await scored(policy);
  // old log-probs = current − δ, so the ratio of each token is exp(δ): 4 of the 7 tokens lie
  // outside [0.8, 1.2] (δ = ±0.5, 0.3, −0.3).
  const delta = [[0.5, -0.5, 0.1, 0], [0.3, 0], [-0.3]];
  const old = lp.map((l, b) => l.map((x, t) => x - delta[b][t]));
  const eps = 0.2, A = SEQS.map((s) => s[2]);
  const objective = (cur: number[][]) =>
    sum(cur.map((l, b) =>
      sum(l.map((x, t) => {
        const r = Math.exp(x - old[b][t]), c = Math.min(1 + eps, Math.max(1 - eps, r));
        return -Math.min(r * A[b], c * A[b]);
      })) / 3
    ));
  const opts = { lr: 1e-2, loss: { clipEps: eps } };
  const s0 = initTrainState(policy.params);
  const one = await updateAgent(policy, s0, samples(old), opts);
  close(one.metrics.losses[0], objective(lp), 1e-5, "clipped loss");
  close(one.metrics.clipFraction!, 4 / 7, 1e-6, "clip fraction");
  // by hand: ratios exp(.5), exp(−.5), exp(.1), 1 with A = 1.5; exp(.3), 1 with A = −0.5;
  // exp(−.3) with A = −1 (the min picks the clipped 1.2·1.5 but the unclipped exp(−.5)·1.5)
  const byHand = -(1.5 * (1.2 + Math.exp(-0.5) + Math.exp(0.1) + 1) -
    0.5 * (Math.exp(0.3) + 1) - 1 * 0.8) / 3;
  close(objective(lp), byHand, 1e-12, "objective formula");
  // two inner iterations = two single updates on the same batch, bit for bit
  const two = await updateAgent(policy, s0, samples(old), { ...opts, innerIterations: 2 });
  const again = await updateAgent(
    withParams(policy, one.state.params),
    one.state,
    samples(old),
    opts,
  );
  assert.equal(two.state.step, 2);
  assert.deepEqual(two.metrics.losses, [one.metrics.losses[0], again.metrics.losses[0]]);
  for (const k of Object.keys(two.state.params)) {
    assert.deepEqual(two.state.params[k].data, again.state.params[k].data, k);
  }
  // the second iteration's loss is the clipped objective at the once-updated parameters
  const lp1 = await scored(withParams(policy, one.state.params));
  close(two.metrics.losses[1], objective(lp1), 1e-5, "second iteration");
  assert.ok(Math.abs(two.metrics.losses[1] - two.metrics.losses[0]) > 1e-3);
});

Deno.test("k3 KL: 0 against itself; mean(exp(r−p) − (r−p) − 1) against another reference", async () => {
  const lp = await scored(policy);
  const A = SEQS.map((s) => s[2]);
  const plain = -sum(lp.map((l, g) => A[g] * sum(l))) / 3;
  const state: TrainState = initTrainState(policy.params);
  const beta = 0.1;
  const self = await updateAgent(policy, state, samples(), {
    lr: 1e-3,
    loss: { klBeta: beta },
    reference: policy,
  });
  close(self.metrics.kl!, 0, 1e-6, "KL to itself");
  close(self.metrics.losses[0], plain, 1e-5, "loss with zero KL");
  const reference = randomPolicy(CFG, 12, 0.3);
  const ref = await scored(reference);
  const k3 = lp.map((l, b) => l.map((p, t) => Math.exp(ref[b][t] - p) - (ref[b][t] - p) - 1));
  const r = await updateAgent(policy, state, samples(), {
    lr: 1e-3,
    loss: { klBeta: beta },
    reference,
  });
  const meanKl = sum(k3.flat()) / 7;
  assert.ok(meanKl > 0.05, `${meanKl}`); // the two random models differ
  close(r.metrics.kl!, meanKl, 1e-5, "mean k3");
  // the loss adds β · Σ_t w_t k3_t with the aggregation's weights (1/3 per sequence here)
  close(r.metrics.losses[0], plain + beta * sum(k3.map(sum)) / 3, 1e-5, "loss with KL");
  await assert.rejects(
    () => updateAgent(policy, state, samples(), { lr: 1e-3, loss: { klBeta: beta } }),
    (e: Error) =>
      e instanceof UserError &&
      e.message ===
        "updateAgent: loss.klBeta is 0.1 but no reference policy was given (pass " +
          "options.reference, e.g. the initial policy, or set klBeta to 0)",
  );
});
