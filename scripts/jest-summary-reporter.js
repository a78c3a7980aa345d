// Writes dist/test-summary.json and prints the plain "N passed, N failed" line that CI reads. Before it, the log
// scan's suite-wide total (test-support/log-scan-summary.js): one line, and `logScan` in the summary file.
const fs = require("node:fs");
const path = require("node:path");
const { formatLogScan, startLogScanRun, sumLogScan } = require("../test-support/log-scan-summary");

class SummaryReporter {
  constructor() {
    // Before any worker starts: workers inherit the environment.
    this.logScanDir = startLogScanRun();
  }

  onRunStart() {
    // Again for each run of a watch session (the previous run's folder was removed at its end).
    fs.mkdirSync(this.logScanDir, { recursive: true });
  }

  onRunComplete(_contexts, results) {
    const passed = results.numPassedTests;
    const failed = results.numFailedTests + results.numRuntimeErrorTestSuites;
    const logScan = sumLogScan(this.logScanDir, results.testResults);
    fs.rmSync(this.logScanDir, { recursive: true, force: true });
    const summary = { passed, failed, suitesFailed: results.numFailedTestSuites, logScan };
    const out = path.join(__dirname, "..", "dist", "test-summary.json");
    fs.mkdirSync(path.dirname(out), { recursive: true });
    fs.writeFileSync(out, JSON.stringify(summary) + "\n");
    process.stdout.write(`\n${formatLogScan(logScan)}\n`);
    process.stdout.write(`\n${passed} passed, ${failed} failed\n`);
  }
}

module.exports = SummaryReporter;
