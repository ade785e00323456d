/**
 * Plot material for the corpus's story templates, written for this toolkit: things to make,
 * problems to help with, fears to face, skills to learn, activities, games and places where
 * lost things turn up. Compact `|`-separated tables parsed into typed records.
 *
 * @module
 */

import { commas, rows } from "./corpus_vocab.ts";

/** Where a lost thing turns up ("under a big leaf"). */
export const HIDING_SPOTS: readonly string[] = commas(
  "under a big leaf,behind a rock,in a little bush,next to the old well,on a high branch," +
    "in the tall grass,under a bench,inside a flower pot,behind the door,under the bed," +
    "in the laundry basket,on top of the fridge,in a puddle,next to the mailbox,in a bird nest",
);

/** Furniture to look under or behind. */
export const FURNITURE: readonly string[] = commas(
  "bed,table,sofa,chair,rug,curtains,door,cupboard,desk,bookshelf,stairs,pillows",
);

/** Outdoor plans, as base-form verb phrases. */
export const OUTDOOR_PLANS: readonly string[] = commas(
  "fly a kite,play in the park,go to the beach,ride a bike,have a picnic,go fishing," +
    "play football,build a sandcastle,go for a long walk,pick berries,visit the zoo," +
    "swim in the lake,climb the big hill,play tag with friends",
);

/** Indoor activities, past tense. */
export const INDOOR_FUN: readonly string[] = commas(
  "baked cookies,read books,built a fort out of pillows,played board games,drew pictures," +
    "made a puppet show,did a big puzzle,painted pictures,sang songs,told stories,made paper boats",
);

/** Weather that spoils a plan (a clause). */
export const BAD_WEATHER: readonly string[] = commas(
  "the rain began to fall,a cold wind began to blow,thunder rumbled over the hills," +
    "big wet snowflakes started to fall,a thick fog rolled in,dark clouds covered the sun",
);

/** Something to make: verb, needed parts, a problem and how it was fixed. */
export interface Project {
  /** What is made ("kite"). */
  thing: string;
  /** Base verb ("make", "build", "bake"). */
  verb: string;
  /** What is needed. */
  parts: readonly string[];
  /** What went wrong (a clause). */
  problem: string;
  /** How it was fixed (a past-tense verb phrase). */
  fix: string;
}

/** Projects (thing|verb|parts|problem|fix). */
export const PROJECTS: readonly Project[] = rows(`
  kite|make|paper,string,two thin sticks,glue|the wind tore the paper|patched the hole with tape
  birdhouse|build|some wood,nails,a hammer,paint|the roof would not stay on|used more nails
  boat|build|wood,a white sail,rope,paint|it leaked in the bath|filled the holes with wax
  cake|bake|flour,eggs,sugar,butter,milk|the oven was too hot|started again and watched it closely
  sandcastle|build|sand,water,a bucket,a shovel,shells|a big wave knocked it down|built it higher up the beach
  snowman|build|snow,a carrot,two buttons,an old scarf|the head kept falling off|packed the snow tighter
  birthday card|make|paper,crayons,glue,glitter|the glue spilled on the table|cleaned it up and tried again
  necklace|make|beads,string,a little clasp|the string broke and the beads rolled away|picked them up one by one
  tower|build|wooden blocks,cardboard,tape|it fell over twice|made the bottom wider
  robot|build|wires,gears,a battery,metal plates|it would not turn on|found a loose wire and fixed it
  garden|plant|seeds,soil,water,a small spade|the birds ate some of the seeds|put up a little scarecrow
  soup|cook|carrots,potatoes,onions,water,salt|it was too salty|added more water and vegetables
  pie|bake|apples,flour,sugar,butter|the crust burned at the edges|cut off the dark parts
  sweater|knit|soft yarn,two long needles|one sleeve was longer than the other|started the short sleeve again
  puppet|make|an old sock,buttons,yarn,thread|the eyes fell off|sewed them on tightly
  tree house|build|planks,rope,nails,a ladder|a board was loose|hammered it down firmly
  song|write|words,a simple tune,a drum|the words did not fit the tune|changed a few lines
  map of the town|draw|paper,pencils,a ruler|the river was in the wrong place|drew the river again
  quilt|sew|old shirts,thread,a needle,soft stuffing|the squares were all different sizes|cut them again with care
  pizza|bake|dough,tomato sauce,cheese,mushrooms|the dough was too sticky|added a little more flour
`).map(([thing, verb, parts, problem, fix]) => ({
  thing,
  verb,
  parts: commas(parts),
  problem,
  fix,
}));

/** Trouble someone is in, what they say, and how the hero helps ({him} = their object pronoun). */
export interface Trouble {
  /** Participle phrase after "who was" ("stuck in a tall tree"). */
  state: string;
  /** What they say about it. */
  line: string;
  /** The help, a past-tense verb phrase. */
  help: string;
}

/** Troubles (state|line|help). */
export const TROUBLES: readonly Trouble[] = rows(`
  stuck in a tall tree|I am stuck, and I cannot get down.|climbed up carefully and helped {him} down
  lost far from home|I am lost, and I cannot find my way home.|walked with {him} all the way home
  caught in an old net|my foot is caught in this net.|untied the net very gently
  shivering in the cold wind|I am so cold, and my nest blew away.|wrapped {him} in a warm scarf
  looking up at the apples on a high branch|I cannot reach the apples, and I am hungry.|picked some apples and shared them with {him}
  sitting alone and crying|nobody wants to play with me.|asked {him} to join the game
  carrying a heavy basket up the hill|this basket is too heavy for me.|helped {him} carry the basket
  searching for a lost key|I lost my key, and now I cannot open my door.|helped {him} look until they found it
  standing by a broken cart|the wheel came off my cart.|fixed the wheel with a strong rope
  trying to cross the river|the water is too deep for me.|showed {him} the stepping stones
`).map(([state, line, help]) => ({ state, line, help }));

/** A fear and how it is faced. */
export interface Fear {
  /** What is feared ("the dark"). */
  thing: string;
  /** What brings it on (a sentence without the final period). */
  trigger: string;
  /** Comforting words. */
  comfort: string;
  /** The brave act, past tense. */
  brave: string;
  /** What happened then, past tense. */
  after: string;
}

/** Fears (thing|trigger|comfort|brave|after). */
export const FEARS: readonly Fear[] = rows(`
  the dark|one night, all the lights went out|the dark is only the room without light.|walked slowly across the dark room|saw the moon shining through the window
  thunder|one evening, a big storm came over the town|thunder is just a loud noise from the clouds.|sat by the window and counted the flashes|watched the lightning light up the sky
  deep water|one hot day, everyone went to the lake to swim|I will stay right next to you.|stepped into the water and began to swim|swam all the way to the little dock
  high places|one morning, the class climbed the old tower|hold my hand and look at the sky.|climbed the stairs one by one|saw the whole town from the top
  the big dog next door|one afternoon, the big dog came to the fence|he only wants to play.|held out a hand and let the dog sniff it|played fetch with the dog
  the first day of school|soon the first day of school came|everyone is a little nervous on the first day.|walked into the classroom and said hello|made two new friends
  spiders|one night, a spider sat on the wall above the bed|spiders eat flies, so they help us.|looked closely at the spider|saw how it spun its silver web
  the old forest|one day, the path home went through the old forest|the trees are old, but they are friendly.|walked into the forest|found a quiet clearing full of flowers
  the loud fireworks|on the night of the summer fair, the fireworks began|the fireworks are loud, but they are far away.|covered both ears and looked up|saw red and gold stars fill the sky
`).map(([thing, trigger, comfort, brave, after]) => ({
  thing,
  trigger,
  comfort,
  brave,
  after,
}));

/** A skill to learn: the first try and the success (past-tense verb phrases). */
export interface Skill {
  /** Base-form verb phrase ("ride a bike"). */
  skill: string;
  /** What went wrong at first. */
  fail: string;
  /** What happened in the end. */
  success: string;
}

/** Skills (skill|fail|success). */
export const SKILLS: readonly Skill[] = rows(`
  dance|stepped on {his} own feet and fell over|danced so well that everyone clapped
  paint|spilled the paint all over the floor|painted a beautiful picture of the sea
  sing|made loud beeping noises instead of music|sang a sweet song at the town party
  bake bread|burned the first loaf until it was black|baked a soft loaf that smelled wonderful
  ride a bike|wobbled and crashed into a bush|rode around the park without falling
  plant flowers|planted the seeds upside down|grew a garden full of bright tulips
  tell jokes|forgot the funny part of every joke|told a joke that made everyone laugh
  catch a ball|dropped the ball again and again|caught the ball with one hand
  tie a bow|made a big messy knot|tied a perfect bow on the first try
  swim|sank to the bottom of the pool|swam across the pool and back
  write a poem|wrote words that did not rhyme at all|wrote a short poem about the moon
  play the drum|played much too fast and too loud|played a steady beat for the band
  skate|slipped on the ice and sat down hard|skated in a big circle around the rink
  whistle|only made a soft puffing sound|whistled a happy tune all the way home
`).map(([skill, fail, success]) => ({ skill, fail, success }));

/** Finish lines for a race. */
export const LANDMARKS: readonly string[] = commas(
  "the big oak tree,the old bridge,the top of the hill,the red barn,the end of the beach," +
    "the garden gate,the lighthouse,the old well,the edge of the pond,the school gate",
);

/** Plants to grow (singular). */
export const PLANTS: readonly string[] = commas(
  "sunflower,tulip,rose,daisy,carrot,tomato,pumpkin,bean,pea,strawberry,cucumber,lily",
);

/** Games to play. */
export const GAMES: readonly string[] = commas(
  "tag,hide and seek,catch,marbles,hopscotch,chess,cards,football,jump rope,pretend pirates",
);

/** Ways to travel ("by bus"). */
export const TRANSPORT: readonly string[] = commas(
  "by bus,by train,on foot,by boat,on their bikes,in a small car,in a hot air balloon,on a cart",
);

/** Animals and pests that nibble a garden. */
export const PESTS: readonly string[] = commas(
  "hungry rabbit,slow snail,cheeky goat,young deer,busy caterpillar",
);

/** A kind of weather with what it did and what followed (for topic sentence pairs). */
export interface Weather {
  /** The topic as named in a prompt ("the rain", "a storm", "thunder"). */
  topic: string;
  /** The determiner in a sentence: "the" or "a". */
  det: "the" | "a";
  /** The noun ("rain"). */
  noun: string;
  /** Adjectives that fit it. */
  adjs: readonly string[];
  /** What it did, past-tense verbs with their preposition ("fell on"). */
  verbs: readonly string[];
  /** What it did it to ("the roofs"). */
  targets: readonly string[];
  /** What happened because of it (clauses). */
  effects: readonly string[];
  /** What happened afterwards (clauses). */
  afters: readonly string[];
}

/** Weather (topic|det|noun|adjs|verbs|targets|effects|afters). */
export const WEATHER: readonly Weather[] = rows(`
  the rain|the|rain|cold,soft,heavy,gentle,warm|fell on,tapped on,poured down on|the roofs,the town,the garden,the fields,the windows|the children stayed inside and played games,people opened their umbrellas,the streets filled with puddles,the thirsty plants drank the water|the sun came out in the afternoon,a rainbow appeared over the hills,the air smelled fresh and clean
  the snow|the|snow|soft,white,deep,fresh,cold|fell on,covered,drifted over|the village,the hills,the fields,the rooftops,the garden|the children built a snowman,everyone wore warm boots,the school closed for the day,the birds looked for seeds|the sun made the snow sparkle,the children went sledding down the hill
  the wind|the|wind|cold,strong,warm,wild,gentle|blew through,howled over,rushed across|the trees,the town,the fields,the harbor,the valley|the leaves danced in the air,the boats rocked in the water,hats flew off heads,the windmills turned fast|it grew calm at last,the clouds raced across the sky
  the sun|the|sun|warm,bright,hot,golden,early|shone on,warmed,rose over|the garden,the beach,the hills,the lake,the town|the flowers opened wide,the cats slept on the warm steps,people went to the beach,the last snow began to melt|it set behind the mountains in a red glow,the shadows grew long in the evening
  the fog|the|fog|thick,gray,cold,white,damp|rolled over,covered,hid|the harbor,the town,the fields,the river,the hills|the ships sounded their horns,everyone walked slowly,the lighthouse shone its lamp,the streets looked quiet and strange|the sun burned it away before lunch,it lifted slowly in the afternoon
  a storm|a|storm|big,dark,loud,wild,sudden|swept over,crashed over,raced toward|the town,the sea,the hills,the island,the valley|the fishermen stayed in the harbor,the lights flickered in every house,people closed their windows,the trees bent in the wind|the sky was clear and calm the next morning,the birds began to sing again
  the clouds|the|clouds|white,gray,fluffy,dark,soft|drifted over,gathered above,floated across|the hills,the town,the lake,the meadow,the valley|the day felt cool and quiet,the children looked for shapes in the sky,the farmers hoped for rain|the sun peeked through in the evening,the stars came out after dark
  the frost|the|frost|thin,white,cold,sparkling|covered,painted,crept over|the windows,the grass,the garden,the rooftops,the fields|the ground crunched under every step,the ponds froze at the edges,everyone wore gloves and scarves|the morning sun melted it away,the grass turned green again by noon
  a rainbow|a|rainbow|bright,huge,beautiful,double|appeared over,stretched across,shone above|the hills,the lake,the town,the valley,the sea|everyone stopped to look up,the children pointed and cheered,the painters reached for their brushes|it faded slowly as the clouds moved away,the sky turned pink at sunset
  thunder|the|thunder|loud,deep,distant,sudden|rumbled over,crashed above,rolled across|the hills,the town,the valley,the lake,the mountains|the dogs hid under the beds,the children counted the seconds after each flash,the farmer led the cows into the barn|the storm moved away over the hills,the night grew quiet again
  a breeze|a|breeze|cool,gentle,soft,light,salty|blew across,moved through,drifted over|the beach,the meadow,the garden,the harbor,the fields|the grass waved softly,the sailboats glided across the water,the laundry dried quickly|the evening grew calm and still,the fireflies came out at dusk
  the heat|the|heat|dry,summer,heavy,great|settled over,baked,hung over|the city,the fields,the desert,the town|everyone looked for shade,the dogs lay in the cool grass,people drank lots of cold water|a cool wind came in the evening,a light rain fell at night
`).map(([topic, det, noun, adjs, verbs, targets, effects, afters]) => ({
  topic,
  det: det as "the" | "a",
  noun,
  adjs: commas(adjs),
  verbs: commas(verbs),
  targets: commas(targets),
  effects: commas(effects),
  afters: commas(afters),
}));
