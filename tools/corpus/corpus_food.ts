/**
 * Foods and drinks of the corpus vocabulary, with how each is made and adjectives that fit it
 * (written for this toolkit).
 *
 * @module
 */

import { commas, rows } from "./corpus_vocab.ts";

/** A food or drink: `mass` ones take "some" and no plural ("some bread"). */
export interface Food {
  /** Singular noun ("apple"), or the mass noun ("bread"). */
  noun: string;
  /** True for mass nouns. */
  mass: boolean;
  /** How it is made or gotten: "bake", "cook", "pick", "make", "grow", "pour", "buy". */
  made: string;
  /** Adjectives that fit it. */
  adjs: readonly string[];
}

/** Foods and drinks (noun|c or m|made|adjectives). */
export const FOODS: readonly Food[] = rows(`
  apple|c|pick|red,juicy,sweet,crunchy,ripe,green
  pear|c|pick|ripe,sweet,juicy,yellow
  banana|c|buy|ripe,yellow,sweet
  orange|c|pick|juicy,sweet,big,bright
  plum|c|pick|purple,ripe,sweet
  peach|c|pick|soft,sweet,ripe,juicy
  cherry|c|pick|red,dark,sweet
  strawberry|c|pick|red,sweet,ripe,fresh
  blueberry|c|pick|tiny,sweet,fresh
  lemon|c|pick|sour,yellow,fresh
  melon|c|grow|big,sweet,cold
  watermelon|c|grow|big,cold,juicy
  mango|c|buy|ripe,sweet,soft
  pineapple|c|buy|sweet,big,spiky
  carrot|c|grow|orange,crunchy,long,fresh
  potato|c|grow|big,warm,baked
  tomato|c|grow|red,ripe,fresh,juicy
  cucumber|c|grow|green,cool,crunchy
  pumpkin|c|grow|big,orange,round
  cabbage|c|grow|green,big,fresh
  mushroom|c|pick|brown,small,wild
  bread|m|bake|fresh,warm,soft,brown
  cake|c|bake|chocolate,sweet,big,lemon
  pie|c|bake|warm,apple,cherry,sweet
  cookie|c|bake|sweet,warm,chocolate,crunchy
  muffin|c|bake|warm,blueberry,soft,sweet
  pancake|c|cook|warm,thin,sweet,fluffy
  sandwich|c|make|cheese,big,tasty,egg
  soup|m|cook|hot,warm,tasty,vegetable,tomato
  stew|m|cook|hot,thick,tasty,warm
  rice|m|cook|warm,white,hot
  pasta|m|cook|hot,tasty,warm
  pizza|c|bake|hot,cheesy,big,tasty
  cheese|m|buy|yellow,soft,smelly,hard
  honey|m|buy|sweet,golden,sticky
  jam|m|make|sweet,sticky,strawberry,plum
  porridge|m|cook|warm,thick,sweet
  salad|c|make|fresh,green,crunchy
  popcorn|m|make|salty,warm,buttery
  chocolate|m|buy|dark,sweet,sticky
  ice cream|m|buy|cold,sweet,vanilla,strawberry
  egg|c|cook|boiled,fried,brown,warm
  milk|m|pour|cold,warm,fresh
  tea|m|make|hot,sweet,mint
  juice|m|pour|cold,orange,apple,fresh
  lemonade|m|make|cold,sweet,fresh,pink
  cocoa|m|make|hot,sweet,warm
  biscuit|c|bake|sweet,crunchy,round
  waffle|c|cook|warm,golden,crispy
  noodle soup|m|cook|hot,tasty,spicy
`).map(([noun, cm, made, adjs]) => ({
  noun,
  mass: cm === "m",
  made,
  adjs: commas(adjs),
}));
