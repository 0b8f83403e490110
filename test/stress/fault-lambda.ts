import { type ChildProcess, fork } from 'node:child_process';
import { join } from 'node:path';
import {
  DeleteMessageBatchCommand,
  type Message,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';

const HOST = join(__dirname, 'fault-lambda-host.mjs');

type Outcome = { readonly response: unknown } | { readonly error: string } | { readonly died: true };

/** One "Lambda container": a process hosting a handler module of dist/functions, invoked over IPC. */
class LambdaHost {
  readonly child: ChildProcess;
  readonly ready: Promise<void>;
  private readonly exited: Promise<void>;
  private next = 0;
  private readonly waiting = new Map<number, (o: Outcome) => void>();

  constructor(module: string, env: Record<string, string>, lines: Record<string, unknown>[]) {
    this.child = fork(HOST, [module], {
      env: { ...process.env, ...env },
      execArgv: [],
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    // Powertools writes JSON lines, debug and info to stdout, warnings and errors to stderr.
    for (const stream of [this.child.stdout, this.child.stderr]) {
      let rest = '';
      stream?.setEncoding('utf8');
      stream?.on('data', (chunk: string) => {
        const parts = (rest + chunk).split('\n');
        rest = parts.pop() ?? '';
        for (const p of parts) {
          try {
            lines.push(JSON.parse(p) as Record<string, unknown>);
          } catch {
            // Not a log line.
          }
        }
      });
    }
    this.exited = new Promise((resolve) => this.child.once('exit', () => resolve()));
    void this.exited.then(() => {
      for (const resolve of this.waiting.values()) resolve({ died: true });
      this.waiting.clear();
    });
    this.ready = new Promise<void>((resolve, reject) => {
      this.child.on(
        'message',
        (m: { ready?: boolean; id?: number; response?: unknown; error?: { message: string } }) => {
          if (m.ready) resolve();
          const done = m.id === undefined ? undefined : this.waiting.get(m.id);
          if (!done || m.id === undefined) return;
          this.waiting.delete(m.id);
          done(m.error ? { error: m.error.message } : { response: m.response });
        },
      );
      void this.exited.then(() => reject(new Error(`the ${module} host exited before it was ready`)));
    });
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  invoke(event: unknown): Promise<Outcome> {
    if (!this.alive) return Promise.resolve({ died: true });
    const id = this.next++;
    return new Promise((resolve) => {
      this.waiting.set(id, resolve);
      this.child.send({ id, event });
    });
  }

  async kill(): Promise<void> {
    if (this.alive) this.child.kill('SIGKILL');
    await this.exited;
  }
}

/** What an {@link EventSourceMapping} did. */
export interface MappingStats {
  invocations: number;
  /** Hosts SIGKILLed during an invocation. */
  kills: number;
  /** Records received again (`ApproximateReceiveCount` above 1). */
  redeliveries: number;
  /** Records the handler listed in `batchItemFailures`. */
  reportedFailures: number;
  /** Invocations that threw (all their records are received again). */
  errors: number;
  deleted: number;
  /** Receives or deletes that failed, and hosts that died while starting. */
  pollErrors: number;
}

/** Options for {@link EventSourceMapping}. */
export interface EventSourceMappingOptions {
  readonly sqs: SQSClient;
  readonly queueUrl: string;
  /** The handler module in dist/functions, e.g. `fast-queue-handler`. */
  readonly module: string;
  readonly env: Record<string, string>;
  /** Builds the handler's event from received messages (an SQS event, a DynamoDB stream event). */
  readonly toEvent: (messages: readonly Message[]) => unknown;
  readonly visibilitySec: number;
  /** Seeded random numbers in [0, 1). */
  readonly random: () => number;
  /** Chance that an invocation's host is SIGKILLed, at a random point within `maxKillDelayMs` of its start. */
  readonly killProbability: number;
  readonly maxKillDelayMs: number;
  /** From this invocation on, every invocation is killed until one kill has cut an invocation short. */
  readonly killAtLeastOnceFrom: number;
  /** Log lines of every host, appended as they come. */
  readonly lines: Record<string, unknown>[];
}

/**
 * Lambda's SQS event source mapping, which no emulator provides, over a real handler module in a child process:
 * receives a batch, invokes the handler, deletes the records it did not list in `batchItemFailures` (every record
 * when it threw, none), and leaves the rest to come back after their visibility timeout. At random points (seeded)
 * it SIGKILLs the host mid-invocation, as a Lambda timeout or crash would, and starts a fresh one (a cold start).
 */
export class EventSourceMapping {
  readonly stats: MappingStats = {
    invocations: 0,
    kills: 0,
    redeliveries: 0,
    reportedFailures: 0,
    errors: 0,
    deleted: 0,
    pollErrors: 0,
  };
  private host?: LambdaHost;
  private stopped = false;
  private loop?: Promise<void>;

  constructor(private readonly options: EventSourceMappingOptions) {}

  /** Polls until {@link stop}. */
  start(): void {
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.loop;
    await this.host?.kill();
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      try {
        await this.pollOnce();
      } catch {
        // A failed receive or delete, or a host that died while starting: the mapping retries, as Lambda's does.
        this.stats.pollErrors++;
        await new Promise((r) => setTimeout(r, 200));
      }
    }
  }

  private async freshHost(): Promise<LambdaHost> {
    if (this.host?.alive) return this.host;
    const { module, env, lines } = this.options;
    this.host = new LambdaHost(module, env, lines);
    await this.host.ready;
    return this.host;
  }

  /** One receive, and the invocation of its batch when it brought messages. */
  private async pollOnce(): Promise<void> {
    const o = this.options;
    const out = await o.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: o.queueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 1,
        VisibilityTimeout: o.visibilitySec,
        MessageSystemAttributeNames: ['All'],
      }),
    );
    const messages = out.Messages ?? [];
    if (messages.length === 0) return;
    for (const m of messages) {
      if (Number(m.Attributes?.ApproximateReceiveCount ?? '1') > 1) this.stats.redeliveries++;
    }
    const host = await this.freshHost();
    this.stats.invocations++;
    let timer: NodeJS.Timeout | undefined;
    const force = this.stats.kills === 0 && this.stats.invocations >= o.killAtLeastOnceFrom;
    if (o.random() < o.killProbability || force) {
      timer = setTimeout(() => void host.kill(), Math.floor(o.random() * o.maxKillDelayMs));
    }
    const outcome = await host.invoke(o.toEvent(messages));
    if (timer) clearTimeout(timer);
    // Counted only when the kill cut the invocation short: one that lands after the answer changes nothing.
    if ('died' in outcome) {
      this.stats.kills++;
      return;
    }
    if ('error' in outcome) {
      this.stats.errors++;
      return;
    }
    const failures = new Set(
      (
        (outcome.response as { batchItemFailures?: { itemIdentifier: string }[] } | undefined)
          ?.batchItemFailures ?? []
      ).map((f) => f.itemIdentifier),
    );
    this.stats.reportedFailures += failures.size;
    const done = messages.filter((m) => !failures.has(m.MessageId as string));
    if (done.length === 0) return;
    const del = await o.sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: o.queueUrl,
        Entries: done.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle as string })),
      }),
    );
    this.stats.deleted += (del.Successful ?? []).length;
  }
}
