/**
 * Phrase rules for `text-rules`. WARNING: this file spells out threats, insults and hateful phrasing; it has
 * to, to match them.
 *
 * Rules run on the normalized text (lowercase, leetspeak, homoglyphs and zero-width characters folded,
 * typographic apostrophes made ASCII). They are written for precision over recall: each needs a first-person
 * speaker or a direct "you" target, or a named protected group, and negations ("I will never hurt you") do not
 * match. Every pattern must stay linear-time: no nested unbounded quantifiers, only bounded gaps.
 */

/** Policy categories these rules score. */
export type RuleCategory = 'violence' | 'harassment' | 'self-harm' | 'sexual' | 'hate';

/** One rule: a pattern over the normalized text and what a match scores. */
export interface TextRule {
  /** Stable id, reported as the evidence `rule`. */
  readonly id: string;
  readonly category: RuleCategory;
  /** Signal label, e.g. `threat`. */
  readonly label: string;
  readonly score: number;
  /** Regex source (no flags; compiled with `g`). */
  readonly pattern: string;
}

const alt = (...parts: string[]): string => `(?:${parts.join('|')})`;

/** Whitespace between words. */
const S = '\\s{1,5}';
/** Up to two filler words ("I will fucking kill you"), but never a negation. */
const FILLER = `(?:(?!not\\b|never\\b|n't\\b|no\\b)[a-z']{1,20}${S}){0,2}?`;
const YOU = alt('you', 'u', 'ya', "y'all", 'yall');
const YOU_ARE = alt("you're", 'youre', `you${S}are`, `you${S}r`, 'ur', `u${S}r`, `u${S}are`, `your${S}an?`);
/** First-person intent: "I will", "I'll", "I'm going to", "we're gonna", "imma", "I want to". */
const INTENT = alt(
  `i${S}(?:will|shall|wanna|gonna|want${S}to|plan${S}to|intend${S}to|am${S}(?:going${S}to|gonna|about${S}to|planning${S}to))`,
  "i'll",
  `(?:i'm|im)${S}(?:going${S}to|gonna|about${S}to|planning${S}to|finna)`,
  `we${S}(?:will|shall|are${S}(?:going${S}to|gonna))`,
  "we'll",
  `(?:we're|were)${S}(?:going${S}to|gonna)`,
  'imma',
  'ima',
);
const PERSON = alt(
  YOU,
  'him',
  'her',
  'them',
  `(?:your|ur)${S}(?:whole${S})?(?:family|kids|children|wife|husband|mom|mother|dad|father|son|daughter|friends|parents)`,
);
const KILL_VERB = alt(
  'kill',
  'murder',
  'stab',
  'strangle',
  'slaughter',
  'behead',
  'decapitate',
  'butcher',
  'lynch',
  'torture',
);
const PLACE = alt(
  'school',
  'classroom',
  'campus',
  'college',
  'university',
  'mall',
  'church',
  'mosque',
  'synagogue',
  'temple',
  'office',
  'workplace',
  'concert',
  'stadium',
  'hospital',
  'parade',
);
const MASS_ATTACK = `${alt(`shoot${S}up`, 'bomb', `blow${S}up`, `burn${S}down`, `shoot${S}(?:up${S})?(?:everyone|everybody|people)${S}(?:at|in)`)}${S}(?:the|this|my|our|your|a|that)${S}${PLACE}`;

const SELF_HARM_ACT = alt(
  `kill(?:ing)?${S}myself`,
  `end(?:ing)?${S}(?:my${S}(?:own${S})?life|it${S}all|myself)`,
  `tak(?:e|ing)${S}my${S}(?:own${S})?life`,
  `commit(?:ting)?${S}suicide`,
  `hang(?:ing)?${S}myself`,
  'overdos(?:e|ing)',
);
const FIRST_PERSON_PLAN = alt(
  `(?:i'm|im|i${S}am)${S}(?:going${S}to|gonna|about${S}to|planning${S}(?:on|to)|ready${S}to|finally${S}going${S}to)`,
  `i${S}(?:plan${S}to|have${S}decided${S}to|decided${S}to)`,
);
const FIRST_PERSON_WILL = alt("i'll", `i${S}(?:will|shall)`);
const FIRST_PERSON_WANT = `i${S}(?:just${S}|really${S}|honestly${S})?(?:want${S}to|wanna|need${S}to|wish${S}i${S}could|feel${S}like)`;

const INSULT_ADJ = alt(
  'complete',
  'total',
  'absolute',
  'fucking',
  'fuckin',
  'stupid',
  'dumb',
  'fat',
  'ugly',
  'worthless',
  'pathetic',
  'little',
  'disgusting',
  'useless',
  'brainless',
  'sad',
  'miserable',
);
const INSULT_NOUN = alt(
  'idiot',
  'moron',
  'imbecile',
  'cretin',
  'loser',
  'retard',
  'scumbag',
  'scum',
  'trash',
  'garbage',
  'freak',
  'clown',
  'failure',
  'dumbass',
  'jackass',
  'dipshit',
  'halfwit',
  'nitwit',
  'degenerate',
  `piece${S}of${S}(?:shit|crap|garbage|trash)`,
  `waste${S}of${S}(?:space|air|oxygen|skin|life)`,
);
/** Nouns that are insults even after a bare "you" ("you idiot"); "you trash" is too often "thank you, trash collectors". */
const INSULT_NOUN_STRONG = alt(
  'idiot',
  'moron',
  'imbecile',
  'cretin',
  'loser',
  'retard',
  'scumbag',
  'dumbass',
  'jackass',
  'dipshit',
  'halfwit',
  'nitwit',
  'degenerate',
  `piece${S}of${S}(?:shit|crap)`,
  `waste${S}of${S}(?:space|air|oxygen|skin)`,
);
const INSULT_PREDICATE = alt(
  'worthless',
  'pathetic',
  'disgusting',
  'useless',
  'brainless',
  'stupid',
  'dumb',
  'ugly',
  'repulsive',
);

/** Protected groups, in the plural forms hateful generalisations use. */
const GROUP = alt(
  'jews',
  `jewish${S}people`,
  'muslims',
  'moslems',
  'christians',
  'catholics',
  'hindus',
  'sikhs',
  'buddhists',
  'blacks',
  `black${S}people`,
  'whites',
  `white${S}people`,
  'asians',
  `asian${S}people`,
  'arabs',
  'africans',
  'mexicans',
  'latinos',
  'latinas',
  'hispanics',
  `chinese(?:${S}people)?`,
  'indians',
  'pakistanis',
  'immigrants',
  'migrants',
  'refugees',
  'foreigners',
  'gays',
  `gay${S}(?:people|men)`,
  'lesbians',
  'homosexuals',
  'bisexuals',
  `trans(?:gender)?${S}(?:people|women|men)`,
  'transgenders',
  'women',
  'men',
  `disabled${S}people`,
  `autistic${S}people`,
  'gypsies',
);
const THE_GROUP = `(?:all${S}|the${S}|these${S}|those${S}|most${S})?${GROUP}`;
const VERMIN = alt(
  'vermin',
  'animals',
  'beasts',
  'rats',
  'cockroaches',
  'roaches',
  'parasites',
  'subhuman',
  'subhumans',
  'savages',
  'apes',
  'monkeys',
  'pigs',
  'dogs',
  'insects',
  'filth',
  'scum',
  `a${S}(?:disease|plague|cancer|virus|infestation)`,
  `not${S}(?:human|people)`,
  `less${S}than${S}human`,
);
const ELIMINATE = alt(
  'exterminated',
  'eradicated',
  `wiped${S}out`,
  'gassed',
  'killed',
  'die',
  'burn',
  'burned',
  'hanged',
  'hung',
  'shot',
  'lynched',
  'slaughtered',
  'eliminated',
  'purged',
);

const W = (s: string): string => `\\b(?:${s})\\b`;

/** The rules, grouped by category. */
export const TEXT_RULES: readonly TextRule[] = [
  // violence: threats with a first-person speaker and a person as target, and threats against places
  {
    id: 'violence.threat.kill',
    category: 'violence',
    label: 'threat',
    score: 0.9,
    // "shoot him a message" is not a threat.
    pattern: W(
      `${INTENT}${S}${FILLER}${alt(`${KILL_VERB}${S}${PERSON}`, `shoot${S}${PERSON}(?!${S}(?:a|an|some|over|back|the|my|your)\\b)`)}`,
    ),
  },
  {
    id: 'violence.threat.hurt',
    category: 'violence',
    label: 'threat',
    score: 0.85,
    pattern: W(
      `${INTENT}${S}${FILLER}${alt(
        `beat${S}${PERSON}${S}up`,
        `beat${S}the${S}(?:shit|crap|hell|life)${S}out${S}of${S}${PERSON}`,
        `hurt${S}${PERSON}`,
        `break${S}(?:your|ur)${S}(?:legs?|neck|face|jaw|bones|arms?|skull)`,
        `(?:find|hunt)${S}${YOU}${S}(?:down${S})?and${S}${KILL_VERB}${S}${YOU}`,
      )}`,
    ),
  },
  {
    id: 'violence.threat.mass-attack',
    category: 'violence',
    label: 'threat',
    score: 0.95,
    pattern: W(`${INTENT}${S}${FILLER}${MASS_ATTACK}`),
  },
  {
    id: 'violence.mass-attack',
    category: 'violence',
    label: 'violent-speech',
    score: 0.6,
    pattern: W(MASS_ATTACK),
  },
  {
    id: 'violence.threat.you-will-die',
    category: 'violence',
    label: 'threat',
    score: 0.85,
    pattern: W(
      `${alt(YOU_ARE, YOU)}${S}(?:going${S}to|gonna|will)${S}(?:get${S})?(?:shot|stabbed|killed|murdered|beheaded)`,
    ),
  },
  {
    id: 'violence.threat.dead',
    category: 'violence',
    label: 'threat',
    score: 0.6,
    pattern: W(
      alt(
        `${alt(YOU_ARE, YOU)}${S}(?:going${S}to|gonna|will)${S}(?:die|be${S}dead)`,
        `${YOU_ARE}${S}(?:a${S})?dead${S}(?:man|woman|meat)`,
        `i${S}know${S}where${S}${YOU}${S}live`,
      ),
    ),
  },
  {
    id: 'violence.incitement',
    category: 'violence',
    label: 'incitement',
    score: 0.85,
    pattern: W(
      `${alt('someone', 'somebody', 'people', 'we')}${S}(?:should|needs?${S}to|ought${S}to|must)${S}${alt(
        'kill',
        'shoot',
        'stab',
        'murder',
        'hang',
        'lynch',
        'behead',
      )}${S}${alt('him', 'her', 'them', `th(?:is|at)${S}(?:guy|man|woman|bitch|bastard|idiot|person|dude|girl|boy|kid|politician|judge|cop)`)}`,
    ),
  },

  // harassment: telling someone to kill themselves, wishing death, direct insults
  {
    id: 'harassment.kill-yourself',
    category: 'harassment',
    label: 'suicide-encouragement',
    score: 0.92,
    pattern: `(?<!\\b(?:don't|dont|do${S}not|never|not|didn't|won't)${S}(?:go${S})?)\\b(?:go${S})?(?:kill|hang|end|off|neck)\\s{0,5}(?:your\\s{0,3}self|urself|yoself|ya\\s{0,3}self)\\b`,
  },
  {
    id: 'harassment.kys',
    category: 'harassment',
    label: 'suicide-encouragement',
    score: 0.9,
    pattern: W(
      alt(
        `(?:just|go|pls|please|plz|should|literally|ought${S}to)${S}kys`,
        `kys${S}(?:now|already|loser|idiot|pls|please|plz|lol|lmao|bro|you${S}[a-z]{2,20})`,
      ),
    ),
  },
  {
    // Alone, "kys" is also Danish for "kiss": review, not block.
    id: 'harassment.kys-alone',
    category: 'harassment',
    label: 'suicide-encouragement',
    score: 0.6,
    pattern: W('kys'),
  },
  {
    id: 'harassment.death-wish',
    category: 'harassment',
    label: 'death-wish',
    score: 0.88,
    pattern: W(
      alt(
        `i${S}hope${S}${YOU}${S}(?:die|get${S}cancer|get${S}hit${S}by${S}a${S}(?:car|bus|truck|train)|burn${S}in${S}hell)`,
        `(?:just${S})?go${S}die(?:${S}in${S}a${S}(?:fire|hole|ditch))?`,
        `please${S}die`,
        `die${S}in${S}a${S}(?:fire|hole|ditch)`,
        `${YOU}${S}(?:should|deserve${S}to|need${S}to)${S}(?:just${S})?(?:die|be${S}dead|not${S}exist)`,
        `${YOU}${S}(?:don't|do${S}not)${S}deserve${S}to${S}live`,
        `(?:go${S})?drink${S}bleach`,
      ),
    ),
  },
  {
    id: 'harassment.insult',
    category: 'harassment',
    label: 'insult',
    score: 0.65,
    pattern: W(
      alt(
        `${YOU_ARE}${S}(?:such${S})?(?:an?${S})?(?:${INSULT_ADJ}${S}){0,3}${INSULT_NOUN}`,
        `${YOU}${S}(?:such${S})?(?:an?${S})?(?:${INSULT_ADJ}${S}){0,3}${INSULT_NOUN_STRONG}`,
        `${YOU_ARE}${S}(?:so${S}|such${S}a${S}|really${S}|truly${S})?${INSULT_PREDICATE}`,
        `shut${S}(?:the${S}(?:fuck|hell)${S})?up[\\s,]{1,6}${INSULT_NOUN}`,
      ),
    ),
  },
  {
    id: 'harassment.isolation',
    category: 'harassment',
    label: 'insult',
    score: 0.6,
    pattern: W(
      alt(
        `(?:nobody|no${S}one|no-one)${S}(?:likes|loves|cares${S}about|wants|would${S}miss)${S}${YOU}`,
        `every(?:one|body)${S}(?:hates|laughs${S}at)${S}${YOU}`,
      ),
    ),
  },
  {
    id: 'harassment.dehumanise',
    category: 'harassment',
    label: 'insult',
    score: 0.7,
    pattern: W(`${YOU_ARE}${S}(?:an?${S})?(?:vermin|subhuman|parasite|cockroach)`),
  },

  // self-harm: first-person plans, wishes and acts
  {
    id: 'self-harm.plan',
    category: 'self-harm',
    label: 'suicidal-intent',
    score: 0.85,
    pattern: W(`${FIRST_PERSON_PLAN}${S}${SELF_HARM_ACT}`),
  },
  {
    id: 'self-harm.will',
    category: 'self-harm',
    label: 'suicidal-intent',
    score: 0.7,
    pattern: W(`${FIRST_PERSON_WILL}${S}${SELF_HARM_ACT}`),
  },
  {
    id: 'self-harm.ideation',
    category: 'self-harm',
    label: 'suicidal-ideation',
    score: 0.75,
    pattern: W(
      alt(
        `${FIRST_PERSON_WANT}${S}${SELF_HARM_ACT}`,
        `i${S}(?:don't|do${S}not)${S}want${S}to${S}(?:live|be${S}alive|exist)${S}anymore`,
        `(?:i'm|im|i${S}am|i${S}feel|i'm${S}feeling|i${S}am${S}feeling)${S}(?:so${S}|really${S}|very${S})?suicidal`,
        `i${S}(?:keep${S})?(?:think|thinking)${S}about${S}(?:killing${S}myself|ending${S}my${S}life|suicide)`,
      ),
    ),
  },
  {
    id: 'self-harm.wish-dead',
    category: 'self-harm',
    label: 'suicidal-ideation',
    score: 0.65,
    pattern: W(
      alt(
        `i${S}(?:just${S}|really${S})?(?:want${S}to|wanna)${S}die`,
        `i${S}wish${S}i${S}(?:was|were)${S}(?:dead|never${S}born)`,
        `(?:i'd|i${S}would)${S}be${S}better${S}off${S}dead`,
        `(?:everyone|they|the${S}world|my${S}family)${S}(?:would${S}be|is|are)${S}better${S}off${S}without${S}me`,
        `i${S}(?:have|got)${S}no${S}reason${S}to${S}(?:live|go${S}on)`,
      ),
    ),
  },
  {
    id: 'self-harm.cutting',
    category: 'self-harm',
    label: 'self-injury',
    score: 0.7,
    pattern: W(
      alt(
        `i(?:${S}have${S}been|'ve${S}been|${S}am|${S}keep|${S}started|${S}been|${S}still)${S}cutting${S}(?:myself|my${S}(?:wrists?|arms?|legs?|thighs?|skin))`,
        `i${S}cut${S}(?:myself|my${S}wrists?)${S}(?:again|last${S}night|every${S}day|today)`,
        `i(?:${S}self[\\s-]{0,3}harm|${S}have${S}been${S}self[\\s-]{0,3}harming|'ve${S}been${S}self[\\s-]{0,3}harming)`,
      ),
    ),
  },
  {
    id: 'self-harm.method',
    category: 'self-harm',
    label: 'method-seeking',
    score: 0.75,
    pattern: W(
      alt(
        `(?:painless|easiest|quickest|fastest)${S}way${S}to${S}(?:die|kill${S}myself|commit${S}suicide)`,
        `how${S}(?:many|much)${S}(?:[a-z]{2,20}${S}){1,3}(?:to|would|will)${S}(?:kill${S}me|overdose|od)`,
      ),
    ),
  },

  // sexual: explicit solicitation
  {
    id: 'sexual.solicit-nudes',
    category: 'sexual',
    label: 'solicitation',
    score: 0.75,
    pattern: W(
      `(?:send|show|give)${S}(?:me${S})?(?:(?:your|ur|some|a|more)${S})?${alt(
        'nudes',
        'noodz',
        `nude${S}(?:pics?|photos?|pictures?|selfies?)`,
        `naked${S}(?:pics?|photos?|pictures?|selfies?)`,
        `(?:tit|boob|dick|cock|pussy)${S}pics?`,
        `(?:pics?|photos?|pictures?)${S}of${S}(?:your|ur)${S}(?:tits|boobs|breasts|dick|cock|pussy|ass|naked${S}body)`,
      )}`,
    ),
  },
  {
    id: 'sexual.solicit-sex',
    category: 'sexual',
    label: 'solicitation',
    score: 0.7,
    pattern: W(
      alt(
        `(?:wanna|want${S}to|let's|lets|let${S}me|i'm${S}gonna|i'll|i${S}will|i${S}want${S}to|i${S}wanna)${S}(?:fuck|have${S}sex${S}with|bang|screw)${S}${YOU}`,
        `(?:wanna|want${S}to|let's|lets)${S}(?:have${S}sex|sext)`,
        `(?:wanna|want${S}to|let's|lets)${S}fuck${S}(?:tonight|now|me|with${S}me)`,
        `sext${S}(?:me|with${S}me)`,
      ),
    ),
  },
  {
    id: 'sexual.explicit-offer',
    category: 'sexual',
    label: 'explicit',
    score: 0.8,
    pattern: W(
      `(?:i'll|i${S}will|let${S}me|i${S}want${S}to|i${S}wanna|i'm${S}gonna)${S}(?:suck|lick|ride|finger|stroke)${S}(?:your|ur)${S}(?:dick|cock|pussy|tits|clit|balls)`,
    ),
  },

  // hate: dehumanising, eliminationist and exclusionary statements about protected groups
  {
    id: 'hate.dehumanise',
    category: 'hate',
    label: 'dehumanisation',
    score: 0.9,
    pattern: W(
      `${THE_GROUP}${S}(?:are|r)${S}(?:(?:all|just|nothing${S}but|like|literally|basically|no${S}better${S}than|worse${S}than)${S})?(?:(?:filthy|dirty|disgusting|diseased)${S})?${VERMIN}`,
    ),
  },
  {
    id: 'hate.eliminate',
    category: 'hate',
    label: 'elimination',
    score: 0.95,
    pattern: W(
      alt(
        `${THE_GROUP}${S}(?:should|must|need${S}to|needs${S}to|ought${S}to|deserve${S}to|have${S}to)${S}(?:all${S})?(?:be${S})?${ELIMINATE}`,
        `(?:exterminate|gas|eradicate|wipe${S}out|purge)${S}(?:all${S})?(?:the${S}|these${S}|those${S})?${GROUP}`,
        `(?:kill|slaughter|lynch|hang|shoot)${S}all${S}(?:the${S}|these${S}|those${S})?${GROUP}`,
        `death${S}to${S}(?:all${S})?(?:the${S})?${GROUP}`,
      ),
    ),
  },
  {
    id: 'hate.inferiority',
    category: 'hate',
    label: 'inferiority',
    score: 0.85,
    pattern: W(
      `${THE_GROUP}${S}are${S}(?:genetically${S}|naturally${S}|mentally${S}|intellectually${S}|biologically${S})?(?:inferior|less${S}intelligent|a${S}lower${S}race|an${S}inferior${S}race)`,
    ),
  },
  {
    id: 'hate.exclusion',
    category: 'hate',
    label: 'exclusion',
    score: 0.6,
    pattern: W(
      alt(
        `${THE_GROUP}${S}(?:don't|do${S}not|doesn't)${S}belong${S}(?:here|in${S}(?:this|our)${S}country)`,
        `${THE_GROUP}${S}should${S}(?:all${S})?go${S}back${S}to${S}(?:where${S}they${S}came${S}from|their${S}(?:own${S})?countr(?:y|ies))`,
      ),
    ),
  },
  {
    id: 'hate.contempt',
    category: 'hate',
    label: 'contempt',
    score: 0.6,
    pattern: W(`i${S}(?:hate|despise|loathe|can't${S}stand)${S}(?:all${S})?(?:the${S})?${GROUP}`),
  },
];
