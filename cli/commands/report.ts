import type { Logger } from '../../core/logging/logger';
import type { CliConfig } from '../cli-config';
import { UsageError } from '../usage-error';

export const REPORT_USAGE = `Usage: winnow report (not built yet)`;

/** `winnow report`: placeholder until the command lands. */
export async function reportCommand(_argv: string[], _config: CliConfig, _logger: Logger): Promise<number> {
  throw new UsageError('winnow report is not built yet');
}
