// Registers (and removes) the real-time add-on's webhook in a connection's Dataverse org through the Web API,
// idempotently: one `serviceendpoint` (contract Webhook, auth WebhookKey) per connection, and one asynchronous
// post-operation Update step per watched table (invoice, mag_creditnote) with filtering attributes and a post image of
// the columns the receiver decides on. Rows are found again by their names, so a second run updates in place.
// Every writer (onboarding, the scheduler following the connector's Real-time switch, `npm run webhooks`) records what
// it left registered in the realtime table, under a per-connection claim, so the scheduler spends Dataverse requests
// only when the switch and the record differ.
// https://learn.microsoft.com/power-apps/developer/data-platform/register-web-hook
// https://learn.microsoft.com/power-apps/developer/data-platform/reference/entities/serviceendpoint
// https://learn.microsoft.com/power-apps/developer/data-platform/reference/entities/sdkmessageprocessingstep
// Filtering attributes: https://learn.microsoft.com/power-apps/developer/data-platform/register-plug-in#set-filtering-attributes
import { randomUUID } from "node:crypto";
import { and, column, filter, toGuidLiteral, toKeySegment, toStringLiteral } from "../adapters/dataverse/odata";
import type { DataversePort } from "../adapters/dataverse/port";
import type { Connection } from "../adapters/table-storage/connection-store";
import { systemClock, type Clock } from "../core/clock";
import { SyncError, toRecordMessage, toSyncError } from "../core/errors";
import type { Logger } from "../core/logger";
import { realSleep, type Sleep } from "../core/retry";
import type { RealtimeSwitch, RealtimeSwitchOutcome } from "../engine/scheduler";
import {
  invoice,
  mag_creditnote,
  mag_xeroconnector,
  mag_xerosynclog,
  sdkmessage,
  sdkmessagefilter,
  sdkmessageprocessingstep,
  sdkmessageprocessingstep_mode,
  sdkmessageprocessingstep_stage,
  sdkmessageprocessingstep_supporteddeployment,
  sdkmessageprocessingstepimage,
  sdkmessageprocessingstepimage_imagetype,
  serviceendpoint,
  serviceendpoint_authtype,
  serviceendpoint_contract,
  serviceendpoint_messageformat,
} from "../generated/dataverse";
import { toDataverseWebhookKey } from "./dataverse-receiver";
import type { RealtimeStore, RegistrationState } from "./realtime-store";

/** The route of the receiver under the Functions host's /api. */
export const dataverseWebhookRoute = "dataverse-webhook";

/** Per watched table: the columns whose change fires the step, and those the post image carries. */
export const watchedSteps = [
  {
    table: invoice.logicalName,
    filteringAttributes: [invoice.columns.mag_addtoxero, invoice.columns.mag_xerosyncstatus],
    imageAttributes: [
      invoice.columns.mag_addtoxero,
      invoice.columns.mag_synchedwithxero,
      invoice.columns.mag_xerosyncstatus,
      invoice.columns.statecode,
    ],
  },
  {
    table: mag_creditnote.logicalName,
    filteringAttributes: [mag_creditnote.columns.mag_addtoxero, mag_creditnote.columns.mag_xerosyncstatus],
    imageAttributes: [
      mag_creditnote.columns.mag_addtoxero,
      mag_creditnote.columns.mag_synchedwithxero,
      mag_creditnote.columns.mag_xerosyncstatus,
      mag_creditnote.columns.statecode,
    ],
  },
] as const;

/** The post image's alias in the context (PostEntityImages key). */
export const postImageAlias = "XeroSyncState";

export interface RegistrationOptions {
  connectionId: string;
  /** The service's public origin (`XC_PUBLIC_BASE_URL`); the webhook is `<origin>/api/dataverse-webhook`. */
  publicBaseUrl: string;
  /** The secret webhook keys derive from (`XC_LINK_SIGNING_KEY`). */
  keySecret: string;
  /**
   * Where the organisation → connection index (the receiver's look-up) and the registration state (what the scheduler
   * compares with the switch) live.
   */
  store?: RegistrationStore;
  /** When states are recorded (the system clock unless a test drives it). */
  clock?: Clock;
  /** Where a refused clean-up of the connector's Last Error is reported. */
  logger?: Logger;
}

export type RegistrationStore = Pick<
  RealtimeStore,
  "setOrganisation" | "deleteOrganisation" | "getRegistration" | "saveRegistration" | "claimRegistration"
>;

export interface RegistrationSummary {
  serviceEndpointId: string;
  steps: Array<{ table: string; stepId: string; created: boolean }>;
  organizationId: string;
}

const endpointName = (connectionId: string): string => `Xero Connector real-time ${connectionId}`;
const stepName = (connectionId: string, table: string): string =>
  `Xero Connector real-time: Update of ${table} (${connectionId})`;

/** The URL Dataverse posts to (the connection id tells the receiver whose key to expect). */
export function toDataverseWebhookUrl(publicBaseUrl: string, connectionId: string): string {
  return `${publicBaseUrl.replace(/\/+$/, "")}/api/${dataverseWebhookRoute}?connection=${encodeURIComponent(connectionId)}`;
}

async function findIdByName(
  dataverse: DataversePort,
  entitySetName: string,
  idColumn: string,
  name: string,
): Promise<string | undefined> {
  const rows = await dataverse.retrieveMultiple<Record<string, unknown>>(entitySetName, {
    select: [idColumn],
    filter: filter`${column("name")} eq ${toStringLiteral(name)}`,
    top: 1,
  });
  const id = rows[0]?.[idColumn];
  return typeof id === "string" ? id : undefined;
}

async function messageFilterId(
  dataverse: DataversePort,
  messageName: string,
  table: string,
): Promise<{ messageId: string; filterId: string }> {
  const messageId = await findIdByName(
    dataverse,
    sdkmessage.entitySetName,
    sdkmessage.columns.sdkmessageid,
    messageName,
  );
  if (messageId === undefined)
    throw new SyncError(`Dataverse has no ${messageName} message`, {
      kind: "config",
      details: { source: "dataverse" },
    });
  const rows = await dataverse.retrieveMultiple<Record<string, unknown>>(sdkmessagefilter.entitySetName, {
    select: [sdkmessagefilter.columns.sdkmessagefilterid],
    filter: and(
      filter`${column(sdkmessagefilter.columns.primaryobjecttypecode)} eq ${toStringLiteral(table)}`,
      filter`${column(`_${sdkmessagefilter.columns.sdkmessageid}_value`)} eq ${toGuidLiteral(messageId)}`,
    ),
    top: 1,
  });
  const filterId = rows[0]?.[sdkmessagefilter.columns.sdkmessagefilterid];
  if (typeof filterId !== "string")
    throw new SyncError(`Dataverse cannot run steps on ${messageName} of ${table}`, {
      kind: "config",
      details: { source: "dataverse" },
    });
  return { messageId, filterId };
}

/** Creates or updates the webhook and its steps; safe to run again (rows are matched by name). */
export async function registerRealtimeWebhooks(
  dataverse: DataversePort,
  options: RegistrationOptions,
): Promise<RegistrationSummary> {
  const se = serviceendpoint.columns;
  const endpointBody = {
    [se.name]: endpointName(options.connectionId),
    [se.description]: "Xero Connector: pushes invoices and credit notes to Xero as soon as Add to Xero is set.",
    [se.contract]: serviceendpoint_contract.Webhook,
    [se.url]: toDataverseWebhookUrl(options.publicBaseUrl, options.connectionId),
    [se.authtype]: serviceendpoint_authtype.WebhookKey,
    [se.authvalue]: toDataverseWebhookKey(options.keySecret, options.connectionId),
    [se.messageformat]: serviceendpoint_messageformat.Json,
  };
  let serviceEndpointId = await findIdByName(
    dataverse,
    serviceendpoint.entitySetName,
    se.serviceendpointid,
    endpointName(options.connectionId),
  );
  if (serviceEndpointId === undefined)
    serviceEndpointId = await dataverse.create(serviceendpoint.entitySetName, endpointBody);
  else await dataverse.update(serviceendpoint.entitySetName, serviceEndpointId, endpointBody);

  const st = sdkmessageprocessingstep.columns;
  const nav = sdkmessageprocessingstep.navigation;
  const steps: RegistrationSummary["steps"] = [];
  for (const watched of watchedSteps) {
    const { messageId, filterId } = await messageFilterId(dataverse, "Update", watched.table);
    const name = stepName(options.connectionId, watched.table);
    const body = {
      [st.name]: name,
      [st.description]: "Xero Connector real-time add-on",
      [st.stage]: sdkmessageprocessingstep_stage.PostOperation,
      [st.mode]: sdkmessageprocessingstep_mode.Asynchronous,
      [st.rank]: 1,
      [st.supporteddeployment]: sdkmessageprocessingstep_supporteddeployment.ServerOnly,
      [st.filteringattributes]: watched.filteringAttributes.join(","),
      [st.asyncautodelete]: true,
      [`${nav.sdkmessageid.sdkmessage}@odata.bind`]: `/${sdkmessage.entitySetName}(${messageId})`,
      [`${nav.sdkmessagefilterid.sdkmessagefilter}@odata.bind`]: `/${sdkmessagefilter.entitySetName}(${filterId})`,
      [`${nav.eventhandler.serviceendpoint}@odata.bind`]: `/${serviceendpoint.entitySetName}(${serviceEndpointId})`,
    };
    let stepId = await findIdByName(
      dataverse,
      sdkmessageprocessingstep.entitySetName,
      st.sdkmessageprocessingstepid,
      name,
    );
    const created = stepId === undefined;
    if (stepId === undefined) stepId = await dataverse.create(sdkmessageprocessingstep.entitySetName, body);
    else await dataverse.update(sdkmessageprocessingstep.entitySetName, stepId, body);
    await ensurePostImage(dataverse, stepId, watched.imageAttributes);
    steps.push({ table: watched.table, stepId, created });
  }

  const { OrganizationId } = await dataverse.whoAmI();
  await options.store?.setOrganisation(OrganizationId, options.connectionId);
  return { serviceEndpointId, steps, organizationId: OrganizationId.toLowerCase() };
}

async function ensurePostImage(dataverse: DataversePort, stepId: string, attributes: readonly string[]): Promise<void> {
  const im = sdkmessageprocessingstepimage.columns;
  const rows = await dataverse.retrieveMultiple<Record<string, unknown>>(sdkmessageprocessingstepimage.entitySetName, {
    select: [im.sdkmessageprocessingstepimageid],
    filter: and(
      filter`${column(`_${im.sdkmessageprocessingstepid}_value`)} eq ${toGuidLiteral(stepId)}`,
      filter`${column(im.entityalias)} eq ${toStringLiteral(postImageAlias)}`,
    ),
    top: 1,
  });
  const body = {
    [im.name]: postImageAlias,
    [im.entityalias]: postImageAlias,
    [im.imagetype]: sdkmessageprocessingstepimage_imagetype.PostImage,
    [im.messagepropertyname]: "Target",
    [im.attributes]: attributes.join(","),
  };
  const existing = rows[0]?.[im.sdkmessageprocessingstepimageid];
  // An image's step is set when it is created and cannot change.
  if (typeof existing === "string") await dataverse.update(sdkmessageprocessingstepimage.entitySetName, existing, body);
  else
    await dataverse.create(sdkmessageprocessingstepimage.entitySetName, {
      ...body,
      [`${sdkmessageprocessingstepimage.navigation.sdkmessageprocessingstepid.sdkmessageprocessingstep}@odata.bind`]: `/${sdkmessageprocessingstep.entitySetName}(${stepId})`,
    });
}

/** Removes the connection's steps (with their images) and webhook; returns how many rows went. */
export async function unregisterRealtimeWebhooks(
  dataverse: DataversePort,
  options: Pick<RegistrationOptions, "connectionId" | "store">,
): Promise<number> {
  let removed = 0;
  const st = sdkmessageprocessingstep.columns;
  const im = sdkmessageprocessingstepimage.columns;
  for (const watched of watchedSteps) {
    const stepId = await findIdByName(
      dataverse,
      sdkmessageprocessingstep.entitySetName,
      st.sdkmessageprocessingstepid,
      stepName(options.connectionId, watched.table),
    );
    if (stepId === undefined) continue;
    const images = await dataverse.retrieveMultiple<Record<string, unknown>>(
      sdkmessageprocessingstepimage.entitySetName,
      {
        select: [im.sdkmessageprocessingstepimageid],
        filter: filter`${column(`_${im.sdkmessageprocessingstepid}_value`)} eq ${toGuidLiteral(stepId)}`,
      },
    );
    for (const image of images) {
      const imageId = image[im.sdkmessageprocessingstepimageid];
      if (typeof imageId === "string") await dataverse.delete(sdkmessageprocessingstepimage.entitySetName, imageId);
      removed += 1;
    }
    await dataverse.delete(sdkmessageprocessingstep.entitySetName, stepId);
    removed += 1;
  }
  const endpointId = await findIdByName(
    dataverse,
    serviceendpoint.entitySetName,
    serviceendpoint.columns.serviceendpointid,
    endpointName(options.connectionId),
  );
  if (endpointId !== undefined) {
    await dataverse.delete(serviceendpoint.entitySetName, endpointId);
    removed += 1;
  }
  if (options.store !== undefined) {
    const { OrganizationId } = await dataverse.whoAmI();
    await options.store.deleteOrganisation(OrganizationId);
  }
  return removed;
}

/** Whether the connection's connector has the real-time add-on switched on (`mag_realtimeenabled`). */
export async function isRealtimeEnabled(dataverse: DataversePort, connectorId: string): Promise<boolean> {
  const row = await dataverse.retrieve<Record<string, unknown>>(mag_xeroconnector.entitySetName, connectorId, {
    select: [mag_xeroconnector.columns.mag_realtimeenabled],
  });
  return row?.[mag_xeroconnector.columns.mag_realtimeenabled] === true;
}

export type RealtimeSyncResult =
  { action: "registered"; summary: RegistrationSummary } | { action: "removed"; rows: number };

/**
 * Registers when the connector has the add-on, removes otherwise, and records what is now registered (clearing a
 * support hold and the Last Error an earlier failed attempt wrote). `enabled` skips reading the switch when the
 * caller has just read it (the scheduler, onboarding).
 */
export async function syncRealtimeRegistration(
  dataverse: DataversePort,
  connection: Pick<Connection, "id" | "connectorId">,
  options: Omit<RegistrationOptions, "connectionId"> & { enabled?: boolean },
): Promise<RealtimeSyncResult> {
  const { store } = options;
  const enabled =
    options.enabled ??
    (connection.connectorId !== null && (await isRealtimeEnabled(dataverse, connection.connectorId)));
  const previous = await store?.getRegistration(connection.id);
  const result: RealtimeSyncResult = enabled
    ? {
        action: "registered",
        summary: await registerRealtimeWebhooks(dataverse, { ...options, connectionId: connection.id }),
      }
    : {
        action: "removed",
        rows: await unregisterRealtimeWebhooks(dataverse, {
          connectionId: connection.id,
          ...(store === undefined ? {} : { store }),
        }),
      };
  if (previous?.lastError !== undefined && connection.connectorId !== null) {
    // The registration worked: a Last Error left standing must not turn it into a failure (and a back-off).
    await clearSurfacedError(dataverse, connection.connectorId, previous.lastError).catch((error: unknown) => {
      options.logger?.warn("could not clear the connector's Last Error after the registration recovered", {
        connectionId: connection.id,
        error: toSyncError(error, "dataverse"),
      });
    });
  }
  await store?.saveRegistration(connection.id, {
    registered: enabled,
    syncedAt: new Date((options.clock ?? systemClock).now()).toISOString(),
  });
  return result;
}

/** Removes the webhook and holds Real-time off for the connection until `syncRealtimeRegistration` runs again. */
export async function holdRealtimeRegistration(
  dataverse: DataversePort,
  connection: Pick<Connection, "id">,
  options: Pick<RegistrationOptions, "store" | "clock">,
): Promise<number> {
  const rows = await unregisterRealtimeWebhooks(dataverse, {
    connectionId: connection.id,
    ...(options.store === undefined ? {} : { store: options.store }),
  });
  await options.store?.saveRegistration(connection.id, {
    registered: false,
    held: true,
    syncedAt: new Date((options.clock ?? systemClock).now()).toISOString(),
  });
  return rows;
}

/** How long one writer may hold a connection's registration (a registration is about fifteen requests). */
export const registrationClaimMs = 2 * 60_000;
/** How often a writer that must not skip (onboarding, `npm run webhooks`) looks again for a free claim. */
const claimPollMs = 250;

/**
 * Runs `work` as the connection's one registration writer: `wait` false gives up at once when another writer holds
 * the claim (the scheduler tries next cycle); `wait` true polls until the holder releases it or its claim expires.
 * Two writers at once would both find no webhook by name and both create one (two deliveries per change).
 */
export async function withRegistrationClaim<T>(
  store: Pick<RealtimeStore, "claimRegistration"> | undefined,
  connectionId: string,
  work: () => Promise<T>,
  options: { wait: boolean; clock?: Clock; sleep?: Sleep },
): Promise<{ ran: true; value: T } | { ran: false }> {
  if (store === undefined) return { ran: true, value: await work() };
  const clock = options.clock ?? systemClock;
  const deadline = clock.now() + registrationClaimMs + 10 * claimPollMs;
  let claim = await store.claimRegistration(connectionId, registrationClaimMs);
  while (claim === undefined) {
    if (!options.wait) return { ran: false };
    if (clock.now() > deadline)
      throw new SyncError("another writer keeps the real-time registration of this connection", {
        kind: "transient",
        details: { source: "storage" },
      });
    await (options.sleep ?? realSleep)(claimPollMs);
    claim = await store.claimRegistration(connectionId, registrationClaimMs);
  }
  try {
    return { ran: true, value: await work() };
  } finally {
    await claim.release();
  }
}

/** Onboarding's hook (`RealtimeRegistration` in ../onboarding/first-sync.ts): register for a freshly onboarded connection. */
export function toRealtimeRegistration(
  options: Omit<RegistrationOptions, "connectionId"> & { sleep?: Sleep },
): (request: { connection: Connection; connectorId: string; dataverse: DataversePort }) => Promise<void> {
  return async ({ connection, connectorId, dataverse }) => {
    // Onboarding calls this only with the switch on; recording it makes the scheduler's next cycle a no-op.
    await withRegistrationClaim(
      options.store,
      connection.id,
      () => syncRealtimeRegistration(dataverse, { id: connection.id, connectorId }, { ...options, enabled: true }),
      {
        wait: true,
        ...(options.clock === undefined ? {} : { clock: options.clock }),
        ...(options.sleep === undefined ? {} : { sleep: options.sleep }),
      },
    );
  };
}

/** The first wait after a failed attempt; doubled for each further failure in a row, up to `maxRetryDelayMs`. */
export const firstRetryDelayMs = 15 * 60_000;
export const maxRetryDelayMs = 4 * 60 * 60_000;

export function toRetryDelayMs(failures: number): number {
  return Math.min(maxRetryDelayMs, firstRetryDelayMs * 2 ** Math.max(0, failures - 1));
}

export type RegistrationDecision = "unchanged" | "follow" | "waiting" | "held";

/**
 * Whether the switch needs a registration request this cycle. No state: nothing was registered by the service
 * (onboarding records one when it registers), so only a switch that is on needs work. After a failure the switch is
 * followed again once the back-off has passed, or at once when it moved since (the admin changed their mind); a
 * failed attempt may have left part of a registration, so it is followed even when the switch is back where it was.
 */
export function decideRegistration(
  state: RegistrationState | undefined,
  enabled: boolean,
  now: number,
): RegistrationDecision {
  if (state === undefined) return enabled ? "follow" : "unchanged";
  if (state.held === true) return "held";
  if (state.failedFor !== undefined) {
    if (state.failedFor !== enabled) return "follow";
    const retryAfter = state.retryAfter === undefined ? Number.NaN : Date.parse(state.retryAfter);
    return Number.isNaN(retryAfter) || now >= retryAfter ? "follow" : "waiting";
  }
  return state.registered === enabled ? "unchanged" : "follow";
}

/** The state after a failed attempt: what was registered stays as it was, the back-off grows with the failures. */
export function toFailedState(
  previous: RegistrationState | undefined,
  enabled: boolean,
  now: number,
): RegistrationState & { failedFor: boolean; failures: number; retryAfter: string } {
  const failures = (previous?.failedFor === enabled ? (previous.failures ?? 0) : 0) + 1;
  return {
    registered: previous?.registered ?? false,
    ...(previous?.syncedAt === undefined ? {} : { syncedAt: previous.syncedAt }),
    failedFor: enabled,
    failures,
    retryAfter: new Date(now + toRetryDelayMs(failures)).toISOString(),
  };
}

/**
 * What an administrator reads on the connector. A 403 is Dataverse's missing-privilege answer (code 0x80040220):
 * registering a webhook creates serviceendpoint and sdkmessageprocessingstep rows, which the application user's
 * security role must allow.
 * https://learn.microsoft.com/troubleshoot/power-platform/power-apps/dataverse/client-errors
 * https://learn.microsoft.com/power-apps/developer/data-platform/register-web-hook
 */
export function toRegistrationErrorText(enabled: boolean, error: SyncError, retryAfter: string): string {
  const what = `Real-time could not be switched ${enabled ? "on" : "off"}`;
  const said = error.details.message === undefined ? "" : ` Dynamics 365 said: ${error.details.message.slice(0, 600)}`;
  const cause =
    error.details.status === 403
      ? `the service's application user may not ${enabled ? "register" : "remove"} webhooks (service endpoints and SDK message processing steps). Give its security role those privileges (the System Customizer role has them).${said}`
      : error.kind === "auth"
        ? "Dynamics 365 did not accept the service's credentials; reauthorise the connection."
        : `${toRecordMessage(error)}${said}`;
  return `${what}: ${cause} The service tries again after ${retryAfter} (UTC).`;
}

/**
 * Writes the connector's Last Error and a Xero Sync Log row in one $batch, as the poisoned-work path does
 * (./poison.ts); false when Dataverse refused them too.
 */
async function surfaceRegistrationFailure(
  dataverse: DataversePort,
  connectorId: string,
  failure: { error: SyncError; text: string; failures: number; correlationId: string; occurredOn: string },
): Promise<boolean> {
  const lc = mag_xerosynclog.columns;
  const results = await dataverse.executeBatch(
    [
      {
        method: "PATCH",
        path: `${mag_xeroconnector.entitySetName}${toKeySegment(connectorId)}`,
        headers: { "If-Match": "*" },
        body: { [mag_xeroconnector.columns.mag_lasterror]: failure.text },
      },
      {
        method: "POST",
        path: mag_xerosynclog.entitySetName,
        body: {
          [lc.mag_name]: "Real-time webhook registration failed",
          [`${mag_xerosynclog.navigation.mag_xeroconnectorid.mag_xeroconnector}@odata.bind`]: `/${mag_xeroconnector.entitySetName}(${connectorId})`,
          [lc.mag_recordtable]: mag_xeroconnector.logicalName,
          [lc.mag_recordid]: connectorId,
          [lc.mag_errorkind]: failure.error.kind,
          [lc.mag_errortext]: failure.text,
          [lc.mag_occurredon]: failure.occurredOn,
          [lc.mag_retrycount]: failure.failures,
          [lc.mag_correlationid]: failure.correlationId,
        },
      },
    ],
    { continueOnError: true },
  );
  return results.every((result) => result.status < 300);
}

/** Clears the connector's Last Error when it still says what a failed registration wrote (nobody wrote since). */
async function clearSurfacedError(dataverse: DataversePort, connectorId: string, written: string): Promise<void> {
  const row = await dataverse.retrieve<Record<string, unknown>>(mag_xeroconnector.entitySetName, connectorId, {
    select: [mag_xeroconnector.columns.mag_lasterror],
  });
  if (row?.[mag_xeroconnector.columns.mag_lasterror] === written)
    await dataverse.update(mag_xeroconnector.entitySetName, connectorId, {
      [mag_xeroconnector.columns.mag_lasterror]: null,
    });
}

export interface RealtimeSwitchOptions extends Omit<
  RegistrationOptions,
  "connectionId" | "store" | "clock" | "logger"
> {
  store: RegistrationStore;
  clock: Clock;
  logger: Logger;
  newId?: () => string;
}

/**
 * The scheduler's real-time port: compares the switch it read with the recorded state (one Table Storage read) and
 * only on a difference registers or removes, under the connection's claim. A failure is logged, written to the
 * connector's Last Error and the sync log, and recorded with its back-off; it never reaches the scheduler.
 */
export function createRealtimeSwitch(options: RealtimeSwitchOptions): RealtimeSwitch {
  const { store, clock, logger } = options;
  return {
    async follow({ connection, dataverse, enabled }): Promise<RealtimeSwitchOutcome> {
      const first = decideRegistration(await store.getRegistration(connection.id), enabled, clock.now());
      if (first !== "follow") return first;
      const log = logger.child({ connectionId: connection.id });
      const ran = await withRegistrationClaim(
        store,
        connection.id,
        async (): Promise<RealtimeSwitchOutcome> => {
          // Another writer may have finished between the first read and the claim.
          const previous = await store.getRegistration(connection.id);
          const decision = decideRegistration(previous, enabled, clock.now());
          if (decision !== "follow") return decision;
          try {
            const result = await syncRealtimeRegistration(dataverse, connection, { ...options, enabled });
            log.info("real-time registration follows the switch", { enabled, action: result.action });
            return result.action;
          } catch (thrown) {
            const error = toSyncError(thrown, "dataverse");
            const now = clock.now();
            const failed = toFailedState(previous, enabled, now);
            const text = toRegistrationErrorText(enabled, error, failed.retryAfter);
            await store.saveRegistration(connection.id, { ...failed, lastError: text });
            log.warn("real-time registration failed; retried after the back-off", {
              enabled,
              failures: failed.failures,
              retryAfter: failed.retryAfter,
              error,
            });
            if (connection.connectorId === null) return "failed";
            try {
              const surfaced = await surfaceRegistrationFailure(dataverse, connection.connectorId, {
                error,
                text,
                failures: failed.failures,
                correlationId: (options.newId ?? randomUUID)(),
                occurredOn: new Date(now).toISOString(),
              });
              if (!surfaced) log.warn("Dataverse refused part of the registration failure's write-back");
            } catch (surfaceError) {
              log.warn("could not write the registration failure to the connector", {
                error: toSyncError(surfaceError, "dataverse"),
              });
            }
            return "failed";
          }
        },
        { wait: false, clock },
      );
      return ran.ran ? ran.value : "busy";
    },
  };
}
