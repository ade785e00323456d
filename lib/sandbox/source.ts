/**
 * Python source text helpers for model completions: pull the code out of a completion
 * (markdown fences, leading prose), cut one function's block out of it, tell whether a block
 * returns a value, and list its top-level imports. Pure string functions, no Python needed.
 *
 * @module
 */

/**
 * Extracts the code from a model completion: keeps the contents of markdown fences when
 * there are any (an unterminated last fence counts), then drops prose before the first line
 * that starts like code (`def`, `class`, `import`, `from`, `@`, `#`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { extractCode } from "./source.ts";
 * assert.deepEqual(extractCode("Sure!\n\x60\x60\x60python\ndef aux(x):\n    return x\n\x60\x60\x60\nDone."), "def aux(x):\n    return x");
 * ```
 */
export function extractCode(completion: string): string {
  const text = completion.replace(/\r\n?/g, "\n");
  const blocks: string[] = [];
  for (
    const m of text.matchAll(
      /```[ \t]*([\w+.-]*)[^\n]*\n([\s\S]*?)(?:\n?```|$)/g,
    )
  ) {
    const lang = m[1].toLowerCase();
    if (["", "python", "py", "python3"].includes(lang)) blocks.push(m[2]);
  }
  const code = blocks.length ? blocks.join("\n\n") : text;
  const lines = code.split("\n");
  const first = lines.findIndex((l) => /^(async\s+def|def|class|import|from|@|#)\b|^#/.test(l));
  return (first >= 0 ? lines.slice(first).join("\n") : code).replace(
    /\s+$/,
    "",
  );
}

function indentOf(line: string): number {
  return line.length - line.trimStart().length;
}

/** Toggles triple-quote state over one line; returns the state at the end of the line. */
function scanQuotes(line: string, open: string | null): string | null {
  let i = 0;
  while (i < line.length) {
    if (open) {
      const j = line.indexOf(open, i);
      if (j < 0) return open;
      i = j + 3;
      open = null;
    } else {
      const m = /"""|'''|#/.exec(line.slice(i));
      if (!m) return null;
      if (m[0] === "#") return null;
      open = m[0];
      i += m.index + 3;
    }
  }
  return open;
}

/**
 * Extracts the block of `def name(...)` (with decorators) from code, dedented, or `""` when
 * there is no such function. A top-level definition is preferred over a nested one.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { extractFunction } from "./source.ts";
 * assert.deepEqual(extractFunction("x = 1\ndef aux(a):\n    return a\nprint(aux(2))", "aux"), "def aux(a):\n    return a");
 * ```
 */
export function extractFunction(code: string, name: string): string {
  const lines = code.replace(/\r\n?/g, "\n").split("\n");
  const head = new RegExp(`^(\\s*)(async\\s+)?def\\s+${name}\\s*\\(`);
  const starts = lines.map((l, i) => head.test(l) ? i : -1).filter((i) => i >= 0);
  if (starts.length === 0) return "";
  const start = starts.find((i) => indentOf(lines[i]) === 0) ?? starts[0];
  const base = indentOf(lines[start]);
  let first = start;
  while (
    first > 0 && lines[first - 1].trim().startsWith("@") &&
    indentOf(lines[first - 1]) === base
  ) {
    first--;
  }
  let depth = 0;
  let quote: string | null = null;
  let end = start;
  for (let i = start; i < lines.length; i++) {
    const line = lines[i];
    const inHeader = i === start || depth > 0;
    if (
      !inHeader && quote === null && line.trim() !== "" &&
      indentOf(line) <= base
    ) break;
    if (inHeader) {
      for (const ch of line.replace(/#.*$/, "")) {
        depth += ch === "(" || ch === "[" ? 1 : ch === ")" || ch === "]" ? -1 : 0;
      }
    }
    quote = scanQuotes(line, quote);
    end = i;
  }
  while (end > start && lines[end].trim() === "") end--;
  return lines.slice(first, end + 1)
    .map((
      l,
    ) => (l.slice(0, base).trim() === "" ? l.slice(base) : l.trimStart()))
    .join("\n");
}

/** Whether a function block contains `return <value>` outside strings and comments. */
export function hasReturnValue(block: string): boolean {
  const code = block
    .replace(/"""[\s\S]*?"""|'''[\s\S]*?'''/g, "")
    .replace(/"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'/g, "''")
    .replace(/#.*$/gm, "");
  return /\breturn\b[ \t]*[^\s;]/.test(code);
}

/** Top-level `import x` / `from x import y` lines of some code. */
export function importLines(code: string): string[] {
  return code.replace(/\r\n?/g, "\n").split("\n").filter((l) =>
    /^(import\s+[\w.]+(\s+as\s+\w+)?(\s*,\s*[\w.]+(\s+as\s+\w+)?)*|from\s+[\w.]+\s+import\s+[^()]+)\s*(#.*)?$/
      .test(l)
  ).map((l) => l.trim());
}
