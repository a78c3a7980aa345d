import { InvocationContext } from "@azure/functions";
import { createInvocationLogger, createMemoryLogger } from "../../src/core/logger";
import { SyncError } from "../../src/core/errors";
import { ManualClock } from "../../src/core/clock";
import { findSecretsInLogs } from "../support/log-scan";

const clientSecret = "s3cr3t-client-value-XYZ";
const jwt = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ1c2VyIn0.c2lnbmF0dXJl";

describe("logger", () => {
  const clock = new ManualClock(Date.UTC(2026, 4, 1));
  const logger = createMemoryLogger({ secrets: [clientSecret], now: () => clock.now(), context: { connectionId: "c-1" } });

  it("writes structured entries with ids from the context and its children", () => {
    logger.child({ flow: "InvoicesToXero", recordId: "r-1" }).info("pushed", { count: 3 });
    expect(logger.entries.at(-1)).toStrictEqual({
      level: "info",
      message: "pushed",
      timestamp: "2026-05-01T00:00:00.000Z",
      context: { connectionId: "c-1", flow: "InvoicesToXero", recordId: "r-1" },
      data: { count: 3 },
    });
  });

  it("redacts marked secrets, secret keys and token patterns", () => {
    logger.warn(`token call with client ${clientSecret}`, {
      headers: { Authorization: `Bearer ${jwt}` },
      url: "https://app.example/callback?code=AUTHCODE123&state=xyz",
      body: "grant_type=refresh_token&refresh_token=rt-abcdef123456",
      nested: { tokenSet: { access_token: jwt }, note: `jwt ${jwt}` },
    });
    const entry = logger.entries.at(-1);
    expect(entry?.message).toBe("token call with client [redacted]");
    expect(entry?.data).toStrictEqual({
      headers: { Authorization: "[redacted]" },
      url: "https://app.example/callback?code=[redacted]&state=[redacted]",
      body: "grant_type=refresh_token&refresh_token=[redacted]",
      nested: { tokenSet: "[redacted]", note: "jwt [redacted]" },
    });
  });

  it("hides secrets added at run time", () => {
    logger.addSecrets(["fresh-access-token-0001"]);
    logger.child({ recordId: "x" }).error("saw fresh-access-token-0001");
    expect(logger.entries.at(-1)?.message).toBe("saw [redacted]");
  });

  it("logs a SyncError as its safe JSON", () => {
    logger.error("failed", { error: new SyncError("xero answered 400", { kind: "validation", details: { status: 400 } }) });
    expect(logger.entries.at(-1)?.data).toStrictEqual({
      error: { name: "SyncError", kind: "validation", retryable: false, origin: "user", message: "xero answered 400", details: { status: 400 } },
    });
  });

  it("writes JSON lines through an InvocationContext", () => {
    const lines: [string, unknown[]][] = [];
    const invocation = new InvocationContext({ invocationId: "inv-9", functionName: "push", logHandler: (level, ...args) => lines.push([level, args]) });
    createInvocationLogger(invocation, { secrets: [clientSecret] }).info(`x ${clientSecret}`);
    expect(lines).toHaveLength(1);
    const [level, args] = lines[0] ?? ["", []];
    expect(level).toBe("information");
    const entry = JSON.parse(String(args[0])) as { message: string; context: unknown };
    expect(entry.message).toBe("x [redacted]");
    expect(entry.context).toStrictEqual({ invocationId: "inv-9", functionName: "push" });
  });

  it("emitted no token, secret or code in any log line", () => {
    expect(logger.entries.length).toBeGreaterThan(3);
    expect(findSecretsInLogs(logger.entries, [clientSecret, jwt, "AUTHCODE123", "rt-abcdef123456", "fresh-access-token-0001"])).toStrictEqual([]);
  });
});
