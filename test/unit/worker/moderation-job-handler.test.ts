import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { FileUriResolver, openStateDir, type StateDir } from '../../../adapters/local';
import type { Detector, TextContent } from '../../../core/detectors/detector';
import { createLogger } from '../../../core/logging/logger';
import { ModerationEngine } from '../../../core/pipeline/moderation-engine';
import type { ReceivedMessage } from '../../../core/ports/job-queue';
import { JOB_SCHEMA_ID } from '../../../core/worker/job-message';
import { createModerationJobHandler, jobLogFields } from '../../../core/worker/moderation-job-handler';
import { InvalidMessageError, JobReleasedError, RetryLaterError } from '../../../core/worker/worker-errors';
import { testPolicy } from '../../helpers/test-policy';

const hateWord: Detector = {
  id: 'hate-word',
  version: '1',
  media: ['text'],
  tiers: ['heavy'],
  detect: (input) => {
    const i = (input as TextContent).normalized.text.indexOf('bad');
    return i < 0 ? [] : [{ detector: 'hate-word', category: 'hate', label: 'w', score: 0.9, evidence: [] }];
  },
};

const broken: Detector = {
  id: 'broken',
  version: '1',
  media: ['text'],
  tiers: ['heavy'],
  detect: () => {
    throw new Error('model crashed');
  },
};

describe('createModerationJobHandler', () => {
  let dir: string;
  let state: StateDir;
  let logs: string[];
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'winnow-handler-'));
    mkdirSync(join(dir, 'items'));
    writeFileSync(join(dir, 'items', 'bad.txt'), 'this is bad text');
    writeFileSync(join(dir, 'outside.txt'), 'this is bad text too');
    state = openStateDir(join(dir, 'state'));
    logs = [];
  });
  afterEach(() => {
    state.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const logger = () => createLogger({ level: 'debug', sink: (l) => logs.push(l) });
  const handlerWith = (detectors: Detector[], maxReceives = 3) =>
    createModerationJobHandler({
      engine: new ModerationEngine({ policy: testPolicy(), tier: 'heavy', detectors, logger: logger() }),
      verdicts: state.verdicts,
      resolver: new FileUriResolver({ roots: [join(dir, 'items')] }),
      maxReceives,
    });
  const job = (uri: string, extra: Record<string, unknown> = {}) => ({
    schema: JOB_SCHEMA_ID,
    item: { uri },
    reason: 'media-video',
    policy: { id: 'test', version: '1' },
    traceId: 'trace-42',
    enqueuedAt: new Date().toISOString(),
    ...extra,
  });
  const message = (body: unknown, receiveCount = 1): ReceivedMessage<unknown> => ({
    id: 'm1',
    receipt: 'r1',
    body,
    receiveCount,
  });
  const ctx = (signal = new AbortController().signal) => ({ signal, logger: logger() });
  const uriOf = (...p: string[]) => pathToFileURL(join(dir, ...p)).href;

  it('moderates the item, writes the verdict under the trace id and returns it', async () => {
    const verdict = await handlerWith([hateWord])(message(job(uriOf('items', 'bad.txt'))), ctx());
    expect(verdict).toMatchObject({ decision: 'block', tier: 'heavy', runId: 'trace-42' });
    expect(await state.verdicts.get(uriOf('items', 'bad.txt'), '1')).toEqual(verdict);
    expect(logs.map((l) => JSON.parse(l).msg)).toContain('verdict written');
  });

  it('rejects an invalid message with an InvalidMessageError naming the problem', async () => {
    const run = handlerWith([hateWord]);
    await expect(run(message({ schema: JOB_SCHEMA_ID }), ctx())).rejects.toThrow(InvalidMessageError);
    await expect(run(message(job('no scheme')), ctx())).rejects.toThrow(/item\.uri/);
  });

  it("moderates under the engine's policy when the job names another, and logs the mismatch", async () => {
    const body = job(uriOf('items', 'bad.txt'), { policy: { id: 'test', version: '0-old' } });
    const verdict = await handlerWith([hateWord])(message(body), ctx());
    expect(verdict.policy).toMatchObject({ id: 'test', version: '1' });
    const line = logs.map((l) => JSON.parse(l)).find((l) => l.msg.includes('another policy'));
    expect(line).toMatchObject({ level: 'warn', jobPolicyVersion: '0-old', policyVersion: '1' });
  });

  it('writes an error verdict for an item outside the allowed roots, or through a link leading out', async () => {
    symlinkSync(join(dir, 'outside.txt'), join(dir, 'items', 'link.txt'));
    const run = handlerWith([hateWord]);
    for (const uri of [uriOf('outside.txt'), uriOf('items', 'link.txt')]) {
      const verdict = await run(message(job(uri)), ctx());
      expect(verdict).toMatchObject({ decision: 'error', error: { code: 'unreadable', retryable: false } });
      expect(verdict.error?.message).toMatch(/allowed roots/);
    }
  });

  it('writes an error verdict for a missing file and for a scheme it cannot read', async () => {
    const run = handlerWith([hateWord]);
    const missing = await run(message(job(uriOf('items', 'gone.txt'))), ctx());
    expect(missing.error).toMatchObject({ code: 'unreadable' });
    const s3 = await run(message(job('s3://bucket/key.txt')), ctx());
    expect(s3.error?.message).toMatch(/unsupported URI scheme in s3:/);
    expect(await state.verdicts.get('s3://bucket/key.txt', '1')).toEqual(s3);
  });

  it('retries a retryable failure until the last receive, which writes the error verdict', async () => {
    const run = handlerWith([broken], 3);
    const uri = uriOf('items', 'bad.txt');
    await expect(run(message(job(uri), 2), ctx())).rejects.toThrow(RetryLaterError);
    expect(await state.verdicts.get(uri)).toBeUndefined();
    const last = await run(message(job(uri), 3), ctx());
    expect(last).toMatchObject({ decision: 'error', error: { code: 'detectors-failed', retryable: true } });
    expect(await state.verdicts.get(uri)).toEqual(last);
  });

  it('marks the verdict of an escalated job resolved, and leaves the fast verdict standing when it fails', async () => {
    const run = handlerWith([hateWord]);
    const uri = uriOf('items', 'bad.txt');
    const v = await run(message(job(uri, { reason: 'uncertain' })), ctx());
    expect(v.escalation).toEqual({ status: 'resolved', reason: 'uncertain in the fast tier', from: 'fast' });
    expect((await state.verdicts.get(uri, '1'))?.escalation?.status).toBe('resolved');
    const missing = uriOf('items', 'gone-escalated.txt');
    const failed = await run(message(job(missing, { reason: 'uncertain' })), ctx());
    expect(failed.decision).toBe('error');
    expect(await state.verdicts.get(missing, '1')).toBeUndefined();
  });

  it('writes nothing when the worker gave the job up meanwhile', async () => {
    const stop = new AbortController();
    stop.abort();
    const uri = uriOf('items', 'bad.txt');
    await expect(handlerWith([hateWord])(message(job(uri)), ctx(stop.signal))).rejects.toThrow(
      JobReleasedError,
    );
    expect(await state.verdicts.get(uri)).toBeUndefined();
  });
});

describe('jobLogFields', () => {
  it('takes a plausible trace id and nothing else', () => {
    expect(jobLogFields({ traceId: 't-1', item: { uri: 'x' } })).toEqual({ traceId: 't-1' });
    expect(jobLogFields({ traceId: 7 })).toEqual({});
    expect(jobLogFields({ traceId: 'x'.repeat(300) })).toEqual({});
    expect(jobLogFields('junk')).toEqual({});
    expect(jobLogFields(null)).toEqual({});
  });
});
