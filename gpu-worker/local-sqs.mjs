#!/usr/bin/env node
// Local SQS for trying the GPU worker without AWS (fauxqs, a dev dependency).
//
//   node gpu-worker/local-sqs.mjs [--port 4566]        starts the emulator, creates the queues, prints the env
//   node gpu-worker/local-sqs.mjs send FILE... [--port]  sends one winnow.job/v1 message per file
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  SendMessageBatchCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';

const QUEUE = 'winnow-heavy';
const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { port: { type: 'string', default: '4566' }, 'max-receives': { type: 'string', default: '3' } },
});
const endpoint = `http://127.0.0.1:${values.port}`;
const client = new SQSClient({
  region: 'us-east-1',
  endpoint,
  useQueueUrlAsEndpoint: false,
  credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
});

if (positionals[0] === 'send') {
  const { QueueUrl } = await client.send(new GetQueueUrlCommand({ QueueName: QUEUE }));
  const files = positionals.slice(1);
  for (let i = 0; i < files.length; i += 10) {
    const Entries = files.slice(i, i + 10).map((file, n) => ({
      Id: String(n),
      MessageBody: JSON.stringify({
        schema: 'winnow.job/v1',
        item: { uri: pathToFileURL(resolve(file)).href },
        reason: 'manual',
        policy: { id: 'default', version: 'local' },
        traceId: `local-${Date.now()}-${i + n}`,
        enqueuedAt: new Date().toISOString(),
      }),
    }));
    await client.send(new SendMessageBatchCommand({ QueueUrl, Entries }));
  }
  process.stdout.write(`sent ${files.length} job(s) to ${QueueUrl}\n`);
  client.destroy();
} else {
  const { startFauxqs } = await import('fauxqs');
  const server = await startFauxqs({ port: Number(values.port), logger: false });
  const dlq = await client.send(new CreateQueueCommand({ QueueName: `${QUEUE}-dlq` }));
  const { Attributes } = await client.send(
    new GetQueueAttributesCommand({ QueueUrl: dlq.QueueUrl, AttributeNames: ['QueueArn'] }),
  );
  const main = await client.send(
    new CreateQueueCommand({
      QueueName: QUEUE,
      Attributes: {
        RedrivePolicy: JSON.stringify({
          deadLetterTargetArn: Attributes?.QueueArn,
          maxReceiveCount: Number(values['max-receives']),
        }),
      },
    }),
  );
  process.stdout.write(
    [
      `fauxqs on ${server.address}; in another shell:`,
      `  export AWS_REGION=us-east-1 AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local`,
      `  export WINNOW_SQS_ENDPOINT=${endpoint}`,
      `  export WINNOW_QUEUE_URL=${main.QueueUrl}`,
      `  export WINNOW_DLQ_URL=${dlq.QueueUrl}`,
      'Ctrl-C stops it (queues live in memory).',
      '',
    ].join('\n'),
  );
  process.once('SIGINT', async () => {
    await server.stop();
    process.exit(0);
  });
}
