import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { buildItemView } from '../../../core/review/review-item-view';
import type { Verdict } from '../../../core/verdict/verdict';
import { makeVerdict } from '../../contract/contract-helpers';

const TEXT = 'Synthetic sample: what a load of shit.';
let dir: string;
let file: string;

beforeAll(() => {
  dir = fs.mkdtempSync(join(tmpdir(), 'winnow-review-item-'));
  file = join(dir, 'a.txt');
  fs.writeFileSync(file, TEXT);
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function textVerdict(uri: string, sha256: string): Verdict {
  const v = makeVerdict({ uri, decision: 'review', categories: { profanity: 'review', hate: 'allow' } });
  return {
    ...v,
    item: { ...v.item, format: 'utf-8', sha256 },
    signals: [
      { detector: 'text-language', category: null, label: 'lang:en', score: 0.9, evidence: [] },
      {
        detector: 'clf',
        category: 'hate',
        label: 'hate',
        score: 0.1,
        evidence: [{ kind: 'span', start: 33, end: 37 }],
      },
      {
        detector: 'clf',
        category: 'profanity',
        label: 'profanity',
        score: 0.4,
        evidence: [{ kind: 'span', start: 0, end: TEXT.length }],
      },
      {
        detector: 'words',
        category: 'profanity',
        label: 'profanity',
        score: 0.65,
        evidence: [{ kind: 'span', start: 33, end: 37, rule: 'en' }],
      },
    ],
  };
}

it('highlights the spans of flagged categories only, not whole-text spans', async () => {
  const sha = createHash('sha256').update(TEXT).digest('hex');
  const view = await buildItemView(textVerdict(pathToFileURL(file).href, sha), []);
  expect(view.content).toEqual({
    kind: 'text',
    changed: false,
    invalidEncoding: false,
    excerpt: {
      parts: [
        { kind: 'text', text: 'Synthetic sample: what a load of ' },
        { kind: 'mark', text: 'shit', labels: ['profanity: profanity (en)'] },
        { kind: 'text', text: '.' },
      ],
      totalChars: TEXT.length,
      truncated: false,
    },
  });
  expect(view.signals.map((s) => `${s.detector}/${s.category}`)).toEqual([
    'words/profanity',
    'clf/profanity',
    'clf/hate',
    'text-language/null',
  ]);
});

it('hides the highlights when the file changed since the scan', async () => {
  const view = await buildItemView(textVerdict(pathToFileURL(file).href, 'b'.repeat(64)), []);
  expect(view.content).toMatchObject({ kind: 'text', changed: true });
  expect(view.content.kind === 'text' && view.content.excerpt.parts).toEqual([{ kind: 'text', text: TEXT }]);
});

it('says why content cannot be shown, without throwing', async () => {
  const gone = await buildItemView(textVerdict(pathToFileURL(join(dir, 'gone.txt')).href, ''), []);
  expect(gone.content).toEqual({ kind: 'unavailable', reason: 'cannot read the file (ENOENT)' });
  const remote = await buildItemView(textVerdict('s3://bucket/key.txt', ''), []);
  expect(remote.content).toEqual({ kind: 'unavailable', reason: 'only local files can be shown here' });
  const dirItem = await buildItemView(textVerdict(pathToFileURL(dir).href, ''), []);
  expect(dirItem.content).toEqual({ kind: 'unavailable', reason: 'not a regular file' });
});

it('keeps only the history of the same policy version', async () => {
  const v = textVerdict('s3://bucket/key.txt', '');
  const base = {
    uri: v.item.uri,
    decision: 'block' as const,
    categories: ['profanity'],
    reason: 'r',
    reviewer: 'x',
    decidedAt: '2024-05-01T12:00:00.000Z',
  };
  const view = await buildItemView(v, [
    { ...base, policyVersion: 'old' },
    { ...base, policyVersion: v.policy.version },
  ]);
  expect(view.history.map((d) => d.policyVersion)).toEqual([v.policy.version]);
});
