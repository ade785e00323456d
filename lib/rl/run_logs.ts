/**
 * The run folder's logs besides `metrics.jsonl`, opened by the trainer after the folder is
 * prepared: TensorBoard event files (`log.tensorboard`), the sampled completions of every
 * `log.completionsEvery`-th step and of step 1 (`completions.jsonl`) and `manifest.json` (versions, commit,
 * seeds, data hashes, machine). One object, three calls: {@link RunLogs.record} for every
 * metrics record, {@link RunLogs.completions} after each step, {@link RunLogs.close} at the end.
 *
 * @module
 */
import type { TrainerConfig } from "./config.ts";
import type { Collected } from "./collect.ts";
import { type JsonlWriter, openJsonl } from "../util/jsonl.ts";
import { openEventFile, scalarTags } from "../log/tensorboard.ts";
import { writeManifest } from "../log/manifest.ts";
import { completionsRecord } from "./completions_log.ts";
import { fileURLToPath } from "node:url";

/** The open logs of one run (see the module doc). */
export interface RunLogs {
  /** Adds a `metrics.jsonl` record's numbers to the event file (`train/…` or `eval/…` tags). */
  record(r: { type: string; step: number }): void;
  /** Logs the step's sampled completions at step 1 and every `log.completionsEvery` steps. */
  completions(step: number, collected: readonly Collected[]): void;
  /** Closes the files. */
  close(): void;
}

/** The shipped data folder of a built-in environment (`data/tldr`, …), when there is one. */
function builtinData(name: string): string | undefined {
  const path = fileURLToPath(new URL(`../../data/${name}`, import.meta.url));
  try {
    return Deno.statSync(path).isDirectory ? path : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Opens the logs of run folder `dir` and writes its `manifest.json`. `models` are the starting
 * model folders (hashed in the manifest; none for in-memory policies); `custom`: the environment
 * was passed in (its data is not a file of ours), else the built-in environment's shipped data
 * folder is hashed when `env.dataPath` is not set.
 *
 * @example
 * ```ts ignore
 * import { openRunLogs } from "./run_logs.ts";
 * const logs = await openRunLogs(cfg, "runs/demo", ["data/default-model"]);
 * logs.record(stepRecord); logs.completions(step, collected); logs.close();
 * ```
 */
export async function openRunLogs(
  cfg: TrainerConfig,
  dir: string,
  models: readonly string[],
  custom = false,
): Promise<RunLogs> {
  const files: Record<string, string | undefined> = {
    dataPath: cfg.env.dataPath ?? (custom ? undefined : builtinData(cfg.env.name)),
    evalDataPath: cfg.env.evalDataPath,
  };
  [...new Set(models)].forEach((m, i) => files[models.length > 1 ? `model${i}` : "model"] = m);
  await writeManifest(dir, {
    ep: cfg.ep,
    seeds: {
      seed: cfg.seed,
      data: `data/${cfg.seed}`,
      sample: `sample/${cfg.seed}`,
      eval: `eval/${cfg.seed}/<step>`,
    },
    files,
  });
  const tb = cfg.log.tensorboard ? openEventFile(dir) : undefined;
  const every = cfg.log.completionsEvery;
  let comp: JsonlWriter | undefined; // opened at the first line: no empty file
  return {
    record(r) {
      const { type: _, step: __, ...values } = r as Record<string, unknown>;
      tb?.scalars(r.step, scalarTags(values, r.type === "eval" ? "eval" : "train"));
    },
    completions(step, collected) {
      if (every > 0 && (step === 1 || step % every === 0) && collected.length) {
        comp ??= openJsonl(`${dir}/completions.jsonl`);
        comp.write({ ...completionsRecord(step, collected[0]) });
      }
    },
    close() {
      tb?.close();
      comp?.close();
    },
  };
}
