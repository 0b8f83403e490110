import { objectVersionToken } from '../../../core/serverless/object-version';
import { s3EventsIn } from '../../../core/serverless/s3-events';
import {
  decodeS3EventKey,
  parseS3Prefix,
  parseS3Uri,
  quarantineLocation,
  s3ObjectArn,
  s3Uri,
} from '../../../core/serverless/s3-location';
import { InvalidEventError } from '../../../core/serverless/serverless-errors';
import { eventBridgeEvent, s3Event, s3Record } from './fixtures';

describe('decodeS3EventKey', () => {
  it.each([
    ['a+b.txt', 'a b.txt'],
    ['caf%C3%A9.png', 'café.png'],
    ['%2B.txt', '+.txt'],
    ['dir/my+report+%282%29.txt', 'dir/my report (2).txt'],
    ['a%20b.txt', 'a b.txt'],
    ['plain/key.jpg', 'plain/key.jpg'],
    ['100%25+sure.txt', '100% sure.txt'],
  ])('decodes %s as %s', (raw, key) => {
    expect(decodeS3EventKey(raw)).toBe(key);
  });

  it('refuses a malformed escape with an InvalidEventError', () => {
    expect(() => decodeS3EventKey('bad%E9.txt')).toThrow(InvalidEventError);
    expect(() => decodeS3EventKey('bad%zz')).toThrow(/URL encoding/);
  });
});

describe('S3 URIs and locations', () => {
  it('keeps the key verbatim in the URI and parses it back', () => {
    for (const key of ['a b.txt', '+.txt', 'café.png', 'dir/x?y#z%41.txt']) {
      const uri = s3Uri({ bucket: 'uploads', key });
      expect(uri).toBe(`s3://uploads/${key}`);
      expect(parseS3Uri(uri)).toEqual({ bucket: 'uploads', key });
    }
    expect(parseS3Uri('file:///x.txt')).toBeUndefined();
    expect(parseS3Uri('s3://uploads/')).toBeUndefined();
  });

  it('parses a quarantine location with or without a prefix', () => {
    expect(parseS3Prefix('quarantine')).toEqual({ bucket: 'quarantine', prefix: '' });
    expect(parseS3Prefix('s3://quarantine/held')).toEqual({ bucket: 'quarantine', prefix: 'held/' });
    expect(parseS3Prefix('quarantine/held/')).toEqual({ bucket: 'quarantine', prefix: 'held/' });
    expect(() => parseS3Prefix('x')).toThrow(/bucket name/);
  });

  it('quarantines to a deterministic key, hashing keys that would be too long', () => {
    const q = { bucket: 'q', prefix: 'held/' };
    expect(quarantineLocation({ bucket: 'up', key: 'a b.png' }, q)).toEqual({
      bucket: 'q',
      key: 'held/up/a b.png',
    });
    const long = quarantineLocation({ bucket: 'up', key: 'k'.repeat(1020) }, q);
    expect(long.key).toMatch(/^held\/up\/_long\/[0-9a-f]{64}$/);
    expect(quarantineLocation({ bucket: 'up', key: 'k'.repeat(1020) }, q)).toEqual(long);
  });

  it('builds object ARNs', () => {
    expect(s3ObjectArn({ bucket: 'b', key: 'a b.txt' })).toBe('arn:aws:s3:::b/a b.txt');
    expect(s3ObjectArn({ bucket: 'b', key: 'k' }, 'aws-cn')).toBe('arn:aws-cn:s3:::b/k');
  });
});

describe('s3EventsIn', () => {
  it('reads object creations from a notification, decoding keys', () => {
    const batch = s3EventsIn(
      s3Event([
        s3Record('uploads', 'a+b.txt', { size: 3, versionId: 'v1' }),
        s3Record('uploads', 'caf%C3%A9.png', { size: 10, eTag: '"abc"' }),
        s3Record('uploads', 'gone.txt', { eventName: 'ObjectRemoved:Delete' }),
      ]),
    );
    expect(batch).toEqual({
      objects: [
        { bucket: 'uploads', key: 'a b.txt', size: 3, versionId: 'v1', eventName: 'ObjectCreated:Put' },
        { bucket: 'uploads', key: 'café.png', size: 10, etag: 'abc', eventName: 'ObjectCreated:Put' },
      ],
      ignored: 1,
      invalid: [],
    });
  });

  it('reports a malformed record without losing the others', () => {
    const batch = s3EventsIn(s3Event([s3Record('uploads', 'bad%zz'), s3Record('uploads', 'ok.txt')]));
    expect(batch?.objects.map((o) => o.key)).toEqual(['ok.txt']);
    expect(batch?.invalid).toEqual([expect.stringMatching(/^record 0: .*URL encoding/)]);
  });

  it('unwraps SNS (Lambda event and SQS envelope) and reads EventBridge events', () => {
    const inner = JSON.stringify(s3Event([s3Record('uploads', 'x+y.txt')]));
    const viaLambdaSns = { Records: [{ EventSource: 'aws:sns', Sns: { Message: inner } }] };
    const viaSqsEnvelope = { Type: 'Notification', Message: inner };
    for (const payload of [viaLambdaSns, viaSqsEnvelope]) {
      expect(s3EventsIn(payload)?.objects.map((o) => o.key)).toEqual(['x y.txt']);
    }
    expect(s3EventsIn(eventBridgeEvent('uploads', 'dir/a+b.txt', { size: 4, 'version-id': 'v9' }))).toEqual({
      objects: [{ bucket: 'uploads', key: 'dir/a b.txt', size: 4, versionId: 'v9', eventName: 'PutObject' }],
      ignored: 0,
      invalid: [],
    });
    const deleted = { ...eventBridgeEvent('uploads', 'a.txt'), 'detail-type': 'Object Deleted' };
    expect(s3EventsIn(deleted)).toEqual({ objects: [], ignored: 1, invalid: [] });
  });

  it('ignores the S3 test event and recognises nothing else', () => {
    expect(s3EventsIn({ Service: 'Amazon S3', Event: 's3:TestEvent' })).toEqual({
      objects: [],
      ignored: 1,
      invalid: [],
    });
    expect(s3EventsIn({ hello: 'world' })).toBeUndefined();
    expect(s3EventsIn({ Records: [{ eventSource: 'aws:sqs', body: '{}' }] })).toBeUndefined();
    expect(s3EventsIn('text')).toBeUndefined();
  });
});

describe('objectVersionToken', () => {
  const base = { bucket: 'b', key: 'k', eventName: 'ObjectCreated:Put' };
  it('identifies a version by version id, else by ETag', () => {
    const v1 = objectVersionToken({ ...base, versionId: 'v1', etag: 'e' });
    expect(v1).toMatch(/^s3obj-[0-9a-f]{32}$/);
    expect(objectVersionToken({ ...base, versionId: 'v1', etag: 'other' })).toBe(v1);
    expect(objectVersionToken({ ...base, versionId: 'v2', etag: 'e' })).not.toBe(v1);
    expect(objectVersionToken({ ...base, versionId: 'null', etag: 'e' })).toBe(
      objectVersionToken({ ...base, etag: 'e' }),
    );
    expect(objectVersionToken({ ...base, key: 'k2', versionId: 'v1' })).not.toBe(v1);
    expect(objectVersionToken(base)).toBeUndefined();
  });
});
