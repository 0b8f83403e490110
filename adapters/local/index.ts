/** Local adapters: a directory as object store, and a SQLite state dir for the queue, verdicts and cache. */

export { FileUriResolver, type FileUriResolverOptions } from './file-uri-resolver';
export { FsObjectStore, type FsObjectStoreOptions } from './fs-object-store';
export { compareKeys, compareNames } from './fs-walk';
export { SqliteContentCache } from './sqlite-content-cache';
export { isTransientSqliteError } from './sqlite-errors';
export { SqliteHashBankStore } from './sqlite-hash-bank-store';
export { SqliteJobQueue, type SqliteJobQueueOptions, StaleReceiptError } from './sqlite-job-queue';
export { SqliteReviewStore } from './sqlite-review-store';
export { SqliteVerdictStore } from './sqlite-verdict-store';
export { databaseOf, type StateDb } from './state-db';
export {
  type OpenStateDirOptions,
  openStateDir,
  STATE_DB_FILE,
  STATE_LOCK_FILE,
  type StateDir,
} from './state-dir';
export { type LockOwner, StateDirLockedError } from './state-lock';
export { migrateStateDb, STATE_SCHEMA_VERSION } from './state-schema';
