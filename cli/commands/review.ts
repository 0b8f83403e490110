import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { parseArgs } from 'node:util';
import { openStateDir, SqliteReviewStore } from '../../adapters/local';
import { ENV } from '../../core/config/env-names';
import type { Logger } from '../../core/logging/logger';
import type { ReviewDecision } from '../../core/ports/review-store';
import { ReviewDecisionService, validateReviewerName } from '../../core/review/review-decision-service';
import { InvalidReviewRequestError } from '../../core/review/review-errors';
import { ReviewQueue } from '../../core/review/review-queue';
import { isLoopbackHost, startReviewServer } from '../../core/review/review-server';
import { generateReviewToken, validateReviewToken } from '../../core/review/review-token';
import type { CliConfig } from '../cli-config';
import { EXIT, UsageError } from '../usage-error';

/** Environment variable holding the console's token, so it need not appear on the command line. */
export const REVIEW_TOKEN_ENV = ENV.reviewToken;

export const REVIEW_USAGE = `Usage: winnow review [options]
       winnow review --audit [--json]
       winnow review --export FILE

Serves a local web console for the review queue (verdicts whose decision is review). Each allow or block
decision is kept with the reviewer, the time and the reason in an append-only audit log; winnow calibrate
--reviews uses the latest decision per item as labels.

Options:
  --port N             port to listen on (default 0: any free port; the URL is printed)
  --host H             interface to bind (default 127.0.0.1); a host that is not loopback is served with a warning
  --reviewer NAME      name recorded with each decision (default $USER)
  --policy-version V   review the verdicts of this policy version (default: each item's current verdict)
  --token T            access token (default $${REVIEW_TOKEN_ENV}, else a new random one per start)
  --audit              print the audit log, oldest first, and exit
  --json               with --audit: JSON lines
  --export FILE        write the latest decision per item as JSON lines to FILE ("-": stdout) and exit
  --state-dir DIR      local state (default .winnow, or $WINNOW_STATE_DIR)
  -h, --help           this text`;

/** Control and line-separator characters, which must not reach a terminal raw. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point.
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;
const printable = (s: string): string =>
  s.replace(UNPRINTABLE, (c) => (c === '\n' ? '⏎' : `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`));

function defaultReviewer(): string {
  const fromEnv = process.env.USER ?? process.env.USERNAME;
  if (fromEnv) return fromEnv;
  try {
    return userInfo().username;
  } catch {
    return 'reviewer';
  }
}

function parsePort(value: string | undefined): number {
  if (value === undefined) return 0;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new UsageError(`--port must be a whole number from 0 to 65535, got "${value}"`);
  }
  return port;
}

function printAudit(log: readonly ReviewDecision[], json: boolean): void {
  if (json) {
    for (const d of log) process.stdout.write(`${JSON.stringify(d)}\n`);
    return;
  }
  if (log.length === 0) {
    process.stdout.write('The audit log is empty.\n');
    return;
  }
  for (const d of log) {
    const fields = [
      d.decidedAt,
      d.reviewer,
      d.decision,
      d.categories.join(','),
      d.policyVersion,
      d.uri,
      d.reason,
    ];
    process.stdout.write(`${fields.map(printable).join('\t')}\n`);
  }
}

function exportLatest(latest: readonly ReviewDecision[], file: string): void {
  const body = latest.map((d) => `${JSON.stringify(d)}\n`).join('');
  if (file === '-') {
    process.stdout.write(body);
    return;
  }
  // Written whole or not at all: a reader never sees half an export.
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    writeFileSync(tmp, body, { mode: 0o600 });
    renameSync(tmp, file);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
  process.stderr.write(`winnow: exported ${latest.length} decisions to ${file}\n`);
}

/** Resolves when the process is asked to stop. */
function untilSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const stop = (signal: NodeJS.Signals): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve(signal);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

/** `winnow review`: the review console, or its audit log and export. */
export async function reviewCommand(argv: string[], config: CliConfig, logger: Logger): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      reviewer: { type: 'string' },
      'policy-version': { type: 'string' },
      token: { type: 'string' },
      audit: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      export: { type: 'string' },
      'state-dir': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(`${REVIEW_USAGE}\n`);
    return EXIT.ok;
  }
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
  if (values.audit && values.export !== undefined) throw new UsageError('use --audit or --export, not both');
  if (values.json && !values.audit) throw new UsageError('--json goes with --audit');
  if (values.export === '') throw new UsageError('--export needs a file name');

  const port = parsePort(values.port);
  const host = values.host ?? '127.0.0.1';
  let reviewer: string;
  try {
    reviewer = validateReviewerName(values.reviewer ?? defaultReviewer());
  } catch (err) {
    if (err instanceof InvalidReviewRequestError) throw new UsageError(`--reviewer: ${err.message}`);
    throw err;
  }
  const given = values.token ?? process.env[REVIEW_TOKEN_ENV];
  const token = given === undefined || given === '' ? generateReviewToken() : validateReviewToken(given);
  const policyVersion = values['policy-version'];
  if (policyVersion === '') throw new UsageError('--policy-version needs a value');

  const state = openStateDir(values['state-dir'] ?? config.stateDir, { exclusive: false });
  try {
    const reviews = new SqliteReviewStore(state);
    if (values.audit) {
      printAudit(await reviews.history(), values.json);
      return EXIT.ok;
    }
    if (values.export !== undefined) {
      exportLatest(await reviews.latest(), values.export);
      return EXIT.ok;
    }

    if (!isLoopbackHost(host)) {
      process.stderr.write(
        `winnow: warning: serving on ${host}, which is not a loopback address: anyone who can reach it and has the ` +
          'token can read the queue and record decisions, over unencrypted HTTP\n',
      );
    }
    const log = logger.child({ command: 'review' });
    const queue = new ReviewQueue(reviews, policyVersion === undefined ? {} : { policyVersion });
    const decisions = new ReviewDecisionService({ verdicts: state.verdicts, reviews, reviewer, logger: log });
    const server = await startReviewServer({
      queue,
      decisions,
      reviews,
      token,
      host,
      port,
      allowNonLoopback: values.host !== undefined,
      logger: log,
    });
    const stopped = untilSignal();
    const remaining = await queue.remaining();
    process.stdout.write(
      `Review console: ${server.url}\n` +
        `${remaining} ${remaining === 1 ? 'item' : 'items'} to review as ${reviewer}. Press Ctrl+C to stop.\n`,
    );
    await stopped;
    await server.close();
    return EXIT.ok;
  } finally {
    state.close();
  }
}
