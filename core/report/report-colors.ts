import type { Decision } from '../verdict/verdict';

/** One colour per decision, used by badges, charts and table rows alike. */
export const DECISION_COLORS: Readonly<Record<Decision, string>> = {
  allow: '#2f855a',
  review: '#c07d12',
  block: '#c53030',
  error: '#6b7280',
};

/** Colours of the default taxonomy's categories, chosen to stay apart from each other. */
const KNOWN: Readonly<Record<string, string>> = {
  sexual: '#d53f8c',
  hate: '#9b2c2c',
  harassment: '#dd6b20',
  violence: '#e53e3e',
  'self-harm': '#805ad5',
  profanity: '#b7791f',
  spam: '#3182ce',
  pii: '#319795',
  'hash-match': '#2d3748',
};

const PALETTE = ['#4c51bf', '#38a169', '#d69e2e', '#00a3c4', '#975a16', '#6b46c1', '#c05621', '#2b6cb0'];

/** A stable colour for a category id: the default taxonomy's own, else one picked from the id's characters. */
export function categoryColor(id: string): string {
  if (Object.hasOwn(KNOWN, id)) return KNOWN[id] as string;
  let h = 0;
  for (let i = 0; i < id.length; i++) h = (h * 31 + id.charCodeAt(i)) >>> 0;
  return PALETTE[h % PALETTE.length] as string;
}
