// Guards on prompt length: a prompt (plus the completion budget) longer than the model's
// positions is refused for every architecture, a 10 MB prompt is refused without tokenizing it
// all, and the trainer names the example.
import assert from "node:assert/strict";
import { loadPolicy, savePolicy } from "../lib/policy/load.ts";
import { encodePrompt, PromptTooLongError, sampleTokens } from "../lib/policy/sample.ts";
import { validateConfig } from "../lib/rl/config.ts";
import { train } from "../lib/rl/trainer.ts";
import { UserError } from "../lib/util/errors.ts";
import { randomPolicy, tinyLlamaConfig } from "./fixtures.ts";

const CFG = tinyLlamaConfig(); // llama (RoPE), 256 positions, byte tokenizer

Deno.test("a RoPE model refuses prompt + maxNewTokens beyond its positions", async () => {
  const p = randomPolicy(CFG, 1);
  const ids = Array.from({ length: 250 }, (_, i) => 65 + (i % 26));
  await assert.rejects(
    () => sampleTokens(p, [ids], { maxNewTokens: 8 }),
    (e: Error) => {
      assert.ok(e instanceof PromptTooLongError && e instanceof UserError);
      assert.equal(
        e.message,
        "sample: prompt (250 tokens) + maxNewTokens (8) = 258 exceeds the model's 256 " +
          "positions (max_position_embeddings in config.json)",
      );
      return true;
    },
  );
  const ok = await sampleTokens(p, [ids], { maxNewTokens: 6 }); // 256: the limit itself fits
  assert.equal(ok.length, 1);
});

Deno.test("a 10 MB prompt is refused from its first characters, quickly", () => {
  const p = randomPolicy(CFG, 1);
  const text = "a".repeat(10_000_000);
  const t0 = performance.now();
  assert.throws(() => encodePrompt(p, text), (e: Error) => {
    assert.ok(e instanceof PromptTooLongError);
    assert.equal(
      e.message,
      "sample: prompt of 10000000 characters does not fit the model's 256 positions " +
        "(max_position_embeddings in config.json): its first 4096 characters are already " +
        "256 or more tokens",
    );
    return true;
  });
  assert.ok(performance.now() - t0 < 2000, "refused without tokenizing 10 MB");
  assert.equal(encodePrompt(p, "a".repeat(200)).length, 200); // short prompts are unchanged
});

/** A tldr data file: row 0 is short (held out for eval), row 1 has `prompt` as its post. */
async function trainOnPrompt(prompt: string): Promise<string> {
  const root = await Deno.makeTempDir();
  await savePolicy(randomPolicy(CFG, 3, 0.2), `${root}/model`);
  const rows = [
    { prompt: "POST: hi", completion: " hi" },
    { prompt, completion: " tl;dr" },
  ];
  await Deno.writeTextFile(`${root}/posts.jsonl`, rows.map((r) => JSON.stringify(r)).join("\n"));
  const cfg = validateConfig({
    env: { name: "tldr", dataPath: root, trainSlice: "1:2", evalSlice: "0:1" },
    model: `${root}/model`,
    groupSize: 2,
    steps: 1,
    sampling: { maxNewTokens: 8 },
    log: { dir: `${root}/run` },
  }, "test");
  let message = "";
  await assert.rejects(() => train(cfg, { quiet: true }), (e: Error) => {
    assert.ok(e instanceof UserError, `expected a UserError, got ${e?.constructor?.name}: ${e}`);
    message = e.message;
    return true;
  });
  await Deno.remove(root, { recursive: true });
  return message;
}

Deno.test("the trainer names the example whose prompt does not fit the model", async () => {
  const ex = `example {"prompt":"${"x".repeat(60)}`;
  const long = await trainOnPrompt("x".repeat(300));
  assert.match(
    long,
    /^example \{"prompt":"x{60}.*\.\.\.: prompt \(\d+ tokens\) \+ maxNewTokens \(8\) = \d+ exceeds the model's 256 positions \(max_position_embeddings in config\.json\); shorten the prompt \(or drop the example\), lower sampling\.maxNewTokens, or use a model with more positions$/,
  );
  assert.ok(long.startsWith(ex));
  const huge = await trainOnPrompt("x".repeat(10_000_000));
  assert.match(
    huge,
    /^example \{"prompt":"x{60}.*\.\.\.: prompt of \d+ characters does not fit the model's 256 positions \(max_position_embeddings in config\.json\): its first 4096 characters are already 256 or more tokens; shorten the prompt/,
  );
  assert.ok(huge.length < 600, "the 10 MB prompt is not copied into the message");
});

Deno.test("the shipped default model still samples its own prompts", async () => {
  const p = await loadPolicy("data/default-model");
  const [c] = await sampleTokens(p, [encodePrompt(p, "Once upon a time")], {
    maxNewTokens: 4,
    seed: 1,
  });
  assert.ok(c.ids.length >= 1);
});
