// Runs dynalite with its tables on disk (`path`, argv[2]), on a random loopback port; prints {"address": …} as one
// line. Killed and started again on the same path, it serves the same tables and items: the fault suite restarts
// the DynamoDB emulator mid-run this way.
import dynalite from 'dynalite';

const path = process.argv[2];
if (!path) throw new Error('usage: fault-dynalite-server.mjs <data dir>');
const server = dynalite({ path, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
await new Promise((resolve, reject) => {
  server.once('error', reject);
  server.listen(0, '127.0.0.1', resolve);
});
process.stdout.write(`${JSON.stringify({ address: `http://127.0.0.1:${server.address().port}` })}\n`);
// Exit with the parent (its stdin closes).
process.stdin.on('end', () => process.exit(0));
process.stdin.on('error', () => process.exit(0));
process.stdin.resume();
process.on('SIGTERM', () => process.exit(0));
