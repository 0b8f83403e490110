import { gzipSync } from 'node:zlib';
import type { AttributeValue, DynamoDBBatchResponse, DynamoDBRecord } from 'aws-lambda';
import { TransientStoreError } from '../../../core/errors';
import type { ActionsResult } from '../../../core/serverless/apply-actions';
import { ActionRequestError, InvalidEventError } from '../../../core/serverless/serverless-errors';
import { verdictInStoredRecord } from '../../../core/serverless/stored-verdict';
import type { Verdict } from '../../../core/verdict/verdict';
import { createActionHandler } from '../../../functions/action-handler';
import { fromStreamImage } from '../../../functions/dynamodb-image';
import { noTelemetry } from '../../../functions/observability';
import type { ActionRuntime } from '../../../functions/runtime';
import { RecordingTarget, sampleVerdict } from './fixtures';

const quarantine = { bucket: 'quarantine', prefix: '' };

function runtime(target: RecordingTarget) {
  const rt: ActionRuntime = {
    target,
    telemetry: noTelemetry,
    options: { quarantine, retry: { tries: 2, sleep: async () => undefined } },
  };
  return async () => rt;
}

/** A verdict table item as the DynamoDB adapter writes it (the verdict as gzipped JSON in `doc`). */
function image(verdict: Verdict): Record<string, AttributeValue> {
  return {
    pk: { S: verdict.item.uri },
    sk: { S: verdict.policy.version },
    decision: { S: verdict.decision },
    createdAt: { S: verdict.createdAt },
    categories: { M: { hate: { S: 'block' } } },
    flagged: { SS: ['hate'] },
    writtenAt: { N: '1764151200000000' },
    doc: { B: gzipSync(JSON.stringify(verdict)).toString('base64') },
  };
}

function streamRecord(
  seq: string,
  newVerdict: Verdict | undefined,
  oldVerdict?: Verdict,
  eventName: 'INSERT' | 'MODIFY' | 'REMOVE' = oldVerdict ? 'MODIFY' : 'INSERT',
): DynamoDBRecord {
  return {
    eventID: `e${seq}`,
    eventName,
    eventSource: 'aws:dynamodb',
    eventSourceARN: 'arn:aws:dynamodb:eu-west-1:111122223333:table/winnow-verdicts/stream/x',
    awsRegion: 'eu-west-1',
    dynamodb: {
      SequenceNumber: seq,
      StreamViewType: 'NEW_AND_OLD_IMAGES',
      ...(newVerdict ? { NewImage: image(newVerdict) } : {}),
      ...(oldVerdict ? { OldImage: image(oldVerdict) } : {}),
    },
  };
}

describe('action handler', () => {
  it('applies the actions of a { verdict } payload and returns what it did', async () => {
    const target = new RecordingTarget();
    const handler = createActionHandler(runtime(target));
    const result = (await handler({ verdict: sampleVerdict() })) as ActionsResult;
    expect(result.steps.map((s) => `${s.action}:${s.status}`)).toEqual([
      'tag:done',
      'quarantine:done',
      'notify:done',
    ]);
    // The verdict may also come as JSON text (a Step Functions state that holds it as a string).
    await handler({ verdict: JSON.stringify(sampleVerdict()) });
    expect(target.calls).toHaveLength(6);
  });

  it('refuses a payload without a valid verdict, naming the fields', async () => {
    const handler = createActionHandler(runtime(new RecordingTarget()));
    await expect(handler({})).rejects.toThrow(InvalidEventError);
    await expect(handler({ verdict: { ...sampleVerdict(), decision: 'maybe' } })).rejects.toThrow(
      /verdict\.decision/,
    );
  });

  it('throws a retryable error from a payload whose actions keep failing', async () => {
    const target = new RecordingTarget();
    target.failures.putEvent = [new TransientStoreError('throttled'), new TransientStoreError('throttled')];
    const handler = createActionHandler(runtime(target));
    await expect(handler({ verdict: sampleVerdict() })).rejects.toMatchObject({
      name: 'ActionsFailedError',
      retryable: true,
    });
  });

  it('handles a verdict table stream, reporting only retryable failures', async () => {
    const target = new RecordingTarget();
    const handler = createActionHandler(runtime(target));
    const v = (uri: string, extra: Partial<Verdict> = {}) =>
      sampleVerdict({ item: { ...sampleVerdict().item, uri }, ...extra });
    const failing = v('s3://uploads/3.png');
    const refused = v('s3://uploads/4.png', { actions: ['quarantine'] });
    // Record 3's tag fails transiently on every try; record 4's copy is refused for good.
    const original = target.tagObject.bind(target);
    target.tagObject = async (object, tags) => {
      if (object.key === '3.png') throw new TransientStoreError('SlowDown');
      return original(object, tags);
    };
    target.copyObject = async (from) => {
      if (from.key === '4.png') throw new ActionRequestError('AccessDenied');
    };
    const response = (await handler({
      Records: [
        streamRecord('1', v('s3://uploads/1.png', { actions: ['notify'] })),
        // A rewrite of the same outcome (a new run, a new time): nothing to do.
        streamRecord('2', v('s3://uploads/2.png', { runId: 'again' }), v('s3://uploads/2.png')),
        streamRecord('3', failing),
        streamRecord('4', refused),
        streamRecord('5', undefined, v('s3://uploads/5.png'), 'REMOVE'),
        streamRecord(
          '6',
          v('s3://uploads/6.png', { decision: 'review', actions: ['notify'] }),
          v('s3://uploads/6.png'),
        ),
      ],
    })) as DynamoDBBatchResponse;
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: '3' }]);
    const events = target.calls
      .filter((c) => c[0] === 'putEvent')
      .map((c) => (c[1] as { detail: { uri: string } }).detail.uri);
    expect(events).toEqual(['s3://uploads/1.png', 's3://uploads/3.png', 's3://uploads/6.png']);
  });
});

describe('sweep verdicts on the stream', () => {
  it('act only when the decision differs from the verdict the sweep replaced', async () => {
    const target = new RecordingTarget();
    const handler = createActionHandler(runtime(target));
    const base = sampleVerdict();
    const swept = (uri: string, previousDecision: Verdict['decision']) =>
      sampleVerdict({
        item: { ...base.item, uri },
        policy: { ...base.policy, version: 'v2' },
        runId: 'sweep-1',
        actions: ['notify'],
        previous: { policyVersion: base.policy.version, decision: previousDecision },
      });
    // A new row (new policy version): no old image on the stream, so `previous` is what tells the two apart.
    await handler({
      Records: [
        streamRecord('1', swept('s3://uploads/same.png', base.decision)),
        streamRecord('2', swept('s3://uploads/changed.png', base.decision === 'allow' ? 'block' : 'allow')),
      ],
    });
    const events = target.calls
      .filter((c) => c[0] === 'putEvent')
      .map((c) => (c[1] as { detail: { uri: string } }).detail.uri);
    expect(events).toEqual(['s3://uploads/changed.png']);
  });
});

describe('stream images', () => {
  it('decode every attribute type', () => {
    expect(
      fromStreamImage({
        s: { S: 'x' },
        n: { N: '0.25' },
        big: { N: '12345678901234567890' },
        b: { BOOL: true },
        nul: { NULL: true },
        m: { M: { l: { L: [{ S: 'a' }, { N: '2' }] } } },
        ss: { SS: ['a', 'b'] },
        ns: { NS: ['1', '2'] },
        bin: { B: Buffer.from('hi').toString('base64') },
      }),
    ).toEqual({
      s: 'x',
      n: 0.25,
      big: '12345678901234567890',
      b: true,
      nul: null,
      m: { l: ['a', 2] },
      ss: ['a', 'b'],
      ns: [1, 2],
      bin: Buffer.from('hi'),
    });
  });

  it('yield the stored verdict, whether gzipped, JSON text or a map', () => {
    const verdict = sampleVerdict();
    expect(verdictInStoredRecord(fromStreamImage(image(verdict)))).toEqual(verdict);
    expect(verdictInStoredRecord({ pk: 'x', json: JSON.stringify(verdict) })).toEqual(verdict);
    expect(verdictInStoredRecord({ pk: 'x', verdict })).toEqual(verdict);
    expect(verdictInStoredRecord({ pk: 'x', doc: Buffer.from('junk') })).toBeUndefined();
  });
});
