// Types of log-scan-summary.js (plain JavaScript: the reporter loads it without a transform).
export declare const logScanDirVariable: string;

export interface LogScanTotals {
  lines: number;
  files: number;
  projects: number;
  findings: number;
  knownSecrets: number;
  scanMs: number;
  unscannedFiles: number;
  linesBySource: Record<string, number>;
}

export declare function startLogScanRun(env?: NodeJS.ProcessEnv): string;
export declare function sumLogScan(
  dir: string,
  testResults?: readonly { testFilePath: string; displayName?: { name: string } }[],
): LogScanTotals;
export declare function formatLogScan(totals: LogScanTotals): string;
