/**
 * Data for `text-spam`: URL shorteners and scam/urgency phrases. Phrases run on the normalized text (lowercase,
 * leetspeak and homoglyphs folded), so `V3RIFY Y0UR ACC0UNT` matches too.
 */

/** Hosts of public URL shorteners. */
export const URL_SHORTENERS: readonly string[] = [
  'bit.ly',
  'bitly.com',
  'tinyurl.com',
  't.co',
  'goo.gl',
  'ow.ly',
  'is.gd',
  'buff.ly',
  'rebrand.ly',
  'cutt.ly',
  'shorturl.at',
  'tiny.cc',
  'rb.gy',
  't.ly',
  'v.gd',
  'bl.ink',
  'lnkd.in',
  's.id',
  'shorte.st',
  'adf.ly',
  'soo.gd',
  'clck.ru',
  'qr.ae',
  'x.co',
  'u.to',
  'tr.im',
  'po.st',
  'bc.vc',
  'db.tt',
  'trib.al',
  'tiny.one',
  'shorturl.gg',
];

/** How strongly a phrase points to spam: `strong` phrases are scam or money bait, `weak` ones urgency or hype. */
export type PhraseStrength = 'strong' | 'weak';

export interface SpamPhrase {
  /** Stable id, reported in evidence as `spam.phrase.<id>`. */
  readonly id: string;
  readonly strength: PhraseStrength;
  /** Regex source over the normalized text, compiled with `g`; must stay linear-time. */
  readonly pattern: string;
}

const S = '\\s{1,5}';
const BRAND = `(?:(?:itunes|apple|google${S}play|steam|amazon|ebay)${S})?`;
const W = (s: string): string => `\\b(?:${s})\\b`;

/** The phrase list. Generic words ("free", "offer", "urgent" on its own) are left out to keep precision. */
export const SPAM_PHRASES: readonly SpamPhrase[] = [
  {
    id: 'double-your-money',
    strength: 'strong',
    pattern: W(`(?:double|triple|10x)${S}your${S}(?:bitcoin|btc|crypto|money|eth|ethereum|investment|usdt)`),
  },
  {
    id: 'claim-prize',
    strength: 'strong',
    pattern: W(`claim${S}(?:your|the)${S}(?:free${S})?(?:prize|reward|winnings|gift|bonus|refund|payout)`),
  },
  {
    id: 'you-have-won',
    strength: 'strong',
    pattern: W(
      `(?:you${S}have|you've|you${S}just)${S}(?:won|been${S}selected|been${S}chosen)|(?:you${S}are|you're)${S}(?:a|our|the|today's)${S}(?:lucky${S})?winner`,
    ),
  },
  {
    id: 'verify-account',
    strength: 'strong',
    pattern: W(
      `(?:verify|confirm|validate)${S}your${S}(?:account|identity|billing|payment${S}details|bank${S}details|card${S}details)|update${S}your${S}(?:billing|payment|bank|card)${S}(?:details|information|info)`,
    ),
  },
  {
    id: 'account-suspended',
    strength: 'strong',
    pattern: W(
      `your${S}(?:account|card|access)${S}(?:has${S}been${S}|was${S}|will${S}be${S})?(?:suspended|locked|disabled|blocked|limited)`,
    ),
  },
  {
    id: 'gift-card-payment',
    strength: 'strong',
    pattern: W(
      `pay(?:ment)?${S}(?:with|via|using|in|by)${S}(?:(?:a|some|the)${S})?${BRAND}gift${S}cards?|send${S}(?:me|us)${S}(?:(?:a|some|the|\\d{1,3})${S})?${BRAND}gift${S}cards?|(?:codes?|numbers?)${S}(?:on|from|of)${S}the${S}${BRAND}gift${S}cards?`,
    ),
  },
  {
    id: 'wire-money',
    strength: 'strong',
    pattern: W(
      `(?:wire|send)${S}(?:the${S}|me${S}|us${S})?(?:money|funds|payment)${S}(?:now|today|immediately|urgently|via${S}western${S}union|via${S}moneygram)`,
    ),
  },
  {
    id: 'crypto-giveaway',
    strength: 'strong',
    pattern: W(
      `(?:free|giveaway)${S}(?:bitcoin|btc|crypto|eth|ethereum|usdt)|(?:bitcoin|btc|crypto|eth)${S}giveaway`,
    ),
  },
  {
    id: 'guaranteed-returns',
    strength: 'strong',
    pattern: W(`guaranteed${S}(?:profits?|returns?|income|earnings|winnings)`),
  },
  {
    id: 'work-from-home-earnings',
    strength: 'strong',
    pattern: `\\b(?:earn|make)${S}(?:up${S}to${S})?(?:[$€£]\\d[\\d,.]{0,8}k?|\\d[\\d,.]{0,8}k?\\s{0,3}(?:dollars|usd|euros?|eur|pounds|gbp))${S}(?:per|a|an|every)${S}(?:day|week|hour)${S}(?:from|at|working${S}from)${S}home`,
  },
  { id: 'dollar-signs', strength: 'strong', pattern: '[$][$][$]+' },
  { id: 'act-now', strength: 'weak', pattern: W(`act${S}(?:now|fast|immediately|today)`) },
  {
    id: 'limited-time',
    strength: 'weak',
    pattern: W(
      `limited${S}(?:time|offer)|offer${S}expires|expires${S}(?:today|tonight|soon|in${S}\\d{1,3}${S}(?:hours|minutes))`,
    ),
  },
  { id: 'wire-transfer', strength: 'weak', pattern: W(`wire${S}transfer`) },
  { id: 'gift-card', strength: 'weak', pattern: W(`gift${S}cards?`) },
  { id: 'click-here', strength: 'weak', pattern: W(`click${S}(?:here|the${S}link|below|now)`) },
  {
    id: 'risk-free',
    strength: 'weak',
    pattern: W(`risk[\\s-]{0,3}free|100%${S}free|no${S}strings${S}attached`),
  },
  { id: 'once-in-a-lifetime', strength: 'weak', pattern: W(`once${S}in${S}a${S}lifetime`) },
  {
    id: 'urgent-action',
    strength: 'weak',
    pattern: W(
      `(?:urgent|immediate)${S}(?:action|response|attention)${S}required|respond${S}(?:immediately|urgently)`,
    ),
  },
  { id: 'congratulations', strength: 'weak', pattern: W('congratulations') },
  {
    id: 'exclusive-deal',
    strength: 'weak',
    pattern: W(`exclusive${S}(?:deal|offer|discount)|(?:huge|massive)${S}discount`),
  },
];
