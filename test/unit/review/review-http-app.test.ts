import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import sharp from 'sharp';
import { openStateDir, SqliteReviewStore, type StateDir } from '../../../adapters/local';
import { ConfigError } from '../../../core/errors';
import { ReviewDecisionService } from '../../../core/review/review-decision-service';
import { MAX_BODY_BYTES } from '../../../core/review/review-http-app';
import { encodeReviewItemId } from '../../../core/review/review-item-id';
import { renderReviewPage } from '../../../core/review/review-page';
import { ReviewQueue } from '../../../core/review/review-queue';
import { isLoopbackHost, type ReviewServer, startReviewServer } from '../../../core/review/review-server';
import type { Verdict } from '../../../core/verdict/verdict';
import { makeVerdict } from '../../contract/contract-helpers';

const TOKEN = 'test-token-0123456789abcdef';
const HOSTILE_NAME = '"><img src=x onerror=alert(1)>.txt';
const HOSTILE_TEXT = '<script>alert(1)</script> what a load of shit';

let base: string;
let state: StateDir;
let server: ReviewServer;
let textId: string;
let imageId: string;

interface Res {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

function call(
  path: string,
  options: { method?: string; headers?: Record<string, string>; body?: string | Buffer; auth?: boolean } = {},
): Promise<Res> {
  const headers = {
    ...(options.auth === false ? {} : { Authorization: `Bearer ${TOKEN}` }),
    ...options.headers,
  };
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: '127.0.0.1', port: server.port, path, method: options.method ?? 'GET', headers },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
        );
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}
const json = (r: Res): Record<string, unknown> => JSON.parse(r.body.toString('utf8'));
const post = (body: unknown, headers: Record<string, string> = {}): Promise<Res> =>
  call('/api/decisions', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });

beforeAll(async () => {
  base = fs.mkdtempSync(join(tmpdir(), 'winnow-review-http-'));
  const textPath = join(base, HOSTILE_NAME);
  fs.writeFileSync(textPath, HOSTILE_TEXT);
  const imagePath = join(base, 'photo.png');
  await sharp({ create: { width: 1200, height: 800, channels: 3, background: '#3366cc' } })
    .png()
    .toFile(imagePath);
  state = openStateDir(join(base, 'state'));
  const textVerdict: Verdict = {
    ...makeVerdict({
      uri: pathToFileURL(textPath).href,
      decision: 'review',
      categories: { profanity: 'review' },
    }),
    item: {
      uri: pathToFileURL(textPath).href,
      sha256: createHash('sha256').update(HOSTILE_TEXT).digest('hex'),
      media: 'text',
      format: 'utf-8',
      bytes: HOSTILE_TEXT.length,
    },
    signals: [
      {
        detector: 'text-profanity',
        category: 'profanity',
        label: 'profanity',
        score: 0.65,
        evidence: [{ kind: 'span', start: 41, end: 45, rule: 'en' }],
      },
    ],
  };
  await state.verdicts.put(textVerdict);
  const imageVerdict = makeVerdict({
    uri: pathToFileURL(imagePath).href,
    decision: 'review',
    categories: { sexual: 'review' },
  });
  await state.verdicts.put({
    ...imageVerdict,
    item: { ...imageVerdict.item, media: 'image', format: 'png' },
  });
  textId = encodeReviewItemId({ uri: textVerdict.item.uri, policyVersion: '2024-01' });
  imageId = encodeReviewItemId({ uri: imageVerdict.item.uri, policyVersion: '2024-01' });
  const reviews = new SqliteReviewStore(state);
  server = await startReviewServer({
    queue: new ReviewQueue(reviews),
    decisions: new ReviewDecisionService({ verdicts: state.verdicts, reviews, reviewer: 'dana' }),
    reviews,
    token: TOKEN,
  });
});
afterAll(async () => {
  await server?.close();
  state?.close();
  fs.rmSync(base, { recursive: true, force: true });
});

describe('token', () => {
  it.each(['/api/session', '/api/queue', `/api/items/x`, '/api/audit'])(
    'GET %s without the token is 401',
    async (path) => {
      const res = await call(path, { auth: false });
      expect(res.status).toBe(401);
      expect(res.headers['www-authenticate']).toBe('Bearer');
    },
  );

  it('a wrong token is 401, on writes too', async () => {
    expect(
      (await call('/api/queue', { auth: false, headers: { Authorization: `Bearer ${TOKEN}x` } })).status,
    ).toBe(401);
    const res = await call('/api/decisions', {
      method: 'POST',
      auth: false,
      headers: { 'Content-Type': 'application/json', Authorization: 'Bearer nope' },
      body: '{}',
    });
    expect(res.status).toBe(401);
  });

  it('the URL carries the token and the server listens on loopback', () => {
    expect(server.url).toBe(`http://127.0.0.1:${server.port}/?token=${TOKEN}`);
    expect(server.host).toBe('127.0.0.1');
  });
});

describe('cross-site and rebinding defences', () => {
  it('answers only to its own host names', async () => {
    expect((await call('/api/queue', { headers: { Host: `evil.example:${server.port}` } })).status).toBe(403);
    expect((await call('/', { headers: { Host: `rebind.example:${server.port}` } })).status).toBe(403);
    expect((await call('/api/queue', { headers: { Host: `localhost:${server.port}` } })).status).toBe(200);
  });

  it('refuses writes that are not JSON, come from another origin or site, or are too large', async () => {
    const body = { id: textId, decision: 'block', reason: 'x' };
    expect(
      (
        await call('/api/decisions', {
          method: 'POST',
          headers: { 'Content-Type': 'text/plain' },
          body: JSON.stringify(body),
        })
      ).status,
    ).toBe(415);
    expect((await post(body, { Origin: 'http://evil.example' })).status).toBe(403);
    expect((await post(body, { 'Sec-Fetch-Site': 'cross-site' })).status).toBe(403);
    expect((await post({ ...body, reason: 'x'.repeat(MAX_BODY_BYTES) })).status).toBe(413);
    expect(
      (
        await call('/api/decisions', {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: '{not json',
        })
      ).status,
    ).toBe(400);
    expect((await call('/api/decisions')).status).toBe(405);
    expect(json(await call('/api/audit')).total).toBe(0);
  });

  it('refuses to bind beyond loopback unless asked', async () => {
    expect(isLoopbackHost('127.0.0.1')).toBe(true);
    expect(isLoopbackHost('::1')).toBe(true);
    expect(isLoopbackHost('localhost')).toBe(true);
    expect(isLoopbackHost('0.0.0.0')).toBe(false);
    expect(isLoopbackHost('192.168.1.10')).toBe(false);
    const reviews = new SqliteReviewStore(state);
    await expect(
      startReviewServer({
        queue: new ReviewQueue(reviews),
        decisions: new ReviewDecisionService({ verdicts: state.verdicts, reviews, reviewer: 'x' }),
        reviews,
        token: TOKEN,
        host: '0.0.0.0',
      }),
    ).rejects.toThrow(ConfigError);
  });
});

describe('page', () => {
  it('is served with a per-load CSP nonce that matches its inline script and style', async () => {
    const a = await call('/', { auth: false });
    const b = await call('/', { auth: false });
    expect(a.status).toBe(200);
    const csp = String(a.headers['content-security-policy']);
    expect(csp).toMatch(/default-src 'self'/);
    expect(csp).toMatch(/frame-ancestors 'none'/);
    const nonce = /script-src 'nonce-([^']+)'/.exec(csp)?.[1];
    expect(nonce).toBeDefined();
    const html = a.body.toString('utf8');
    expect(html).toContain(`<script nonce="${nonce}">`);
    expect(html).toContain(`<style nonce="${nonce}">`);
    expect(b.headers['content-security-policy']).not.toBe(csp);
    expect(a.headers['x-content-type-options']).toBe('nosniff');
    expect(a.headers['referrer-policy']).toBe('no-referrer');
    expect(a.headers['cache-control']).toBe('no-store');
    expect(html).not.toMatch(/https?:\/\/(?!www\.w3\.org)/);
  });

  it('builds every element from data, never from HTML strings', () => {
    const html = renderReviewPage('bm9uY2U=');
    expect(html).not.toMatch(/innerHTML|outerHTML|insertAdjacentHTML|document\.write|eval\(|new Function/);
    expect(() => renderReviewPage('"><script>')).toThrow(RangeError);
  });
});

describe('API', () => {
  it('lists the queue and serves hostile names and text as JSON data', async () => {
    const queue = await call('/api/queue');
    expect(queue.status).toBe(200);
    expect(queue.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(queue.headers['x-content-type-options']).toBe('nosniff');
    expect(String(queue.headers['content-security-policy'])).toMatch(/default-src 'none'/);
    const q = json(queue) as { entries: { id: string; name: string }[]; remaining: number };
    expect(q.remaining).toBe(2);
    expect(q.entries.map((e) => e.name).sort()).toEqual([HOSTILE_NAME, 'photo.png'].sort());

    const item = json(await call(`/api/items/${textId}`)) as {
      name: string;
      content: { kind: string; excerpt: { parts: unknown[] } };
    };
    expect(item.name).toBe(HOSTILE_NAME);
    expect(item.content.kind).toBe('text');
    expect(item.content.excerpt.parts).toEqual([
      { kind: 'text', text: '<script>alert(1)</script> what a load of ' },
      { kind: 'mark', text: 'shit', labels: ['profanity: profanity (en)'] },
    ]);
  });

  it('serves an image as a small JPEG thumbnail', async () => {
    const item = json(await call(`/api/items/${imageId}`)) as { content: { kind: string } };
    expect(item.content).toEqual({ kind: 'image', changed: false });
    const thumb = await call(`/api/items/${imageId}/thumbnail`);
    expect(thumb.status).toBe(200);
    expect(thumb.headers['content-type']).toBe('image/jpeg');
    const meta = await sharp(thumb.body).metadata();
    expect(Math.max(meta.width ?? 0, meta.height ?? 0)).toBe(640);
    expect((await call(`/api/items/${textId}/thumbnail`)).status).toBe(404);
  });

  it('answers unknown items and ids with 404 and 400', async () => {
    const missing = encodeReviewItemId({ uri: 'file:///gone.txt', policyVersion: '2024-01' });
    expect((await call(`/api/items/${missing}`)).status).toBe(404);
    expect((await call('/api/items/bm90LWFuLWlk')).status).toBe(400);
    expect((await call('/api/nothing')).status).toBe(404);
  });

  it('records a decision, drops the item from the queue and shows it in the audit log', async () => {
    const res = await post(
      { id: textId, decision: 'block', reason: 'abusive <b>reply</b>' },
      {
        Origin: `http://127.0.0.1:${server.port}`,
        'Sec-Fetch-Site': 'same-origin',
      },
    );
    expect(res.status).toBe(201);
    expect(json(res)).toMatchObject({
      decision: { decision: 'block', reviewer: 'dana', categories: ['profanity'] },
      remaining: 1,
    });
    const q = json(await call('/api/queue')) as { entries: { id: string }[] };
    expect(q.entries.map((e) => e.id)).toEqual([imageId]);
    const audit = json(await call('/api/audit')) as { total: number; entries: { reason: string }[] };
    expect(audit.total).toBe(1);
    expect(audit.entries[0]?.reason).toBe('abusive <b>reply</b>');
    expect((await post({ id: textId, decision: 'block', reason: '' })).status).toBe(400);
  });
});
