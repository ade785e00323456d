/**
 * The trainer's configuration: one typed plain object ({@link TrainerConfig}), its defaults
 * ({@link DEFAULT_CONFIG}), and a validator that merges a partial JSON object over the defaults
 * and reports every problem at once (unknown keys with a "did you mean" suggestion, wrong
 * types, out-of-range numbers, unknown enum values) in one {@link UserError}.
 *
 * One table (`SCHEMA` in `config_schema.ts`) describes every key: the validator,
 * {@link configToJson} (its key order) and {@link describeConfig} (the Markdown reference for
 * the README) all read it. Settings that only make sense together are checked here too (e.g.
 * `independent` with `turns > 1`), and {@link resumeConflicts} says which settings may change
 * when a run is resumed from a checkpoint.
 *
 * @module
 */
import type { TrainerConfig } from "./config_types.ts";
export type {
  Aggregation,
  Algorithm,
  Baseline,
  CrossAggregate,
  EarlyStopOn,
  EnvName,
  ExecutionProviderName,
  JointMode,
  ScheduleName,
  TrainerConfig,
  UpdateSchedule,
} from "./config_types.ts";
import { UserError } from "../util/errors.ts";
import { configWarnings, groupSizeProblem, loraProblems, SLICE } from "./config_checks.ts";
import { readConfigFile } from "./config_file.ts";
import { applyOverrides } from "./config_overrides.ts";
export { describeConfig } from "./config_json_schema.ts";
export { configWarnings };
import {
  deepFreeze,
  type Fields,
  isPlainObject,
  mergeConfig,
  SCHEMA,
  show,
} from "./config_schema.ts";

/** Settings that the trainer cannot run together (checked after every key is valid). */
function combinationProblems(cfg: TrainerConfig): string[] {
  const out: string[] = [];
  if (cfg.jointMode === "cross" && cfg.algorithm !== "magrpo") {
    out.push(
      `jointMode: "cross" applies to algorithm "magrpo" only; "${cfg.algorithm}" samples ` +
        `aligned groups (use jointMode "aligned")`,
    );
  } else if (cfg.jointMode === "cross" && cfg.turns > 1) {
    out.push(
      `jointMode: "cross" needs turns = 1 (multi-turn trees use aligned joint actions), got turns ${cfg.turns}`,
    );
  }
  const policies = cfg.algorithm === "grpo_single" ? 1 : cfg.agents;
  if (Array.isArray(cfg.model) && cfg.model.length !== policies) {
    out.push(
      `model: lists ${cfg.model.length} folder(s) but ${cfg.algorithm} trains ${policies} ` +
        `polic${policies === 1 ? "y" : "ies"} (agents ${cfg.agents}); give one folder per agent, ` +
        `or one path for all`,
    );
  }
  if (cfg.turns > 1 && cfg.algorithm === "independent") {
    out.push(
      `turns: algorithm "${cfg.algorithm}" is single-turn (turns = 1), got ${cfg.turns}`,
    );
  }
  if (cfg.finetune === "full" && cfg.lora.baseDtype !== "float32") {
    out.push(
      `lora.baseDtype: "${cfg.lora.baseDtype}" needs finetune "lora" (a float16 base is frozen; ` +
        `full fine-tuning trains every weight in float32): set finetune to "lora" or drop ` +
        `lora.baseDtype`,
    );
  }
  for (const key of ["trainSlice", "evalSlice"] as const) {
    const v = cfg.env[key];
    if (v !== undefined && !SLICE.test(v)) {
      out.push(
        `env.${key}: expected a Python slice "start:stop" (e.g. "33:163", ":32"), got ${show(v)}`,
      );
    }
  }
  return out;
}

/**
 * The defaults (deeply frozen: copy before changing, or pass overrides to {@link validateConfig}).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { DEFAULT_CONFIG } from "./config.ts";
 * assert.equal(DEFAULT_CONFIG.groupSize, 4);
 * ```
 */
export const DEFAULT_CONFIG: TrainerConfig = deepFreeze(
  mergeConfig(SCHEMA, {}, "", []) as unknown as TrainerConfig,
);

/**
 * Checks a (partial) config object and merges it over {@link DEFAULT_CONFIG}. Every problem is
 * reported in one {@link UserError} naming `source`, each with its dotted key path, what was
 * expected and what was found. Optional keys may be omitted or null. Combinations the trainer
 * cannot run are problems too: `jointMode: "cross"` with any algorithm but `magrpo` (the
 * baselines sample aligned groups) or with `turns > 1` (trees are aligned), and `turns > 1`
 * with `independent` (a single-turn baseline; `grpo_single` with `turns > 1` needs the
 * environment's `singleTransition`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { validateConfig } from "./config.ts";
 * const cfg = validateConfig({ groupSize: 8, optimizer: { lr: 3e-5 } }, "inline");
 * assert.equal(cfg.optimizer.beta2, 0.999); // the default
 * // Throws one UserError listing both problems (groupSize too small, "optimzer" misspelt):
 * assert.throws(() => validateConfig({ groupSize: 0, optimzer: {} }, "run.json"), /2 problems/);
 * ```
 */
export function validateConfig(json: unknown, source: string): TrainerConfig {
  if (!isPlainObject(json)) {
    throw new UserError(`${source}: expected a JSON object of settings, got ${show(json)}`);
  }
  const { $schema: _, ...settings } = json; // editors' schema pointer, not a setting
  const problems: string[] = [];
  const cfg = mergeConfig(SCHEMA, settings, "", problems);
  problems.push(...groupSizeProblem(settings), ...loraProblems(settings));
  if (!problems.length) problems.push(...combinationProblems(cfg as unknown as TrainerConfig));
  if (problems.length) {
    const n = problems.length;
    throw new UserError(
      `${source}: invalid trainer config (${n} problem${n > 1 ? "s" : ""}):\n` +
        problems.map((p) => `  - ${p}`).join("\n"),
    );
  }
  return cfg as unknown as TrainerConfig;
}

/** Options of {@link loadConfig}. */
export interface LoadConfigOptions {
  /** `key=value` overrides applied over the file (`--set`; typed by the schema). */
  set?: readonly string[];
}

/**
 * Reads and validates a config file: JSON, or YAML (`.yaml`/`.yml`); a `$schema` key is
 * ignored; relative paths (`model`, `env.dataPath`, `env.evalDataPath`, `log.dir`) resolve
 * against the file's folder; `set` overrides are applied last (see `config_file.ts`,
 * `config_overrides.ts` and {@link validateConfig}).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { loadConfig } from "./config.ts";
 * const path = new URL("../../data/configs/toy_magrpo.yaml", import.meta.url).pathname;
 * const cfg = await loadConfig(path, { set: ["steps=10"] });
 * assert.equal(cfg.steps, 10);
 * ```
 */
export async function loadConfig(
  path: string,
  opts: LoadConfigOptions = {},
): Promise<TrainerConfig> {
  const file = await readConfigFile(path);
  const source = file.path === path ? path : `${path} (${file.path})`;
  return validateConfig(applyOverrides(file.json, opts.set ?? [], source), source);
}

/**
 * A plain JSON object of `cfg` with keys in schema order (omitted optional keys stay omitted):
 * `validateConfig(configToJson(cfg), …)` gives back an equal config.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { configToJson, DEFAULT_CONFIG, validateConfig } from "./config.ts";
 * const json = JSON.stringify(configToJson(DEFAULT_CONFIG), null, 2); // what a config file holds
 * assert.deepEqual(validateConfig(JSON.parse(json), "config.json"), DEFAULT_CONFIG);
 * ```
 */
export function configToJson(cfg: TrainerConfig): Record<string, unknown> {
  const walk = (fields: Fields, v: Record<string, unknown>) => {
    const out: Record<string, unknown> = {};
    for (const [k, s] of Object.entries(fields)) {
      if (v[k] === undefined) continue;
      out[k] = s.kind === "object"
        ? walk(s.fields, v[k] as Record<string, unknown>)
        : structuredClone(v[k]);
    }
    return out;
  };
  return walk(SCHEMA, cfg as unknown as Record<string, unknown>);
}

/**
 * The run name (`log.name`, else `<algorithm>-<env.name>-seed<seed>`) and the run folder
 * (`log.dir` with `<name>` replaced by it). `envName` replaces `env.name` (an environment
 * object's name, see `train(cfg, { environment })`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { DEFAULT_CONFIG, runPaths } from "./config.ts";
 * assert.deepEqual(runPaths(DEFAULT_CONFIG), { name: "magrpo-toy-seed0", dir: "runs/magrpo-toy-seed0" });
 * ```
 */
export function runPaths(
  cfg: TrainerConfig,
  envName: string = cfg.env.name,
): { name: string; dir: string } {
  const name = cfg.log.name ?? `${cfg.algorithm}-${envName}-seed${cfg.seed}`;
  return { name, dir: cfg.log.dir.replaceAll("<name>", name) };
}

/**
 * Keys that may differ between a checkpoint's config and the config that resumes it: the
 * step budget (the learning-rate schedule then follows the new total), evaluation,
 * checkpointing, logging, the execution provider and `deterministic` (threads change speed
 * and the last bits, not the algorithm), the reward timeout and `env.sandboxUnsafe` (a
 * property of the machine, not of the run). A pattern `a.*` covers every key under `a`.
 */
export const RESUME_SAFE_KEYS: readonly string[] = Object.freeze([
  "steps",
  "ep",
  "epFallback",
  "deterministic",
  "rewardTimeoutMs",
  "env.sandboxUnsafe",
  "eval.*",
  "checkpoint.*",
  "log.*",
  "distributed.*",
]);

/** Dotted leaf paths → JSON text of their values (arrays are leaves). */
function flatten(v: unknown, prefix = "", out = new Map<string, string>()): Map<string, string> {
  if (isPlainObject(v)) {
    for (const [k, x] of Object.entries(v)) flatten(x, prefix ? `${prefix}.${k}` : k, out);
  } else if (v !== undefined) out.set(prefix, JSON.stringify(v));
  return out;
}

const isSafe = (key: string) =>
  RESUME_SAFE_KEYS.some((p) => p.endsWith(".*") ? key.startsWith(p.slice(0, -1)) : key === p);

/**
 * The keys (dotted paths, sorted) whose values differ between a checkpoint's stored config and
 * `current`, ignoring {@link RESUME_SAFE_KEYS} and keys the saved config lacks that `current`
 * leaves at their default (added to the schema since); each entry reads `key: saved → current`.
 * An empty list means the run can be resumed exactly.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { DEFAULT_CONFIG, resumeConflicts } from "./config.ts";
 * const saved = { ...DEFAULT_CONFIG, groupSize: 8, steps: 10 };
 * assert.deepEqual(resumeConflicts(saved, DEFAULT_CONFIG), ["groupSize: 8 → 4"]); // steps may change
 * const { finetune: _, ...older } = saved; // saved before `finetune` existed: default, no change
 * assert.deepEqual(resumeConflicts(older, DEFAULT_CONFIG), ["groupSize: 8 → 4"]);
 * ```
 */
export function resumeConflicts(saved: unknown, current: TrainerConfig): string[] {
  const a = flatten(saved), b = flatten(current), d = flatten(DEFAULT_CONFIG);
  const keys = [...new Set([...a.keys(), ...b.keys()])].filter((k) => !isSafe(k)).sort();
  // a key added after the checkpoint was saved, set to its default, is no change
  const added = (k: string) => !a.has(k) && d.has(k) && b.get(k) === d.get(k);
  return keys.filter((k) => a.get(k) !== b.get(k) && !added(k)).map((k) =>
    `${k}: ${a.get(k) ?? "(unset)"} → ${b.get(k) ?? "(unset)"}`
  );
}
