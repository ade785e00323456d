// Distributed training on Redis + BullMQ, end to end with real processes: a redis-server on a
// free port in its own temporary folder, two rollout and two reward workers (`tools/worker.ts`)
// and the learner (`tools/train.ts`) as separate `deno` processes. Five steps of the toy task on
// the default model must end with final parameters bit-identical to a single-process run of the
// same config, also when a rollout worker is SIGKILLed while it holds a job; a reward that always
// throws fails the step after bounded retries with an error naming the example; an unreachable
// Redis is one clear error. Needs `redis-server` (tools/test.sh installs Debian's package).
import assert from "node:assert/strict";
import { Redis } from "npm:ioredis@5.11.1";
import { validateConfig } from "../lib/rl/config.ts";
import { trainDistributed } from "../lib/dist/train.ts";
import { poisonEnv } from "./dist_poison_env.ts";
import { freePort, startRedisServer } from "../lib/dist/server.ts";

const ROOT = new URL("..", import.meta.url).pathname;
const MODEL = `${ROOT}data/default-model`;
const delay = (ms: number) => new Promise((r) => setTimeout(r, ms));

function hasRedis(): boolean {
  try {
    return new Deno.Command("redis-server", { args: ["--version"], stdout: "null" }).outputSync()
      .success;
  } catch {
    return false;
  }
}

/** A `deno run -A` child whose output is collected; `ready(text)` waits for `text` in it. */
function spawnDeno(args: string[]) {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", ...args],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let out = "";
  const pump = async (s: ReadableStream<Uint8Array>) => {
    for await (const chunk of s.pipeThrough(new TextDecoderStream())) out += chunk;
  };
  const pumped = Promise.all([pump(child.stdout), pump(child.stderr)]);
  return {
    child,
    output: () => out,
    async ready(text: string, ms = 60_000) {
      for (const t0 = Date.now(); !out.includes(text); await delay(50)) {
        if (Date.now() - t0 > ms) throw new Error(`no '${text}' after ${ms} ms:\n${out}`);
      }
    },
    async done() {
      const status = await child.status;
      await pumped;
      return { code: status.code, out };
    },
  };
}

async function writeConfig(dir: string, name: string, extra: Record<string, unknown>) {
  const path = `${dir}/${name}.json`;
  const cfg = {
    steps: 5,
    model: MODEL,
    log: { dir: `${dir}/${name}`, tensorboard: false },
    checkpoint: { every: 0 },
    ...extra,
  };
  await Deno.writeTextFile(path, JSON.stringify(cfg));
  return path;
}

async function train(config: string) {
  const r = await spawnDeno(["tools/train.ts", "--config", config, "--fresh"]).done();
  assert.equal(r.code, 0, r.out);
  return r.out;
}

const agentFile = (dir: string, i: number) => Deno.readFile(`${dir}/agent-${i}/model.safetensors`);

async function assertSameAgents(dir: string, reference: string) {
  for (const i of [0, 1]) {
    const [a, b] = [await agentFile(dir, i), await agentFile(reference, i)];
    assert.equal(a.length, b.length);
    assert.ok(a.every((x, k) => x === b[k]), `agent ${i}: parameters differ from the local run`);
  }
}

Deno.test({
  name: "distributed training: bit-identical to local, survives a SIGKILLed worker, fails cleanly",
  ignore: !hasRedis(),
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const tmp = await Deno.makeTempDir({ prefix: "magrpo-dist-" });
    const redis = await startRedisServer();
    const workers = ["rollout", "rollout", "reward", "reward"].map((role) =>
      spawnDeno([
        "tools/worker.ts",
        ...["--redis", redis.url, "--role", role, "--lock-ms", "1500"],
        ...["--env-module", "tests/dist_poison_env.ts"],
      ])
    );
    const client = new Redis(redis.url);
    try {
      for (const w of workers) await w.ready("worker ready");
      const local = `${tmp}/local`;
      await train(await writeConfig(tmp, "local", {}));
      const initial = await Deno.readFile(`${MODEL}/model.safetensors`);
      assert.notEqual((await agentFile(local, 0)).length, 0);
      assert.ok(
        (await agentFile(local, 0)).length !== initial.length ||
          !(await agentFile(local, 0)).every((x, k) => x === initial[k]),
        "the local run changed the parameters",
      );

      await t.step("5 steps on 2 rollout + 2 reward workers: bit-identical", async () => {
        const out = await train(
          await writeConfig(tmp, "dist", { distributed: { redis: redis.url } }),
        );
        assert.match(out, /mean joint reward/);
        await assertSameAgents(`${tmp}/dist`, local);
        // the jobs did run on the workers: 5 steps × 2 agents rollout, 5 × G=4 reward jobs
        assert.equal(await client.zcard("bull:magrpo-rollout:completed"), 10);
        assert.equal(await client.zcard("bull:magrpo-reward:completed"), 20);
      });

      await t.step("a rollout worker SIGKILLed mid-job: retried, same parameters", async () => {
        const cfg = await writeConfig(tmp, "kill", { distributed: { redis: redis.url } });
        const learner = spawnDeno(["tools/train.ts", "--config", cfg, "--fresh"]);
        // kill when both rollout workers hold a job (each takes one at a time) after step 1
        const base = await client.zcard("bull:magrpo-rollout:completed");
        for (const t0 = Date.now(); Date.now() - t0 < 60_000; await delay(5)) {
          const done = await client.zcard("bull:magrpo-rollout:completed");
          if (done >= base + 2 && await client.llen("bull:magrpo-rollout:active") >= 2) break;
        }
        workers[0].child.kill("SIGKILL");
        const r = await learner.done();
        assert.equal(r.code, 0, r.out);
        await assertSameAgents(`${tmp}/kill`, local);
        const events = await client.xrange("bull:magrpo-rollout:events", "-", "+");
        assert.ok(events.some(([, f]) => f[1] === "stalled"), "the killed worker's job stalled");
      });

      await t.step("the learner SIGKILLed mid-run resumes from its checkpoint", async () => {
        const cfg = await writeConfig(tmp, "resume", {
          distributed: { redis: redis.url },
          checkpoint: { every: 2, keep: 1 },
        });
        const learner = spawnDeno(["tools/train.ts", "--config", cfg, "--fresh"]);
        const metrics = `${tmp}/resume/metrics.jsonl`;
        for (const t0 = Date.now(); Date.now() - t0 < 60_000; await delay(20)) {
          const lines = await Deno.readTextFile(metrics).catch(() => "");
          if (lines.split("\n").filter(Boolean).length >= 3) break; // step 3 under way
        }
        learner.child.kill("SIGKILL");
        await learner.done();
        const r = await spawnDeno(["tools/train.ts", "--config", cfg]).done();
        assert.equal(r.code, 0, r.out);
        assert.match(r.out, /resuming .* from step 2/);
        await assertSameAgents(`${tmp}/resume`, local);
      });

      await t.step("a reward that always throws fails the step, naming the example", async () => {
        const cfg = validateConfig({
          steps: 1,
          model: MODEL,
          log: { dir: `${tmp}/poison`, tensorboard: false },
          checkpoint: { every: 0 },
          distributed: { redis: redis.url, attempts: 3 },
        }, "test");
        const t0 = performance.now();
        await assert.rejects(
          trainDistributed(cfg, { environment: poisonEnv(), quiet: true }),
          /poisoned reward[\s\S]*on example .*topic/,
        );
        assert.ok(performance.now() - t0 < 60_000);
        const failed = await client.zrange("bull:magrpo-reward:failed", 0, -1);
        assert.ok(failed.length >= 1);
        const attempts = await client.hget(`bull:magrpo-reward:${failed[0]}`, "atm");
        assert.equal(attempts, "3"); // bounded: exactly distributed.attempts tries
      });

      await t.step("Redis unreachable: one clear error", async () => {
        const cfg = await writeConfig(tmp, "down", {
          distributed: { redis: `redis://127.0.0.1:${freePort()}` },
        });
        const r = await spawnDeno(["tools/train.ts", "--config", cfg, "--fresh"]).done();
        assert.equal(r.code, 2);
        const errors = r.out.split("\n").filter((l) => l.startsWith("error:"));
        assert.equal(errors.length, 1, r.out);
        assert.match(errors[0], /cannot reach Redis at redis:\/\/127\.0\.0\.1:\d+ .*ECONNREFUSED/);
      });
    } finally {
      client.disconnect();
      for (const w of workers) {
        try {
          w.child.kill("SIGTERM");
        } catch { /* already gone */ }
        await w.done();
      }
      await redis.stop();
      await Deno.remove(tmp, { recursive: true });
    }
  },
});
