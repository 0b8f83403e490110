// Runs dynalite (an in-memory DynamoDB emulator) on a random loopback port, prints {"address": …} as one line, and
// stops when its stdin closes (the parent exited) or on SIGTERM; like fauxqs-server.mjs.
import dynalite from 'dynalite';

// Tables are ACTIVE at once, so tests need no waiters.
const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
await new Promise((resolve, reject) => {
  server.once('error', reject);
  server.listen(0, '127.0.0.1', resolve);
});
process.stdout.write(`${JSON.stringify({ address: `http://127.0.0.1:${server.address().port}` })}\n`);

let stopping = false;
const stop = () => {
  if (stopping) return;
  stopping = true;
  server.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 1000).unref();
};
process.stdin.on('end', stop);
process.stdin.on('error', stop);
process.stdin.resume();
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
