// Every secret an emulator hands out in this process (access and refresh tokens, authorization codes, client
// secrets), so the test suite's log scan can prove none of them reaches a log line. Kept on globalThis so that every
// copy of this module in one process (Jest gives each test file its own module registry) fills the same set.
// In a child process a test started (`npm run sandbox`, `npm start`), the scan's file named by
// XC_LOG_SCAN_SECRETS_FILE (test-support/child-output.ts) receives each new one too: the test's scan reads it.
import { appendFileSync } from "node:fs";

const key = Symbol.for("xero-connector.sandbox.issued-secrets");

/** Values shorter than this are too common to scan for (ids, small numbers). */
const minimumLength = 8;
/** A bound on memory for long runs (the benchmark issues many tokens); the oldest are dropped first. */
const capacity = 100_000;

function issued(): Set<string> {
  const holder = globalThis as { [key]?: Set<string> };
  holder[key] ??= new Set<string>();
  return holder[key];
}

/** Set only in the children of a test under the log scan. */
const childSecretsFile = process.env["XC_LOG_SCAN_SECRETS_FILE"];

/** Records values that must never appear in a log line. */
export function rememberIssuedSecret(...values: readonly (string | undefined)[]): void {
  const set = issued();
  const file = childSecretsFile;
  for (const value of values) {
    if (value === undefined || value.length < minimumLength || set.has(value)) continue;
    set.add(value);
    if (file !== undefined && file.length > 0) appendFileSync(file, `${value}\n`, { mode: 0o600 });
    if (set.size > capacity) {
      const oldest = set.values().next().value;
      if (oldest !== undefined) set.delete(oldest);
    }
  }
}

/** What the emulators of this process have issued so far. */
export function issuedSecrets(): readonly string[] {
  return [...issued()];
}
