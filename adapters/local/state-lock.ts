import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import { PermanentError } from '../../core/errors';

/** What a lock file records about its holder. */
export interface LockOwner {
  readonly pid: number;
  readonly host: string;
  /** ISO time the lock was taken. */
  readonly startedAt: string;
}

/** The state dir is locked by another live process. */
export class StateDirLockedError extends PermanentError {
  readonly code = 'state-locked';
  readonly owner?: LockOwner;

  constructor(message: string, owner?: LockOwner) {
    super(message);
    this.owner = owner;
  }
}

/** A held lock file; `release` removes it if it is still ours. */
export interface HeldLock {
  readonly path: string;
  readonly owner: LockOwner;
  release(): void;
}

function errCode(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'code' in err
    ? String((err as { code: unknown }).code)
    : undefined;
}

function parseOwner(text: string): LockOwner | undefined {
  try {
    const v = JSON.parse(text) as Partial<LockOwner>;
    if (Number.isInteger(v.pid) && typeof v.host === 'string' && typeof v.startedAt === 'string') {
      return v as LockOwner;
    }
  } catch {
    // Not a lock we wrote.
  }
  return undefined;
}

/** True when a process with this pid exists on this host (EPERM means it exists but is not ours). */
function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return errCode(err) === 'EPERM';
  }
}

function readOrUndefined(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (err) {
    if (errCode(err) === 'ENOENT') return undefined;
    throw err;
  }
}

/** A lock file this young with unreadable content may be one being written right now. */
const UNPARSEABLE_GRACE_MS = 5_000;

/**
 * Takes the lock file `lockPath` for this process. A lock left by a dead process on this host (or an
 * unreadable one older than a few seconds) is taken over; a live holder, or one on another host whose
 * liveness cannot be checked, makes it throw {@link StateDirLockedError} naming the pid and `label`.
 */
export function acquireLock(lockPath: string, label: string): HeldLock {
  const owner: LockOwner = { pid: process.pid, host: os.hostname(), startedAt: new Date().toISOString() };
  const content = `${JSON.stringify(owner)}\n`;
  const tmp = `${lockPath}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  fs.writeFileSync(tmp, content, { flag: 'wx' });
  try {
    for (let attempt = 0; attempt < 5; attempt++) {
      try {
        // link() creates the lock with its full content atomically, or fails if one exists.
        fs.linkSync(tmp, lockPath);
        return {
          path: lockPath,
          owner,
          release: () => {
            if (readOrUndefined(lockPath) === content) fs.rmSync(lockPath, { force: true });
          },
        };
      } catch (err) {
        if (errCode(err) !== 'EEXIST') throw err;
      }
      const existing = readOrUndefined(lockPath);
      if (existing === undefined) continue;
      const holder = parseOwner(existing);
      if (holder) {
        if (holder.host !== owner.host) {
          throw new StateDirLockedError(
            `state dir ${label} is locked by pid ${holder.pid} on host ${holder.host} (since ${holder.startedAt}); ` +
              `if that process is gone, delete ${lockPath}`,
            holder,
          );
        }
        if (pidAlive(holder.pid)) {
          throw new StateDirLockedError(
            `state dir ${label} is in use by pid ${holder.pid} (since ${holder.startedAt}); ` +
              'wait for it to finish or stop it',
            holder,
          );
        }
      } else {
        const age = Date.now() - (fs.statSync(lockPath, { throwIfNoEntry: false })?.mtimeMs ?? 0);
        if (age < UNPARSEABLE_GRACE_MS) {
          throw new StateDirLockedError(
            `state dir ${label} is being locked by another process (${lockPath})`,
          );
        }
      }
      takeOver(lockPath, existing);
    }
    throw new StateDirLockedError(`state dir ${label}: could not take the lock ${lockPath}; try again`);
  } finally {
    fs.rmSync(tmp, { force: true });
  }
}

/**
 * Removes a stale lock, but only the one that was read: if another process took it over meanwhile, its fresh
 * lock is put back (the next attempt then finds it live).
 */
function takeOver(lockPath: string, staleContent: string): void {
  const aside = `${lockPath}.stale-${process.pid}-${randomBytes(6).toString('hex')}`;
  try {
    fs.renameSync(lockPath, aside);
  } catch (err) {
    if (errCode(err) === 'ENOENT') return;
    throw err;
  }
  try {
    if (readOrUndefined(aside) !== staleContent) {
      try {
        fs.linkSync(aside, lockPath);
      } catch {
        // Someone locked it again meanwhile; the next attempt will see that lock.
      }
    }
  } finally {
    fs.rmSync(aside, { force: true });
  }
}
