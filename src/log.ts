// Structured logging: one line per event. JSON lines when the stream is not a
// terminal (for log collectors), readable text when it is (for people).
// Every string that reaches the stream passes through redactSecrets, so a
// DSN password that slipped into an error message never reaches the log.

import { redactSecrets } from './dsn-syntax.js';

export type LogLevel = 'error' | 'warn' | 'info' | 'debug';

export const LOG_LEVELS: readonly LogLevel[] = ['error', 'warn', 'info', 'debug'];

export type LogFields = Readonly<Record<string, unknown>>;

export interface Logger {
  error(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  debug(message: string, fields?: LogFields): void;
  /** Whether `level` would be written: lets hot paths skip building fields. */
  enabled(level: LogLevel): boolean;
}

export interface LogStream {
  write(text: string): unknown;
  /** Set on TTY streams (process.stderr on a terminal). */
  readonly isTTY?: boolean | undefined;
}

export interface LoggerOptions {
  readonly level?: LogLevel;
  /** Default process.stderr. */
  readonly stream?: LogStream;
  /** Force the format; by default text on a TTY, JSON otherwise. */
  readonly format?: 'json' | 'text';
  /** Fields added to every line (e.g. `{ environment: 2 }`). */
  readonly fields?: LogFields;
  /** Clock for timestamps; tests pass a fixed one. */
  readonly now?: () => Date;
}

const RANK: Record<LogLevel, number> = { error: 0, warn: 1, info: 2, debug: 3 };

/** Text of an error for the operator's log: driver message included, secrets removed. */
export function describeForLog(err: unknown): string {
  const cause = err instanceof Error && err.cause instanceof Error ? `: ${err.cause.message}` : '';
  const own = err instanceof Error ? err.message : String(err);
  return redactSecrets(own + cause);
}

export function isLogLevel(text: string): text is LogLevel {
  return (LOG_LEVELS as readonly string[]).includes(text);
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const stream = options.stream ?? process.stderr;
  const threshold = RANK[options.level ?? 'info'];
  const format = options.format ?? (stream.isTTY === true ? 'text' : 'json');
  const base = options.fields ?? {};
  const now = options.now ?? (() => new Date());

  const emit = (level: LogLevel, message: string, fields: LogFields | undefined): void => {
    if (RANK[level] > threshold) return;
    const all = { ...base, ...fields };
    const time = now().toISOString();
    const line = format === 'json' ? jsonLine(time, level, message, all) : textLine(time, level, message, all);
    stream.write(`${line}\n`);
  };

  return {
    error: (message, fields) => emit('error', message, fields),
    warn: (message, fields) => emit('warn', message, fields),
    info: (message, fields) => emit('info', message, fields),
    debug: (message, fields) => emit('debug', message, fields),
    enabled: (level) => RANK[level] <= threshold,
  };
}

/** A logger that drops everything: for tests and tools that log nowhere. */
export const silentLogger: Logger = Object.freeze({
  error: () => undefined,
  warn: () => undefined,
  info: () => undefined,
  debug: () => undefined,
  enabled: () => false,
});

function jsonLine(time: string, level: LogLevel, message: string, fields: LogFields): string {
  // Fixed keys first, so `time`/`level`/`msg` cannot be overwritten by a field.
  const record: Record<string, unknown> = { time, level, msg: message };
  for (const [key, value] of Object.entries(fields)) {
    if (!(key in record)) record[key] = value;
  }
  return redactSecrets(JSON.stringify(record, errorReplacer));
}

function textLine(time: string, level: LogLevel, message: string, fields: LogFields): string {
  // An absent field is left out, as JSON.stringify leaves it out of a JSON line: no `call_id=undefined`.
  const parts = Object.entries(fields).filter(([, value]) => value !== undefined).map(([key, value]) => `${key}=${textValue(value)}`);
  return redactSecrets([time, level.toUpperCase().padEnd(5), message, ...parts].join(' '));
}

function textValue(value: unknown): string {
  if (typeof value === 'string') return /^[^\s"=]+$/.test(value) ? value : JSON.stringify(value);
  if (value instanceof Error) return JSON.stringify(value.message);
  return JSON.stringify(value, errorReplacer) ?? String(value);
}

// Errors serialise as their message (never the stack: it may quote SQL).
function errorReplacer(_key: string, value: unknown): unknown {
  if (value instanceof Error) return value.message;
  if (typeof value === 'bigint') return value.toString();
  return value;
}
