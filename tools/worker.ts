/**
 * A worker of distributed training runs (Redis + BullMQ):
 *
 * ```sh
 * deno task worker --redis redis://10.0.0.5:6379 --role rollout|reward [--concurrency N]
 *                  [--queue magrpo] [--lock-ms 30000] [--env-module FILE.ts]
 * ```
 *
 * `rollout` workers sample completions with the trainer's published policies; `reward` workers
 * score joint actions (e.g. run programs in the sandbox). Start as many as you like, on any
 * machine that reaches Redis and has the repository, the model folders and the data at the same
 * paths. It runs until stopped (Ctrl-C / SIGTERM finish the jobs in hand first).
 *
 * @module
 */
import { parseArgs } from "node:util";
import { startWorker } from "../lib/dist/worker.ts";
import { runCli, UserError } from "../lib/util/errors.ts";

const USAGE = `usage: deno task worker --redis URL --role rollout|reward [--concurrency N]
                        [--queue PREFIX] [--lock-ms MS] [--env-module FILE.ts]`;

const positive = (v: string | undefined, flag: string, dflt: number): number => {
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) {
    throw new UserError(`${flag} must be a positive integer, got '${v}'`);
  }
  return n;
};

await runCli(async () => {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      redis: { type: "string" },
      role: { type: "string" },
      concurrency: { type: "string" },
      queue: { type: "string", default: "magrpo" },
      "lock-ms": { type: "string" },
      "env-module": { type: "string" },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help) return console.log(USAGE);
  if (!values.redis) throw new UserError(`--redis is required\n${USAGE}`);
  if (values.role !== "rollout" && values.role !== "reward") {
    throw new UserError(`--role must be rollout or reward, got '${values.role ?? ""}'\n${USAGE}`);
  }
  const role = values.role, concurrency = positive(values.concurrency, "--concurrency", 1);
  const worker = await startWorker({
    redis: values.redis,
    role,
    concurrency,
    queue: values.queue,
    lockMs: positive(values["lock-ms"], "--lock-ms", 30_000),
    envModule: values["env-module"],
  });
  console.log(
    `${role} worker ready: ${values.redis} queue ${values.queue}-${role}, concurrency ${concurrency}`,
  );
  const stop = () => worker.close().then(() => Deno.exit(0));
  Deno.addSignalListener("SIGINT", stop);
  Deno.addSignalListener("SIGTERM", stop);
  await new Promise(() => {}); // until a signal
});
