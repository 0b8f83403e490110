import { PermanentError } from '../errors';

/** A labelled data set that cannot be found, read or understood. */
export class DatasetError extends PermanentError {
  readonly code = 'invalid-dataset';
}

/** An evaluation or calibration that cannot run on the data it was given (no rows, no labelled category). */
export class EvaluationError extends PermanentError {
  readonly code = 'evaluation-failed';
}
