// The sweep of abandoned onboarding over Azurite with a manual clock: a connection pending and unchanged for 30 days
// goes with its grant; a younger pending one, a connected or disconnected one, and a pending one a live link still
// points at all stay.
import type { TableClient } from "@azure/data-tables";
import type { Azurite } from "../../../sandbox/src/azurite";
import { createConnectionStore, type Connection } from "../../src/adapters/table-storage/connection-store";
import { createTokenVault } from "../../src/adapters/table-storage/token-vault";
import { ManualClock } from "../../src/core/clock";
import { createMemoryLogger } from "../../src/core/logger";
import { createLinkStore } from "../../src/links/link-store";
import { abandonedAfterMs, isAbandoned, sweepAbandonedConnections } from "../../src/onboarding/abandoned-connections";
import { rememberSecrets } from "../support/log-capture";
import { freshTable, startStorage, testKeyRing } from "../support/storage";

const day = 86_400_000;
const dataverse = {
  url: "https://contoso.crm.dynamics.com",
  tenantId: "t-1",
  clientId: "app-1",
  clientSecret: "abandoned-test-client-secret",
};
rememberSecrets(dataverse.clientSecret);

let azurite: Azurite;
beforeAll(async () => {
  azurite = await startStorage();
});
afterAll(async () => {
  await azurite.stop();
});

async function setUp() {
  const clock = new ManualClock(Date.UTC(2026, 2, 2, 9));
  const logger = createMemoryLogger();
  const keyRing = testKeyRing();
  const connections = createConnectionStore(await freshTable(azurite, "abandonedconn"), { keyRing, clock });
  const vault = createTokenVault({
    table: await freshTable(azurite, "abandonedtok"),
    keyRing,
    clock,
    xero: { identityUrl: "http://127.0.0.1:9/unused", clientId: "xero-app", clientSecret: "unused" },
  });
  const links = createLinkStore(await freshTable(azurite, "abandonedlink"), {
    signingKey: "s".repeat(43),
    publicBaseUrl: "http://127.0.0.1:7071",
    clock,
  });
  let grants = 0;
  const withGrant = async (connection: Connection): Promise<Connection> => {
    const refreshToken = `abandoned-refresh-${++grants}`;
    rememberSecrets(refreshToken);
    await vault.storeGrant(connection.id, {
      accessToken: `abandoned-access-${grants}`,
      refreshToken,
      scopes: [],
      accessTokenExpiresAt: clock.now() + 1_800_000,
      refreshTokenIssuedAt: clock.now(),
    });
    return connection;
  };
  const sweep = () => sweepAbandonedConnections({ connections, vault, links, clock, logger });
  return { clock, logger, connections, vault, links, withGrant, sweep };
}

test("a pending connection unchanged for 30 days is abandoned; younger, connected or disconnected ones are not (pure)", () => {
  const now = Date.UTC(2026, 3, 1);
  const at = (status: Connection["status"], ageMs: number): Connection => ({
    id: "c",
    dataverse: null,
    xero: null,
    connectorId: null,
    status,
    statusReason: null,
    createdOn: new Date(now - 90 * day).toISOString(),
    updatedOn: new Date(now - ageMs).toISOString(),
  });
  expect(isAbandoned(at("pending", abandonedAfterMs), now)).toBe(true);
  expect(isAbandoned(at("pending", abandonedAfterMs - 1), now)).toBe(false);
  expect(isAbandoned(at("connected", 90 * day), now)).toBe(false);
  expect(isAbandoned(at("disconnected", 90 * day), now)).toBe(false);
});

test("deletes an old pending connection with its grant; keeps a young pending one and old connected and disconnected ones", async () => {
  const { clock, logger, connections, vault, withGrant, sweep } = await setUp();
  // Xero consented, then abandoned before Dynamics 365: a grant exists.
  const oldPending = await withGrant(
    await connections.create({ xero: { tenantId: "x-old", tenantName: "Left Behind Ltd" } }),
  );
  const oldBare = await connections.create({ dataverse });
  const connected = await withGrant(
    await connections.create({ dataverse, xero: { tenantId: "x-1", tenantName: "A" } }),
  );
  await connections.markConnected(connected.id);
  const disconnected = await withGrant(
    await connections.create({ dataverse, xero: { tenantId: "x-2", tenantName: "B" } }),
  );
  await connections.markDisconnected(disconnected.id, "Xero refused the grant");

  clock.advance(abandonedAfterMs - day);
  const young = await withGrant(await connections.create({ xero: { tenantId: "x-young", tenantName: "Young Ltd" } }));
  expect(await sweep()).toStrictEqual({ pending: 3, deleted: 0, keptForLiveLink: 0, failed: 0 });

  clock.advance(day);
  expect(await sweep()).toStrictEqual({ pending: 3, deleted: 2, keptForLiveLink: 0, failed: 0 });
  expect(await connections.get(oldPending.id)).toBeUndefined();
  expect(await connections.get(oldBare.id)).toBeUndefined();
  expect(await vault.getGrantInfo(oldPending.id)).toBeUndefined();
  for (const kept of [young, connected, disconnected]) {
    expect(await connections.get(kept.id)).toBeDefined();
    expect(await vault.getGrantInfo(kept.id)).toBeDefined();
  }
  expect((await connections.get(connected.id))?.status).toBe("connected");
  expect((await connections.get(disconnected.id))?.status).toBe("disconnected");

  // Months later the connected and disconnected ones are still there; the young one went once 30 days old.
  clock.advance(90 * day);
  expect(await sweep()).toStrictEqual({ pending: 1, deleted: 1, keptForLiveLink: 0, failed: 0 });
  expect((await connections.list()).map((item) => item.id).sort()).toStrictEqual(
    [connected.id, disconnected.id].sort(),
  );
  expect(logger.entries).toStrictEqual([]);
});

test("keeps an old pending connection while a link that still works points at it", async () => {
  const { clock, connections, links, sweep } = await setUp();
  const pending = await connections.create();
  clock.advance(abandonedAfterMs - day);
  // Support sent a fresh link for the old pending connection (the connection row itself does not change).
  await links.issue({ kind: "xero", connectionId: pending.id, lifetimeMs: 3 * day, issuedBy: "support" });
  const used = await connections.create();
  const usedLink = await links.issue({ kind: "dynamics", connectionId: used.id, lifetimeMs: 3 * day });
  clock.advance(2 * day);
  expect(await links.consume(usedLink.token)).toMatchObject({ ok: true });
  const withdrawn = await connections.create();
  await links.issue({ kind: "xero", connectionId: withdrawn.id, lifetimeMs: 3 * day });
  await links.revokeForConnection(withdrawn.id);

  // `pending` is 31 days old but its link lives until day 32; the others are young.
  expect(await sweep()).toMatchObject({ deleted: 0, keptForLiveLink: 1 });
  expect(await connections.get(pending.id)).toBeDefined();

  clock.advance(day);
  expect(await sweep()).toMatchObject({ deleted: 1, keptForLiveLink: 0 });
  expect(await connections.get(pending.id)).toBeUndefined();

  // A used or withdrawn link keeps nothing alive.
  clock.advance(abandonedAfterMs);
  expect(await sweep()).toMatchObject({ deleted: 2, keptForLiveLink: 0 });
  expect(await connections.list()).toStrictEqual([]);
});

test("a pending connection written between the sweep's read and its delete stays (ETag-conditional delete)", async () => {
  const clock = new ManualClock(Date.UTC(2026, 2, 2, 9));
  const table = await freshTable(azurite, "abandonedrace");
  const options = { keyRing: testKeyRing(), clock };
  const customer = createConnectionStore(table, options);
  let interleave: (() => Promise<unknown>) | undefined;
  // The customer's write lands just before the sweep's delete reaches storage.
  const racing = new Proxy(table, {
    get(target, name, receiver) {
      if (name === "deleteEntity")
        return async (...args: Parameters<TableClient["deleteEntity"]>) => {
          await interleave?.();
          return target.deleteEntity(...args);
        };
      const value: unknown = Reflect.get(target, name, receiver);
      return typeof value === "function" ? (value.bind(target) as unknown) : value;
    },
  });
  const sweeper = createConnectionStore(racing, options);
  const pending = await customer.create();
  clock.advance(abandonedAfterMs);
  interleave = () =>
    customer.update(pending.id, (current) => ({ ...current, xero: { tenantId: "x-late", tenantName: "Late Ltd" } }));
  expect(await sweeper.deleteIf(pending.id, (current) => current.status === "pending")).toBe(false);
  expect((await customer.get(pending.id))?.xero?.tenantId).toBe("x-late");
  interleave = undefined;
  expect(await sweeper.deleteIf(pending.id, (current) => current.xero === null)).toBe(false);
  expect(await sweeper.deleteIf(pending.id, (current) => current.status === "pending")).toBe(true);
  expect(await customer.get(pending.id)).toBeUndefined();
  expect(await sweeper.deleteIf(pending.id, () => true)).toBe(false);
});
