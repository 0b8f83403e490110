// Jest globalTeardown: stops the fauxqs emulator that global-setup.mjs started.
export default async function globalTeardown() {
  const child = globalThis.__WINNOW_FAUXQS__;
  if (!child || child.exitCode !== null) return;
  await new Promise((resolve) => {
    const timer = setTimeout(resolve, 2000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}
