/**
 * Lexicon data for `text-profanity`. WARNING: this file names offensive words; it has to, to score them.
 *
 * English comes from obscenity's `englishDataset`; this table says what each of its words means to the policy.
 * Other languages come from @2toad/profanity, but only entries we vetted: its translated lists are machine
 * translations full of everyday words (German "fehler", "lustig"; Portuguese "por favor"; Korean "sitemap"), so
 * using them whole would flag ordinary text. A unit test checks that every vetted entry is still in the
 * package's list, so an upgrade that drops one is noticed.
 */
import type { EnglishProfaneWord } from 'obscenity';

/** What one English term scores in each category it bears on. */
export interface TermScores {
  readonly profanity?: number;
  readonly hate?: number;
  readonly sexual?: number;
}

/**
 * Scores for every word of obscenity's English dataset. Slurs score `hate` (0.9+ for unambiguous ones, lower
 * for words with common benign senses); explicit sexual terms score `sexual` (about 0.6); swearing scores
 * `profanity` (0.55–0.75); anatomical and clinical words score below review (0.3–0.45).
 */
export const ENGLISH_TERMS: Readonly<Record<EnglishProfaneWord, TermScores>> = {
  abeed: { hate: 0.9 },
  // "Abo" is also German for a subscription; dropped from the dataset (see DROPPED_ENGLISH_TERMS).
  abo: { hate: 0.9 },
  africoon: { hate: 0.9 },
  anal: { sexual: 0.55 },
  anus: { profanity: 0.35 },
  arabush: { hate: 0.9 },
  arse: { profanity: 0.6 },
  ass: { profanity: 0.55 },
  bastard: { profanity: 0.6 },
  bestiality: { sexual: 0.7 },
  bitch: { profanity: 0.65 },
  blowjob: { sexual: 0.65, profanity: 0.6 },
  bollocks: { profanity: 0.6 },
  boob: { profanity: 0.45, sexual: 0.4 },
  boonga: { hate: 0.9 },
  buttplug: { sexual: 0.65 },
  chingchong: { hate: 0.9 },
  chink: { hate: 0.9 },
  cock: { profanity: 0.55 },
  cuck: { profanity: 0.55 },
  cum: { sexual: 0.6, profanity: 0.5 },
  cunt: { profanity: 0.75 },
  deepthroat: { sexual: 0.65 },
  dick: { profanity: 0.6 },
  dildo: { sexual: 0.6 },
  doggystyle: { sexual: 0.6 },
  'double penetration': { sexual: 0.7 },
  dyke: { hate: 0.6 },
  ejaculate: { sexual: 0.45 },
  fag: { hate: 0.7 },
  felch: { sexual: 0.7 },
  fellatio: { sexual: 0.55 },
  'finger bang': { sexual: 0.65 },
  fisting: { sexual: 0.65 },
  fuck: { profanity: 0.7 },
  gangbang: { sexual: 0.65 },
  handjob: { sexual: 0.65 },
  hentai: { sexual: 0.6 },
  hooker: { profanity: 0.45 },
  incest: { sexual: 0.55 },
  'jerk off': { sexual: 0.6 },
  jizz: { sexual: 0.6, profanity: 0.55 },
  kike: { hate: 0.9 },
  lubejob: { sexual: 0.6 },
  masturbate: { sexual: 0.55 },
  // Spanish and Portuguese for "black"; dropped from the dataset (see DROPPED_ENGLISH_TERMS).
  negro: { hate: 0.9 },
  nigger: { hate: 0.95 },
  orgasm: { sexual: 0.5 },
  orgy: { sexual: 0.55 },
  penis: { profanity: 0.35, sexual: 0.35 },
  piss: { profanity: 0.55 },
  porn: { sexual: 0.65 },
  prick: { profanity: 0.55 },
  pussy: { profanity: 0.6, sexual: 0.5 },
  rape: { sexual: 0.6 },
  retard: { hate: 0.6 },
  scat: { profanity: 0.35 },
  semen: { sexual: 0.35 },
  sex: { sexual: 0.3 },
  shit: { profanity: 0.65 },
  slut: { profanity: 0.65 },
  spastic: { hate: 0.45 },
  tit: { profanity: 0.45 },
  tranny: { hate: 0.6 },
  turd: { profanity: 0.5 },
  twat: { profanity: 0.7 },
  vagina: { profanity: 0.35 },
  wank: { profanity: 0.65 },
  whore: { profanity: 0.7 },
};

/** Dataset words removed because their common benign senses in other languages outweigh the slur. */
export const DROPPED_ENGLISH_TERMS: ReadonlySet<EnglishProfaneWord> = new Set<EnglishProfaneWord>([
  'abo',
  'negro',
]);

/**
 * Extra whitelisted phrases for dataset words with common benign uses (obscenity drops a match that lies in a
 * whitelisted phrase). The word's patterns are kept as the dataset has them.
 */
export const EXTRA_WHITELIST: Readonly<Partial<Record<EnglishProfaneWord, readonly string[]>>> = {
  chink: ['chink in', 'chinks in'],
  cum: ['cum laude', 'magna cum', 'summa cum'],
  retard: ['retardant', 'retardation'],
  dick: ['dickinson', 'dickson', 'moby dick'],
};

/** One vetted language list. */
export interface VettedWordList {
  /** ISO 639-1 code, as @2toad/profanity keys its lists. */
  readonly lang: string;
  /** Entries taken verbatim from the package's list for `lang`. */
  readonly terms: readonly string[];
  /** Common spellings of a vetted entry that the package lacks (no accents, `ss` for `ß`). */
  readonly alsoSpelled?: Readonly<Record<string, readonly string[]>>;
}

/** Score of a match from a vetted non-English list. */
export const OTHER_LANGUAGE_PROFANITY_SCORE = 0.65;

/**
 * Vetted non-English entries. Left out on purpose: words that are also ordinary words in the same or another
 * language ("perra"/"perro", "polla", "porra", "troia", "fica", "figa", "bite", "chatte", "член", "妈的"), mild words
 * ("idiota", "verdammt"), and Korean, whose package list holds no usable entry.
 */
export const VETTED_WORD_LISTS: readonly VettedWordList[] = [
  {
    lang: 'es',
    terms: [
      'culo',
      'culos',
      'culo de mierda',
      'mierda',
      'mierdas',
      'puta',
      'putas',
      'puta mierda',
      'hijo de puta',
      'hijos de puta',
      'cabrón',
      'maricón',
      'maricas',
      'chupavergas',
      'chupa pollas',
      'bastardo',
      'follada',
    ],
    alsoSpelled: { cabrón: ['cabron'], maricón: ['maricon'] },
  },
  {
    lang: 'de',
    terms: [
      'arsch',
      'arschloch',
      'arschlöcher',
      'arschficker',
      'scheiße',
      'scheißkerl',
      'scheißkerle',
      'scheißkopf',
      'fotze',
      'schlampe',
      'schlampen',
      'wichser',
      'schwuchtel',
      'schwuchteln',
      'hure',
      'fick',
      'gefickt',
      'verfickt',
      'fick mich',
      'ficks',
      'schwanzlutscher',
      'schwanzsauger',
      'hundeficker',
      'muschi',
      'muschis',
      'titten',
      'pisse',
      'kacke',
    ],
    alsoSpelled: {
      scheiße: ['scheisse'],
      scheißkerl: ['scheisskerl'],
      scheißkerle: ['scheisskerle'],
      scheißkopf: ['scheisskopf'],
      arschlöcher: ['arschloecher'],
    },
  },
  {
    lang: 'fr',
    terms: [
      'putain',
      'putains',
      'merde',
      'merdeux',
      'merdique',
      'des merdes',
      'connard',
      'enculé',
      'enculés',
      'enfoiré',
      'enfoirés',
      'salope',
      'salopes',
      'pute',
      'fils de pute',
      'branleur',
      'trou du cul',
      'tête de cul',
      'suceur de bite',
      'pédé',
      'pédés',
      'baise-moi',
    ],
    alsoSpelled: { enculé: ['encule'], enculés: ['encules'], enfoiré: ['enfoire'], enfoirés: ['enfoires'] },
  },
  {
    lang: 'it',
    terms: [
      'cazzo',
      'merda',
      'vaffanculo',
      'stronzo',
      'stronza',
      'stronzata',
      'coglione',
      'coglioni',
      'minchia',
      'puttana',
      'porca puttana',
      'testa di cazzo',
      'cazzata',
      'mignotta',
      'zoccola',
      'frocio',
      'pompino',
      'merdoso',
      'fottere',
      'fottersi',
      'leccaculo',
      'rompipalle',
      'rompiballe',
      'sborra',
      'cornuto',
      'figlio di puttana',
      'culattone',
      'recchione',
      'cagare',
    ],
  },
  {
    lang: 'pt',
    terms: [
      'filho da puta',
      'filhos da puta',
      'caralho',
      'caralhos',
      'foda-se',
      'fodido',
      'fodida',
      'fodendo',
      'cabrão',
      'cabrões',
      'puta',
      'putas',
      'merda',
      'merdas',
      'que merda',
      'cona',
      'conas',
      'fode-se',
      'buceta',
    ],
    alsoSpelled: { cabrão: ['cabrao'] },
  },
  {
    lang: 'ru',
    terms: [
      'сука',
      'сукин сын',
      'шлюха',
      'шлюхи',
      'блядь',
      'хуй',
      'пизда',
      'пиздец',
      'ебать',
      'ебаный',
      'мудак',
      'дерьмо',
      'дерьмовый',
      'говнюк',
      'говнюки',
      'долбаный',
      'гребаный',
      'сволочь',
      'ублюдок',
      'ублюдки',
      'засранец',
      'педик',
      'педики',
      'дрочить',
      'стерва',
      'стервы',
      'трахаться',
    ],
  },
  { lang: 'ar', terms: ['عاهرة', 'عاهرات', 'العاهرات', 'ابن العاهرة'] },
  { lang: 'hi', terms: ['भाड़ में जाओ', 'कमबख्त', 'चूंचियां'] },
  { lang: 'zh', terms: ['他妈的', '狗娘养的', '贱人', '鸡巴', '婊子们', '贱货'] },
  { lang: 'ja', terms: ['ファック', 'クソ'] },
];
