/**
 * CodeBLEU's semantic data-flow match for Python, following the reference implementation
 * (k4black/codebleu `dataflow_match.py` and `parser/DFG.py`, from Microsoft CodeXGLUE):
 *
 * 1. {@link pythonDataFlow} walks the tree-sitter tree and records, for each variable
 *    occurrence, where its value `comesFrom` (earlier definitions) or is `computedFrom`
 *    (the right-hand side of an assignment, a `for` target, a default parameter). Loops are
 *    walked twice, `if` branches merge their states. Occurrences without any edge are dropped.
 * 2. `normalizeDataFlow` ({@link ./codebleu_dataflow_match.ts}) renames variables to `var_0`,
 *    `var_1`, ... in order of appearance.
 * 3. `dataFlowMatchCounts` (same module): per pair, matched and total reference edges; the corpus score,
 *    their ratio summed over pairs, is the fraction of reference edges found (as a multiset) among
 *    the candidate's; 0 when no reference has any edge (CodeBLEU then counts it as 1).
 *
 * Reference quirks kept for score parity: token text is cut from each line by tree-sitter's
 * UTF-8 byte columns as if they were character columns (so tokens after a non-ASCII character on
 * the same line are shifted), and a walk that fails yields no edges. Where the reference orders
 * merged names through a Python `set` (arbitrary order), first-occurrence order is used. A walk
 * longer than {@link MAX_DFG_STEPS} node visits (nested loops double the walk per level) also
 * yields no edges instead of running for hours.
 *
 * @module
 */

import {
  isTokenLeaf,
  referenceTokenText,
  type SyntaxNode,
  tokenKey,
  tokenLeaves,
} from "./treesitter.ts";

/** One data-flow edge set: variable occurrence `name` at token `idx` and where it flows from. */
export interface DataFlowEntry {
  /** The variable's text. */
  name: string;
  /** Index of the occurrence among the tree's tokens. */
  idx: number;
  /** `comesFrom` (a use of earlier definitions) or `computedFrom` (an assignment). */
  relation: "comesFrom" | "computedFrom";
  /** Names the value flows from. */
  parents: string[];
  /** Token indices the value flows from. */
  parentIdx: number[];
}

/** Node visits after which a data-flow walk gives up (and yields no edges). */
export const MAX_DFG_STEPS = 500_000;

type States = ReadonlyMap<string, readonly number[]>;
type Walk = [DataFlowEntry[], States];

/** Where the reference's DFG code would raise (and so return no data flow). */
class WalkFailure extends Error {}

interface WalkContext {
  tokens: Map<string, { idx: number; code: string }>;
  steps: number;
}

type Relation = DataFlowEntry["relation"];
const entry = (
  name: string,
  idx: number,
  relation: Relation,
  parents: string[],
  parentIdx: number[],
): DataFlowEntry => ({ name, idx, relation, parents, parentIdx });
const byIdx = (entries: DataFlowEntry[]) => entries.sort((a, b) => a.idx - b.idx);
const uniqueInOrder = <T>(items: readonly T[]): T[] => [...new Set(items)];
const sortedUnique = (items: readonly number[]) => uniqueInOrder(items).sort((a, b) => a - b);

function childrenOf(node: SyntaxNode | null): SyntaxNode[] {
  if (!node) throw new WalkFailure("missing node");
  return node.children.filter((c): c is SyntaxNode => c !== null);
}

/** Token leaves whose text differs from their type (the reference's `tree_to_variable_index`). */
function variableTokens(
  node: SyntaxNode | null,
  ctx: WalkContext,
): { idx: number; code: string }[] {
  if (!node) throw new WalkFailure("missing node");
  if (isTokenLeaf(node)) {
    const tok = ctx.tokens.get(tokenKey(node));
    if (!tok) throw new WalkFailure("unknown token");
    return node.type !== tok.code ? [tok] : [];
  }
  return childrenOf(node).flatMap((c) => variableTokens(c, ctx));
}

/** Non-comma children of a field, or the field node itself when the two sides do not pair up. */
function pairedSides(node: SyntaxNode): [SyntaxNode[], SyntaxNode[]] {
  const [leftNode, rightNode] = [
    node.childForFieldName("left"),
    node.childForFieldName("right"),
  ];
  let left = childrenOf(leftNode).filter((c) => c.type !== ",");
  let right = childrenOf(rightNode).filter((c) => c.type !== ",");
  if (left.length !== right.length) [left, right] = [[leftNode!], [rightNode!]];
  if (left.length === 0) left = [leftNode!];
  if (right.length === 0) right = [rightNode!];
  return [left, right];
}

/** Walks `nodes` in turn, threading the states; returns all entries and the final states. */
function walkAll(
  nodes: readonly SyntaxNode[],
  ctx: WalkContext,
  states: States,
): Walk {
  const entries: DataFlowEntry[] = [];
  for (const node of nodes) {
    const [found, next] = walkPython(node, ctx, states);
    entries.push(...found);
    states = next;
  }
  return [entries, states];
}

/** `left := right` edges for paired sides: each left variable is computed from all right tokens. */
function assignEdges(
  left: SyntaxNode[],
  right: SyntaxNode[],
  ctx: WalkContext,
  states: States,
): Walk {
  const entries: DataFlowEntry[] = [];
  const next = new Map(states);
  left.forEach((l, k) => {
    const rhs = variableTokens(right[k], ctx);
    const [names, idxs] = [rhs.map((r) => r.code), rhs.map((r) => r.idx)];
    for (const t of variableTokens(l, ctx)) {
      entries.push(entry(t.code, t.idx, "computedFrom", names, idxs));
      next.set(t.code, [t.idx]);
    }
  });
  return [entries, next];
}

/**
 * Merges entries that share `keyOf` (names unioned in first-occurrence order, indices through
 * `mergeIdx`), keeping the latest entry's name and relation, in first-occurrence order.
 */
function mergeEntries(
  entries: readonly DataFlowEntry[],
  keyOf: (e: DataFlowEntry) => string,
  mergeIdx: (idxs: number[]) => number[],
): DataFlowEntry[] {
  const merged = new Map<string, DataFlowEntry>();
  for (const e of entries) {
    const old = merged.get(keyOf(e));
    const parents = old ? uniqueInOrder([...old.parents, ...e.parents]) : e.parents;
    const idxs = old ? mergeIdx([...old.parentIdx, ...e.parentIdx]) : e.parentIdx;
    merged.set(keyOf(e), entry(e.name, e.idx, e.relation, parents, idxs));
  }
  return [...merged.values()];
}

/** Merges entries that share (name, idx, relation), as the reference does after loops. */
const mergeLoopEntries = (entries: DataFlowEntry[]) =>
  byIdx(
    mergeEntries(entries, (e) => JSON.stringify([e.name, e.idx, e.relation]), sortedUnique),
  );

function walkLeaf(node: SyntaxNode, ctx: WalkContext, states: States): Walk {
  const tok = ctx.tokens.get(tokenKey(node));
  if (!tok) throw new WalkFailure("unknown token");
  if (node.type === tok.code) return [[], states];
  const known = states.get(tok.code);
  if (known) {
    return [
      [entry(tok.code, tok.idx, "comesFrom", [tok.code], [...known])],
      states,
    ];
  }
  const next = node.type === "identifier" ? new Map(states).set(tok.code, [tok.idx]) : states;
  return [[entry(tok.code, tok.idx, "comesFrom", [], [])], next];
}

function walkDefaultParameter(
  node: SyntaxNode,
  ctx: WalkContext,
  states: States,
): Walk {
  const value = node.childForFieldName("value");
  const names = variableTokens(node.childForFieldName("name"), ctx);
  const values = value ? variableTokens(value, ctx) : [];
  const [entries, after]: Walk = value ? walkPython(value, ctx, states) : [[], states];
  const next = new Map(after);
  for (const n of names) {
    if (!value) entries.push(entry(n.code, n.idx, "comesFrom", [], []));
    for (const v of values) {
      entries.push(entry(n.code, n.idx, "comesFrom", [v.code], [v.idx]));
    }
    next.set(n.code, [n.idx]);
  }
  return [byIdx(entries), next];
}

function walkAssignment(
  node: SyntaxNode,
  ctx: WalkContext,
  states: States,
): Walk {
  let left: SyntaxNode[];
  let right: SyntaxNode[];
  if (node.type === "for_in_clause") {
    const leftNode = node.childForFieldName("left");
    if (!leftNode) throw new WalkFailure("for_in_clause without left");
    [left, right] = [[leftNode], [childrenOf(node).at(-1)!]];
  } else {
    if (!node.childForFieldName("right")) return [[], states];
    [left, right] = pairedSides(node);
  }
  const [found, afterRight] = walkAll(right, ctx, states);
  const [edges, next] = assignEdges(left, right, ctx, afterRight);
  return [byIdx([...found, ...edges]), next];
}

function walkIf(node: SyntaxNode, ctx: WalkContext, states: States): Walk {
  const entries: DataFlowEntry[] = [];
  let current: States = states;
  const branches: States[] = [];
  let hasElse = false;
  for (const child of childrenOf(node)) {
    if (child.type.includes("else")) hasElse = true;
    if (child.type !== "elif_clause" && child.type !== "else_clause") {
      const [found, next] = walkPython(child, ctx, current);
      entries.push(...found);
      current = next;
    } else {
      const [found, next] = walkPython(child, ctx, states);
      entries.push(...found);
      branches.push(next);
    }
  }
  branches.push(current);
  if (!hasElse) branches.push(states);
  const merged = new Map<string, number[]>();
  for (const branch of branches) {
    for (const [name, idxs] of branch) {
      merged.set(name, [...(merged.get(name) ?? []), ...idxs]);
    }
  }
  for (const [name, idxs] of merged) merged.set(name, sortedUnique(idxs));
  return [byIdx(entries), merged];
}

function walkFor(node: SyntaxNode, ctx: WalkContext, states: States): Walk {
  const entries: DataFlowEntry[] = [];
  for (let pass = 0; pass < 2; pass++) {
    const [left, right] = pairedSides(node);
    const [found, afterRight] = walkAll(right, ctx, states);
    const [edges, afterAssign] = assignEdges(left, right, ctx, afterRight);
    entries.push(...found, ...edges);
    states = afterAssign;
    const last = childrenOf(node).at(-1);
    if (last?.type === "block") {
      const [inBody, afterBody] = walkPython(last, ctx, states);
      entries.push(...inBody);
      states = afterBody;
    }
  }
  return [mergeLoopEntries(entries), states];
}

function walkWhile(node: SyntaxNode, ctx: WalkContext, states: States): Walk {
  const entries: DataFlowEntry[] = [];
  for (let pass = 0; pass < 2; pass++) {
    const [found, next] = walkAll(childrenOf(node), ctx, states);
    entries.push(...found);
    states = next;
  }
  return [mergeLoopEntries(entries), states];
}

/** The reference's `DFG_python`: data-flow entries under `node` and the states after it. */
function walkPython(node: SyntaxNode, ctx: WalkContext, states: States): Walk {
  if (++ctx.steps > MAX_DFG_STEPS) {
    throw new WalkFailure("data-flow walk too long");
  }
  if (isTokenLeaf(node)) return walkLeaf(node, ctx, states);
  switch (node.type) {
    case "default_parameter":
      return walkDefaultParameter(node, ctx, states);
    case "assignment":
    case "augmented_assignment":
    case "for_in_clause":
      return walkAssignment(node, ctx, states);
    case "if_statement":
      return walkIf(node, ctx, states);
    case "for_statement":
      return walkFor(node, ctx, states);
    case "while_statement":
      return walkWhile(node, ctx, states);
  }
  const children = childrenOf(node);
  const first = children.filter((c) => c.type === "for_in_clause");
  const [a, afterFirst] = walkAll(first, ctx, states);
  const [b, after] = walkAll(
    children.filter((c) => c.type !== "for_in_clause"),
    ctx,
    afterFirst,
  );
  return [byIdx([...a, ...b]), after];
}

/**
 * The data flow of a parsed Python tree (the reference's `get_data_flow`): entries with at least
 * one edge (or that another entry points to), merged per token. `code` is the parsed source.
 */
export function pythonDataFlow(
  root: SyntaxNode,
  code: string,
): DataFlowEntry[] {
  const lines = code.split("\n");
  const ctx: WalkContext = { tokens: new Map(), steps: 0 };
  let flow: DataFlowEntry[] = [];
  try {
    tokenLeaves(root).forEach((leaf, idx) =>
      ctx.tokens.set(tokenKey(leaf), {
        idx,
        code: referenceTokenText(lines, leaf),
      })
    );
    flow = byIdx(walkPython(root, ctx, new Map())[0]);
  } catch (err) {
    if (!(err instanceof WalkFailure || err instanceof RangeError)) throw err;
    flow = [];
  }
  const linked = new Set<number>();
  for (const e of flow) {
    if (e.parentIdx.length > 0) linked.add(e.idx);
    for (const i of e.parentIdx) linked.add(i);
  }
  const kept = flow.filter((e) => linked.has(e.idx));
  return mergeEntries(kept, (e) => String(e.idx), uniqueInOrder);
}
