// Jest globalSetup: starts one fauxqs emulator for every suite and hands its endpoint to the tests (and to the
// processes they spawn) as WINNOW_TEST_SQS_ENDPOINT. It costs about 0.4 s; a failure only warns, so suites that
// do not use SQS still run.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const SERVER = fileURLToPath(new URL('./fauxqs-server.mjs', import.meta.url));

export default async function globalSetup() {
  if (process.env.WINNOW_TEST_SQS_ENDPOINT) return;
  const child = spawn(process.execPath, [SERVER], {
    stdio: ['pipe', 'pipe', 'inherit'],
    env: { ...process.env, NODE_NO_WARNINGS: '1' },
  });
  try {
    const address = await new Promise((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new Error('fauxqs did not start within 15 s')), 15_000);
      child.stdout.on('data', (d) => {
        out += d;
        const line = out.split('\n')[0];
        if (out.includes('\n')) {
          clearTimeout(timer);
          try {
            resolve(JSON.parse(line).address);
          } catch (err) {
            reject(err);
          }
        }
      });
      child.on('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`fauxqs exited with code ${code}`));
      });
    });
    process.env.WINNOW_TEST_SQS_ENDPOINT = address;
    // The SDK warns once per process that it will need Node 22 from 2027; noise in test output.
    process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
    globalThis.__WINNOW_FAUXQS__ = child;
    // Never let the emulator keep Jest alive; it stops by itself when Jest exits (its stdin closes).
    child.unref();
    child.stdout.unref?.();
    child.stdin.unref?.();
  } catch (err) {
    child.kill();
    process.stderr.write(`warning: could not start fauxqs; SQS tests will fail: ${err.message}\n`);
  }
}
