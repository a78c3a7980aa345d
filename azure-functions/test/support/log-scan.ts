// The log scan's check over a logger's own entries, for tests that assert a flow or adapter logged nothing secret:
// the same check the suite-wide scan runs on every line (test-support/secret-scan.ts).
import { scanTexts } from "../../../test-support/secret-scan";
import type { LogEntry } from "../../src/core/logger";

/** One description per entry (its JSON) that holds a known secret value or a secret's shape; empty when clean. */
export function findSecretsInLogs(entries: readonly LogEntry[], knownSecrets: readonly string[]): string[] {
  const texts = entries.map((entry) => ({ source: "logger", text: JSON.stringify(entry) }));
  return scanTexts(texts, knownSecrets).map((finding) => `${finding.reason} in: ${finding.excerpt}`);
}
