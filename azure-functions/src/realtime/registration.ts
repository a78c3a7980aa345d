// Registers (and removes) the real-time add-on's webhook in a connection's Dataverse org through the Web API,
// idempotently: one `serviceendpoint` (contract Webhook, auth WebhookKey) per connection, and one asynchronous
// post-operation Update step per watched table (invoice, mag_creditnote) with filtering attributes and a post image of
// the columns the receiver decides on. Rows are found again by their names, so a second run updates in place.
// https://learn.microsoft.com/power-apps/developer/data-platform/register-web-hook
// https://learn.microsoft.com/power-apps/developer/data-platform/reference/entities/serviceendpoint
// https://learn.microsoft.com/power-apps/developer/data-platform/reference/entities/sdkmessageprocessingstep
// Filtering attributes: https://learn.microsoft.com/power-apps/developer/data-platform/register-plug-in#set-filtering-attributes
import { and, column, filter, toGuidLiteral, toStringLiteral } from "../adapters/dataverse/odata";
import type { DataversePort } from "../adapters/dataverse/port";
import type { Connection } from "../adapters/table-storage/connection-store";
import { SyncError } from "../core/errors";
import {
  invoice,
  mag_creditnote,
  mag_xeroconnector,
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
import type { RealtimeStore } from "./realtime-store";

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
  /** Where the organisation → connection index lives (the receiver's look-up). */
  store?: Pick<RealtimeStore, "setOrganisation" | "deleteOrganisation">;
}

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

/** Registers when the connector has the add-on, removes otherwise: what the script and onboarding call. */
export async function syncRealtimeRegistration(
  dataverse: DataversePort,
  connection: Pick<Connection, "id" | "connectorId">,
  options: Omit<RegistrationOptions, "connectionId">,
): Promise<RealtimeSyncResult> {
  const enabled = connection.connectorId !== null && (await isRealtimeEnabled(dataverse, connection.connectorId));
  if (!enabled)
    return {
      action: "removed",
      rows: await unregisterRealtimeWebhooks(dataverse, {
        connectionId: connection.id,
        ...(options.store === undefined ? {} : { store: options.store }),
      }),
    };
  return {
    action: "registered",
    summary: await registerRealtimeWebhooks(dataverse, { ...options, connectionId: connection.id }),
  };
}

/** Onboarding's hook (`RealtimeRegistration` in ../onboarding/first-sync.ts): register for a freshly onboarded connection. */
export function toRealtimeRegistration(
  options: Omit<RegistrationOptions, "connectionId">,
): (request: { connection: Connection; connectorId: string; dataverse: DataversePort }) => Promise<void> {
  return async ({ connection, dataverse }) => {
    await registerRealtimeWebhooks(dataverse, { ...options, connectionId: connection.id });
  };
}
