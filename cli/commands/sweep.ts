import type { Logger } from '../../core/logging/logger';
import type { CliConfig } from '../cli-config';
import { UsageError } from '../usage-error';

export const SWEEP_USAGE = 'Usage: winnow sweep (being built)';

/** `winnow sweep` (being built). */
export async function sweepCommand(_argv: string[], _config: CliConfig, _logger: Logger): Promise<number> {
  throw new UsageError('sweep is being built');
}
