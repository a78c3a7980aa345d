// The logger port. Entries are structured (message + ids + data) and pass through one Redactor before they leave:
// exact secret values (marked once in the config schema, plus tokens registered as they are obtained) and patterns
// (bearer tokens, JWTs, client secrets, `code=` values, refresh tokens).
import type { InvocationContext } from "@azure/functions";
import { isSyncError } from "./errors";
import { createRedactor, type Redactor } from "./redact";

export type LogLevel = "debug" | "info" | "warn" | "error";

/** The ids every entry may carry; children add to them. */
export interface LogContext {
  invocationId?: string;
  connectionId?: string;
  flow?: string;
  recordId?: string;
  correlationId?: string;
  functionName?: string;
}

export interface LogEntry {
  level: LogLevel;
  message: string;
  /** ISO-8601. */
  timestamp: string;
  context: LogContext;
  data?: Record<string, unknown>;
}

export interface Logger {
  debug(message: string, data?: Record<string, unknown>): void;
  info(message: string, data?: Record<string, unknown>): void;
  warn(message: string, data?: Record<string, unknown>): void;
  error(message: string, data?: Record<string, unknown>): void;
  /** A logger whose entries also carry these ids. */
  child(context: LogContext): Logger;
  /** Hides these values from every later entry of this logger and its relatives (e.g. a token just refreshed). */
  addSecrets(values: Iterable<string>): void;
}

export type LogSink = (entry: LogEntry) => void;

export interface LoggerOptions {
  redactor?: Redactor;
  /** Values to hide (usually `secretValues(config)`). */
  secrets?: Iterable<string>;
  context?: LogContext;
  now?: () => number;
  minLevel?: LogLevel;
}

const levelOrder: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };

/** Errors in data are reduced to their safe JSON (SyncError) or name + message before redaction. */
function toLoggableData(data: Record<string, unknown>): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(data)) {
    result[key] = isSyncError(value) ? value.toJSON() : value;
  }
  return result;
}

function cleanContext(context: LogContext): LogContext {
  const result: LogContext = {};
  for (const [key, value] of Object.entries(context) as [keyof LogContext, string | undefined][]) {
    if (value !== undefined) result[key] = value;
  }
  return result;
}

/** Builds a Logger over any sink; every other logger here is this with a particular sink. */
/**
 * Sees every entry any logger builds (after redaction, whatever its sink or level, the silent logger's too) and every
 * secret a logger is told about. The test suite's log scan installs one (azure-functions/test/support/); production
 * installs none.
 */
export interface LogObserver {
  entry(entry: LogEntry): void;
  secrets?(values: readonly string[]): void;
}

const logObservers = new Set<LogObserver>();

/** Installs an observer; returns the function that removes it. */
export function observeLogs(observer: LogObserver): () => void {
  logObservers.add(observer);
  return () => {
    logObservers.delete(observer);
  };
}

export function createLogger(sink: LogSink, options: LoggerOptions = {}): Logger {
  const redactor = options.redactor ?? createRedactor();
  if (options.secrets !== undefined) {
    const list = [...options.secrets];
    redactor.addSecrets(list);
    for (const observer of logObservers) observer.secrets?.(list);
  }
  const now = options.now ?? Date.now;
  const minLevel = levelOrder[options.minLevel ?? "debug"];
  const context = cleanContext(options.context ?? {});

  const write = (level: LogLevel, message: string, data?: Record<string, unknown>): void => {
    const emitted = levelOrder[level] >= minLevel;
    if (!emitted && logObservers.size === 0) return;
    const entry: LogEntry = {
      level,
      message: redactor.redactText(message),
      timestamp: new Date(now()).toISOString(),
      context: redactor.redactValue(context) as LogContext,
    };
    if (data !== undefined) entry.data = redactor.redactValue(toLoggableData(data)) as Record<string, unknown>;
    for (const observer of logObservers) observer.entry(entry);
    if (emitted) sink(entry);
  };

  return {
    debug: (message, data) => write("debug", message, data),
    info: (message, data) => write("info", message, data),
    warn: (message, data) => write("warn", message, data),
    error: (message, data) => write("error", message, data),
    child: (extra) => createLogger(sink, { ...options, redactor, context: { ...context, ...cleanContext(extra) } }),
    addSecrets: (values) => {
      const list = [...values];
      redactor.addSecrets(list);
      for (const observer of logObservers) observer.secrets?.(list);
    },
  };
}

/** Logs through the Functions host (Application Insights picks up the JSON line). */
export function createInvocationLogger(invocation: InvocationContext, options: LoggerOptions = {}): Logger {
  const sink: LogSink = (entry) => {
    const line = JSON.stringify(entry);
    switch (entry.level) {
      case "debug":
        invocation.debug(line);
        break;
      case "info":
        invocation.info(line);
        break;
      case "warn":
        invocation.warn(line);
        break;
      case "error":
        invocation.error(line);
        break;
    }
  };
  return createLogger(sink, {
    ...options,
    context: { invocationId: invocation.invocationId, functionName: invocation.functionName, ...(options.context ?? {}) },
  });
}

export interface MemoryLogger extends Logger {
  /** Every entry written by this logger and its children, in order (shared, live). */
  readonly entries: LogEntry[];
}

/** Collects entries in memory: for tests, and for the log scan that proves no secret is ever written. */
export function createMemoryLogger(options: LoggerOptions = {}): MemoryLogger {
  const entries: LogEntry[] = [];
  const logger = createLogger((entry) => entries.push(entry), options);
  return Object.assign(logger, { entries });
}

/** A logger that drops everything (for code paths that need one but whose output nobody reads). */
export const silentLogger: Logger = createLogger(() => undefined);
