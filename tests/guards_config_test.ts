// Guards at configuration and run-folder time: upper bounds of groupSize, maxNewTokens and
// innerIterations; maxNewTokens against the model's positions; a log.dir that is a file or
// cannot be written. Each ends in one clear UserError (the CLI prints one line, no stack).
import assert from "node:assert/strict";
import { DEFAULT_CONFIG, type TrainerConfig, validateConfig } from "../lib/rl/config.ts";
import { train } from "../lib/rl/trainer.ts";
import { ensureWritableRunDir } from "../lib/rl/run_folder.ts";
import { UserError } from "../lib/util/errors.ts";
import { tinyModelFolder } from "./fixtures.ts";

function config(root: string, extra: Record<string, unknown> = {}): TrainerConfig {
  return validateConfig({
    model: `${root}/model`,
    groupSize: 2,
    steps: 1,
    sampling: { maxNewTokens: 4 },
    log: { dir: `${root}/run` },
    ...extra,
  }, "test");
}

function userError(message: string | RegExp) {
  return (e: Error) => {
    assert.ok(e instanceof UserError, `expected a UserError, got ${e?.constructor?.name}: ${e}`);
    if (typeof message === "string") assert.equal(e.message, message);
    else assert.match(e.message, message);
    return true;
  };
}

Deno.test("groupSize, sampling.maxNewTokens and innerIterations have upper bounds", () => {
  const cases: [Record<string, unknown>, string][] = [
    [{ groupSize: 1e9 }, "groupSize: expected an integer in [1, 1024], got 1000000000"],
    [
      { sampling: { maxNewTokens: 1e9 } },
      "sampling.maxNewTokens: expected an integer in [1, 131072], got 1000000000",
    ],
    [{ innerIterations: 1e9 }, "innerIterations: expected an integer in [1, 100], got 1000000000"],
    [{ rewardTimeoutMs: 0 }, "rewardTimeoutMs: expected an integer ≥ 1, got 0"],
  ];
  for (const [json, problem] of cases) {
    assert.throws(
      () => validateConfig(json, "run.json"),
      userError(`run.json: invalid trainer config (1 problem):\n  - ${problem}`),
    );
  }
  // The bounds themselves are accepted.
  const ok = validateConfig(
    { groupSize: 1024, innerIterations: 100, sampling: { maxNewTokens: 131072 } },
    "run.json",
  );
  assert.equal(ok.groupSize, 1024);
  assert.equal(DEFAULT_CONFIG.rewardTimeoutMs, 600000);
});

Deno.test("maxNewTokens that leaves no room for a prompt in the model's positions is refused at start", async () => {
  const root = await tinyModelFolder();
  await assert.rejects(
    () => train(config(root, { sampling: { maxNewTokens: 256 } }), { quiet: true }),
    userError(
      `sampling.maxNewTokens is 256 but the model ${root}/model has 256 positions ` +
        `(max_position_embeddings in config.json), which must hold the prompt and the ` +
        `completion; lower sampling.maxNewTokens below 256`,
    ),
  );
  await Deno.remove(root, { recursive: true });
});

Deno.test("log.dir that is a file, under a file, or not writable is one clear error", async () => {
  const root = await tinyModelFolder();
  const file = `${root}/taken.txt`;
  await Deno.writeTextFile(file, "not a folder\n");
  await assert.rejects(
    () => train(config(root, { log: { dir: file } }), { quiet: true }),
    userError(
      `log.dir: the run folder ${file} is a file, not a folder; set log.dir to a folder path`,
    ),
  );
  assert.equal(await Deno.readTextFile(file), "not a folder\n");
  await assert.rejects(
    () => train(config(root, { log: { dir: `${file}/run` } }), { quiet: true }),
    userError(
      `log.dir: cannot create or write the run folder ${file}/run (a path component above ` +
        `it is a file); set log.dir to a writable folder`,
    ),
  );
  // Not writable: a read-only folder for an ordinary user; root writes anywhere, so there a
  // folder of sysfs (mkdir is refused there) stands in.
  let ro = `${root}/read-only`;
  if (Deno.uid() === 0) ro = "/sys/magrpo-guards-test";
  else {
    await Deno.mkdir(ro);
    await Deno.chmod(ro, 0o555);
  }
  await assert.rejects(
    () => ensureWritableRunDir(`${ro}/run`),
    userError(
      new RegExp(
        `^log\\.dir: cannot create or write the run folder ${ro}/run \\(.+\\); set log\\.dir ` +
          `to a writable folder$`,
      ),
    ),
  );
  if (Deno.uid() !== 0) await Deno.chmod(ro, 0o755);
  await Deno.remove(root, { recursive: true });
});

Deno.test("the train CLI prints a log.dir error as one line and exits 2, without a stack", async () => {
  const root = await tinyModelFolder();
  const file = `${root}/taken.txt`;
  await Deno.writeTextFile(file, "x");
  const json = `${root}/run.json`;
  await Deno.writeTextFile(
    json,
    JSON.stringify({ model: `${root}/model`, groupSize: 2, steps: 1, log: { dir: file } }),
  );
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", new URL("../tools/train.ts", import.meta.url).pathname, "--config", json],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stderr = new TextDecoder().decode(out.stderr).trim();
  assert.equal(out.code, 2);
  assert.equal(
    stderr,
    `error: log.dir: the run folder ${file} is a file, not a folder; set log.dir to a folder path`,
  );
  await Deno.remove(root, { recursive: true });
});
