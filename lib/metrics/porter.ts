/**
 * The Porter (1980) suffix-stripping stemmer, written from the paper ("An algorithm for suffix
 * stripping", M. F. Porter), for lowercase English words.
 *
 * Two variants:
 * - `"original"`: the algorithm exactly as published (the classic one).
 * - `"nltk"`: NLTK's default `PorterStemmer()` mode (`NLTK_EXTENSIONS`), which is what Google's
 *   `rouge-score` calls when `use_stemmer=True`. It adds a few irregular forms (`dying → die`),
 *   `-ies`/`-ied` on four-letter words (`dies → die`), `y → i` only after a consonant
 *   (`enjoy` stays), `bli → ble` (instead of `abli → able`), `fulli → ful`, `logi → log`,
 *   and leaves words of one or two letters alone.
 *
 * Both variants were checked against NLTK 3.8's `ORIGINAL_ALGORITHM` and `NLTK_EXTENSIONS` modes
 * on the 104k-word Debian `wamerican` list (see the report of the change that added this file).
 *
 * @module
 */

/** Which Porter variant to run: the published algorithm, or NLTK's default extensions. */
export type PorterVariant = "original" | "nltk";

/** A suffix rule: replace `suffix` by `replacement` when `when(stem)` holds for what precedes it. */
interface SuffixRule {
  suffix: string;
  replacement: string;
  when: (stem: string) => boolean;
}

/** NLTK's irregular forms (looked up before any step in the `"nltk"` variant). */
const NLTK_IRREGULAR: Readonly<Record<string, string>> = {
  sky: "sky",
  skies: "sky",
  dying: "die",
  lying: "lie",
  tying: "tie",
  news: "news",
  innings: "inning",
  inning: "inning",
  outings: "outing",
  outing: "outing",
  cannings: "canning",
  canning: "canning",
  howe: "howe",
  proceed: "proceed",
  exceed: "exceed",
  succeed: "succeed",
};

/** True when `word[i]` is a consonant in Porter's sense (`y` after a consonant is a vowel). */
function isConsonant(word: string, i: number): boolean {
  const ch = word[i];
  if (ch === "a" || ch === "e" || ch === "i" || ch === "o" || ch === "u") {
    return false;
  }
  if (ch === "y") return i === 0 ? true : !isConsonant(word, i - 1);
  return true;
}

/** Porter's measure m of a stem written `[C](VC)^m[V]`: the number of vowel→consonant turns. */
export function porterMeasure(stem: string): number {
  let m = 0;
  for (let i = 1; i < stem.length; i++) {
    if (isConsonant(stem, i) && !isConsonant(stem, i - 1)) m++;
  }
  return m;
}

function containsVowel(stem: string): boolean {
  for (let i = 0; i < stem.length; i++) if (!isConsonant(stem, i)) return true;
  return false;
}

/** Condition *d: ends with a double consonant. */
function endsDoubleConsonant(w: string): boolean {
  const n = w.length;
  return n >= 2 && w[n - 1] === w[n - 2] && isConsonant(w, n - 1);
}

/** Condition *o: ends consonant-vowel-consonant, the last not w, x or y (NLTK also accepts `vc`). */
function endsCvc(w: string, variant: PorterVariant): boolean {
  const n = w.length;
  if (
    n >= 3 && isConsonant(w, n - 3) && !isConsonant(w, n - 2) &&
    isConsonant(w, n - 1) &&
    !"wxy".includes(w[n - 1])
  ) return true;
  return variant === "nltk" && n === 2 && !isConsonant(w, 0) &&
    isConsonant(w, 1);
}

/**
 * Applies the rule with the longest matching suffix (rules are listed so that the first match is
 * the longest); if its condition fails the word is returned unchanged, as the paper prescribes.
 */
function applyFirstMatch(word: string, rules: readonly SuffixRule[]): string {
  for (const rule of rules) {
    if (!word.endsWith(rule.suffix)) continue;
    const stem = word.slice(0, word.length - rule.suffix.length);
    return rule.when(stem) ? stem + rule.replacement : word;
  }
  return word;
}

const mPositive = (s: string) => porterMeasure(s) > 0;
const mAbove1 = (s: string) => porterMeasure(s) > 1;
const always = () => true;

function step1a(w: string, variant: PorterVariant): string {
  if (variant === "nltk" && w.length === 4 && w.endsWith("ies")) {
    return w.slice(0, -3) + "ie";
  }
  return applyFirstMatch(w, [
    { suffix: "sses", replacement: "ss", when: always },
    { suffix: "ies", replacement: "i", when: always },
    { suffix: "ss", replacement: "ss", when: always },
    { suffix: "s", replacement: "", when: always },
  ]);
}

function step1b(w: string, variant: PorterVariant): string {
  if (variant === "nltk" && w.endsWith("ied")) {
    return w.slice(0, w.length - 3) + (w.length === 4 ? "ie" : "i");
  }
  if (w.endsWith("eed")) {
    const stem = w.slice(0, -3);
    return porterMeasure(stem) > 0 ? stem + "ee" : w;
  }
  let stem: string | undefined;
  if (w.endsWith("ed") && containsVowel(w.slice(0, -2))) stem = w.slice(0, -2);
  else if (w.endsWith("ing") && containsVowel(w.slice(0, -3))) {
    stem = w.slice(0, -3);
  }
  if (stem === undefined) return w;
  // Tidy-up after removing -ed / -ing.
  if (stem.endsWith("at") || stem.endsWith("bl") || stem.endsWith("iz")) {
    return stem + "e";
  }
  if (endsDoubleConsonant(stem)) {
    return "lsz".includes(stem[stem.length - 1]) ? stem : stem.slice(0, -1);
  }
  if (porterMeasure(stem) === 1 && endsCvc(stem, variant)) return stem + "e";
  return stem;
}

function step1c(w: string, variant: PorterVariant): string {
  if (!w.endsWith("y")) return w;
  const stem = w.slice(0, -1);
  const ok = variant === "nltk"
    ? stem.length > 1 && isConsonant(stem, stem.length - 1)
    : containsVowel(stem);
  return ok ? stem + "i" : w;
}

function step2Rules(variant: PorterVariant, word: string): SuffixRule[] {
  const r = (suffix: string, replacement: string): SuffixRule => ({
    suffix,
    replacement,
    when: mPositive,
  });
  const rules = [
    r("ational", "ate"),
    r("tional", "tion"),
    r("enci", "ence"),
    r("anci", "ance"),
    r("izer", "ize"),
    variant === "original" ? r("abli", "able") : r("bli", "ble"),
    r("alli", "al"),
    r("entli", "ent"),
    r("eli", "e"),
    r("ousli", "ous"),
    r("ization", "ize"),
    r("ation", "ate"),
    r("ator", "ate"),
    r("alism", "al"),
    r("iveness", "ive"),
    r("fulness", "ful"),
    r("ousness", "ous"),
    r("aliti", "al"),
    r("iviti", "ive"),
    r("biliti", "ble"),
  ];
  if (variant === "nltk") {
    rules.push(r("fulli", "ful"));
    // NLTK tests the measure of the word without "ogi" (the stem plus its "l").
    rules.push({
      suffix: "logi",
      replacement: "log",
      when: () => mPositive(word.slice(0, -3)),
    });
  }
  return rules;
}

function step2(w: string, variant: PorterVariant): string {
  if (variant === "nltk" && w.endsWith("alli") && mPositive(w.slice(0, -4))) {
    return step2(w.slice(0, -4) + "al", variant);
  }
  return applyFirstMatch(w, step2Rules(variant, w));
}

const STEP3: readonly SuffixRule[] = [
  { suffix: "icate", replacement: "ic", when: mPositive },
  { suffix: "ative", replacement: "", when: mPositive },
  { suffix: "alize", replacement: "al", when: mPositive },
  { suffix: "iciti", replacement: "ic", when: mPositive },
  { suffix: "ical", replacement: "ic", when: mPositive },
  { suffix: "ful", replacement: "", when: mPositive },
  { suffix: "ness", replacement: "", when: mPositive },
];

const STEP4: readonly SuffixRule[] = [
  "al",
  "ance",
  "ence",
  "er",
  "ic",
  "able",
  "ible",
  "ant",
  "ement",
  "ment",
  "ent",
  "ion",
  "ou",
  "ism",
  "ate",
  "iti",
  "ous",
  "ive",
  "ize",
].map((suffix) => ({
  suffix,
  replacement: "",
  when: suffix === "ion"
    ? (s: string) => mAbove1(s) && (s.endsWith("s") || s.endsWith("t"))
    : mAbove1,
}));

function step5(w: string, variant: PorterVariant): string {
  let out = w;
  if (out.endsWith("e")) {
    const stem = out.slice(0, -1);
    const m = porterMeasure(stem);
    if (m > 1 || (m === 1 && !endsCvc(stem, variant))) out = stem;
  }
  if (out.endsWith("ll") && porterMeasure(out.slice(0, -1)) > 1) {
    out = out.slice(0, -1);
  }
  return out;
}

/**
 * Stems one lowercase word with the Porter algorithm.
 *
 * The input is lowercased first. Words are expected to be ASCII letters (as ROUGE tokens are);
 * other characters are treated as consonants, as the paper's definition implies.
 *
 * @param word the word to stem
 * @param variant `"original"` (default, the published algorithm) or `"nltk"` (NLTK's default
 *   mode, as used by `rouge-score`)
 * @returns the stem
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { porterStem } from "./porter.ts";
 * assert.deepEqual(porterStem("caresses"), "caress");
 * assert.deepEqual(porterStem("generalization"), "gener");
 * assert.deepEqual(porterStem("dies"), "di");
 * assert.deepEqual(porterStem("dies", "nltk"), "die");
 * ```
 */
export function porterStem(
  word: string,
  variant: PorterVariant = "original",
): string {
  let w = word.toLowerCase();
  if (variant === "nltk") {
    const irregular = NLTK_IRREGULAR[w];
    if (Object.hasOwn(NLTK_IRREGULAR, w)) return irregular;
    if (w.length <= 2) return w;
  }
  w = step1a(w, variant);
  w = step1b(w, variant);
  w = step1c(w, variant);
  w = step2(w, variant);
  w = applyFirstMatch(w, STEP3);
  w = applyFirstMatch(w, STEP4);
  return step5(w, variant);
}
