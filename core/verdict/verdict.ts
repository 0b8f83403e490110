import { z } from 'zod';
import { EvidenceSchema, SignalSchema } from '../signals';

/** The verdict schema's identifier; bumped on any breaking change. */
export const VERDICT_SCHEMA_ID = 'winnow.verdict/v1';

export const DecisionSchema = z.enum(['allow', 'review', 'block', 'error']);
/** What the policy decided for an item. `error` means it could not be moderated. */
export type Decision = z.infer<typeof DecisionSchema>;

/** The decisions a category threshold can produce, mildest first. */
export const CATEGORY_DECISIONS = ['allow', 'review', 'block'] as const;
export type CategoryDecision = (typeof CATEGORY_DECISIONS)[number];

const score = z.number().min(0).max(1);

export const CategoryResultSchema = z.object({
  id: z.string(),
  score,
  decision: z.enum(CATEGORY_DECISIONS),
});

export const SegmentSchema = z.object({
  start: z.number().min(0),
  end: z.number().min(0),
  categories: z.array(CategoryResultSchema),
  evidence: z.array(EvidenceSchema),
});

export const DetectorRunSchema = z.object({
  id: z.string(),
  version: z.string(),
  status: z.enum(['ok', 'failed', 'skipped']),
  model: z.object({ id: z.string(), version: z.string() }).optional(),
  durationMs: z.number().min(0).optional(),
  /** Why it failed or was skipped; on a run that went well, the detector's own note (e.g. `no banks`). */
  reason: z.string().optional(),
});

export const ErrorInfoSchema = z.object({ code: z.string(), message: z.string(), retryable: z.boolean() });

export const ItemSchema = z.object({
  uri: z.string(),
  /** Hex sha256 of the bytes; empty string when the bytes could not be read. */
  sha256: z.string().regex(/^([0-9a-f]{64})?$/),
  media: z.enum(['text', 'image', 'audio', 'video', 'unknown']),
  format: z.string(),
  bytes: z.number().int().min(0),
  /**
   * The object's version tag when it was read (S3 ETag, or size and mtime locally), so a backfill can tell an
   * unchanged object from a changed one without reading it. Absent on verdicts that did not record it.
   */
  etag: z.string().optional(),
});

/** The v1 verdict: one JSON object per item. */
export const VerdictSchema = z
  .object({
    schema: z.literal(VERDICT_SCHEMA_ID),
    item: ItemSchema,
    decision: DecisionSchema,
    categories: z.array(CategoryResultSchema),
    segments: z.array(SegmentSchema),
    signals: z.array(SignalSchema),
    detectors: z.array(DetectorRunSchema),
    policy: z.object({
      id: z.string(),
      version: z.string(),
      /**
       * Hash of everything that shaped the scores (engine, detector and model versions, score-affecting policy
       * settings for the item's media and tier), but not thresholds or actions. Equal hashes mean the stored
       * signals can be re-decided under another policy without running a model. Absent on older verdicts.
       */
      scoringHash: z.string().optional(),
    }),
    tier: z.enum(['fast', 'heavy']),
    actions: z.array(z.string()),
    error: ErrorInfoSchema.optional(),
    /** True when the scores were reused from the content cache (identical bytes scored before). */
    cached: z.boolean(),
    runId: z.string().optional(),
    /**
     * Fingerprint of the policy and of every detector and model version that produced the verdict (the content
     * cache's `detectorsFingerprint`). A backfill skips an unchanged item whose verdict has the current one.
     */
    detectorsFingerprint: z.string().optional(),
    /**
     * Set when the fast tier found the item uncertain: `pending` on a fast-tier verdict whose item was queued for the
     * heavy tier; `resolved` on the heavy-tier verdict that replaced it (`tier` says which tier decided).
     */
    escalation: z
      .object({
        status: z.enum(['pending', 'resolved']),
        reason: z.string(),
        from: z.enum(['fast']).optional(),
      })
      .optional(),
    /**
     * Set when a sweep re-decided this verdict from the scores of an earlier one (a threshold or action change):
     * no byte was read and no detector ran; `detectors` are the runs of that earlier verdict.
     */
    redecided: z.object({ fromPolicyVersion: z.string(), scoredAt: z.iso.datetime() }).optional(),
    /**
     * Set by a sweep on the verdict it writes in place of an earlier one (re-decided or re-scored): that verdict's
     * policy version and decision. Actions follow a sweep's verdict only when its decision differs.
     */
    previous: z.object({ policyVersion: z.string(), decision: DecisionSchema }).optional(),
    createdAt: z.iso.datetime(),
  })
  .refine((v) => (v.decision === 'error') === (v.error !== undefined), {
    message: 'error is present exactly when decision is error',
    path: ['error'],
  });

export type Verdict = z.infer<typeof VerdictSchema>;
export type CategoryResult = z.infer<typeof CategoryResultSchema>;
export type DetectorRun = z.infer<typeof DetectorRunSchema>;
export type Segment = z.infer<typeof SegmentSchema>;
export type VerdictItem = z.infer<typeof ItemSchema>;

/** The part of a verdict that depends only on the bytes, policy and detectors: what the content cache keeps. */
export type CachedResult = Pick<
  Verdict,
  'decision' | 'categories' | 'segments' | 'signals' | 'detectors' | 'actions' | 'error' | 'tier'
>;
