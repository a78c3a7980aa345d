// The daily keep-alive timer over the composition (Azurite, a manual clock): it first deletes connections left pending
// for 30 days with their grants (so their grants are never refreshed), then keeps the rest alive, and logs one summary
// line of counts. A failing sweep does not stop the keep-alive.
import { randomBytes } from "node:crypto";
import { InvocationContext, type Timer } from "@azure/functions";
import { startAzurite, type Azurite } from "../../../sandbox/src/azurite";
import { createService, type Service } from "../../src/composition";
import { loadConfig } from "../../src/config";
import { ManualClock } from "../../src/core/clock";
import { tokenKeepAliveFunction } from "../../src/functions/token-keepalive";
import { abandonedAfterMs } from "../../src/onboarding/abandoned-connections";
import { rememberSecrets } from "../support/log-capture";

const day = 86_400_000;
const timer: Timer = {
  isPastDue: false,
  schedule: { adjustForDST: false },
  scheduleStatus: { last: "", next: "", lastUpdated: "" },
};

describe("token keep-alive timer (Azurite)", () => {
  const clock = new ManualClock(Date.UTC(2026, 5, 6, 2, 47));
  let azurite: Azurite;
  let service: Service;

  beforeAll(async () => {
    azurite = await startAzurite();
    const unreachable = "http://127.0.0.1:9";
    service = await createService(
      loadConfig({
        AzureWebJobsStorage: azurite.connectionString,
        XC_ENCRYPTION_KEYS: `k1:${randomBytes(32).toString("base64")}`,
        XC_LINK_SIGNING_KEY: randomBytes(32).toString("base64url"),
        XC_PUBLIC_BASE_URL: "http://127.0.0.1:7071",
        XERO_CLIENT_ID: "keepalive-client",
        XERO_CLIENT_SECRET: "keepalive-client-secret",
        // Nothing may reach Xero here: a refresh attempt would fail and be counted.
        XERO_IDENTITY_URL: unreachable,
        XERO_LOGIN_URL: unreachable,
        XERO_API_URL: unreachable,
        XERO_CONNECTIONS_URL: unreachable,
        DATAVERSE_AUTHORITY_URL: unreachable,
      }),
      { clock, sleep: () => Promise.resolve() },
    );
  });

  afterAll(async () => {
    await azurite?.stop();
  });

  const storeGrant = async (connectionId: string): Promise<void> => {
    const refreshToken = `keepalive-refresh-${connectionId}`;
    rememberSecrets(refreshToken);
    await service.vault.storeGrant(connectionId, {
      accessToken: `keepalive-access-${connectionId}`,
      refreshToken,
      scopes: [],
      accessTokenExpiresAt: clock.now() + 1_800_000,
      refreshTokenIssuedAt: clock.now(),
    });
  };

  /** One invocation log line: "<level> <JSON entry>". */
  const entryOf = (line: string | undefined) => {
    const entry = JSON.parse((line ?? "").slice((line ?? "").indexOf(" ") + 1)) as {
      level: string;
      message: string;
      data: Record<string, unknown> & { failed: number };
    };
    return { level: entry.level, message: entry.message, data: entry.data };
  };

  const run = async (target: Service): Promise<string[]> => {
    const logged: string[] = [];
    const keepAlive = tokenKeepAliveFunction(() => Promise.resolve(target));
    await keepAlive.handler(
      timer,
      new InvocationContext({
        functionName: keepAlive.name,
        logHandler: (level, ...args) => logged.push(`${level} ${args.map(String).join(" ")}`),
      }),
    );
    return logged;
  };

  test("deletes the abandoned connection and its grant before keep-alive, and logs counts only", async () => {
    const abandoned = await service.connections.create({ xero: { tenantId: "x-gone", tenantName: "Gone Ltd" } });
    await storeGrant(abandoned.id);
    clock.advance(abandonedAfterMs);
    const live = await service.connections.create({ xero: { tenantId: "x-live", tenantName: "Live Ltd" } });
    await service.connections.markConnected(live.id);
    await storeGrant(live.id);

    const logged = await run(service);
    expect(await service.connections.get(abandoned.id)).toBeUndefined();
    expect(await service.vault.getGrantInfo(abandoned.id)).toBeUndefined();
    expect(await service.connections.get(live.id)).toBeDefined();
    expect(await service.vault.getGrantInfo(live.id)).toMatchObject({ refreshCount: 0 });
    expect(logged).toHaveLength(1);
    // The abandoned grant, 30 days old, was never sent to Xero for a refresh (that would have failed here).
    expect(entryOf(logged[0])).toStrictEqual({
      level: "info",
      message: "Xero grants kept alive",
      data: { refreshed: 0, failed: 0, abandoned: { pending: 1, deleted: 1, keptForLiveLink: 0, failed: 0 } },
    });
    expect(logged[0]).not.toContain(abandoned.id);
    expect(logged[0]).not.toContain(live.id);
  });

  test("a failing sweep is reported and the keep-alive still runs", async () => {
    const due = await service.connections.create({ xero: { tenantId: "x-due", tenantName: "Due Ltd" } });
    await service.connections.markConnected(due.id);
    await storeGrant(due.id);
    clock.advance(31 * day);
    const failingStore: Service = {
      ...service,
      connections: { ...service.connections, listByStatus: () => Promise.reject(new Error("storage is down")) },
    };
    const logged = await run(failingStore);
    expect(logged).toHaveLength(1);
    // The keep-alive ran: the due grants were tried (and failed: Xero is unreachable here).
    expect(entryOf(logged[0])).toMatchObject({
      level: "warn",
      message: "some Xero grants could not be kept alive",
      data: { refreshed: 0, failed: expect.any(Number), abandoned: { error: "storage is down" } },
    });
    expect(entryOf(logged[0]).data.failed).toBeGreaterThan(0);
    expect(await service.connections.get(due.id)).toBeDefined();
  });
});
