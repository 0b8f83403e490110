/** Cuts text to at most `max` UTF-16 code units without splitting a surrogate pair. */
export function excerptOf(text: string, max: number): string {
  if (text.length <= max) return text;
  let end = Math.max(0, max);
  const unit = text.charCodeAt(end - 1);
  if (unit >= 0xd800 && unit <= 0xdbff) end--;
  return text.slice(0, end);
}
