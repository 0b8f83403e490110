import { z } from 'zod';

/**
 * A piece of evidence behind a signal. Text spans are UTF-16 code-unit offsets into the decoded original text
 * (the same indices JavaScript's `String.prototype.slice` takes), so a reviewer tool can highlight them. Time
 * ranges are seconds from the start of audio or video. Regions are pixel boxes on a frame of an image or video.
 */
export const EvidenceSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('span'),
    start: z.number().int().min(0),
    end: z.number().int().min(0),
    rule: z.string().optional(),
  }),
  z.object({
    kind: z.literal('time'),
    start: z.number().min(0),
    end: z.number().min(0),
    rule: z.string().optional(),
  }),
  z.object({ kind: z.literal('note'), text: z.string() }),
  z.object({
    kind: z.literal('region'),
    /** Frame index in the file (0 for still images). */
    frame: z.number().int().min(0),
    x: z.number().int().min(0),
    y: z.number().int().min(0),
    width: z.number().int().min(0),
    height: z.number().int().min(0),
    /** What was read there (OCR), with personal data masked. */
    text: z.string().optional(),
    /** The matched range inside `text`, in UTF-16 code units. */
    start: z.number().int().min(0).optional(),
    end: z.number().int().min(0).optional(),
    rule: z.string().optional(),
  }),
]);
export type Evidence = z.infer<typeof EvidenceSchema>;

/**
 * One observation from one detector. `category` is a policy taxonomy id (e.g. `hate`), or `null` for
 * informational signals (language, encoding) that no threshold applies to. `label` is the finer reason inside
 * the category (e.g. `credit-card`, `url-shortener`, `lang:de`). Evidence says where, never quotes the content.
 */
export const SignalSchema = z.object({
  detector: z.string(),
  category: z.string().nullable(),
  label: z.string(),
  score: z.number().min(0).max(1),
  evidence: z.array(EvidenceSchema),
});
export type Signal = z.infer<typeof SignalSchema>;
