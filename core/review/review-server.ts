import { createServer, type Server } from 'node:http';
import { isIP } from 'node:net';
import { ConfigError } from '../errors';
import { createReviewHandler, type ReviewAppOptions } from './review-http-app';

/** Where and how the console listens. */
export interface ReviewServerOptions extends Omit<ReviewAppOptions, 'allowedHosts'> {
  /** Interface to bind. Default 127.0.0.1. */
  readonly host?: string;
  /** Port; 0 (the default) takes any free one. */
  readonly port?: number;
  /** Allow a host that is not loopback (the user asked for it explicitly). Default false. */
  readonly allowNonLoopback?: boolean;
}

/** A running console. */
export interface ReviewServer {
  /** The address to open: origin plus `/?token=…`. Print it once; it is the key to the console. */
  readonly url: string;
  /** `http://host:port`. */
  readonly origin: string;
  readonly host: string;
  readonly port: number;
  /** Stops listening and closes open connections. Idempotent. */
  close(): Promise<void>;
}

const LOOPBACK_NAMES = new Set(['localhost', '127.0.0.1', '::1']);

/** Whether a host name or address stays on this machine: localhost, 127.0.0.0/8 or ::1. */
export function isLoopbackHost(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[(.*)\]$/, '$1');
  if (LOOPBACK_NAMES.has(h)) return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  return h === '0:0:0:0:0:0:0:1';
}

/** Whether a host is a wildcard address (every interface). */
function isWildcard(host: string): boolean {
  const h = host.replace(/^\[(.*)\]$/, '$1');
  return h === '0.0.0.0' || h === '::' || h === '0:0:0:0:0:0:0:0';
}

/** A host as it appears in a URL's authority (IPv6 in brackets), lower-cased. */
function authorityHost(host: string): string {
  const h = host.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  return isIP(h) === 6 ? `[${h}]` : h;
}

/**
 * Starts the review console. It binds to loopback unless `allowNonLoopback` is set, answers only to its own
 * host names (`localhost`, the loopback addresses, or the host given), and needs the token on every API call.
 * Request and header timeouts bound slow clients.
 */
export async function startReviewServer(options: ReviewServerOptions): Promise<ReviewServer> {
  const host = options.host ?? '127.0.0.1';
  if (!isLoopbackHost(host) && !options.allowNonLoopback) {
    throw new ConfigError(`refusing to serve the review console on ${host}: not a loopback address`);
  }
  let allowed: ReadonlySet<string> | undefined = new Set();
  const server: Server = createServer(
    { maxHeaderSize: 16 * 1024, requestTimeout: 30_000, headersTimeout: 10_000, keepAliveTimeout: 5_000 },
    createReviewHandler({ ...options, allowedHosts: () => allowed }),
  );
  server.maxHeadersCount = 64;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: host.replace(/^\[(.*)\]$/, '$1'), port: options.port ?? 0 }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new ConfigError('the server has no TCP address');
  const port = address.port;
  const shown = isWildcard(host) ? '127.0.0.1' : authorityHost(host);
  allowed = isWildcard(host)
    ? undefined
    : new Set(
        ['127.0.0.1', 'localhost', '[::1]', authorityHost(host)].map((h) => `${h}:${port}`.toLowerCase()),
      );
  const origin = `http://${shown}:${port}`;
  let closing: Promise<void> | undefined;
  return {
    url: `${origin}/?token=${encodeURIComponent(options.token)}`,
    origin,
    host,
    port,
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}
