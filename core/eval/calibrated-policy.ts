import { isMap, isSeq, parseDocument } from 'yaml';
import { PolicyError } from '../errors';
import { parsePolicy } from '../policy/load-policy';
import type { Policy } from '../policy/policy';
import type { ThresholdPair } from './calibrate';

/** What the comment block of a calibrated policy records. */
export interface CalibrationRecord {
  /** `precision 0.9` or `recall 0.8`. */
  readonly target: string;
  readonly dataset: string;
  /** The split the thresholds were fitted on, and the one results were reported on. */
  readonly fitSplit: string;
  readonly heldSplit: string;
  readonly date: Date;
  /** One line per category that kept its thresholds, with why. */
  readonly kept: readonly string[];
}

/**
 * The version of a calibrated policy: the old version without any earlier `+cal.` suffix, then
 * `+cal.<YYYYMMDD>.<HHMM>` (UTC), so recalibrating gives a new version rather than a longer one.
 */
export function calibratedVersion(version: string, date: Date): string {
  const base = version.replace(/\+cal\.[0-9.]+$/, '');
  const iso = date.toISOString();
  return `${base}+cal.${iso.slice(0, 10).replaceAll('-', '')}.${iso.slice(11, 16).replace(':', '')}`;
}

/**
 * Rewrites a policy file's text with new thresholds and a new version, keeping everything else as written
 * (comments, order, other settings), and puts a comment block on top recording the calibration. The result is
 * validated as a policy before it is returned.
 */
export function writeCalibratedPolicy(
  source: string,
  thresholds: Readonly<Record<string, ThresholdPair>>,
  record: CalibrationRecord,
): { text: string; policy: Policy } {
  const doc = parseDocument(source);
  if (doc.errors.length > 0) throw new PolicyError(`the policy is not valid YAML: ${doc.errors[0]?.message}`);
  const old = parsePolicy(doc.toJS(), 'the policy');
  const categories = doc.get('categories');
  if (!isSeq(categories)) throw new PolicyError('the policy has no categories list');
  categories.items.forEach((node, i) => {
    if (!isMap(node)) return;
    const id = node.get('id');
    const t = typeof id === 'string' && Object.hasOwn(thresholds, id) ? thresholds[id] : undefined;
    if (!t) return;
    doc.setIn(['categories', i, 'thresholds', 'review'], round(t.review));
    doc.setIn(['categories', i, 'thresholds', 'block'], round(t.block));
  });
  const version = calibratedVersion(old.version, record.date);
  doc.set('version', version);
  const lines = [
    ` Calibrated by \`winnow calibrate\` on ${record.date.toISOString()} from version ${old.version}.`,
    ` Target at the review threshold: ${record.target}. Dataset: ${record.dataset}.`,
    ` Thresholds were fitted on the ${record.fitSplit} split; results were reported on the ${record.heldSplit} split.`,
    ...(record.kept.length > 0 ? [' Kept their thresholds:', ...record.kept.map((k) => `   ${k}`)] : []),
  ];
  doc.commentBefore = doc.commentBefore ? `${lines.join('\n')}\n\n${doc.commentBefore}` : lines.join('\n');
  const text = doc.toString({ lineWidth: 0 });
  return { text, policy: parsePolicy(parseDocument(text).toJS(), 'the calibrated policy') };
}

/** Thresholds are written with at most 6 decimals, never above the chosen score, so that score stays flagged. */
function round(x: number): number {
  const r = Math.round(x * 1e6) / 1e6;
  return r <= x ? r : Math.floor(x * 1e6) / 1e6;
}
