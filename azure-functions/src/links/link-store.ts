// The links table: a row per issued link, so a link can be used once (consuming it is an ETag-conditional write:
// of two tabs finishing at once, one wins) and withdrawn. The token itself is checked first (signature, expiry), so a
// forged or expired link never costs a storage read.
import { odata, type TableClient } from "@azure/data-tables";
import type { Clock } from "../core/clock";
import { SyncError, toSyncError } from "../core/errors";
import { isConcurrencyConflict, readEntity, toKey } from "../adapters/table-storage/tables";
import { checkLinkToken, maxLinkLifetimeMs, newLinkId, toLinkToken, toLinkUrl, type LinkKind, type LinkPayload, type LinkRefusal } from "./signed-links";

const partition = "link";

interface LinkEntity {
  partitionKey: string;
  rowKey: string;
  kind: LinkKind;
  connectionId: string;
  expiresAt: number;
  createdAt: number;
  usedAt: number;
  revokedAt: number;
  /** Who asked for it (e.g. "support"), for the audit trail. */
  issuedBy: string;
}

export interface IssuedLink {
  id: string;
  kind: LinkKind;
  connectionId: string;
  expiresAt: Date;
  token: string;
  url: string;
}

export type LinkOpening = { ok: true; link: LinkPayload } | { ok: false; reason: LinkRefusal };

export interface LinkStore {
  issue(request: { kind: LinkKind; connectionId: string; lifetimeMs: number; issuedBy?: string }): Promise<IssuedLink>;
  /** Checks a link without using it up (the page that starts an authorisation). */
  open(token: string, expectedKind?: LinkKind): Promise<LinkOpening>;
  /** Uses the link up (the authorisation finished); only one caller ever gets `ok`. */
  consume(token: string, expectedKind?: LinkKind): Promise<LinkOpening>;
  /** Withdraws every unused link of a connection (e.g. when a new one is issued for the same step). */
  revokeForConnection(connectionId: string, kind?: LinkKind): Promise<number>;
  /** Whether the connection has a link that still works (unused, not withdrawn, not expired). */
  hasLiveLink(connectionId: string): Promise<boolean>;
}

/** The connection's links that are neither used nor withdrawn (expiry is checked by the caller, on the clock). */
const unusedLinksOf = (connectionId: string): string =>
  odata`PartitionKey eq ${partition} and connectionId eq ${toKey(connectionId)} and usedAt eq 0 and revokedAt eq 0`;

export function createLinkStore(table: TableClient, options: { signingKey: string; publicBaseUrl: string; clock: Clock }): LinkStore {
  const { signingKey, publicBaseUrl, clock } = options;

  const check = async (token: string, expectedKind?: LinkKind): Promise<{ ok: true; link: LinkPayload; entity: LinkEntity & { etag: string } } | { ok: false; reason: LinkRefusal }> => {
    const verdict = checkLinkToken(token, signingKey, clock.now(), expectedKind);
    if (!verdict.ok) return verdict;
    const entity = await readEntity<LinkEntity>(table, partition, toKey(verdict.payload.id));
    if (entity === undefined || entity.revokedAt > 0) return { ok: false, reason: "revoked" };
    if (entity.usedAt > 0) return { ok: false, reason: "used" };
    // The row is the authority: a link shortened in storage is expired even if its token says otherwise.
    if (entity.expiresAt <= clock.now()) return { ok: false, reason: "expired" };
    return { ok: true, link: verdict.payload, entity };
  };

  return {
    async issue(request) {
      if (request.lifetimeMs <= 0 || request.lifetimeMs > maxLinkLifetimeMs) {
        throw new SyncError("a link must live between a second and 30 days", { kind: "validation", details: { source: "service" } });
      }
      const id = newLinkId();
      const now = clock.now();
      const payload: LinkPayload = { v: 1, id, kind: request.kind, connectionId: request.connectionId, exp: now + request.lifetimeMs };
      const entity: LinkEntity = {
        partitionKey: partition,
        rowKey: id,
        kind: request.kind,
        connectionId: toKey(request.connectionId),
        expiresAt: payload.exp,
        createdAt: now,
        usedAt: 0,
        revokedAt: 0,
        issuedBy: request.issuedBy ?? "service",
      };
      try {
        await table.createEntity(entity);
      } catch (error) {
        throw toSyncError(error, "storage");
      }
      const token = toLinkToken(payload, signingKey);
      return { id, kind: request.kind, connectionId: request.connectionId, expiresAt: new Date(payload.exp), token, url: toLinkUrl(publicBaseUrl, request.kind, token) };
    },

    async open(token, expectedKind) {
      const result = await check(token, expectedKind);
      return result.ok ? { ok: true, link: result.link } : result;
    },

    async consume(token, expectedKind) {
      const result = await check(token, expectedKind);
      if (!result.ok) return result;
      try {
        await table.updateEntity({ partitionKey: partition, rowKey: result.entity.rowKey, usedAt: clock.now() }, "Merge", { etag: result.entity.etag });
      } catch (error) {
        if (isConcurrencyConflict(error)) return { ok: false, reason: "used" };
        throw toSyncError(error, "storage");
      }
      return { ok: true, link: result.link };
    },

    async hasLiveLink(connectionId) {
      const filter = unusedLinksOf(connectionId);
      try {
        for await (const entity of table.listEntities<LinkEntity>({ queryOptions: { filter } })) {
          if (entity.expiresAt > clock.now()) return true;
        }
      } catch (error) {
        throw toSyncError(error, "storage");
      }
      return false;
    },

    async revokeForConnection(connectionId, kind) {
      let revoked = 0;
      const filter = unusedLinksOf(connectionId);
      for await (const entity of table.listEntities<LinkEntity>({ queryOptions: { filter } })) {
        if (kind !== undefined && entity.kind !== kind) continue;
        try {
          await table.updateEntity({ partitionKey: partition, rowKey: entity.rowKey, revokedAt: clock.now() }, "Merge", { etag: entity.etag });
          revoked++;
        } catch (error) {
          if (!isConcurrencyConflict(error)) throw toSyncError(error, "storage");
        }
      }
      return revoked;
    },
  };
}
