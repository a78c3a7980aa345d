import type { Azurite } from "../../../../sandbox/src/azurite";
import { createConnectionStore } from "../../../src/adapters/table-storage/connection-store";
import { ManualClock } from "../../../src/core/clock";
import { SyncError } from "../../../src/core/errors";
import { freshTable, startStorage, testKeyRing } from "../../support/storage";

const dataverse = { url: "https://contoso.crm.dynamics.com", tenantId: "t-1", clientId: "app-1", clientSecret: "dv-client-secret-value" };

describe("connection store (Azurite)", () => {
  let azurite: Azurite;
  const clock = new ManualClock(Date.UTC(2026, 5, 1));
  beforeAll(async () => {
    azurite = await startStorage();
  });
  afterAll(async () => {
    await azurite.stop();
  });

  it("creates, reads back, lists and updates connections", async () => {
    const store = createConnectionStore(await freshTable(azurite, "conn"), { keyRing: testKeyRing(), clock });
    const created = await store.create({ dataverse, xero: { tenantId: "x-1", tenantName: "Demo Co" }, connectorId: "c-1" });
    expect(created).toStrictEqual({
      id: created.id,
      dataverse,
      xero: { tenantId: "x-1", tenantName: "Demo Co" },
      connectorId: "c-1",
      status: "pending",
      statusReason: null,
      createdOn: "2026-06-01T00:00:00.000Z",
      updatedOn: "2026-06-01T00:00:00.000Z",
    });
    expect(await store.get(created.id)).toStrictEqual(created);
    clock.advance(1000);
    const connected = await store.markConnected(created.id);
    expect(connected.status).toBe("connected");
    const disconnected = await store.markDisconnected(created.id, "Xero refused the grant");
    expect(disconnected).toMatchObject({ status: "disconnected", statusReason: "Xero refused the grant", updatedOn: "2026-06-01T00:00:01.000Z" });
    await store.create({ id: "second" });
    expect((await store.list()).map((connection) => connection.id).sort()).toStrictEqual([created.id, "second"].sort());
    await expect(store.create({ id: "second" })).rejects.toMatchObject({ kind: "conflict" });
    await expect(store.require("missing")).rejects.toBeInstanceOf(SyncError);
  });

  it("stores the client secret encrypted, bound to its row", async () => {
    const table = await freshTable(azurite, "conn");
    const store = createConnectionStore(table, { keyRing: testKeyRing(), clock });
    const created = await store.create({ id: "c1", dataverse });
    const raw = await table.getEntity<Record<string, unknown>>("connection", "c1");
    expect(JSON.stringify(raw)).not.toContain(dataverse.clientSecret);
    expect(String(raw["dataverseClientSecret"])).toMatch(/^v1\.k1\./);
    // A ciphertext copied into another row does not decrypt there.
    await table.createEntity({ ...raw, rowKey: "c2", etag: undefined } as never);
    await expect(store.get("c2")).rejects.toThrow(/integrity/);
    expect((await store.get(created.id))?.dataverse?.clientSecret).toBe(dataverse.clientSecret);
  });

  it("rotates keys: the old key still decrypts, reencryptAll moves every secret to the new key", async () => {
    const table = await freshTable(azurite, "conn");
    await createConnectionStore(table, { keyRing: testKeyRing("k1", ["k1"]), clock }).create({ id: "c1", dataverse });
    const rotated = createConnectionStore(table, { keyRing: testKeyRing("k2", ["k1", "k2"]), clock });
    expect((await rotated.get("c1"))?.dataverse?.clientSecret).toBe(dataverse.clientSecret);
    expect(await rotated.reencryptAll()).toBe(1);
    expect(await rotated.reencryptAll()).toBe(0);
    const raw = await table.getEntity<Record<string, unknown>>("connection", "c1");
    expect(String(raw["dataverseClientSecret"])).toMatch(/^v1\.k2\./);
    const newOnly = createConnectionStore(table, { keyRing: { currentKeyId: "k2", keys: new Map([["k2", testKeyRing("k2", ["k1", "k2"]).keys.get("k2") as Buffer]]) }, clock });
    expect((await newOnly.get("c1"))?.dataverse?.clientSecret).toBe(dataverse.clientSecret);
  });

  it("applies concurrent updates without losing one", async () => {
    const store = createConnectionStore(await freshTable(azurite, "conn"), { keyRing: testKeyRing(), clock });
    await store.create({ id: "c1" });
    await Promise.all([
      store.update("c1", (current) => ({ ...current, connectorId: "connector-1" })),
      store.update("c1", (current) => ({ ...current, xero: { tenantId: "x", tenantName: "X" } })),
    ]);
    expect(await store.get("c1")).toMatchObject({ connectorId: "connector-1", xero: { tenantId: "x", tenantName: "X" } });
  });
});
