// The authors' text heuristics of the coding reward (cleanup, extraction, "defined with a
// return", aux use, wrapper, ignored call, prompt imports, test lines, the feedback's sliced
// tests) against their own outputs on 404 seeded random completions
// (tests/authors/coding_corpus.json "textCases", made by tools/authors_coding_corpus.py).
import assert from "node:assert/strict";
import {
  authorsCleanup,
  authorsDefined,
  authorsExtractFunction,
  authorsIgnoresAux,
  authorsIsWrapper,
  authorsPromptImports,
  authorsSlicedTests,
  authorsTestLines,
  authorsUsesAux,
} from "../lib/envs/coding_authors.ts";
import { runVerdictTests } from "../lib/sandbox/verdict.ts";

interface TextCase {
  text: string;
  cleanup: string;
  aux: string;
  main: string;
  auxDefined: [boolean, string];
  usesAux: boolean;
  isWrapper: boolean;
  ignoresAux: string[];
  imports: string;
  tests: string[];
  sliced: string;
}
const CASES = (JSON.parse(
  await Deno.readTextFile(new URL("./authors/coding_corpus.json", import.meta.url)),
) as { textCases: TextCase[] }).textCases;

Deno.test("authors' text heuristics: every seeded completion gives their output", () => {
  assert.ok(CASES.length >= 400);
  const wrong: string[] = [];
  for (const [i, c] of CASES.entries()) {
    const def = authorsDefined(c.text, "aux", "Aux function");
    const got: Omit<TextCase, "text"> = {
      cleanup: authorsCleanup(c.text),
      aux: authorsExtractFunction(c.text, "aux"),
      main: authorsExtractFunction(c.text, "main_fn"),
      auxDefined: [def.ok, def.message],
      usesAux: authorsUsesAux(c.text),
      isWrapper: authorsIsWrapper(c.text),
      ignoresAux: authorsIgnoresAux(c.text),
      imports: authorsPromptImports(c.text),
      tests: authorsTestLines(c.text, "f"),
      sliced: authorsSlicedTests(c.text, 1),
    };
    for (const [k, v] of Object.entries(got)) {
      const want = c[k as keyof TextCase];
      if (JSON.stringify(v) !== JSON.stringify(want)) {
        wrong.push(
          `#${i} ${k}: ${JSON.stringify(c.text)}\n  theirs ${JSON.stringify(want)}\n  ours   ${
            JSON.stringify(v)
          }`,
        );
      }
    }
  }
  assert.deepEqual(wrong.slice(0, 10), []);
});

Deno.test("authors' feedback analysis of aux use: their output on every pinned main", async () => {
  const cases = (JSON.parse(
    await Deno.readTextFile(new URL("./authors/coding_corpus.json", import.meta.url)),
  ) as { misuseCases: { main: string; misuse: string[] }[] }).misuseCases;
  assert.ok(cases.length >= 25);
  const got = await Promise.all(
    cases.map(async (c) => (await runVerdictTests("", [], { analyze: c.main })).auxMisuse),
  );
  assert.deepEqual(got, cases.map((c) => c.misuse));
});
