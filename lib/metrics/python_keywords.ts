/**
 * The Python keyword list that CodeBLEU's keyword-weighted n-gram match uses: the 35 hard
 * keywords of Python 3 plus the soft keywords `match`, `case` and `type`, exactly the
 * `keywords/python.txt` file of the reference CodeBLEU implementation (k4black/codebleu).
 *
 * @module
 */

/**
 * Python keywords, weighted 1 (every other token weighs 0.2) in CodeBLEU's weighted n-gram match.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { PYTHON_KEYWORDS } from "./python_keywords.ts";
 * assert.deepEqual(PYTHON_KEYWORDS.includes("lambda"), true);
 * ```
 */
export const PYTHON_KEYWORDS: readonly string[] = Object.freeze([
  "False",
  "None",
  "True",
  "and",
  "as",
  "assert",
  "async",
  "await",
  "break",
  "class",
  "continue",
  "def",
  "del",
  "elif",
  "else",
  "except",
  "finally",
  "for",
  "from",
  "global",
  "if",
  "import",
  "in",
  "is",
  "lambda",
  "nonlocal",
  "not",
  "or",
  "pass",
  "raise",
  "return",
  "try",
  "while",
  "with",
  "yield",
  "match",
  "case",
  "type",
]);
