import assert from "node:assert/strict";
import {
  BYTE_TOKENIZER_SPEC,
  byteBpeToHf,
  byteBpeTokenizer,
  byteTokenizer,
  saveByteBpeTokenizer,
} from "../lib/policy/byte_tokenizer.ts";
import { trainByteBpe } from "../tools/bpe_train.ts";
import { checkVocab, loadTokenizer } from "../lib/policy/tokenizer.ts";
import { parseHfConfig } from "../lib/model/config.ts";
import { UserError } from "../lib/util/errors.ts";

/** A few hundred words of varied text: prose, code, numbers, whitespace runs, non-ASCII. */
const CORPUS =
  `The quick brown fox jumps over the lazy dog. It's a well-known pangram; we've used it
for decades, and they'll keep using it. Don't you think so? I'd say it's fine.
Numbers: 3.14159, 2718, 1,000,000 and 42nd street — also 0x1F and 1e-9.
def add(a, b):
    return a + b  # two spaces, then a comment

for (let i = 0; i < 10; i++) { console.log(i * i); }
Über die Brücke gehen Müller und Schäfer; façade, naïve café, coöperate, résumé.
Быстрая коричневая лиса прыгает через ленивую собаку. Привет, мир!
素早い茶色の狐がのろまな犬を飛び越える。你好，世界！我们一起学习。
Emoji: 🙂🙃 👍🏽 🇫🇷 — and a zero-width joiner family 👨‍👩‍👧.
Tabs\tand\tnewlines\n\nmixed   with    runs of spaces   at the end   
Two agents cooperate: the first writes a summary, the second checks it. They share a reward,
so each learns to help the other. Cooperative multi-agent reinforcement learning trains both
policies with group-relative advantages; the baseline is the mean reward of the group.
ελληνικά κείμενα, العربية نص, עברית טקסט, हिन्दी पाठ, 한국어 텍스트.
Special tokens like <|endoftext|> must be kept whole, even<|endoftext|>inside words.
Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut
labore et dolore magna aliqua. Ut enim ad minim veniam, quis nostrud exercitation ullamco.
She said: "Well... that's odd!!" — then left (quietly) [for good] {maybe}.
Repeated words words words help merges merges merges form formed forming former formerly.
Un texte en français : l'élève a réussi l'épreuve grâce à sa persévérance. ¿Dónde está la biblioteca?
Está al lado de la estación, señor. Português: ação, coração, não há pão. Türkçe: ığüşöç İstanbul.
JSON {"key": [1, 2.5, -3e10, null, true], "nested": {"a": "b\\n"}} and a URL https://example.org/a?b=c&d=e#f.
Math: ∀x ∈ ℝ, x² ≥ 0; ∑ᵢ aᵢ = 1; π ≈ 3.14; e^{iπ} + 1 = 0. Currency: €5, £3, ¥100, ₹20, $9.99.
The summary agent reads the article, the checker agent verifies facts, and the reward counts
how many facts survive. After many rounds, both agents agree more often, and the reward rises.
`;

const HELD_OUT = [
  "A completely new sentence, with unseen wörds and ünïcödé ✓ symbols ∑∫√.",
  "  leading spaces and trailing ones  ",
  "line1\r\nline2\rline3\n",
  "<|endoftext|><|pad|><|endoftext|>",
  "",
  " ",
  "😀😀😀 mixed 中文 and English; it's 100% fine.",
];

async function tmpDir(): Promise<string> {
  return await Deno.makeTempDir({ prefix: "tokenizer_test_" });
}

Deno.test("byte tokenizer: known ids, special tokens, round-trips", () => {
  const tok = byteTokenizer();
  assert.equal(tok.vocabSize, 258);
  assert.deepEqual(tok.eosTokenIds, [256]);
  assert.equal(tok.padTokenId, 257);
  assert.equal(tok.bosTokenId, undefined);
  assert.deepEqual(tok.encode("hé!"), [104, 195, 169, 33]);
  assert.deepEqual(tok.encode("a<|endoftext|>b<|pad|>"), [97, 256, 98, 257]);
  assert.equal(tok.decode([104, 105, 256]), "hi<|endoftext|>");
  assert.equal(
    tok.decode([104, 105, 256, 257], { skipSpecialTokens: true }),
    "hi",
  );
  assert.equal(tok.decode([0xc3, 256, 0xa9], { skipSpecialTokens: true }), "é"); // bytes join across a skipped token
  assert.equal(tok.decode([0xff, 0x41]), "\uFFFDA"); // invalid UTF-8 becomes U+FFFD
  assert.equal(tok.decode([]), "");
  for (const text of [CORPUS, ...HELD_OUT]) {
    assert.equal(tok.decode(tok.encode(text)), text);
  }
  assert.throws(
    () => tok.decode([258]),
    (e: Error) => e instanceof UserError && /token id 258 is outside/.test(e.message),
  );
});

Deno.test("byte tokenizer saved as HF files: AutoTokenizer encodes and decodes identically", async () => {
  const dir = await tmpDir();
  await saveByteBpeTokenizer(dir, BYTE_TOKENIZER_SPEC);
  const hf = await loadTokenizer(dir), mine = byteTokenizer();
  assert.equal(hf.vocabSize, 258);
  assert.deepEqual(hf.eosTokenIds, [256]);
  assert.equal(hf.padTokenId, 257);
  assert.equal(hf.applyChatTemplate, undefined);
  for (const text of [CORPUS, ...HELD_OUT]) {
    const ids = mine.encode(text);
    assert.deepEqual(hf.encode(text), ids);
    assert.equal(hf.decode(ids), text);
    assert.equal(
      hf.decode(ids, { skipSpecialTokens: true }),
      mine.decode(ids, { skipSpecialTokens: true }),
    );
  }
  await Deno.remove(dir, { recursive: true });
});

Deno.test("BPE trainer: hand-computed merges and tie-breaking", () => {
  // "abab abab": (a,b) occurs 4 times -> id 258; then (ab,ab) twice -> 259; (Ġ,abab) once: stop.
  const spec = trainByteBpe("abab abab", { vocabSize: 300 });
  assert.deepEqual(spec.merges, [[97, 98], [258, 258]]);
  const tok = byteBpeTokenizer(spec);
  assert.deepEqual(tok.encode("abab abab ab"), [259, 32, 259, 32, 258]);
  // "ab cd ab cd": (Ġ,c), (a,b), (c,d) all occur twice; smaller left id wins: (32, 99) first.
  const tie = trainByteBpe("ab cd ab cd", { vocabSize: 259, minFrequency: 1 });
  assert.deepEqual(tie.merges, [[32, 99]]);
  assert.throws(
    () => trainByteBpe("x", { vocabSize: 100 }),
    /vocabSize must be an integer in \[258, 1000000\]/,
  );
});

Deno.test("BPE trainer: deterministic, compresses, and AutoTokenizer agrees exactly", async () => {
  assert.ok(CORPUS.split(/\s+/).length > 300);
  const frequent = trainByteBpe(CORPUS, { vocabSize: 2048 }); // stops when no pair occurs twice
  assert.ok(frequent.merges.length < 2048 - 258);
  const spec = trainByteBpe(CORPUS, { vocabSize: 700, minFrequency: 1 });
  assert.deepEqual(
    trainByteBpe(CORPUS, { vocabSize: 700, minFrequency: 1 }),
    spec,
  );
  const mine = byteBpeTokenizer(spec);
  assert.equal(mine.vocabSize, 700);
  const bytes = new TextEncoder().encode(CORPUS).length;
  const n = mine.encode(CORPUS).length;
  assert.ok(bytes / n > 2, `${bytes} bytes -> ${n} tokens`);
  const { tokenizer } = byteBpeToHf(spec) as {
    tokenizer: { model: { merges: string[]; vocab: object } };
  };
  assert.equal(tokenizer.model.merges.length, spec.merges.length);
  assert.equal(Object.keys(tokenizer.model.vocab).length, mine.vocabSize);
  const dir = await tmpDir();
  await saveByteBpeTokenizer(dir, spec);
  const hf = await loadTokenizer(dir);
  assert.equal(hf.vocabSize, mine.vocabSize);
  for (const text of [CORPUS, ...CORPUS.split("\n"), ...HELD_OUT]) {
    const ids = mine.encode(text);
    assert.deepEqual(
      hf.encode(text),
      ids,
      `encode differs on ${JSON.stringify(text)}`,
    );
    assert.equal(hf.decode(ids), text);
    assert.equal(mine.decode(ids), text);
  }
  await Deno.remove(dir, { recursive: true });
});

Deno.test("merges whose result already exists reuse its id, in HF files too", async () => {
  // "bc" = 256, "ab" = 257, "abc" = 258 via (a, bc); (ab, c) gives "abc" again: id 258.
  const spec = {
    specialTokens: [],
    merges: [[98, 99], [97, 98], [97, 256], [257, 99]] as Array<
      [number, number]
    >,
  };
  const mine = byteBpeTokenizer(spec);
  assert.equal(mine.vocabSize, 259);
  assert.deepEqual(mine.encode("abc ab bcd"), [258, 32, 257, 32, 256, 100]);
  const dir = await tmpDir();
  await saveByteBpeTokenizer(dir, spec);
  const hf = await loadTokenizer(dir);
  assert.equal(hf.vocabSize, 259);
  assert.deepEqual(hf.encode("abc ab bcd"), [258, 32, 257, 32, 256, 100]);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("chat template from tokenizer_config.json becomes applyChatTemplate", async () => {
  const dir = await tmpDir();
  await saveByteBpeTokenizer(dir, BYTE_TOKENIZER_SPEC);
  const config = JSON.parse(
    await Deno.readTextFile(`${dir}/tokenizer_config.json`),
  );
  config.chat_template = "{% for m in messages %}<{{ m.role }}>{{ m.content }}\n{% endfor %}" +
    "{% if add_generation_prompt %}<assistant>{% endif %}";
  await Deno.writeTextFile(
    `${dir}/tokenizer_config.json`,
    JSON.stringify(config),
  );
  await Deno.writeTextFile(
    `${dir}/generation_config.json`,
    JSON.stringify({ eos_token_id: [256, 10] }),
  );
  const tok = await loadTokenizer(dir);
  assert.equal(
    tok.applyChatTemplate!([{ role: "system", content: "Be brief." }, {
      role: "user",
      content: "2+2?",
    }]),
    "<system>Be brief.\n<user>2+2?\n<assistant>",
  );
  assert.deepEqual(tok.eosTokenIds, [256, 10]); // tokenizer EOS + generation_config's
  await Deno.remove(dir, { recursive: true });
});

Deno.test("checkVocab and loadTokenizer errors are UserErrors naming the folder", async () => {
  const tok = byteTokenizer();
  const cfg = (vocab: number) =>
    parseHfConfig({
      model_type: "gpt2",
      vocab_size: vocab,
      n_embd: 8,
      n_layer: 1,
      n_head: 2,
      n_positions: 16,
    }, "c");
  checkVocab(tok, cfg(258), "models/toy");
  checkVocab(tok, cfg(320), "models/toy");
  assert.throws(() => checkVocab(tok, cfg(256), "models/toy"), (e: Error) => {
    assert.ok(e instanceof UserError);
    assert.equal(
      e.message,
      "models/toy/tokenizer.json: tokenizer vocabulary (258 ids) exceeds vocab_size 256 in models/toy/config.json",
    );
    return true;
  });
  const dir = await tmpDir();
  await assert.rejects(loadTokenizer(dir), (e: Error) => {
    assert.ok(e instanceof UserError);
    assert.equal(
      e.message,
      `${dir}: no tokenizer.json (a tokenizer folder needs tokenizer.json and tokenizer_config.json)`,
    );
    return true;
  });
  await Deno.remove(dir, { recursive: true });
});
