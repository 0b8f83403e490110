/** A mistake in how the CLI was called; exits with code 2 and the usage text. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** Exit codes of the `winnow` command. */
export const EXIT = {
  ok: 0,
  /** `--fail-on` was met: some item reached the given decision. */
  failOn: 1,
  usage: 2,
  /** The run could not proceed (state dir locked, policy invalid, ...). */
  fatal: 3,
  /** Stopped by a signal; the run resumes when started again. */
  interrupted: 130,
} as const;
