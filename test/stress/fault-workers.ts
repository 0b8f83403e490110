import { WorkerProcess } from '../integration/worker/worker-harness';

/** What a {@link KilledWorkerPool} did. */
export interface WorkerPoolStats {
  started: number;
  /** Workers SIGKILLed while running. */
  kills: number;
}

/**
 * GPU workers (`node dist/gpu-worker/main.js`) that are SIGKILLed at random (seeded) moments and replaced by fresh
 * ones (a container restart): `size` run at a time; every `minMs`–`maxMs` one of them, chosen at random among
 * those that have started consuming, is killed. Their log lines are kept, the dead ones' included.
 */
export class KilledWorkerPool {
  readonly stats: WorkerPoolStats = { started: 0, kills: 0 };
  readonly workers: WorkerProcess[] = [];
  private stopped = false;
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly env: Record<string, string>,
    private readonly size: number,
    private readonly random: () => number,
    private readonly killEveryMs: { readonly min: number; readonly max: number },
  ) {}

  start(): void {
    for (let i = 0; i < this.size; i++) this.spawn();
    this.schedule();
  }

  /** Every worker's log lines with this message. */
  logs(msg: string): Record<string, unknown>[] {
    return this.workers.flatMap((w) => w.logs(msg));
  }

  /** Kills every worker (SIGKILL) and waits for them to exit. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    for (const w of this.workers) w.kill('SIGKILL');
    await Promise.all(this.workers.map((w) => w.exited));
  }

  private live(): WorkerProcess[] {
    return this.workers.filter((w) => w.child.exitCode === null && w.child.signalCode === null);
  }

  private spawn(): void {
    const worker = new WorkerProcess(this.env);
    this.workers.push(worker);
    this.stats.started++;
    void worker.exited.then(() => {
      // Replace a worker that died for any reason, as the container service would.
      if (!this.stopped && this.live().length < this.size) this.spawn();
    });
  }

  private schedule(): void {
    const { min, max } = this.killEveryMs;
    this.timer = setTimeout(
      () => {
        if (this.stopped) return;
        const running = this.live().filter((w) => w.logs('worker started').length > 0);
        const victim = running[Math.floor(this.random() * running.length)];
        if (victim) {
          this.stats.kills++;
          victim.kill('SIGKILL');
        }
        this.schedule();
      },
      min + Math.floor(this.random() * (max - min)),
    );
  }
}
