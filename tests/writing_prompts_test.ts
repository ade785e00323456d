// The writing prompts and the single-agent split are the authors', character for character:
// compared with their functions' output pinned by tools/authors_writing_prompts.py.
import assert from "node:assert/strict";
import { tldrEnv } from "../lib/envs/tldr.ts";
import { arxivEnv } from "../lib/envs/arxiv.ts";
import { splitParagraphs } from "../lib/envs/writing_prompts.ts";
import type { ArxivRow, TldrRow } from "../lib/envs/writing_data.ts";

interface Pinned<R> {
  row: R;
  agents: [string, string];
  single: string;
}
const ref = JSON.parse(
  await Deno.readTextFile(new URL("./reference/authors_writing_prompts.json", import.meta.url)),
) as {
  tldr: Pinned<TldrRow>[];
  arxiv: Pinned<ArxivRow>[];
  split: { text: string; parts: [string, string] }[];
};

Deno.test("TLDR prompts: both agents and the single agent, as the authors' formatters", () => {
  const env = tldrEnv(ref.tldr.map((p) => p.row));
  assert.equal(ref.tldr.length, 4);
  for (const p of ref.tldr) {
    assert.deepEqual(env.formatters.map((f) => f(p.row)), p.agents);
    assert.equal(env.singlePrompt!(p.row, "|||"), p.single);
  }
  assert.equal(ref.tldr[3].agents[0], "Error: No prompt provided.");
});

Deno.test("arXiv prompts: both agents and the single agent, as the authors' formatters", () => {
  const env = arxivEnv(ref.arxiv.map((p) => p.row));
  assert.equal(ref.arxiv.length, 4);
  for (const p of ref.arxiv) {
    assert.deepEqual(env.formatters.map((f) => f(p.row)), p.agents);
    assert.equal(env.singlePrompt!(p.row, "|||"), p.single);
  }
});

Deno.test("single-agent split: delimiter, then 'Paragraph 2:', then a third, as the authors'", () => {
  assert.equal(ref.split.length, 8);
  for (const s of ref.split) {
    assert.deepEqual(splitParagraphs(s.text), s.parts, JSON.stringify(s.text));
  }
  assert.deepEqual(tldrEnv([]).singleSplit!("a [PARAGRAPH_SPLIT] b"), ["a", "b"]);
});
