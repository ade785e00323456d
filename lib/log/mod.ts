/**
 * Logs people can open: TensorBoard event files written without TensorFlow, the sampled
 * completions file, a run's `manifest.json`, its curves as HTML and PNG, and one self-contained
 * HTML report per run folder.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { crc32c, scalarTags } from "./mod.ts";
 * assert.equal(crc32c(new TextEncoder().encode("123456789")), 0xe3069283);
 * assert.deepEqual(scalarTags({ reward: { mean: 0.5 } }, "train"), { "train/reward/mean": 0.5 });
 * ```
 *
 * @module
 */

export { crc32c, maskedCrc32c } from "./crc32c.ts";
export {
  fileVersionEvent,
  openEventFile,
  scalarsEvent,
  scalarTags,
  tfRecord,
} from "./tensorboard.ts";
export type { EventFileOptions, EventFileWriter } from "./tensorboard.ts";
export { readCompletions } from "./completions.ts";
export type { CompletionsRecord, LoggedAnswer } from "./completions.ts";
export { hashFiles, runManifest, writeManifest } from "./manifest.ts";
export type { FileHash, ManifestInput, RunManifest } from "./manifest.ts";
export { lossFigure, readCurveRecords, rewardFigure, writeRunFigure } from "./curves.ts";
export type { CurveRecord, WrittenFigure } from "./curves.ts";
export type { PlotlyAxis, PlotlyFigure, PlotlyLayout, PlotlyTrace } from "../viz/plotly.ts";
export { findRsvg, svgToPng } from "./png.ts";
export type { PngResult } from "./png.ts";
export { reportHtml, writeReport } from "./report.ts";
export type { ReportContent } from "./report.ts";
