import type { Logger } from '../../core/logging/logger';
import type { CliConfig } from '../cli-config';
import { UsageError } from '../usage-error';

export const SHADOW_USAGE = 'Usage: winnow shadow (being built)';

/** `winnow shadow` (being built). */
export async function shadowCommand(_argv: string[], _config: CliConfig, _logger: Logger): Promise<number> {
  throw new UsageError('shadow is being built');
}
