// Writes dist/test-summary.json and prints the plain "N passed, N failed" line that CI reads.
const fs = require("node:fs");
const path = require("node:path");

class SummaryReporter {
  onRunComplete(_contexts, results) {
    const passed = results.numPassedTests;
    const failed = results.numFailedTests + results.numRuntimeErrorTestSuites;
    const summary = { passed, failed, suitesFailed: results.numFailedTestSuites };
    const out = path.join(__dirname, "..", "dist", "test-summary.json");
    fs.mkdirSync(path.dirname(out), { recursive: true });
    fs.writeFileSync(out, JSON.stringify(summary) + "\n");
    process.stdout.write(`\n${passed} passed, ${failed} failed\n`);
  }
}

module.exports = SummaryReporter;
