import { createHash } from 'node:crypto';
import { pdqHexToWords, wordsToPdqHex } from '../hash/hamming';
import type { VpdqFrame } from '../hash/vpdq-match';

/**
 * A whole video's vPDQ hashes as one bank value. The canonical form, which banks store, is one
 * `<quality>:<pdq hex>@<seconds>` item per hashed frame, comma-separated, in frame order.
 *
 * Accepted on import:
 * - the canonical form;
 * - the reference hasher's output: one `frameNumber,quality,pdqHex,timestampSeconds` line per frame;
 * - python-threatexchange / HMA JSON: an object keyed by frame number with `{quality, hash, timestamp}` values, or
 *   an array of `{pdq_hex | hash, quality, timestamp}` objects.
 */

const HEX64 = /^[0-9a-f]{64}$/;

/** Frames of a vPDQ value in any accepted form, or undefined when it is none of them (or holds no frame). */
export function parseVpdqValue(text: string): VpdqFrame[] | undefined {
  const t = text.trim();
  if (t === '') return undefined;
  const frames = t.startsWith('{') || t.startsWith('[') ? fromJson(t) : fromLines(t);
  return frames && frames.length > 0 ? frames : undefined;
}

/** The canonical bank value of a video's frames. */
export function formatVpdqValue(frames: readonly VpdqFrame[]): string {
  return frames.map((f) => `${f.quality}:${wordsToPdqHex(f.hash)}@${f.timestamp.toFixed(3)}`).join(',');
}

/** A short, stable name for a vPDQ value (the first 16 hex digits of its SHA-256), for listings and evidence. */
export function vpdqValueDigest(canonical: string): string {
  return createHash('sha256').update(canonical).digest('hex').slice(0, 16);
}

/** The number of frames in a canonical value, without parsing the hashes. */
export function vpdqFrameCount(canonical: string): number {
  return canonical === '' ? 0 : canonical.split(',').length;
}

function frame(index: number, quality: unknown, hex: unknown, timestamp: unknown): VpdqFrame | undefined {
  const q = Number(quality);
  const h = String(hex).trim().toLowerCase();
  const ts = Number(timestamp ?? 0);
  if (!Number.isInteger(q) || q < 0 || q > 100 || !HEX64.test(h) || !Number.isFinite(ts) || ts < 0)
    return undefined;
  return { frame: index, quality: q, hash: pdqHexToWords(h), timestamp: ts };
}

function fromLines(t: string): VpdqFrame[] | undefined {
  // Canonical: items separated by commas, each "quality:hex@seconds".
  if (/^\d+:[0-9a-fA-F]{64}@/.test(t)) {
    const out: VpdqFrame[] = [];
    for (const [i, item] of t.split(',').entries()) {
      const m = /^(\d+):([0-9a-fA-F]{64})@([0-9.]+)$/.exec(item.trim());
      const f = m ? frame(i, m[1], m[2], m[3]) : undefined;
      if (!f) return undefined;
      out.push(f);
    }
    return out;
  }
  // The reference hasher's per-frame lines.
  const out: VpdqFrame[] = [];
  for (const line of t.split(/\r?\n/)) {
    const l = line.trim();
    if (l === '' || l.startsWith('#')) continue;
    const fields = l.split(',');
    if (fields.length !== 4) return undefined;
    const f = frame(Number(fields[0]), fields[1], fields[2], fields[3]);
    if (!f || !Number.isInteger(f.frame) || f.frame < 0) return undefined;
    out.push(f);
  }
  return out;
}

function fromJson(t: string): VpdqFrame[] | undefined {
  let data: unknown;
  try {
    data = JSON.parse(t);
  } catch {
    return undefined;
  }
  const out: VpdqFrame[] = [];
  if (Array.isArray(data)) {
    for (const [i, item] of data.entries()) {
      const o = (item ?? {}) as Record<string, unknown>;
      const f = frame(i, o.quality, o.pdq_hex ?? o.hash, o.timestamp);
      if (!f) return undefined;
      out.push(f);
    }
    return out;
  }
  if (data === null || typeof data !== 'object') return undefined;
  const entries = Object.entries(data as Record<string, unknown>)
    .map(([k, v]) => [Number(k), (v ?? {}) as Record<string, unknown>] as const)
    .sort((a, b) => a[0] - b[0]);
  for (const [index, o] of entries) {
    if (!Number.isInteger(index) || index < 0) return undefined;
    const f = frame(index, o.quality, o.hash ?? o.pdq_hex, o.timestamp);
    if (!f) return undefined;
    out.push(f);
  }
  return out;
}
