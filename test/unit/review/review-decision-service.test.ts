import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStateDir, SqliteReviewStore, type StateDir } from '../../../adapters/local';
import { createLogger } from '../../../core/logging/logger';
import {
  MAX_REASON_LENGTH,
  ReviewDecisionService,
  uriHash,
  validateReviewerName,
} from '../../../core/review/review-decision-service';
import { InvalidReviewRequestError, ReviewItemNotFoundError } from '../../../core/review/review-errors';
import { encodeReviewItemId } from '../../../core/review/review-item-id';
import { makeVerdict } from '../../contract/contract-helpers';

let base: string;
let state: StateDir;
let reviews: SqliteReviewStore;
let logLines: string[];
let service: ReviewDecisionService;

const URI = 'file:///data/in/rude.txt';
const VERSION = '2024-01';
const ID = encodeReviewItemId({ uri: URI, policyVersion: VERSION });
const NOW = new Date('2026-11-26T10:00:00.000Z');

beforeEach(async () => {
  base = fs.mkdtempSync(join(tmpdir(), 'winnow-review-decide-'));
  state = openStateDir(base);
  reviews = new SqliteReviewStore(state);
  logLines = [];
  service = new ReviewDecisionService({
    verdicts: state.verdicts,
    reviews,
    reviewer: '  dana  ',
    now: () => NOW,
    logger: createLogger({ level: 'info', sink: (l) => logLines.push(l) }),
  });
  await state.verdicts.put(
    makeVerdict({
      uri: URI,
      decision: 'review',
      policyVersion: VERSION,
      categories: { profanity: 'review', harassment: 'review', spam: 'allow' },
    }),
  );
});
afterEach(() => {
  state.close();
  fs.rmSync(base, { recursive: true, force: true });
});

it('records a decision with the reviewer and the clock, never from the request', async () => {
  const d = await service.decide({ id: ID, decision: 'block', reason: '  abusive language\r\nin a reply ' });
  expect(d).toEqual({
    uri: URI,
    policyVersion: VERSION,
    decision: 'block',
    categories: ['profanity', 'harassment'],
    reason: 'abusive language\nin a reply',
    reviewer: 'dana',
    decidedAt: NOW.toISOString(),
  });
  expect(await reviews.history()).toEqual([d]);
  await expect(
    service.decide({ id: ID, decision: 'block', reason: 'x', reviewer: 'mallory' }),
  ).rejects.toThrow(InvalidReviewRequestError);
});

it('takes a subset of the verdict categories, in the verdict order, and refuses others', async () => {
  const d = await service.decide({
    id: ID,
    decision: 'allow',
    categories: ['spam', 'profanity'],
    reason: 'fine',
  });
  expect(d.categories).toEqual(['profanity', 'spam']);
  await expect(
    service.decide({ id: ID, decision: 'block', categories: ['hate'], reason: 'x' }),
  ).rejects.toThrow(/among the verdict's/);
  await expect(service.decide({ id: ID, decision: 'block', categories: [], reason: 'x' })).rejects.toThrow(
    /at least one/,
  );
});

it.each([
  ['no reason', { decision: 'block' }],
  ['an empty reason', { decision: 'block', reason: ' \n\t ' }],
  ['a reason too long', { decision: 'block', reason: 'x'.repeat(MAX_REASON_LENGTH + 1) }],
  ['a reason with control characters', { decision: 'block', reason: 'ok\u0007bell' }],
  ['another decision', { decision: 'review', reason: 'x' }],
  ['a string body', 'block'],
  ['unknown fields', { decision: 'block', reason: 'x', extra: 1 }],
])('refuses %s', async (_name, body) => {
  const request = typeof body === 'string' ? body : { id: ID, ...body };
  await expect(service.decide(request)).rejects.toThrow(InvalidReviewRequestError);
  expect(await reviews.history()).toEqual([]);
});

it('accepts a reason of exactly the maximum length', async () => {
  const d = await service.decide({ id: ID, decision: 'block', reason: 'x'.repeat(MAX_REASON_LENGTH) });
  expect(d.reason).toHaveLength(MAX_REASON_LENGTH);
});

it('needs an existing review verdict', async () => {
  const missing = encodeReviewItemId({ uri: 'file:///none.txt', policyVersion: VERSION });
  await expect(service.decide({ id: missing, decision: 'block', reason: 'x' })).rejects.toThrow(
    ReviewItemNotFoundError,
  );
  await expect(service.decide({ id: 'not-an-id', decision: 'block', reason: 'x' })).rejects.toThrow(
    InvalidReviewRequestError,
  );
  await state.verdicts.put(makeVerdict({ uri: 'file:///ok.txt', decision: 'allow', policyVersion: VERSION }));
  const allowed = encodeReviewItemId({ uri: 'file:///ok.txt', policyVersion: VERSION });
  await expect(service.decide({ id: allowed, decision: 'block', reason: 'x' })).rejects.toThrow(
    /not "review"/,
  );
});

it('logs the decision without the reason or the URI', async () => {
  await service.decide({ id: ID, decision: 'block', reason: 'SECRET-REASON quoting the text' });
  expect(logLines).toHaveLength(1);
  const line = JSON.parse(logLines[0] as string);
  expect(line).toMatchObject({
    msg: 'review decision recorded',
    item: uriHash(URI),
    decision: 'block',
    reviewer: 'dana',
    policyVersion: VERSION,
  });
  expect(logLines[0]).not.toMatch(/SECRET-REASON|rude\.txt/);
});

it('validates reviewer names', () => {
  expect(validateReviewerName(' Dana Q. ')).toBe('Dana Q.');
  for (const bad of ['', '   ', 'a\nb', 'x'.repeat(101), 'esc\u001b[31m']) {
    expect(() => validateReviewerName(bad)).toThrow(InvalidReviewRequestError);
  }
});
