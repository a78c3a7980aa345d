// The suite-wide total of the log scan, for scripts/jest-summary-reporter.js: the reporter makes one folder per run
// and points $XC_LOG_SCAN_DIR at it before any worker starts (workers and their test files inherit the environment);
// each test file's scan writes its counts there (log-scan-setup.ts); at the end of the run they are added up.
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");

/** The same name as `logScanDirVariable` in log-scan-totals.ts. */
const logScanDirVariable = "XC_LOG_SCAN_DIR";
const sourceKinds = ["logger", "console", "stdout", "stderr", "child"];

/** A fresh folder for this run's counts; sets the variable for the workers. */
function startLogScanRun(env = process.env) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "xc-log-scan-run-"));
  env[logScanDirVariable] = dir;
  return dir;
}

/**
 * Adds up the counts of every scanned test file. `testResults` are Jest's (testFilePath and displayName): a file is
 * counted in its project; files that ran but left no counts (they failed before their end) are counted apart.
 */
function sumLogScan(dir, testResults = []) {
  const projectOf = new Map(testResults.map((result) => [result.testFilePath, result.displayName?.name ?? ""]));
  const totals = {
    lines: 0,
    files: 0,
    projects: 0,
    findings: 0,
    knownSecrets: 0,
    scanMs: 0,
    unscannedFiles: 0,
    linesBySource: {},
  };
  for (const kind of sourceKinds) totals.linesBySource[kind] = 0;
  const scanned = new Set();
  const projects = new Set();
  const names = fs.existsSync(dir) ? fs.readdirSync(dir).filter((name) => name.endsWith(".json")) : [];
  for (const name of names) {
    const file = JSON.parse(fs.readFileSync(path.join(dir, name), "utf8"));
    totals.files += 1;
    totals.lines += Number(file.lines) || 0;
    totals.findings += Number(file.findings) || 0;
    totals.knownSecrets += Number(file.knownSecrets) || 0;
    totals.scanMs += Number(file.scanMs) || 0;
    for (const kind of sourceKinds) totals.linesBySource[kind] += Number(file.linesBySource?.[kind]) || 0;
    scanned.add(file.testPath);
    projects.add(projectOf.get(file.testPath) ?? "");
  }
  totals.projects = projects.size;
  totals.scanMs = Math.round(totals.scanMs);
  totals.unscannedFiles = testResults.filter((result) => !scanned.has(result.testFilePath)).length;
  return totals;
}

const count = (n) => n.toLocaleString("en-US");
const plural = (n, one, many) => `${count(n)} ${n === 1 ? one : many}`;

/** The one line printed before the final "N passed, N failed". */
function formatLogScan(totals) {
  const unscanned =
    totals.unscannedFiles > 0
      ? ` (${plural(totals.unscannedFiles, "test file", "test files")} not scanned: failed before their end)`
      : "";
  return (
    `log scan: ${plural(totals.lines, "line", "lines")} from ${plural(totals.files, "test file", "test files")} in ` +
    `${plural(totals.projects, "project", "projects")}, ${plural(totals.findings, "finding", "findings")}${unscanned}`
  );
}

module.exports = { logScanDirVariable, startLogScanRun, sumLogScan, formatLogScan };
