// Spec-validation counts of the whole process (every emulator it started), written to
// dist/xero-validation/<pid>.json so a Jest reporter can add up what every worker checked.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export interface ValidationTotals {
  requestsValidated: number;
  responsesValidated: number;
  requestViolations: number;
  responseViolations: number;
}

const totals: ValidationTotals = { requestsValidated: 0, responsesValidated: 0, requestViolations: 0, responseViolations: 0 };

export const validationTotalsDir = process.env["XERO_VALIDATION_DIR"] ?? join(__dirname, "..", "..", "..", "..", "dist", "xero-validation");

export function countValidation(direction: "request" | "response", ok: boolean): void {
  if (direction === "request") {
    totals.requestsValidated += 1;
    if (!ok) totals.requestViolations += 1;
  } else {
    totals.responsesValidated += 1;
    if (!ok) totals.responseViolations += 1;
  }
}

export function processValidationTotals(): ValidationTotals {
  return { ...totals };
}

/** Writes this process's running totals (the file is replaced each time, so the last write wins). */
export function writeValidationTotals(dir: string = validationTotalsDir): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `${process.pid}.json`), `${JSON.stringify({ pid: process.pid, ...totals })}\n`);
}
