/**
 * Every environment variable Winnow reads, in one place, so the infrastructure that sets them and the runtime
 * that reads them cannot drift apart.
 */
export const ENV = {
  /** Directory of the local state (SQLite queue, verdicts, cache). Default `.winnow` in the working directory. */
  stateDir: 'WINNOW_STATE_DIR',
  /** Log level: debug, info, warn, error or silent. */
  logLevel: 'WINNOW_LOG_LEVEL',
  /** Folder holding the labelled evaluation sets (`data/`) for `winnow eval` and `winnow calibrate`. */
  sharedDir: 'WINNOW_SHARED_DIR',
  /** `winnow review`: the console's access token (default: a random one per start). */
  reviewToken: 'WINNOW_REVIEW_TOKEN',
  /** Path of the policy file to use instead of the bundled default. */
  policyFile: 'WINNOW_POLICY',
  /** ONNX execution provider for model inference: `cpu` (default) or `cuda` (falls back to CPU when unavailable). */
  executionProvider: 'WINNOW_EP',
  /** Path of the ffmpeg binary (default: `ffmpeg` on PATH). */
  ffmpegPath: 'FFMPEG_PATH',
  /** Path of the pocketsphinx_continuous binary (default: on PATH). */
  pocketsphinxPath: 'POCKETSPHINX_PATH',
  /** GPU worker: URL of the SQS queue of `winnow.job/v1` messages it consumes. Required. */
  queueUrl: 'WINNOW_QUEUE_URL',
  /** GPU worker: URL of that queue's dead-letter queue, where invalid messages are moved at once. */
  deadLetterQueueUrl: 'WINNOW_DLQ_URL',
  /** SQS endpoint override, for an emulator such as fauxqs; unset for AWS. */
  sqsEndpoint: 'WINNOW_SQS_ENDPOINT',
  /** AWS region (the SDK's own variable); the GPU worker defaults it to the queue URL's region. */
  awsRegion: 'AWS_REGION',
  /** GPU worker: jobs handled at once (messages in flight). Default 4. */
  workerConcurrency: 'WINNOW_WORKER_CONCURRENCY',
  /** GPU worker: seconds a received job stays hidden; a heartbeat extends it while the job runs. Default 120. */
  visibilityTimeoutSec: 'WINNOW_VISIBILITY_TIMEOUT_SEC',
  /** GPU worker: long-poll seconds per receive (0 to 20). Default 20. */
  pollWaitSec: 'WINNOW_POLL_WAIT_SEC',
  /** GPU worker: seconds in-flight jobs may run on after SIGTERM before they are handed back. Default 90. */
  drainTimeoutSec: 'WINNOW_DRAIN_TIMEOUT_SEC',
  /**
   * GPU worker: the receive on which a retryable failure is written as an error verdict instead of retried.
   * Default: the queue's `maxReceiveCount`, else 3.
   */
  maxReceives: 'WINNOW_MAX_RECEIVES',
  /** GPU worker: path of the JSON health file the container health check reads; unset: none. */
  healthFile: 'WINNOW_HEALTH_FILE',
  /** GPU worker: directories (separated by `:`) whose files `file://` job URIs may name; unset: none. */
  fileRoots: 'WINNOW_FILE_ROOTS',
  /** AWS: DynamoDB table of verdicts (partition `pk` = item uri, sort `sk` = policy version; see adapters/aws). */
  verdictTable: 'WINNOW_VERDICT_TABLE',
  /** AWS: DynamoDB table of the content cache (key: sha256 + policy version + detectors fingerprint). */
  cacheTable: 'WINNOW_CACHE_TABLE',
  /** AWS: SQS queue URL of the fast tier (S3 events or job messages for text and images). */
  fastQueueUrl: 'WINNOW_FAST_QUEUE_URL',
  /** AWS: SQS queue URL of the heavy tier (job messages for video, audio and escalations). */
  heavyQueueUrl: 'WINNOW_HEAVY_QUEUE_URL',
  /** AWS: bucket (and optional `/prefix`) where flagged items are copied by the quarantine action. */
  quarantineLocation: 'WINNOW_QUARANTINE_LOCATION',
  /**
   * AWS: bucket (and optional `/prefix`, default `hash-banks/`) of the hash banks' entry snapshots. Set, the
   * functions and the GPU worker match images and videos against the banks (`docs/hash-banks.md`); unset, they
   * match nothing.
   */
  bankLocation: 'WINNOW_BANK_LOCATION',
  /** AWS: DynamoDB table (keyed by a string `pk`) holding the hash-bank registry item. Default: the cache table. */
  bankTable: 'WINNOW_BANK_TABLE',
  /**
   * Functions and GPU worker: seconds between checks of the hash banks' versions (a changed bank is reloaded
   * then). Default 60.
   */
  bankRefreshSec: 'WINNOW_BANK_REFRESH_SEC',
  /** AWS: bucket where run outputs and large results are written. */
  resultsBucket: 'WINNOW_RESULTS_BUCKET',
  /** AWS: EventBridge bus that receives verdict events (the notify action); unset: the default bus. */
  eventBusName: 'WINNOW_EVENT_BUS',
  /** S3 endpoint override, for an emulator such as fauxqs or s3rver; unset for AWS. */
  s3Endpoint: 'WINNOW_S3_ENDPOINT',
  /** DynamoDB endpoint override, for an emulator such as dynalite; unset for AWS. */
  dynamoEndpoint: 'WINNOW_DYNAMODB_ENDPOINT',
  /** EventBridge endpoint override, for tests; unset for AWS. */
  eventsEndpoint: 'WINNOW_EVENTS_ENDPOINT',
  /** AWS: how actions mark an object: `tag` (S3 object tags) or `metadata` (a copy-in-place with metadata). */
  statusMarker: 'WINNOW_STATUS_MARKER',
  /**
   * Set by the AWS Lambda runtime (never by Winnow's infrastructure): the functions start loading their models
   * while the runtime initialises them only when it is present, so importing a handler elsewhere stays cheap.
   */
  lambdaFunctionName: 'AWS_LAMBDA_FUNCTION_NAME',
} as const;

export type EnvName = (typeof ENV)[keyof typeof ENV];
