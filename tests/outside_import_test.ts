// The library from outside its folder: a script in a temporary folder (no deno.json of ours
// anywhere above it) imports mod.ts, or a sub-entry, by absolute path and runs with a plain
// `deno run -A script.ts`. The npm packages come from inline `npm:name@version` specifiers in
// lib/ (Deno's global cache when no config is found), so no import map is needed.
import assert from "node:assert/strict";

const ROOT = new URL("../", import.meta.url).pathname;

/** Writes `code` to a fresh temporary folder as x.ts and runs it there with plain deno run. */
async function runOutside(
  code: string,
  perms: string[] = ["-A"],
): Promise<{ code: number; stdout: string; stderr: string }> {
  const dir = await Deno.makeTempDir({ prefix: "magrpo_outside_" });
  try {
    await Deno.writeTextFile(`${dir}/x.ts`, code);
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", ...perms, "x.ts"],
      cwd: dir,
      env: { NO_COLOR: "1" },
      stdout: "piped",
      stderr: "piped",
    }).output();
    const dec = new TextDecoder();
    return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("outside the repository: mod.ts and a sub-entry import by absolute path", async () => {
  const r = await runOutside(`
import * as m from "${ROOT}mod.ts";
import { rougeN } from "${ROOT}lib/metrics/mod.ts";
console.log(JSON.stringify({
  adv: m.groupAdvantages([1, 3]),
  rouge: rougeN("the cat sat", "the cat sat", 1).fmeasure,
}));
`);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout.trim().split("\n").at(-1)!), { adv: [-1, 1], rouge: 1 });
});

Deno.test("outside the repository: load the default model and sample (onnxruntime)", async () => {
  const r = await runOutside(`
import * as m from "${ROOT}mod.ts";
const policy = await m.loadPolicy("${ROOT}data/default-model");
const [c] = await m.sampleTexts(policy, ["The fox"], { maxNewTokens: 4, seed: 0 });
console.log(JSON.stringify({ vocab: policy.cfg.vocabSize, tokens: c.ids.length }));
`);
  assert.equal(r.code, 0, r.stderr);
  const got = JSON.parse(r.stdout.trim().split("\n").at(-1)!);
  assert.ok(got.vocab > 0 && got.tokens >= 1 && got.tokens <= 4, JSON.stringify(got));
});

Deno.test("importing mod.ts needs no permissions (no work at import time)", async () => {
  // onnxruntime's native binding and transformers.js (which loads sharp) load on first use.
  const r = await runOutside(
    `
import * as m from "${ROOT}mod.ts";
console.log(JSON.stringify(m.groupAdvantages([1, 2, 3])));
`,
    [],
  );
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout.trim().split("\n").at(-1)!), [-1, 0, 1]);
});
