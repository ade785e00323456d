/**
 * Generic present-tense facts about animals for the corpus ("Foxes live in the forest.",
 * "An owl has big round eyes."), with subject–verb agreement for singular and plural subjects.
 *
 * @module
 */

import { joinList, plural, presentThird, withArticle } from "./corpus_morph.ts";
import type { Animal } from "./corpus_vocab.ts";

/** "a bushy tail" → "bushy tails" (for plural subjects); other features stay as they are. */
function featureForMany(feature: string): string {
  if (!feature.startsWith("a ") || / (of|with) /.test(feature)) return feature;
  return plural(feature.slice(2));
}

/**
 * Predicates (verb phrases, no subject, no period) that are true of the animal, agreeing with a
 * plural subject ("live in the forest") or a singular one ("lives in the forest"). The first is
 * always where it lives.
 *
 * @example
 * ```ts
 * import { ANIMALS } from "./corpus_vocab.ts";
 * import { animalPredicates } from "./corpus_facts.ts";
 * const fox = ANIMALS.find((a) => a.noun === "fox")!;
 * console.log(animalPredicates(fox, true)[0]); // "live in the forest"
 * ```
 */
export function animalPredicates(animal: Animal, many: boolean): string[] {
  const verb = (v: string) => (many ? v : presentThird(v));
  const out = [
    `${verb("live")} ${animal.habitat}`,
    `${verb("eat")} ${joinList(animal.eats)}`,
    `${verb("have")} ${many ? featureForMany(animal.feature) : animal.feature}`,
    `can ${animal.moves}`,
  ];
  if (animal.sound) {
    out.push(
      `${verb(animal.sound)} ${many ? "to call to each other" : "to call its friends"}`,
    );
  }
  return out;
}

/** The generic subject: "foxes" (many) or "a fox". */
export function animalSubject(animal: Animal, many: boolean): string {
  return many ? plural(animal.noun) : withArticle(animal.noun);
}

/** One whole fact as a clause, e.g. "owls eat mice and beetles" (index into the predicates). */
export function animalFact(
  animal: Animal,
  many: boolean,
  index: number,
): string {
  const preds = animalPredicates(animal, many);
  return `${animalSubject(animal, many)} ${preds[index % preds.length]}`;
}
