/**
 * Loaders for coding problems in the HumanEval format (`task_id`, `prompt`, `test`,
 * `entry_point`, and `canonical_solution` when the file has one): the original HumanEval, the
 * MAGRPO authors' CoopHumanEval and MBPP files as they distribute them (`data/che_raw.json`,
 * `data/mbpp_raw.json`: no canonical solution), and this repository's own
 * `data/coding/problems.jsonl`. Files may be JSONL, gzip-compressed JSONL (`.jsonl.gz`,
 * detected by content) or one JSON array. Bad input fails with a {@link UserError} naming the
 * file, the line (or array element), the task and the field; the async loaders also reject a
 * row whose test code does not parse as Python (checked with `ast.parse`, never run).
 *
 * @module
 */

import { UserError } from "../util/errors.ts";
import { runPython } from "../sandbox/python.ts";

/** One coding problem in the HumanEval format. */
export interface HumanEvalProblem {
  /** Identifier, e.g. `"HumanEval/0"` (numbers in the file are turned into strings). */
  task_id: string;
  /** Imports, signature and docstring of the function to write. */
  prompt: string;
  /** A reference body that completes `prompt` (absent in the authors' CoopHumanEval/MBPP). */
  canonical_solution?: string;
  /** Python code defining `check(candidate)` with the asserts. */
  test: string;
  /** Name of the function the tests call. */
  entry_point: string;
  /** Optional reference helper `def aux(...)` (this repository's problems). */
  aux_solution?: string;
  /** Optional reference `def <entry_point>(...)` that calls `aux` (this repository's problems). */
  main_solution?: string;
}

const REQUIRED = ["task_id", "prompt", "test", "entry_point"] as const;
const OPTIONAL = ["canonical_solution", "aux_solution", "main_solution"] as const;

async function readText(path: string, loader: string): Promise<string> {
  let bytes: Uint8Array;
  try {
    bytes = await Deno.readFile(path);
  } catch (err) {
    const why = err instanceof Deno.errors.NotFound ? "file not found" : (err as Error).message;
    throw new UserError(`${loader}: cannot read '${path}': ${why}`);
  }
  if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      const stream = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream()
        .pipeThrough(new DecompressionStream("gzip"));
      bytes = new Uint8Array(await new Response(stream).arrayBuffer());
    } catch (err) {
      throw new UserError(
        `${loader}: '${path}' looks gzip-compressed but cannot be decompressed (${
          (err as Error).message
        })`,
      );
    }
  }
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new UserError(`${loader}: '${path}' is not valid UTF-8 text`);
  }
}

function toProblem(
  raw: unknown,
  where: string,
): HumanEvalProblem {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    throw new UserError(
      `${where}: expected a JSON object with HumanEval fields`,
    );
  }
  const rec = raw as Record<string, unknown>;
  if (typeof rec.task_id === "number") rec.task_id = String(rec.task_id);
  const id = typeof rec.task_id === "string" ? ` (task '${rec.task_id}')` : "";
  for (const field of REQUIRED) {
    if (!(field in rec)) {
      throw new UserError(
        `${where}${id}: missing field '${field}' (expected a string)`,
      );
    }
    if (typeof rec[field] !== "string") {
      throw new UserError(
        `${where}${id}: field '${field}' must be a string, got ${typeof rec[
          field
        ]}`,
      );
    }
  }
  const entry = rec.entry_point as string;
  if (!/^[A-Za-z_]\w*$/.test(entry)) {
    throw new UserError(
      `${where}${id}: field 'entry_point' must be a Python identifier, got '${entry}'`,
    );
  }
  if (!/def\s+check\s*\(/.test(rec.test as string)) {
    throw new UserError(
      `${where}${id}: field 'test' must define check(candidate)`,
    );
  }
  const problem: HumanEvalProblem = {
    task_id: rec.task_id as string,
    prompt: rec.prompt as string,
    test: rec.test as string,
    entry_point: entry,
  };
  for (const field of OPTIONAL) {
    if (rec[field] === undefined || rec[field] === null) continue;
    if (typeof rec[field] !== "string") {
      throw new UserError(
        `${where}${id}: field '${field}' must be a string when present`,
      );
    }
    problem[field] = rec[field] as string;
  }
  return problem;
}

/** Where each parsed problem came from (`file:line` or `file: element i`). */
const ROW_OF = new WeakMap<HumanEvalProblem, string>();

const PARSE_TESTS_PY = `import ast, json
tests = json.loads(__TESTS__)
bad = []
for i, t in enumerate(tests):
    try:
        ast.parse(t)
    except (SyntaxError, ValueError) as e:
        bad.append([i, "%s: %s (line %s of the test code)" % (type(e).__name__, getattr(e, "msg", str(e)), getattr(e, "lineno", "?"))])
print(json.dumps(bad))
`;

/** Options of the coding loaders: how the test code's syntax check runs. */
export interface LoadCodingOptions {
  /**
   * Run the syntax check even where the kernel cannot isolate Python (see
   * `RunPythonOptions.unsafe`; default false: refuse).
   */
  unsafe?: boolean;
}

/**
 * Rejects problems whose test code does not parse as Python (one `ast.parse` per row in a
 * Python process; nothing is run), naming the file, the row and the task.
 *
 * @throws {UserError} at the first row whose test code does not parse.
 */
export async function checkTestsParse(
  problems: HumanEvalProblem[],
  loader = "checkTestsParse",
  options: LoadCodingOptions = {},
): Promise<void> {
  if (problems.length === 0) return;
  const source = PARSE_TESTS_PY.replace(
    "__TESTS__",
    () => JSON.stringify(JSON.stringify(problems.map((p) => p.test))),
  );
  const res = await runPython(source, {
    timeoutMs: 60_000,
    memoryMb: 1024,
    maxOutputBytes: 16 << 20,
    unsafe: options.unsafe === true,
  });
  if (!res.ok) {
    throw new UserError(`${loader}: could not check the test code with Python: ${res.reason}`);
  }
  const bad = JSON.parse(res.stdout) as [number, string][];
  if (bad.length) {
    const [i, why] = bad[0];
    const p = problems[i];
    const where = ROW_OF.get(p) ?? `row ${i}`;
    throw new UserError(
      `${loader}: ${where} (task '${p.task_id}'): the test code does not parse: ${why}` +
        (bad.length > 1 ? ` (and ${bad.length - 1} more row(s))` : ""),
    );
  }
}

async function loadChecked(
  path: string,
  loader: string,
  options: LoadCodingOptions,
): Promise<HumanEvalProblem[]> {
  const problems = parseHumanEvalText(await readText(path, loader), path, loader);
  await checkTestsParse(problems, loader, options);
  return problems;
}

function lineOfOffset(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text[i] === "\n") line++;
  }
  return line;
}

/**
 * Parses HumanEval-format problems from text (JSONL, or a JSON array when the text starts
 * with `[`). `source` names the file in error messages.
 *
 * @example
 * ```ts
 * import { parseHumanEvalText } from "./datasets.ts";
 * const rows = parseHumanEvalText(
 *   '{"task_id":"t/0","prompt":"def f(x):\\n","canonical_solution":"    return x\\n",' +
 *     '"test":"def check(candidate):\\n    assert candidate(1) == 1\\n","entry_point":"f"}',
 *   "inline.jsonl",
 * );
 * // rows.length === 1, rows[0].entry_point === "f"
 * ```
 */
export function parseHumanEvalText(
  text: string,
  source: string,
  loader = "parseHumanEvalText",
): HumanEvalProblem[] {
  const problems: HumanEvalProblem[] = [];
  const trimmed = text.replace(/^\uFEFF/, "").trimStart();
  if (trimmed.startsWith("[")) {
    let data: unknown;
    try {
      data = JSON.parse(trimmed);
    } catch (err) {
      const pos = /position (\d+)/.exec((err as Error).message);
      const line = pos ? `:${lineOfOffset(trimmed, Number(pos[1]))}` : "";
      throw new UserError(
        `${loader}: ${source}${line}: invalid JSON (${(err as Error).message})`,
      );
    }
    if (!Array.isArray(data)) {
      throw new UserError(`${loader}: ${source}: expected a JSON array of problems`);
    }
    data.forEach((rec, i) => {
      const where = `${source}: element ${i}`;
      const p = toProblem(rec, `${loader}: ${where}`);
      ROW_OF.set(p, where);
      problems.push(p);
    });
  } else {
    text.split("\n").forEach((line, i) => {
      if (!line.trim()) return;
      let rec: unknown;
      try {
        rec = JSON.parse(line);
      } catch (err) {
        throw new UserError(
          `${loader}: ${source}:${i + 1}: invalid JSON (${(err as Error).message})`,
        );
      }
      const p = toProblem(rec, `${loader}: ${source}:${i + 1}`);
      ROW_OF.set(p, `${source}:${i + 1}`);
      problems.push(p);
    });
  }
  if (problems.length === 0) {
    throw new UserError(`${loader}: ${source}: contains no problems`);
  }
  const seen = new Set<string>();
  for (const p of problems) {
    if (seen.has(p.task_id)) {
      throw new UserError(
        `${loader}: ${source}: duplicate task_id '${p.task_id}'`,
      );
    }
    seen.add(p.task_id);
  }
  return problems;
}

/**
 * Loads HumanEval (`HumanEval.jsonl.gz` as published, or any JSONL / JSON array copy).
 *
 * @example
 * ```ts
 * import { loadHumanEval } from "./datasets.ts";
 * const rows = await loadHumanEval("../shared/datasets/humaneval/HumanEval.jsonl.gz");
 * // rows.length === 164, rows[0].task_id === "HumanEval/0"
 * ```
 */
export async function loadHumanEval(
  path: string,
  options: LoadCodingOptions = {},
): Promise<HumanEvalProblem[]> {
  return await loadChecked(path, "loadHumanEval", options);
}

/**
 * Loads CoopHumanEval: the authors' `data/che_raw.json` as distributed (82 rows of
 * `task_id`, `prompt`, `test`, `entry_point`), or any HumanEval-format JSON / JSONL / .gz.
 */
export async function loadCoopHumanEval(
  path: string,
  options: LoadCodingOptions = {},
): Promise<HumanEvalProblem[]> {
  return await loadChecked(path, "loadCoopHumanEval", options);
}

/**
 * Loads MBPP: the authors' `data/mbpp_raw.json` as distributed (257 rows of `task_id`,
 * `prompt`, `test`, `entry_point`), or any HumanEval-format JSON / JSONL / .gz.
 */
export async function loadMbpp(
  path: string,
  options: LoadCodingOptions = {},
): Promise<HumanEvalProblem[]> {
  return await loadChecked(path, "loadMbpp", options);
}

/**
 * Loads this repository's own helper + main problems (`data/coding/problems.jsonl` by default,
 * resolved relative to this module).
 */
export async function loadCoopCodingProblems(
  path: string = decodeURIComponent(
    new URL("../../data/coding/problems.jsonl", import.meta.url).pathname,
  ),
  options: LoadCodingOptions = {},
): Promise<HumanEvalProblem[]> {
  return await loadChecked(path, "loadCoopCodingProblems", options);
}
