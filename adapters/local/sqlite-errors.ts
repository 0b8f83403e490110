import { TransientStoreError } from '../../core/errors';

/** SQLite primary result codes whose failures may pass if the operation is tried again. */
const TRANSIENT_CODES = ['SQLITE_BUSY', 'SQLITE_LOCKED', 'SQLITE_IOERR', 'SQLITE_FULL', 'SQLITE_PROTOCOL'];

/** True when a better-sqlite3 error is one a retry may fix (busy, locked, I/O, disk full). */
export function isTransientSqliteError(err: unknown): boolean {
  const code =
    typeof err === 'object' && err !== null && 'code' in err ? (err as { code: unknown }).code : undefined;
  // Extended codes such as SQLITE_BUSY_SNAPSHOT carry the primary code as their prefix.
  return typeof code === 'string' && TRANSIENT_CODES.some((c) => code === c || code.startsWith(`${c}_`));
}

/** Runs a SQLite operation, turning transient SQLite failures into {@link TransientStoreError}. */
export function withSqlite<R>(what: string, fn: () => R): R {
  try {
    return fn();
  } catch (err) {
    if (isTransientSqliteError(err)) {
      const code = (err as { code: string }).code;
      throw new TransientStoreError(`${what}: ${code}: ${(err as Error).message}`, { cause: err });
    }
    throw err;
  }
}
