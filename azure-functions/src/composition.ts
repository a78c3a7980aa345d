// The composition root: configuration → adapters → flows → the scheduler and the worker. Everything is built here
// and injected by constructor; nothing else in the service constructs an adapter. Per connection (one Dataverse org
// and one Xero organisation) a runtime is built once per process and reused: its Dataverse client caches its token.
// It is rebuilt when the connection row changes (a Dynamics 365 reauthorisation stores new credentials).
import { createHash } from "node:crypto";
import type { DataversePort } from "./adapters/dataverse/port";
import { createDataverseClient } from "./adapters/dataverse/web-api-client";
import { createStorageWorkQueue, type WorkQueue } from "./adapters/queue/work-queue";
import {
  createConnectionStore,
  type Connection,
  type ConnectionStore,
} from "./adapters/table-storage/connection-store";
import { createLeaseStore, type LeaseStore } from "./adapters/table-storage/leases";
import { createRateGovernor } from "./adapters/table-storage/rate-governor";
import { openAllTables, ensureTable, openTable } from "./adapters/table-storage/tables";
import { createTokenVault, type TokenVault } from "./adapters/table-storage/token-vault";
import type { XeroPort } from "./adapters/xero/port";
import type { XeroPullPort } from "./adapters/xero/pull-port";
import { createCursorStore } from "./adapters/table-storage/cursor-store";
import { PullCursor } from "./flows/incremental-read";
import { createPullFlows } from "./engine/pull-flows";
import type { XeroRateGate } from "./adapters/xero/rate-gate";
import { XeroNodeAdapter, type XeroCallRecord } from "./adapters/xero/xero-node-adapter";
import type { Config } from "./config";
import { systemClock, type Clock } from "./core/clock";
import { silentLogger, type Logger } from "./core/logger";
import { realSleep, type Sleep } from "./core/retry";
import { readConnectorFlows } from "./engine/data-flows";
import { DataverseSyncStore } from "./engine/dataverse-store";
import { createTablePushJournal } from "./engine/push-journal";
import { toScheduledScope } from "./engine/schedule";
import { Scheduler } from "./engine/scheduler";
import { createTableScopeStore, scopesTableName, type ScopeStore } from "./engine/scope-store";
import { SyncWorker, type ConnectionRuntime, type FlowRun } from "./engine/worker";
import type { FlowDependencies, FlowName, PushJournal } from "./flows/ports";
import { PushCreditNotesFlow } from "./flows/push-credit-notes";
import { PushInvoiceEmailsFlow } from "./flows/push-invoice-emails";
import { PushInvoicesFlow } from "./flows/push-invoices";
import { ReferenceDataFlow } from "./flows/reference-data";
import { createConnectionHealth, type ConnectionHealth } from "./onboarding/connection-health";
import { createTableRealtimeStore, realtimeTableName } from "./realtime/realtime-store";
import { createRealtimeSwitch } from "./realtime/registration";

/** What a connection's flows are built from (also handed to flows other modules add). */
export interface ConnectionContext {
  connection: Connection;
  dataverse: DataversePort;
  xero: XeroPort & XeroPullPort;
  store: DataverseSyncStore;
  flowDependencies: FlowDependencies;
}

export interface ServiceOptions {
  clock?: Clock;
  logger?: Logger;
  sleep?: Sleep;
  fetch?: typeof fetch;
  /** Overrides the shared Table Storage governor (tests, the single-process benchmark). */
  gate?: XeroRateGate;
  /** Sees every Xero call (the benchmark counts them). */
  onXeroCall?: (record: XeroCallRecord) => void;
  /** Flows other modules run through the same worker (the pull flows). */
  extraFlows?: (context: ConnectionContext) => Partial<Record<FlowName, FlowRun>>;
  /** Per Xero call. */
  xeroTimeoutMs?: number;
}

export interface Service {
  config: Config;
  clock: Clock;
  logger: Logger;
  connections: ConnectionStore;
  vault: TokenVault;
  queue: WorkQueue;
  leases: LeaseStore;
  scopes: ScopeStore;
  journal: PushJournal;
  scheduler: Scheduler;
  worker: SyncWorker;
  /** Writes Xero status, grant expiry and calls left today to the connection's connector (the vault calls it too). */
  health: ConnectionHealth;
  contextFor(connection: Connection): ConnectionContext;
  /** The flows the worker runs for a connection (the real-time worker runs the same ones). */
  runtimeFor(connection: Connection): ConnectionRuntime;
}

export async function createService(config: Config, options: ServiceOptions = {}): Promise<Service> {
  const clock = options.clock ?? systemClock;
  const logger = options.logger ?? silentLogger;
  const sleep = options.sleep ?? realSleep;
  logger.addSecrets(config.secrets);
  const tables = await openAllTables(config.storageConnectionString);
  const scopesTable = openTable(config.storageConnectionString, scopesTableName);
  await ensureTable(scopesTable);
  const keyRing = { currentKeyId: config.encryption.currentKeyId, keys: config.encryption.keys };
  const connections = createConnectionStore(tables.connections, { keyRing, clock, dataverseApp: config.dataverse.app });
  const vault = createTokenVault({
    table: tables.tokens,
    keyRing,
    clock,
    xero: {
      identityUrl: config.xero.identityUrl,
      clientId: config.xero.clientId,
      clientSecret: config.xero.clientSecret,
    },
    logger,
    sleep,
    connections,
    refreshMarginMs: config.tokens.refreshMarginMs,
    keepAliveAfterMs: config.tokens.keepAliveAfterMs,
    // `health` is built below, once contextFor exists (it needs the vault); the vault only calls these later, from
    // a refresh: it moves the connector's grant expiry, a revocation shows Disconnected with the reason.
    onDisconnected: (event) => health.onDisconnected(event),
    onRefreshed: (event) => health.onRefreshed(event),
    ...(options.fetch === undefined ? {} : { fetch: options.fetch }),
  });
  const gate =
    options.gate ?? createRateGovernor({ table: tables.rateBudget, clock, limits: config.xero.limits, sleep, logger });
  const queue = createStorageWorkQueue({ connectionString: config.storageConnectionString, logger });
  await queue.ensureQueues();
  const leases = createLeaseStore(tables.leases, clock);
  const scopes = createTableScopeStore(scopesTable);
  const journal = createTablePushJournal(tables.idempotency, clock);
  const cursors = createCursorStore(tables.cursors, PullCursor);

  const contexts = new Map<string, { version: string; context: ConnectionContext }>();
  const contextFor = (connection: Connection): ConnectionContext => {
    const version = toContextVersion(connection);
    const cached = contexts.get(connection.id);
    if (cached?.version === version) return cached.context;
    if (connection.dataverse === null || connection.xero === null)
      throw new Error(`connection ${connection.id} is not fully authorised`);
    const dataverse = createDataverseClient(connection.dataverse, {
      authorityUrl: config.dataverse.authorityUrl,
      clock,
      logger,
      sleep,
      ...(options.fetch === undefined ? {} : { fetch: options.fetch }),
    });
    const tenantId = connection.xero.tenantId;
    const xero = new XeroNodeAdapter({
      tenantId,
      apiUrl: config.xero.apiUrl,
      accessToken: (rejected) =>
        vault.getAccessToken(connection.id, rejected === undefined ? undefined : { rejectedToken: rejected }),
      gate,
      clock,
      ...(options.xeroTimeoutMs === undefined ? {} : { timeoutMs: options.xeroTimeoutMs }),
      ...(options.onXeroCall === undefined ? {} : { onCall: options.onXeroCall }),
    });
    const store = new DataverseSyncStore(dataverse, logger.child({ connectionId: connection.id }));
    const flowDependencies: FlowDependencies = {
      store,
      journal,
      clock,
      sleep,
      logger: logger.child({ connectionId: connection.id }),
    };
    const context = { connection, dataverse, xero, store, flowDependencies };
    contexts.set(connection.id, { version, context });
    return context;
  };

  const runtimeFor = (connection: Connection): ConnectionRuntime => {
    const context = contextFor(connection);
    const deps = { ...context.flowDependencies, xero: context.xero };
    const tenantId = context.xero.tenantId;
    const flows: Partial<Record<FlowName, FlowRun>> = {
      InvoicesToXero: new PushInvoicesFlow({ ...deps, remainingCalls: () => gate.callsRemainingToday(tenantId) }),
      CreditNotesToXero: new PushCreditNotesFlow(deps),
      InvoiceEmailsToXero: new PushInvoiceEmailsFlow(deps),
      ReferenceData: new ReferenceDataFlow(deps),
      ...createPullFlows({ ...context, cursors, remainingCalls: () => gate.callsRemainingToday(tenantId) }),
      ...(options.extraFlows?.(context) ?? {}),
    };
    return {
      flows,
      async resolveScope(flow) {
        if (connection.connectorId === null) return undefined;
        const state = await readConnectorFlows(context.dataverse, connection.connectorId);
        const row = state?.flows.find((candidate) => candidate.flow === flow);
        return state === undefined || row === undefined
          ? undefined
          : toScheduledScope(row, state.connector, clock.now());
      },
    };
  };

  // The scheduler follows each connector's Real-time switch through the realtime table (realtime/registration.ts).
  const realtimeTable = openTable(config.storageConnectionString, realtimeTableName);
  await ensureTable(realtimeTable);
  const scheduler = new Scheduler({
    connections,
    dataverseFor: (connection) => contextFor(connection).dataverse,
    queue,
    scopes,
    clock,
    logger,
    realtime: createRealtimeSwitch({
      store: createTableRealtimeStore(realtimeTable, clock),
      publicBaseUrl: config.links.publicBaseUrl,
      keySecret: config.links.signingKey,
      clock,
      logger,
    }),
  });
  const worker = new SyncWorker({ connections, runtimeFor, scopes, leases, queue, clock, logger });
  const health: ConnectionHealth = createConnectionHealth({
    connections,
    vault,
    dataverseFor: (connection) => contextFor(connection).dataverse,
    callsRemainingToday: (tenantId) => gate.callsRemainingToday(tenantId),
    logger,
  });
  return {
    config,
    clock,
    logger,
    connections,
    vault,
    queue,
    leases,
    scopes,
    journal,
    scheduler,
    worker,
    health,
    contextFor,
    runtimeFor,
  };
}

/**
 * What a cached connection context was built from: the row's update time and the parts its clients use. A
 * reauthorisation rewrites the row, so the next caller gets clients with the new credentials (hashed: the key
 * never holds the secret).
 */
export function toContextVersion(connection: Connection): string {
  return createHash("sha256")
    .update(
      JSON.stringify([
        connection.updatedOn,
        connection.connectorId,
        connection.dataverse,
        connection.xero?.tenantId ?? null,
      ]),
    )
    .digest("base64url");
}
