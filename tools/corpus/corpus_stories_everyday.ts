/**
 * Story plots for the pretraining corpus, everyday life: a picnic, a school day, a gift, a garden and
 * a new friend (same shape as `corpus_stories.ts`).
 *
 * @module
 */

import type { Rng } from "../../lib/util/rng.ts";

export type { Rng, RngState } from "../../lib/util/rng.ts";
import { capitalize, joinList, plural, withArticle } from "./corpus_morph.ts";
import {
  atPlace,
  chance,
  foodPhrase,
  makeCharacter,
  oneOf,
  opener,
  paragraph,
  pick,
  pickFood,
  pickPlace,
  pickSome,
  ref,
  say,
  type Story,
  tell,
  type ThingPhrase,
  thingPhrase,
  twoCharacters,
} from "./corpus_phrases.ts";
import {
  ANIMALS,
  BAD_FEELINGS,
  COLORS,
  DAYS,
  FAMILY,
  OUTDOOR_PLACES,
  PLACES,
} from "./corpus_vocab.ts";
import { GAMES, PESTS, PLANTS } from "./corpus_plots.ts";
import { animalPredicates } from "./corpus_facts.ts";

function picnic(rng: Rng, n: number): Story {
  const [h, f] = twoCharacters(rng);
  const p = pickPlace(rng, undefined, OUTDOOR_PLACES),
    foods = pickSome(rng, ["bake", "make", "pick", "buy"], 3).map((m) => pickFood(rng, [m]));
  const treat = foods[0];
  let friend = false;
  const lines = tell(
    rng,
    n,
    () =>
      `${opener(rng)}, ${h.first} packed ${
        joinList(foods.map((x) => foodPhrase(rng, x, chance(rng, 0.5))))
      } for a picnic ${atPlace(rng, p)}.`,
    [
      () => {
        friend = true;
        return `On the way, ${h.he} met ${f.first}, who looked ${
          pick(rng, ["hungry", "tired", "sad", "lonely"])
        }.`;
      },
      () =>
        friend
          ? say(
            rng,
            h.name,
            treat.mass
              ? `would you like some ${treat.noun}?`
              : `would you like ${withArticle(treat.noun)}?`,
          )
          : `${ref(rng, h)} found a sunny spot and spread out ${
            withArticle(pick(rng, COLORS) + " blanket")
          }.`,
      () =>
        `${friend ? "They" : h.name} sat under ${
          pick(rng, [
            "a big oak tree",
            "a shady willow",
            "an old apple tree",
            "a tall pine",
          ])
        } and ate ${friend ? "together" : "slowly"}.`,
      () =>
        `${pick(rng, ["Then", "Meanwhile,", "Suddenly,"])} ${
          withArticle(
            pick(rng, [
              "little ant",
              "hungry bird",
              "curious squirrel",
              "cheeky seagull",
            ]),
          )
        } came and took a crumb, and ${friend ? "they" : h.he} laughed.`,
    ],
    () =>
      friend ? "Sharing the food made the picnic even better." : oneOf(rng, [
        () => "It was the best picnic of the summer.",
        () =>
          `When the sun went down, ${h.name} packed up the basket and walked home ${
            pick(rng, [
              "slowly",
              "happily",
              "quietly",
              "sleepily",
              "cheerfully",
            ])
          }.`,
      ]),
  );
  const shared = friend ? ` and shared the food with ${f.name}` : "";
  return {
    text: paragraph(lines),
    summary: `${h.name} had a picnic ${atPlace(rng, p, false)}${shared}.`,
  };
}

function schoolDay(rng: Rng, n: number): Story {
  const h = makeCharacter(rng, chance(rng, 0.7) ? "child" : undefined);
  const a = pick(rng, ANIMALS), many = plural(a.noun);
  const facts = animalPredicates(a, true);
  const breakfast = pickFood(rng, ["cook", "bake"]);
  const lines = tell(
    rng,
    n,
    () => `On ${pick(rng, DAYS)} morning, ${h.first} woke up early and got ready for school.`,
    [
      () => `${ref(rng, h)} ate ${foodPhrase(rng, breakfast)} and brushed ${h.his} teeth.`,
      () => `At school, the teacher told the class all about ${many}.`,
      () => `${h.name} learned that ${many} ${pick(rng, facts)}.`,
      () => `${ref(rng, h)} drew a picture of ${withArticle(a.noun)} with ${a.feature}.`,
    ],
    () =>
      oneOf(rng, [
        () =>
          `When ${h.he} got home, ${h.he} told ${h.his} ${pick(rng, FAMILY)} all about ${many}.`,
        () => `That evening, ${h.name} read a book about ${many} before bed.`,
      ]),
  );
  return {
    text: paragraph(lines),
    summary: `${h.name} learned about ${many} at school.`,
  };
}

/** Adjectives that do not suit a present. */
const NOT_FOR_GIFTS = /^(old|broken|torn|rusty|chipped|empty|folded|heavy|strange|messy) /;

/** Something nice to give ("a shiny necklace", never "a broken clock"). */
function giftPhrase(rng: Rng): ThingPhrase {
  for (;;) {
    const t = thingPhrase(rng, [
      "toy",
      "clothes",
      "music",
      "treasure",
      "paper",
      "gadget",
    ]);
    if (!NOT_FOR_GIFTS.test(t.phrase)) return t;
  }
}

function birthdayGift(rng: Rng, n: number): Story {
  const [h, f] = twoCharacters(rng);
  const ideas = [0, 1, 2].map(() => giftPhrase(rng));
  const gift = ideas[0];
  let named = false;
  const lines = tell(
    rng,
    n,
    () =>
      `${opener(rng)}, ${h.first} wanted to give ${f.first} a special gift for ${f.his} birthday.`,
    [
      () =>
        `${ref(rng, h)} thought about ${
          joinList(ideas.map((t) => withArticle(t.phrase)).reverse())
        }.`,
      () => {
        named = true;
        return `In the end, ${h.he} ${pick(rng, ["chose", "bought", "found"])} ${
          withArticle(gift.phrase)
        }.`;
      },
      () =>
        `${ref(rng, h)} wrapped ${named ? "it" : "the gift"} in ${
          pick(rng, COLORS)
        } paper and tied it with ${withArticle(pick(rng, COLORS) + " ribbon")}.`,
      () =>
        `At the party, everyone ate ${foodPhrase(rng, pickFood(rng, ["bake"]))} and played ${
          pick(rng, GAMES)
        }.`,
    ],
    () =>
      oneOf(rng, [
        () =>
          `${
            say(
              rng,
              f.name,
              named ? `thank you, I love the ${gift.noun}!` : "thank you, I love it!",
            )
          } ${capitalize(h.name)} smiled.`,
        () =>
          `${f.name} opened the gift and was so ${
            pick(rng, ["happy", "surprised", "delighted"])
          } that ${f.he} ${
            pick(rng, [
              "jumped up and down",
              "laughed out loud",
              `hugged ${h.name}`,
            ])
          }.`,
      ]),
  );
  return {
    text: paragraph(lines),
    summary: `${h.name} gave ${f.name} ${
      named ? withArticle(gift.phrase) : "a special gift"
    } for ${f.his} birthday.`,
  };
}

function growingGarden(rng: Rng, n: number): Story {
  const h = makeCharacter(rng), plant = pick(rng, PLANTS);
  const where = pick(
    rng,
    PLACES.filter((p) =>
      ["garden", "farm", "greenhouse", "orchard", "village", "meadow"].includes(
        p.noun,
      )
    ),
  );
  const lines = tell(
    rng,
    n,
    () => `${opener(rng)}, ${h.first} planted ${plant} seeds ${atPlace(rng, where)}.`,
    [
      () => `Every day, ${ref(rng, h)} watered them and pulled out the weeds.`,
      () => `At first nothing happened, but ${h.name} was patient.`,
      () => "After a few weeks, small green shoots came up out of the ground.",
      () =>
        `One night, ${
          withArticle(pick(rng, PESTS))
        } came and ate some leaves, so ${h.he} built a little fence.`,
    ],
    () =>
      `By the end of the summer, there were ${
        plural(plant)
      } everywhere, and ${h.name} shared them with ${
        pick(rng, [
          "the neighbors",
          `${h.his} friends`,
          "everyone in the village",
        ])
      }.`,
  );
  return {
    text: paragraph(lines),
    summary: `${h.name} grew ${plural(plant)} from tiny seeds.`,
  };
}

function newFriend(rng: Rng, n: number): Story {
  const [h, f] = twoCharacters(rng);
  const p = pickPlace(rng), game = pick(rng, GAMES);
  let met = false;
  const lines = tell(
    rng,
    n,
    () => `${opener(rng)}, ${h.first} was new ${atPlace(rng, p)} and did not know anyone.`,
    [
      () => `${ref(rng, h)} sat alone on a bench and felt ${pick(rng, BAD_FEELINGS.slice(0, 6))}.`,
      () => {
        met = true;
        return `Then ${f.first} came over and said hello.`;
      },
      () =>
        met
          ? say(rng, f.name, `do you want to play ${game}?`)
          : `${ref(rng, h)} watched the others play ${game}.`,
      () =>
        `${met ? "They" : "The others"} played ${game} until ${
          pick(rng, [
            "the sun went down",
            "it was time for dinner",
            "the bell rang",
            "they were too tired to run",
          ])
        }.`,
    ],
    () =>
      met
        ? `From that day on, ${h.name} and ${f.name} were best friends.`
        : `The next day, ${h.name} joined the game, and soon ${h.he} had many friends.`,
  );
  return {
    text: paragraph(lines),
    summary: `${h.name} was new and lonely, but soon ${h.he} made ${
      met ? "a friend" : "many friends"
    }.`,
  };
}

/** Plots: a picnic, a school day, a gift, a garden, a new friend. */
export const EVERYDAY_PLOTS: ReadonlyArray<
  (rng: Rng, sentences: number) => Story
> = [
  picnic,
  schoolDay,
  birthdayGift,
  growingGarden,
  newFriend,
];
