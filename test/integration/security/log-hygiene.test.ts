/** @jest-environment ./test/helpers/onnx-environment.js */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import type { S3EventRecord } from 'aws-lambda';
import sharp from 'sharp';
import { createTelemetry } from '../../../functions/observability';
import { AwsHarness, missingEmulators, s3Notification } from '../../e2e/aws-harness';
import { runCli, WINNOW_BIN } from '../../helpers/run-cli';

// Log hygiene over the real paths that log: `winnow scan` (the built CLI), the upload and fast-queue Lambda handlers
// and the GPU worker (on the emulators), and `winnow review`. Every item carries canary strings in its content,
// the environment carries canary secrets, and every line the processes write is searched for them. Items that
// fail (corrupt bytes whose parser errors might quote them) and items that get blocked are included on purpose.

/** A canary: a string that must never reach a log line. Letters only, so OCR can read it back exactly. */
const canary = (label: string): string =>
  `${label}${randomBytes(6)
    .toString('hex')
    .replace(/[0-9]/g, (d) => 'GHIJKLMNOP'[Number(d)] as string)
    .toUpperCase()}`;

const CONTENT = {
  text: canary('TEXTCANARY'),
  email: canary('MAILCANARY').toLowerCase(),
  jpeg: canary('JPEGCANARY'),
  png: canary('PNGCANARY'),
  gif: canary('GIFCANARY'),
  mp4: canary('MPFOURCANARY'),
  wav: canary('WAVCANARY'),
  utf8: canary('UTFCANARY'),
  json: canary('JSONCANARY'),
  ocr: canary('OCRCANARY'),
  body: canary('BODYCANARY'),
  job: canary('JOBCANARY'),
  reason: canary('REASONCANARY'),
};
const SECRETS = {
  AWS_SECRET_ACCESS_KEY: canary('SECRETKEYCANARY'),
  AWS_SESSION_TOKEN: canary('SESSIONTOKENCANARY'),
  WINNOW_REVIEW_TOKEN: canary('REVIEWTOKENCANARY'),
};
const ALL_CANARIES = [...Object.values(CONTENT), ...Object.values(SECRETS)];

/** Every canary carries this word, so a canary the OCR read imperfectly (or a log cut short) is still found. */
const MARK = 'CANARY';

/**
 * The canaries found in `text`, plus {@link MARK} when the word appears at all (OCR output may drop spaces, change
 * case or misread a letter of the random part).
 */
function leaks(text: string, canaries: readonly string[] = ALL_CANARIES): string[] {
  const found = canaries.filter((c) => text.includes(c));
  if (text.replace(/\s+/g, '').toUpperCase().includes(MARK)) found.push(MARK);
  return found;
}

/** Node's own process warnings (`(node:PID) ExperimentalWarning: …` and its hint line), which are not Winnow's. */
const NODE_WARNING = /^\((node:\d+|Use `node --trace-warnings)/;

/** Parses JSON log lines; a line that is not a JSON object is returned as a string so the test names it. */
function parseLines(text: string): (Record<string, unknown> | string)[] {
  return text
    .split('\n')
    .filter((l) => l.trim() !== '' && !NODE_WARNING.test(l))
    .map((l) => {
      try {
        const v = JSON.parse(l) as unknown;
        return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : l;
      } catch {
        return l;
      }
    });
}

/** Hostile and ordinary items, each with canaries in its content; names carry none (a URI is an item id). */
async function writeItems(dir: string): Promise<string[]> {
  const files: Record<string, Buffer | string> = {
    'threat.txt': `Synthetic test post ${CONTENT.text}: touch my bike one more time and I will kill you.`,
    'contact.txt': `Synthetic sample. Write to ${CONTENT.email}@example.com or call 415-555-0132 ${CONTENT.text}.`,
    'invalid-utf8.txt': Buffer.concat([
      Buffer.from(`${CONTENT.utf8} `),
      Buffer.from([0xc3, 0x28, 0xff, 0xfe]),
    ]),
    'fake.json': `{"note": "${CONTENT.json}", "broken": [1, 2,`,
    // Magic bytes of each format, then the canary where a parser's error message could quote it.
    'broken.jpg': Buffer.concat([
      Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 16]),
      Buffer.from(`JFIF\0${CONTENT.jpeg}`),
    ]),
    'broken.png': Buffer.concat([
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]),
      Buffer.from(`IHDR${CONTENT.png}tEXtComment\0${CONTENT.png}`),
    ]),
    'broken.gif': Buffer.from(`GIF89a\x10\x00\x10\x00${CONTENT.gif}`),
    'broken.mp4': Buffer.concat([
      Buffer.from([0, 0, 0, 0x18]),
      Buffer.from(`ftypisom\0\0\0\0isomiso2${CONTENT.mp4}moov${CONTENT.mp4}`),
    ]),
    'broken.wav': Buffer.from(`RIFF\x24\x00\x00\x00WAVEfmt ${CONTENT.wav}data${CONTENT.wav}`),
  };
  for (const [name, bytes] of Object.entries(files)) writeFileSync(join(dir, name), bytes);
  // Text the OCR reads (and the text detectors then see): the canary and a threat, in large type.
  const svg =
    `<svg xmlns="http://www.w3.org/2000/svg" width="640" height="200"><rect width="100%" height="100%" fill="white"/>` +
    `<text x="20" y="80" font-size="48" font-family="sans-serif" fill="black">${CONTENT.ocr}</text>` +
    `<text x="20" y="160" font-size="48" font-family="sans-serif" fill="black">I will kill you</text></svg>`;
  writeFileSync(join(dir, 'caption.png'), await sharp(Buffer.from(svg)).png().toBuffer());
  return [...Object.keys(files), 'caption.png'];
}

let work: string;
let items: string[];
beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'winnow-log-hygiene-'));
  items = await writeItems(work);
});
afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('log hygiene: winnow scan', () => {
  let stdout = '';
  let stderr = '';
  let code: number | null = null;

  beforeAll(async () => {
    const out = await runCli(['scan', work, '--out', join(work, 'out'), '--state-dir', join(work, 'state')], {
      cwd: work,
      // Debug is the most a user can ask for; nothing at any level may carry content or secrets.
      env: { ...SECRETS, WINNOW_LOG_LEVEL: 'debug' },
    });
    ({ stdout, stderr, code } = out);
  }, 120_000);

  test('the scan ran and logged', () => {
    expect(code).toBe(0);
    expect(stderr.length).toBeGreaterThan(0);
  });

  test('the items went where the test means them to: blocked, failed, and read by the OCR', () => {
    const verdicts = readFileSync(join(work, 'out', 'verdicts.jsonl'), 'utf8')
      .split('\n')
      .filter((l) => l !== '')
      .map(
        (l) => JSON.parse(l) as { item: { uri: string }; decision: string; evidence?: { text?: string }[] },
      );
    const of = (name: string) => verdicts.find((v) => v.item.uri.endsWith(`/${name}`));
    expect(of('threat.txt')?.decision).toBe('block');
    for (const name of ['broken.jpg', 'broken.png', 'broken.gif', 'broken.mp4', 'broken.wav']) {
      expect(of(name)?.decision).toBe('error');
    }
    // The OCR read the caption into the evidence (verdicts are access-controlled data; logs are not).
    expect(JSON.stringify(of('caption.png'))).toMatch(/"kind":"region"[^}]*"text":"[^"]+"/);
  });

  test('no content or secret canary reaches stdout or stderr', () => {
    expect(leaks(stdout)).toEqual([]);
    expect(leaks(stderr)).toEqual([]);
  });

  test('every stderr line is a structured JSON log line', () => {
    const lines = parseLines(stderr);
    expect(lines.filter((l) => typeof l === 'string')).toEqual([]);
    for (const line of lines as Record<string, unknown>[]) {
      expect(line).toEqual(
        expect.objectContaining({
          time: expect.any(String),
          level: expect.any(String),
          msg: expect.any(String),
        }),
      );
    }
  });

  test('item lines carry the item id, run id and policy version', () => {
    const moderated = (parseLines(stderr) as Record<string, unknown>[]).filter(
      (l) => l.msg === 'item moderated',
    );
    expect(moderated.length).toBeGreaterThanOrEqual(items.length);
    for (const line of moderated) {
      expect(line).toEqual(
        expect.objectContaining({
          itemId: expect.any(String),
          runId: expect.any(String),
          policyVersion: expect.any(String),
        }),
      );
    }
    const ids = new Set(moderated.map((l) => String(l.itemId)));
    for (const name of items) expect([...ids].some((id) => id.endsWith(`/${name}`))).toBe(true);
  });
});

describe('log hygiene: winnow review', () => {
  const token = SECRETS.WINNOW_REVIEW_TOKEN;
  let child: ChildProcess | undefined;
  let stdout = '';
  let stderr = '';
  let origin = '';
  let itemView = '';

  beforeAll(async () => {
    // The scan above filled this state dir; the PII item waits for review.
    child = spawn(process.execPath, [WINNOW_BIN, 'review', '--state-dir', join(work, 'state')], {
      cwd: work,
      env: { ...process.env, ...SECRETS, WINNOW_LOG_LEVEL: 'debug' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout?.on('data', (d) => {
      stdout += d;
    });
    child.stderr?.on('data', (d) => {
      stderr += d;
    });
    origin = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`review did not start: ${stderr}`)), 30_000);
      const check = () => {
        const m = /Review console: (http:\/\/[^/\s]+)\//.exec(stdout);
        if (m) {
          clearTimeout(timer);
          resolve(m[1] as string);
        }
      };
      child?.stdout?.on('data', check);
      child?.on('exit', () => reject(new Error(`review exited: ${stderr}`)));
    });
    const auth = { Authorization: `Bearer ${token}` };
    const wrong = { Authorization: `Bearer ${SECRETS.AWS_SESSION_TOKEN}` };
    // The login page (token in the query, as printed), API calls with the right and a wrong token, a decision
    // whose reason carries a canary, and a malformed decision.
    expect((await fetch(`${origin}/?token=${token}`)).status).toBe(200);
    expect((await fetch(`${origin}/api/session`, { headers: wrong })).status).toBe(401);
    expect((await fetch(`${origin}/api/queue?token=${token}`)).status).toBe(401);
    const page = (await (await fetch(`${origin}/api/queue`, { headers: auth })).json()) as {
      entries: { id: string }[];
    };
    expect(page.entries.length).toBeGreaterThan(0);
    const id = page.entries[0]?.id as string;
    const item = await fetch(`${origin}/api/items/${id}`, { headers: auth });
    expect(item.status).toBe(200);
    // The control for the searches below: the reviewer is shown the content, canary and all.
    itemView = await item.text();
    const post = (body: unknown) =>
      fetch(`${origin}/api/decisions`, {
        method: 'POST',
        headers: { ...auth, 'Content-Type': 'application/json', Origin: origin },
        body: JSON.stringify(body),
      });
    expect((await post({ id, decision: 'block', reason: `confirmed ${CONTENT.reason}` })).status).toBe(201);
    expect((await post({ id, decision: `${CONTENT.reason}`, reason: CONTENT.reason })).status).toBe(400);
    child.kill('SIGINT');
    await new Promise((resolve) => child?.once('close', resolve));
    child = undefined;
  }, 60_000);

  afterAll(() => {
    child?.kill('SIGKILL');
  });

  test('the token appears once, in the login URL printed on stdout, and nowhere else', () => {
    const lines = stdout.split('\n').filter((l) => l.includes(token));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^Review console: http:\/\/127\.0\.0\.1:\d+\/\?token=/);
    expect(leaks(stdout.replace(lines[0] as string, ''))).toEqual([]);
  });

  test('the console shows the reviewer the content (the control for the searches)', () => {
    expect(leaks(itemView)).toEqual(expect.arrayContaining([CONTENT.email, MARK]));
  });

  test('the request log carries routes and statuses, never tokens, reasons or content', () => {
    expect(leaks(stderr)).toEqual([]);
    const lines = parseLines(stderr);
    expect(lines.filter((l) => typeof l === 'string')).toEqual([]);
    const requests = (lines as Record<string, unknown>[]).filter((l) => l.msg === 'review request');
    expect(requests.map((l) => l.route)).toEqual(
      expect.arrayContaining(['page', 'queue', 'item', 'decision']),
    );
  });
});

const missing = missingEmulators();
if (missing.length > 0) {
  console.warn(`log hygiene (AWS paths): SKIPPED: emulator endpoint(s) not set: ${missing.join(', ')}`);
}
const describeAws = missing.length > 0 ? describe.skip : describe;

describeAws('log hygiene: Lambda handlers and GPU worker (emulators)', () => {
  let h: AwsHarness;
  /** Everything the process wrote while the handlers ran (Powertools writes JSON lines to stdout). */
  let captured = '';
  let workerLogs: readonly Record<string, unknown>[] = [];
  const saved: Record<string, string | undefined> = {};

  /** Runs `fn` with this process's stdout and stderr captured (and not shown). */
  const capture = async <T>(fn: () => Promise<T>): Promise<T> => {
    const out = process.stdout.write.bind(process.stdout);
    const err = process.stderr.write.bind(process.stderr);
    const grab = (chunk: unknown): boolean => {
      captured += typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8');
      return true;
    };
    process.stdout.write = grab as typeof process.stdout.write;
    process.stderr.write = grab as typeof process.stderr.write;
    try {
      return await fn();
    } finally {
      process.stdout.write = out;
      process.stderr.write = err;
    }
  };

  beforeAll(async () => {
    saved.AWS_SESSION_TOKEN = process.env.AWS_SESSION_TOKEN;
    process.env.AWS_SESSION_TOKEN = SECRETS.AWS_SESSION_TOKEN;
    h = await capture(() => AwsHarness.create({ logLevel: 'debug' }));
    // The harness sets emulator credentials; from here on the functions sign with the canary secret.
    process.env.AWS_SECRET_ACCESS_KEY = SECRETS.AWS_SECRET_ACCESS_KEY;
    process.env.WINNOW_REVIEW_TOKEN = SECRETS.WINNOW_REVIEW_TOKEN;

    const records: S3EventRecord[] = [];
    for (const name of items) records.push(await h.putObject(`in/${name}`, readFileSync(join(work, name))));
    await capture(async () => {
      // Upload events: every item, then an event that is not an S3 notification at all.
      for (let i = 0; i < records.length; i += 4)
        await h.uploadHandler(s3Notification(records.slice(i, i + 4)));
      await h.uploadHandler({ note: CONTENT.body, Records: [{ eventSource: CONTENT.body }] });
      // Fast-queue batch: a notification, a body that is not JSON, and job messages that fail validation.
      const event = await h.fastQueueEvent([
        JSON.stringify(s3Notification(records.slice(0, 1))),
        `${CONTENT.body} not json {`,
        JSON.stringify({ schema: 'winnow.job/v1', item: { uri: 42 }, note: CONTENT.job }),
        JSON.stringify({ schema: CONTENT.job, v: CONTENT.job }),
      ]);
      await h.deliverToFastQueueFunction(event);
    });
    // The heavy queue: what the upload function queued (video, audio) plus poison messages with canaries.
    await h.clients.sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: h.heavyQueues.queueUrl,
        Entries: [
          { Id: 'a', MessageBody: `{"schema":"winnow.job/v1", ${CONTENT.job}` },
          { Id: 'b', MessageBody: JSON.stringify({ schema: 'winnow.job/v1', item: CONTENT.job }) },
          {
            Id: 'c',
            MessageBody: JSON.stringify({
              schema: 'winnow.job/v1',
              jobId: CONTENT.job,
              item: { uri: `s3://${h.source.bucket}/in/missing.txt` },
              policy: { id: CONTENT.job, version: CONTENT.job },
              reason: CONTENT.job,
            }),
          },
        ],
      }),
    );
    const run = await capture(() => h.runWorker(60_000));
    workerLogs = run.logs;
  }, 180_000);

  afterAll(async () => {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    await h?.dispose();
  });

  test('the handlers logged structured lines with item ids and the policy version', () => {
    const lines = parseLines(captured);
    expect(lines.filter((l) => typeof l === 'string')).toEqual([]);
    const objects = lines as Record<string, unknown>[];
    expect(objects.length).toBeGreaterThan(0);
    const itemLines = objects.filter((l) => typeof l.itemId === 'string');
    expect(itemLines.length).toBeGreaterThan(0);
    for (const line of itemLines) expect(line.policyVersion).toEqual(expect.any(String));
  });

  test('no content or secret canary reaches the handlers’ output', () => {
    expect(leaks(captured)).toEqual([]);
  });

  test('the GPU worker logs carry message ids and no canary', () => {
    expect(workerLogs.length).toBeGreaterThan(0);
    expect(leaks(workerLogs.map((l) => JSON.stringify(l)).join('\n'))).toEqual([]);
    const jobLines = workerLogs.filter((l) => l.messageId !== undefined);
    expect(jobLines.length).toBeGreaterThan(0);
    for (const line of jobLines) expect(line.policyVersion).toEqual(expect.any(String));
  });
});

describe('log hygiene: errors in the functions’ Powertools lines', () => {
  test('an error is written as name, message and code: no stack, cause or attached request data', () => {
    let out = '';
    const stdout = process.stdout.write.bind(process.stdout);
    const stderr = process.stderr.write.bind(process.stderr);
    const grab = ((chunk: unknown) => {
      out += String(chunk);
      return true;
    }) as typeof process.stdout.write;
    // Powertools writes errors to stderr and the rest to stdout.
    process.stdout.write = grab;
    process.stderr.write = grab;
    try {
      const { logger } = createTelemetry({ service: 'winnow-log-hygiene', level: 'info' });
      // What a parser or SDK error can carry: the input in its cause, request data in its own properties.
      const err = Object.assign(new Error('item failed', { cause: new Error(`bad input ${CONTENT.body}`) }), {
        code: 'transient-store',
        $response: { headers: { 'x-amz-security-token': SECRETS.AWS_SESSION_TOKEN } },
      });
      logger.child({ itemId: 's3://bucket/key' }).error('item failed; it will be retried', { error: err });
    } finally {
      process.stdout.write = stdout;
      process.stderr.write = stderr;
    }
    expect(leaks(out)).toEqual([]);
    const line = JSON.parse(out.trim()) as Record<string, unknown>;
    expect(line.error).toEqual({ name: 'Error', message: 'item failed', code: 'transient-store' });
    expect(line.itemId).toBe('s3://bucket/key');
  });
});
