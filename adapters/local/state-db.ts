import type Database from 'better-sqlite3';

/** Something holding an open state database, such as a `StateDir`. */
export interface StateDb {
  readonly db: Database.Database;
}

/** The database itself, given either it or a holder of it. */
export function databaseOf(source: Database.Database | StateDb): Database.Database {
  return 'prepare' in source ? source : source.db;
}
