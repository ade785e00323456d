/**
 * The Python parser CodeBLEU's syntax and data-flow matches use: tree-sitter compiled to
 * WebAssembly (`web-tree-sitter`) with the `tree-sitter-python` grammar, both loaded from the
 * npm packages' files on disk (never from the network). Nothing is loaded when this module is
 * imported: the first {@link pythonParser} call loads the parser (asynchronous, about 0.1 s,
 * needs read permission on `node_modules`); later calls return the same parser, and every
 * parse is synchronous.
 *
 * @module
 */

import { createRequire } from "node:module";
import { Language, type Node, Parser } from "npm:web-tree-sitter@0.25.10";
import { UserError } from "../util/errors.ts";

/** A node of a tree-sitter syntax tree (re-exported type from `web-tree-sitter`). */
export type SyntaxNode = Node;

/** Resolves a file shipped inside an npm package through Node's resolution. */
function packageFile(specifier: string): string {
  const require = createRequire(import.meta.url);
  try {
    return require.resolve(specifier);
  } catch (err) {
    if (err instanceof Deno.errors.NotCapable) {
      throw new UserError(
        `lib/metrics/treesitter.ts: reading '${specifier}' from node_modules needs read ` +
          `permission (run with --allow-read): ${err.message}`,
        { cause: err },
      );
    }
    throw new UserError(
      `lib/metrics/treesitter.ts: cannot find '${specifier}' on disk; run 'deno install' so the ` +
        `npm packages 'web-tree-sitter' and 'tree-sitter-python' are present`,
      { cause: err },
    );
  }
}

async function createPythonParser(): Promise<Parser> {
  const runtimeWasm = packageFile("web-tree-sitter/tree-sitter.wasm");
  await Parser.init({ locateFile: () => runtimeWasm });
  const grammar = await Language.load(
    await Deno.readFile(
      packageFile("tree-sitter-python/tree-sitter-python.wasm"),
    ),
  );
  const parser = new Parser();
  parser.setLanguage(grammar);
  return parser;
}

let loading: Promise<Parser> | undefined;

/**
 * The tree-sitter parser for Python, loaded on the first call (the WebAssembly runtime and
 * grammar from `node_modules`, which needs read permission there) and shared afterwards. A
 * failed load is not cached: the next call tries again.
 *
 * @throws {UserError} when the parser cannot be loaded (the cause names why).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { pythonParser } from "./treesitter.ts";
 * const parser = await pythonParser();
 * assert.equal(
 *   parser.parse("x = 1")?.rootNode.toString(),
 *   "(module (expression_statement (assignment left: (identifier) right: (integer))))",
 * );
 * ```
 */
export function pythonParser(): Promise<Parser> {
  loading ??= createPythonParser().catch((cause) => {
    loading = undefined;
    if (cause instanceof UserError) throw cause;
    throw new UserError(
      `lib/metrics/treesitter.ts: could not load the tree-sitter Python parser from ` +
        `node_modules (${cause instanceof Error ? cause.message : String(cause)}); it needs ` +
        `read permission there and the npm packages 'web-tree-sitter' and 'tree-sitter-python'`,
      { cause },
    );
  });
  return loading;
}

/**
 * Parses Python source, passes the root node of its syntax tree to `use`, frees the tree (its
 * memory lives in the WebAssembly heap, which the garbage collector does not reclaim) and
 * returns what `use` returned. Nodes must not escape `use`. Tree-sitter never fails: invalid
 * code yields `ERROR` / `MISSING` nodes.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { pythonParser, withSyntaxTree } from "./treesitter.ts";
 * assert.equal(withSyntaxTree(await pythonParser(), "x = 1", (root) => root.type), "module");
 * ```
 */
export function withSyntaxTree<T>(
  parser: Parser,
  code: string,
  use: (root: SyntaxNode) => T,
): T {
  const tree = parser.parse(code);
  if (!tree) {
    throw new Error(
      "lib/metrics/treesitter.ts: tree-sitter returned no tree (parser has no language)",
    );
  }
  try {
    return use(tree.rootNode);
  } finally {
    tree.delete();
  }
}

/** Node types the reference treats as single tokens even though they have children. */
const STRING_TYPES = ["string_literal", "string", "character_literal"];

/**
 * Whether the reference CodeBLEU treats `node` as one token: a leaf or a string literal, but
 * never a comment.
 */
export function isTokenLeaf(node: SyntaxNode): boolean {
  return (node.childCount === 0 || STRING_TYPES.includes(node.type)) &&
    node.type !== "comment";
}

/** A key identifying a token by its source span (the reference keys by start/end points). */
export function tokenKey(node: SyntaxNode): string {
  return `${node.startIndex}:${node.endIndex}`;
}

/** Token nodes in source order (the reference's `tree_to_token_index`). */
export function tokenLeaves(
  node: SyntaxNode,
  out: SyntaxNode[] = [],
): SyntaxNode[] {
  if (isTokenLeaf(node)) out.push(node);
  else for (const child of node.children) if (child) tokenLeaves(child, out);
  return out;
}

function utf8Length(text: string): number {
  let n = 0;
  for (const ch of text) {
    const cp = ch.codePointAt(0)!;
    n += cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
  }
  return n;
}

/**
 * A token's text as the reference CodeBLEU cuts it (`index_to_code_token`): tree-sitter's
 * UTF-8 byte columns used as character indices into the line (rows joined without newline).
 * On ASCII lines this is the token's text; after a non-ASCII character on the same line it is
 * shifted, a quirk kept for score parity. `lines` is the parsed source split on "\n".
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { pythonParser, referenceTokenText, tokenLeaves, withSyntaxTree } from "./treesitter.ts";
 * const code = 'é = 1; f(é)';
 * const texts = withSyntaxTree(await pythonParser(), code, (root) =>
 *   tokenLeaves(root).map((t) => referenceTokenText([code], t)));
 * // (the true tokens are é = 1 ; f ( é ))
 * assert.deepEqual(texts, ["é ", " ", ";", " ", "(", "é", ")", ""]);
 * ```
 */
export function referenceTokenText(
  lines: readonly string[],
  node: SyntaxNode,
): string {
  const [s, e] = [node.startPosition, node.endPosition];
  const chars = (row: number) => [...(lines[row] ?? "")];
  const byteCol = (row: number, col: number) => utf8Length((lines[row] ?? "").slice(0, col));
  if (s.row === e.row) {
    return chars(s.row).slice(
      byteCol(s.row, s.column),
      byteCol(e.row, e.column),
    ).join("");
  }
  let text = chars(s.row).slice(byteCol(s.row, s.column)).join("");
  for (let r = s.row + 1; r < e.row; r++) text += lines[r];
  return text + chars(e.row).slice(0, byteCol(e.row, e.column)).join("");
}
