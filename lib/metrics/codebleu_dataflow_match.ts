/**
 * The matching half of CodeBLEU's data-flow score (the reference's `dataflow_match.py`): data-flow
 * entries from {@link ./codebleu_dataflow.ts} are normalized (variables renamed `var_0`,
 * `var_1`, ... in order of appearance) and a candidate's edges are matched, as a multiset, against
 * a reference's.
 *
 * @module
 */

import type { Parser } from "npm:web-tree-sitter@0.25.10";
import { type DataFlowEntry, pythonDataFlow } from "./codebleu_dataflow.ts";
import { withSyntaxTree } from "./treesitter.ts";

/** A normalized edge: variable names replaced by `var_0`, `var_1`, ... */
export interface NormalizedFlow {
  /** The normalized variable name. */
  variable: string;
  /** `comesFrom` or `computedFrom`. */
  relation: "comesFrom" | "computedFrom";
  /** Normalized names the value flows from. */
  parents: string[];
}

/**
 * Renames variables to `var_0`, `var_1`, ... in order of first appearance (parents before the
 * variable itself, entry by entry), as the reference's `normalize_dataflow`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { normalizeDataFlow } from "./codebleu_dataflow_match.ts";
 * assert.deepEqual(normalizeDataFlow([{ name: "y", idx: 3, relation: "computedFrom", parents: ["x"], parentIdx: [1] }]), [{ variable: "var_1", relation: "computedFrom", parents: ["var_0"] }]);
 * ```
 */
export function normalizeDataFlow(
  flow: readonly DataFlowEntry[],
): NormalizedFlow[] {
  const names = new Map<string, string>();
  const rename = (name: string) => {
    if (!names.has(name)) names.set(name, `var_${names.size}`);
    return names.get(name)!;
  };
  return flow.map((e) => {
    const parents = e.parents.map(rename);
    return { variable: rename(e.name), relation: e.relation, parents };
  });
}

/** Data flow of Python source after the reference's comment/docstring stripping. */
function sourceFlow(parser: Parser, code: string): NormalizedFlow[] {
  return normalizeDataFlow(
    withSyntaxTree(parser, code, (root) => pythonDataFlow(root, code)),
  );
}

/**
 * CodeBLEU's data-flow match for one (stripped) pair: [reference edges found among the
 * candidate's (each candidate edge used at most once), all reference edges]. The corpus score
 * is the sum of the first over the sum of the second, or 0 when no reference has any edge.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { pythonParser } from "./treesitter.ts";
 * import { dataFlowMatchCounts } from "./codebleu_dataflow_match.ts";
 * assert.deepEqual(dataFlowMatchCounts(await pythonParser(), "a = 1\nb = a", "x = 1\ny = x"), [4, 4]);
 * ```
 */
export function dataFlowMatchCounts(
  parser: Parser,
  candidate: string,
  reference: string,
): [matched: number, total: number] {
  const refFlow = sourceFlow(parser, reference);
  if (refFlow.length === 0) return [0, 0];
  const available = new Map<string, number>();
  for (const f of sourceFlow(parser, candidate)) {
    const key = JSON.stringify(f);
    available.set(key, (available.get(key) ?? 0) + 1);
  }
  let found = 0;
  for (const key of refFlow.map((f) => JSON.stringify(f))) {
    const left = available.get(key) ?? 0;
    if (left === 0) continue;
    found++;
    available.set(key, left - 1);
  }
  return [found, refFlow.length];
}
