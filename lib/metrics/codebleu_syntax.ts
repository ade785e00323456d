/**
 * CodeBLEU's syntactic AST match for Python, and the comment/docstring stripping that both the
 * syntax and the data-flow match apply first, as the reference implementation
 * (k4black/codebleu, from Microsoft CodeXGLUE) defines them:
 *
 * - {@link removeCommentsAndDocstrings} reproduces the reference's `remove_comments_and_docstrings`,
 *   which runs Python's `tokenize` (3.11 rules, emulated here) and rebuilds the source without
 *   comments and without "docstrings" (string tokens that open a logical line or sit at column 0),
 *   then drops blank lines. When Python's tokenizer would fail (unterminated bracket or string,
 *   inconsistent dedent) the source is left as it is.
 * - {@link subtreeSexps} lists the s-expressions (`ts_node_string`: named nodes only, with field
 *   names) of the root and of every node that has children.
 * - {@link strippedPairs}: the stripped (candidate, reference) pairs both matches compare.
 * - {@link syntaxMatchCounts}: per pair, the reference subtrees whose s-expression also occurs
 *   among the candidate's, and all reference subtrees; the corpus score is the ratio of the sums.
 *
 * @module
 */

import type { Parser } from "npm:web-tree-sitter@0.25.10";
import { pyStrip } from "./codebleu_bleu.ts";
import { type SyntaxNode, withSyntaxTree } from "./treesitter.ts";

type TokenKind =
  | "STRING"
  | "COMMENT"
  | "NEWLINE"
  | "NL"
  | "INDENT"
  | "DEDENT"
  | "ERROR"
  | "OTHER";

/** A Python token as `tokenize` reports it: kind, text, 1-based rows, 0-based columns. */
interface PyToken {
  kind: TokenKind;
  text: string;
  startRow: number;
  startCol: number;
  endRow: number;
  endCol: number;
}

/** Raised where Python's `tokenize` raises (TokenError, IndentationError). */
class TokenizeFailure extends Error {}

const PREFIX = "(?:[bB][rR]?|[rR][bBfF]?|[uU]|[fF][rR]?)?";
const DIGITS = "[0-9](?:_?[0-9])*";
const EXPONENT = `[eE][-+]?${DIGITS}`;
const POINT_FLOAT = `(?:${DIGITS}\\.(?:${DIGITS})?|\\.${DIGITS})(?:${EXPONENT})?`;
const FLOAT = `(?:${POINT_FLOAT}|${DIGITS}${EXPONENT})`;
const INT =
  "(?:0[xX](?:_?[0-9a-fA-F])+|0[bB](?:_?[01])+|0[oO](?:_?[0-7])+|0(?:_?0)*|[1-9](?:_?[0-9])*)";
const NUMBER = `(?:${DIGITS}[jJ]|${FLOAT}[jJ]|${FLOAT}|${INT})`;
const OPERATORS = [
  "!=",
  "%",
  "%=",
  "&",
  "&=",
  "(",
  ")",
  "*",
  "**",
  "**=",
  "*=",
  "+",
  "+=",
  ",",
  "-",
  "-=",
  "->",
  ".",
  "...",
  "/",
  "//",
  "//=",
  "/=",
  ":",
  ":=",
  ";",
  "<",
  "<<",
  "<<=",
  "<=",
  "=",
  "==",
  ">",
  ">=",
  ">>",
  ">>=",
  "@",
  "@=",
  "[",
  "]",
  "^",
  "^=",
  "{",
  "|",
  "|=",
  "}",
  "~",
].sort().reverse(); // longest alternative before its prefixes, as tokenize's `Special`
const SPECIAL = OPERATORS.map((op) => op.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")).join("|");
const TRIPLE = `${PREFIX}'''|${PREFIX}"""`;
const CONT_STR = `${PREFIX}'[^\\n'\\\\]*(?:\\\\[^\\n][^\\n'\\\\]*)*(?:'|\\\\\\r?\\n)|` +
  `${PREFIX}"[^\\n"\\\\]*(?:\\\\[^\\n][^\\n"\\\\]*)*(?:"|\\\\\\r?\\n)`;
/** tokenize's PseudoToken: whitespace, then (extras | number | operator | string start | name). */
const PSEUDO_TOKEN = new RegExp(
  `[ \\f\\t]*((?:\\\\\\r?\\n|$)|#[^\\r\\n]*|${TRIPLE}|${NUMBER}|\\r?\\n|${SPECIAL}|${CONT_STR}|[\\p{L}\\p{N}_]+)`,
  "uy",
);
/** Tails of strings: the rest of a ' / " / ''' / """ string up to and including its closing quote. */
const STRING_TAIL: Record<string, RegExp> = {
  "'": /[^'\\]*(?:\\[^\n][^'\\]*)*'/y,
  '"': /[^"\\]*(?:\\[^\n][^"\\]*)*"/y,
  "'''": /[^'\\]*(?:(?:\\[^\n]|'(?!''))[^'\\]*)*'''/y,
  '"""': /[^"\\]*(?:(?:\\[^\n]|"(?!""))[^"\\]*)*"""/y,
};
const TRIPLE_OPEN = new RegExp(`^(?:${TRIPLE})$`);
const SINGLE_OPEN = new RegExp(`^${PREFIX}['"]$`);

function matchAt(
  re: RegExp,
  text: string,
  pos: number,
): RegExpExecArray | null {
  re.lastIndex = pos;
  return re.exec(text);
}

/** Emulates Python 3.11 `tokenize.generate_tokens` (the token kinds CodeBLEU's stripping needs). */
function pythonTokens(source: string): PyToken[] {
  const lines = source.match(/[^\n]*\n|[^\n]+$/g) ?? [];
  const tokens: PyToken[] = [];
  const push = (
    kind: TokenKind,
    text: string,
    sr: number,
    sc: number,
    er: number,
    ec: number,
  ) =>
    tokens.push({
      kind,
      text,
      startRow: sr,
      startCol: sc,
      endRow: er,
      endCol: ec,
    });
  const indents = [0];
  let [lnum, parenlev, continued] = [0, 0, false];
  let [contstr, needcont, strRow, strCol] = ["", false, 0, 0];
  let endprog = STRING_TAIL["'"];
  let [line, lastLine] = ["", ""];
  while (true) {
    lastLine = line;
    line = lines[lnum] ?? "";
    lnum++;
    let pos = 0;
    const max = line.length;
    if (contstr) {
      if (!line) throw new TokenizeFailure("EOF in multi-line string");
      const end = matchAt(endprog, line, 0);
      if (end) {
        pos = end[0].length;
        push("STRING", contstr + line.slice(0, pos), strRow, strCol, lnum, pos);
        [contstr, needcont] = ["", false];
      } else if (
        needcont && !line.endsWith("\\\n") && !line.endsWith("\\\r\n")
      ) {
        push("ERROR", contstr + line, strRow, strCol, lnum, line.length);
        contstr = "";
        continue;
      } else {
        contstr += line;
        continue;
      }
    } else if (parenlev === 0 && !continued) {
      if (!line) break;
      let column = 0;
      for (; pos < max; pos++) {
        const c = line[pos];
        if (c === " ") column++;
        else if (c === "\t") column = (Math.floor(column / 8) + 1) * 8;
        else if (c === "\f") column = 0;
        else break;
      }
      if (pos === max) break;
      if ("#\r\n".includes(line[pos])) {
        if (line[pos] === "#") {
          const comment = line.slice(pos).replace(/[\r\n]+$/, "");
          push("COMMENT", comment, lnum, pos, lnum, pos + comment.length);
          pos += comment.length;
        }
        push("NL", line.slice(pos), lnum, pos, lnum, line.length);
        continue;
      }
      if (column > indents[indents.length - 1]) {
        indents.push(column);
        push("INDENT", line.slice(0, pos), lnum, 0, lnum, pos);
      }
      while (column < indents[indents.length - 1]) {
        if (!indents.includes(column)) {
          throw new TokenizeFailure("unindent does not match any outer level");
        }
        indents.pop();
        push("DEDENT", "", lnum, pos, lnum, pos);
      }
    } else {
      if (!line) throw new TokenizeFailure("EOF in multi-line statement");
      continued = false;
    }
    while (pos < max) {
      const m = matchAt(PSEUDO_TOKEN, line, pos);
      if (!m) {
        push("ERROR", line[pos], lnum, pos, lnum, pos + 1);
        pos++;
        continue;
      }
      const end = pos + m[0].length;
      const start = end - m[1].length;
      pos = end;
      if (start === end) continue;
      const token = m[1];
      const initial = token[0];
      if (
        "0123456789".includes(initial) ||
        (initial === "." && token !== "." && token !== "...")
      ) {
        push("OTHER", token, lnum, start, lnum, end);
      } else if (initial === "\r" || initial === "\n") {
        push(parenlev > 0 ? "NL" : "NEWLINE", token, lnum, start, lnum, end);
      } else if (initial === "#") {
        push("COMMENT", token, lnum, start, lnum, end);
      } else if (TRIPLE_OPEN.test(token)) {
        endprog = STRING_TAIL[token.slice(-3)];
        const tail = matchAt(endprog, line, pos);
        if (!tail) {
          [strRow, strCol, contstr] = [lnum, start, line.slice(start)];
          break;
        }
        pos += tail[0].length;
        push("STRING", line.slice(start, pos), lnum, start, lnum, pos);
      } else if ([1, 2, 3].some((k) => SINGLE_OPEN.test(token.slice(0, k)))) {
        if (token.endsWith("\n")) {
          endprog = STRING_TAIL[
            [...token.slice(0, 3)].find((c) => c === "'" || c === '"') ?? "'"
          ];
          [strRow, strCol, contstr, needcont] = [
            lnum,
            start,
            line.slice(start),
            true,
          ];
          break;
        }
        push("STRING", token, lnum, start, lnum, end);
      } else if (initial === "\\") {
        continued = true;
      } else {
        if ("([{".includes(initial)) parenlev++;
        else if (")]}".includes(initial)) parenlev--;
        push("OTHER", token, lnum, start, lnum, end);
      }
    }
  }
  if (
    lastLine && !/[\r\n]$/.test(lastLine) && !pyStrip(lastLine).startsWith("#")
  ) {
    push(
      "NEWLINE",
      "",
      lnum - 1,
      lastLine.length,
      lnum - 1,
      lastLine.length + 1,
    );
  }
  for (let i = 1; i < indents.length; i++) push("DEDENT", "", lnum, 0, lnum, 0);
  return tokens;
}

/**
 * Removes comments and docstrings from Python source the way the reference CodeBLEU does
 * (Python `tokenize`, then blank lines dropped); returns the source unchanged where Python's
 * tokenizer would raise.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { removeCommentsAndDocstrings } from "./codebleu_syntax.ts";
 * assert.deepEqual(removeCommentsAndDocstrings('def f():\n    """doc"""\n    return 1  # one'), "def f():\n    return 1  ");
 * ```
 */
export function removeCommentsAndDocstrings(source: string): string {
  let tokens: PyToken[];
  try {
    tokens = pythonTokens(source);
  } catch (err) {
    if (err instanceof TokenizeFailure) return source;
    throw err;
  }
  let out = "";
  let prev: TokenKind = "INDENT";
  let [lastRow, lastCol] = [-1, 0];
  for (const tok of tokens) {
    if (tok.startRow > lastRow) lastCol = 0;
    if (tok.startCol > lastCol) out += " ".repeat(tok.startCol - lastCol);
    const isDocstring = tok.kind === "STRING" &&
      (prev === "INDENT" || prev === "NEWLINE" || tok.startCol === 0);
    if (tok.kind !== "COMMENT" && !isDocstring) out += tok.text;
    [prev, lastCol, lastRow] = [tok.kind, tok.endCol, tok.endRow];
  }
  return out.split("\n").filter((l) => pyStrip(l) !== "").join("\n");
}

/**
 * The s-expressions of the root and of every node with children (tree-sitter's
 * `ts_node_string`, which prints named nodes and field names), in the reference's
 * depth-first order.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { pythonParser, withSyntaxTree } from "./treesitter.ts";
 * import { subtreeSexps } from "./codebleu_syntax.ts";
 * assert.deepEqual(withSyntaxTree(await pythonParser(), "pass", subtreeSexps), ["(module (pass_statement))", "(pass_statement)"]);
 * ```
 */
export function subtreeSexps(root: SyntaxNode): string[] {
  const stack: SyntaxNode[] = [root];
  const out: string[] = [];
  while (stack.length > 0) {
    const node = stack.pop()!;
    out.push(node.toString());
    for (const child of node.children) {
      if (child && child.childCount > 0) stack.push(child);
    }
  }
  return out;
}

/**
 * The (candidate, reference) pairs that CodeBLEU's syntax and data-flow matches compare, both
 * stripped by {@link removeCommentsAndDocstrings}; as in the reference, a candidate is stripped
 * once more for each further reference of its own.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { strippedPairs } from "./codebleu_syntax.ts";
 * assert.deepEqual(strippedPairs([["x = 1  # a", "y = 2"]], ["z = 3  # b"]), [["z = 3  ", "x = 1  "], ["z = 3  ", "y = 2"]]);
 * ```
 */
export function strippedPairs(
  references: readonly string[][],
  candidates: readonly string[],
): [candidate: string, reference: string][] {
  return candidates.flatMap((original, i) => {
    let candidate = original;
    return references[i].map((reference): [string, string] => {
      candidate = removeCommentsAndDocstrings(candidate);
      return [candidate, removeCommentsAndDocstrings(reference)];
    });
  });
}

/**
 * CodeBLEU's syntax match for one (stripped) pair: [reference subtrees whose s-expression
 * occurs among the candidate's, all reference subtrees]. The corpus score is the sum of the
 * first over the sum of the second across {@link strippedPairs}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { pythonParser } from "./treesitter.ts";
 * import { syntaxMatchCounts } from "./codebleu_syntax.ts";
 * assert.deepEqual(syntaxMatchCounts(await pythonParser(), "def f(y): return y", "def g(x): return x + 1"), [1, 6]);
 * ```
 */
export function syntaxMatchCounts(
  parser: Parser,
  candidate: string,
  reference: string,
): [matched: number, total: number] {
  const candSexps = new Set(withSyntaxTree(parser, candidate, subtreeSexps));
  const refSexps = withSyntaxTree(parser, reference, subtreeSexps);
  return [
    refSexps.filter((sexp) => candSexps.has(sexp)).length,
    refSexps.length,
  ];
}
