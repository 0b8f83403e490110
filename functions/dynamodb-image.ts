import type { AttributeValue } from 'aws-lambda';

/**
 * Plain values from a DynamoDB stream image (`NewImage`, `OldImage`): strings, numbers (as numbers, but integers
 * beyond 2^53 as their decimal text), booleans, null, maps, lists, sets as arrays, binary (base64 in stream events) as
 * bytes.
 */
export function fromStreamImage(image: Readonly<Record<string, AttributeValue>>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(image).map(([k, v]) => [k, fromAttribute(v)]));
}

function fromAttribute(value: AttributeValue): unknown {
  if (value.S !== undefined) return value.S;
  if (value.N !== undefined) return number(value.N);
  if (value.BOOL !== undefined) return value.BOOL;
  if (value.NULL !== undefined) return null;
  if (value.M !== undefined) return fromStreamImage(value.M);
  if (value.L !== undefined) return value.L.map(fromAttribute);
  if (value.SS !== undefined) return [...value.SS];
  if (value.NS !== undefined) return value.NS.map(number);
  if (value.B !== undefined) return Buffer.from(value.B, 'base64');
  if (value.BS !== undefined) return value.BS.map((b) => Buffer.from(b, 'base64'));
  return undefined;
}

function number(text: string): number | string {
  const n = Number(text);
  // Integers beyond 2^53 would lose digits as numbers: they stay text.
  return Number.isFinite(n) && (!Number.isInteger(n) || Number.isSafeInteger(n)) ? n : text;
}
