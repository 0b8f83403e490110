import { createServer, type Server } from 'node:http';

/**
 * An HTTP endpoint answering EventBridge `PutEvents` (JSON 1.1, `X-Amz-Target: AWSEvents.PutEvents`), for the
 * notify action, since no emulator of EventBridge can be had here. It keeps every delivered event's detail, so a
 * test counts deliveries per event id.
 */
export class EventSink {
  /** Deliveries per verdict event id (`detail.id`). */
  readonly deliveries = new Map<string, number>();
  private constructor(private readonly server: Server) {}

  static async start(): Promise<EventSink> {
    let sink: EventSink | undefined;
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const target = String(req.headers['x-amz-target'] ?? '');
        if (!target.endsWith('.PutEvents')) {
          res.writeHead(400, { 'content-type': 'application/x-amz-json-1.1' });
          res.end(JSON.stringify({ __type: 'UnknownOperationException', message: target }));
          return;
        }
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
          Entries?: { Detail?: string }[];
        };
        const entries = body.Entries ?? [];
        for (const e of entries) {
          const id = (JSON.parse(e.Detail ?? '{}') as { id?: string }).id ?? '';
          sink?.deliveries.set(id, (sink.deliveries.get(id) ?? 0) + 1);
        }
        res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' });
        res.end(
          JSON.stringify({ FailedEntryCount: 0, Entries: entries.map((_, i) => ({ EventId: `ev-${i}` })) }),
        );
      });
    });
    sink = new EventSink(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    return sink;
  }

  get endpoint(): string {
    const address = this.server.address();
    if (address === null || typeof address === 'string') throw new Error('not listening');
    return `http://127.0.0.1:${address.port}`;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
