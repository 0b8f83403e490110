/** AWS adapters: the only part of Winnow that imports the AWS SDK. */
export { createSqsClient, regionOfQueueUrl, type SqsClientOptions } from './sqs-client';
export { isTransientSqsError, SqsRequestError, SqsStaleReceiptError, toSqsError } from './sqs-errors';
export { SqsJobQueue, type SqsJobQueueOptions } from './sqs-job-queue';
