import assert from "node:assert/strict";
import {
  configToJson,
  DEFAULT_CONFIG,
  describeConfig,
  loadConfig,
  RESUME_SAFE_KEYS,
  resumeConflicts,
  runPaths,
  type TrainerConfig,
  validateConfig,
} from "../lib/rl/config.ts";
import { SCHEMA, type Spec, typeText } from "../lib/rl/config_schema.ts";
import { UserError } from "../lib/util/errors.ts";

/** The message of the UserError thrown by `f`. */
function errorOf(f: () => unknown): string {
  try {
    f();
  } catch (err) {
    assert.ok(err instanceof UserError, `expected a UserError, got ${err}`);
    return err.message;
  }
  throw new Error("expected a UserError, nothing was thrown");
}

Deno.test("defaults: an empty object gives DEFAULT_CONFIG, with the documented values", () => {
  const cfg = validateConfig({}, "inline");
  assert.deepEqual(cfg, DEFAULT_CONFIG);
  assert.equal(cfg.algorithm, "magrpo");
  assert.equal(cfg.model, "data/default-model");
  assert.equal(cfg.agents, 2);
  assert.equal(cfg.groupSize, 4);
  assert.equal(cfg.turns, 1);
  assert.equal(cfg.gamma, 0.9);
  assert.equal(cfg.earlyStopThreshold, null);
  assert.deepEqual(cfg.advantage, { baseline: "mean", normalize: false });
  assert.equal(cfg.aggregation, "sequence_sum");
  assert.deepEqual([cfg.clipEps, cfg.innerIterations, cfg.klBeta], [0, 1, 0]);
  assert.deepEqual(cfg.sampling, {
    maxNewTokens: 32,
    temperature: 1,
    topK: 0,
    topP: 1,
    stop: [],
    chatTemplate: false,
  });
  assert.deepEqual([cfg.earlyStopOn, cfg.updateSchedule], ["shaped", "group"]);
  assert.deepEqual([cfg.optimizer.weightDecay, cfg.optimizer.maxGradNorm], [0, 0]);
  assert.equal(cfg.eval.prompts, null);
  assert.equal(cfg.optimizer.lr, 1e-4);
  assert.equal(cfg.promptsPerStep, 1);
  assert.equal(cfg.seed, 0);
  assert.equal(cfg.log.dir, "runs/<name>");
  assert.ok(!("name" in cfg.log) && !("dataPath" in cfg.env) && !("maxRows" in cfg.env));
  // the defaults are frozen and the result is a fresh copy
  assert.throws(() => {
    (DEFAULT_CONFIG.optimizer as { lr: number }).lr = 1;
  }, TypeError);
  validateConfig({}, "inline").sampling.stop.push("\n");
  assert.deepEqual(DEFAULT_CONFIG.sampling.stop, []);
});

Deno.test("nested partial objects merge over the defaults", () => {
  const cfg = validateConfig(
    {
      optimizer: { lr: 3e-5 },
      env: { name: "coding", maxRows: 10 },
      rewardClamp: [-1, 1],
      earlyStopThreshold: 0.5,
      log: { name: "exp1", dataPath: undefined },
    },
    "inline",
  );
  assert.equal(cfg.optimizer.lr, 3e-5);
  assert.equal(cfg.optimizer.beta2, 0.999);
  assert.equal(cfg.optimizer.schedule, "constant");
  assert.deepEqual(cfg.env, {
    name: "coding",
    maxRows: 10,
    evalFraction: 0.2,
    sandboxUnsafe: false,
  });
  assert.deepEqual(cfg.rewardClamp, [-1, 1]);
  assert.equal(cfg.earlyStopThreshold, 0.5);
  assert.deepEqual(runPaths(cfg), { name: "exp1", dir: "runs/exp1" });
  assert.deepEqual(runPaths(DEFAULT_CONFIG), {
    name: "magrpo-toy-seed0",
    dir: "runs/magrpo-toy-seed0",
  });
  // optional keys may be null (= unset)
  assert.ok(!("maxRows" in validateConfig({ env: { maxRows: null } }, "x").env));
});

Deno.test("every problem is reported at once, with file, key path, expectation and value", () => {
  const msg = errorOf(() =>
    validateConfig(
      {
        groupSize: 0,
        gamma: 1.5,
        agents: 2.5,
        algorithm: "mappo",
        optimizer: { lrr: 0.1, beta1: 1 },
        sampling: { topP: 0, stop: "END" },
        advantage: { normalize: "yes" },
        rewardClamp: [1, -1],
        eval: 3,
      },
      "configs/bad.json",
    )
  );
  const lines = msg.split("\n");
  assert.equal(lines[0], "configs/bad.json: invalid trainer config (11 problems):");
  const expectedLines = [
    'optimizer.lrr: unknown key (did you mean "optimizer.lr"?)',
    'algorithm: expected one of "magrpo" | "grpo_single" | "independent" | "critic", got "mappo"',
    "agents: expected an integer ≥ 1, got 2.5",
    `groupSize: expected an ${typeText(SCHEMA.groupSize)}, got 0`,
    "gamma: expected a number in [0, 1], got 1.5",
    'advantage.normalize: expected a boolean, got "yes"',
    "sampling.topP: expected a number in (0, 1], got 0",
    'sampling.stop: expected a string[], got "END"',
    "optimizer.beta1: expected a number in [0, 1), got 1",
    "rewardClamp: expected min ≤ max, got [1,-1]",
    "eval: expected an object, got 3",
  ];
  for (const e of expectedLines) assert.ok(lines.includes(`  - ${e}`), `missing: ${e}\n${msg}`);
  assert.equal(lines.length, 1 + expectedLines.length);
});

Deno.test("unknown keys: suggestions by edit distance, case/underscore-insensitive, across levels", () => {
  const msg = errorOf(() =>
    validateConfig(
      {
        group_size: 8,
        lr: 1e-3,
        Seed: 1,
        sampling: { temprature: 0.7 },
        optimizer: { warmup: 10 },
        zzzzzz: 1,
      },
      "run.json",
    )
  );
  assert.match(msg, /- group_size: unknown key \(did you mean "groupSize"\?\)/);
  assert.match(msg, /- lr: unknown key \(did you mean "optimizer.lr"\?\)/);
  assert.match(msg, /- Seed: unknown key \(did you mean "seed"\?\)/);
  assert.match(msg, /- sampling.temprature: unknown key \(did you mean "sampling.temperature"\?\)/);
  assert.match(msg, /- optimizer.warmup: unknown key \(did you mean "optimizer.warmupSteps"\?\)/);
  assert.match(msg, /- zzzzzz: unknown key$/m);
  assert.match(msg, /\(6 problems\)/);
});

Deno.test("enum values list the allowed ones; non-objects and non-finite numbers are rejected", () => {
  assert.match(
    errorOf(() => validateConfig({ aggregation: "token_mean" }, "a.json")),
    /aggregation: expected one of "sequence_sum" \| "grpo" \| "bnpo" \| "dr_grpo" \| "dapo", got "token_mean"/,
  );
  assert.match(errorOf(() => validateConfig([1], "a.json")), /^a\.json: expected a JSON object/);
  assert.match(errorOf(() => validateConfig(null, "a.json")), /got null/);
  assert.match(
    errorOf(() => validateConfig({ klBeta: NaN }, "a.json")),
    /klBeta: expected a number ≥ 0, got NaN/,
  );
  assert.match(
    errorOf(() => validateConfig({ steps: Infinity }, "a.json")),
    /steps: expected an integer ≥ 1/,
  );
  assert.match(
    errorOf(() => validateConfig({ model: null }, "a.json")),
    /model: expected a string or string\[\], got null/,
  );
  assert.match(
    errorOf(() => validateConfig({ optimizer: { lr: 0 } }, "a.json")),
    /optimizer\.lr: expected a number > 0, got 0/,
  );
});

Deno.test("configToJson: stable key order and round trip", () => {
  const cfg: TrainerConfig = validateConfig(
    { seed: 7, env: { maxRows: 3, name: "tldr" }, log: { name: "n" }, groupSize: 2 },
    "inline",
  );
  const json = configToJson(cfg);
  assert.deepEqual(Object.keys(json).slice(0, 5), ["algorithm", "env", "model", "agents", "ep"]);
  assert.deepEqual(Object.keys(json), Object.keys(SCHEMA));
  assert.deepEqual(Object.keys(json.env as object), [
    "name",
    "maxRows",
    "evalFraction",
    "sandboxUnsafe",
  ]);
  assert.deepEqual(Object.keys(json).at(-1), "checkpoint");
  const text = JSON.stringify(json);
  assert.deepEqual(validateConfig(JSON.parse(text), "round-trip"), cfg);
  // same config, keys given in another order → the same JSON text
  const shuffled = validateConfig(
    { groupSize: 2, log: { name: "n" }, env: { name: "tldr", maxRows: 3 }, seed: 7 },
    "inline",
  );
  assert.equal(JSON.stringify(configToJson(shuffled)), text);
});

Deno.test("describeConfig: one Markdown row per leaf key with type, default and meaning", () => {
  const md = describeConfig();
  const rows = md.split("\n");
  assert.equal(rows[0], "| key | type | default | meaning |");
  const countLeaves = (o: object): number =>
    Object.values(o).reduce(
      (n, v) => n + (v && typeof v === "object" && !Array.isArray(v) ? countLeaves(v) : 1),
      0,
    );
  // optional keys without a default (env.dataPath, env.maxRows, log.name, …) are not in
  // DEFAULT_CONFIG but have a row
  const unset = (fields: Record<string, Spec>): number =>
    Object.values(fields).reduce(
      (n, f) => n + (f.kind === "object" ? unset(f.fields) : f.default === undefined ? 1 : 0),
      0,
    );
  assert.ok(unset(SCHEMA) >= 6);
  assert.equal(rows.length - 2, countLeaves(DEFAULT_CONFIG) + unset(SCHEMA));
  assert.ok(rows.some((r) => r.startsWith("| `groupSize` | integer ")));
  assert.ok(
    rows.some((r) => r.startsWith('| `updateSchedule` | "group" \\| "joint" | `"group"` |')),
  );
  assert.ok(
    rows.some((r) => r.startsWith('| `jointMode` | "aligned" \\| "cross" | `"aligned"` |')),
  );
  assert.ok(rows.some((r) => r.startsWith("| `env.maxRows` | integer ≥ 1 (optional) | (unset) |")));
  assert.ok(rows.some((r) => r.startsWith("| `optimizer.lr` | number > 0 | `0.0001` |")));
  assert.ok(rows.some((r) => r.startsWith("| `rewardClamp` | [min, max] or null | `null` |")));
});

Deno.test("loadConfig: reads a file; missing file and bad JSON name the file", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const good = `${dir}/good.json`;
    await Deno.writeTextFile(good, JSON.stringify({ steps: 5, sampling: { topK: 20 } }));
    const cfg = await loadConfig(good);
    assert.deepEqual([cfg.steps, cfg.sampling.topK, cfg.sampling.topP], [5, 20, 1]);
    const bad = `${dir}/bad.json`;
    await Deno.writeTextFile(bad, '{"steps": 5,');
    await assert.rejects(
      () => loadConfig(bad),
      (e: Error) => e instanceof UserError && e.message.startsWith(`${bad}: invalid JSON`),
    );
    await assert.rejects(
      () => loadConfig(`${dir}/none.json`),
      /none\.json: cannot read config \(file not found\)/,
    );
    const wrong = `${dir}/wrong.json`;
    await Deno.writeTextFile(wrong, JSON.stringify({ steps: 0 }));
    await assert.rejects(
      () => loadConfig(wrong),
      new RegExp(`${wrong}: invalid trainer config \\(1 problem\\):\\n  - steps`),
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("settings the trainer cannot run together are rejected at load time", () => {
  for (const algorithm of ["critic", "independent", "grpo_single"]) {
    assert.equal(
      errorOf(() => validateConfig({ algorithm, jointMode: "cross" }, "run.json")),
      `run.json: invalid trainer config (1 problem):\n  - jointMode: "cross" applies to ` +
        `algorithm "magrpo" only; "${algorithm}" samples aligned groups (use jointMode "aligned")`,
    );
  }
  assert.equal(
    errorOf(() => validateConfig({ algorithm: "independent", turns: 2 }, "run.json")),
    `run.json: invalid trainer config (1 problem):\n  - turns: algorithm "independent" ` +
      `is single-turn (turns = 1), got 2`,
  );
  // single-agent GRPO may be multi-turn (through the environment's singleTransition)
  assert.equal(validateConfig({ algorithm: "grpo_single", turns: 2 }, "x").turns, 2);
  assert.equal(
    errorOf(() => validateConfig({ jointMode: "cross", turns: 3 }, "run.json")),
    `run.json: invalid trainer config (1 problem):\n  - jointMode: "cross" needs turns = 1 ` +
      `(multi-turn trees use aligned joint actions), got turns 3`,
  );
  // allowed: MAGRPO cross single-turn, critic multi-turn
  assert.equal(validateConfig({ jointMode: "cross" }, "x").jointMode, "cross");
  assert.equal(validateConfig({ algorithm: "critic", turns: 2 }, "x").turns, 2);
  // key problems are reported first (combination checks need valid keys)
  assert.equal(
    errorOf(() => validateConfig({ algorithm: "critic", jointMode: "cross", turns: 0 }, "x")),
    "x: invalid trainer config (1 problem):\n  - turns: expected an integer ≥ 1, got 0",
  );
});

Deno.test("resumeConflicts: differing keys except the resume-safe ones", () => {
  for (const k of ["steps", "ep", "eval.*", "checkpoint.*", "log.*"]) {
    assert.ok(RESUME_SAFE_KEYS.includes(k), k);
  }
  const saved = configToJson(validateConfig({ seed: 1, optimizer: { lr: 1e-3 } }, "x"));
  const now = validateConfig({
    seed: 2,
    optimizer: { lr: 1e-3, schedule: "cosine" },
    env: { maxRows: 5 },
    steps: 7,
    ep: "cuda",
    eval: { every: 3 },
    checkpoint: { keep: 9 },
    log: { name: "other" },
  }, "x");
  assert.deepEqual(resumeConflicts(saved, now), [
    "env.maxRows: (unset) → 5",
    'optimizer.schedule: "constant" → "cosine"',
    "seed: 1 → 2",
  ]);
  assert.deepEqual(resumeConflicts(JSON.parse(JSON.stringify(now)), now), []);
});
