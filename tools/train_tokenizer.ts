/**
 * Trains a small byte-level BPE tokenizer on text files and writes it as an HF folder
 * (`tokenizer.json` + `tokenizer_config.json`) that `AutoTokenizer` loads.
 *
 * Usage:
 * ```sh
 * deno run -A tools/train_tokenizer.ts --corpus data/a.txt --corpus data/b.txt \
 *   --vocab-size 1024 --out models/tiny [--special "<|endoftext|>,<|pad|>"] [--min-frequency 2]
 * ```
 *
 * @module
 */

import { parseArgs } from "node:util";
import { runCli, UserError } from "../lib/util/errors.ts";
import { trainByteBpe } from "./bpe_train.ts";
import { byteBpeTokenizer, saveByteBpeTokenizer } from "../lib/policy/byte_tokenizer.ts";

/** Parses the command line, trains, writes the folder and prints a one-line summary per step. */
export async function main(args: string[]): Promise<void> {
  let values;
  try {
    ({ values } = parseArgs({
      args,
      options: {
        corpus: { type: "string", multiple: true },
        "vocab-size": { type: "string", default: "1024" },
        out: { type: "string" },
        special: { type: "string", default: "<|endoftext|>,<|pad|>" },
        "min-frequency": { type: "string", default: "2" },
      },
    }));
  } catch (err) {
    throw new UserError(`train_tokenizer: ${(err as Error).message}`);
  }
  const files = values.corpus ?? [];
  if (files.length === 0 || !values.out) {
    throw new UserError(
      "train_tokenizer: usage: --corpus FILE [--corpus FILE ...] --out DIR [--vocab-size N] [--special a,b] [--min-frequency N]",
    );
  }
  const vocabSize = Number(values["vocab-size"]),
    minFrequency = Number(values["min-frequency"]);
  const specialTokens = values.special.split(",").filter((s) => s.length > 0);
  const texts: string[] = [];
  for (const f of files) {
    try {
      texts.push(await Deno.readTextFile(f));
    } catch (err) {
      throw new UserError(
        `${f}: cannot read corpus (${(err as Error).message})`,
        { cause: err },
      );
    }
  }
  const corpus = texts.join("\n");
  const t0 = performance.now();
  const spec = trainByteBpe(corpus, { vocabSize, specialTokens, minFrequency });
  const trainS = (performance.now() - t0) / 1000;
  await saveByteBpeTokenizer(values.out, spec);
  const tok = byteBpeTokenizer(spec);
  const bytes = new TextEncoder().encode(corpus).length;
  const tokens = tok.encode(corpus).length;
  console.log(
    `trained ${spec.merges.length} merges (vocab ${tok.vocabSize}) on ${bytes} bytes in ${
      trainS.toFixed(2)
    } s; ` +
      `${(bytes / Math.max(tokens, 1)).toFixed(2)} bytes/token; wrote ${values.out}/tokenizer.json`,
  );
}

if (import.meta.main) await runCli(() => main(Deno.args));
