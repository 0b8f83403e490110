import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { WinnowError } from '../errors';
import { type Logger, silentLogger } from '../logging/logger';
import type { ReviewStore } from '../ports/review-store';
import {
  DEFAULT_CONTENT_LIMITS,
  type ItemContentLimits,
  readLocalItem,
  renderThumbnail,
} from './item-content';
import type { ReviewDecisionService } from './review-decision-service';
import { InvalidReviewRequestError, ReviewItemNotFoundError } from './review-errors';
import { buildItemView } from './review-item-view';
import { renderReviewPage } from './review-page';
import type { ReviewQueue } from './review-queue';
import { bearerToken, tokenMatches } from './review-token';

/** Largest request body accepted (a decision is a few hundred bytes). */
export const MAX_BODY_BYTES = 16 * 1024;
/** Most audit entries one `/api/audit` response holds, newest first. */
export const MAX_AUDIT_ENTRIES = 1000;

/** What the console's HTTP handler serves from. */
export interface ReviewAppOptions {
  readonly queue: ReviewQueue;
  readonly decisions: ReviewDecisionService;
  readonly reviews: ReviewStore;
  /** The secret every `/api` request must present as `Authorization: Bearer <token>`. */
  readonly token: string;
  /**
   * The `Host` header values accepted (`host:port`), read on each request; undefined accepts any (a wildcard
   * bind the user asked for). Checking it defeats DNS rebinding.
   */
  readonly allowedHosts: () => ReadonlySet<string> | undefined;
  readonly limits?: ItemContentLimits;
  readonly logger?: Logger;
}

/** An HTTP failure with its status; its message is safe to show (it never holds item content). */
class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
  }
}

const BASE_HEADERS: Readonly<Record<string, string>> = {
  'X-Content-Type-Options': 'nosniff',
  // The page's URL carries the token on first load: never send it anywhere in a Referer.
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Cache-Control': 'no-store',
};

const API_CSP = "default-src 'none'; frame-ancestors 'none'; sandbox";

/** The page's policy: its own origin only, its inline script and style by nonce, thumbnails as blob: URLs. */
export function pageCsp(nonce: string): string {
  return [
    "default-src 'self'",
    `script-src 'nonce-${nonce}'`,
    `style-src 'nonce-${nonce}'`,
    "img-src 'self' blob:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

function send(
  res: ServerResponse,
  status: number,
  contentType: string,
  body: string | Buffer,
  headers: Readonly<Record<string, string>> = {},
): void {
  res.writeHead(status, {
    ...BASE_HEADERS,
    'Content-Security-Policy': API_CSP,
    ...headers,
    'Content-Type': contentType,
    'Content-Length': String(Buffer.byteLength(body)),
  });
  res.end(body);
}

function sendJson(
  res: ServerResponse,
  status: number,
  value: unknown,
  headers?: Record<string, string>,
): void {
  send(res, status, 'application/json; charset=utf-8', JSON.stringify(value), headers);
}

/** Reads a JSON body of at most `limit` bytes. */
async function readJsonBody(req: IncomingMessage, limit: number): Promise<unknown> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limit) throw new HttpError(413, `request body over ${limit} bytes`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new HttpError(413, `request body over ${limit} bytes`);
    chunks.push(chunk as Buffer);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new HttpError(400, 'the body is not valid JSON');
  }
}

/** The media type of a Content-Type header, lower-cased, without parameters. */
function mediaType(header: string | undefined): string {
  return (header ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
}

/**
 * Blocks cross-site writes: the body must be JSON (a cross-site form cannot send it without a preflight), and a
 * browser's `Origin` and `Sec-Fetch-Site` must say the request came from this page.
 */
function checkWriteRequest(req: IncomingMessage): void {
  if (mediaType(req.headers['content-type']) !== 'application/json') {
    throw new HttpError(415, 'the body must be application/json');
  }
  const origin = req.headers.origin;
  if (origin !== undefined && origin !== `http://${req.headers.host}`) {
    throw new HttpError(403, 'cross-origin request refused');
  }
  const site = req.headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin' && site !== 'none') {
    throw new HttpError(403, 'cross-site request refused');
  }
}

const ITEM_ROUTE = /^\/api\/items\/([A-Za-z0-9_-]{1,16384})(\/thumbnail)?$/;

/**
 * The review console's request handler (node:http, no framework). Every response carries nosniff, no-referrer,
 * no framing and no caching; the page gets a fresh CSP nonce per load. Every `/api` request needs the token
 * (compared in constant time) and a `Host` this server answers to; writes need JSON and a same-origin caller.
 */
export function createReviewHandler(
  options: ReviewAppOptions,
): (req: IncomingMessage, res: ServerResponse) => void {
  const logger = options.logger ?? silentLogger;
  const limits = options.limits ?? DEFAULT_CONTENT_LIMITS;

  const route = async (req: IncomingMessage, res: ServerResponse): Promise<string> => {
    const allowed = options.allowedHosts();
    if (allowed !== undefined && !allowed.has((req.headers.host ?? '').toLowerCase())) {
      throw new HttpError(403, 'this server does not answer to that host name');
    }
    const url = new URL(req.url ?? '/', 'http://review.invalid');
    const path = url.pathname;
    const method = req.method ?? 'GET';

    if (!path.startsWith('/api/')) {
      if (path === '/favicon.ico') {
        res.writeHead(204, BASE_HEADERS).end();
        return 'favicon';
      }
      if (path !== '/') throw new HttpError(404, 'not found');
      if (method !== 'GET' && method !== 'HEAD')
        throw new HttpError(405, 'method not allowed', { Allow: 'GET' });
      const nonce = randomBytes(16).toString('base64');
      send(res, 200, 'text/html; charset=utf-8', renderReviewPage(nonce), {
        'Content-Security-Policy': pageCsp(nonce),
      });
      return 'page';
    }

    if (!tokenMatches(options.token, bearerToken(req.headers.authorization))) {
      throw new HttpError(401, 'a valid token is required', { 'WWW-Authenticate': 'Bearer' });
    }
    const expect = (m: string): void => {
      if (method !== m) throw new HttpError(405, 'method not allowed', { Allow: m });
    };

    if (path === '/api/session') {
      expect('GET');
      sendJson(res, 200, {
        reviewer: options.decisions.reviewer,
        policyVersion: options.queue.filter.policyVersion ?? null,
        remaining: await options.queue.remaining(),
      });
      return 'session';
    }
    if (path === '/api/queue') {
      expect('GET');
      const cursor = url.searchParams.get('cursor') ?? undefined;
      const limit = url.searchParams.has('limit') ? Number(url.searchParams.get('limit')) : undefined;
      if (limit !== undefined && !Number.isFinite(limit))
        throw new InvalidReviewRequestError('invalid limit');
      sendJson(
        res,
        200,
        await options.queue.page({ ...(cursor ? { cursor } : {}), ...(limit ? { limit } : {}) }),
      );
      return 'queue';
    }
    const item = ITEM_ROUTE.exec(path);
    if (item) {
      expect('GET');
      const { key, verdict } = await options.decisions.verdictFor(item[1] as string);
      if (item[2]) {
        if (verdict.item.media !== 'image') throw new ReviewItemNotFoundError('the item is not an image');
        const read = await readLocalItem(key.uri, limits.maxImageBytes);
        if (!read.ok) throw new ReviewItemNotFoundError(read.reason);
        let jpeg: Buffer;
        try {
          jpeg = await renderThumbnail(read.bytes, limits.maxImagePixels);
        } catch {
          throw new HttpError(422, 'the image cannot be decoded');
        }
        send(res, 200, 'image/jpeg', jpeg);
        return 'thumbnail';
      }
      const history = await options.reviews.history({ uri: key.uri });
      sendJson(res, 200, await buildItemView(verdict, history, limits));
      return 'item';
    }
    if (path === '/api/decisions') {
      expect('POST');
      checkWriteRequest(req);
      const decision = await options.decisions.decide(await readJsonBody(req, MAX_BODY_BYTES));
      sendJson(res, 201, { decision, remaining: await options.queue.remaining() });
      return 'decision';
    }
    if (path === '/api/audit') {
      expect('GET');
      const all = await options.reviews.history();
      sendJson(res, 200, { total: all.length, entries: all.slice(-MAX_AUDIT_ENTRIES).reverse() });
      return 'audit';
    }
    throw new HttpError(404, 'not found');
  };

  return (req, res) => {
    route(req, res).then(
      (name) => logger.debug('review request', { route: name, method: req.method, status: res.statusCode }),
      (err: unknown) => {
        const [status, message, headers] =
          err instanceof HttpError
            ? [err.status, err.message, err.headers]
            : err instanceof InvalidReviewRequestError
              ? [400, err.message, {}]
              : err instanceof ReviewItemNotFoundError
                ? [404, err.message, {}]
                : [500, 'internal error', {}];
        if (status === 500) {
          logger.error('review request failed', {
            method: req.method,
            code: err instanceof WinnowError ? err.code : 'internal',
            error: err instanceof Error ? err.name : 'unknown',
          });
        }
        if (res.headersSent) {
          res.destroy();
          return;
        }
        // An unread body would keep the connection busy; close it instead.
        if (!req.complete) res.setHeader('Connection', 'close');
        sendJson(res, status, { error: message }, headers);
      },
    );
  };
}
