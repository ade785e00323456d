import assert from "node:assert/strict";
import { DEFAULT_CONFIG, loadConfig, validateConfig } from "../lib/rl/config.ts";
import { applyOverrides } from "../lib/rl/config_overrides.ts";
import { configJsonSchema } from "../lib/rl/config_json_schema.ts";
import { leafPaths, SCHEMA } from "../lib/rl/config_schema.ts";
import { UserError } from "../lib/util/errors.ts";

const tmp = () => Deno.makeTempDir({ prefix: "cfg-yaml-" });

Deno.test("YAML config: same config as its JSON twin; $schema ignored; paths from its folder", async () => {
  const json = await loadConfig("data/configs/toy_magrpo.json");
  const yaml = await loadConfig("data/configs/toy_magrpo.yaml");
  assert.deepEqual(yaml, json);
  assert.equal(yaml.model, "data/default-model"); // "../default-model" from data/configs/
  assert.equal(yaml.optimizer.lr, 3e-4);
  assert.equal(yaml.groupSize, 8);
  const dir = await tmp();
  try {
    await Deno.mkdir(`${dir}/cfg`);
    await Deno.writeTextFile(
      `${dir}/cfg/run.yml`,
      [
        `$schema: ../magrpo.schema.json`,
        `model: ../models/tiny`,
        `env: { name: toy, dataPath: rows.jsonl, evalDataPath: /abs/eval.jsonl }`,
        `log: { dir: out/<name> }`,
        `sampling: { stop: ["\\n", "."] }`,
        `rewardClamp: [-1, 1]`,
        `earlyStopThreshold: null`,
      ].join("\n"),
    );
    const cfg = await loadConfig(`${dir}/cfg/run.yml`);
    assert.equal(cfg.model, `${dir}/models/tiny`);
    assert.equal(cfg.env.dataPath, `${dir}/cfg/rows.jsonl`);
    assert.equal(cfg.env.evalDataPath, "/abs/eval.jsonl");
    assert.equal(cfg.log.dir, `${dir}/cfg/out/<name>`);
    assert.deepEqual(cfg.sampling.stop, ["\n", "."]);
    assert.deepEqual(cfg.rewardClamp, [-1, 1]);
    // a relative path to the file itself: the message shows the resolved path too
    await Deno.writeTextFile(`${dir}/cfg/bad.yaml`, "groupSize: 0\nsteps: [1\n");
    const rel = "../cfg/bad.yaml";
    const cwd = Deno.cwd();
    Deno.chdir(`${dir}/cfg`);
    try {
      await assert.rejects(() => loadConfig(rel), (e: Error) => {
        assert.ok(e instanceof UserError);
        assert.ok(e.message.startsWith(`${rel} (${dir}/cfg/bad.yaml): invalid YAML`), e.message);
        return true;
      });
      await assert.rejects(
        () => loadConfig("none.yaml"),
        /none\.yaml \(.*\/cfg\/none\.yaml\): cannot read config \(file not found\)/,
      );
    } finally {
      Deno.chdir(cwd);
    }
    await Deno.writeTextFile(`${dir}/cfg/wrong.yaml`, "groupSize: 0\noptimzer: {lr: 1}\n");
    await assert.rejects(() => loadConfig(`${dir}/cfg/wrong.yaml`), (e: Error) => {
      assert.match(e.message, /wrong\.yaml: invalid trainer config \(2 problems\)/);
      assert.match(e.message, /optimzer: unknown key \(did you mean "optimizer"\?\)/);
      return true;
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("--set overrides: typed by the schema, applied over the file, unknown keys named", async () => {
  const o = applyOverrides({ steps: 100, sampling: { maxNewTokens: 40 } }, [
    "steps=10",
    "sampling.temperature=0.7",
    "advantage.normalize=true",
    "earlyStopThreshold=null",
    "sampling.stop=a,b",
    'sampling.stop=["\\n"]',
    "rewardClamp=[-2, 3]",
    "log.name=x=y",
    "env.name=coding",
  ]);
  assert.deepEqual(o, {
    steps: 10,
    sampling: { maxNewTokens: 40, temperature: 0.7, stop: ["\n"] },
    advantage: { normalize: true },
    earlyStopThreshold: null,
    rewardClamp: [-2, 3],
    log: { name: "x=y" },
    env: { name: "coding" },
  });
  const cfg = validateConfig(o, "inline");
  assert.equal(cfg.sampling.temperature, 0.7);
  assert.equal(cfg.steps, 10);
  assert.throws(
    () => applyOverrides({}, ["sampling.temprature=1", "stepz=3", "optimizer=1", "lr"]),
    (e: Error) => {
      assert.ok(e instanceof UserError);
      const lines = e.message.split("\n");
      assert.equal(lines.length, 4);
      assert.match(
        lines[0],
        /--set sampling\.temprature: unknown key \(did you mean "sampling\.temperature"\?\)/,
      );
      assert.match(lines[1], /--set stepz: unknown key \(did you mean "steps"\?\)/);
      assert.match(
        lines[2],
        /--set optimizer: optimizer is a group of keys; set one of its keys, e\.g\. optimizer\.lr=/,
      );
      assert.match(lines[3], /--set lr: expected key=value/);
      return true;
    },
  );
  // a value of the wrong type is left for the validator, which names the key
  assert.throws(
    () => validateConfig(applyOverrides({}, ["steps=ten"]), "--set"),
    /steps: expected an integer ≥ 1, got "ten"/,
  );
  const dir = await tmp();
  try {
    await Deno.writeTextFile(`${dir}/c.json`, JSON.stringify({ steps: 5, model: "m" }));
    const c = await loadConfig(`${dir}/c.json`, { set: ["steps=7", "model=other/m"] });
    assert.equal(c.steps, 7);
    assert.equal(c.model, "other/m"); // command-line paths stay as given (the working directory's)
    await assert.rejects(
      () => loadConfig(`${dir}/c.json`, { set: ["stepps=1"] }),
      new RegExp(`${dir}/c\\.json: --set stepps: unknown key \\(did you mean "steps"\\?\\)`),
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("JSON Schema: every key with its type, default and meaning; draft 2020-12", () => {
  const s = configJsonSchema();
  assert.equal(s.$schema, "https://json-schema.org/draft/2020-12/schema");
  const paths: string[] = [];
  const walk = (o: Record<string, unknown>, prefix: string) => {
    for (const [k, v] of Object.entries(o.properties as Record<string, Record<string, unknown>>)) {
      if (k === "$schema") continue;
      if (v.type === "object") {
        assert.equal(v.additionalProperties, false);
        walk(v, `${prefix}${k}.`);
      } else {
        paths.push(`${prefix}${k}`);
        assert.equal(typeof v.description, "string", k);
      }
    }
  };
  walk(s, "");
  assert.deepEqual(paths, leafPaths(SCHEMA));
  const p = s.properties as Record<string, Record<string, unknown>>;
  assert.deepEqual(p.groupSize, {
    type: "integer",
    minimum: 1,
    maximum: 1024,
    default: 4,
    description: SCHEMA.groupSize.doc,
  });
  assert.deepEqual(p.algorithm.enum, ["magrpo", "grpo_single", "independent", "critic"]);
  assert.deepEqual(p.earlyStopThreshold.type, ["number", "null"]);
  const opt = p.optimizer.properties as Record<string, Record<string, unknown>>;
  assert.deepEqual([opt.lr.exclusiveMinimum, opt.beta1.exclusiveMaximum], [0, 1]);
  // the defaults in the schema are the validator's defaults
  const defaults = (o: Record<string, unknown>): Record<string, unknown> =>
    Object.fromEntries(
      Object.entries(o.properties as Record<string, Record<string, unknown>>)
        .filter(([k, v]) => k !== "$schema" && (v.type === "object" || v.default !== undefined))
        .map(([k, v]) => [k, v.type === "object" ? defaults(v) : v.default]),
    );
  assert.deepEqual(validateConfig(defaults(s), "schema defaults"), DEFAULT_CONFIG);
  // a config pointing $schema at it validates
  assert.equal(validateConfig({ $schema: "./magrpo.schema.json", steps: 3 }, "x").steps, 3);
});
