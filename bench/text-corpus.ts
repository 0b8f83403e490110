/**
 * A deterministic synthetic text corpus for benchmarks: mostly benign chat-like lines with a share of PII, spam,
 * profanity and obfuscated text, at varied lengths. Generated, so no data set is needed.
 */
export function makeTextCorpus(count: number, seed = 42): string[] {
  let s = seed >>> 0;
  const rand = () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)] as T;
  const benign = [
    'Thanks for the quick delivery, the parcel arrived on Tuesday as promised.',
    'Does anyone know a good recipe for lentil soup with smoked paprika?',
    'The meeting moved to 3pm; bring the slides from the 2025 review.',
    'Great match last night, the second half was so much better than the first.',
    'Order #48213 was shipped to the warehouse in Rotterdam this morning.',
    'Ich habe das Buch gestern gelesen und fand es sehr spannend.',
    'Le train part à 18h depuis la gare de Lyon, quai numéro 7.',
  ];
  const flagged = [
    'Contact me at jane.doe@example.com or +44 20 7946 0958 for the invoice.',
    'My card number is 4111 1111 1111 1111, please charge it today.',
    'CLAIM YOUR PRIZE NOW!!! Limited time, click bit.ly/fr33-prize to verify your account',
    'this is such a fucking mess, what the hell were they thinking',
    'you are a worthless idiot and everyone hates you',
    'sh1t like this makes me so angry',
  ];
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    const parts = 1 + Math.floor(rand() * 6);
    const lines: string[] = [];
    for (let p = 0; p < parts; p++) lines.push(rand() < 0.2 ? pick(flagged) : pick(benign));
    out.push(lines.join(' '));
  }
  return out;
}
