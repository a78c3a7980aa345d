// Which connection an incoming event belongs to. Dataverse: the organisation id in the body (indexed when the
// webhooks are registered), else the `x-ms-dynamics-organization` header (the environment's host name) matched
// against each connection's Dataverse URL. Xero: the event's tenant id against each connection's Xero organisation.
// The connection list is read at most once per `cacheMs` per instance: webhooks arrive in bursts.
import type { Connection } from "../adapters/table-storage/connection-store";
import type { Clock } from "../core/clock";
import { isSyncError } from "../core/errors";
import type { RealtimeStore } from "./realtime-store";

export interface ConnectionDirectory {
  /** A connection by id (the webhook URL names it when registration wrote it). */
  byId(connectionId: string): Promise<Connection | undefined>;
  /** The connection of a Dataverse organisation, or undefined. */
  forOrganisation(organizationId: string, organizationHost: string | undefined): Promise<Connection | undefined>;
  /** Connected connections of a Xero organisation. */
  forTenant(tenantId: string): Promise<Connection[]>;
  /** Remembers a match (after the caller authenticated the request). */
  remember(organizationId: string, connection: Connection): Promise<void>;
}

export interface DirectoryDependencies {
  connections: { get(id: string): Promise<Connection | undefined>; list(): Promise<Connection[]> };
  store: Pick<RealtimeStore, "getOrganisation" | "setOrganisation">;
  clock: Clock;
  cacheMs?: number;
}

/** `https://contoso.crm.dynamics.com/` → `contoso.crm.dynamics.com`; the sandbox's org roots keep their path. */
export function toOrganisationHost(url: string): string {
  return url
    .replace(/^[a-z]+:\/\//i, "")
    .replace(/\/+$/, "")
    .toLowerCase();
}

export function createConnectionDirectory(deps: DirectoryDependencies): ConnectionDirectory {
  const cacheMs = deps.cacheMs ?? 30_000;
  let cached: { at: number; list: Promise<Connection[]> } | undefined;
  const list = (): Promise<Connection[]> => {
    const now = deps.clock.now();
    if (cached === undefined || now - cached.at > cacheMs) {
      const loading = deps.connections.list();
      cached = { at: now, list: loading };
      // A failed read is not cached.
      loading.catch(() => {
        if (cached?.list === loading) cached = undefined;
      });
    }
    return cached.list;
  };
  const ids = new Map<string, string>();
  return {
    async byId(connectionId) {
      const cachedMatch = (await list()).find((candidate) => candidate.id === connectionId);
      if (cachedMatch !== undefined) return cachedMatch;
      try {
        return await deps.connections.get(connectionId);
      } catch (thrown) {
        // An id no table key can hold names no connection.
        if (isSyncError(thrown) && thrown.kind === "validation") return undefined;
        throw thrown;
      }
    },
    async forOrganisation(organizationId, organizationHost) {
      const key = organizationId.toLowerCase();
      const known = ids.get(key) ?? (await deps.store.getOrganisation(key));
      if (known !== undefined) {
        ids.set(key, known);
        const connection =
          (await list()).find((candidate) => candidate.id === known) ?? (await deps.connections.get(known));
        if (connection !== undefined) return connection;
      }
      if (organizationHost === undefined || organizationHost === "") return undefined;
      const host = toOrganisationHost(organizationHost);
      return (await list()).find(
        (candidate) => candidate.dataverse !== null && toOrganisationHost(candidate.dataverse.url) === host,
      );
    },
    async forTenant(tenantId) {
      const wanted = tenantId.toLowerCase();
      return (await list()).filter(
        (connection) => connection.status === "connected" && connection.xero?.tenantId.toLowerCase() === wanted,
      );
    },
    async remember(organizationId, connection) {
      const key = organizationId.toLowerCase();
      if (ids.get(key) === connection.id) return;
      ids.set(key, connection.id);
      await deps.store.setOrganisation(key, connection.id);
    },
  };
}
