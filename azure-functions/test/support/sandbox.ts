// A sandbox for end-to-end tests of the flows: the Dataverse and Xero emulators on free ports sharing one manual
// clock (waits advance it), a Dataverse org with the demo seed, a Xero organisation and a Xero Connector row, and the
// real adapters (the infrastructure's Web API client, the xero-node adapter) wired to them.
import { createDataverseClient, type DataverseWebApiClient } from "../../src/adapters/dataverse/web-api-client";
import type { XeroPort } from "../../src/adapters/xero/port";
import { createMemoryRateGate, type XeroRateGate } from "../../src/adapters/xero/rate-gate";
import { XeroNodeAdapter, type XeroCallRecord } from "../../src/adapters/xero/xero-node-adapter";
import { ManualClock } from "../../src/core/clock";
import { silentLogger } from "../../src/core/logger";
import type { Sleep } from "../../src/core/retry";
import { DataverseSyncStore } from "../../src/engine/dataverse-store";
import { createMemoryPushJournal } from "../../src/engine/push-journal";
import type { FlowDependencies, FlowName, RunScope } from "../../src/flows/ports";
import { ReferenceDataFlow } from "../../src/flows/reference-data";
import { mag_xeroaccountcode, mag_xeroconnector, mag_taxrate, mag_xerostatus } from "../../src/generated/dataverse";
import {
  startDataverseEmulator,
  type DataverseEmulator,
  type DataverseOrganisation,
  type DemoSeed,
} from "../../../sandbox/src/dataverse";
import { startXeroEmulator, type XeroEmulator } from "../../../sandbox/src/xero";

export interface Sandbox {
  clock: ManualClock;
  sleep: Sleep;
  xero: XeroEmulator;
  dataverse: DataverseEmulator;
  org: DataverseOrganisation;
  client: DataverseWebApiClient;
  seed: DemoSeed;
  tenantId: string;
  connectorId: string;
  gate: XeroRateGate;
  calls: XeroCallRecord[];
  journal: ReturnType<typeof createMemoryPushJournal>;
  xeroPort: XeroNodeAdapter;
  store: DataverseSyncStore;
  deps: FlowDependencies & { xero: XeroPort; remainingCalls: () => Promise<number | undefined> };
  scope(flow: FlowName, overrides?: Partial<RunScope>): RunScope;
  setConnector(values: Record<string, unknown>): Promise<void>;
  stop(): Promise<void>;
}

let orgCounter = 0;

export async function startSandbox(options: { timeoutMs?: number } = {}): Promise<Sandbox> {
  const clock = new ManualClock(Date.UTC(2026, 2, 2, 9, 0, 0));
  const sleep: Sleep = (ms) => {
    clock.advance(Math.max(0, ms));
    return Promise.resolve();
  };
  const xero = await startXeroEmulator({ port: 0, clock });
  const dataverse = await startDataverseEmulator({ port: 0, clock });
  const org = dataverse.createOrganisation(`push-${process.pid}-${++orgCounter}`);
  const seed = dataverse.seedDemo(org);
  const { tenantId } = xero.createOrganisation({ name: "Demo Company (NZ)" });
  const client = createDataverseClient(
    { url: org.url, tenantId: org.tenantId, clientId: org.clientId, clientSecret: org.clientSecret },
    { authorityUrl: dataverse.url, clock, sleep },
  );
  let token: { value: string; issuedAt: number } | undefined;
  const accessToken = (): Promise<string> => {
    if (token === undefined || clock.now() - token.issuedAt > 20 * 60_000)
      token = { value: xero.issueTokenSet({ tenantIds: [tenantId] }).access_token ?? "", issuedAt: clock.now() };
    return Promise.resolve(token.value);
  };
  const gate = createMemoryRateGate({ clock, sleep });
  const calls: XeroCallRecord[] = [];
  const xeroPort = new XeroNodeAdapter({
    tenantId,
    apiUrl: xero.apiUrl,
    accessToken,
    gate,
    clock,
    timeoutMs: options.timeoutMs ?? 10_000,
    onCall: (call) => calls.push(call),
  });
  const store = new DataverseSyncStore(client, silentLogger);
  const journal = createMemoryPushJournal();
  const connectorId = await client.create(mag_xeroconnector.entitySetName, {
    [mag_xeroconnector.columns.mag_name]: "Demo Company (NZ)",
    [mag_xeroconnector.columns.mag_xerotenantid]: tenantId,
    [mag_xeroconnector.columns.mag_enabled]: true,
    [mag_xeroconnector.columns.mag_isdefault]: true,
    [mag_xeroconnector.columns.mag_xerostatus]: mag_xerostatus.Connected,
  });
  const deps = {
    store,
    journal,
    clock,
    sleep,
    logger: silentLogger,
    random: () => 0.5,
    xero: xeroPort,
    remainingCalls: () => gate.callsRemainingToday(tenantId),
  };
  const scope = (flow: FlowName, overrides: Partial<RunScope> = {}): RunScope => ({
    connectionId: "connection-1",
    connectorId,
    isDefaultConnector: true,
    flow,
    modifiedSince: new Date(clock.now() - 7 * 86_400_000),
    correlationId: `test-${flow}`,
    ...overrides,
  });
  return {
    clock,
    sleep,
    xero,
    dataverse,
    org,
    client,
    seed,
    tenantId,
    connectorId,
    gate,
    calls,
    journal,
    xeroPort,
    store,
    deps,
    scope,
    setConnector: (values) => client.update(mag_xeroconnector.entitySetName, connectorId, values),
    stop: async () => {
      await xero.stop();
      await dataverse.stop();
    },
  };
}

/** Warm reference data: runs the reference-data flow, then sets the connector's default account code and tax rate. */
export async function warmReferenceData(
  sandbox: Sandbox,
  defaults: { accountCode?: string; taxType?: string } = { accountCode: "200", taxType: "OUTPUT2" },
): Promise<void> {
  await new ReferenceDataFlow(sandbox.deps).run(sandbox.scope("ReferenceData"));
  const codes = await sandbox.client.retrieveMultiple<Record<string, unknown>>(mag_xeroaccountcode.entitySetName, {
    select: [mag_xeroaccountcode.columns.mag_xeroaccountcodeid, mag_xeroaccountcode.columns.mag_code],
  });
  const rates = await sandbox.client.retrieveMultiple<Record<string, unknown>>(mag_taxrate.entitySetName, {
    select: [mag_taxrate.columns.mag_taxrateid, mag_taxrate.columns.mag_taxtype],
  });
  const code = codes.find((row) => row[mag_xeroaccountcode.columns.mag_code] === defaults.accountCode);
  const rate = rates.find((row) => row[mag_taxrate.columns.mag_taxtype] === defaults.taxType);
  const bind: Record<string, unknown> = {};
  if (code !== undefined)
    bind[`${mag_xeroconnector.navigation.mag_defaultaccountcodeid.mag_xeroaccountcode}@odata.bind`] =
      `/${mag_xeroaccountcode.entitySetName}(${String(code[mag_xeroaccountcode.columns.mag_xeroaccountcodeid])})`;
  if (rate !== undefined)
    bind[`${mag_xeroconnector.navigation.mag_defaulttaxrateid.mag_taxrate}@odata.bind`] =
      `/${mag_taxrate.entitySetName}(${String(rate[mag_taxrate.columns.mag_taxrateid])})`;
  if (Object.keys(bind).length > 0) await sandbox.setConnector(bind);
}
