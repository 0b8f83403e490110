import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { JOB_SCHEMA_ID, type JobMessage } from '../../core/worker/job-message';

const TEXTS = join(__dirname, '../../examples/text');

/** One item of the run: an S3 object, moderated by the fast tier (an upload) or the heavy tier (a backfill job). */
export interface FaultItem {
  readonly key: string;
  readonly uri: string;
  /** The example text it copies: items of one template must get the same decision. */
  readonly template: string;
  readonly route: 'fast' | 'heavy';
  /** The fast tier's trace (the object version token) or the job's trace id; the verdict's `runId`. */
  traceId?: string;
  /** The message body: an S3 event notification (fast) or a job (heavy). */
  body?: string;
}

/**
 * `count` items over the example texts (benign, review and block ones; several call for quarantine and notify),
 * every fourth one routed to the heavy tier. Keys are numbered, so every item is its own object.
 */
export function faultItems(count: number, bucket: string): FaultItem[] {
  const templates = readdirSync(TEXTS)
    .filter((f) => f.endsWith('.txt'))
    .sort();
  return Array.from({ length: count }, (_, i) => {
    const template = templates[i % templates.length] as string;
    const route = i % 4 === 3 ? 'heavy' : 'fast';
    const key = `items/${route}/${String(i).padStart(5, '0')}-${template}`;
    return { key, uri: `s3://${bucket}/${key}`, template, route };
  });
}

/**
 * Uploads the items and fills in each one's message body and trace: for a fast item the S3 event record real S3
 * would send (no emulator sends them; the keys here need no URL-encoding), for a heavy item a backfill job.
 */
export async function uploadItems(
  s3: S3Client,
  bucket: string,
  items: readonly FaultItem[],
  policy: { readonly id: string; readonly version: string },
  traceOf: (record: { bucket: string; key: string; etag: string }) => string,
): Promise<void> {
  const bytes = new Map<string, Buffer>();
  let next = 0;
  const lane = async () => {
    for (let i = next++; i < items.length; i = next++) {
      const item = items[i] as FaultItem;
      let body = bytes.get(item.template);
      if (!body) {
        body = readFileSync(join(TEXTS, item.template));
        bytes.set(item.template, body);
      }
      const out = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: item.key, Body: body }));
      const etag = (out.ETag ?? '').replace(/"/g, '');
      if (item.route === 'fast') {
        item.traceId = traceOf({ bucket, key: item.key, etag });
        item.body = JSON.stringify({
          Records: [
            {
              eventVersion: '2.1',
              eventSource: 'aws:s3',
              awsRegion: 'us-east-1',
              eventTime: new Date().toISOString(),
              eventName: 'ObjectCreated:Put',
              s3: {
                s3SchemaVersion: '1.0',
                bucket: { name: bucket, arn: `arn:aws:s3:::${bucket}` },
                object: { key: item.key, size: body.length, eTag: etag, sequencer: `${i}`.padStart(16, '0') },
              },
            },
          ],
        });
      } else {
        item.traceId = `backfill-${String(i).padStart(5, '0')}`;
        const job: JobMessage = {
          schema: JOB_SCHEMA_ID,
          item: { uri: item.uri, size: body.length },
          reason: 'backfill',
          policy: { id: policy.id, version: policy.version },
          traceId: item.traceId,
          enqueuedAt: new Date().toISOString(),
          attempt: 1,
        };
        item.body = JSON.stringify(job);
      }
    }
  };
  await Promise.all(Array.from({ length: 8 }, lane));
}
