import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { TcpFaultProxy } from '../helpers/tcp-fault-proxy';

/** An emulator running in a child process that printed its address. */
interface Emulator {
  readonly child: ChildProcess;
  readonly address: string;
}

function startScript(file: string, args: readonly string[]): Promise<Emulator> {
  const child = spawn(process.execPath, [file, ...args], {
    stdio: ['pipe', 'pipe', 'inherit'],
    env: { ...process.env, NODE_NO_WARNINGS: '1' },
  });
  return new Promise<Emulator>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`${file} did not start within 15 s`)), 15_000);
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      if (!out.includes('\n')) return;
      clearTimeout(timer);
      try {
        resolve({
          child,
          address: (JSON.parse(out.split('\n')[0] as string) as { address: string }).address,
        });
      } catch (err) {
        reject(err);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${file} exited with code ${code}`));
    });
  }).catch((err: unknown) => {
    child.kill('SIGKILL');
    throw err;
  });
}

async function kill(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGKILL');
  await exited;
}

const portOf = (address: string): number => Number(new URL(address).port);

/**
 * The fault suite's own emulators, apart from the ones every suite shares (this suite restarts them):
 *
 * - fauxqs (SQS and S3). fauxqs 1.9.2 keeps queues, messages and objects in memory only and has no way to persist
 *   them (2.x, which needs Node 22, is not used), so a restart would lose every queued message, in flight or not,
 *   and every object: a failure SQS and S3 do not have, and no test of Winnow. It is never restarted.
 * - dynalite (DynamoDB) with its tables in a directory (LevelDB), behind a {@link TcpFaultProxy}. A restart is a
 *   SIGKILL and a new process on the same directory: every write dynalite answered survives (LevelDB has written it
 *   to its log, though not fsynced: a machine crash is not simulated); a request in flight at the kill sees its
 *   connection reset, whether or not it was applied, and so does every connection made while the emulator is down.
 *   The clients keep one endpoint (the proxy's) across the restart. Messages in flight in SQS meanwhile are not
 *   touched: their handlers' writes fail and are retried, or the messages come back after their visibility timeout.
 */
export class FaultEmulators {
  readonly sqsEndpoint: string;
  readonly s3Endpoint: string;
  readonly dynamoProxy: TcpFaultProxy;
  restarts = 0;
  private fauxqs: Emulator;
  private dynalite: Emulator;
  private readonly dataDir: string;

  private constructor(fauxqs: Emulator, dynalite: Emulator, proxy: TcpFaultProxy, dataDir: string) {
    this.fauxqs = fauxqs;
    this.dynalite = dynalite;
    this.dynamoProxy = proxy;
    this.dataDir = dataDir;
    this.sqsEndpoint = fauxqs.address;
    this.s3Endpoint = fauxqs.address;
  }

  /** Starts fauxqs, dynalite on `dataDir` and the proxy in front of dynalite. */
  static async start(dataDir: string): Promise<FaultEmulators> {
    const [fauxqs, dynalite] = await Promise.all([
      startScript(join(__dirname, '../setup/fauxqs-server.mjs'), []),
      startScript(join(__dirname, 'fault-dynalite-server.mjs'), [dataDir]),
    ]);
    const proxy = await TcpFaultProxy.start(portOf(dynalite.address));
    return new FaultEmulators(fauxqs, dynalite, proxy, dataDir);
  }

  /** The DynamoDB endpoint clients use: the fault proxy. */
  get dynamoEndpoint(): string {
    return this.dynamoProxy.endpoint;
  }

  /** Kills dynalite and starts it again on the same data directory; resolves once it serves again. */
  async restartDynamo(downMs = 2000): Promise<void> {
    await kill(this.dynalite.child);
    this.dynamoProxy.dropAll();
    await new Promise((r) => setTimeout(r, downMs));
    this.dynalite = await startScript(join(__dirname, 'fault-dynalite-server.mjs'), [this.dataDir]);
    this.dynamoProxy.setUpstream(portOf(this.dynalite.address));
    this.restarts++;
  }

  async stop(): Promise<void> {
    await this.dynamoProxy.close().catch(() => undefined);
    await Promise.all([kill(this.fauxqs.child), kill(this.dynalite.child)]);
  }
}
