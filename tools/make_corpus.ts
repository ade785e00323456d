/**
 * Writes the pretraining corpus and prints its statistics.
 *
 * ```sh
 * deno run --allow-write tools/make_corpus.ts --seed 0 --out data/corpus/stories.txt --bytes 1500000
 * ```
 *
 * Flags: `--seed` (string or number, default 0), `--out` (file; omitted: statistics only),
 * `--bytes` (upper bound on the size, default 1500000), `--sample N` (also print N random lines).
 *
 * @module
 */

import { parseArgs } from "node:util";
import { runCli, UserError } from "../lib/util/errors.ts";
import { makeRng, randInt } from "../lib/util/rng.ts";
import { corpusStats, generateCorpus } from "./corpus/corpus_grammar.ts";

/** Parsed command line of `make_corpus.ts`. */
export interface MakeCorpusArgs {
  /** Seed of the generator. */
  seed: string;
  /** Output file, or "" to only print statistics. */
  out: string;
  /** Upper bound on the corpus size in bytes. */
  bytes: number;
  /** How many random sample lines to print. */
  sample: number;
}

/** Parses and checks the flags (throws {@link UserError} naming the bad flag). */
export function parseMakeCorpusArgs(argv: string[]): MakeCorpusArgs {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        seed: { type: "string", default: "0" },
        out: { type: "string", default: "" },
        bytes: { type: "string", default: "1500000" },
        sample: { type: "string", default: "0" },
      },
    }));
  } catch (err) {
    throw new UserError(`make_corpus.ts: ${(err as Error).message}`);
  }
  const int = (flag: "bytes" | "sample", min: number) => {
    const n = Number(values[flag]);
    if (!Number.isInteger(n) || n < min) {
      throw new UserError(
        `make_corpus.ts: --${flag} must be an integer >= ${min}, got '${values[flag]}'`,
      );
    }
    return n;
  };
  return {
    seed: values.seed!,
    out: values.out!,
    bytes: int("bytes", 1),
    sample: int("sample", 0),
  };
}

async function main(): Promise<void> {
  const args = parseMakeCorpusArgs(Deno.args);
  const t0 = performance.now();
  const text = generateCorpus(args.seed, args.bytes);
  const seconds = (performance.now() - t0) / 1000;
  if (args.out) await Deno.writeTextFile(args.out, text);
  const s = corpusStats(text);
  console.log(
    `seed ${args.seed}, budget ${args.bytes} bytes, generated in ${seconds.toFixed(2)} s`,
  );
  console.log(
    `bytes ${s.bytes}  lines ${s.lines}  words ${s.words}  distinct words ${s.distinctWords}`,
  );
  console.log(
    `top-20 words share ${(100 * s.top20Share).toFixed(1)}%: ${
      s.top20.map(([w, c]) => `${w} ${c}`).join(", ")
    }`,
  );
  if (args.out) console.log(`wrote ${args.out}`);
  const lines = text.trimEnd().split("\n");
  const rng = makeRng(`${args.seed}/sample`);
  for (let i = 0; i < args.sample; i++) {
    console.log(`  ${lines[randInt(rng, lines.length)]}`);
  }
}

if (import.meta.main) await runCli(main);
