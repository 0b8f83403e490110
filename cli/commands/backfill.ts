import type { Logger } from '../../core/logging/logger';
import type { CliConfig } from '../cli-config';
import { UsageError } from '../usage-error';

export const BACKFILL_USAGE = 'Usage: winnow backfill (being built)';

/** `winnow backfill` (being built). */
export async function backfillCommand(_argv: string[], _config: CliConfig, _logger: Logger): Promise<number> {
  throw new UsageError('backfill is being built');
}
