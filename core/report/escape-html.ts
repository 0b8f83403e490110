const ENTITIES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
  '`': '&#96;',
};

/**
 * Escapes a string for HTML text and for quoted attribute values (single or double). Item text, URIs, OCR lines
 * and notes are hostile input: everything that did not come from this code goes through here.
 */
export function escapeHtml(value: string | number): string {
  return String(value).replace(/[&<>"'`]/g, (c) => ENTITIES[c] as string);
}

/**
 * Characters that change how text around them is displayed without showing themselves: bidirectional overrides
 * and isolates (which can reorder what a reviewer reads), zero-width characters and the BOM.
 */
const HIDDEN = /[\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]/g;

/**
 * Escapes text for display and turns invisible and direction-changing characters into visible markers, so the
 * page shows what the bytes hold rather than what they pretend to be.
 */
export function escapeVisibleText(value: string): string {
  return escapeHtml(value).replace(HIDDEN, (c) => {
    const code = `U+${(c.codePointAt(0) as number).toString(16).toUpperCase().padStart(4, '0')}`;
    return `<span class="inv" title="${code}">${code}</span>`;
  });
}
