/**
 * A throwaway `redis-server` for one machine ({@link startRedisServer}): a free port on
 * 127.0.0.1, its own temporary folder, no persistence. Tests and benchmarks use it; a
 * multi-machine run uses a Redis every machine reaches instead.
 *
 * @module
 */
import { UserError } from "../util/errors.ts";

/** A running server. */
export interface RedisServer {
  /** Its URL, `redis://127.0.0.1:<port>`. */
  url: string;
  /** Stops it and removes its folder. */
  stop(): Promise<void>;
}

/** A port nobody listens on now. */
export function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

/**
 * Starts Debian's `redis-server` (a {@link UserError} naming the package when it is missing)
 * and waits until it accepts connections.
 *
 * @example
 * ```ts ignore
 * import { startRedisServer } from "./server.ts";
 * const server = await startRedisServer();
 * // … server.url …
 * await server.stop();
 * ```
 */
export async function startRedisServer(timeoutMs = 10_000): Promise<RedisServer> {
  const dir = await Deno.makeTempDir({ prefix: "magrpo-redis-" }), port = freePort();
  let child: Deno.ChildProcess;
  try {
    child = new Deno.Command("redis-server", {
      args: ["--port", `${port}`, "--bind", "127.0.0.1", "--dir", dir, "--save", ""].concat(
        ["--appendonly", "no"],
      ),
      stdout: "null",
      stderr: "null",
    }).spawn();
  } catch (err) {
    await Deno.remove(dir, { recursive: true });
    throw new UserError(
      `cannot start redis-server (${(err as Error).message}): install it, e.g. ` +
        `apt-get install -y redis-server`,
      { cause: err },
    );
  }
  const stop = async () => {
    try {
      child.kill("SIGTERM");
    } catch { /* already gone */ }
    await child.status;
    await Deno.remove(dir, { recursive: true });
  };
  for (const t0 = Date.now();; await new Promise((r) => setTimeout(r, 25))) {
    try {
      (await Deno.connect({ hostname: "127.0.0.1", port })).close();
      break;
    } catch {
      if (Date.now() - t0 > timeoutMs) {
        await stop();
        throw new UserError(`redis-server did not accept connections on port ${port} in time`);
      }
    }
  }
  return { url: `redis://127.0.0.1:${port}`, stop };
}
