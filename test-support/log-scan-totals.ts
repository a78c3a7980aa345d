// The names the log scan's parts agree on: the setup file (TypeScript, in the test's realm), the test environment and
// the reporter (JavaScript, loaded by Jest as they are). log-scan-summary.js and log-scan-environment.js repeat the two
// names; a test checks that they agree.
import type { SourceKind } from "./log-capture";

/** The folder, one per run, where each test file's counts go (set by the reporter before any worker starts). */
export const logScanDirVariable = "XC_LOG_SCAN_DIR";

/** The test environment's hooks on the test's global object. */
export const environmentHooksKey = Symbol.for("xero-connector.log-scan.environment-hooks");

export interface EnvironmentHooks {
  /** Called once after the file's last hook: the error to fail the file with, if any. */
  finish?: () => Error | undefined;
  /** Called at teardown, in case the run never finished (a file that failed to load). */
  restore?: () => void;
}

/** What one test file's scan writes. */
export interface FileTotals {
  testPath: string;
  lines: number;
  linesBySource: Record<SourceKind, number>;
  knownSecrets: number;
  findings: number;
  /** How long the scan took (the capture itself costs a function call per line). */
  scanMs: number;
}
