import type { Logger } from '../../core/logging/logger';
import type { CliConfig } from '../cli-config';
import { UsageError } from '../usage-error';

export const EVAL_USAGE = `Usage: winnow eval (not built yet)`;

/** `winnow eval`: placeholder until the command lands. */
export async function evalCommand(_argv: string[], _config: CliConfig, _logger: Logger): Promise<number> {
  throw new UsageError('winnow eval is not built yet');
}
