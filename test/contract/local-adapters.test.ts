import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FsObjectStore, openStateDir } from '../../adapters/local';
import { describeContentCacheContract } from './content-cache.contract';
import { describeJobQueueContract, type TestJob } from './job-queue.contract';
import { describeObjectStoreContract } from './object-store.contract';
import { describeVerdictStoreContract } from './verdict-store.contract';

const tempDir = (label: string): string => mkdtempSync(join(tmpdir(), `winnow-contract-${label}-`));
const removeDir = async (dir: string): Promise<void> => rmSync(dir, { recursive: true, force: true });

describeObjectStoreContract(
  'FsObjectStore',
  async () => {
    const dir = tempDir('fs');
    return {
      store: new FsObjectStore(dir),
      reopen: async () => new FsObjectStore(dir),
      cleanup: () => removeDir(dir),
    };
  },
  { newlineInKeys: true },
);

describeJobQueueContract('SqliteJobQueue', async ({ maxReceives }) => {
  const dir = tempDir('queue');
  const state = openStateDir(dir);
  return {
    queue: state.queue<TestJob>('jobs', { maxReceives, visibilityTimeoutSec: 30 }),
    cleanup: async () => {
      state.close();
      await removeDir(dir);
    },
  };
});

describeVerdictStoreContract('SqliteVerdictStore', async () => {
  const dir = tempDir('verdicts');
  const state = openStateDir(dir);
  return {
    store: state.verdicts,
    cleanup: async () => {
      state.close();
      await removeDir(dir);
    },
  };
});

describeContentCacheContract('SqliteContentCache', async () => {
  const dir = tempDir('cache');
  const state = openStateDir(dir);
  return {
    cache: state.cache,
    cleanup: async () => {
      state.close();
      await removeDir(dir);
    },
  };
});
