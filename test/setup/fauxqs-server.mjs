// Runs fauxqs (the SQS and S3 emulator) on a random loopback port, prints {"address": …} as one line, and stops
// when its stdin closes (the parent exited) or on SIGTERM. fauxqs is ESM-only, hence a separate process.
import { startFauxqs } from 'fauxqs';

const server = await startFauxqs({ port: 0, logger: false });
process.stdout.write(`${JSON.stringify({ address: server.address })}\n`);

let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  await server.stop().catch(() => undefined);
  process.exit(0);
};
process.stdin.on('end', stop);
process.stdin.on('error', stop);
process.stdin.resume();
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
