import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { JOB_SCHEMA_ID, JobMessageSchema, parseJobMessage } from '../../../core/worker/job-message';
import { unparsableBody } from '../../../core/worker/unparsable-body';

const SCHEMA_FILE = join(__dirname, '../../../docs/schemas/job-v1.schema.json');

function job(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    schema: JOB_SCHEMA_ID,
    item: { uri: 's3://bucket/clips/a.mp4', size: 1024, sha256: 'a'.repeat(64) },
    reason: 'media-video',
    policy: { id: 'default', version: '2026-11-26.1' },
    traceId: 'trace-1',
    enqueuedAt: '2026-11-26T10:00:00.000Z',
    attempt: 1,
    ...overrides,
  };
}

function reasonOf(raw: unknown): string {
  const r = parseJobMessage(raw);
  if (r.ok) throw new Error('expected a rejection');
  return r.reason;
}

describe('parseJobMessage', () => {
  it('accepts a full v1 message, and the minimal one', () => {
    expect(parseJobMessage(job())).toEqual({ ok: true, job: job() });
    const minimal = job({ item: { uri: 'file:///data/a.txt' }, attempt: undefined });
    const r = parseJobMessage(minimal);
    expect(r.ok && r.job.item).toEqual({ uri: 'file:///data/a.txt' });
  });

  it('accepts a JSON string and a timestamp with an offset', () => {
    const r = parseJobMessage(JSON.stringify(job({ enqueuedAt: '2026-11-26T10:00:00+01:00' })));
    expect(r.ok).toBe(true);
  });

  it('ignores fields it does not know (additions within v1)', () => {
    const r = parseJobMessage(job({ priority: 'high' }));
    expect(r.ok).toBe(true);
  });

  it('accepts every reason', () => {
    for (const reason of ['media-video', 'media-audio', 'uncertain', 'backfill', 'sweep', 'manual']) {
      expect(parseJobMessage(job({ reason })).ok).toBe(true);
    }
  });

  it('names every failing field', () => {
    const reason = reasonOf(
      job({ reason: 'because', traceId: '', enqueuedAt: 'yesterday', item: { uri: 'no-scheme', size: -1 } }),
    );
    expect(reason).toMatch(/^not a winnow\.job\/v1 message: /);
    for (const field of ['reason', 'traceId', 'enqueuedAt', 'item.uri', 'item.size'])
      expect(reason).toContain(field);
  });

  it('rejects a bad sha256 and a missing policy', () => {
    expect(reasonOf(job({ item: { uri: 'file:///a', sha256: 'ABC' } }))).toContain('item.sha256');
    expect(reasonOf(job({ policy: undefined }))).toContain('policy');
  });

  it('says which schema it reads when given another version', () => {
    expect(reasonOf(job({ schema: 'winnow.job/v2' }))).toBe(
      'unsupported schema winnow.job/v2 (this worker reads winnow.job/v1)',
    );
    expect(reasonOf(job({ schema: 'other' }))).toContain('schema');
  });

  it('rejects bodies that are not objects, without quoting them', () => {
    expect(reasonOf(null)).toBe('body is null, not a JSON object');
    expect(reasonOf([job()])).toBe('body is an array, not a JSON object');
    expect(reasonOf(42)).toBe('body is a number, not a JSON object');
    const secret = 'my password is hunter2';
    expect(reasonOf(secret)).toBe(`body is not valid JSON (${secret.length} bytes)`);
    const marked = reasonOf(unparsableBody(secret, '22 bytes that are not JSON'));
    expect(marked).toBe('body is not valid JSON (22 bytes that are not JSON)');
    expect(marked).not.toContain('hunter2');
  });

  it('never puts field values in the reason', () => {
    const reason = reasonOf(
      job({ reason: 'kill them all', traceId: 12345, item: { uri: 'secret text here' } }),
    );
    expect(reason).not.toContain('kill them all');
    expect(reason).not.toContain('12345');
    expect(reason).not.toContain('secret text');
  });
});

describe('published job JSON Schema', () => {
  function generated(): string {
    const schema = z.toJSONSchema(JobMessageSchema, {
      target: 'draft-2020-12',
      io: 'input',
      unrepresentable: 'any',
    });
    return `${JSON.stringify({ ...schema, title: `Winnow job message (${JOB_SCHEMA_ID})` }, null, 2)}\n`;
  }

  it('matches the zod schema (run with UPDATE_SCHEMAS=1 to regenerate)', () => {
    if (process.env.UPDATE_SCHEMAS === '1') writeFileSync(SCHEMA_FILE, generated());
    expect(readFileSync(SCHEMA_FILE, 'utf8')).toBe(generated());
  });
});
