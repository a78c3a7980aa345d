// The scheduler follows the connector's Real-time switch, over the Dataverse emulator (real Web API client, requests
// counted by the emulator) and Azurite (the realtime table): a change registers or removes the webhook within one
// cycle, an unchanged switch costs no request beyond the connector read, a refused registration is surfaced and retried
// only after its back-off.
import { randomUUID } from "node:crypto";
import {
  startDataverseEmulator,
  type DataverseEmulator,
  type DataverseOrganisation,
} from "../../../sandbox/src/dataverse";
import type { Azurite } from "../../../sandbox/src/azurite";
import { createDataverseClient, type DataverseWebApiClient } from "../../src/adapters/dataverse/web-api-client";
import { createMemoryWorkQueue } from "../../src/adapters/queue/work-queue";
import type { Connection } from "../../src/adapters/table-storage/connection-store";
import { ManualClock } from "../../src/core/clock";
import { createMemoryLogger } from "../../src/core/logger";
import { Scheduler } from "../../src/engine/scheduler";
import { createMemoryScopeStore } from "../../src/engine/scope-store";
import {
  mag_flow,
  mag_xeroconnector,
  mag_xerodataflow,
  mag_xerostatus,
  mag_xerosynclog,
  sdkmessageprocessingstep,
  sdkmessageprocessingstepimage,
  serviceendpoint,
} from "../../src/generated/dataverse";
import { toDataverseWebhookKey } from "../../src/realtime/dataverse-receiver";
import { createTableRealtimeStore, type RealtimeStore } from "../../src/realtime/realtime-store";
import {
  createRealtimeSwitch,
  firstRetryDelayMs,
  registrationClaimMs,
  toRealtimeRegistration,
} from "../../src/realtime/registration";
import { freshTable, startStorage } from "../support/storage";

type Row = Record<string, unknown>;

const publicBaseUrl = "https://xc.example";
const keySecret = "link-signing-secret-for-tests-0123456789";
const cc = mag_xeroconnector.columns;

/** Dataverse's answer when the application user's role lacks prvCreateSdkMessageProcessingStep (code 0x80040220). */
const missingPrivilege = (): Response =>
  new Response(
    JSON.stringify({
      error: {
        code: "0x80040220",
        message:
          "Principal user (Id=5e1d0c52-7a4b-4f7e-9c1a-0d7f3b2f2a10, type=8, roleCount=1, privilegeCount=0, accessMode='4 Non-interactive') is missing prvCreateSdkMessageProcessingStep privilege (Id=998329e9-5ce5-4538-99b1-983191899a8b) for entity 'sdkmessageprocessingstep'.",
      },
    }),
    { status: 403, headers: { "Content-Type": "application/json; charset=utf-8" } },
  );

describe("the scheduler follows the Real-time switch (Dataverse emulator, Azurite)", () => {
  let emulator: DataverseEmulator;
  let azurite: Azurite;
  beforeAll(async () => {
    [emulator, azurite] = await Promise.all([startDataverseEmulator(), startStorage()]);
  }, 90_000);
  afterAll(async () => {
    await Promise.all([emulator?.stop(), azurite?.stop()]);
  });

  interface Setup {
    org: DataverseOrganisation;
    client: DataverseWebApiClient;
    connection: Connection;
    connectorId: string;
    store: RealtimeStore;
    clock: ManualClock;
    logger: ReturnType<typeof createMemoryLogger>;
    scheduler: Scheduler;
    /** While set, creating a step (or a direct PATCH of the connector) answers Dataverse's missing-privilege 403. */
    refuse: { steps: boolean; connectorWrites: boolean };
    /** Web API requests the org received while `work` ran. */
    requestsDuring(work: () => Promise<unknown>): Promise<number>;
    setSwitch(enabled: boolean): Promise<void>;
    /** This connection's rows of a registration table, as the emulator stores them. */
    ours(logicalName: string, nameColumn: string): Row[];
  }

  async function setup(options: { realtimeEnabled: boolean }): Promise<Setup> {
    const org = emulator.createOrganisation(`rt${randomUUID().slice(0, 8)}`);
    const clock = new ManualClock(Date.UTC(2026, 2, 2, 9, 0, 0));
    const logger = createMemoryLogger();
    const refuse = { steps: false, connectorWrites: false };
    const refusing: typeof fetch = (input, init) => {
      const url = new URL(typeof input === "string" ? input : input instanceof URL ? input.href : input.url);
      if (
        refuse.steps &&
        init?.method === "POST" &&
        url.pathname.endsWith(`/${sdkmessageprocessingstep.entitySetName}`)
      )
        return Promise.resolve(missingPrivilege());
      if (
        refuse.connectorWrites &&
        init?.method === "PATCH" &&
        url.pathname.includes(`/${mag_xeroconnector.entitySetName}(`)
      )
        return Promise.resolve(missingPrivilege());
      return fetch(input, init);
    };
    const credentials = {
      url: org.url,
      tenantId: org.tenantId,
      clientId: org.clientId,
      clientSecret: org.clientSecret,
    };
    const client = createDataverseClient(credentials, { authorityUrl: emulator.url, fetch: refusing, logger });
    const connectorId = await client.create(mag_xeroconnector.entitySetName, {
      [cc.mag_name]: "Demo",
      [cc.mag_enabled]: true,
      [cc.mag_isdefault]: true,
      [cc.mag_xerostatus]: mag_xerostatus.Connected,
      [cc.mag_realtimeenabled]: options.realtimeEnabled,
    });
    // A flow that is always due, to show the flows are scheduled whatever happens to the registration.
    await client.create(mag_xerodataflow.entitySetName, {
      [mag_xerodataflow.columns.mag_name]: "Invoices to Xero",
      [mag_xerodataflow.columns.mag_flow]: mag_flow.InvoicesToXero,
      [mag_xerodataflow.columns.mag_enabled]: true,
      [mag_xerodataflow.columns.mag_intervalminutes]: 15,
      [`${mag_xerodataflow.navigation.mag_xeroconnectorid.mag_xeroconnector}@odata.bind`]: `/${mag_xeroconnector.entitySetName}(${connectorId})`,
    });
    const connection: Connection = {
      id: `conn-${randomUUID()}`,
      dataverse: credentials,
      xero: { tenantId: randomUUID(), tenantName: "Demo" },
      connectorId,
      status: "connected",
      statusReason: null,
      createdOn: new Date(clock.now()).toISOString(),
      updatedOn: new Date(clock.now()).toISOString(),
    };
    const store = createTableRealtimeStore(await freshTable(azurite, "realtime"), clock);
    const scheduler = new Scheduler({
      connections: { list: () => Promise.resolve([connection]) },
      dataverseFor: () => client,
      queue: createMemoryWorkQueue(),
      scopes: createMemoryScopeStore(),
      clock,
      logger,
      realtime: createRealtimeSwitch({ store, publicBaseUrl, keySecret, clock, logger }),
    });
    return {
      org,
      client,
      connection,
      connectorId,
      store,
      clock,
      logger,
      scheduler,
      refuse,
      async requestsDuring(work) {
        const before = emulator.requestCount(org);
        await work();
        return emulator.requestCount(org) - before;
      },
      setSwitch: (enabled) =>
        client.update(mag_xeroconnector.entitySetName, connectorId, { [cc.mag_realtimeenabled]: enabled }),
      ours: (logicalName, nameColumn) =>
        emulator.store
          .list(org, logicalName)
          .filter((row) => typeof row[nameColumn] === "string" && row[nameColumn].includes(connection.id)),
    };
  }

  const endpoints = (s: Setup) => s.ours(serviceendpoint.logicalName, serviceendpoint.columns.name);
  const steps = (s: Setup) => s.ours(sdkmessageprocessingstep.logicalName, sdkmessageprocessingstep.columns.name);
  const images = (s: Setup) => emulator.store.list(s.org, sdkmessageprocessingstepimage.logicalName);
  /** A cycle a minute later (the timer's schedule). */
  const cycle = async (s: Setup) => {
    s.clock.advance(60_000);
    return s.scheduler.run();
  };

  it("with the switch off and nothing registered, a cycle makes only the connector read", async () => {
    const s = await setup({ realtimeEnabled: false });
    expect(await s.requestsDuring(() => cycle(s))).toBe(1);
    expect(endpoints(s)).toStrictEqual([]);
    expect(await s.store.getRegistration(s.connection.id)).toBeUndefined();
  });

  it("switched on after onboarding: the next cycle registers, the one after makes no registration request", async () => {
    const s = await setup({ realtimeEnabled: false });
    await cycle(s);
    await s.setSwitch(true);

    const summary = await cycle(s);
    expect(summary).toMatchObject({ connections: 1, realtimeChanged: 1, realtimeFailed: 0, failedConnections: 0 });
    const [endpoint] = endpoints(s);
    expect(endpoint?.[serviceendpoint.columns.url]).toBe(
      `${publicBaseUrl}/api/dataverse-webhook?connection=${encodeURIComponent(s.connection.id)}`,
    );
    expect(endpoint?.[serviceendpoint.columns.authvalue]).toBe(toDataverseWebhookKey(keySecret, s.connection.id));
    expect(endpoints(s)).toHaveLength(1);
    expect(steps(s)).toHaveLength(2);
    expect(images(s)).toHaveLength(2);
    expect(await s.store.getRegistration(s.connection.id)).toStrictEqual({
      registered: true,
      syncedAt: new Date(s.clock.now()).toISOString(),
    });
    expect(await s.store.getOrganisation(s.org.organizationId)).toBe(s.connection.id);

    expect(await s.requestsDuring(() => cycle(s))).toBe(1);
    expect(await s.requestsDuring(() => cycle(s))).toBe(1);
    expect(steps(s)).toHaveLength(2);
  });

  it("switched off: the next cycle removes the steps, images and webhook, then goes quiet again", async () => {
    const s = await setup({ realtimeEnabled: true });
    await cycle(s);
    expect(steps(s)).toHaveLength(2);
    await s.setSwitch(false);

    expect(await cycle(s)).toMatchObject({ realtimeChanged: 1, realtimeFailed: 0 });
    expect(steps(s)).toStrictEqual([]);
    expect(images(s)).toStrictEqual([]);
    expect(endpoints(s)).toStrictEqual([]);
    expect(await s.store.getRegistration(s.connection.id)).toMatchObject({ registered: false });
    expect(await s.store.getOrganisation(s.org.organizationId)).toBeUndefined();
    expect(await s.requestsDuring(() => cycle(s))).toBe(1);
  });

  it("after onboarding registered (switch on), the first cycle makes only the connector read", async () => {
    const s = await setup({ realtimeEnabled: true });
    await toRealtimeRegistration({ publicBaseUrl, keySecret, store: s.store, clock: s.clock })({
      connection: s.connection,
      connectorId: s.connectorId,
      dataverse: s.client,
    });
    expect(steps(s)).toHaveLength(2);
    expect(await s.requestsDuring(() => cycle(s))).toBe(1);
    expect(endpoints(s)).toHaveLength(1);
  });

  it("a refused registration is surfaced, leaves the flows scheduled, and is retried only after the back-off", async () => {
    const s = await setup({ realtimeEnabled: false });
    await s.setSwitch(true);
    s.refuse.steps = true;

    // The due flow is queued in the same cycle the registration fails.
    const failed = await cycle(s);
    expect(failed).toStrictEqual({
      connections: 1,
      enqueued: 1,
      failedConnections: 0,
      realtimeChanged: 0,
      realtimeFailed: 1,
    });
    const failedAt = s.clock.now();
    const state = await s.store.getRegistration(s.connection.id);
    expect(state).toMatchObject({
      registered: false,
      failedFor: true,
      failures: 1,
      retryAfter: new Date(failedAt + firstRetryDelayMs).toISOString(),
    });
    const connector = await s.client.retrieve<Row>(mag_xeroconnector.entitySetName, s.connectorId, {
      select: [cc.mag_lasterror],
    });
    const lastError = String(connector?.[cc.mag_lasterror]);
    expect(lastError).toContain("Real-time could not be switched on");
    expect(lastError).toContain("may not register webhooks");
    expect(lastError).toContain("prvCreateSdkMessageProcessingStep");
    expect(lastError).toContain(new Date(failedAt + firstRetryDelayMs).toISOString());
    expect(state?.lastError).toBe(lastError);
    const logs = emulator.store.list(s.org, mag_xerosynclog.logicalName);
    expect(logs).toHaveLength(1);
    expect(logs[0]).toMatchObject({
      [mag_xerosynclog.columns.mag_name]: "Real-time webhook registration failed",
      [mag_xerosynclog.columns.mag_errorkind]: "auth",
      [mag_xerosynclog.columns.mag_errortext]: lastError,
      [mag_xerosynclog.columns.mag_retrycount]: 1,
    });
    const warning = s.logger.entries.find((entry) => entry.message.startsWith("real-time registration failed"));
    expect(warning).toMatchObject({ level: "warn", context: { connectionId: s.connection.id } });
    const logged = JSON.stringify(s.logger.entries);
    expect(logged).not.toContain(s.org.clientSecret);
    expect(logged).not.toContain(keySecret);
    expect(logged).not.toContain(toDataverseWebhookKey(keySecret, s.connection.id));

    // Within the back-off: the connector read only, whatever the cycle count.
    for (let minute = 1; minute < firstRetryDelayMs / 60_000 - 1; minute += 5)
      expect(await s.requestsDuring(() => cycle(s))).toBe(1);
    expect(emulator.store.list(s.org, mag_xerosynclog.logicalName)).toHaveLength(1);

    // The admin grants the privilege; once the back-off has passed the next cycle registers and clears Last Error.
    s.refuse.steps = false;
    s.clock.setTime(failedAt + firstRetryDelayMs - 60_000);
    expect(await cycle(s)).toMatchObject({ realtimeChanged: 1, realtimeFailed: 0 });
    expect(steps(s)).toHaveLength(2);
    expect(await s.store.getRegistration(s.connection.id)).toStrictEqual({
      registered: true,
      syncedAt: new Date(s.clock.now()).toISOString(),
    });
    const cleared = await s.client.retrieve<Row>(mag_xeroconnector.entitySetName, s.connectorId, {
      select: [cc.mag_lasterror],
    });
    expect(cleared?.[cc.mag_lasterror]).toBeNull();
    expect(await s.requestsDuring(() => cycle(s))).toBe(1);
  });

  it("a refused clean-up of Last Error does not turn a recovered registration into a failure", async () => {
    const s = await setup({ realtimeEnabled: true });
    s.refuse.steps = true;
    await cycle(s);
    s.refuse.steps = false;
    s.refuse.connectorWrites = true;
    s.clock.advance(firstRetryDelayMs);
    expect(await cycle(s)).toMatchObject({ realtimeChanged: 1, realtimeFailed: 0 });
    expect(steps(s)).toHaveLength(2);
    expect(await s.store.getRegistration(s.connection.id)).toStrictEqual({
      registered: true,
      syncedAt: new Date(s.clock.now()).toISOString(),
    });
    expect(s.logger.entries.map((entry) => entry.message)).toContain(
      "could not clear the connector's Last Error after the registration recovered",
    );
  });

  it("a second failure in a row doubles the back-off; flipping the switch back tries again at once", async () => {
    const s = await setup({ realtimeEnabled: true });
    s.refuse.steps = true;
    await cycle(s);
    s.clock.advance(firstRetryDelayMs);
    await cycle(s);
    expect(await s.store.getRegistration(s.connection.id)).toMatchObject({
      failures: 2,
      retryAfter: new Date(s.clock.now() + 2 * firstRetryDelayMs).toISOString(),
    });
    // The first attempt left a webhook without steps; switching off removes what is there without waiting.
    expect(endpoints(s)).toHaveLength(1);
    await s.setSwitch(false);
    expect(await cycle(s)).toMatchObject({ realtimeChanged: 1, realtimeFailed: 0 });
    expect(endpoints(s)).toStrictEqual([]);
    expect(await s.store.getRegistration(s.connection.id)).toMatchObject({ registered: false });
    expect(await s.store.getRegistration(s.connection.id)).not.toHaveProperty("failedFor");
  });

  it("a cycle leaves a connection alone while another writer holds its registration claim", async () => {
    const s = await setup({ realtimeEnabled: true });
    const claim = await s.store.claimRegistration(s.connection.id, registrationClaimMs);
    expect(claim).toBeDefined();
    expect(await s.requestsDuring(() => cycle(s))).toBe(1);
    expect(endpoints(s)).toStrictEqual([]);
    await claim?.release();
    await cycle(s);
    expect(steps(s)).toHaveLength(2);
  });
});
