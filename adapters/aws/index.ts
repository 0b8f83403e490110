/** AWS adapters: the only part of Winnow that imports the AWS SDK. See README.md beside this file. */
export {
  type AwsClientOptions,
  type AwsClients,
  type AwsClientsOptions,
  createAwsClients,
  createDynamoClient,
  createS3Client,
  type StaticCredentials,
} from './aws-clients';
export {
  awsErrorName,
  awsHttpStatus,
  describeAwsError,
  isTransientAwsError,
  StoreItemTooLargeError,
  StoreRequestError,
  toStoreError,
} from './aws-errors';
export { CACHE_TABLE, cacheTableDefinition } from './cache-table';
export {
  cachePartitionKey,
  DynamoContentCache,
  type DynamoContentCacheOptions,
} from './dynamodb-content-cache';
export { MAX_DOCUMENT_BYTES } from './dynamodb-document';
export { DynamoRunStateStore, type DynamoRunStateStoreOptions } from './dynamodb-run-state-store';
export {
  DynamoVerdictStore,
  type DynamoVerdictStoreOptions,
  normaliseTime,
  type VerdictTimeRange,
  verdictPartitionKey,
} from './dynamodb-verdict-store';
export { S3DynamoHashBankStore, type S3DynamoHashBankStoreOptions } from './s3-dynamodb-hash-bank-store';
export { CompositeItemResolver, S3ItemResolver, type S3ItemResolverOptions } from './s3-item-resolver';
export { S3ObjectStore, type S3ObjectStoreOptions } from './s3-object-store';
export { decodeS3EncodedKey, formatS3Uri, parseS3Uri, type S3Location } from './s3-uri';
export { createSqsClient, regionOfQueueUrl, type SqsClientOptions } from './sqs-client';
export { isTransientSqsError, SqsRequestError, SqsStaleReceiptError, toSqsError } from './sqs-errors';
export { SqsJobQueue, type SqsJobQueueOptions } from './sqs-job-queue';
export { VERDICT_TABLE, verdictTableDefinition } from './verdict-table';
