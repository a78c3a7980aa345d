// App-consent connections in the connections table: only the environment and its tenant are stored; the service's
// multi-tenant app id and secret come from the store's configuration on every read.
import type { Azurite } from "../../../../sandbox/src/azurite";
import { createConnectionStore, type DataverseCredentials } from "../../../src/adapters/table-storage/connection-store";
import { ManualClock } from "../../../src/core/clock";
import { SyncError } from "../../../src/core/errors";
import { freshTable, startStorage, testKeyRing } from "../../support/storage";

const app = { clientId: "5e7c9d1a-0000-4000-8000-00000000a99c", clientSecret: "service-app-secret-value-1" };
const consented: DataverseCredentials = {
  url: "https://contoso.crm.dynamics.com",
  tenantId: "0f0e0d0c-0000-4000-8000-000000000001",
  ...app,
  authorisation: "app-consent",
};

describe("connection store: app-consent connections (Azurite)", () => {
  let azurite: Azurite;
  const clock = new ManualClock(Date.UTC(2026, 5, 1));
  beforeAll(async () => {
    azurite = await startStorage();
  });
  afterAll(async () => {
    await azurite.stop();
  });

  it("stores the environment and tenant only, and reads the service's app back from configuration", async () => {
    const table = await freshTable(azurite, "conn");
    const store = createConnectionStore(table, { keyRing: testKeyRing(), clock, dataverseApp: app });
    const created = await store.create({ id: "c1", dataverse: consented });
    expect(created.dataverse).toStrictEqual(consented);

    const raw = await table.getEntity<Record<string, unknown>>("connection", "c1");
    expect(raw).toMatchObject({
      dataverseUrl: consented.url,
      dataverseTenantId: consented.tenantId,
      dataverseAuthorisation: "app-consent",
    });
    expect(raw).not.toHaveProperty("dataverseClientId");
    expect(raw).not.toHaveProperty("dataverseClientSecret");
    expect(JSON.stringify(raw)).not.toContain(app.clientSecret);
    expect(JSON.stringify(raw)).not.toContain(app.clientId);
    expect(await store.get("c1")).toStrictEqual(created);

    // The service rotates its app's secret: the same row now reads with the new one, no customer action needed.
    const rotated = { ...app, clientSecret: "service-app-secret-value-2" };
    const afterRotation = createConnectionStore(table, { keyRing: testKeyRing(), clock, dataverseApp: rotated });
    expect((await afterRotation.get("c1"))?.dataverse).toStrictEqual({
      ...consented,
      clientSecret: rotated.clientSecret,
    });
    // An update through it keeps the row an app-consent row without writing the secret.
    await afterRotation.update("c1", (current) => ({ ...current, connectorId: "connector-1" }));
    const rewritten = await table.getEntity<Record<string, unknown>>("connection", "c1");
    expect(rewritten).toMatchObject({ dataverseAuthorisation: "app-consent", connectorId: "connector-1" });
    expect(rewritten).not.toHaveProperty("dataverseClientSecret");
    expect(await afterRotation.reencryptAll()).toBe(0);
  });

  it("switches a connection between the two ways cleanly", async () => {
    const table = await freshTable(azurite, "conn");
    const store = createConnectionStore(table, { keyRing: testKeyRing(), clock, dataverseApp: app });
    const own = {
      url: consented.url,
      tenantId: consented.tenantId,
      clientId: "own-app",
      clientSecret: "own-secret-value",
    };
    await store.create({ id: "c1", dataverse: own });
    await store.update("c1", (current) => ({ ...current, dataverse: consented }));
    const raw = await table.getEntity<Record<string, unknown>>("connection", "c1");
    expect(raw).not.toHaveProperty("dataverseClientSecret");
    expect(raw).not.toHaveProperty("dataverseClientId");
    await store.update("c1", (current) => ({ ...current, dataverse: own }));
    expect((await store.get("c1"))?.dataverse).toStrictEqual(own);
    const back = await table.getEntity<Record<string, unknown>>("connection", "c1");
    expect(back).not.toHaveProperty("dataverseAuthorisation");
  });

  it("reads rows written before app consent existed as client-secret connections", async () => {
    const table = await freshTable(azurite, "conn");
    const legacy = createConnectionStore(table, { keyRing: testKeyRing(), clock });
    const own = {
      url: consented.url,
      tenantId: consented.tenantId,
      clientId: "own-app",
      clientSecret: "own-secret-value",
    };
    await legacy.create({ id: "old", dataverse: own });
    const store = createConnectionStore(table, { keyRing: testKeyRing(), clock, dataverseApp: app });
    expect((await store.get("old"))?.dataverse).toStrictEqual(own);
  });

  it("refuses to read an app-consent row when the service's app is not configured, naming the settings", async () => {
    const table = await freshTable(azurite, "conn");
    await createConnectionStore(table, { keyRing: testKeyRing(), clock, dataverseApp: app }).create({
      id: "c1",
      dataverse: consented,
    });
    const unconfigured = createConnectionStore(table, { keyRing: testKeyRing(), clock });
    const read = unconfigured.get("c1");
    await expect(read).rejects.toBeInstanceOf(SyncError);
    await expect(unconfigured.get("c1")).rejects.toMatchObject({
      kind: "config",
      message: expect.stringContaining("DATAVERSE_APP_CLIENT_ID and DATAVERSE_APP_CLIENT_SECRET"),
    });
  });
});
