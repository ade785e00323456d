/**
 * Story plots for the pretraining corpus, going out: a trip, facing a fear, learning a skill, a
 * race (same shape as `corpus_stories.ts`).
 *
 * @module
 */

import type { Rng } from "../../lib/util/rng.ts";

export type { Rng, RngState } from "../../lib/util/rng.ts";
import { joinList, pastTense, plural, withArticle } from "./corpus_morph.ts";
import {
  chance,
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
  toPlace,
  twoCharacters,
} from "./corpus_phrases.ts";
import { FAMILY, GOOD_FEELINGS } from "./corpus_vocab.ts";
import { FEARS, LANDMARKS, SKILLS, TRANSPORT } from "./corpus_plots.ts";

function trip(rng: Rng, n: number): Story {
  const [h, f] = twoCharacters(rng);
  const p = pickPlace(rng),
    sights = pickSome(rng, p.sights, 3),
    food = pickFood(rng);
  const how = p.noun === "space station" ? "in a rocket" : pick(rng, TRANSPORT);
  let saw = false;
  const lines = tell(
    rng,
    n,
    () => `${opener(rng)}, ${h.first} and ${f.first} went ${toPlace(rng, p)} ${how}.`,
    [
      () => {
        saw = true;
        return `${pick(rng, ["They saw", "There they saw", "They looked at"])} ${
          joinList(sights)
        }.`;
      },
      () =>
        `${pick(rng, ["After that", "Later", "Then"])}, ${h.name} bought ${
          pick(rng, ["a bag of", "a box of"])
        } ${food.mass ? food.noun : plural(food.noun)} and shared it with ${f.name}.`,
      () =>
        say(
          rng,
          f.name,
          pick(rng, [
            "this is the best day ever!",
            "look over there!",
            "I want to come back tomorrow.",
            "can we stay a little longer?",
          ]),
        ),
      () =>
        pick(rng, [
          "When the sun began to set, they went home.",
          "Later, it began to get dark, so they went home.",
          "In the evening, they walked back slowly.",
        ]),
    ],
    () =>
      oneOf(rng, [
        () => `That night, ${h.name} dreamed about the ${saw ? sights[0] : p.noun}.`,
        () => `It was a day that ${h.name} would never forget.`,
        () => `${h.name} could not wait to go back to the ${p.noun}.`,
      ]),
  );
  const seen = saw ? ` and saw ${joinList(sights.slice(0, 2))}` : "";
  return {
    text: paragraph(lines),
    summary: `${h.name} and ${f.name} visited the ${p.noun}${seen}.`,
  };
}

function facingFear(rng: Rng, n: number): Story {
  const h = makeCharacter(rng), fear = pick(rng, FEARS);
  const helper = `${h.his} ${pick(rng, FAMILY)}`;
  let brave = false;
  const lines = tell(rng, n, () =>
    oneOf(rng, [
      () => `${h.first} was afraid of ${fear.thing}.`,
      () => `${opener(rng)}, ${h.first} was very scared of ${fear.thing}.`,
    ]), [
    () => `${fear.trigger}.`,
    () =>
      pick(rng, [
        `${h.he} wanted to hide under ${h.his} blanket.`,
        `${h.his} heart beat fast, and ${h.he} could not move.`,
      ]),
    () => say(rng, helper, fear.comfort),
    () => {
      brave = true;
      return `So ${h.name} took a deep breath and ${fear.brave}.`;
    },
  ], () =>
    oneOf(rng, [
      () => `Soon ${h.he} ${fear.after}, and it was not so scary after all.`,
      () => `From that day on, ${h.name} was not afraid of ${fear.thing} anymore.`,
    ]));
  const summary = brave
    ? `${h.name} was afraid of ${fear.thing}, but ${h.he} was brave and ${fear.brave}.`
    : `${h.name} was afraid of ${fear.thing}, but not anymore.`;
  return { text: paragraph(lines), summary };
}

function learningSkill(rng: Rng, n: number): Story {
  const h = makeCharacter(rng, chance(rng, 0.6) ? "robot" : undefined),
    t = makeCharacter(rng, "person", [h.name]);
  const sk = pick(rng, SKILLS);
  let teacher = false, practiced = false;
  const lines = tell(rng, n, () =>
    oneOf(rng, [
      () => `${opener(rng)}, ${h.first} wanted to learn how to ${sk.skill}.`,
      () =>
        `${h.first} lived near the ${pickPlace(rng).noun} and dreamed of learning to ${sk.skill}.`,
    ]), [
    () => `At first, ${h.he} ${sk.fail.replace("{his}", h.his)}.`,
    () =>
      `${h.name} felt ${
        pick(rng, ["sad", "embarrassed", "disappointed", "upset"])
      }, but ${h.he} did not stop trying.`,
    () => {
      teacher = true;
      return `Then ${t.first} showed ${h.him} how to do it, step by step.`;
    },
    () => {
      practiced = true;
      return `${ref(rng, h)} practiced every day, ${
        pick(rng, [
          "in the morning and in the evening",
          "even when it rained",
          "for many weeks",
          "after dinner",
        ])
      }.`;
    },
  ], () =>
    oneOf(rng, [
      () => `After a while, ${h.name} ${sk.success}.`,
      () =>
        `Finally, ${h.name} could ${sk.skill}${teacher ? `, and ${h.he} thanked ${t.name}` : ""}.`,
    ]));
  return {
    text: paragraph(lines),
    summary: `${h.name} learned to ${sk.skill}${practiced ? " by practicing every day" : ""}.`,
  };
}

function race(rng: Rng, n: number): Story {
  const [h, f] = twoCharacters(rng);
  const goal = pick(rng, LANDMARKS);
  let fell = false;
  const lines = tell(
    rng,
    n,
    () => `${opener(rng)}, ${h.first} and ${f.first} had a race to ${goal}.`,
    [
      () =>
        `${h.name} ${
          h.animal ? pastTense(h.animal.moves) : "ran"
        } fast, but ${f.name} was even faster.`,
      () => {
        fell = true;
        return `${pick(rng, ["Suddenly", "Halfway there", "However"])}, ${f.name} tripped over ${
          withArticle(pick(rng, ["stone", "root", "log", "bucket"]))
        } and fell down.`;
      },
      () =>
        fell
          ? `${h.name} stopped to help ${f.him} get up.`
          : `The wind was in their faces, and the path was ${
            pick(rng, ["muddy", "steep", "long", "bumpy"])
          }.`,
      () =>
        say(
          rng,
          pick(rng, [h, f]).name,
          pick(rng, [
            "we are almost there!",
            "keep going!",
            "I can see the finish!",
          ]),
        ),
    ],
    () =>
      fell ? `They crossed the finish line together, and everyone cheered.` : oneOf(rng, [
        () =>
          `${pick(rng, [h, f]).name} won the race, but they were both ${pick(rng, GOOD_FEELINGS)}.`,
        () => `In the end, it did not matter who won, because they had fun together.`,
      ]),
  );
  return {
    text: paragraph(lines),
    summary: `${h.name} and ${f.name} had a race to ${goal}${
      fell ? " and finished it together" : ""
    }.`,
  };
}

/** Plots: a trip, facing a fear, learning a skill, a race. */
export const OUTING_PLOTS: ReadonlyArray<
  (rng: Rng, sentences: number) => Story
> = [
  trip,
  facingFear,
  learningSkill,
  race,
];
