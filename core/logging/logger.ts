/** Severity levels, lowest first. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';

const LEVEL_RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

/** Structured fields. Never put user content (text, file bytes) here; ids, codes and counts only. */
export type LogFields = Record<string, unknown>;

/** A structured JSON-lines logger with bound context (item id, job id, policy and model versions). */
export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  /** A logger whose every line also carries `fields`. */
  child(fields: LogFields): Logger;
  /** Whether lines at `level` are written; lets hot paths skip building fields nobody reads. */
  enabled(level: Exclude<LogLevel, 'silent'>): boolean;
}

/** Where log lines go. */
export type LogSink = (line: string) => void;

/** Creates a JSON-lines logger writing to `sink` (stderr by default). */
export function createLogger(
  options: { level?: LogLevel; sink?: LogSink; base?: LogFields; now?: () => Date } = {},
): Logger {
  const level = options.level ?? 'info';
  const sink = options.sink ?? ((line: string) => process.stderr.write(`${line}\n`));
  const now = options.now ?? (() => new Date());
  const base = options.base ?? {};
  const threshold = LEVEL_RANK[level];

  const write = (lvl: Exclude<LogLevel, 'silent'>, msg: string, fields?: LogFields): void => {
    if (LEVEL_RANK[lvl] < threshold) return;
    sink(JSON.stringify({ time: now().toISOString(), level: lvl, msg, ...base, ...fields }, errorReplacer));
  };

  const logger: Logger = {
    debug: (msg, fields) => write('debug', msg, fields),
    info: (msg, fields) => write('info', msg, fields),
    warn: (msg, fields) => write('warn', msg, fields),
    error: (msg, fields) => write('error', msg, fields),
    // Below every threshold a child would write nothing either, so the same object serves.
    child: (fields) =>
      level === 'silent' ? logger : createLogger({ level, sink, now, base: { ...base, ...fields } }),
    enabled: (lvl) => LEVEL_RANK[lvl] >= threshold,
  };
  return logger;
}

/** A logger that drops everything; for tests and library use. */
export const silentLogger: Logger = createLogger({ level: 'silent' });

/**
 * An error as log lines carry it: name, message and code. Stacks, `cause` chains and other own properties (an SDK
 * error's request and response metadata, a parser's input) stay out, since they may quote content or credentials.
 */
export function logSafeError(error: Error): { name: string; message: string; code?: unknown } {
  const code = (error as { code?: unknown }).code;
  return { name: error.name, message: error.message, ...(code === undefined ? {} : { code }) };
}

/**
 * `fields` with every `Error` in them (at any depth) replaced by {@link logSafeError}; for loggers that would
 * otherwise serialise errors whole, such as Powertools, which writes stacks and causes.
 */
export function logSafeFields(fields: LogFields): LogFields {
  return safeValue(fields, 0) as LogFields;
}

/** Deeper than any field Winnow logs; past it a value is cut rather than walked (and cycles end). */
const MAX_DEPTH = 8;

function safeValue(value: unknown, depth: number): unknown {
  if (value instanceof Error) return logSafeError(value);
  if (value === null || typeof value !== 'object') return value;
  if (depth >= MAX_DEPTH) return '[deeper than logged]';
  if (Array.isArray(value)) return value.map((v) => safeValue(v, depth + 1));
  if (Object.getPrototypeOf(value) !== Object.prototype && Object.getPrototypeOf(value) !== null)
    return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = safeValue(v, depth + 1);
  return out;
}

function errorReplacer(_key: string, value: unknown): unknown {
  return value instanceof Error ? logSafeError(value) : value;
}
