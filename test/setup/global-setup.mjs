// Jest globalSetup: starts the emulators every suite shares and hands their endpoints to the tests (and to the
// processes they spawn):
// - fauxqs (SQS and S3 on one endpoint): WINNOW_TEST_SQS_ENDPOINT and WINNOW_TEST_S3_ENDPOINT;
// - dynalite (DynamoDB): WINNOW_TEST_DYNAMODB_ENDPOINT.
// Both start in parallel in child processes, in about half a second. An endpoint already set is used as it is; a
// failure only warns, so suites that do not need that emulator still run.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const script = (name) => fileURLToPath(new URL(name, import.meta.url));

/** Starts an emulator script that prints {"address": …} as its first line; resolves to the child and address. */
function startEmulator(label, file) {
  const child = spawn(process.execPath, [script(file)], {
    stdio: ['pipe', 'pipe', 'inherit'],
    env: { ...process.env, NODE_NO_WARNINGS: '1' },
  });
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`${label} did not start within 15 s`)), 15_000);
    child.stdout.on('data', (d) => {
      out += d;
      if (!out.includes('\n')) return;
      clearTimeout(timer);
      try {
        resolve({ child, address: JSON.parse(out.split('\n')[0]).address });
      } catch (err) {
        reject(err);
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${label} exited with code ${code}`));
    });
  }).then(
    (started) => {
      // Never let an emulator keep Jest alive; it stops by itself when Jest exits (its stdin closes).
      child.unref();
      child.stdout.unref?.();
      child.stdin.unref?.();
      return started;
    },
    (err) => {
      child.kill();
      throw err;
    },
  );
}

export default async function globalSetup() {
  // The SDK warns once per process that it will need Node 22 from 2027; noise in test output.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const children = [];
  globalThis.__WINNOW_EMULATORS__ = children;

  const [fauxqs, dynalite] = await Promise.allSettled([
    process.env.WINNOW_TEST_SQS_ENDPOINT ? undefined : startEmulator('fauxqs', './fauxqs-server.mjs'),
    process.env.WINNOW_TEST_DYNAMODB_ENDPOINT
      ? undefined
      : startEmulator('dynalite', './dynalite-server.mjs'),
  ]);
  if (fauxqs.status === 'rejected') {
    process.stderr.write(
      `warning: could not start fauxqs; SQS and S3 tests will fail: ${fauxqs.reason.message}\n`,
    );
  } else if (fauxqs.value) {
    children.push(fauxqs.value.child);
    process.env.WINNOW_TEST_SQS_ENDPOINT = fauxqs.value.address;
  }
  // fauxqs serves S3 on the same endpoint.
  if (process.env.WINNOW_TEST_SQS_ENDPOINT) {
    process.env.WINNOW_TEST_S3_ENDPOINT ??= process.env.WINNOW_TEST_SQS_ENDPOINT;
  }
  if (dynalite.status === 'rejected') {
    process.stderr.write(
      `warning: could not start dynalite; DynamoDB tests will fail: ${dynalite.reason.message}\n`,
    );
  } else if (dynalite.value) {
    children.push(dynalite.value.child);
    process.env.WINNOW_TEST_DYNAMODB_ENDPOINT = dynalite.value.address;
  }
}
