/**
 * Metrics: ROUGE (with the Porter stemmer), CodeBLEU (tree-sitter, loaded on the first call),
 * n-grams and pass@k.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { passAtK, rougeL } from "./mod.ts";
 * assert.equal(rougeL("the cat sat", "the cat sat").fmeasure, 1);
 * assert.equal(passAtK(2, 1, 1), 0.5);
 * ```
 *
 * @module
 */

export { fMeasure, lcsLength, rougeL, rougeLsum, rougeN, rougeTokenize } from "./rouge.ts";
export type { RougeOptions, RougeScore } from "./rouge.ts";
export { porterMeasure, porterStem } from "./porter.ts";
export type { PorterVariant } from "./porter.ts";
export { codebleu, CODEBLEU_LANGUAGES } from "./codebleu.ts";
export type { CodeBleuScores } from "./codebleu.ts";
export { ngramCounts } from "./ngrams.ts";
export { accuracyAtK, meanPassAtK, passAtK, passOrNotAtK } from "./passk.ts";
export { pythonParser } from "./treesitter.ts";
export { bootstrapMeanCI, pairedComparison, quantileSorted, signFlipP } from "./bootstrap.ts";
export type { BootstrapOptions, MeanCI, PairedComparison } from "./bootstrap.ts";
