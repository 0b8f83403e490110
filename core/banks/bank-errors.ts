import { PermanentError } from '../errors';

/** A bank operation named a bank that does not exist. */
export class UnknownBankError extends PermanentError {
  readonly code = 'unknown-bank';
}

/** A bank name that is not 1–128 letters, digits, `.`, `_` or `-`. */
export class InvalidBankNameError extends PermanentError {
  readonly code = 'invalid-bank-name';
}
