/**
 * The vocabulary of the shipped pretraining corpus, written for this toolkit: names, animals
 * (with a few true facts each), people, places, objects, adjectives and feelings. Tables
 * are compact `|`-separated strings parsed once into typed records; the corpus grammar
 * (`corpus_grammar.ts`) draws from them.
 *
 * @module
 */

/** Splits a space-separated word list: `words("a b")` → ["a", "b"]. */
export function words(list: string): readonly string[] {
  return list.trim().split(/\s+/);
}

/** Splits a comma-separated phrase list: `commas("a b, c")` → ["a b", "c"]. */
export function commas(list: string): readonly string[] {
  return list.split(",").map((s) => s.trim());
}

/** Splits a table, one row a line, into `|`-separated fields. */
export function rows(table: string): string[][] {
  return table.trim().split("\n").map((line) => line.trim().split("|"));
}

/** Names for girls and women (pronoun "she"). */
export const FEMALE_NAMES: readonly string[] = words(`
  Mia Ava Nora Lily Zoe Ella Ruby Rosa Ivy Maya Lucy Anna Ada Iris Clara June Hana Lena Nina
  Grace Sofia Tara Alma Bella Daisy Freya Hazel Jade Lara Nell Pia Sara Uma Vera Yara Emma
  Olive Mabel Greta Priya Amara Leah Chloe Esme Fiona Gemma Holly Isla Kira Luna Molly Nadia
  Opal Poppy Rita Stella Tess Willa Zara Maria Aisha Mei Elsa Bea Cora Dora Edith Flora Gwen`);

/** Names for boys and men (pronoun "he"). */
export const MALE_NAMES: readonly string[] = words(`
  Leo Sam Ben Max Tom Jack Finn Omar Noah Eli Owen Theo Hugo Milo Ravi Oscar Felix Kai Amir
  Luca Ezra Jonah Arlo Cole Emil Gus Isaac Kofi Marco Otto Quinn Rory Toby Wes Zane Adam Basil
  Caleb Dev Ethan Frank George Henry Ivan Jasper Kevin Liam Mateo Nico Ollie Pablo Reuben Simon
  Tariq Victor Walter Yusuf Arthur Bruno Carlos Dylan Elliot Hamid Joel Louis Rafael Stan`);

/** Names for animal characters (any pronoun). */
export const PET_NAMES: readonly string[] = words(`
  Pip Biscuit Pepper Sunny Patch Bramble Coco Mochi Nutmeg Tumble Ziggy Dot Button Pickle
  Waffle Clover Maple Hopper Fluff Sparky Pebble Acorn Bubbles Cinnamon Dusty Fudge Ginger
  Honey Jellybean Juniper Muffin Noodle Peanut Pumpkin Rusty Sage Snowball Sprout Toffee
  Thistle Velvet Whisper Buttercup Chestnut Domino Marble Olive Pudding Squeak Tiger Cookie`);

/** Names for robot characters (pronoun "it"). */
export const ROBOT_NAMES: readonly string[] = words(`
  Bolt Beep Gizmo Sprocket Widget Cog Zip Dynamo Pixel Chip Tinker Nova Servo Blip Bleep Gadget
  Spark Rivet Torque Volt Ratchet Kilo Zed Orbit Quark Buzz Axle Piston Dial Gear`);

/** An animal with a few facts for generic sentences ("Foxes live in the forest."). */
export interface Animal {
  /** Singular noun ("fox"). */
  noun: string;
  /** Where it lives, a prepositional phrase ("in the forest"). */
  habitat: string;
  /** How it moves, a verb ("run"). */
  moves: string;
  /** The sound it makes, a verb ("bark"), or "" when it makes none worth naming. */
  sound: string;
  /** Something it has ("a bushy tail"). */
  feature: string;
  /** What it eats (plural or mass nouns). */
  eats: readonly string[];
}

/** Animals with facts (noun|habitat|moves|sound|feature|eats). */
export const ANIMALS: readonly Animal[] = rows(`
  fox|in the forest|run|bark|a bushy tail|mice,berries
  rabbit|in the meadow|hop|squeak|long ears|carrots,clover
  bear|in the woods|walk|growl|thick fur|honey,fish,berries
  owl|in the old trees|fly|hoot|big round eyes|mice,beetles
  duck|on the pond|swim|quack|webbed feet|bugs,seeds
  frog|by the pond|hop|croak|long back legs|flies,worms
  turtle|near the river|crawl||a hard shell|leaves,worms
  squirrel|in the park|climb|chatter|a bushy tail|nuts,acorns
  hedgehog|in the garden|shuffle|snuffle|sharp spines|beetles,worms
  deer|in the forest|run||long thin legs|grass,leaves
  wolf|in the mountains|run|howl|sharp teeth|meat
  lion|on the wide plains|run|roar|a golden mane|meat
  tiger|in the jungle|creep|growl|orange and black stripes|meat
  elephant|on the wide plains|walk|trumpet|a long trunk|grass,fruit,leaves
  monkey|in the jungle|climb|chatter|a long tail|bananas,fruit
  giraffe|on the wide plains|walk|hum|a very long neck|leaves
  zebra|on the wide plains|gallop|bray|black and white stripes|grass
  horse|on the farm|gallop|neigh|a long mane|hay,oats,apples
  pony|on the farm|trot|neigh|a shaggy mane|hay,carrots
  cow|on the farm|walk|moo|big brown eyes|grass,hay
  pig|on the farm|trot|oink|a curly tail|corn,apples
  sheep|in the green fields|walk|bleat|thick wool|grass
  goat|on the rocky hills|climb|bleat|small horns|grass,leaves
  hen|on the farm|walk|cluck|soft feathers|seeds,corn
  goose|by the lake|waddle|honk|a long neck|grass,seeds
  swan|on the lake|swim||white feathers|water plants
  robin|in the garden|fly|sing|a red breast|worms,berries
  sparrow|in the town|fly|chirp|brown feathers|seeds,crumbs
  crow|in the tall trees|fly|caw|black feathers|seeds,bugs
  parrot|in the jungle|fly|squawk|bright feathers|nuts,fruit
  penguin|on the ice|waddle|honk|a black and white coat|fish
  seal|on the rocky shore|swim|bark|long whiskers|fish
  whale|in the deep sea|swim|sing|a huge tail|tiny shrimp
  dolphin|in the sea|swim|click|a curved fin|fish
  crab|on the beach|scuttle||two big claws|seaweed
  snail|in the garden|crawl||a curly shell|leaves
  bee|in the meadow|fly|buzz|a striped body|nectar,pollen
  ant|under the ground|march||six legs|crumbs,seeds
  butterfly|in the meadow|flutter||colorful wings|nectar
  ladybug|in the garden|crawl||red wings with black spots|tiny bugs
  beaver|by the river|swim||a flat tail|twigs,bark
  otter|in the river|swim|squeak|thick brown fur|fish,crabs
  raccoon|near the town|climb|chatter|a striped tail|fruit,nuts
  badger|in the woods|dig|grunt|a striped face|worms,roots
  mole|under the ground|dig||big front paws|worms
  bat|in dark caves|fly|squeak|thin wings|moths,fruit
  camel|in the desert|walk|grunt|a big hump|desert plants
  kangaroo|in the dry grasslands|hop|grunt|a pouch|grass
  koala|in the tall gum trees|climb|grunt|fluffy ears|gum leaves
  panda|in the bamboo forest|climb|bleat|black and white fur|bamboo
  hippo|in the river|swim|grunt|a huge mouth|grass
  crocodile|in the muddy river|swim|hiss|sharp teeth|fish
  snake|in the tall grass|slither|hiss|smooth scales|mice,eggs
  lizard|on the warm rocks|run||a long tail|bugs
  llama|in the mountains|walk|hum|soft wool|grass,hay
  donkey|on the farm|trot|bray|long ears|hay,carrots
  moose|in the northern forest|walk|bellow|wide antlers|water plants,twigs
  eagle|in the mountains|soar|screech|sharp eyes|fish,rabbits
  pelican|by the sea|fly||a big beak|fish
  octopus|in the sea|swim||eight arms|crabs,fish
  spider|in dark corners|crawl||eight legs|flies
  worm|in the soil|wiggle||a soft body|old leaves
  caterpillar|on the leaves|crawl||many tiny legs|leaves
  firefly|in the summer fields|fly||a glowing tail|nectar
  goldfish|in the pond|swim||shiny orange scales|tiny flakes
  hamster|in little burrows|run|squeak|chubby cheeks|seeds,grain
  puffin|on the sea cliffs|fly|grunt|a colorful beak|small fish
  walrus|on the ice|swim|bellow|long tusks|clams
  polar bear|on the ice|walk|growl|white fur|fish,seals
  mouse|in the barn|scurry|squeak|a thin tail|seeds,grain
  cat|in the house|prowl|meow|soft fur|fish
  dog|in the house|run|bark|a wagging tail|meat,bones
  peacock|in the palace garden|strut|scream|a tail of bright feathers|seeds,bugs
  flamingo|in the shallow lake|wade|honk|long pink legs|shrimp
  woodpecker|in the forest|fly|drum|a strong beak|bugs
`).map(([noun, habitat, moves, sound, feature, eats]) => ({
  noun,
  habitat,
  moves,
  sound,
  feature,
  eats: commas(eats),
}));

/** Young or pet animals and magical creatures used as characters only (no facts). */
export const STORY_CREATURES: readonly string[] = commas(
  "puppy,kitten,bunny,lamb,duckling,piglet,dragon,unicorn,dinosaur,troll,fairy,gnome,giant," +
    "mermaid,ghost,elf",
);

/** A kind of person; `he`/`she` when the word is gendered, else "" (the name decides). */
export interface PersonKind {
  /** The noun ("farmer"). */
  noun: string;
  /** Fixed pronoun for gendered nouns ("queen" → "she"), else "". */
  gender: "" | "he" | "she";
}

/** Kinds of people (noun, or noun:he / noun:she for gendered words). */
export const PERSON_KINDS: readonly PersonKind[] = words(`
  girl:she boy:he farmer baker teacher doctor sailor painter fisherman:he cook gardener pilot
  nurse miller tailor shepherd librarian artist singer dancer explorer scientist builder guard
  driver clown musician poet shopkeeper carpenter beekeeper potter knight pirate wizard
  king:he queen:she prince:he princess:she grandmother:she grandfather:he inventor detective
  astronaut firefighter vet mail_carrier mother:she father:he`).map((w) => {
  const [noun, gender = ""] = w.split(":");
  return {
    noun: noun.replace("_", " "),
    gender: gender as PersonKind["gender"],
  };
});

/** A place and what can be seen there. */
export interface Place {
  /** Preposition used with it ("in", "at", "on", "by"). */
  prep: string;
  /** Noun ("forest"). */
  noun: string;
  /** Adjectives that fit it. */
  adjs: readonly string[];
  /** Things seen there (plural or mass nouns). */
  sights: readonly string[];
}

/** Places (prep|noun|adjectives|sights). */
export const PLACES: readonly Place[] = rows(`
  in|forest|dark,green,deep,quiet,old|tall trees,wild flowers,mushrooms,mossy logs
  in|garden|sunny,little,green,lovely|roses,tomatoes,bees,tall sunflowers
  at|beach|sandy,sunny,windy,quiet|seashells,sand dunes,crabs,big waves
  at|park|big,busy,green,quiet|swings,ducks,green benches,old oak trees
  in|meadow|wide,green,sunny,quiet|daisies,butterflies,tall grass,rabbits
  on|farm|busy,old,big,quiet|cows,red barns,hay bales,chickens
  in|village|small,quiet,sleepy,old|small cottages,narrow streets,stone walls,gardens
  at|market|busy,noisy,crowded,colorful|fruit stalls,baskets of apples,fresh bread,flower sellers
  at|harbor|busy,windy,old,noisy|fishing boats,tall ships,seagulls,piles of rope
  on|island|small,sunny,far,green|palm trees,white sand,coconuts,turtles
  in|cave|dark,deep,cold,damp|shiny rocks,bats,dark tunnels,dripping water
  on|mountain|tall,snowy,steep,rocky|snowy peaks,goats,pine trees,steep paths
  in|valley|green,wide,quiet,deep|green hills,sheep,little streams,stone walls
  at|lake|calm,blue,big,still|sailboats,swans,fishermen,reeds
  by|river|wide,fast,slow,muddy|stepping stones,frogs,willow trees,fish
  in|desert|hot,dry,wide,empty|sand dunes,camels,dry bushes,lizards
  in|jungle|green,hot,wet,wild|long vines,monkeys,parrots,giant leaves
  at|zoo|big,busy,noisy,famous|lions,giraffes,penguins,elephants
  at|bakery|warm,little,busy,cozy|warm loaves,cakes,cookies,cinnamon rolls
  at|train station|busy,noisy,old,crowded|long trains,busy travelers,big clocks,suitcases
  at|museum|quiet,old,huge,famous|old paintings,dinosaur bones,statues,golden crowns
  in|castle|old,huge,stone,quiet|tall towers,knights,long halls,heavy doors
  at|lighthouse|tall,old,white,lonely|stone steps,seagulls,wet rocks,ships far away
  in|library|quiet,big,old,cozy|tall shelves,old books,maps,quiet readers
  at|school|busy,new,small,noisy|desks,books,blackboards,children
  at|playground|busy,noisy,sunny,new|slides,swings,sand pits,children
  in|orchard|sunny,old,quiet,green|apple trees,pear trees,ladders,baskets
  in|barn|old,red,warm,dusty|hay,horses,owls,old tractors
  in|workshop|busy,messy,small,noisy|tools,piles of wood,gears,workbenches
  in|kitchen|warm,busy,small,cozy|pots,pans,jars of jam,warm bread
  in|attic|dusty,dark,quiet,old|old boxes,dusty trunks,cobwebs,forgotten toys
  at|fair|busy,noisy,colorful,big|colorful tents,carousels,balloons,cotton candy
  at|circus|big,noisy,colorful,busy|clowns,acrobats,jugglers,striped tents
  at|pond|little,quiet,green,still|lily pads,frogs,ducks,dragonflies
  in|greenhouse|warm,bright,glass,small|tomato plants,orchids,ferns,seedlings
  in|swamp|muddy,wet,dark,foggy|tall reeds,frogs,mud,turtles
  at|campsite|quiet,little,busy,sunny|tents,campfires,tall pines,sleeping bags
  in|city|big,busy,noisy,bright|tall buildings,busy streets,buses,shops
  at|post office|busy,small,old,quiet|letters,parcels,stamps,long lines
  at|toy shop|little,bright,busy,colorful|dolls,toy trains,kites,puzzles
  at|flower shop|little,bright,sweet,colorful|tulips,roses,lilies,buckets of daisies
  at|fire station|busy,big,red,loud|red trucks,ladders,helmets,firefighters
  at|waterfall|tall,loud,cool,misty|rainbows,wet rocks,ferns,cold spray
  on|hill|green,windy,steep,grassy|windmills,kites,sheep,wildflowers
  on|space station|quiet,bright,huge,busy|stars,planets,floating tools,round windows
  at|aquarium|big,blue,quiet,famous|sharks,jellyfish,seahorses,colorful fish
  on|ship|big,old,fast,wooden|white sails,ropes,sailors,maps
  at|ice rink|busy,cold,bright,shiny|skaters,music,lights,frozen ponds
  in|town square|busy,old,sunny,crowded|fountains,pigeons,street musicians,benches
  at|bridge|old,long,stone,narrow|boats below,fishermen,lamp posts,rowing boats
  in|snowy woods|cold,quiet,white,still|snowdrifts,pine trees,icicles,footprints
  at|observatory|quiet,dark,tall,old|telescopes,star charts,moon maps,bright planets
  in|pumpkin patch|big,muddy,orange,sunny|pumpkins,scarecrows,hay rides,crows
  at|windmill|old,tall,creaky,white|turning sails,sacks of flour,mice,wheat fields
`).map(([prep, noun, adjs, sights]) => ({
  prep,
  noun,
  adjs: commas(adjs),
  sights: commas(sights),
}));

/** Nouns of places that are outdoors (fit for picnics, races and meeting strangers). */
export const OUTDOOR_PLACES: readonly Place[] = PLACES.filter((p) =>
  commas(
    "forest,garden,beach,park,meadow,farm,village,harbor,island,mountain,valley,lake,river," +
      "orchard,pond,campsite,hill,waterfall,bridge,pumpkin patch,snowy woods,town square",
  ).includes(p.noun)
);

/** A portable object and the adjectives that fit it. */
export interface Thing {
  /** Singular noun ("kite"). */
  noun: string;
  /** Category: toy, clothes, music, paper, tool, treasure, light, kitchen, nature, gadget, bag. */
  kind: string;
}

/** Portable objects grouped by category (category: nouns). */
export const THINGS: readonly Thing[] = rows(`
  toy|ball,kite,doll,teddy bear,toy car,toy train,marble,balloon,puzzle,yo-yo,spinning top,jump rope,toy boat,wooden horse,rubber duck
  clothes|hat,scarf,glove,mitten,boot,sock,coat,jacket,sweater,raincoat,cap,apron,shawl,cloak,vest
  music|drum,flute,guitar,violin,whistle,bell,harmonica,tambourine,trumpet,recorder,ukulele,banjo
  paper|book,map,letter,note,postcard,notebook,diary,poem,picture,drawing,comic,recipe,ticket,invitation
  tool|hammer,shovel,rake,saw,rope,bucket,ladder,broom,paintbrush,watering can,fishing rod,net,pencil,crayon,needle
  treasure|coin,ring,necklace,crown,gem,jewel,pearl,golden key,bracelet,medal,trophy,locket
  light|lamp,lantern,candle,flashlight,torch
  kitchen|cup,mug,bowl,plate,spoon,teapot,kettle,jar,pot,pan,basket,lunchbox
  nature|shell,stone,pebble,feather,leaf,flower,stick,acorn,pine cone,seed,crystal,conker
  gadget|clock,watch,camera,radio,telescope,compass,magnifying glass,robot arm,magnet,battery,remote
  bag|backpack,suitcase,bag,purse,box,wallet,sack,treasure chest
`).flatMap(([kind, list]) => commas(list).map((noun) => ({ noun, kind })));

/** Adjectives that fit each object category. */
export const THING_ADJS: Readonly<Record<string, readonly string[]>> = {
  toy: commas(
    "red,blue,green,yellow,shiny,old,new,little,big,favorite,striped,bright,tiny",
  ),
  clothes: commas(
    "warm,soft,woolen,red,blue,green,purple,striped,old,new,favorite,cozy,spotted",
  ),
  music: commas(
    "old,new,shiny,little,wooden,silver,golden,loud,small,beautiful",
  ),
  paper: commas(
    "old,new,secret,strange,long,short,torn,folded,beautiful,little,special",
  ),
  tool: commas(
    "old,new,heavy,small,rusty,sharp,long,strong,useful,wooden,trusty",
  ),
  treasure: commas(
    "golden,silver,shiny,tiny,ancient,precious,sparkling,heavy,beautiful,rare",
  ),
  light: commas("old,small,bright,little,brass,flickering,warm,glowing"),
  kitchen: commas(
    "blue,white,chipped,big,small,old,clay,painted,heavy,empty,full",
  ),
  nature: commas(
    "smooth,tiny,white,gray,round,shiny,strange,beautiful,perfect,little,pretty",
  ),
  gadget: commas("old,new,broken,shiny,small,clever,noisy,tiny,strange,useful"),
  bag: commas("big,small,heavy,old,red,brown,leather,empty,full,mysterious"),
};

/** Adjectives describing a character's nature. */
export const CHARACTER_ADJS: readonly string[] = words(`
  kind brave clever shy curious gentle cheerful friendly lazy sleepy hungry grumpy wise silly
  careful patient helpful honest playful quiet bold quick slow polite generous busy lonely young
  old little tiny clumsy noisy smart funny cheeky thoughtful fearless nervous small proud eager
  tidy messy lucky daring merry jolly calm happy`);

/** Pleasant feelings. */
export const GOOD_FEELINGS: readonly string[] = words(`
  happy glad proud excited thankful calm cheerful joyful relieved delighted pleased grateful
  hopeful safe content`);

/** Unpleasant feelings. */
export const BAD_FEELINGS: readonly string[] = words(`
  sad scared worried nervous lonely upset cross grumpy tired bored confused disappointed
  frightened embarrassed cold hungry`);

/** Manner adverbs. */
export const ADVERBS: readonly string[] = words(`
  softly happily loudly quietly slowly quickly gently sadly proudly carefully bravely kindly
  eagerly calmly politely cheerfully patiently nervously excitedly sleepily`);

/** Speech verbs (past tense) for statements. */
export const SAY_VERBS: readonly string[] = words(
  "said said said replied whispered called laughed explained added answered smiled sighed",
);

/** Time phrases that open a story. */
export const OPENERS: readonly string[] = commas(
  "once upon a time,one morning,one sunny afternoon,one cold evening,last summer,long ago," +
    "one snowy winter day,early one spring morning,on the first day of autumn,one windy day," +
    "one quiet night,at the end of the summer,one bright day,a long time ago,one rainy morning," +
    "on a warm evening,one foggy morning,on a lazy Sunday,during the holidays",
);

/** Days, months and seasons (for time phrases). */
export const DAYS: readonly string[] = words(
  "Monday Tuesday Wednesday Thursday Friday Saturday Sunday",
);
/** Month names. */
export const MONTHS: readonly string[] = words(
  "January February March April May June July August September October November December",
);
/** Seasons. */
export const SEASONS: readonly string[] = words("spring summer autumn winter");
/** Colors (for gifts, paint, ribbons). */
export const COLORS: readonly string[] = words(
  "red blue green yellow orange purple pink brown black white gray golden silver",
);
/** Family members and friends a character can tell things to. */
export const FAMILY: readonly string[] = commas(
  "mother,father,grandmother,grandfather,sister,brother,aunt,uncle,cousin,best friend,neighbor",
);
