import { type SpawnOptions, spawn } from 'node:child_process';
import { join } from 'node:path';

/** The built launcher, as users run it (`npx winnow` runs the same file). */
export const WINNOW_BIN = join(__dirname, '../../bin/winnow.js');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the real `winnow` command in a child process. */
export function runCli(
  args: string[],
  options: SpawnOptions & { env?: NodeJS.ProcessEnv } = {},
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [WINNOW_BIN, ...args], {
      ...options,
      env: { ...process.env, WINNOW_LOG_LEVEL: 'warn', ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (d) => {
      stdout += d;
    });
    child.stderr?.on('data', (d) => {
      stderr += d;
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Parses a JSON-lines file's text. */
export function parseJsonl<T = unknown>(text: string): T[] {
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as T);
}
