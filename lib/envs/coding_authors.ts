/**
 * The MAGRPO authors' text heuristics for the coding reward, re-implemented as pure string
 * functions (behaviour learned from LLM_Collab_Code_Generation `rewards/code_utils.py`; no
 * Python needed). Python's regular-expression classes are spelled out so that `\s`, `\w` and
 * `\b` mean what they mean in Python 3 `re` on `str`, and `strip()` strips what Python strips.
 *
 * | function | what it decides |
 * | --- | --- |
 * | {@link authorsCleanup} | keeps only the `def` blocks of a completion (fences and prose dropped) |
 * | {@link authorsExtractFunction} | one function's block from the cleaned completion |
 * | {@link authorsDefined} | "defined with a return": the regex `return\s+` on that block |
 * | {@link authorsPromptImports} | the prompt's `import` / `from … import` lines |
 * | {@link authorsCombine} | prompt imports + cleaned aux + cleaned main (what is parsed and run) |
 * | {@link authorsTestLines} | lines of `check` that start with `assert` and mention `candidate` |
 * | {@link authorsUsesAux} | "+0.5 uses aux": `\baux\s*\(` anywhere in main's text |
 * | {@link authorsIsWrapper} | "no +1.0": main's body is `return …aux…` or `v = aux(…)` + `return v` |
 * | {@link authorsIgnoresAux} | "−0.5": a line of main that is exactly `aux <one char>` in parentheses |
 * | {@link authorsSlicedTests} | the multi-turn feedback's test code: only the first assert |
 *
 * @module
 */

/** Python's `\s` for `str` patterns (the characters `str.isspace()` accepts). */
export const PY_WS =
  "[\\t\\n\\v\\f\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]";
/** Python's `\w` for `str` patterns (letters, numbers, underscore). */
export const PY_W = "[\\p{L}\\p{N}_]";

const wsSet = new RegExp(`^${PY_WS}$`, "u");
const isWs = (ch: string) => wsSet.test(ch);
const re = (src: string, flags = "") => new RegExp(src, "u" + flags);

/** Python's `str.strip()` (Python's whitespace, not JavaScript's). */
export function pyStrip(s: string): string {
  let a = 0;
  let b = s.length;
  while (a < b && isWs(s[a])) a++;
  while (b > a && isWs(s[b - 1])) b--;
  return s.slice(a, b);
}

/** Python's `len(s) - len(s.lstrip())`. */
function indentWidth(s: string): number {
  let a = 0;
  while (a < s.length && isWs(s[a])) a++;
  return a;
}

const DEF_LINE = re(`^(${PY_WS}*)def${PY_WS}+${PY_W}+${PY_WS}*\\(`);
const ANY_DEF = re(`def${PY_WS}+${PY_W}+${PY_WS}*\\(`);
const PROSE = re(`^[A-Z][a-z][^\\n]*[.!?:]$`);
const PROSE_KEYWORDS = ["def ", "return ", "if ", "for ", "while ", "=", "(", ")", "[", "]"];

/**
 * The authors' `cleanup_code`: drops markdown fences, keeps every `def` block (a block goes on
 * while lines are blank, indented deeper than its `def`, start with a tab, or open a docstring at
 * the `def`'s level), drops capitalised prose lines, and returns `""` when no `def` is left.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { authorsCleanup } from "./coding_authors.ts";
 * assert.deepEqual(authorsCleanup("Here it is:\n\x60\x60\x60python\ndef f(x):\n    return x\n\x60\x60\x60"), "def f(x):\n    return x");
 * ```
 */
export function authorsCleanup(code: string): string {
  if (!code || typeof code !== "string") return "";
  code = code.replace(re(`\`\`\`python${PY_WS}*\\n?`, "g"), "");
  code = code.replace(re(`\`\`\`${PY_WS}*\\n?`, "g"), "");
  const lines = code.split("\n");
  const blocks: string[] = [];
  let current: string[] = [];
  let inFunction = false;
  let base = 0;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const stripped = pyStrip(line);
    if (DEF_LINE.test(line)) {
      if (inFunction && current.length) blocks.push(current.join("\n"));
      current = [line];
      inFunction = true;
      base = indentWidth(line);
    } else if (inFunction) {
      if (stripped === "") current.push(line);
      else if (line.startsWith(" ".repeat(base + 1)) || line.startsWith("\t")) current.push(line);
      else if (stripped.startsWith('"""') || stripped.startsWith("'''")) {
        current.push(line);
        const quote = stripped.startsWith('"""') ? '"""' : "'''";
        if (!(stripped.endsWith(quote) && stripped.length > 3)) {
          i++;
          while (i < lines.length) {
            current.push(lines[i]);
            if (lines[i].includes(quote)) break;
            i++;
          }
        }
      } else {
        if (current.length) blocks.push(current.join("\n"));
        current = [];
        inFunction = false;
      }
    }
  }
  if (inFunction && current.length) blocks.push(current.join("\n"));
  const kept = blocks.join("\n\n").split("\n").filter((line) => {
    const s = pyStrip(line);
    const prose = s !== "" && !s.startsWith("#") && !s.startsWith('"""') &&
      !s.startsWith("'''") && !PROSE_KEYWORDS.some((k) => line.includes(k)) && PROSE.test(s);
    return !prose;
  });
  const result = pyStrip(kept.join("\n"));
  return ANY_DEF.test(result) ? result : "";
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\\/]/g, "\\$&");
}

/**
 * The authors' `extract_specific_function`: the first `def name(` block of the cleaned
 * completion (lines while blank, deeper than the `def`, or tab-led; a deeper `def name(` inside
 * it starts over), stripped.
 */
export function authorsExtractFunction(code: string, name: string): string {
  if (!code || !name) return "";
  const head = re(`^(${PY_WS}*)def${PY_WS}+${escapeRe(name)}${PY_WS}*\\(`);
  let out: string[] = [];
  let inside = false;
  let base = 0;
  for (const line of authorsCleanup(code).split("\n")) {
    if (head.test(line)) {
      out = [line];
      inside = true;
      base = indentWidth(line);
    } else if (inside) {
      if (pyStrip(line) === "" || line.startsWith(" ".repeat(base + 1)) || line.startsWith("\t")) {
        out.push(line);
      } else break;
    }
  }
  return pyStrip(out.join("\n"));
}

const RETURN_WS = re(`return${PY_WS}+`);

/** The authors' `check_function_definition`: the function exists and matches `return\s+`. */
export function authorsDefined(
  code: string,
  name: string,
  what: string,
): { ok: boolean; message: string } {
  const fn = authorsExtractFunction(code, name);
  if (!fn) return { ok: false, message: `${what} not defined` };
  if (!RETURN_WS.test(fn)) return { ok: false, message: `${what} missing return statement` };
  return { ok: true, message: `${what} properly defined with return statement` };
}

const FROM_IMPORT = re(`^from${PY_WS}+[\\p{L}\\p{N}_.]+${PY_WS}+import${PY_WS}+[^\\n]*$`);
const PLAIN_IMPORT = re(`^import${PY_WS}+(?:[\\p{L}\\p{N}_.,]|${PY_WS})+$`);

/** The authors' `extract_imports_from_prompt`: stripped import lines, deduplicated, joined. */
export function authorsPromptImports(prompt: string): string {
  if (!prompt) return "";
  const seen = new Set<string>();
  for (const raw of prompt.split("\n")) {
    const line = pyStrip(raw);
    if (FROM_IMPORT.test(line) || PLAIN_IMPORT.test(line)) seen.add(line);
  }
  return [...seen].join("\n");
}

/** The authors' `concatenate_functions`: imports, cleaned aux, cleaned main, blank-line joined. */
export function authorsCombine(auxFunc: string, mainFunc: string, imports: string): string {
  return [imports, authorsCleanup(auxFunc), authorsCleanup(mainFunc)].filter((p) => p).join(
    "\n\n",
  );
}

const CHECK_BODY = /def check\(candidate\):([\s\S]*?)(?=\n\ndef|$)/;
const ASSERT_LINE = re(`^assert${PY_WS}+[^\\n]*candidate`);

/**
 * The authors' `extract_test_cases`: in the body of `def check(candidate):` (up to the next
 * blank-line-separated `def`), every stripped line that starts with `assert` followed by
 * whitespace and mentions `candidate`, deduplicated, with every `candidate` replaced by the
 * entry point's name.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { authorsTestLines } from "./coding_authors.ts";
 * assert.deepEqual(authorsTestLines("def check(candidate):\n    assert candidate(1) == 2\n    for x in [1]:\n        assert candidate(x)\n", "f"), ["assert f(1) == 2", "assert f(x)"]);
 * ```
 */
export function authorsTestLines(testCode: string, entryPoint: string): string[] {
  if (!testCode || !entryPoint) return [];
  const m = CHECK_BODY.exec(testCode);
  if (!m) return [];
  const seen = new Set<string>();
  for (const raw of pyStrip(m[1]).split("\n")) {
    const line = pyStrip(raw);
    if (line.startsWith("assert") && line.includes("candidate") && ASSERT_LINE.test(line)) {
      seen.add(line);
    }
  }
  return [...seen].map((l) => l.split("candidate").join(entryPoint));
}

const AUX_CALL = re(`(?<!${PY_W})aux${PY_WS}*\\(`);
const AUX_ASSIGN = re(`=${PY_WS}*aux${PY_WS}*\\(`);

/** The authors' `check_aux_function_usage`: `aux(` appears in main's text (comments count). */
export function authorsUsesAux(mainFunc: string): boolean {
  return !!mainFunc && (AUX_CALL.test(mainFunc) || AUX_ASSIGN.test(mainFunc));
}

const WRAP_ASSIGN = re(`(${PY_W}+)${PY_WS}*=${PY_WS}*aux${PY_WS}*\\(`);

/**
 * The authors' `is_wrapper_function`: with blank lines, docstrings, comments and `def` lines
 * removed, the body is empty, or one line starting `return ` that mentions `aux`, or two lines
 * `v = aux(…)` and exactly `return v`.
 */
export function authorsIsWrapper(mainFunc: string): boolean {
  if (!mainFunc) return false;
  const code: string[] = [];
  let inDoc = false;
  for (const line of mainFunc.split("\n")) {
    const s = pyStrip(line);
    if (!s) continue;
    if (s.startsWith('"""') || s.startsWith("'''")) {
      const q = s.startsWith('"""') ? '"""' : "'''";
      if (s.endsWith(q) && s.length > 3) continue;
      inDoc = true;
      continue;
    } else if (inDoc) {
      if (s.includes('"""') || s.includes("'''")) inDoc = false;
      continue;
    }
    if (s.startsWith("#") || s.startsWith("def ")) continue;
    code.push(s);
  }
  if (code.length === 0) return true;
  if (code.length === 1) return code[0].startsWith("return ") && code[0].includes("aux");
  if (code.length === 2) {
    const m = WRAP_ASSIGN.exec(code[0]);
    return !!m && code[1] === `return ${m[1]}`;
  }
  return false;
}

const IGNORED_CALL = re(`aux${PY_WS}\\([^)]\\)`);
const IGNORED_LINE = re(`^aux${PY_WS}\\([^)]\\)$`);

/**
 * The authors' `check_aux_call_without_assignment` (the −0.5): the stripped non-comment lines
 * of main that are exactly `aux`, one whitespace, and one character in parentheses (`aux (x)`).
 */
export function authorsIgnoresAux(mainFunc: string): string[] {
  if (!mainFunc || !mainFunc.includes("aux")) return [];
  const bad: string[] = [];
  mainFunc.split("\n").forEach((line, i) => {
    const s = pyStrip(line);
    if (!s || s.startsWith("#")) return;
    if (IGNORED_CALL.test(s) && IGNORED_LINE.test(s)) bad.push(`Line ${i + 1}: ${s}`);
  });
  return bad;
}

/** Python's `str.splitlines()` boundaries. */
// deno-lint-ignore no-control-regex
const LINE_BREAK = /\r\n|[\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]/;
const CHECK_HEAD = re(`^${PY_WS}*def${PY_WS}+check${PY_WS}*\\(candidate\\)${PY_WS}*:`);

/**
 * The test code the authors' level feedback runs (their `sandbox_slice`, default 1): the lines
 * before `def check(candidate):`, then a new `check` holding only the first `n` asserts that
 * mention `candidate` (`n` < 0: the last |n|; 0: all, the code unchanged). Unchanged as well
 * when no such assert exists.
 */
export function authorsSlicedTests(testCode: string, n = 1): string {
  if (typeof testCode !== "string" || !pyStrip(testCode) || n === 0) return testCode;
  const lines = testCode.split(LINE_BREAK);
  if (new RegExp(`(${LINE_BREAK.source})$`).test(testCode)) lines.pop();
  const checkAt = lines.findIndex((l) => CHECK_HEAD.test(l));
  const preamble = checkAt >= 0 ? lines.slice(0, checkAt) : lines;
  const asserts = lines.slice(checkAt + 1).map(pyStrip).filter((s) =>
    s.startsWith("assert") && s.includes("candidate")
  );
  if (asserts.length === 0) return testCode;
  const parts: string[] = [];
  const pre = pyStrip(preamble.join("\n"));
  if (pre) parts.push(pre);
  parts.push("def check(candidate):");
  for (const a of n > 0 ? asserts.slice(0, n) : asserts.slice(n)) parts.push(`    ${a}`);
  return parts.join("\n") + "\n";
}
