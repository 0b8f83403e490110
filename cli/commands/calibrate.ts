import type { Logger } from '../../core/logging/logger';
import type { CliConfig } from '../cli-config';
import { UsageError } from '../usage-error';

export const CALIBRATE_USAGE = `Usage: winnow calibrate (not built yet)`;

/** `winnow calibrate`: placeholder until the command lands. */
export async function calibrateCommand(
  _argv: string[],
  _config: CliConfig,
  _logger: Logger,
): Promise<number> {
  throw new UsageError('winnow calibrate is not built yet');
}
