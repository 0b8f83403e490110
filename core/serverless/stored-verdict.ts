import { gunzipSync } from 'node:zlib';
import { type Verdict, VerdictSchema } from '../verdict/verdict';
import { InvalidEventError } from './serverless-errors';

/**
 * Finds the verdict in a stored record of the verdict table (already turned from DynamoDB attribute values into
 * plain values): the record itself, or the first attribute that holds a verdict as a map, as JSON text, or as
 * gzipped JSON bytes. Undefined when there is none (a marker, a record of another kind).
 *
 * A stand-in until the verdict table's adapter exports its own decoder: it needs no knowledge of the table's
 * layout beyond "the verdict is in there, whole".
 */
export function verdictInStoredRecord(record: Readonly<Record<string, unknown>>): Verdict | undefined {
  const direct = VerdictSchema.safeParse(record);
  if (direct.success) return direct.data;
  for (const value of Object.values(record)) {
    const candidate = decodeCandidate(value);
    if (candidate === undefined) continue;
    const parsed = VerdictSchema.safeParse(candidate);
    if (parsed.success) return parsed.data;
  }
  return undefined;
}

function decodeCandidate(value: unknown): unknown {
  if (typeof value === 'string') return value.startsWith('{') ? parseJson(value) : undefined;
  if (value instanceof Uint8Array) {
    try {
      return parseJson(gunzipSync(value).toString('utf8'));
    } catch {
      return parseJson(Buffer.from(value).toString('utf8'));
    }
  }
  return typeof value === 'object' && value !== null ? value : undefined;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * The verdict of an action invocation payload `{ "verdict": <verdict> }` (a Step Functions task, a direct invoke),
 * the verdict given as an object or as JSON text. Throws an {@link InvalidEventError} naming the failing fields.
 */
export function verdictFromPayload(payload: unknown): Verdict {
  const raw =
    typeof payload === 'object' && payload !== null ? (payload as { verdict?: unknown }).verdict : undefined;
  if (raw === undefined)
    throw new InvalidEventError('the payload has no "verdict" (expected { "verdict": {...} })');
  const value = typeof raw === 'string' ? parseJson(raw) : raw;
  const parsed = VerdictSchema.safeParse(value);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues
    .slice(0, 10)
    .map((i) => `${['verdict', ...i.path].join('.')}: ${i.message}`)
    .join('; ');
  throw new InvalidEventError(`the payload's verdict is not a valid winnow.verdict/v1: ${problems}`);
}
