// Jest setupFilesAfterEnv of every project (jest.config.js): one log capture per test file (log-capture.ts), scanned
// once the file's last hook has run. The file's test environment (log-scan-environment.js) calls `finish` on circus's
// run_finish event, after every afterAll (a sandbox's stop logs too), and turns findings into a failure of the file;
// under an environment without that hook (a docblock naming a stock one) an afterAll of ours does it instead. The
// counts go to $XC_LOG_SCAN_DIR for the suite-wide total (scripts/jest-summary-reporter.js).
import { randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { createLogCapture, realPorts, setActiveCapture, type ScanResult } from "./log-capture";
import { environmentHooksKey, logScanDirVariable, type EnvironmentHooks, type FileTotals } from "./log-scan-totals";

const capture = createLogCapture(realPorts());
setActiveCapture(capture);
capture.install();

function writeTotals(result: ScanResult, scanMs: number): void {
  const dir = process.env[logScanDirVariable];
  if (dir === undefined || dir.length === 0) return;
  const totals: FileTotals = {
    testPath: expect.getState().testPath ?? "",
    lines: result.lines,
    linesBySource: result.linesBySource,
    knownSecrets: result.knownSecrets,
    findings: result.findings.length,
    scanMs: Math.round(scanMs * 100) / 100,
  };
  try {
    writeFileSync(join(dir, `${process.pid}-${randomBytes(6).toString("hex")}.json`), `${JSON.stringify(totals)}\n`);
  } catch {
    // The run's folder is gone (a run cut short): the reporter then counts this file as not scanned.
  }
}

function toReport(result: ScanResult): Error | undefined {
  if (result.findings.length === 0) return undefined;
  const shown = result.findings
    .slice(0, 10)
    .map((finding) => `- ${finding.reason} in ${finding.source}: ${finding.excerpt}`);
  const more = result.findings.length > shown.length ? [`… and ${result.findings.length - shown.length} more`] : [];
  return new Error(
    [
      `log scan: ${result.findings.length} log line(s) hold a token, secret or code (masked below):`,
      ...shown,
      ...more,
    ].join("\n"),
  );
}

let finished: Error | undefined | null = null;
/** Scans once, writes the counts, puts everything back; the error to fail the file with, if any. */
function finish(): Error | undefined {
  if (finished !== null) return finished;
  const started = performance.now();
  const result = capture.scan();
  const scanMs = performance.now() - started;
  capture.restore();
  writeTotals(result, scanMs);
  finished = toReport(result);
  return finished;
}

const hooks = (globalThis as { [environmentHooksKey]?: EnvironmentHooks })[environmentHooksKey];
if (hooks !== undefined) {
  hooks.finish = finish;
  hooks.restore = () => capture.restore();
} else {
  afterAll(() => {
    const error = finish();
    if (error !== undefined) throw error;
  });
}
