// The log scan: every suite that logs collects its entries in memory and proves, at its end, that no token, secret,
// authorization code or signed-link signature appears in any of them.
import type { LogEntry } from "../../src/core/logger";

/** Shapes of secrets we must never write, whatever their value. */
const forbiddenPatterns: readonly RegExp[] = [
  /Bearer\s+(?!\[redacted\])[A-Za-z0-9\-._~+/=]{8,}/i,
  /\beyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*/,
  /[?&\s]code=(?!\[redacted\])[^&\s"']+/i,
  /refresh_token["']?\s*[=:]\s*["']?(?!\[redacted\])[A-Za-z0-9]/i,
  /client_secret["']?\s*[=:]\s*["']?(?!\[redacted\])[A-Za-z0-9]/i,
];

/** Lines (JSON of each entry) that contain a known secret value or a forbidden shape. */
export function findSecretsInLogs(entries: readonly LogEntry[], knownSecrets: readonly string[]): string[] {
  const findings: string[] = [];
  for (const entry of entries) {
    const line = JSON.stringify(entry);
    for (const secret of knownSecrets) if (secret.length >= 8 && line.includes(secret)) findings.push(`known secret in: ${line.slice(0, 200)}`);
    for (const pattern of forbiddenPatterns) if (pattern.test(line)) findings.push(`${pattern.source} in: ${line.slice(0, 200)}`);
  }
  return findings;
}
