import type { Logger } from '../../core/logging/logger';
import type { CliConfig } from '../cli-config';
import { UsageError } from '../usage-error';

export const COST_USAGE = 'Usage: winnow cost (being built)';

/** `winnow cost` (being built). */
export async function costCommand(_argv: string[], _config: CliConfig, _logger: Logger): Promise<number> {
  throw new UsageError('cost is being built');
}
