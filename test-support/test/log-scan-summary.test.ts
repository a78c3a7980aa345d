// The suite-wide total: each file's counts added up per run, one line for the reporter, and the names the
// JavaScript and TypeScript parts share.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { hooksKey } from "../log-scan-environment.js";
import { formatLogScan, logScanDirVariable, startLogScanRun, sumLogScan } from "../log-scan-summary.js";
import { environmentHooksKey, logScanDirVariable as typedVariable, type FileTotals } from "../log-scan-totals";

const fileTotals = (testPath: string, lines: number, findings = 0): FileTotals => ({
  testPath,
  lines,
  linesBySource: { logger: lines, console: 0, stdout: 0, stderr: 0, child: 0 },
  knownSecrets: 2,
  findings,
  scanMs: 1.25,
});

describe("the log scan's suite-wide total", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "log-scan-summary-"));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("adds up every file's counts, per project, and counts the files that left none", () => {
    writeFileSync(join(dir, "1-a.json"), JSON.stringify(fileTotals("/r/a.test.ts", 1200)));
    writeFileSync(join(dir, "1-b.json"), JSON.stringify(fileTotals("/r/b.test.ts", 34, 1)));
    writeFileSync(join(dir, "2-c.json"), JSON.stringify(fileTotals("/r/c.test.ts", 0)));
    const totals = sumLogScan(dir, [
      { testFilePath: "/r/a.test.ts", displayName: { name: "sandbox" } },
      { testFilePath: "/r/b.test.ts", displayName: { name: "sandbox" } },
      { testFilePath: "/r/c.test.ts", displayName: { name: "webresources" } },
      { testFilePath: "/r/d.test.ts", displayName: { name: "webresources" } },
    ]);
    expect(totals).toStrictEqual({
      lines: 1234,
      files: 3,
      projects: 2,
      findings: 1,
      knownSecrets: 6,
      scanMs: 4,
      unscannedFiles: 1,
      linesBySource: { logger: 1234, console: 0, stdout: 0, stderr: 0, child: 0 },
    });
    expect(formatLogScan(totals)).toBe(
      "log scan: 1,234 lines from 3 test files in 2 projects, 1 finding (1 test file not scanned: failed before their end)",
    );
  });

  it("reads an empty or missing folder as nothing scanned", () => {
    const totals = sumLogScan(join(dir, "missing"), []);
    expect(formatLogScan(totals)).toBe("log scan: 0 lines from 0 test files in 0 projects, 0 findings");
  });

  it("makes a folder per run and points the workers' variable at it", () => {
    const env: NodeJS.ProcessEnv = {};
    const made = startLogScanRun(env);
    try {
      expect(env[logScanDirVariable]).toBe(made);
    } finally {
      rmSync(made, { recursive: true, force: true });
    }
  });

  it("shares its names with the TypeScript side", () => {
    expect(logScanDirVariable).toBe(typedVariable);
    expect(hooksKey).toBe(environmentHooksKey);
  });
});
