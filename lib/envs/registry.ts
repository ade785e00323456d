/**
 * Environments by name, with their data: the shipped sets by default, or a user's file.
 *
 * @module
 */
import type { Environment } from "./types.ts";
import { toyEnv, toyRows } from "./toy.ts";
import { tldrEnv } from "./tldr.ts";
import { arxivEnv } from "./arxiv.ts";
import { codingEnv } from "./coding.ts";
import { loadArxivRows, loadTldrRows } from "./writing_data.ts";
import { loadCoopCodingProblems, loadHumanEval } from "./datasets.ts";
import { UserError } from "../util/errors.ts";

/** Environment names known to {@link loadEnvironment}. */
export const ENV_NAMES = ["toy", "tldr", "arxiv", "coding"] as const;

/**
 * Builds an environment by name. `dataPath` replaces the shipped data (TLDR `prompt`/`completion`
 * JSONL, arXiv `abstract_text` JSONL/JSON, HumanEval-format JSONL(.gz)/JSON for coding); `maxRows`
 * keeps the first rows.
 *
 * @example
 * ```ts
 * import { loadEnvironment } from "./registry.ts";
 * const env = await loadEnvironment({ name: "tldr", maxRows: 10 });
 * ```
 */
export async function loadEnvironment(
  spec: { name: string; dataPath?: string; maxRows?: number },
  // deno-lint-ignore no-explicit-any
): Promise<Environment<any>> {
  // deno-lint-ignore no-explicit-any
  let env: Environment<any>;
  switch (spec.name) {
    case "toy":
      if (spec.dataPath) throw new UserError("env 'toy' has built-in topics; remove env.dataPath");
      env = toyEnv(toyRows());
      break;
    case "tldr":
      env = tldrEnv(await loadTldrRows(spec.dataPath));
      break;
    case "arxiv":
      env = arxivEnv(await loadArxivRows(spec.dataPath));
      break;
    case "coding":
      env = codingEnv(
        spec.dataPath ? await loadHumanEval(spec.dataPath) : await loadCoopCodingProblems(),
      );
      break;
    default:
      throw new UserError(`unknown environment '${spec.name}' (one of ${ENV_NAMES.join(", ")})`);
  }
  if (spec.maxRows !== undefined) env.rows = env.rows.slice(0, spec.maxRows);
  if (env.rows.length === 0) throw new UserError(`environment '${spec.name}' has no data rows`);
  return env;
}
