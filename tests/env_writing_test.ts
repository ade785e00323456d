// The writing environments as environments: per-agent prompts, the joint reward through `env`,
// each agent's own reward (independent learners), the shipped datasets and the loaders.
import assert from "node:assert/strict";
import { ARXIV_REWARD_CONFIG, arxivEnv } from "../lib/envs/arxiv.ts";
import { TLDR_REWARD_CONFIG, tldrEnv, tldrReward } from "../lib/envs/tldr.ts";
import { countWhitespaceTokens, writingAgentReward } from "../lib/envs/writing_reward.ts";
import {
  loadArxivRows,
  loadTldrRows,
  parseArxivRows,
  parseTldrJsonl,
} from "../lib/envs/writing_data.ts";
import { UserError } from "../lib/util/errors.ts";
import { loadEnvironment } from "../lib/envs/registry.ts";
import { parquetMetadata } from "hyparquet";

const close = (a: number, b: number, what = "") =>
  assert.ok(Math.abs(a - b) < 1e-12, `${what}: got ${a}, expected ${b}`);

/** `n` tokens of a consonant-only word (no transition phrase can match inside it). */
const filler = (n: number) => Array(n).fill("bcd").join(" ");

Deno.test("writing agentReward: own L1 share plus own transitions, by hand", async () => {
  const row = { prompt: "POST: x", completion: "y" };
  const env = tldrEnv([row]);
  const tldr = (i: number, t: string) => writingAgentReward(i, t, TLDR_REWARD_CONFIG);
  // TLDR agent 1 (index 0): only its half of L1 (0.5 / 2); its transitions do not count.
  assert.equal(tldr(0, filler(8)), 0.25);
  assert.equal(tldr(0, `however ${filler(7)}`), 0.25);
  assert.equal(tldr(0, filler(7)), 0); // 7 tokens: its own L1 window fails
  assert.equal(tldr(0, filler(257)), 0);
  assert.equal(tldr(0, ""), 0);
  // TLDR agent 2 (index 1): "however" → {concession, contrast}, k = 2, T = 0.45,
  // 0.25 + 0.4·0.45 = 0.43; "therefore" → {cause_effect}, T = 0.4 → 0.25 + 0.16 = 0.41.
  assert.equal(tldr(1, filler(256)), 0.25);
  close(tldr(1, `however ${filler(7)}`), 0.43, "TLDR agent 2, k = 2");
  close(tldr(1, `therefore ${filler(7)}`), 0.41, "TLDR agent 2, k = 1");
  assert.equal(tldr(1, `however ${filler(256)}`), 0); // 257 tokens: gate closed, no T either
  assert.equal(await env.agentReward!(0, `however ${filler(7)}`, row), 0.25);
  close(await env.agentReward!(1, `however ${filler(7)}`, row), 0.43, "via env");
  // arXiv counts transitions in both texts: each agent gets 0.4·T of its own text.
  const aenv = arxivEnv([{ abstract_text: "a" }]);
  const arxiv = (i: number, t: string) => aenv.agentReward!(i, t, { abstract_text: "a" });
  close(await arxiv(0, `however ${filler(149)}`), 0.43, "arXiv agent 1, k = 2");
  close(await arxiv(1, `therefore ${filler(149)}`), 0.41, "arXiv agent 2, k = 1");
  assert.equal(await arxiv(0, filler(128)), 0.25);
  assert.equal(await arxiv(1, `however ${filler(126)}`), 0); // 127 tokens < 128
  assert.equal(writingAgentReward(1, filler(200), ARXIV_REWARD_CONFIG), 0.25);
  // Maximum: all 12 categories → T = 0.95 → 0.25 + 0.4·0.95 = 0.63 (48 tokens).
  const all12 = "Furthermore, the landlord refused to return any deposit money. For example, he " +
    "blamed one tiny carpet stain; in other words, nothing serious. Therefore we wrote a " +
    "formal letter. However, unless he replies, we will finally go to small-claims court. " +
    "Certainly, in summary, tenants similarly treated should document everything.";
  close(tldr(1, all12), 0.63, "TLDR agent 2 maximum");
  assert.equal(tldr(0, all12), 0.25);
  assert.throws(() => writingAgentReward(2, "x", TLDR_REWARD_CONFIG), {
    message: "tldr agentReward: agent must be 0 or 1 (two writers), got 2",
  });
  assert.throws(
    () => writingAgentReward(0, 3 as unknown as string, ARXIV_REWARD_CONFIG),
    UserError,
  );
});

Deno.test("environments: per-agent prompts, joint reward, bad joint actions", async () => {
  const tldrRows = await loadTldrRows();
  const env = tldrEnv(tldrRows);
  assert.equal(env.name, "tldr");
  assert.equal(env.numAgents, 2);
  assert.equal(env.formatters.length, 2);
  const [p1, p2] = env.formatters.map((f) => f(tldrRows[0]));
  assert.ok(p1.includes(tldrRows[0].prompt) && p2.includes(tldrRows[0].prompt));
  assert.ok(p1.includes("concise") && p2.includes("detailed"));
  assert.notEqual(p1, p2);
  assert.ok(
    !p1.includes(tldrRows[0].completion),
    "the reference TL;DR is not shown",
  );
  const pair = ["bbbb cccc dddd ffff gggg hhhh jjjj kkkkk", "x"];
  assert.deepEqual(await env.reward(pair, tldrRows[0]), tldrReward(pair));
  assert.throws(() => env.reward(["only one"], tldrRows[0]), UserError);
  assert.throws(
    () => env.reward(["a", "b", "c"], tldrRows[0]),
    /expected 2 completions/,
  );
  assert.throws(
    () => tldrReward(["a", 3 as unknown as string]),
    /completion 1 must be a string/,
  );

  const arxivRows = await loadArxivRows();
  const aenv = arxivEnv(arxivRows);
  assert.equal(aenv.numAgents, 2);
  const [a1, a2] = aenv.formatters.map((f) => f(arxivRows[0]));
  assert.ok(
    a1.includes(arxivRows[0].abstract_text) &&
      a2.includes(arxivRows[0].abstract_text),
  );
  assert.ok(
    a1.includes("background and motivation") && a2.includes("methodology"),
  );
  assert.equal((await aenv.reward(["", ""], arxivRows[0])).total, 0);
});

Deno.test("shipped datasets: row counts, fields, lengths", async () => {
  const tldr = await loadTldrRows();
  assert.equal(tldr.length, 50);
  for (const [i, row] of tldr.entries()) {
    assert.deepEqual(Object.keys(row), ["prompt", "completion"]);
    const post = row.prompt.split("POST:")[1]?.split("TL;DR:")[0] ?? "";
    const words = countWhitespaceTokens(post);
    assert.ok(words >= 100 && words <= 300, `post ${i} has ${words} words`);
    const tl = countWhitespaceTokens(row.completion);
    assert.ok(tl >= 8 && tl <= 60, `tl;dr ${i} has ${tl} words`);
  }
  assert.equal(
    new Set(tldr.map((r) => r.prompt)).size,
    50,
    "posts are distinct",
  );
  const arxiv = await loadArxivRows();
  assert.equal(arxiv.length, 30);
  for (const [i, row] of arxiv.entries()) {
    assert.deepEqual(Object.keys(row), ["abstract_text"]);
    const words = countWhitespaceTokens(row.abstract_text);
    assert.ok(words >= 80 && words <= 300, `abstract ${i} has ${words} words`);
  }
  assert.equal(new Set(arxiv.map((r) => r.abstract_text)).size, 30);
});

Deno.test("loaders: user files, and errors naming file, line and field", async () => {
  const ok = '{"prompt": "POST: hi", "completion": "tl", "extra": 1}\n\n{"prompt": "p", ' +
    '"completion": "c"}\n';
  assert.deepEqual(parseTldrJsonl(ok, "mine.jsonl"), [
    { prompt: "POST: hi", completion: "tl" },
    { prompt: "p", completion: "c" },
  ]);
  assert.throws(
    () =>
      parseTldrJsonl(
        '{"prompt": "p", "completion": "c"}\n{"prompt": "p"}',
        "mine.jsonl",
      ),
    (e: Error) =>
      e instanceof UserError &&
      e.message === "mine.jsonl: line 2: missing field 'completion' (a string)",
  );
  assert.throws(
    () => parseTldrJsonl('{"prompt": 3, "completion": "c"}', "f.jsonl"),
    {
      message: "f.jsonl: line 1: field 'prompt' must be a string, got number",
    },
  );
  assert.throws(
    () => parseTldrJsonl('{"prompt": " ", "completion": "c"}', "f.jsonl"),
    {
      message: "f.jsonl: line 1: field 'prompt' is empty",
    },
  );
  assert.throws(
    () => parseTldrJsonl("{oops", "f.jsonl"),
    /f\.jsonl: line 1: not valid JSON/,
  );
  assert.throws(() => parseTldrJsonl("\n\n", "f.jsonl"), {
    message: "f.jsonl: no rows found",
  });
  assert.throws(
    () => parseTldrJsonl("[1]", "f.jsonl"),
    /line 1: expected a JSON object/,
  );
  // arXiv: JSONL or a JSON array.
  assert.deepEqual(
    parseArxivRows('{"abstract_text": "A"}\n{"abstract_text": "B"}', "a.jsonl"),
    [
      { abstract_text: "A" },
      { abstract_text: "B" },
    ],
  );
  assert.deepEqual(
    parseArxivRows(' [{"abstract_text": "A", "title": "t"}]', "a.json"),
    [
      { abstract_text: "A" },
    ],
  );
  assert.throws(
    () => parseArxivRows('[{"abstract_text": "A"}, {"abstract": "B"}]', "a.json"),
    {
      message: "a.json: item 1: missing field 'abstract_text' (a string)",
    },
  );
  assert.throws(() => parseArxivRows('{"abstract": "B"}', "a.jsonl"), {
    message: "a.jsonl: line 1: missing field 'abstract_text' (a string)",
  });
  // Real files on disk.
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/t.jsonl`, ok);
    assert.equal((await loadTldrRows(`${dir}/t.jsonl`)).length, 2);
    await Deno.writeTextFile(`${dir}/a.json`, '[{"abstract_text": "A"}]');
    assert.deepEqual(await loadArxivRows(`${dir}/a.json`), [{
      abstract_text: "A",
    }]);
    await assert.rejects(
      () => loadTldrRows(`${dir}/missing.jsonl`),
      (e: Error) =>
        e instanceof UserError &&
        e.message.startsWith(`${dir}/missing.jsonl: cannot read`),
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("parquet: TLDR and arXiv rows from Hugging Face-style parquet files (snappy pages)", async () => {
  // tests/reference/*.parquet are written by tools/make_parquet_fixtures.sh (hyparquet-writer)
  const ref = (name: string) => new URL(`./reference/${name}`, import.meta.url);
  const meta = parquetMetadata(
    (await Deno.readFile(ref("tldr_fixture.parquet"))).buffer as ArrayBuffer,
  );
  assert.deepEqual(
    meta.row_groups[0].columns.map((c) => c.meta_data?.codec),
    ["SNAPPY", "SNAPPY", "SNAPPY"],
  );
  const tldr = await loadTldrRows(ref("tldr_fixture.parquet").pathname);
  assert.equal(tldr.length, 3);
  assert.deepEqual(Object.keys(tldr[0]), ["prompt", "completion"]); // the extra `id` is dropped
  assert.equal(tldr[1].completion, " repeated flats, need tips");
  assert.ok(tldr[1].prompt.includes("Two flats in one week — any tips?"));
  assert.ok(tldr[2].prompt.includes("ünïcode") && tldr[2].prompt.includes("🍞"));
  const arxiv = await loadArxivRows(ref("arxiv_fixture.parquet").pathname);
  assert.deepEqual(arxiv, [
    { abstract_text: "We study small graphs." },
    { abstract_text: "We propose a new optimizer; moreover, it is fast." },
  ]);
  // a parquet file without the field names file, row and field; the environment loads it too
  await assert.rejects(
    () => loadTldrRows(ref("arxiv_fixture.parquet").pathname),
    (e: Error) =>
      e instanceof UserError &&
      /arxiv_fixture\.parquet: row 0: missing field 'prompt'/.test(e.message),
  );
  const env = await loadEnvironment({
    name: "tldr",
    dataPath: ref("tldr_fixture.parquet").pathname,
    evalDataPath: ref("tldr_fixture.parquet").pathname,
    trainSlice: "1:",
    evalSlice: ":1",
  });
  assert.deepEqual([env.rows.length, env.evalRows!.length], [2, 1]);
});
