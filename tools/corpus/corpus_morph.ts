/**
 * Small English morphology for the corpus generator: indefinite articles (a/an), noun plurals,
 * verb forms (past tense, third person singular, -ing) and sentence capitalization. Regular
 * rules plus explicit irregular tables; nothing here is random.
 *
 * @module
 */

/** Words starting with a vowel letter that take "a" (they start with a "you" or "w" sound). */
const A_BEFORE_VOWEL = /^(uni|use|usu|ukulele|euro|one\b|once)/;
/** Words starting with "h" that take "an" (silent h). */
const AN_BEFORE_H = /^(hour|honest|honor|heir)/;

/**
 * The indefinite article for the word that follows it.
 *
 * @example
 * ```ts
 * import { article } from "./corpus_morph.ts";
 * console.assert(article("owl") === "an" && article("unicorn") === "a" && article("hour") === "an");
 * ```
 */
export function article(nextWord: string): "a" | "an" {
  const w = nextWord.toLowerCase();
  if (AN_BEFORE_H.test(w)) return "an";
  if (A_BEFORE_VOWEL.test(w)) return "a";
  return /^[aeiou]/.test(w) ? "an" : "a";
}

/** `phrase` with "a"/"an" in front, chosen by its first word: `withArticle("old map")` → "an old map". */
export function withArticle(phrase: string): string {
  return `${article(phrase)} ${phrase}`;
}

const IRREGULAR_PLURALS: Readonly<Record<string, string>> = {
  child: "children",
  mouse: "mice",
  goose: "geese",
  sheep: "sheep",
  fish: "fish",
  deer: "deer",
  moose: "moose",
  person: "people",
  man: "men",
  woman: "women",
  fisherman: "fishermen",
  foot: "feet",
  tooth: "teeth",
  ox: "oxen",
  potato: "potatoes",
  tomato: "tomatoes",
  mango: "mangoes",
  hero: "heroes",
  volcano: "volcanoes",
  wolf: "wolves",
  leaf: "leaves",
  knife: "knives",
  loaf: "loaves",
  shelf: "shelves",
  scarf: "scarves",
  calf: "calves",
  elf: "elves",
  half: "halves",
};

/**
 * Plural of a noun (the last word of a phrase is inflected: "teddy bear" → "teddy bears").
 *
 * @example
 * ```ts
 * import { plural } from "./corpus_morph.ts";
 * console.assert(plural("fox") === "foxes" && plural("berry") === "berries" && plural("mouse") === "mice");
 * ```
 */
export function plural(noun: string): string {
  const sp = noun.lastIndexOf(" ");
  if (sp >= 0) return noun.slice(0, sp + 1) + plural(noun.slice(sp + 1));
  const irregular = IRREGULAR_PLURALS[noun];
  if (irregular) return irregular;
  if (/(s|x|z|ch|sh)$/.test(noun)) return noun + "es";
  if (/[^aeiou]y$/.test(noun)) return noun.slice(0, -1) + "ies";
  return noun + "s";
}

const IRREGULAR_PAST: Readonly<Record<string, string>> = Object.fromEntries(
  ("be:was go:went run:ran eat:ate see:saw find:found make:made take:took give:gave come:came " +
    "sit:sat swim:swam sing:sang fly:flew throw:threw draw:drew grow:grew know:knew buy:bought " +
    "bring:brought think:thought catch:caught teach:taught hold:held tell:told sell:sold " +
    "build:built send:sent spend:spent lend:lent feel:felt keep:kept sleep:slept sweep:swept " +
    "leave:left meet:met read:read write:wrote ride:rode drive:drove hide:hid bite:bit get:got " +
    "forget:forgot win:won dig:dug hang:hung stand:stood understand:understood lose:lost " +
    "shine:shone wear:wore tear:tore break:broke speak:spoke wake:woke choose:chose " +
    "freeze:froze steal:stole blow:blew fall:fell say:said pay:paid lay:laid do:did have:had " +
    "put:put cut:cut hit:hit shut:shut let:let begin:began drink:drank ring:rang sink:sank " +
    "shake:shook hear:heard light:lit slide:slid stick:stuck swing:swung spin:spun feed:fed " +
    "lead:led become:became bend:bent weave:wove knit:knitted sew:sewed fight:fought " +
    "seek:sought sting:stung creep:crept kneel:knelt leap:leapt rise:rose strike:struck " +
    "forgive:forgave overhear:overheard")
    .split(" ").map((pair) => pair.split(":") as [string, string]),
);

/** True when a one-syllable verb ends consonant-vowel-consonant (stop → stopped, hug → hugging). */
function doublesFinal(verb: string): boolean {
  const vowelGroups = verb.match(/[aeiou]+/g) ?? [];
  return vowelGroups.length === 1 &&
    /(^|[^aeiou])[aeiou][^aeiouwxy]$/.test(verb);
}

/** Inflects the first word of a verb phrase ("pick up" → "picked up"). */
function inflectHead(
  phrase: string,
  inflect: (verb: string) => string,
): string {
  const sp = phrase.indexOf(" ");
  return sp < 0 ? inflect(phrase) : inflect(phrase.slice(0, sp)) + phrase.slice(sp);
}

/**
 * Past tense of a verb or verb phrase ("go" → "went", "stop" → "stopped", "pick up" → "picked up").
 *
 * @example
 * ```ts
 * import { pastTense } from "./corpus_morph.ts";
 * console.assert(pastTense("carry") === "carried" && pastTense("hop") === "hopped");
 * ```
 */
export function pastTense(verb: string): string {
  return inflectHead(verb, (v) => {
    const irregular = IRREGULAR_PAST[v];
    if (irregular) return irregular;
    if (v.endsWith("e")) return v + "d";
    if (/[^aeiou]y$/.test(v)) return v.slice(0, -1) + "ied";
    if (doublesFinal(v)) return v + v.at(-1) + "ed";
    return v + "ed";
  });
}

/** Third person singular present ("go" → "goes", "fly" → "flies", "have" → "has"). */
export function presentThird(verb: string): string {
  return inflectHead(verb, (v) => {
    if (v === "have") return "has";
    if (v === "be") return "is";
    if (/(s|x|z|ch|sh|o)$/.test(v)) return v + "es";
    if (/[^aeiou]y$/.test(v)) return v.slice(0, -1) + "ies";
    return v + "s";
  });
}

/** Present participle ("run" → "running", "bake" → "baking", "see" → "seeing"). */
export function ingForm(verb: string): string {
  return inflectHead(verb, (v) => {
    if (v === "begin" || v === "forget") return v + v.at(-1) + "ing";
    if (/ie$/.test(v)) return v.slice(0, -2) + "ying";
    if (/[^e]e$/.test(v) && v !== "be") return v.slice(0, -1) + "ing";
    if (doublesFinal(v)) return v + v.at(-1) + "ing";
    return v + "ing";
  });
}

/** Upper-cases the first letter of a sentence, skipping an opening quote mark. */
export function capitalize(sentence: string): string {
  const i = sentence.search(/[a-z]/i);
  if (i < 0) return sentence;
  return sentence.slice(0, i) + sentence[i].toUpperCase() +
    sentence.slice(i + 1);
}

/** Joins words as an English list: ["a"] → "a", ["a","b"] → "a and b", ["a","b","c"] → "a, b and c". */
export function joinList(items: readonly string[]): string {
  if (items.length <= 1) return items.join("");
  return `${items.slice(0, -1).join(", ")} and ${items.at(-1)}`;
}
