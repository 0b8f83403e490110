/** @jest-environment ./test/helpers/onnx-environment.js */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import type { S3EventRecord } from 'aws-lambda';
import { parse as parseYaml } from 'yaml';
import { S3ObjectStore } from '../../adapters/aws';
import { PocketsphinxTranscriber } from '../../core/audio/pocketsphinx-transcriber';
import { defaultPolicyPath, loadPolicy } from '../../core/policy/load-policy';
import { type Verdict, VerdictSchema } from '../../core/verdict/verdict';
import { JOB_SCHEMA_ID, type JobMessage } from '../../core/worker/job-message';
import type { UploadSummary } from '../../functions/upload-handler';
import { AwsHarness, missingEmulators, s3Notification } from './aws-harness';

// Winnow's AWS deployment end to end on emulators (fauxqs: S3 and SQS; dynalite: DynamoDB), through the real
// handlers (functions/upload-handler, functions/fast-queue-handler over functions/wiring.ts) and the real GPU worker
// (dist/gpu-worker/main.js as a child process, and gpu-worker/wiring.ts in this process). Nothing is mocked: the
// only stand-in is the S3 event notification, which no emulator sends, so the harness builds the record S3 would.

const EXAMPLES = join(__dirname, '../../examples');
const EXPECTED = JSON.parse(readFileSync(join(EXAMPLES, 'expected.json'), 'utf8')) as Record<
  string,
  { media: string; expect: string[] }
>;
const TEXTS = readdirSync(join(EXAMPLES, 'text'))
  .filter((f) => f.endsWith('.txt'))
  .map((f) => `text/${f}`);
const IMAGES = readdirSync(join(EXAMPLES, 'images')).map((f) => `images/${f}`);
const HEAVY = ['audio/threat.wav', 'video/clip.mp4'];
/** Keys S3 URL-encodes in its events: spaces, `+`, `%`, reserved characters, non-ASCII. */
const ODD_KEYS = [
  'in/keys/a b+c.txt',
  'in/keys/100% natürlich, café.txt',
  'in/keys/日本語 ファイル.txt',
  'in/keys/emoji 🎉 x=y&z?.txt',
  'in/keys/фото 1+1.jpg',
];

/** A heavy-queue message that is not JSON. */
const POISON_BODY = '{"schema":"winnow.job/v1", not json';

const missing = missingEmulators();
if (missing.length > 0) {
  console.warn(
    `test/e2e/aws-flow: SKIPPED: emulator endpoint(s) not set: ${missing.join(', ')} ` +
      '(test/setup/global-setup.mjs starts fauxqs and dynalite; run through jest)',
  );
}
const describeE2e = missing.length > 0 ? describe.skip : describe;

/** Category ids a verdict flags (review or block), sorted. */
const flagged = (v: Verdict | undefined): string[] =>
  (v?.categories ?? [])
    .filter((c) => c.decision !== 'allow')
    .map((c) => c.id)
    .sort();

/** What examples/expected.json says a correct verdict of an example looks like. */
function expectedOf(path: string, asr: boolean): { flagged: string[]; decision: unknown } {
  const want = EXPECTED[path];
  if (!want) throw new Error(`${path} is not in examples/expected.json`);
  // Without a speech recogniser a video is judged on its pictures only.
  const categories = [
    ...(want.media === 'video' && !asr ? want.expect.filter((c) => c !== 'violence') : want.expect),
  ];
  return {
    flagged: categories.sort(),
    decision: categories.length > 0 ? expect.stringMatching(/^(review|block)$/) : 'allow',
  };
}

/**
 * The default policy with one change: fast-tier image scores of `spam` in [0.1, 0.85) are uncertain. The meme's
 * benign caption scores spam 0.15 (a rule score, so stable), which makes exactly one example image go the
 * uncertain route (pending fast verdict, `uncertain` job, heavy verdict resolving it). Same thresholds, so every
 * decision in expected.json still holds.
 */
function writeE2ePolicy(dir: string): string {
  const policy = parseYaml(readFileSync(defaultPolicyPath(), 'utf8')) as Record<string, unknown>;
  policy.id = 'default-e2e';
  policy.version = `${String(policy.version)}-e2e`;
  policy.escalation = { band: { from: 0.1, to: 0.85 }, media: ['image'], categories: ['spam'] };
  const file = join(dir, 'policy.json');
  writeFileSync(file, JSON.stringify(policy));
  return file;
}

describeE2e('AWS deployment end to end (emulators, real handlers and worker)', () => {
  let h: AwsHarness;
  let work: string;
  let asr = false;
  /** Every object uploaded to the source bucket, by key, with the event record S3 sent for it. */
  const uploaded = new Map<string, S3EventRecord>();
  const timings: Record<string, number> = {};
  let policyVersion: string;

  const verdictOf = (key: string) => h.verdicts.get(h.uri(key), policyVersion);
  const upload = async (key: string, bytes: Buffer | string) => {
    const record = await h.putObject(key, bytes);
    uploaded.set(key, record);
    return record;
  };
  /** Delivers records to the upload function as S3 notifications of up to `per` records; sums the summaries. */
  const notify = async (records: readonly S3EventRecord[], per = 8): Promise<UploadSummary> => {
    const total = { moderated: 0, queued: 0, skipped: 0, invalid: 0 };
    for (let i = 0; i < records.length; i += per) {
      const out = (await h.uploadHandler(s3Notification(records.slice(i, i + per)))) as UploadSummary;
      for (const k of Object.keys(total) as (keyof UploadSummary)[]) total[k] += out[k];
    }
    return total;
  };
  const time = async <T>(label: string, fn: () => Promise<T>): Promise<T> => {
    const t0 = Date.now();
    try {
      return await fn();
    } finally {
      timings[label] = Date.now() - t0;
    }
  };

  let firstRecords: S3EventRecord[];
  let firstSummary: UploadSummary;
  let heavyDepthAfterUpload: { visible: number; inFlight: number };

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'winnow-e2e-'));
    asr = await new PocketsphinxTranscriber().available();
    if (!asr) {
      console.warn(
        'test/e2e/aws-flow: pocketsphinx_continuous is missing: the speech assertions are skipped ' +
          '(apt-get install pocketsphinx pocketsphinx-en-us)',
      );
    }
    h = await time('setup (resources, both functions cold start)', () =>
      AwsHarness.create({ policyFile: writeE2ePolicy(work) }),
    );
    policyVersion = loadPolicy(h.policyFile).version;
    firstRecords = [];
    for (const path of [...TEXTS, ...IMAGES, ...HEAVY]) {
      firstRecords.push(await upload(`in/${path}`, readFileSync(join(EXAMPLES, path))));
    }
    for (const [i, key] of ODD_KEYS.entries()) {
      const bytes = key.endsWith('.jpg')
        ? readFileSync(join(EXAMPLES, 'images/photo.jpg'))
        : `plain note number ${i}: the weekly meeting moved to Thursday`;
      firstRecords.push(await upload(key, bytes));
    }
    firstSummary = await time('upload function: first batch', () => notify(firstRecords));
    heavyDepthAfterUpload = await h.heavyQueue.depth();
  }, 120_000);

  afterAll(async () => {
    console.log(
      `test/e2e/aws-flow timings (ms): ${Object.entries(timings)
        .map(([k, v]) => `${k}: ${v}`)
        .join('; ')}`,
    );
    await h?.dispose();
    rmSync(work, { recursive: true, force: true });
  });

  it('S3 events carry URL-encoded keys, as S3 sends them', () => {
    const keys = firstRecords.map((r) => r.s3.object.key);
    expect(keys).toContain('in/keys/a+b%2Bc.txt');
    expect(keys).toContain('in/keys/100%25+nat%C3%BCrlich%2C+caf%C3%A9.txt');
    for (const r of firstRecords) {
      expect(r).toMatchObject({ eventSource: 'aws:s3', eventName: 'ObjectCreated:Put' });
      expect(r.s3.object.eTag).toMatch(/^[0-9a-f]{32}$/);
      expect(r.s3.object.key).not.toMatch(/ /);
    }
  });

  it('the upload function moderates text and images and queues audio, video and the uncertain image', async () => {
    // Texts, images and odd keys moderated (the uncertain meme too: a pending verdict); audio and video queued.
    expect(firstSummary).toEqual({
      moderated: TEXTS.length + IMAGES.length + ODD_KEYS.length,
      queued: HEAVY.length,
      skipped: 0,
      invalid: 0,
    });
    // One job per heavy item: audio, video, and the meme (uncertain).
    expect(heavyDepthAfterUpload).toEqual({ visible: HEAVY.length + 1, inFlight: 0 });
    for (const path of [...TEXTS, ...IMAGES]) {
      const v = await verdictOf(`in/${path}`);
      expect(VerdictSchema.safeParse(v).success).toBe(true);
      const want = expectedOf(path, asr);
      expect({
        path,
        tier: v?.tier,
        media: v?.item.media,
        flagged: flagged(v),
        decision: v?.decision,
      }).toEqual({
        path,
        tier: 'fast',
        media: EXPECTED[path]?.media,
        ...want,
      });
      expect(v?.runId).toBe(h.traceIdOf(uploaded.get(`in/${path}`) as S3EventRecord));
    }
    const meme = await verdictOf('in/images/meme.png');
    expect(meme?.escalation).toMatchObject({ status: 'pending' });
    for (const path of IMAGES.filter((p) => p !== 'images/meme.png')) {
      expect({ path, escalation: (await verdictOf(`in/${path}`))?.escalation }).toEqual({ path });
    }
    for (const path of HEAVY) expect(await verdictOf(`in/${path}`)).toBeUndefined();
  });

  it('keys with spaces, +, % and non-ASCII characters are decoded to the exact S3 key', async () => {
    for (const key of ODD_KEYS) {
      const v = await verdictOf(key);
      expect({ key, uri: v?.item.uri, decision: v?.decision }).toEqual({
        key,
        uri: h.uri(key),
        decision: 'allow',
      });
    }
  });

  it('the GPU worker (dist/gpu-worker/main.js) drains the heavy queue and writes heavy verdicts to DynamoDB', async () => {
    const run = await time('GPU worker process: first heavy batch', () => h.runWorkerProcess());
    const written = run.logs.filter((l) => l.msg === 'verdict written');
    expect(written.map((l) => `${l.itemId} ${l.reason}`).sort()).toEqual(
      [
        `${h.uri('in/audio/threat.wav')} media-audio`,
        `${h.uri('in/images/meme.png')} uncertain`,
        `${h.uri('in/video/clip.mp4')} media-video`,
      ].sort(),
    );
    expect(run.logs.find((l) => l.msg === 'storage')).toMatchObject({
      verdicts: 'dynamodb',
      cache: 'dynamodb',
    });
    expect(await h.heavyQueueEmpty()).toBe(true);
    expect(await h.receiveAll(h.heavyQueues.deadLetterQueueUrl)).toEqual([]);

    const clip = await verdictOf('in/video/clip.mp4');
    expect(clip).toMatchObject({ tier: 'heavy', cached: false, item: { media: 'video' } });
    expect(clip?.runId).toBe(h.traceIdOf(uploaded.get('in/video/clip.mp4') as S3EventRecord));
    expect(clip?.segments.length).toBeGreaterThan(0);
    expect({ flagged: flagged(clip), decision: clip?.decision }).toEqual(expectedOf('video/clip.mp4', asr));

    const threat = await verdictOf('in/audio/threat.wav');
    expect(threat).toMatchObject({ tier: 'heavy', item: { media: 'audio' } });
    if (asr) {
      expect({ flagged: flagged(threat), decision: threat?.decision }).toEqual(
        expectedOf('audio/threat.wav', asr),
      );
      expect(threat?.segments.length).toBeGreaterThan(0);
    } else {
      console.warn('test/e2e/aws-flow: no pocketsphinx: threat.wav is not checked for violence');
      expect(threat).toMatchObject({ decision: 'error', error: { code: 'detectors-skipped' } });
    }

    // The uncertain image: the heavy verdict replaced the pending fast one.
    const meme = await verdictOf('in/images/meme.png');
    expect(meme).toMatchObject({ tier: 'heavy', decision: 'allow' });
    expect(meme?.escalation?.status).not.toBe('pending');
    expect(meme?.runId).toBe(h.traceIdOf(uploaded.get('in/images/meme.png') as S3EventRecord));
  }, 120_000);

  // KNOWN GAP (core/worker/moderation-job-handler.ts): the worker writes the heavy verdict of an `uncertain` job
  // without `escalation: { status: 'resolved', from: 'fast' }`, which docs/policy.md promises and which the action
  // function relies on to re-mark the object (core/serverless/apply-actions.ts `plannedActions`), so the pending
  // fast verdict's marker outlives an `allow` from the heavy tier. Drop `.failing` once the handler sets it.
  it('the heavy verdict of an uncertain image says it resolved the escalation', async () => {
    expect(await verdictOf('in/images/meme.png')).toMatchObject({
      tier: 'heavy',
      escalation: { status: 'resolved', from: 'fast' },
    });
  });

  it('(e) the same S3 event delivered again is moderated once, heavy items included', async () => {
    const before = new Map(
      await Promise.all(
        firstRecords.map(async (r) => [r.s3.object.key, await verdictOf(decodeKey(r))] as const),
      ),
    );
    const again = await time('upload function: redelivery', () => notify(firstRecords));
    expect(again).toEqual({ moderated: 0, queued: 0, skipped: firstRecords.length, invalid: 0 });
    // Nothing rewritten, and no second heavy job.
    for (const r of firstRecords) {
      expect(await verdictOf(decodeKey(r))).toEqual(before.get(r.s3.object.key));
    }
    expect(await h.heavyQueue.depth()).toEqual({ visible: 0, inFlight: 0 });
  });

  it('(a) identical content under a new key reuses the cached scores (fast and heavy tiers)', async () => {
    const records = [
      await upload(
        'copies/violence-threat copy.txt',
        readFileSync(join(EXAMPLES, 'text/violence-threat.txt')),
      ),
      await upload('copies/scam-text copy.png', readFileSync(join(EXAMPLES, 'images/scam-text.png'))),
      await upload('copies/threat copy.wav', readFileSync(join(EXAMPLES, 'audio/threat.wav'))),
    ];
    expect(await notify(records)).toEqual({ moderated: 2, queued: 1, skipped: 0, invalid: 0 });
    await time('GPU worker in process: cache run (incl. model load)', () => h.runWorker());
    const text = await verdictOf('copies/violence-threat copy.txt');
    expect(text).toMatchObject({
      cached: true,
      tier: 'fast',
      decision: (await verdictOf('in/text/violence-threat.txt'))?.decision,
    });
    const image = await verdictOf('copies/scam-text copy.png');
    expect(image).toMatchObject({ cached: true, tier: 'fast', decision: 'block' });
    const audio = await verdictOf('copies/threat copy.wav');
    const original = await verdictOf('in/audio/threat.wav');
    expect(audio).toMatchObject({ cached: true, tier: 'heavy', decision: original?.decision });
    expect(flagged(audio)).toEqual(flagged(original));
  }, 90_000);

  it('(b) poison objects get an error verdict with a code, never a crash', async () => {
    const clip = readFileSync(join(EXAMPLES, 'video/clip.mp4'));
    const png = readFileSync(join(EXAMPLES, 'images/drawing.png'));
    const records = [
      await upload('poison/garbage.png', randomBytes(3000)),
      await upload('poison/broken.png', Buffer.concat([png.subarray(0, 64), randomBytes(2000)])),
      await upload('poison/truncated.mp4', clip.subarray(0, 6000)),
      await upload('poison/empty.txt', Buffer.alloc(0)),
    ];
    const summary = await notify(records);
    expect(summary).toEqual({ moderated: 3, queued: 1, skipped: 0, invalid: 0 });
    await time('GPU worker in process: poison run', () => h.runWorker());
    const expected: Record<string, [tier: string, code: string]> = {
      'poison/garbage.png': ['fast', 'unsupported-media'],
      'poison/broken.png': ['fast', 'corrupt-media'],
      'poison/truncated.mp4': ['heavy', 'corrupt-media'],
      'poison/empty.txt': ['fast', 'empty-item'],
    };
    for (const [key, [tier, code]] of Object.entries(expected)) {
      const v = await verdictOf(key);
      expect({
        key,
        decision: v?.decision,
        tier: v?.tier,
        code: v?.error?.code,
        retryable: v?.error?.retryable,
      }).toEqual({ key, decision: 'error', tier, code, retryable: false });
      expect(VerdictSchema.safeParse(v).success).toBe(true);
    }
    // The truncated video still sniffed as video, so it went the heavy route and failed there.
    expect((await verdictOf('poison/truncated.mp4'))?.item.media).toBe('video');
  }, 90_000);

  it('(c) a poison message on the heavy queue ends in its dead-letter queue and the worker goes on', async () => {
    const record = await upload('after-poison/speech.wav', readFileSync(join(EXAMPLES, 'audio/speech.wav')));
    await h.clients.sqs.send(
      new SendMessageCommand({ QueueUrl: h.heavyQueues.queueUrl, MessageBody: POISON_BODY }),
    );
    const invalidJob: Omit<JobMessage, 'traceId'> = {
      schema: JOB_SCHEMA_ID,
      item: { uri: h.uri('after-poison/speech.wav') },
      reason: 'manual',
      policy: { id: 'default-e2e', version: policyVersion },
      enqueuedAt: new Date().toISOString(),
    };
    await h.heavyQueue.sendBatch([invalidJob]);
    // A valid job behind the poison: the upload function queues the audio.
    expect(await notify([record])).toMatchObject({ queued: 1 });
    const run = await time('GPU worker in process: poison-message run', () => h.runWorker());
    expect(run.result).toMatchObject({ deadLettered: 2, processed: 1 });
    // Moved byte for byte: the body that is not JSON, and the job that fails validation.
    const dead = await h.receiveAll(h.heavyQueues.deadLetterQueueUrl);
    expect(dead.sort()).toEqual([POISON_BODY, JSON.stringify(invalidJob)].sort());
    expect(await verdictOf('after-poison/speech.wav')).toMatchObject({
      tier: 'heavy',
      item: { media: 'audio' },
    });
  }, 90_000);

  it('the fast-queue function takes S3 events wrapped in SQS records and reports no failures for good records', async () => {
    const records = [
      await upload('via-queue/note one.txt', 'the parcel arrives on Monday morning'),
      await upload('via-queue/insult+1.txt', readFileSync(join(EXAMPLES, 'text/harassment-insult.txt'))),
      await upload('via-queue/sticker.webp', readFileSync(join(EXAMPLES, 'images/sticker.webp'))),
    ];
    const bodies = [
      ...records.map((r) => JSON.stringify(s3Notification([r]))),
      // A body that is neither an S3 event nor a job: logged and dropped, never retried.
      'not json at all',
    ];
    const event = await h.fastQueueEvent(bodies);
    const response = await time('fast-queue function: one batch', () => h.deliverToFastQueueFunction(event));
    expect(response).toEqual({ batchItemFailures: [] });
    expect(await h.fastQueue.depth()).toEqual({ visible: 0, inFlight: 0 });
    expect(await verdictOf('via-queue/note one.txt')).toMatchObject({ decision: 'allow', tier: 'fast' });
    expect(flagged(await verdictOf('via-queue/insult+1.txt'))).toEqual(
      expectedOf('text/harassment-insult.txt', asr).flagged,
    );
    expect(await verdictOf('via-queue/sticker.webp')).toMatchObject({ decision: 'allow', cached: true });
  });

  it('objects under the quarantine location are never moderated', async () => {
    const record = await h.putObject(
      'winnow/some-bucket/x.txt',
      'copied by the quarantine action',
      h.quarantine.bucket,
    );
    expect(await h.uploadHandler(s3Notification([record]))).toEqual({
      moderated: 0,
      queued: 0,
      skipped: 1,
      invalid: 0,
    });
    expect(await h.verdicts.get(h.uri('winnow/some-bucket/x.txt', h.quarantine.bucket))).toBeUndefined();
  });

  it('(d) nothing is lost: every uploaded object has exactly one verdict, found by its run and its URI', async () => {
    const listed: string[] = [];
    const store = new S3ObjectStore({ client: h.clients.s3, bucket: h.source.bucket });
    let cursor: string | undefined;
    do {
      const page = await store.list({ cursor });
      listed.push(...page.items.map((i) => i.key));
      cursor = page.cursor;
    } while (cursor);
    expect(listed.sort()).toEqual([...uploaded.keys()].sort());

    const all = await h.allVerdicts();
    // Count in = count out: one verdict per object, all for this policy version, none for anything else.
    expect(all).toHaveLength(uploaded.size);
    expect(new Set(all.map((v) => v.item.uri))).toEqual(new Set([...uploaded.keys()].map((k) => h.uri(k))));
    for (const v of all) expect(v.policy.version).toBe(policyVersion);
    for (const [key, record] of uploaded) {
      const byRun = await h.verdictsOfRun(h.traceIdOf(record));
      expect({ key, uris: byRun.map((v) => v.item.uri) }).toEqual({ key, uris: [h.uri(key)] });
    }
  });
});

function decodeKey(record: S3EventRecord): string {
  return decodeURIComponent(record.s3.object.key.replace(/\+/g, ' '));
}
