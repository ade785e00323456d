/**
 * Topic sentence pairs for the corpus: for one topic (an animal, the weather, a place, a food or
 * a character) a short sentence and a longer, related sentence that reuses its words and adds
 * detail and transition words. The toy cooperative task asks one agent for the short sentence
 * and the other for the long one, with the prompts {@link shortPrompt} and {@link longPrompt}.
 *
 * @module
 */

import type { Rng } from "../../lib/util/rng.ts";

export type { Rng, RngState } from "../../lib/util/rng.ts";
import { capitalize, joinList, pastTense, plural, withArticle } from "./corpus_morph.ts";
import {
  atPlace,
  chance,
  foodPhrase,
  makeCharacter,
  oneOf,
  pick,
  pickFood,
  pickPlace,
  pickSome,
  thingPhrase,
} from "./corpus_phrases.ts";
import { ANIMALS, CHARACTER_ADJS, FAMILY, FEMALE_NAMES, MALE_NAMES } from "./corpus_vocab.ts";
import { WEATHER } from "./corpus_plots.ts";
import { animalPredicates, animalSubject } from "./corpus_facts.ts";

/** A topic with a short sentence and a longer sentence about it. */
export interface TopicPair {
  /** The topic as a prompt names it ("foxes", "the rain", "a little robot"). */
  topic: string;
  /** One short sentence (about 4–10 words). */
  short: string;
  /** One longer sentence on the same topic (about 18–40 words). */
  long: string;
}

/**
 * The prompt line for the short sentence; the corpus writes the sentence after it on the same
 * line, separated by one space.
 *
 * @example
 * ```ts
 * import { shortPrompt } from "./corpus_pairs.ts";
 * console.assert(shortPrompt("the rain") === "Write a short sentence about the rain:");
 * ```
 */
export function shortPrompt(topic: string): string {
  return `Write a short sentence about ${topic}:`;
}

/** The prompt line for the longer sentence (see {@link shortPrompt}). */
export function longPrompt(topic: string): string {
  return `Write a longer sentence about ${topic}:`;
}

const TIMES = [
  "this morning",
  "early in the morning",
  "in the afternoon",
  "in the evening",
  "last Saturday",
  "on Sunday",
  "yesterday",
  "at the end of the day",
];
const DURATIONS = [
  "all morning",
  "all day long",
  "for hours",
  "during the night",
  "in the early evening",
];

/** "can fly" → "can also fly"; "eat fish" → "also eat fish". */
const withAlso = (
  pred: string,
) => (pred.startsWith("can ") ? `can also ${pred.slice(4)}` : `also ${pred}`);

function animalPair(rng: Rng): TopicPair {
  const a = pick(rng, ANIMALS), many = chance(rng, 0.6);
  const [p0, p1, p2] = pickSome(rng, animalPredicates(a, many), 3);
  const subject = animalSubject(a, many), they = many ? "they" : "it";
  const long = oneOf(rng, [
    () => `${capitalize(subject)} ${p0}, and ${they} ${withAlso(p1)}; in addition, ${they} ${p2}.`,
    () =>
      `${
        pick(rng, [
          "In fact",
          "As a matter of fact",
          "Interestingly",
          "Of course",
        ])
      }, ${subject} ${joinList([p0, p1, p2])}.`,
    () =>
      `Most people know that ${subject} ${p0}, but not everyone knows that ${they} ${p1} and ${p2}.`,
    () =>
      `${capitalize(subject)} ${p0} and ${p1}, which is one reason why children find ${
        many ? "them" : "it"
      } so ${pick(rng, ["interesting", "wonderful", "special", "amazing"])}.`,
  ]);
  return { topic: subject, short: `${capitalize(subject)} ${p0}.`, long };
}

function weatherPair(rng: Rng): TopicPair {
  const w = pick(rng, WEATHER);
  const verb = pick(rng, w.verbs),
    target = pick(rng, w.targets),
    effect = pick(rng, w.effects),
    after = pick(rng, w.afters);
  const bare = w.det === "a" ? withArticle(w.noun) : `the ${w.noun}`;
  const adj = pick(rng, w.adjs);
  const full = w.det === "a" ? withArticle(`${adj} ${w.noun}`) : `the ${adj} ${w.noun}`;
  const shortSubject = chance(rng, 0.5) ? bare : full;
  const long = oneOf(rng, [
    () =>
      `${capitalize(full)} ${verb} ${target} ${
        pick(rng, DURATIONS)
      }, so ${effect}, but later ${after}.`,
    () =>
      `Because ${full} ${verb} ${target} ${pick(rng, DURATIONS)}, ${effect}, and then ${after}.`,
    () =>
      `${
        capitalize(pick(rng, TIMES))
      }, ${full} ${verb} ${target}; as a result, ${effect}, and finally ${after}.`,
  ]);
  return {
    topic: w.topic,
    short: `${capitalize(shortSubject)} ${verb} ${target}.`,
    long,
  };
}

/** Place adjectives that can change from day to day ("the park was busy this morning"). */
const PASSING_ADJS = new Set(
  "quiet busy noisy crowded sunny windy snowy foggy calm still cold hot warm bright dark muddy wet misty loud empty sleepy cool"
    .split(" "),
);

function placePair(rng: Rng): TopicPair {
  const p = pickPlace(rng),
    adj = pick(rng, p.adjs),
    sights = pickSome(rng, p.sights, 3);
  const she = chance(rng, 0.5),
    name = pick(rng, she ? FEMALE_NAMES : MALE_NAMES),
    time = pick(rng, TIMES);
  const moods = p.adjs.filter((a) => PASSING_ADJS.has(a));
  const mood = moods.length ? pick(rng, moods) : pick(rng, ["quiet", "busy"]);
  const short = oneOf(rng, [
    () => `The ${p.noun} was ${mood} ${time}.`,
    () => `${name} visited the ${adj} ${p.noun} ${time}.`,
    () => `You can see ${sights[0]} ${p.prep} the ${p.noun}.`,
  ]);
  const long = oneOf(rng, [
    () =>
      `${capitalize(time)}, the ${adj} ${p.noun} was full of ${joinList(sights)}, and ${
        pick(rng, [
          "the visitors",
          "the children",
          "many people",
          "whole families",
        ])
      } ${
        pick(rng, [
          "walked around slowly",
          "looked at everything",
          "took lots of pictures",
          "laughed and talked",
        ])
      } until ${
        pick(rng, [
          "the sun went down",
          "it was time to go home",
          "the evening bells rang",
        ])
      }.`,
    () =>
      `If you visit the ${adj} ${p.noun}, you can see ${joinList(sights)}, and you might also ${
        pick(rng, [
          "meet some friendly people",
          "find a quiet place to rest",
          "hear lovely music",
          "make a new friend",
        ])
      }.`,
    () =>
      `Although the ${p.noun} was ${mood} ${time}, ${name} enjoyed looking at the ${
        sights[0]
      } and the ${sights[1]} for a long time, and ${she ? "she" : "he"} wanted to come back soon.`,
  ]);
  return { topic: `the ${p.noun}`, short, long };
}

/** Adjectives that are really nouns ("apple pie") and cannot follow "is". */
const NOUN_ADJS = new Set(
  "apple cherry chocolate lemon blueberry cheese egg vegetable tomato strawberry plum vanilla mint orange"
    .split(" "),
);

const MAKERS: Readonly<Record<string, readonly string[]>> = {
  bake: ["the baker", "my grandmother", "the cook", "my father"],
  cook: ["the cook", "my mother", "my grandfather", "the old chef"],
  pick: ["the farmer", "my little sister", "the children", "my uncle"],
  grow: ["the gardener", "the farmer", "my aunt", "the old man next door"],
  make: ["my brother", "the cook", "my best friend", "my cousin"],
  pour: ["my mother", "the waiter", "my friend", "my father"],
  buy: ["my mother", "the children", "my neighbor", "my grandfather"],
};

function foodPair(rng: Rng): TopicPair {
  const f = pickFood(rng);
  const topic = f.mass ? f.noun : plural(f.noun),
    be = f.mass ? "is" : "are",
    it = f.mass ? "it" : "them";
  const maker = pick(rng, MAKERS[f.made]), made = pastTense(f.made);
  const adjs = f.adjs.filter((a) => !NOUN_ADJS.has(a));
  const adj = pick(rng, adjs.length ? adjs : ["tasty"]);
  const thing = foodPhrase(rng, f);
  const generic = chance(rng, 0.5);
  const short = generic
    ? `${capitalize(topic)} ${be} ${adj}.`
    : `${capitalize(maker)} ${made} ${thing}.`;
  // The long sentence keeps the short one's words: the topic and adjective, or maker and food.
  const variants = [
    () =>
      `${
        capitalize(f.made === "grow" ? "this summer" : pick(rng, TIMES))
      }, ${maker} ${made} ${thing} for the whole family, and because it was so ${adj}, ${
        pick(rng, [
          "everyone wanted to have some",
          "nothing was left by the evening",
          "the neighbors asked how it was made",
        ])
      }.`,
    () =>
      `${capitalize(topic)} ${be} ${adj} and ${
        pick(rng, ["good for you", "easy to share", "loved by many children"])
      }, so many people like to have ${it} ${
        pick(rng, ["for breakfast", "for lunch", "with dinner", "as a treat"])
      }, especially on ${pick(rng, ["cold days", "hot days", "holidays", "weekends"])}.`,
    () =>
      `When ${maker} ${made} ${thing}, ${
        pick(rng, [
          "the whole house smelled wonderful",
          "the children came running",
          `my ${pick(rng, FAMILY)} helped too`,
        ])
      }, and we all agreed that ${topic} ${be} ${adj}.`,
  ];
  const long = oneOf(
    rng,
    generic ? variants.slice(1) : [variants[0], variants[2]],
  );
  return { topic, short, long };
}

const ACTIONS: ReadonlyArray<[string, readonly string[]]> = [
  ["found", ["treasure", "nature", "paper", "bag"]],
  ["fixed", ["gadget", "toy"]],
  ["carried", ["bag", "kitchen", "tool"]],
  ["played", ["music"]],
  ["read", ["paper"]],
  ["wore", ["clothes"]],
  ["painted", ["toy", "bag", "kitchen"]],
  ["lit", ["light"]],
  ["cleaned", ["kitchen", "tool", "gadget", "light"]],
  ["opened", ["bag"]],
];

function characterPair(rng: Rng): TopicPair {
  const c = makeCharacter(
    rng,
    pick(rng, ["person", "animal", "robot", "creature", "child"]),
  );
  const adj = pick(rng, CHARACTER_ADJS),
    subject = `the ${adj} ${c.kind}`,
    topic = chance(rng, 0.3) ? subject : withArticle(`${adj} ${c.kind}`);
  const [verb, kinds] = pick(rng, ACTIONS);
  const t = thingPhrase(rng, kinds);
  const obj = verb === "fixed" ? `a broken ${t.noun}` : withArticle(t.phrase);
  const place = pickPlace(rng);
  const long = oneOf(rng, [
    () =>
      `${capitalize(pick(rng, TIMES))}, ${subject} ${verb} ${obj} ${
        atPlace(rng, place)
      }, and then ${c.he} ${
        pick(rng, [
          "showed it to everyone in town",
          "put it carefully on a high shelf",
          "took it home",
          `told all ${c.his} friends about it`,
        ])
      }, because ${
        pick(rng, [
          "it was a very special day",
          `${c.he} wanted to make ${c.his} friends happy`,
          `${c.he} was so proud`,
        ])
      }.`,
    () =>
      `First, ${subject} ${verb} ${obj} ${atPlace(rng, place)}; after that, ${c.he} ${
        pick(rng, [
          "went home to rest",
          "had a cup of warm tea",
          "sang a little song",
          "fell asleep with a smile",
        ])
      }.`,
  ]);
  return { topic, short: `${capitalize(subject)} ${verb} ${obj}.`, long };
}

/**
 * One random topic pair (animal facts, weather, a place, a food, or a character's action).
 *
 * @example
 * ```ts
 * import { makeRng } from "../../lib/util/rng.ts";
 * import { makeTopicPair, shortPrompt } from "./corpus_pairs.ts";
 * const pair = makeTopicPair(makeRng(3));
 * console.log(shortPrompt(pair.topic), pair.short);
 * ```
 */
export function makeTopicPair(rng: Rng): TopicPair {
  return pick(rng, [
    animalPair,
    weatherPair,
    placePair,
    foodPair,
    characterPair,
  ])(rng);
}
