/**
 * The authors' writing prompts (LLM_Collab_Writing `train_magrpo.py` for the two agents,
 * `train_grpo.py` for the single-agent baseline), character for character, and their split of a
 * single model's answer into two paragraphs. The prompts are tokenized as raw text, as the
 * authors do (the chat template is the option `sampling.chatTemplate`). Pinned against their
 * functions' output in `tests/reference/authors_writing_prompts.json`
 * (`tools/authors_writing_prompts.py`).
 *
 * Each two-agent prompt is: a task line, a blank line, a label and the row's text, a blank
 * line, "IMPORTANT INSTRUCTIONS:" and one "- " line per instruction; an empty field gives the
 * authors' error string instead.
 *
 * @module
 */

/** The delimiter the single-agent prompts ask for between the two paragraphs. */
export const PARAGRAPH_SPLIT = "[PARAGRAPH_SPLIT]";

/** A two-agent prompt: task, labelled text, instructions (or the error line when `text` is empty). */
function agentPrompt(
  task: string,
  label: string,
  text: string,
  missing: string,
  rules: string[],
): string {
  if (!text) return `Error: No ${missing} provided.`;
  return `${task}\n\n${label}:\n${text}\n\nIMPORTANT INSTRUCTIONS:\n${
    rules.map((r) => `- ${r}\n`).join("")
  }`;
}

/** TLDR agent 1 (the authors' summary agent). */
export function authorsTldrSummaryPrompt(post: string): string {
  return agentPrompt("Create a concise summary response to this post.", "Query", post, "prompt", [
    "Provide a brief, focused summary in one sentence or a few sentences",
    "Be factual and informative",
  ]);
}

/** TLDR agent 2 (the authors' elaboration agent). */
export function authorsTldrElaborationPrompt(post: string): string {
  return agentPrompt(
    "Create a detailed summary response to this post.",
    "Original Query",
    post,
    "prompt",
    ["Use more unique words", "Use some transition words to improve flow"],
  );
}

const INTRO_TASK =
  "Based on the following scientific abstract, expand content for an introduction section.";
const BACKGROUND = "background and motivation";
const METHODS = "methodology and implications";

/** arXiv agent `part`: 0 = background and motivation, 1 = methodology and implications. */
export function authorsArxivPrompt(abstract: string, part: 0 | 1): string {
  const [own, other] = part === 0 ? [BACKGROUND, METHODS] : [METHODS, BACKGROUND];
  // agent 1 says "provide methodology…", agent 2 "provide the background…"
  const otherText = part === 0 ? other : `the ${other}`;
  return agentPrompt(INTRO_TASK, "Abstract", abstract, "abstract", [
    `There is another agent that will provide ${otherText}`,
    `You just need to focus on ${own}`,
    `Avoid repeating ${other} content`,
  ]);
}

/** The single-agent prompts' closing block: the delimiter rule and the answer format. */
function twoParagraphFormat(delimiterRule: string): string {
  return `${delimiterRule}\n\nFORMAT:\nParagraph 1: ...\n${PARAGRAPH_SPLIT}\nParagraph 2: ...\n`;
}

/** TLDR, single agent: both paragraphs in one answer. */
export function authorsTldrSinglePrompt(post: string): string {
  if (!post) return "Error: No prompt provided.";
  return `Please provide a summary of this Reddit post in exactly two paragraphs:\n\n${post}\n\n` +
    "Instructions:\n" +
    "- First paragraph: Provide a concise summary of the main points\n" +
    "- Second paragraph: Expand on the summary with more details, using more unique vocabulary " +
    "words, include as many categories of transition words as possible to improve flow, and make " +
    "it 2-3 times longer than the first paragraph in terms of character count, while maintaining " +
    "a consistent style\n\n" +
    "IMPORTANT REQUIREMENTS - FOLLOW EXACTLY:\n" +
    "- No paragraph should be less than 10 tokens or more than 200 tokens\n" +
    twoParagraphFormat(`- Use EXACTLY this delimiter between paragraphs: ${PARAGRAPH_SPLIT}`);
}

/** arXiv, single agent: both paragraphs in one answer. */
export function authorsArxivSinglePrompt(abstract: string): string {
  if (!abstract) return "Error: No abstract provided.";
  const flow = "include as many categories of transition words as possible to improve flow";
  return "Please provide an expanded introduction of this abstract text in exactly two " +
    `paragraphs with SAME LENGTH.\n\n${abstract}\n\nInstructions:\n` +
    `- First paragraph: Provide the background and motivation for this research, ${flow}.\n` +
    "- Second paragraph: Provide the framework, method, contribution, and the implications of " +
    "this research, using same number of vocabulary words as the first paragraph, " +
    `${flow}, maintaining a consistent style\n\n` +
    twoParagraphFormat(
      `IMPORTANT: Separate the two paragraphs with exactly this delimiter: ${PARAGRAPH_SPLIT}`,
    );
}

/**
 * The authors' split of a single model's answer into two paragraphs: trimmed, cut at the first
 * `[PARAGRAPH_SPLIT]`; else at the first "Paragraph 2:" (any case, with the spaces after it);
 * else after the first third of its characters (code points, at least 1). Each part is trimmed
 * and loses a leading "Paragraph 1:" / "Paragraph 2:" label.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { splitParagraphs } from "./writing_prompts.ts";
 * assert.deepEqual(splitParagraphs("Paragraph 1: a [PARAGRAPH_SPLIT] Paragraph 2: b"), ["a", "b"]);
 * assert.deepEqual(splitParagraphs("abcdef"), ["ab", "cdef"]);
 * ```
 */
export function splitParagraphs(response: string): [string, string] {
  const text = response.trim();
  let first: string, second: string;
  const at = text.indexOf(PARAGRAPH_SPLIT);
  const label = /Paragraph 2:\s*/i.exec(text);
  if (at >= 0) {
    [first, second] = [text.slice(0, at), text.slice(at + PARAGRAPH_SPLIT.length)];
  } else if (label) {
    [first, second] = [text.slice(0, label.index), text.slice(label.index + label[0].length)];
  } else {
    const chars = Array.from(text);
    const cut = Math.floor(chars.length / 3) || 1;
    [first, second] = [chars.slice(0, cut).join(""), chars.slice(cut).join("")];
  }
  return [
    first.trim().replace(/^Paragraph 1:\s*/i, ""),
    second.trim().replace(/^Paragraph 2:\s*/i, ""),
  ];
}
