// Jest globalTeardown: stops the emulators that global-setup.mjs started.
export default async function globalTeardown() {
  const children = globalThis.__WINNOW_EMULATORS__ ?? [];
  await Promise.all(
    children
      .filter((child) => child.exitCode === null)
      .map(
        (child) =>
          new Promise((resolve) => {
            const timer = setTimeout(resolve, 2000);
            child.once('exit', () => {
              clearTimeout(timer);
              resolve();
            });
            child.kill('SIGTERM');
          }),
      ),
  );
}
