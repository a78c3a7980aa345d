// The whole-suite log scan sees what it must: entries of any logger (the silent one too, and below its level), the
// secrets loggers learn, console lines. (A leak itself cannot be staged here: this file's own scan would fail it.)
import { createLogger, createMemoryLogger, observeLogs, silentLogger, type LogEntry } from "../../src/core/logger";
import { capturedLineCount } from "../support/log-capture";
import { findSecretsInLogs } from "../support/log-scan";

describe("the log capture behind the suite-wide log scan", () => {
  it("observes entries of every logger, whatever its sink or level, after redaction", () => {
    const seen: LogEntry[] = [];
    const secrets: string[] = [];
    const stop = observeLogs({ entry: (entry) => seen.push(entry), secrets: (values) => secrets.push(...values) });
    const before = capturedLineCount();
    silentLogger.info("silent line", { connectionId: "c1" });
    createLogger(() => undefined, { minLevel: "error" }).debug("below the level");
    const memory = createMemoryLogger();
    memory.addSecrets(["learned-secret-value"]);
    memory.info("uses learned-secret-value");
    stop();
    silentLogger.info("after stop");
    expect(seen.map((entry) => entry.message)).toStrictEqual(["silent line", "below the level", "uses [redacted]"]);
    expect(secrets).toContain("learned-secret-value");
    expect(capturedLineCount() - before).toBe(4);
  });

  it("finds a known secret or a secret's shape in a line", () => {
    const entry = (message: string): LogEntry => ({ level: "info", message, timestamp: "", context: {} });
    expect(findSecretsInLogs([entry("opaque-refresh-value-123")], ["opaque-refresh-value-123"])).toHaveLength(1);
    expect(findSecretsInLogs([entry("GET /api/xero/callback?code=abcdef123")], [])).toHaveLength(1);
    expect(findSecretsInLogs([entry("connection c1 connected")], ["opaque-refresh-value-123"])).toStrictEqual([]);
  });
});
