import type { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { S3Client } from '@aws-sdk/client-s3';
import { TransientStoreError } from '../../../core/errors';
import { verdictEvent } from '../../../core/serverless/apply-actions';
import { ActionRequestError, ObjectMissingError } from '../../../core/serverless/serverless-errors';
import { AwsActionTarget, copySource } from '../../../functions/aws-action-target';
import { sampleVerdict } from './fixtures';

type Sent = { command: string; input: Record<string, unknown> };

/** A stand-in SDK client: answers each command by name, records what was sent. */
function stubClient(answers: Record<string, (input: Record<string, unknown>) => unknown>) {
  const sent: Sent[] = [];
  const client = {
    send: async (command: { constructor: { name: string }; input: Record<string, unknown> }) => {
      const name = command.constructor.name;
      sent.push({ command: name, input: command.input });
      const answer = answers[name];
      if (!answer) throw new Error(`unexpected ${name}`);
      return answer(command.input);
    },
  };
  return { client, sent };
}

function sdkError(name: string, status: number): Error {
  return Object.assign(new Error(name), { name, $metadata: { httpStatusCode: status } });
}

const object = { bucket: 'uploads', key: 'dir/a b.png' };
const tags = { 'winnow:decision': 'block', 'winnow:categories': 'hate', 'winnow:policy-version': '1' };

function target(s3: ReturnType<typeof stubClient>, events = stubClient({}), eventBusName?: string) {
  return new AwsActionTarget({
    s3: s3.client as unknown as S3Client,
    events: events.client as unknown as EventBridgeClient,
    eventBusName,
  });
}

describe('AwsActionTarget', () => {
  it('merges its tags with the object’s own, and skips a repeat', async () => {
    let stored = [{ Key: 'owner', Value: 'team-a' }];
    const s3 = stubClient({
      GetObjectTaggingCommand: () => ({ TagSet: stored }),
      PutObjectTaggingCommand: (input) => {
        stored = (input.Tagging as { TagSet: typeof stored }).TagSet;
        return {};
      },
    });
    await target(s3).tagObject(object, tags);
    expect(stored).toEqual([
      { Key: 'owner', Value: 'team-a' },
      ...Object.entries(tags).map(([Key, Value]) => ({ Key, Value })),
    ]);
    await target(s3).tagObject(object, tags);
    expect(s3.sent.map((s) => s.command)).toEqual([
      'GetObjectTaggingCommand',
      'PutObjectTaggingCommand',
      'GetObjectTaggingCommand',
    ]);
  });

  it('refuses to pass the limit of 10 tags', async () => {
    const full = Array.from({ length: 9 }, (_, i) => ({ Key: `k${i}`, Value: 'v' }));
    const s3 = stubClient({ GetObjectTaggingCommand: () => ({ TagSet: full }) });
    await expect(target(s3).tagObject(object, tags)).rejects.toThrow(ActionRequestError);
  });

  it('copies to quarantine with the verdict metadata and the source’s content type, once', async () => {
    const heads: Record<string, unknown> = {
      'uploads/dir/a b.png': {
        ETag: '"e1"',
        ContentType: 'image/png',
        ContentLength: 10,
        Metadata: { x: '1' },
      },
    };
    const s3 = stubClient({
      HeadObjectCommand: (input) => {
        const head = heads[`${input.Bucket}/${input.Key}`];
        if (!head) throw sdkError('NotFound', 404);
        return head;
      },
      CopyObjectCommand: (input) => {
        heads[`${input.Bucket}/${input.Key}`] = { Metadata: input.Metadata };
        return {};
      },
    });
    const to = { bucket: 'quarantine', key: 'uploads/dir/a b.png' };
    await target(s3).copyObject(object, to, { 'winnow-decision': 'block' });
    const copy = s3.sent.find((s) => s.command === 'CopyObjectCommand')?.input;
    expect(copy).toEqual({
      Bucket: 'quarantine',
      Key: 'uploads/dir/a b.png',
      CopySource: 'uploads/dir/a%20b.png',
      CopySourceIfMatch: '"e1"',
      MetadataDirective: 'REPLACE',
      Metadata: { 'winnow-decision': 'block' },
      ContentType: 'image/png',
      TaggingDirective: 'REPLACE',
    });
    await target(s3).copyObject(object, to, { 'winnow-decision': 'block' });
    expect(s3.sent.filter((s) => s.command === 'CopyObjectCommand')).toHaveLength(1);
  });

  it('copies in place keeping the object’s metadata and tags', async () => {
    const s3 = stubClient({
      HeadObjectCommand: () => ({
        ETag: '"e1"',
        ContentType: 'text/plain',
        Metadata: { owner: 'a' },
        StorageClass: 'STANDARD_IA',
      }),
      CopyObjectCommand: () => ({}),
    });
    await target(s3).copyObject(object, object, { 'winnow-decision': 'review' });
    expect(s3.sent.find((s) => s.command === 'CopyObjectCommand')?.input).toMatchObject({
      Bucket: 'uploads',
      Key: 'dir/a b.png',
      Metadata: { owner: 'a', 'winnow-decision': 'review' },
      TaggingDirective: 'COPY',
      StorageClass: 'STANDARD_IA',
    });
  });

  it('maps SDK failures: missing, transient, changed meanwhile, refused', async () => {
    const missing = stubClient({
      HeadObjectCommand: () => {
        throw sdkError('NotFound', 404);
      },
    });
    await expect(target(missing).copyObject(object, { bucket: 'q', key: 'k' }, { a: 'b' })).rejects.toThrow(
      ObjectMissingError,
    );
    const slow = stubClient({
      GetObjectTaggingCommand: () => {
        throw sdkError('SlowDown', 503);
      },
    });
    await expect(target(slow).tagObject(object, tags)).rejects.toThrow(TransientStoreError);
    const changed = stubClient({
      HeadObjectCommand: () => ({ ETag: '"e1"' }),
      CopyObjectCommand: () => {
        throw sdkError('PreconditionFailed', 412);
      },
    });
    await expect(target(changed).copyObject(object, object, { a: 'b' })).rejects.toThrow(TransientStoreError);
    const denied = stubClient({
      GetObjectTaggingCommand: () => {
        throw sdkError('AccessDenied', 403);
      },
    });
    await expect(target(denied).tagObject(object, tags)).rejects.toThrow(ActionRequestError);
  });

  it('puts the verdict event on the configured bus and maps refused entries', async () => {
    const events = stubClient({
      PutEventsCommand: () => ({ FailedEntryCount: 0, Entries: [{ EventId: '1' }] }),
    });
    const event = verdictEvent(sampleVerdict());
    await target(stubClient({}), events, 'winnow-bus').putEvent(event);
    const entry = (events.sent[0]?.input.Entries as Record<string, unknown>[] | undefined)?.[0];
    expect(entry).toEqual({
      Source: 'winnow',
      DetailType: 'Verdict',
      Detail: JSON.stringify(event.detail),
      Resources: ['arn:aws:s3:::uploads/dir/a b.png'],
      EventBusName: 'winnow-bus',
    });
    const throttled = stubClient({
      PutEventsCommand: () => ({ FailedEntryCount: 1, Entries: [{ ErrorCode: 'ThrottlingException' }] }),
    });
    await expect(target(stubClient({}), throttled).putEvent(event)).rejects.toThrow(TransientStoreError);
    const refused = stubClient({
      PutEventsCommand: () => ({ FailedEntryCount: 1, Entries: [{ ErrorCode: 'AccessDeniedException' }] }),
    });
    await expect(target(stubClient({}), refused).putEvent(event)).rejects.toThrow(ActionRequestError);
  });

  it('encodes copy sources segment by segment', () => {
    expect(copySource({ bucket: 'b', key: 'a b/c+d/é?.png' })).toBe('b/a%20b/c%2Bd/%C3%A9%3F.png');
  });
});
