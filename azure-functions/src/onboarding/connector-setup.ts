// The Xero Connector row of a Xero organisation, created or updated when Xero is (re)authorised, and its Xero Data
// Flow rows with PRODUCT.md's defaults when missing. One connector per Xero organisation (mag_xerotenantid is its
// alternate key); several organisations per Dynamics 365 org; the first connector of an org becomes the default.
// Alternate keys: https://learn.microsoft.com/power-apps/developer/data-platform/use-alternate-key-reference-record
// Create with a lookup (@odata.bind): https://learn.microsoft.com/power-apps/developer/data-platform/webapi/create-entity-web-api#associate-table-rows-on-create
import { createHash } from "node:crypto";
import type { DataversePort } from "../adapters/dataverse/port";
import { withLeaseWaiting, type LeaseStore } from "../adapters/table-storage/leases";
import type { Clock } from "../core/clock";
import { column, filter, toBooleanLiteral, toGuidLiteral } from "../adapters/dataverse/odata";
import { readConnectorFlows } from "../engine/data-flows";
import { mag_direction, mag_flow, mag_xeroconnector, mag_xerodataflow, mag_xerostatus } from "../generated/dataverse";
import { dataFlowDefaults } from "./flow-defaults";

const cc = mag_xeroconnector.columns;
const fc = mag_xerodataflow.columns;

export interface XeroOrganisationGrant {
  tenantId: string;
  tenantName: string;
  grantExpiresOn: Date;
}

export interface ConnectorRecord {
  connectorId: string;
  name: string;
  isDefault: boolean;
  realtimeEnabled: boolean;
  created: boolean;
}

interface ConnectorRow {
  mag_xeroconnectorid: string;
  mag_name: string | null;
  mag_isdefault: boolean | null;
  mag_realtimeenabled: boolean | null;
}

/** The columns a (re)authorisation sets; the name only on create (an admin may have renamed it since). */
export function toConnectorBody(
  organisation: XeroOrganisationGrant,
  create: { isDefault: boolean } | undefined,
): Record<string, unknown> {
  const body: Record<string, unknown> = {
    [cc.mag_xerotenantid]: organisation.tenantId,
    [cc.mag_xeroorganisationname]: organisation.tenantName.slice(0, 255),
    [cc.mag_xerostatus]: mag_xerostatus.Connected,
    [cc.mag_xerostatusreason]: null,
    [cc.mag_xerograntexpireson]: organisation.grantExpiresOn.toISOString(),
  };
  if (create !== undefined) {
    body[cc.mag_name] = (organisation.tenantName.trim() === "" ? organisation.tenantId : organisation.tenantName).slice(
      0,
      100,
    );
    body[cc.mag_enabled] = true;
    body[cc.mag_isdefault] = create.isDefault;
  }
  return body;
}

export async function ensureConnector(
  dataverse: DataversePort,
  organisation: XeroOrganisationGrant,
): Promise<ConnectorRecord> {
  const select = [cc.mag_xeroconnectorid, cc.mag_name, cc.mag_isdefault, cc.mag_realtimeenabled];
  const existing = await dataverse.retrieve<ConnectorRow>(
    mag_xeroconnector.entitySetName,
    { [cc.mag_xerotenantid]: organisation.tenantId },
    { select },
  );
  if (existing !== undefined) {
    await dataverse.update(
      mag_xeroconnector.entitySetName,
      existing.mag_xeroconnectorid,
      toConnectorBody(organisation, undefined),
    );
    return {
      connectorId: existing.mag_xeroconnectorid,
      name: existing.mag_name ?? organisation.tenantName,
      isDefault: existing.mag_isdefault === true,
      realtimeEnabled: existing.mag_realtimeenabled === true,
      created: false,
    };
  }
  const defaults = await dataverse.retrieveMultiple<ConnectorRow>(mag_xeroconnector.entitySetName, {
    select: [cc.mag_xeroconnectorid],
    filter: filter`${column(cc.mag_isdefault)} eq ${toBooleanLiteral(true)}`,
    top: 1,
  });
  const isDefault = defaults.length === 0;
  const body = toConnectorBody(organisation, { isDefault });
  const connectorId = await dataverse.create(mag_xeroconnector.entitySetName, body);
  return { connectorId, name: String(body[cc.mag_name]), isDefault, realtimeEnabled: false, created: true };
}

/** The lease key of one Dynamics 365 environment (a URL cannot be a table key; its digest can). */
export function toEnvironmentLockKey(environmentUrl: string): string {
  return `env-${createHash("sha256").update(environmentUrl.trim().toLowerCase()).digest("hex").slice(0, 40)}`;
}

export interface EnvironmentLock {
  leases: Pick<LeaseStore, "withLease">;
  environmentUrl: string;
  clock: Clock;
}

/**
 * Runs `work` under the environment's lease, waiting for it (a holder that dies frees it after a minute). Everything
 * that reads then writes "what this environment has" takes it: connector setup (who is the default) and onboarding's
 * "organisation already connected here" check with the recording of the organisation. Not re-entrant: `work` must not
 * take it again.
 */
export function withEnvironmentLease<T>(lock: EnvironmentLock, work: () => Promise<T>): Promise<T> {
  return withLeaseWaiting(
    lock.leases,
    { connectionId: toEnvironmentLockKey(lock.environmentUrl), flow: "ConnectorSetup" },
    { durationMs: 60_000, waitMs: 60_000, clock: lock.clock },
    work,
  );
}

/**
 * `ensureConnector` under a per-environment lease: "the org's first connector is the default" is a read then a write,
 * so two Xero organisations finishing onboarding in one environment at the same moment would both become the
 * default. The lease serialises them across instances.
 */
export async function ensureConnectorExclusive(
  dataverse: DataversePort,
  organisation: XeroOrganisationGrant,
  lock: EnvironmentLock,
): Promise<ConnectorRecord> {
  return withEnvironmentLease(lock, () => ensureConnector(dataverse, organisation));
}

/** The Xero Data Flow rows the connector lacks, created with the defaults; returns the flows created. */
export async function ensureDataFlows(dataverse: DataversePort, connectorId: string): Promise<string[]> {
  const state = await readConnectorFlows(dataverse, connectorId);
  const present = new Set(state?.flows.map((row) => row.flow) ?? []);
  const created: string[] = [];
  for (const row of dataFlowDefaults) {
    if (present.has(row.flow)) continue;
    const body: Record<string, unknown> = {
      [fc.mag_name]: row.name,
      [fc.mag_flow]: mag_flow[row.flow],
      [fc.mag_direction]: mag_direction[row.direction],
      [fc.mag_enabled]: row.enabled,
      [fc.mag_intervalminutes]: row.intervalMinutes,
      [`${mag_xerodataflow.navigation.mag_xeroconnectorid.mag_xeroconnector}@odata.bind`]: `/${mag_xeroconnector.entitySetName}(${toGuidLiteral(connectorId).text})`,
    };
    if (row.syncLastXDays !== null) body[fc.mag_synclastxdays] = row.syncLastXDays;
    await dataverse.create(mag_xerodataflow.entitySetName, body);
    created.push(row.flow);
  }
  return created;
}
