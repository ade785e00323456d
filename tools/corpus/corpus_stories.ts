/**
 * Story plots for the pretraining corpus, at home and nearby: a lost thing, spoiled plans,
 * making something, helping someone. Each plot is a first sentence, optional middle beats (kept
 * in order, chosen to reach the wanted length) and a last sentence, plus a one-line summary of
 * what the kept sentences say (see `tell` in `corpus_phrases.ts`).
 *
 * @module
 */

import type { Rng } from "../../lib/util/rng.ts";

export type { Rng, RngState } from "../../lib/util/rng.ts";
import { capitalize, joinList, pastTense, withArticle } from "./corpus_morph.ts";
import {
  atPlace,
  chance,
  makeCharacter,
  oneOf,
  opener,
  paragraph,
  pick,
  pickPlace,
  pickSome,
  ref,
  say,
  type Story,
  tell,
  thingPhrase,
  toPlace,
  twoCharacters,
} from "./corpus_phrases.ts";
import { ADVERBS, BAD_FEELINGS, FAMILY, GOOD_FEELINGS, OUTDOOR_PLACES } from "./corpus_vocab.ts";
import {
  BAD_WEATHER,
  FURNITURE,
  HIDING_SPOTS,
  INDOOR_FUN,
  OUTDOOR_PLANS,
  PROJECTS,
  TROUBLES,
} from "./corpus_plots.ts";

function lostAndFound(rng: Rng, n: number): Story {
  const [h, f] = twoCharacters(rng);
  const t = thingPhrase(rng, [
    "toy",
    "clothes",
    "music",
    "treasure",
    "paper",
    "nature",
    "bag",
  ]);
  const p = pickPlace(rng),
    p2 = pickPlace(rng, p),
    spot = pick(rng, HIDING_SPOTS);
  let friend = false;
  const lines = tell(rng, n, () =>
    oneOf(rng, [
      () => `${opener(rng)}, ${h.first} lost ${h.his} ${t.phrase} ${atPlace(rng, p)}.`,
      () => `${opener(rng)}, ${h.first} could not find ${h.his} ${t.phrase} anywhere.`,
      () => `${h.first} had ${withArticle(t.phrase)}, but one day it was gone.`,
    ]), [
    () =>
      oneOf(rng, [
        () =>
          `${ref(rng, h)} looked under the ${
            joinList(pickSome(rng, FURNITURE, 2)).replace(
              " and ",
              " and behind the ",
            )
          }, but it was not there.`,
        () =>
          `${ref(rng, h)} felt ${
            pick(rng, BAD_FEELINGS)
          } because the ${t.noun} was ${h.his} favorite.`,
      ]),
    () => {
      friend = true;
      const hint = pick(rng, [
        `I saw it near the ${p2.noun}.`,
        `maybe it is ${p2.prep} the ${p2.noun}.`,
        `let us look ${p2.prep} the ${p2.noun}.`,
      ]);
      return `${h.name} asked ${f.first}, "Have you seen my ${t.noun}?" ${say(rng, f.name, hint)}`;
    },
    () =>
      `${friend ? `So ${h.name} and ${f.name}` : `Then ${h.name}`} went ${
        toPlace(rng, p2)
      } to look there.`,
    () =>
      pick(rng, [
        `The wind was cold, but ${h.he} did not give up.`,
        `It started to rain, but ${h.he} kept looking.`,
        `The sun was going down, and ${h.he} was getting tired.`,
      ]),
  ], () =>
    oneOf(rng, [
      () =>
        `Finally, ${h.name} found the ${t.noun} ${spot}, and ${h.he} felt ${
          pick(rng, GOOD_FEELINGS)
        }.`,
      () =>
        `In the end, the ${t.noun} was ${spot} all along${
          friend ? ", and they both laughed" : ""
        }.`,
      () =>
        `At last, ${h.he} saw the ${t.noun} ${spot}. ${capitalize(h.he)} picked it up and smiled.`,
    ]));
  return {
    text: paragraph(lines),
    summary: `${h.name} lost ${h.his} ${t.noun} and found it ${spot}.`,
  };
}

function spoiledPlans(rng: Rng, n: number): Story {
  const h = makeCharacter(rng), f = makeCharacter(rng, "person", [h.name]);
  const plan = pick(rng, OUTDOOR_PLANS), fun = pick(rng, INDOOR_FUN);
  let friend = false;
  const lines = tell(rng, n, () =>
    oneOf(rng, [
      () =>
        `${opener(rng)}, ${h.first} wanted to ${plan}, but the sky was ${
          pick(rng, ["gray", "dark", "full of clouds"])
        }.`,
      () =>
        `${h.first} woke up early because ${h.he} wanted to ${plan}, but the clouds looked dark.`,
    ]), [
    () =>
      `${ref(rng, h)} put on ${h.his} ${
        thingPhrase(rng, ["clothes"]).phrase
      } and looked out of the window.`,
    () => `Soon ${pick(rng, BAD_WEATHER)}.`,
    () => say(rng, h.name, `oh no, now I cannot ${plan}!`),
    () => {
      friend = true;
      return `${capitalize(f.first)} said, "Do not be sad. We can have fun inside."`;
    },
    () => `So ${friend ? "they" : h.he} ${fun} instead.`,
  ], () =>
    oneOf(rng, [
      () => `Later, the sun came out, and ${h.name} ${pastTense(plan)} after all.`,
      () => `It was not the day ${h.he} had planned, but it was still a very good day.`,
      () => `${h.name} learned that a gray day can be fun too.`,
    ]));
  return {
    text: paragraph(lines),
    summary: `${h.name} wanted to ${plan}, but the weather changed the plan.`,
  };
}

function makingSomething(rng: Rng, n: number): Story {
  const [h, f] = twoCharacters(rng);
  const job = pick(rng, PROJECTS);
  const forFriend = chance(rng, 0.5);
  const forWhom = forFriend ? f.first : pick(rng, [
    "the school fair",
    `${h.his} ${pick(rng, FAMILY)}`,
    "the town party",
  ]);
  let trouble = false, fixed = false;
  const lines = tell(
    rng,
    n,
    () =>
      `${opener(rng)}, ${h.first} decided to ${job.verb} ${withArticle(job.thing)} for ${forWhom}.`,
    [
      () =>
        `First, ${ref(rng, h)} ${pick(rng, ["gathered", "found", "collected", "got out"])} ${
          joinList(job.parts)
        }.`,
      () =>
        `Next, ${ref(rng, h)} worked ${pick(rng, ADVERBS)} for ${
          pick(rng, [
            "an hour",
            "a long time",
            "the whole afternoon",
            "three days",
          ])
        }.`,
      () => {
        trouble = true;
        return `However, ${job.problem}.`;
      },
      () => {
        fixed = trouble;
        if (fixed) return `${h.name} did not give up, so ${h.he} ${job.fix}.`;
        return say(
          rng,
          h.name,
          pick(rng, [
            "I can do this.",
            "this will be the best one ever!",
            "only a little more work to do.",
          ]),
        );
      },
    ],
    () =>
      forFriend && chance(rng, 0.5)
        ? `${f.name} loved the ${job.thing}, and they ${
          pick(rng, ["played", "laughed", "talked"])
        } together all evening.`
        : `At last, the ${job.thing} was finished, and ${h.he} felt very ${
          pick(rng, ["proud", "happy", "pleased"])
        }.`,
  );
  const summary = fixed
    ? `${h.name} ${pastTense(job.verb)} ${
      withArticle(job.thing)
    }; ${job.problem}, but ${h.he} ${job.fix}.`
    : `${h.name} ${pastTense(job.verb)} ${withArticle(job.thing)} for ${
      forFriend ? f.name : forWhom
    }.`;
  return { text: paragraph(lines), summary };
}

function helping(rng: Rng, n: number): Story {
  const h = makeCharacter(rng),
    o = makeCharacter(
      rng,
      pick(rng, ["animal", "person", "creature", "child"]),
      [h.name, h.kind],
    );
  const tr = pick(rng, TROUBLES), p = pickPlace(rng, undefined, OUTDOOR_PLACES);
  const help = tr.help.replace("{him}", o.him);
  const lines = tell(
    rng,
    n,
    () => `${opener(rng)}, ${h.first} saw ${o.first}, who was ${tr.state} ${atPlace(rng, p)}.`,
    [
      () => say(rng, h.name, "what is wrong?"),
      () => say(rng, o.name, tr.line),
      () =>
        `${h.name} ${
          pick(rng, [
            "thought for a moment",
            "wanted to help",
            "knew just what to do",
          ])
        }.`,
      () => `${pick(rng, ["So", "Then", "Right away,"])} ${h.he} ${help}.`,
    ],
    () =>
      oneOf(rng, [
        () => `${o.name} said thank you, and ${h.name} felt ${pick(rng, GOOD_FEELINGS)}.`,
        () => `After that, ${h.name} and ${o.name} became good friends.`,
        () => `${o.name} smiled, and ${h.name} knew that helping others is always worth it.`,
      ]),
  );
  return {
    text: paragraph(lines),
    summary: `${h.name} helped ${o.name}, who was ${tr.state}.`,
  };
}

/** Plots: a lost thing, spoiled plans, making something, helping someone. */
export const HOME_PLOTS: ReadonlyArray<(rng: Rng, sentences: number) => Story> = [
  lostAndFound,
  spoiledPlans,
  makingSomething,
  helping,
];
