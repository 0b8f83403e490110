import { z } from 'zod';
import { isUnparsableBody } from './unparsable-body';

/** The job message schema's identifier; bumped on any breaking change. */
export const JOB_SCHEMA_ID = 'winnow.job/v1';

/** Why an item was sent to the heavy tier. */
export const JobReasonSchema = z.enum([
  'media-video',
  'media-audio',
  'uncertain',
  'backfill',
  'sweep',
  'manual',
]);
export type JobReason = z.infer<typeof JobReasonSchema>;

/**
 * The v1 job message: one item for the heavy tier (the GPU worker) to moderate. Producers are the fast tier's
 * cascade, backfills, sweeps and operators. Fields may be added within v1; consumers ignore fields they do not
 * know.
 */
export const JobMessageSchema = z.object({
  schema: z.literal(JOB_SCHEMA_ID),
  item: z.object({
    /** Where the item is: `s3://bucket/key` or `file:///abs/path` (percent-encoded), as in verdicts. */
    uri: z
      .string()
      .min(1)
      .max(4096)
      .regex(/^[A-Za-z][A-Za-z0-9+.-]*:/, 'must be an absolute URI with a scheme'),
    /** Size in bytes as the producer saw it; a hint (the bytes read are authoritative). */
    size: z.number().int().min(0).optional(),
    /** Hex sha256 of the bytes as the producer saw them; a mismatch means the item changed since. */
    sha256: z
      .string()
      .regex(/^[0-9a-f]{64}$/, 'must be 64 lowercase hex digits')
      .optional(),
  }),
  reason: JobReasonSchema,
  /** The policy the producer decided under; the worker moderates under its own policy and logs a mismatch. */
  policy: z.object({ id: z.string().min(1), version: z.string().min(1) }),
  /** Correlates the job's log lines across tiers; becomes the verdict's `runId`. */
  traceId: z.string().min(1).max(256),
  enqueuedAt: z.iso.datetime({ offset: true }),
  /** How many times a producer has sent this item (1 = first); queue redeliveries do not count. */
  attempt: z.number().int().min(1).optional(),
});

export type JobMessage = z.infer<typeof JobMessageSchema>;

/** The outcome of {@link parseJobMessage}. */
export type JobMessageParse =
  | { readonly ok: true; readonly job: JobMessage }
  | { readonly ok: false; readonly reason: string };

/**
 * Validates a received job body: a parsed object, a JSON string, or a body the queue adapter could not decode.
 * Never throws. The reason names the failing fields and never quotes the body (it may hold user data).
 */
export function parseJobMessage(raw: unknown): JobMessageParse {
  if (isUnparsableBody(raw)) return { ok: false, reason: `body is not valid JSON (${raw.reason})` };
  let value = raw;
  if (typeof raw === 'string') {
    try {
      value = JSON.parse(raw);
    } catch {
      return { ok: false, reason: `body is not valid JSON (${Buffer.byteLength(raw)} bytes)` };
    }
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { ok: false, reason: `body is ${describe(value)}, not a JSON object` };
  }
  const schema = (value as { schema?: unknown }).schema;
  if (typeof schema === 'string' && schema !== JOB_SCHEMA_ID && /^winnow\.job\/v\d+$/.test(schema)) {
    return { ok: false, reason: `unsupported schema ${schema} (this worker reads ${JOB_SCHEMA_ID})` };
  }
  const result = JobMessageSchema.safeParse(value);
  if (result.success) return { ok: true, job: result.data };
  const problems = result.error.issues
    .map((i) => `${i.path.length > 0 ? i.path.join('.') : '(root)'}: ${i.message}`)
    .join('; ');
  return { ok: false, reason: `not a ${JOB_SCHEMA_ID} message: ${problems}` };
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return `a ${typeof value}`;
}
