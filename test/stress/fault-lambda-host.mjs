// Hosts one Lambda handler module of dist/functions (argv[2], e.g. fast-queue-handler) as a Lambda container
// would: the module is loaded once (its init phase), then each IPC message {id, event} is one invocation, answered
// with {id, response} or {id, error}. The fault suite SIGKILLs this process at random points of an invocation.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const name = process.argv[2];
if (!/^[a-z-]+$/.test(name ?? '')) throw new Error('usage: fault-lambda-host.mjs <handler module name>');
const { handler } = require(`../../dist/functions/${name}.js`);

process.on('message', async ({ id, event }) => {
  try {
    const response = await handler(event, { functionName: `winnow-${name}`, awsRequestId: `req-${id}` });
    process.send({ id, response });
  } catch (err) {
    process.send({ id, error: { name: err?.name, message: String(err?.message ?? err) } });
  }
});
process.send({ ready: true });
process.on('disconnect', () => process.exit(0));
