import { z } from 'zod';
import { isValidBankName } from '../banks/hash-bank';
import { MAX_SEARCH_RADIUS } from '../hash-index/mih-index';

/** Actions a policy can attach to a decision. Adapters carry them out (tag, quarantine copy, event). */
export const ActionSchema = z.enum(['tag', 'quarantine', 'notify']);
export type Action = z.infer<typeof ActionSchema>;

const slug = z.string().regex(/^[a-z][a-z0-9-]*$/, 'use lowercase letters, digits and dashes');
const unit = z.number().min(0).max(1);

export const CategoryPolicySchema = z
  .object({
    id: slug,
    description: z.string().optional(),
    /** Scores at or above `review` need review; at or above `block` are blocked. */
    thresholds: z.object({ review: unit, block: unit }).strict(),
    /** Actions per decision for this category. */
    actions: z
      .object({ review: z.array(ActionSchema).default([]), block: z.array(ActionSchema).default([]) })
      .strict()
      .default({ review: [], block: [] }),
    /** Equivalent categories in other taxonomies; documentation only, used by reports and evaluation. */
    mappings: z.record(z.string(), z.array(z.string())).optional(),
  })
  .strict()
  .refine((c) => c.thresholds.review <= c.thresholds.block, {
    message: 'thresholds.review must not be above thresholds.block',
    path: ['thresholds'],
  });

export const LimitsSchema = z
  .object({
    /** Text items above this size get a `too-large` error verdict instead of being scanned. */
    maxTextBytes: z
      .number()
      .int()
      .positive()
      .default(16 * 1024 * 1024),
    /** Any item above this size gets a `too-large` error verdict. */
    maxItemBytes: z
      .number()
      .int()
      .positive()
      .default(4 * 1024 * 1024 * 1024),
    /** Time budget per detector call. */
    detectorTimeoutMs: z.number().int().positive().default(30_000),
    /** Audio and video longer than this get a `too-long` error verdict, found from the header before decoding. */
    maxMediaDurationSec: z
      .number()
      .positive()
      .default(3 * 3600),
  })
  .strict();

/** How the heavy tier samples and reads video. */
export const VideoPolicySchema = z
  .object({
    /** Regular frame samples per second. */
    fps: z.number().positive().max(30).default(1),
    /** Extra frames where ffmpeg's scene-change score exceeds this (0 disables). */
    sceneThreshold: z.number().min(0).max(1).default(0.3),
    /** Sampled frames are scaled to fit this many pixels per side. */
    frameMaxSide: z.number().int().min(64).max(4096).default(640),
    /** Which frames OCR reads: `keyframes` (the first and each visual change), `all` sampled frames, or none. */
    ocr: z.enum(['keyframes', 'all', 'off']).default('keyframes'),
    /** Frame classifier: the fast-tier model (cheaper) or the heavy one (more accurate). */
    frameModel: z.enum(['fast', 'heavy']).default('heavy'),
  })
  .strict();

/** When the fast tier hands an item to the heavy tier. */
export const EscalationPolicySchema = z
  .object({
    /** A fast-tier category score in `[from, to)` is uncertain: the heavy tier decides instead. */
    band: z
      .object({ from: unit, to: unit })
      .strict()
      .refine((b) => b.from <= b.to, { message: 'band.from must not be above band.to' }),
    /** Media kinds that may escalate (audio and video always go to the heavy tier). */
    media: z.array(z.enum(['text', 'image'])).default(['image']),
    /** Only these categories escalate; empty means all. */
    categories: z.array(slug).default([]),
  })
  .strict();

/** What a hash match against one bank leads to. */
export const HashMatchRuleSchema = z
  .object({
    /** The category the match is reported under (a policy category, or one of its own). */
    category: slug,
    /** The item's decision for that category when it matches (whatever the category's thresholds say). */
    decision: z.enum(['review', 'block']),
    /** Actions taken when it matches. */
    actions: z.array(ActionSchema).default([]),
  })
  .strict();
export type HashMatchRule = z.infer<typeof HashMatchRuleSchema>;

/** The rule of banks with no rule of their own: the default taxonomy's `hash-match` category, blocked. */
export const DEFAULT_HASH_MATCH_RULE: HashMatchRule = {
  category: 'hash-match',
  decision: 'block',
  actions: ['tag', 'quarantine', 'notify'],
};

/** How items are matched against hash banks (`docs/hash-banks.md`), and what a match leads to. */
export const HashMatchPolicySchema = z
  .object({
    /** PDQ hashes within this many bits of a bank hash match (Meta's recommended 31 is also the most). */
    radius: z.number().int().min(0).max(MAX_SEARCH_RADIUS).default(31),
    /** PDQ hashes of lower quality (0–100; flat or tiny pictures) are not matched. */
    minQuality: z.number().int().min(0).max(100).default(50),
    /** Video frames hashed (vPDQ) per second. */
    videoFps: z.number().positive().max(30).default(1),
    /**
     * A video matches a bank's whole-video (vPDQ) entry when at least this percentage of its hashed frames match
     * the entry's frames (HMA's default 80)...
     */
    videoQueryPercent: z.number().min(0).max(100).default(80),
    /** ... and at least this percentage of the entry's frames match the video's (HMA's default 0). */
    videoComparedPercent: z.number().min(0).max(100).default(0),
    /** Rule for banks not named in `banks`. */
    default: HashMatchRuleSchema.default(DEFAULT_HASH_MATCH_RULE),
    /** Rules per bank name. */
    banks: z.record(z.string().refine(isValidBankName, 'not a bank name'), HashMatchRuleSchema).default({}),
  })
  .strict();
export type HashMatchPolicy = z.infer<typeof HashMatchPolicySchema>;

/** A versioned moderation policy. */
export const PolicySchema = z
  .object({
    id: slug,
    version: z.string().min(1),
    description: z.string().optional(),
    categories: z.array(CategoryPolicySchema).min(1),
    limits: LimitsSchema.default({
      maxTextBytes: 16 * 1024 * 1024,
      maxItemBytes: 4 * 1024 * 1024 * 1024,
      detectorTimeoutMs: 30_000,
      maxMediaDurationSec: 3 * 3600,
    }),
    escalation: EscalationPolicySchema.default({
      band: { from: 0.3, to: 0.85 },
      media: ['image'],
      categories: [],
    }),
    video: VideoPolicySchema.default({
      fps: 1,
      sceneThreshold: 0.3,
      frameMaxSide: 640,
      ocr: 'keyframes',
      frameModel: 'heavy',
    }),
    /** Detector ids not to run under this policy (they show as `skipped`). */
    disabledDetectors: z.array(z.string()).default([]),
    /** Text-in-image reading. OCR costs ~0.1–0.5 s per image with text; the fast tier can leave it to the heavy tier. */
    ocr: z
      .object({
        /** Run OCR in the fast tier (Lambda, `winnow scan` images). `false` skips it there with a reason. */
        fastTier: z.boolean().default(true),
      })
      .strict()
      .default({ fastTier: true }),
    hashMatch: HashMatchPolicySchema.default({
      radius: 31,
      minQuality: 50,
      videoFps: 1,
      videoQueryPercent: 80,
      videoComparedPercent: 0,
      default: DEFAULT_HASH_MATCH_RULE,
      banks: {},
    }),
  })
  .strict()
  .superRefine((p, ctx) => {
    const seen = new Set<string>();
    p.categories.forEach((c, i) => {
      if (seen.has(c.id))
        ctx.addIssue({
          code: 'custom',
          message: `duplicate category "${c.id}"`,
          path: ['categories', i, 'id'],
        });
      seen.add(c.id);
    });
  });

export type Policy = z.infer<typeof PolicySchema>;
export type CategoryPolicy = z.infer<typeof CategoryPolicySchema>;
export type PolicyInput = z.input<typeof PolicySchema>;
