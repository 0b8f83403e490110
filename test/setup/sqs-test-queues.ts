import { randomBytes } from 'node:crypto';
import {
  CreateQueueCommand,
  DeleteQueueCommand,
  GetQueueAttributesCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { createSqsClient } from '../../adapters/aws';

/** Dummy credentials for the emulator; also handed to spawned workers so the SDK never looks further. */
export const TEST_AWS_ENV = {
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'test',
  AWS_SECRET_ACCESS_KEY: 'test',
} as const;

/** The fauxqs endpoint that test/setup/global-setup.mjs started. */
export function sqsEndpoint(): string {
  const endpoint = process.env.WINNOW_TEST_SQS_ENDPOINT;
  if (!endpoint) {
    throw new Error(
      'WINNOW_TEST_SQS_ENDPOINT is not set: run through jest (test/setup/global-setup.mjs starts fauxqs)',
    );
  }
  return endpoint;
}

/** An SQS client for the emulator. */
export function testSqsClient(): SQSClient {
  return createSqsClient({
    region: TEST_AWS_ENV.AWS_REGION,
    endpoint: sqsEndpoint(),
    credentials: {
      accessKeyId: TEST_AWS_ENV.AWS_ACCESS_KEY_ID,
      secretAccessKey: TEST_AWS_ENV.AWS_SECRET_ACCESS_KEY,
    },
  });
}

/** A fresh queue pair: the main queue redrives to its dead-letter queue after `maxReceives` receives. */
export interface TestQueues {
  readonly queueUrl: string;
  readonly deadLetterQueueUrl: string;
  delete(): Promise<void>;
}

/** Creates a uniquely named queue and its dead-letter queue on the emulator. */
export async function createTestQueues(
  client: SQSClient,
  options: { readonly maxReceives: number; readonly visibilityTimeoutSec?: number; readonly label?: string },
): Promise<TestQueues> {
  const name = `${options.label ?? 'q'}-${randomBytes(6).toString('hex')}`;
  const dlq = await client.send(new CreateQueueCommand({ QueueName: `${name}-dlq` }));
  const dlqUrl = dlq.QueueUrl as string;
  const attrs = await client.send(
    new GetQueueAttributesCommand({ QueueUrl: dlqUrl, AttributeNames: ['QueueArn'] }),
  );
  const main = await client.send(
    new CreateQueueCommand({
      QueueName: name,
      Attributes: {
        VisibilityTimeout: String(options.visibilityTimeoutSec ?? 30),
        RedrivePolicy: JSON.stringify({
          deadLetterTargetArn: attrs.Attributes?.QueueArn,
          maxReceiveCount: options.maxReceives,
        }),
      },
    }),
  );
  const queueUrl = main.QueueUrl as string;
  return {
    queueUrl,
    deadLetterQueueUrl: dlqUrl,
    async delete() {
      await client.send(new DeleteQueueCommand({ QueueUrl: queueUrl })).catch(() => undefined);
      await client.send(new DeleteQueueCommand({ QueueUrl: dlqUrl })).catch(() => undefined);
    },
  };
}
