/**
 * The study's probes (not training): why the coordination and complementarity tasks separate
 * the methods, and why TLDR scored 0 on the default model.
 *
 * 1. First words of the untrained agents' sampled sentences for the coordination prompts
 *    (agent 1: short, agent 2: longer) and how often an aligned pair starts alike, and for the
 *    complementarity prompt (the same for both) how often a pair covers {The, You}.
 * 2. TLDR with the authors' prompts and reward: prompt tokens against the 128-token sequences
 *    the default model was pretrained on, answer lengths in whitespace tokens, the share of
 *    joint answers through the first gate (both 8–256 tokens) and the mean reward, for the
 *    shipped posts and for posts cut to `TLDR_POST_WORDS` words.
 *
 * Run: `deno run -A bench/study_probe.ts [--out bench/study/probe.json]`
 *
 * @module
 */
import { parseArgs } from "node:util";
import { loadPolicy } from "../lib/policy/load.ts";
import { encodePrompt, sampleTexts } from "../lib/policy/sample.ts";
import { coordinationEnv, firstWord, topicRows } from "../lib/envs/coordination.ts";
import { complementarityReward } from "../lib/envs/complementarity.ts";
import { loadEnvironment } from "../lib/envs/registry.ts";
import { shortenTldrPost, tldrEnv, type TldrRow } from "../lib/envs/tldr.ts";
import { TLDR_POST_WORDS } from "./study_tasks.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: { out: { type: "string", default: "bench/study/probe.json" } },
});
const policy = await loadPolicy("data/default-model");
const G = 8;
const count = (xs: string[]) => {
  const c: Record<string, number> = {};
  for (const x of xs) c[x] = (c[x] ?? 0) + 1;
  return Object.fromEntries(Object.entries(c).sort((a, b) => b[1] - a[1]).slice(0, 8));
};

// 1. opening words of the untrained agents
const rows = topicRows().slice(0, 24), env = coordinationEnv(rows);
const [a1, a2] = await Promise.all(env.formatters.map((f, i) =>
  sampleTexts(policy, rows.map(f), {
    numReturnSequences: G,
    maxNewTokens: 10,
    temperature: 1,
    seed: 100 + i,
  })
));
const w1 = a1.map((c) => firstWord(c.text)), w2 = a2.map((c) => firstWord(c.text));
const agree = w1.filter((w, k) => w !== "" && w === w2[k]).length / w1.length;
// complementarity: agent 1's short-prompt samples against a second draw of the same prompt
const b1 = await sampleTexts(policy, rows.map(env.formatters[0]), {
  numReturnSequences: G,
  maxNewTokens: 10,
  temperature: 1,
  seed: 102,
});
const covers = a1.map((c, k) => complementarityReward([c.text, b1[k].text], rows[0]).total);
const split = a1.filter((c, k) => {
  const x = firstWord(c.text), y = firstWord(b1[k].text);
  return (x === "the" && y === "you") || (x === "you" && y === "the");
}).length / a1.length;
const both = a1.filter((c, k) => firstWord(c.text) === firstWord(b1[k].text)).length / a1.length;
const opening = {
  samples: w1.length,
  agent1Short: count(w1),
  agent2Longer: count(w2),
  coordinationAgreement: agree,
  complementaritySplit: split,
  complementaritySameOpening: both,
  complementarityMeanCover: covers.reduce((s, x) => s + x, 0) / covers.length,
};
console.log("opening words (untrained, sampled):", JSON.stringify(opening, null, 1));

// 2. TLDR: why it scored 0
const raw = await loadEnvironment({ name: "tldr" });
const tldr: Record<string, unknown>[] = [];
for (const maxWords of [Infinity, TLDR_POST_WORDS]) {
  const rs: TldrRow[] = raw.rows.slice(0, 12).map((r: TldrRow) =>
    Number.isFinite(maxWords) ? shortenTldrPost(r, maxWords) : r
  );
  const e = tldrEnv(rs);
  const toks = rs.map((r) => encodePrompt(policy, e.formatters[0](r)).length);
  const outs = await Promise.all(e.formatters.map((f, i) =>
    sampleTexts(policy, rs.map(f), {
      numReturnSequences: 4,
      maxNewTokens: 48,
      temperature: 1,
      seed: 200 + i,
    })
  ));
  const n = outs[0].length, len = (t: string) => t.split(/\s+/).filter(Boolean).length;
  let l1 = 0, total = 0, short = 0, eosShort = 0;
  for (let k = 0; k < n; k++) {
    const texts = [outs[0][k].text, outs[1][k].text];
    const r = e.reward(texts, rs[Math.floor(k / 4)]) as {
      total: number;
      levels: { tokens: number };
    };
    l1 += Number(r.levels.tokens > 0), total += r.total;
    for (const [i, t] of texts.entries()) {
      const s = len(t) < 8;
      short += Number(s), eosShort += Number(s && outs[i][k].finish === "eos");
    }
  }
  tldr.push({
    postWords: Number.isFinite(maxWords) ? maxWords : "all",
    promptTokensMean: Math.round(toks.reduce((s, x) => s + x, 0) / toks.length),
    answersUnder8Tokens: short / (2 * n),
    ofThoseEndedByEos: eosShort / Math.max(1, short),
    firstGatePass: l1 / n,
    meanReward: total / n,
    jointAnswers: n,
  });
}
console.log("TLDR (untrained, sampled, 48 new tokens):", JSON.stringify(tldr, null, 1));
await Deno.writeTextFile(values.out, JSON.stringify({ opening, tldr }, null, 1) + "\n");
