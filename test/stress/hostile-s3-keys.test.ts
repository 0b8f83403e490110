/** @jest-environment ./test/helpers/onnx-environment.js */
/**
 * Hostile S3 object keys through the real upload Lambda handler: objects uploaded to the S3 emulator (fauxqs) under
 * keys with `+`, `%`, spaces, strings that look URL-encoded already, unicode in both normal forms, right-to-left text
 * and overrides, combining marks, emoji, reserved characters, and a key of exactly 1,024 UTF-8 bytes (S3's maximum).
 * Each S3 event carries the key URL-encoded as S3 sends it (a space as `+`, a `+` as `%2B`); the handler must decode
 * it once, read that object, and store its verdict under the exact key. Every object's text differs, and every other
 * one holds a threat, so a verdict filed under a neighbour's key, or computed from a neighbour's bytes, shows.
 *
 * Uses test/e2e/aws-harness.ts (fauxqs, dynalite, the functions wired by functions/wiring.ts), read-only.
 */
import { createHash } from 'node:crypto';
import type { S3EventRecord } from 'aws-lambda';
import { loadPolicy } from '../../core/policy/load-policy';
import { type Verdict, VerdictSchema } from '../../core/verdict/verdict';
import type { UploadSummary } from '../../functions/upload-handler';
import { AwsHarness, encodeS3EventKey, missingEmulators, s3Notification } from '../e2e/aws-harness';
import { STRESS } from '../helpers/stress-scale';

const THREAT = 'I will kill you';

/** A key of exactly `bytes` UTF-8 bytes: a prefix, 1-, 2-, 3- and 4-byte characters, padded with ASCII. */
function keyOfBytes(bytes: number, prefix = 'hostile/long/'): string {
  const pieces = ['é', '日', '🎉', 'ش', 'a', '\u0301', ' ', '+', '%'];
  let key = prefix;
  for (let i = 0; Buffer.byteLength(`${key}.txt`) < bytes - 8; i++) key += pieces[i % pieces.length];
  while (Buffer.byteLength(`${key}.txt`) < bytes) key += 'x';
  return `${key}.txt`;
}

const BASE_KEYS: readonly string[] = [
  'hostile/plus+sign.txt',
  'hostile/a b+c d.txt',
  'hostile/+',
  'hostile/ leading and trailing space .txt ',
  'hostile/100% done.txt',
  'hostile/%',
  'hostile/%%25%2B%20%zz.txt',
  'hostile/%E2%82%AC looks encoded.txt',
  'hostile/a+b%2Bc%252B.txt',
  'hostile/ünïcödé/naïve café.txt',
  'hostile/ünïcödé/naïve cafe\u0301.txt',
  'hostile/日本語/ファイル 名.txt',
  'hostile/rtl/\u202etxt.exe',
  'hostile/rtl/שלום עולם.txt',
  'hostile/rtl/مرحبا بالعالم.txt',
  'hostile/rtl/\u2067mixed עברית and English\u2069.txt',
  'hostile/marks/z\u0338a\u0338l\u0338g\u0338o\u0338 \u0e01\u0e34\u0e4a.txt',
  'hostile/emoji/🎉 party 👩\u200d👩\u200d👧.txt',
  "hostile/reserved/a=b&c?d#e;f,g:h@i$j!k'l(m)n*o~p[q]r{s}t^u`v|w.txt",
  'hostile//double//slash.txt',
  'hostile/tab\there.txt',
  keyOfBytes(1024),
];

/** At full scale, more variants of every shape: longer unicode runs and every printable ASCII character. */
const FULL_KEYS: readonly string[] = [
  ...Array.from({ length: 95 }, (_, i) => `hostile/ascii/char-${i}-${String.fromCharCode(32 + i)}.txt`),
  keyOfBytes(1024, 'hostile/long2/'),
  keyOfBytes(1023, 'hostile/long3/'),
  `hostile/nfd/${'e\u0301'.repeat(100)}.txt`,
  `hostile/rlo/${'\u202e'.repeat(50)}x.txt`,
];

const KEYS: readonly string[] = STRESS ? [...BASE_KEYS, ...FULL_KEYS] : BASE_KEYS;

/** The object under key number `i`: its own text, a threat in every other one. */
const bodyOf = (i: number) => (i % 2 === 1 ? `${THREAT} (object ${i})` : `a plain note, object ${i}`);
const expectedDecision = (i: number) => (i % 2 === 1 ? 'block' : 'allow');

const missing = missingEmulators();
if (missing.length > 0) {
  console.warn(
    `test/stress/hostile-s3-keys: SKIPPED: emulator endpoint(s) not set: ${missing.join(', ')} ` +
      '(test/setup/global-setup.mjs starts fauxqs and dynalite; run through jest)',
  );
}
const describeS3 = missing.length > 0 ? describe.skip : describe;

describeS3('hostile S3 keys through the upload function', () => {
  let h: AwsHarness;
  let policyVersion: string;
  const records = new Map<string, S3EventRecord>();
  const summaries: UploadSummary[] = [];

  beforeAll(async () => {
    h = await AwsHarness.create();
    policyVersion = loadPolicy(h.policyFile).version;
    for (const [i, key] of KEYS.entries()) records.set(key, await h.putObject(key, bodyOf(i)));
    // S3 sends one record per notification.
    for (const key of KEYS) {
      summaries.push(
        (await h.uploadHandler(s3Notification([records.get(key) as S3EventRecord]))) as UploadSummary,
      );
    }
  }, 180_000);

  afterAll(async () => {
    await h?.dispose();
  });

  it('the keys are the hostile ones: +, %, spaces, unicode in both normal forms, RTL, marks, 1,024 bytes', () => {
    expect(new Set(KEYS).size).toBe(KEYS.length);
    expect(KEYS.filter((k) => Buffer.byteLength(k, 'utf8') === 1024).length).toBeGreaterThanOrEqual(1);
    expect(Math.max(...KEYS.map((k) => Buffer.byteLength(k, 'utf8')))).toBe(1024);
    expect('hostile/ünïcödé/naïve café.txt'.normalize('NFD')).not.toBe('hostile/ünïcödé/naïve café.txt');
    for (const want of ['+', '%', ' ', '\u202e', '\u0301', 'ש'])
      expect(KEYS.some((k) => k.includes(want))).toBe(true);
  });

  it('each event carries the key URL-encoded as S3 sends it', () => {
    for (const key of KEYS) {
      const sent = (records.get(key) as S3EventRecord).s3.object.key;
      expect({ key, sent }).toEqual({ key, sent: encodeS3EventKey(key) });
      expect(sent).not.toMatch(/[ \u0080-\uffff]/);
      expect(decodeURIComponent(sent.replace(/\+/g, ' '))).toBe(key);
    }
    expect(records.get('hostile/a b+c d.txt')?.s3.object.key).toBe('hostile/a+b%2Bc+d.txt');
    expect(records.get('hostile/100% done.txt')?.s3.object.key).toBe('hostile/100%25+done.txt');
  });

  it('the upload function moderates every object and reports no invalid record', () => {
    const total = summaries.reduce(
      (a, s) => ({
        moderated: a.moderated + s.moderated,
        queued: a.queued + s.queued,
        skipped: a.skipped + s.skipped,
        invalid: a.invalid + s.invalid,
      }),
      { moderated: 0, queued: 0, skipped: 0, invalid: 0 },
    );
    expect(total).toEqual({ moderated: KEYS.length, queued: 0, skipped: 0, invalid: 0 });
  });

  it('every verdict is stored under the exact key, for that object’s bytes, with the right decision', async () => {
    const bad: string[] = [];
    for (const [i, key] of KEYS.entries()) {
      const v: Verdict | undefined = await h.verdicts.get(h.uri(key), policyVersion);
      const label = JSON.stringify(key);
      if (!v) {
        bad.push(`${label}: no verdict under the exact key`);
        continue;
      }
      if (!VerdictSchema.safeParse(v).success) bad.push(`${label}: verdict not schema-valid`);
      if (v.item.uri !== h.uri(key)) bad.push(`${label}: verdict names ${JSON.stringify(v.item.uri)}`);
      const sha = createHash('sha256').update(bodyOf(i)).digest('hex');
      if (v.item.sha256 !== sha) bad.push(`${label}: verdict of other bytes`);
      if (v.decision !== expectedDecision(i)) {
        bad.push(`${label}: ${v.decision}${v.error ? ` ${v.error.code}: ${v.error.message}` : ''}`);
      }
    }
    expect(bad).toEqual([]);
  });

  it('no verdict lands under a mangled key: exactly one verdict per object in the table', async () => {
    const all = await h.allVerdicts();
    const uris = all.map((v) => v.item.uri).sort();
    expect(uris).toEqual(KEYS.map((k) => h.uri(k)).sort());
  });
});
