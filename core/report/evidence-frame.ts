import type { Evidence } from '../signals';
import type { Verdict } from '../verdict/verdict';

/** Region evidence: a box on a frame. */
export type RegionEvidence = Extract<Evidence, { kind: 'region' }>;

/** Which picture of an item a report shows, and the boxes drawn over it. */
export interface EvidenceFrame {
  /** Frame index of an animated image (0 for stills and for videos, whose frames are picked by time). */
  readonly frame: number;
  /** Seconds into a video. */
  readonly timeSec?: number;
  /** Boxes on that picture, each with the flagged category it is evidence for (`null`: text read, not flagged). */
  readonly regions: readonly { readonly region: RegionEvidence; readonly category: string | null }[];
}

/**
 * Picks the picture to show for an image or video verdict and the boxes to draw on it. Images: the frame of the
 * first box behind a flagged category (else of the first box, else frame 0). Videos: the first segment at review
 * or block with boxes (else the first at review or block, else the first, else the start), at the time of its
 * frame evidence. Each box is drawn once, tagged with the flagged category it is evidence for, or `null` for text
 * that was only read or scored under the threshold.
 */
export function evidenceFrame(v: Verdict): EvidenceFrame {
  const flaggedIds = new Set(v.categories.filter((c) => c.decision !== 'allow').map((c) => c.id));
  const all = v.signals.flatMap((s) =>
    s.evidence
      .filter((e): e is RegionEvidence => e.kind === 'region')
      .map((region) => ({
        region,
        category: s.category !== null && flaggedIds.has(s.category) ? s.category : null,
      })),
  );
  let frame: number;
  let timeSec: number | undefined;
  if (v.item.media === 'video') {
    const isFlagged = (s: (typeof v.segments)[number]) => s.categories.some((c) => c.decision !== 'allow');
    // A segment with boxes shows what was seen on screen; one flagged for its sound alone shows an arbitrary frame.
    const seg =
      v.segments.find((s) => isFlagged(s) && s.evidence.some((e) => e.kind === 'region')) ??
      v.segments.find(isFlagged) ??
      v.segments[0];
    if (!seg) return { frame: 0, timeSec: 0, regions: [] };
    timeSec = seg.evidence.find((e) => e.kind === 'time')?.start ?? seg.start;
    const onFrame = seg.evidence.find((e): e is RegionEvidence => e.kind === 'region');
    if (!onFrame) return { frame: 0, timeSec, regions: [] };
    frame = onFrame.frame;
  } else {
    frame = all.find((r) => r.category !== null)?.region.frame ?? all[0]?.region.frame ?? 0;
  }
  const seen = new Set<string>();
  // The same line appears once as text read and again per rule and category that scored it: draw it once.
  const regions = all
    .filter((r) => r.region.frame === frame)
    .sort((a, b) => Number(a.category === null) - Number(b.category === null))
    .filter(({ region: r }) => {
      const key = `${r.x},${r.y},${r.width},${r.height}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
  return {
    frame: v.item.media === 'video' ? 0 : frame,
    ...(timeSec !== undefined ? { timeSec } : {}),
    regions,
  };
}
