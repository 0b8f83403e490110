import type { Logger } from '../../core/logging/logger';
import type { CliConfig } from '../cli-config';
import { UsageError } from '../usage-error';

export const REVIEW_USAGE = `Usage: winnow review (not built yet)`;

/** `winnow review`: placeholder until the command lands. */
export async function reviewCommand(_argv: string[], _config: CliConfig, _logger: Logger): Promise<number> {
  throw new UsageError('winnow review is not built yet');
}
