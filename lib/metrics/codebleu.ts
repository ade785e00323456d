/**
 * CodeBLEU (Ren et al. 2020) for Python, a TypeScript port of the reference implementation
 * (the `codebleu` PyPI package by k4black, derived from Microsoft CodeXGLUE):
 *
 *   codebleu = ¼·BLEU + ¼·weighted BLEU + ¼·syntax match + ¼·(data-flow match, or 1 when it is 0)
 *
 * - BLEU: corpus BLEU-4 over whitespace tokens ({@link corpusBleu}).
 * - weighted BLEU: keyword-weighted n-gram recall ({@link weightedCorpusBleu}, {@link PYTHON_KEYWORDS}).
 * - syntax match: reference AST subtrees found in the candidate ({@link syntaxMatchCounts}).
 * - data-flow match: normalized data-flow edges found in the candidate ({@link dataFlowMatchCounts}).
 *
 * Both structural matches compare sources stripped of comments and docstrings
 * ({@link strippedPairs}) and pool their counts over the corpus.
 *
 * Inputs are stripped of surrounding whitespace first. Like the reference, a data-flow score of 0
 * (no reference has data flow, or nothing matched) enters the sum as 1; `dataflow_match_score`
 * reports the raw 0. Parsing uses tree-sitter (WebAssembly), loaded from `node_modules` once when
 * the module is imported, so {@link codebleu} is synchronous (awaiting its result still works).
 *
 * @module
 */

import { UserError } from "../util/errors.ts";
import { corpusBleu, pyStrip, splitWhitespace, weightedCorpusBleu } from "./codebleu_bleu.ts";
import { dataFlowMatchCounts } from "./codebleu_dataflow_match.ts";
import { strippedPairs, syntaxMatchCounts } from "./codebleu_syntax.ts";
import { PYTHON_KEYWORDS } from "./python_keywords.ts";
import { pythonParser } from "./treesitter.ts";

/** Languages {@link codebleu} supports. */
export const CODEBLEU_LANGUAGES: readonly string[] = Object.freeze(["python"]);

/** CodeBLEU and its four components, each in [0, 1]. */
export interface CodeBleuScores {
  /** The weighted sum: ¼ of each component, the data-flow one counted as 1 when it is 0. */
  codebleu: number;
  /** Corpus BLEU-4 over whitespace tokens. */
  ngram_match_score: number;
  /** Keyword-weighted n-gram match (keywords weigh 1, other tokens 0.2). */
  weighted_ngram_match_score: number;
  /** Fraction of reference AST subtrees found in the candidate. */
  syntax_match_score: number;
  /** Fraction of reference data-flow edges found in the candidate (0 when references have none). */
  dataflow_match_score: number;
}

const FN = "lib/metrics/codebleu.ts codebleu()";

/** Checks the inputs and returns the references as one non-empty list per prediction. */
function normalizeInputs(
  references: unknown,
  predictions: unknown,
  lang: unknown,
): string[][] {
  if (typeof lang !== "string" || !CODEBLEU_LANGUAGES.includes(lang)) {
    throw new UserError(
      `${FN}: lang ${JSON.stringify(lang)} is not supported; supported: ${
        CODEBLEU_LANGUAGES.join(", ")
      }`,
    );
  }
  if (
    !Array.isArray(predictions) ||
    !predictions.every((p) => typeof p === "string")
  ) {
    throw new UserError(`${FN}: 'predictions' must be an array of strings`);
  }
  if (!Array.isArray(references)) {
    throw new UserError(`${FN}: 'references' must be an array`);
  }
  if (references.length !== predictions.length) {
    throw new UserError(
      `${FN}: got ${references.length} references for ${predictions.length} predictions; expected one entry ` +
        `(a string or an array of strings) per prediction`,
    );
  }
  if (predictions.length === 0) {
    throw new UserError(`${FN}: expected at least one prediction, got none`);
  }
  return references.map((ref, i) => {
    const refs = typeof ref === "string" ? [ref] : ref;
    if (
      !Array.isArray(refs) || refs.length === 0 ||
      !refs.every((r) => typeof r === "string")
    ) {
      throw new UserError(
        `${FN}: references[${i}] must be a string or a non-empty array of strings`,
      );
    }
    return refs;
  });
}

/**
 * CodeBLEU of `predictions` against `references` (one string, or an array of alternative
 * strings, per prediction), with the reference implementation's definitions and equal weights.
 *
 * Asynchronous only because the first call loads the tree-sitter parser ({@link pythonParser});
 * the scoring itself is synchronous.
 *
 * @throws {UserError} when the lists differ in length, are empty, hold non-strings, `lang`
 * is not one of {@link CODEBLEU_LANGUAGES}, or the tree-sitter parser could not be loaded.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { codebleu } from "./codebleu.ts";
 * const s = await codebleu(["def bar ( x ) :\n    return x"], ["def foo ( x ) :\n    return x"]);
 * assert.ok(Math.abs(s.codebleu - 0.8566) < 1e-4); // BLEU 0.7071, weighted 0.7194, syntax 1, data flow 1
 * ```
 */
export async function codebleu(
  references: string[] | string[][],
  predictions: string[],
  lang = "python",
): Promise<CodeBleuScores> {
  const refs = normalizeInputs(references, predictions, lang).map((group) => group.map(pyStrip));
  const hyps = predictions.map(pyStrip);
  const tokenizedRefs = refs.map((group) => group.map(splitWhitespace));
  const tokenizedHyps = hyps.map(splitWhitespace);
  const ngram = corpusBleu(tokenizedRefs, tokenizedHyps);
  const weighted = weightedCorpusBleu(
    tokenizedRefs,
    tokenizedHyps,
    new Set(PYTHON_KEYWORDS),
  );
  const parser = await pythonParser();
  let [syntaxHits, syntaxTotal, flowHits, flowTotal] = [0, 0, 0, 0];
  for (const [candidate, reference] of strippedPairs(refs, hyps)) {
    const [sh, st] = syntaxMatchCounts(parser, candidate, reference);
    const [fh, ft] = dataFlowMatchCounts(parser, candidate, reference);
    [syntaxHits, syntaxTotal, flowHits, flowTotal] = [
      syntaxHits + sh,
      syntaxTotal + st,
      flowHits + fh,
      flowTotal + ft,
    ];
  }
  const syntax = syntaxHits / syntaxTotal;
  const dataflow = flowTotal === 0 ? 0 : flowHits / flowTotal;
  return {
    codebleu: 0.25 * ngram + 0.25 * weighted + 0.25 * syntax +
      0.25 * (dataflow || 1),
    ngram_match_score: ngram,
    weighted_ngram_match_score: weighted,
    syntax_match_score: syntax,
    dataflow_match_score: dataflow,
  };
}
