// The whole-suite log scan (issue 7: "no token, secret or code appears in any log line of the whole test suite").
// `log-scan-setup.ts` (a Jest setupFilesAfterEnv of the azure-functions project) installs one capture per test file:
// every entry any service logger builds — whatever its sink or level, the silent logger's too — through the logger
// port's observer, every console line (the Functions library's default invocation log handler writes there), and
// every secret any logger was told about (tokens as the vault obtains them, client secrets, configuration secrets).
// After the file's tests it fails the file if a line holds a known secret or a secret's shape (`findSecretsInLogs`).
// Tests add values only they know (an emulator's client secret, an authorization code) with `rememberSecrets`.
import { observeLogs, type LogEntry } from "../../src/core/logger";
import { findSecretsInLogs } from "./log-scan";

const known = new Set<string>();
const lines: LogEntry[] = [];

/** Values no log line may contain (besides those the service's loggers learn by themselves). */
export function rememberSecrets(...values: readonly (string | undefined)[]): void {
  for (const value of values) if (value !== undefined && value.length >= 8) known.add(value);
}

function toConsoleEntry(level: LogEntry["level"], args: readonly unknown[]): LogEntry {
  const message = args.map((arg) => (typeof arg === "string" ? arg : safeJson(arg))).join(" ");
  return { level, message, timestamp: "", context: { functionName: "console" } };
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

const consoleLevels = { log: "info", info: "info", debug: "debug", warn: "warn", error: "error" } as const;

/** Starts capturing; returns the check to run after the file's tests (the findings, empty when clean). */
export function installLogCapture(): () => string[] {
  const stop = observeLogs({ entry: (entry) => lines.push(entry), secrets: (values) => rememberSecrets(...values) });
  const restore: Array<() => void> = [stop];
  for (const [method, level] of Object.entries(consoleLevels) as [keyof typeof consoleLevels, LogEntry["level"]][]) {
    const original = console[method];
    console[method] = (...args: unknown[]) => {
      lines.push(toConsoleEntry(level, args));
      original.apply(console, args);
    };
    restore.push(() => {
      console[method] = original;
    });
  }
  return () => {
    for (const undo of restore) undo();
    return findSecretsInLogs(lines, [...known]);
  };
}

/** How many lines this file captured so far (a test can prove the capture works). */
export function capturedLineCount(): number {
  return lines.length;
}
