// Connector setup on the Dataverse emulator: one connector per Xero organisation, and exactly one default per
// environment even when several organisations finish onboarding at the same moment (the per-environment lease).
import { startDataverseEmulator, type DataverseEmulator } from "../../../sandbox/src/dataverse";
import type { Azurite } from "../../../sandbox/src/azurite";
import { createDataverseClient } from "../../src/adapters/dataverse/web-api-client";
import { createLeaseStore } from "../../src/adapters/table-storage/leases";
import { systemClock } from "../../src/core/clock";
import { mag_xeroconnector } from "../../src/generated/dataverse";
import { ensureConnector, ensureConnectorExclusive, toEnvironmentLockKey } from "../../src/onboarding/connector-setup";
import { freshTable, startStorage } from "../support/storage";

let azurite: Azurite;
let dataverse: DataverseEmulator;
let orgs = 0;

beforeAll(async () => {
  azurite = await startStorage();
  dataverse = await startDataverseEmulator({ port: 0 });
});
afterAll(async () => {
  await dataverse.stop();
  await azurite.stop();
});

function environment() {
  const org = dataverse.createOrganisation(`setup-${process.pid}-${++orgs}`);
  const client = createDataverseClient(
    { url: org.url, tenantId: org.tenantId, clientId: org.clientId, clientSecret: org.clientSecret },
    { authorityUrl: dataverse.url, clock: systemClock },
  );
  const defaults = () => dataverse.store.list(org, mag_xeroconnector.logicalName).filter((row) => row["mag_isdefault"] === true);
  return { org, client, defaults };
}

const organisation = (index: number) => ({
  tenantId: `tenant-${index}`,
  tenantName: `Organisation ${index}`,
  grantExpiresOn: new Date(Date.UTC(2027, 0, 1)),
});

test("six organisations finishing at once in one environment make six connectors and exactly one default", async () => {
  const { org, client, defaults } = environment();
  const leases = createLeaseStore(await freshTable(azurite, "setuplease"), systemClock);
  const records = await Promise.all(
    [1, 2, 3, 4, 5, 6].map((index) =>
      ensureConnectorExclusive(client, organisation(index), { leases, environmentUrl: org.url, clock: systemClock }),
    ),
  );
  expect(records.filter((record) => record.created)).toHaveLength(6);
  expect(records.filter((record) => record.isDefault)).toHaveLength(1);
  expect(defaults()).toHaveLength(1);
  // Reauthorising one of them later changes nothing about the default.
  const again = await ensureConnectorExclusive(client, organisation(3), { leases, environmentUrl: org.url, clock: systemClock });
  expect(again.created).toBe(false);
  expect(defaults()).toHaveLength(1);
});

test("without the lease the same race can make more than one default (why the lease exists)", async () => {
  const { client, defaults } = environment();
  await Promise.all([1, 2, 3, 4, 5, 6].map((index) => ensureConnector(client, organisation(index))));
  expect(defaults().length).toBeGreaterThan(1);
});

test("the lock key of an environment is a valid table key, stable across case and spacing", () => {
  const key = toEnvironmentLockKey("https://Contoso.crm.dynamics.com");
  expect(key).toMatch(/^env-[0-9a-f]{40}$/);
  expect(toEnvironmentLockKey(" https://contoso.crm.dynamics.com ")).toBe(key);
  expect(toEnvironmentLockKey("https://fabrikam.crm.dynamics.com")).not.toBe(key);
});
