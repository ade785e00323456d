/**
 * Phrase builders shared by the corpus's stories and topic pairs: seeded choices, characters
 * (with their pronouns), noun phrases for objects, foods and places, and dialogue lines with
 * correct quote punctuation. Every choice draws from the {@link Rng} passed in.
 *
 * @module
 */

import { randInt, type Rng } from "../../lib/util/rng.ts";

export type { Rng, RngState } from "../../lib/util/rng.ts";
import { capitalize, withArticle } from "./corpus_morph.ts";
import {
  type Animal,
  ANIMALS,
  CHARACTER_ADJS,
  FEMALE_NAMES,
  MALE_NAMES,
  OPENERS,
  PERSON_KINDS,
  PET_NAMES,
  type Place,
  PLACES,
  ROBOT_NAMES,
  STORY_CREATURES,
  THING_ADJS,
  THINGS,
} from "./corpus_vocab.ts";
import { type Food, FOODS } from "./corpus_food.ts";

/** One item of `items`, uniformly. */
export function pick<T>(rng: Rng, items: readonly T[]): T {
  return items[randInt(rng, items.length)];
}

/** True with probability `p`. */
export function chance(rng: Rng, p: number): boolean {
  return rng.next() < p;
}

/** Runs one of the builders, uniformly (so only the chosen one draws random numbers). */
export function oneOf(rng: Rng, builders: ReadonlyArray<() => string>): string {
  return pick(rng, builders)();
}

/** `count` distinct items of `items` in random order (`count` ≤ `items.length`). */
export function pickSome<T>(rng: Rng, items: readonly T[], count: number): T[] {
  const pool = items.slice();
  const out: T[] = [];
  while (out.length < count && pool.length > 0) {
    out.push(pool.splice(randInt(rng, pool.length), 1)[0]);
  }
  return out;
}

/** A story character: how it is first introduced, how it is named later, and its pronouns. */
export interface Character {
  /** First mention, e.g. "a curious fox named Pip", "Mia", "an old farmer". */
  first: string;
  /** Later mentions, e.g. "Pip", "Mia", "the farmer". */
  name: string;
  /** The kind of being ("fox", "girl", "robot"). */
  kind: string;
  /** Subject pronoun. */
  he: "he" | "she" | "it";
  /** Object pronoun. */
  him: "him" | "her" | "it";
  /** Possessive determiner. */
  his: "his" | "her" | "its";
  /** The animal's facts, for animal characters. */
  animal?: Animal;
}

/** What sort of character {@link makeCharacter} builds. */
export type CharacterType =
  | "child"
  | "person"
  | "animal"
  | "robot"
  | "creature";

const PRONOUNS = {
  he: { he: "he", him: "him", his: "his" },
  she: { he: "she", him: "her", his: "her" },
  it: { he: "it", him: "it", his: "its" },
} as const;

/** "a curious fox named Pip" or "a curious fox" (then called "the fox"). */
function introduce(
  rng: Rng,
  kind: string,
  name: string,
  pronoun: "he" | "she" | "it",
  named: boolean,
  animal?: Animal,
): Character {
  const adj = chance(rng, 0.7) ? pick(rng, CHARACTER_ADJS) + " " : "";
  const first = named ? `${withArticle(adj + kind)} named ${name}` : withArticle(adj + kind);
  return {
    first,
    name: named ? name : `the ${kind}`,
    kind,
    ...PRONOUNS[pronoun],
    animal,
  };
}

/**
 * A random character of the given type (random type when omitted), whose name differs from
 * the names in `avoid`.
 *
 * @example
 * ```ts
 * import { makeRng } from "../../lib/util/rng.ts";
 * import { makeCharacter } from "./corpus_phrases.ts";
 * const fox = makeCharacter(makeRng(1), "animal");
 * console.log(fox.first, "/", fox.name, "/", fox.he);
 * ```
 */
export function makeCharacter(
  rng: Rng,
  type?: CharacterType,
  avoid: readonly string[] = [],
): Character {
  const t = type ??
    pick(rng, [
      "child",
      "child",
      "person",
      "animal",
      "animal",
      "robot",
      "creature",
    ]);
  for (let attempt = 0;; attempt++) {
    const c = makeCharacterOnce(rng, t as CharacterType);
    if (attempt >= 8 || (!avoid.includes(c.name) && !avoid.includes(c.kind))) {
      return c;
    }
  }
}

function makeCharacterOnce(rng: Rng, type: CharacterType): Character {
  const she = chance(rng, 0.5);
  const personName = () => pick(rng, she ? FEMALE_NAMES : MALE_NAMES);
  switch (type) {
    case "child": {
      const name = personName();
      if (chance(rng, 0.5)) {
        return {
          first: name,
          name,
          kind: she ? "girl" : "boy",
          ...PRONOUNS[she ? "she" : "he"],
        };
      }
      return introduce(
        rng,
        she ? "girl" : "boy",
        name,
        she ? "she" : "he",
        true,
      );
    }
    case "person": {
      const kind = pick(rng, PERSON_KINDS);
      const pronoun = kind.gender || (she ? "she" : "he");
      const name = pick(rng, pronoun === "she" ? FEMALE_NAMES : MALE_NAMES);
      return introduce(rng, kind.noun, name, pronoun, chance(rng, 0.5));
    }
    case "animal": {
      const animal = pick(rng, ANIMALS);
      return introduce(
        rng,
        animal.noun,
        pick(rng, PET_NAMES),
        she ? "she" : "he",
        chance(rng, 0.6),
        animal,
      );
    }
    case "creature":
      return introduce(
        rng,
        pick(rng, STORY_CREATURES),
        pick(rng, PET_NAMES),
        she ? "she" : "he",
        chance(rng, 0.6),
      );
    case "robot":
      return introduce(
        rng,
        "robot",
        pick(rng, ROBOT_NAMES),
        "it",
        chance(rng, 0.8),
      );
  }
}

/** A hero and a second character of a different name and kind (both of random types). */
export function twoCharacters(rng: Rng): [Character, Character] {
  const hero = makeCharacter(rng);
  return [hero, makeCharacter(rng, undefined, [hero.name, hero.kind])];
}

/** An object with an adjective that fits it. */
export interface ThingPhrase {
  /** The bare noun ("kite"). */
  noun: string;
  /** Its category (see `THINGS`). */
  kind: string;
  /** Adjective + noun ("red kite"). */
  phrase: string;
}

/** A random object (optionally from the given categories) with a fitting adjective. */
export function thingPhrase(rng: Rng, kinds?: readonly string[]): ThingPhrase {
  const pool = kinds ? THINGS.filter((t) => kinds.includes(t.kind)) : THINGS;
  const t = pick(rng, pool);
  const adjs = THING_ADJS[t.kind].filter((adj) => !t.noun.split(" ").includes(adj));
  return { noun: t.noun, kind: t.kind, phrase: `${pick(rng, adjs)} ${t.noun}` };
}

/** A food as a noun phrase: "a juicy apple" / "some fresh bread" (`adj` false: "an apple"). */
export function foodPhrase(rng: Rng, food: Food, adj = true): string {
  const core = adj ? `${pick(rng, food.adjs)} ${food.noun}` : food.noun;
  return food.mass ? `some ${core}` : withArticle(core);
}

/** A random food (optionally only those made the given ways). */
export function pickFood(rng: Rng, made?: readonly string[]): Food {
  return pick(rng, made ? FOODS.filter((f) => made.includes(f.made)) : FOODS);
}

/** A random place (different from `not` when given), from `pool` (default: every place). */
export function pickPlace(
  rng: Rng,
  not?: Place,
  pool: readonly Place[] = PLACES,
): Place {
  for (;;) {
    const p = pick(rng, pool);
    if (p !== not) return p;
  }
}

/** "in the quiet forest" (or "in the forest" when `adj` is false). */
export function atPlace(rng: Rng, place: Place, adj = true): string {
  const a = adj && chance(rng, 0.6) ? pick(rng, place.adjs) + " " : "";
  return `${place.prep} the ${a}${place.noun}`;
}

/** The place as a destination: "to the quiet forest". */
export function toPlace(rng: Rng, place: Place): string {
  return `to the ${chance(rng, 0.5) ? pick(rng, place.adjs) + " " : ""}${place.noun}`;
}

const PRONOUN_SUBJECTS = new Set(["he", "she", "it", "they", "we", "i", "you"]);

/**
 * A dialogue sentence with English quote punctuation. `line` is the spoken text ending in
 * ".", "!" or "?"; `speaker` is a name, "the fox", or a pronoun.
 *
 * @example
 * ```ts
 * import { makeRng } from "../../lib/util/rng.ts";
 * import { say } from "./corpus_phrases.ts";
 * console.log(say(makeRng(0), "Mia", "where is my kite?")); // e.g. "Where is my kite?" asked Mia.
 * ```
 */
export function say(rng: Rng, speaker: string, line: string): string {
  const spoken = capitalize(line);
  const end = spoken.at(-1);
  const verb = end === "?"
    ? pick(rng, ["asked", "asked", "wondered", "called"])
    : end === "!"
    ? pick(rng, ["shouted", "cried", "called", "said"])
    : pick(rng, [
      "said",
      "said",
      "said",
      "replied",
      "whispered",
      "explained",
      "answered",
      "added",
    ]);
  const inner = end === "." ? spoken.slice(0, -1) + "," : spoken;
  const isPronoun = PRONOUN_SUBJECTS.has(speaker.toLowerCase());
  const form = randInt(rng, 3);
  if (form === 0 && !isPronoun) return `"${inner}" ${verb} ${speaker}.`;
  if (form === 1) return capitalize(`${speaker} ${verb}, "${spoken}"`);
  return `"${inner}" ${speaker} ${verb}.`;
}

/** Capitalizes each sentence and joins them with single spaces. */
export function paragraph(sentences: readonly string[]): string {
  return sentences.map(capitalize).join(" ");
}

/** A generated story and a one-sentence summary of it. */
export interface Story {
  /** The story, 2–6 sentences on one line. */
  text: string;
  /** A one-sentence summary. */
  summary: string;
}

/** A step of a story: returns one sentence (or two), and may record what it said. */
export type Beat = () => string;

/**
 * Runs the first beat, `sentences − 2` of the middle beats (a random subset, kept in order) and
 * the last beat. Beats run only when kept, so a beat can record what the story has said and a
 * later beat can depend on it.
 */
export function tell(
  rng: Rng,
  sentences: number,
  first: Beat,
  middle: readonly Beat[],
  last: Beat,
): string[] {
  const keep = new Set(
    pickSome(rng, middle.map((_, i) => i), Math.max(0, sentences - 2)),
  );
  return [
    first(),
    ...middle.filter((_, i) => keep.has(i)).map((beat) => beat()),
    last(),
  ];
}

/** A time phrase that opens a story ("one sunny afternoon"). */
export function opener(rng: Rng): string {
  return pick(rng, OPENERS);
}

/** A later mention of a character: its name, or (40%) its pronoun. */
export function ref(rng: Rng, c: Character): string {
  return chance(rng, 0.4) ? c.he : c.name;
}
