// Spec-validation counts for the test suite's total: when XERO_VALIDATION_DIR is set (the Jest reporter
// sandbox/test/xero/validation-count-reporter.js sets it for each run), every emulator writes its own counts there as
// <pid>-<id>.json when it stops, and the reporter adds the files up once every suite has finished. One file per
// emulator, because Jest gives each test file its own module registry, so nothing in memory outlives a test file.
import { randomUUID } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export interface ValidationCounts {
  requestsValidated: number;
  responsesValidated: number;
  requestViolations: number;
  responseViolations: number;
}

/** The folder named by XERO_VALIDATION_DIR, or undefined when nobody is collecting counts. */
export function validationCountsDirFromEnv(): string | undefined {
  const dir = process.env["XERO_VALIDATION_DIR"];
  return dir === undefined || dir === "" ? undefined : dir;
}

/** Writes one emulator's counts; answers the file written. */
export function writeValidationCounts(counts: ValidationCounts, dir: string): string {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${process.pid}-${randomUUID().slice(0, 8)}.json`);
  const { requestsValidated, responsesValidated, requestViolations, responseViolations } = counts;
  writeFileSync(
    file,
    `${JSON.stringify({ pid: process.pid, requestsValidated, responsesValidated, requestViolations, responseViolations })}\n`,
  );
  return file;
}
