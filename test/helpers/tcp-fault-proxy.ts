import { connect, createServer, type Server, type Socket } from 'node:net';

/** What a {@link TcpFaultProxy} has done so far. */
export interface FaultProxyStats {
  /** Client connections accepted. */
  readonly connections: number;
  /** Connections reset by an injected fault (a reset window, or the end of a stall). */
  readonly injectedResets: number;
  /** Connections reset because the upstream refused or dropped them (e.g. while it restarts). */
  readonly upstreamResets: number;
}

interface Pair {
  readonly client: Socket;
  upstream?: Socket;
  /** Client bytes held back while stalled (or before the upstream connected). */
  held: Buffer[];
  /** Set when data arrived during a stall: the connection is reset when the stall ends. */
  stalled: boolean;
}

/**
 * A TCP proxy on 127.0.0.1 in front of a service (an emulator), injecting real network faults: during a reset
 * window every open and new connection is reset (the client sees ECONNRESET or a socket hang-up); during a stall
 * no bytes pass, and the connections that sent something are reset when the stall ends (a hung request that then
 * drops). The upstream port can change ({@link setUpstream}), so the emulator behind it can be restarted while
 * clients keep one endpoint; connections the upstream refuses are reset too, and counted apart.
 */
export class TcpFaultProxy {
  private readonly server: Server;
  private readonly pairs = new Set<Pair>();
  private upstreamPort: number;
  private resetUntil = 0;
  private stallUntil = 0;
  private stallTimer?: NodeJS.Timeout;
  private counts = { connections: 0, injectedResets: 0, upstreamResets: 0 };

  private constructor(server: Server, upstreamPort: number) {
    this.server = server;
    this.upstreamPort = upstreamPort;
    server.on('connection', (client) => this.accept(client));
  }

  /** Starts a proxy on a random loopback port in front of `127.0.0.1:upstreamPort`. */
  static async start(upstreamPort: number): Promise<TcpFaultProxy> {
    const server = createServer({ noDelay: true });
    const proxy = new TcpFaultProxy(server, upstreamPort);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    return proxy;
  }

  /** `http://127.0.0.1:PORT` of the proxy. */
  get endpoint(): string {
    const address = this.server.address();
    if (address === null || typeof address === 'string') throw new Error('the proxy is not listening');
    return `http://127.0.0.1:${address.port}`;
  }

  get stats(): FaultProxyStats {
    return { ...this.counts };
  }

  /** Points new connections at another upstream port (the restarted emulator). */
  setUpstream(port: number): void {
    this.upstreamPort = port;
  }

  /** Resets every open connection now, and every new one for `ms` milliseconds. */
  resetFor(ms: number): void {
    this.resetUntil = Math.max(this.resetUntil, Date.now() + ms);
    for (const pair of [...this.pairs]) this.reset(pair, 'injected');
  }

  /** Passes no bytes for `ms` milliseconds; then resets the connections that tried to send meanwhile. */
  stallFor(ms: number): void {
    this.stallUntil = Math.max(this.stallUntil, Date.now() + ms);
    if (this.stallTimer) clearTimeout(this.stallTimer);
    this.stallTimer = setTimeout(() => {
      this.stallTimer = undefined;
      for (const pair of [...this.pairs]) {
        if (pair.stalled) this.reset(pair, 'injected');
        else this.flush(pair);
      }
    }, ms);
  }

  /** Resets every connection (they were the emulator's, which is going away). */
  dropAll(): void {
    for (const pair of [...this.pairs]) this.reset(pair, 'upstream');
  }

  async close(): Promise<void> {
    if (this.stallTimer) clearTimeout(this.stallTimer);
    for (const pair of [...this.pairs]) this.reset(pair, undefined);
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private stalling(): boolean {
    return Date.now() < this.stallUntil;
  }

  private accept(client: Socket): void {
    this.counts.connections++;
    const pair: Pair = { client, held: [], stalled: false };
    this.pairs.add(pair);
    client.on('error', () => this.reset(pair, undefined));
    client.on('close', () => this.reset(pair, undefined));
    if (Date.now() < this.resetUntil) {
      this.reset(pair, 'injected');
      return;
    }
    client.on('data', (chunk: Buffer) => {
      if (this.stalling()) {
        pair.stalled = true;
        pair.held.push(chunk);
      } else if (pair.upstream && !pair.upstream.connecting) {
        pair.upstream.write(chunk);
      } else {
        pair.held.push(chunk);
      }
    });
    const upstream = connect({ host: '127.0.0.1', port: this.upstreamPort, noDelay: true });
    pair.upstream = upstream;
    upstream.on('connect', () => {
      if (!this.stalling()) this.flush(pair);
    });
    upstream.on('data', (chunk: Buffer) => {
      // Responses are held back too during a stall: the client sees nothing, then a reset.
      if (this.stalling()) {
        pair.stalled = true;
        return;
      }
      client.write(chunk);
    });
    // The upstream closing an idle keep-alive connection is no fault: end the client's side gracefully too.
    upstream.on('end', () => {
      if (this.pairs.delete(pair)) client.end();
    });
    upstream.on('error', () => this.reset(pair, 'upstream'));
    upstream.on('close', () => this.reset(pair, 'upstream'));
  }

  private flush(pair: Pair): void {
    const upstream = pair.upstream;
    if (!upstream || upstream.connecting || upstream.destroyed) return;
    for (const chunk of pair.held.splice(0)) upstream.write(chunk);
  }

  private reset(pair: Pair, why: 'injected' | 'upstream' | undefined): void {
    if (!this.pairs.delete(pair)) return;
    if (why === 'injected') this.counts.injectedResets++;
    else if (why === 'upstream') this.counts.upstreamResets++;
    // A reset (RST), not a graceful end: the client must not mistake a cut response for a whole one.
    if (!pair.client.destroyed) pair.client.resetAndDestroy();
    pair.upstream?.destroy();
  }
}
