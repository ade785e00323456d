/**
 * Environments by name, with their data: the shipped sets by default, or a user's file.
 *
 * @module
 */
import type { Environment } from "./types.ts";
import { toyEnv, toyRows } from "./toy.ts";
import { tldrEnv } from "./tldr.ts";
import { arxivEnv } from "./arxiv.ts";
import { coordinationEnv, topicRows } from "./coordination.ts";
import { complementarityEnv } from "./complementarity.ts";
import { codingEnv, type CodingEnvOptions } from "./coding.ts";
import { loadArxivRows, loadTldrRows } from "./writing_data.ts";
import { loadCoopCodingProblems, loadHumanEval } from "./datasets.ts";
import { UserError } from "../util/errors.ts";
import { sliceIndices, splitRows, type SplitSpec } from "./split.ts";
export type { SplitSpec };

/** Environment names known to {@link loadEnvironment}. */
export const ENV_NAMES = [
  "toy",
  "tldr",
  "arxiv",
  "coding",
  "coordination",
  "complementarity",
] as const;

/** What {@link loadEnvironment} reads: the `env` section of the trainer config. */
export interface EnvSpec extends SplitSpec {
  /** Environment name (one of {@link ENV_NAMES}). */
  name: string;
  /** Data file (default: the shipped set). */
  dataPath?: string;
  /** Evaluation data file (default: rows held out from the data). */
  evalDataPath?: string;
  /** Keep at most this many training rows. */
  maxRows?: number;
  /** Coding only: the reward variant (default `"authors"`). */
  rewardVariant?: "authors" | "strict";
  /** Coding only: the multi-turn transition (default `"authors"`). */
  feedback?: "authors" | "full";
  /** Coding only: the first-turn prompts (default `"authors"`). */
  prompts?: "authors" | "ours";
  /** Run generated code without OS isolation where the kernel cannot isolate (default false). */
  sandboxUnsafe?: boolean;
}

/** The `env` keys that only the coding environment reads (refused for the others). */
const CODING_KEYS = ["rewardVariant", "feedback", "prompts"] as const;

/**
 * The options {@link loadEnvironment} gives `codingEnv` for an `env` spec: the reward variant,
 * feedback and prompts (unset: the authors'), and `unsafe` from `sandboxUnsafe`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { codingEnvOptions } from "./registry.ts";
 * assert.deepEqual(codingEnvOptions({ name: "coding", rewardVariant: "strict", sandboxUnsafe: true }), { rewardVariant: "strict", unsafe: true });
 * ```
 */
export function codingEnvOptions(spec: EnvSpec): CodingEnvOptions {
  const out: CodingEnvOptions = {};
  if (spec.rewardVariant !== undefined) out.rewardVariant = spec.rewardVariant;
  if (spec.feedback !== undefined) out.feedback = spec.feedback;
  if (spec.prompts !== undefined) out.prompts = spec.prompts;
  if (spec.sandboxUnsafe) out.unsafe = true;
  return out;
}

/** An environment over any row type (what {@link loadEnvironment} returns). */
// deno-lint-ignore no-explicit-any
export type AnyEnv = Environment<any>;

/** Builds environment `spec.name` over `rows`. */
function build(spec: EnvSpec, rows: unknown[]): AnyEnv {
  const name = spec.name;
  const stray = name === "coding" ? [] : CODING_KEYS.filter((k) => spec[k] !== undefined);
  if (stray.length) {
    throw new UserError(
      `env.${stray[0]} applies to the coding environment only; remove it for env '${name}'`,
    );
  }
  switch (name) {
    case "toy":
      return toyEnv(rows as ReturnType<typeof toyRows>);
    case "tldr":
      return tldrEnv(rows as Awaited<ReturnType<typeof loadTldrRows>>);
    case "arxiv":
      return arxivEnv(rows as Awaited<ReturnType<typeof loadArxivRows>>);
    case "coding":
      return codingEnv(rows as Awaited<ReturnType<typeof loadHumanEval>>, codingEnvOptions(spec));
    case "coordination":
      return coordinationEnv(rows as ReturnType<typeof topicRows>);
    case "complementarity":
      return complementarityEnv(rows as ReturnType<typeof topicRows>);
  }
  throw new UserError(`unknown environment '${name}' (one of ${ENV_NAMES.join(", ")})`);
}

/** The data file each environment ships, looked for first in a `dataPath` folder. */
const DATA_FILE_NAMES: Record<string, string> = {
  tldr: "posts.jsonl",
  arxiv: "abstracts.jsonl",
  coding: "problems.jsonl",
};

/**
 * The data file a `dataPath` names: the path itself when it is a file; for a folder (e.g. the
 * shipped `data/tldr`), the environment's usual file name in it (`posts.jsonl`,
 * `abstracts.jsonl`, `problems.jsonl`), else its only `.jsonl` / `.json` (optionally `.gz`)
 * file. A missing path, or a folder with none or several data files, is a {@link UserError}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { resolveDataPath } from "./registry.ts";
 * assert.deepEqual(await resolveDataPath("tldr", "data/tldr"), "data/tldr/posts.jsonl");
 * ```
 */
export async function resolveDataPath(name: string, path: string): Promise<string> {
  let st: Deno.FileInfo;
  try {
    st = await Deno.stat(path);
  } catch (err) {
    throw new UserError(`env.dataPath: ${path} not found`, { cause: err });
  }
  if (!st.isDirectory) return path;
  const dir = path.replace(/\/+$/, ""), files: string[] = [];
  for await (const e of Deno.readDir(dir)) {
    if (e.isFile && /\.jsonl?(\.gz)?$/.test(e.name)) files.push(e.name);
  }
  const usual = DATA_FILE_NAMES[name];
  if (usual && files.includes(usual)) return `${dir}/${usual}`;
  if (files.length === 1) return `${dir}/${files[0]}`;
  throw new UserError(
    `env.dataPath: the folder ${dir} holds ${
      files.length ? `several data files (${files.sort().join(", ")})` : "no .jsonl or .json file"
    }; set env.dataPath to the data file itself`,
  );
}

/** Reads environment `name`'s rows from `path` (undefined: its shipped data; a folder: its data file). */
async function readRows(
  name: string,
  path: string | undefined,
  unsafe = false,
): Promise<unknown[]> {
  const builtIn = ["toy", "coordination", "complementarity"].includes(name);
  if (path && !builtIn) path = await resolveDataPath(name, path);
  switch (name) {
    case "toy":
      if (path) throw new UserError("env 'toy' has built-in topics; remove env.dataPath");
      return toyRows();
    case "coordination":
    case "complementarity":
      if (path) throw new UserError(`env '${name}' has built-in topics; remove env.dataPath`);
      return topicRows();
    case "tldr":
      return await loadTldrRows(path);
    case "arxiv":
      return await loadArxivRows(path);
    case "coding":
      return path
        ? await loadHumanEval(path, { unsafe })
        : await loadCoopCodingProblems(undefined, { unsafe });
  }
  throw new UserError(`unknown environment '${name}' (one of ${ENV_NAMES.join(", ")})`);
}

/**
 * Builds an environment by name, with train rows (`env.rows`) and held-out eval rows
 * (`env.evalRows`, never among the training rows): see `split.ts` for how the split is chosen
 * (slices, an eval file, the authors' split for HumanEval/CoopHumanEval/MBPP, else seeded).
 * `dataPath` replaces the shipped data (TLDR `prompt`/`completion` JSONL, arXiv
 * `abstract_text` JSONL/JSON, HumanEval-format JSONL(.gz)/JSON for coding); `maxRows` keeps the
 * first training rows. The coding keys (`rewardVariant`, `feedback`, `prompts`,
 * `sandboxUnsafe`) go to `codingEnv` ({@link codingEnvOptions}); the first three are refused
 * for other environments.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { loadEnvironment } from "./registry.ts";
 * const env = await loadEnvironment({ name: "tldr", maxRows: 10 });
 * assert.deepEqual(env.rows.length, 10);
 * env.evalRows!.length; // 10 (a seeded fifth of the 50 shipped posts)
 * ```
 */
export async function loadEnvironment(spec: EnvSpec): Promise<AnyEnv> {
  if (!(ENV_NAMES as readonly string[]).includes(spec.name)) {
    throw new UserError(`unknown environment '${spec.name}' (one of ${ENV_NAMES.join(", ")})`);
  }
  const unsafe = spec.sandboxUnsafe === true;
  const rows = await readRows(spec.name, spec.dataPath, unsafe);
  if (rows.length === 0) throw new UserError(`environment '${spec.name}' has no data rows`);
  let train: unknown[], held: unknown[];
  if (spec.evalDataPath) {
    const evalAll = await readRows(spec.name, spec.evalDataPath, unsafe);
    train = spec.trainSlice ? sliceIndices(spec.trainSlice, rows.length).map((i) => rows[i]) : rows;
    held = spec.evalSlice
      ? sliceIndices(spec.evalSlice, evalAll.length).map((i) => evalAll[i])
      : evalAll;
  } else {
    ({ train, eval: held } = splitRows(spec.name, rows, spec));
  }
  if (spec.maxRows !== undefined) train = train.slice(0, spec.maxRows);
  if (train.length === 0) throw new UserError(`environment '${spec.name}' has no training rows`);
  const env = build(spec, train);
  env.evalRows = held;
  return env;
}
