/**
 * The one tokenizer interface the policy uses, and `loadTokenizer(dir)`, which wraps
 * `@huggingface/transformers`' `AutoTokenizer` on a LOCAL Hugging Face folder (offline: no
 * download is ever attempted). The built-in byte-level tokenizers live in `byte_tokenizer.ts`.
 *
 * @module
 */

import { UserError } from "../util/errors.ts";
import type { Activation, Arch, ModelConfig, TransformerConfig } from "../model/config.ts";
import { readGenerationConfig } from "../model/hf_folder.ts";

export type { Activation, Arch, ModelConfig, TransformerConfig };

/** One chat turn, as chat templates expect. */
export interface ChatMessage {
  /** `system`, `user` or `assistant`. */
  role: string;
  /** The text of the turn. */
  content: string;
}

/** Options of {@link Tokenizer.decode}. */
export interface DecodeOptions {
  /** Drop special tokens (end-of-text, padding, …) from the text. Default false. */
  skipSpecialTokens?: boolean;
}

/**
 * Text ⇄ token ids. `encode` adds no special tokens (prompt formatting and chat templates do
 * that); `decode(encode(text)) === text` for every text.
 */
export interface Tokenizer {
  /** Token ids of `text` (no BOS/EOS added). */
  encode(text: string): number[];
  /** Text of `ids` (an empty list gives `""`). */
  decode(ids: readonly number[], opts?: DecodeOptions): string;
  /** Largest token id + 1. */
  vocabSize: number;
  /** Tokens that end a completion (tokenizer's EOS plus `generation_config.json`'s). */
  eosTokenIds: number[];
  /** Beginning-of-sequence token, if the tokenizer has one. */
  bosTokenId?: number;
  /** Padding token, if the tokenizer names one explicitly. */
  padTokenId?: number;
  /** Renders messages with the folder's chat template, ending with the assistant prompt. */
  applyChatTemplate?(messages: ChatMessage[]): string;
}

/** The subset of transformers.js' `PreTrainedTokenizer` used here. */
interface HfTokenizer {
  encode(text: string, opts: { add_special_tokens: boolean }): number[];
  decode(ids: number[], opts: { skip_special_tokens: boolean }): string;
  get_vocab(): Map<string, number> | Record<string, number>;
  apply_chat_template(
    messages: ChatMessage[],
    opts: Record<string, unknown>,
  ): unknown;
  chat_template: unknown;
  eos_token_id?: number;
  bos_token_id?: number;
  config: Record<string, unknown>;
}

const join = (dir: string, name: string) => `${dir.replace(/\/+$/, "")}/${name}`;

/** Absolute form of a folder path, so transformers.js reads it as a path, not a model id. */
function absolute(dir: string): string {
  const abs = dir.startsWith("/") ? dir : `${Deno.cwd()}/${dir}`;
  return abs.replace(/\/+$/, "");
}

async function requireFile(path: string, dir: string): Promise<void> {
  try {
    await Deno.stat(path);
  } catch (err) {
    throw new UserError(
      `${dir}: no ${
        path.slice(path.lastIndexOf("/") + 1)
      } (a tokenizer folder needs tokenizer.json and tokenizer_config.json)`,
      { cause: err },
    );
  }
}

/**
 * Loads the tokenizer of a local Hugging Face folder (`tokenizer.json` +
 * `tokenizer_config.json`) through transformers.js `AutoTokenizer`, offline. `eosTokenIds`
 * joins the tokenizer's EOS with `generation_config.json`'s when that file exists; the chat
 * template, when `tokenizer_config.json` has one, becomes `applyChatTemplate`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { loadTokenizer } from "./tokenizer.ts";
 * const tok = await loadTokenizer(new URL("../../data/default-model/", import.meta.url).pathname);
 * assert.deepEqual(tok.decode(tok.encode("hello")), "hello");
 * ```
 */
export async function loadTokenizer(dir: string): Promise<Tokenizer> {
  const path = absolute(dir);
  await requireFile(join(path, "tokenizer.json"), dir);
  await requireFile(join(path, "tokenizer_config.json"), dir);
  // Loaded on first use: the package pulls in native image code (sharp) at import time.
  const { AutoTokenizer, env } = await import("npm:@huggingface/transformers@4.3.1");
  env.allowRemoteModels = false;
  env.allowLocalModels = true;
  let hf: HfTokenizer;
  try {
    hf = await AutoTokenizer.from_pretrained(path, {
      local_files_only: true,
    }) as unknown as HfTokenizer;
  } catch (err) {
    throw new UserError(
      `${dir}: cannot load the tokenizer (${(err as Error).message})`,
      { cause: err },
    );
  }
  const gen = await readGenerationConfig(path);
  return wrapHfTokenizer(hf, gen?.eosTokenIds ?? []);
}

function wrapHfTokenizer(hf: HfTokenizer, extraEos: number[]): Tokenizer {
  const vocab = hf.get_vocab();
  const ids = vocab instanceof Map ? [...vocab.values()] : Object.values(vocab);
  const vocabSize = ids.reduce((m, id) => Math.max(m, id + 1), 0);
  const eos = [
    ...new Set([
      ...(hf.eos_token_id !== undefined ? [hf.eos_token_id] : []),
      ...extraEos,
    ]),
  ];
  const explicitPad = hf.config.pad_token !== undefined &&
    hf.config.pad_token !== null;
  const padId = explicitPad ? (hf as unknown as { pad_token_id?: number }).pad_token_id : undefined;
  const tok: Tokenizer = {
    encode: (text) => hf.encode(text, { add_special_tokens: false }),
    decode: (ids, opts = {}) => {
      if (ids.length === 0) return "";
      for (const id of ids) {
        if (!Number.isInteger(id) || id < 0 || id >= vocabSize) {
          throw new UserError(
            `decode: token id ${id} is outside the vocabulary [0, ${vocabSize})`,
          );
        }
      }
      return hf.decode([...ids], {
        skip_special_tokens: opts.skipSpecialTokens ?? false,
      });
    },
    vocabSize,
    eosTokenIds: eos,
    ...(hf.bos_token_id !== undefined ? { bosTokenId: hf.bos_token_id } : {}),
    ...(padId !== undefined ? { padTokenId: padId } : {}),
  };
  if (hf.chat_template) {
    tok.applyChatTemplate = (messages) =>
      hf.apply_chat_template(messages, {
        tokenize: false,
        add_generation_prompt: true,
      }) as string;
  }
  return tok;
}

/**
 * Throws a {@link UserError} when the tokenizer can produce ids the model has no embedding for
 * (tokenizer vocab, i.e. largest id + 1, above the model's `vocabSize`). A model vocab larger
 * than the tokenizer's is fine (HF models often pad it).
 */
export function checkVocab(
  tokenizer: Tokenizer,
  cfg: ModelConfig,
  dir: string,
): void {
  if (tokenizer.vocabSize > cfg.vocabSize) {
    const d = dir.replace(/\/+$/, "");
    throw new UserError(
      `${d}/tokenizer.json: tokenizer vocabulary (${tokenizer.vocabSize} ids) exceeds ` +
        `vocab_size ${cfg.vocabSize} in ${d}/config.json`,
    );
  }
}
