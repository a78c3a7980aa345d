// The token vault: one row per connection in the `tokens` table holding the Xero grant, encrypted (AES-256-GCM).
//
// Refresh-token rotation across many instances. Xero rotates the refresh token on every use, so two instances that
// refresh at once would each burn the token the other holds. One refresh wins through an ETag-conditional claim on
// the row; the others see the claim, wait, re-read and reuse the winner's result. If the winner's answer is lost
// (network, crash after Xero committed), nothing was written, the claim lapses, and the next refresh uses the stored
// refresh token again: Xero keeps a used refresh token valid for a 30-minute grace period
// (https://developer.xero.com/faq/oauth2), which covers exactly that case.
//
// `invalid_grant` (revoked or expired grant) marks the connection disconnected with the reason, tells the flows
// (`onDisconnected`, so the connector shows mag_xerostatus = Disconnected and mag_xerostatusreason), and every later
// call fails fast with an `auth` error until a new grant is stored.
import { randomUUID } from "node:crypto";
import type { TableClient } from "@azure/data-tables";
import type { Clock } from "../../core/clock";
import { SyncError, toSyncError } from "../../core/errors";
import { silentLogger, type Logger } from "../../core/logger";
import { realSleep, type Sleep } from "../../core/retry";
import { decryptSecret, encryptSecret, type KeyRing } from "../../security/encryption";
import type { ConnectionStore } from "./connection-store";
import { isConcurrencyConflict, isNotFound, readEntity, toKey } from "./tables";
import { XeroTokenSet, refreshXeroTokenSet, toGrantExpiresOn, type XeroClientCredentials } from "./xero-token-endpoint";

const rowKey = "xero";
const tokenContext = (connectionId: string): string => `tokens/${connectionId}/xero`;

interface TokenEntity {
  partitionKey: string;
  rowKey: string;
  /** Ciphertext of the JSON token set. */
  tokenSet: string;
  /** Plain copies (not secret) so health and keep-alive need no decryption. */
  accessTokenExpiresAt: number;
  refreshTokenIssuedAt: number;
  refreshClaimedBy: string;
  refreshClaimedUntil: number;
  disconnectedReason: string;
  disconnectedOn: number;
  refreshCount: number;
}

export interface DisconnectedEvent {
  connectionId: string;
  reason: string;
  occurredOn: Date;
}

export interface RefreshedEvent {
  connectionId: string;
  grantExpiresOn: Date;
}

export interface GrantInfo {
  accessTokenExpiresAt: Date;
  grantExpiresOn: Date;
  lastRefreshedOn: Date;
  refreshCount: number;
  disconnected: { reason: string; on: Date } | undefined;
}

export interface TokenVaultOptions {
  table: TableClient;
  keyRing: KeyRing;
  clock: Clock;
  xero: XeroClientCredentials;
  fetch?: typeof fetch;
  logger?: Logger;
  sleep?: Sleep;
  /** Also mark the connection row disconnected (so `support status` and the flows see it). */
  connections?: ConnectionStore;
  /** Refresh this long before the access token expires (default 5 minutes). */
  refreshMarginMs?: number;
  /** Keep-alive: refresh an idle grant once its refresh token is this old (default 30 days; Xero's die at 60). */
  keepAliveAfterMs?: number;
  /** How long a refresh claim holds before others may take over (default 60 s). */
  claimTtlMs?: number;
  /** How often a waiting caller re-reads the row (default 100 ms). */
  pollIntervalMs?: number;
  /** Identifies this instance in claims (default a random id). */
  instanceId?: string;
  onDisconnected?: (event: DisconnectedEvent) => void | Promise<void>;
  onRefreshed?: (event: RefreshedEvent) => void | Promise<void>;
}

export interface TokenVault {
  /** Stores a new grant (consent or reauthorisation); clears any disconnected state. */
  storeGrant(connectionId: string, tokenSet: XeroTokenSet): Promise<void>;
  /**
   * A valid access token, refreshed when it is within the margin of expiry. Pass the token Xero just refused
   * (`rejectedToken`) to force a refresh unless another instance has already replaced it.
   */
  getAccessToken(connectionId: string, options?: { rejectedToken?: string }): Promise<string>;
  getGrantInfo(connectionId: string): Promise<GrantInfo | undefined>;
  /** Refreshes the grant if its refresh token is older than the keep-alive age; true when it refreshed. */
  keepAlive(connectionId: string): Promise<boolean>;
  /** Keep-alive for every stored grant; failures are counted, not thrown. */
  keepAliveAll(): Promise<{ refreshed: number; failed: number }>;
  markDisconnected(connectionId: string, reason: string): Promise<void>;
  deleteGrant(connectionId: string): Promise<void>;
  /** Refresh calls this instance sent to Xero. */
  stats(): { refreshCalls: number };
}

export function createTokenVault(options: TokenVaultOptions): TokenVault {
  const { table, keyRing, clock } = options;
  const logger = options.logger ?? silentLogger;
  const sleep = options.sleep ?? realSleep;
  const refreshMarginMs = options.refreshMarginMs ?? 5 * 60_000;
  const keepAliveAfterMs = options.keepAliveAfterMs ?? 30 * 24 * 60 * 60_000;
  const claimTtlMs = options.claimTtlMs ?? 60_000;
  const pollIntervalMs = options.pollIntervalMs ?? 100;
  const instanceId = options.instanceId ?? randomUUID();
  /** One refresh at a time per connection inside this instance. */
  const inFlight = new Map<string, Promise<string>>();
  let refreshCalls = 0;

  const decrypt = (connectionId: string, entity: TokenEntity): XeroTokenSet => {
    const tokenSet = XeroTokenSet.parse(JSON.parse(decryptSecret(keyRing, entity.tokenSet, tokenContext(connectionId))));
    logger.addSecrets([tokenSet.accessToken, tokenSet.refreshToken, ...(tokenSet.idToken === undefined ? [] : [tokenSet.idToken])]);
    return tokenSet;
  };

  const toTokenColumns = (connectionId: string, tokenSet: XeroTokenSet) => ({
    tokenSet: encryptSecret(keyRing, JSON.stringify(tokenSet), tokenContext(connectionId)),
    accessTokenExpiresAt: tokenSet.accessTokenExpiresAt,
    refreshTokenIssuedAt: tokenSet.refreshTokenIssuedAt,
  });

  const read = (connectionId: string) => readEntity<TokenEntity>(table, toKey(connectionId), rowKey);

  const disconnectedError = (reason: string): SyncError =>
    new SyncError(`The Xero connection is disconnected: ${reason}`, { kind: "auth", details: { source: "xero-identity", type: "disconnected" } });

  /** Listeners must not turn a clear auth error into something else: their failures are logged, not thrown. */
  const notify = async (what: string, connectionId: string, listener: () => unknown): Promise<void> => {
    try {
      await listener();
    } catch (error) {
      logger.warn(`${what} failed`, { connectionId, error: toSyncError(error) });
    }
  };

  const markDisconnected = async (connectionId: string, reason: string): Promise<void> => {
    const occurredOn = clock.now();
    try {
      await table.updateEntity({ partitionKey: toKey(connectionId), rowKey, disconnectedReason: reason, disconnectedOn: occurredOn, refreshClaimedBy: "", refreshClaimedUntil: 0 }, "Merge");
    } catch (error) {
      // No grant row (never authorised, or deleted): the connection and the listeners still learn of it.
      if (!isNotFound(error)) throw toSyncError(error, "storage");
    }
    logger.warn("xero connection disconnected", { connectionId, reason });
    await notify("marking the connection disconnected", connectionId, () => options.connections?.markDisconnected(connectionId, reason));
    await notify("the disconnected listener", connectionId, () => options.onDisconnected?.({ connectionId, reason, occurredOn: new Date(occurredOn) }));
  };

  /** The claim-refresh-publish protocol; `needsRefresh` is re-evaluated on every fresh read. */
  const refreshWhen = async (connectionId: string, needsRefresh: (tokens: XeroTokenSet) => boolean): Promise<string> => {
    const giveUpAt = clock.now() + claimTtlMs * 2;
    let waited = 0;
    for (;;) {
      const entity = await read(connectionId);
      if (entity === undefined) throw new SyncError("No Xero grant is stored for this connection", { kind: "auth", details: { source: "storage", type: "no-grant" } });
      if (entity.disconnectedReason !== "") throw disconnectedError(entity.disconnectedReason);
      const tokens = decrypt(connectionId, entity);
      if (!needsRefresh(tokens)) return tokens.accessToken;

      const now = clock.now();
      if (entity.refreshClaimedUntil > now && entity.refreshClaimedBy !== instanceId) {
        // Another instance is refreshing: wait for its result. The clock may be manual, so count real waits too.
        waited += pollIntervalMs;
        if (now > giveUpAt || waited > claimTtlMs * 2) {
          throw new SyncError("Another instance's token refresh did not finish", { kind: "transient", details: { source: "xero-identity" } });
        }
        await sleep(pollIntervalMs);
        continue;
      }

      let claimEtag: string;
      try {
        const claimed = await table.updateEntity(
          { partitionKey: toKey(connectionId), rowKey, refreshClaimedBy: instanceId, refreshClaimedUntil: now + claimTtlMs },
          "Merge",
          { etag: entity.etag },
        );
        claimEtag = claimed.etag ?? "*";
      } catch (error) {
        if (isConcurrencyConflict(error)) continue;
        throw toSyncError(error, "storage");
      }

      let renewed: XeroTokenSet;
      try {
        refreshCalls++;
        renewed = await refreshXeroTokenSet(options.xero, tokens.refreshToken, { now: () => clock.now(), ...(options.fetch === undefined ? {} : { fetch: options.fetch }) });
      } catch (thrown) {
        const error = toSyncError(thrown, "xero-identity");
        if (error.kind === "auth") {
          const reason = `Xero refused the grant (${error.details.type ?? "unauthorised"}): it was revoked or has expired. Reauthorise the connection.`;
          await markDisconnected(connectionId, reason);
          throw disconnectedError(reason);
        }
        // Release the claim so the next caller retries with the same refresh token (still valid, or in its grace).
        await table
          .updateEntity({ partitionKey: toKey(connectionId), rowKey, refreshClaimedBy: "", refreshClaimedUntil: 0 }, "Merge", { etag: claimEtag })
          .catch(() => undefined);
        throw error;
      }
      logger.addSecrets([renewed.accessToken, renewed.refreshToken, ...(renewed.idToken === undefined ? [] : [renewed.idToken])]);

      try {
        await table.updateEntity(
          { partitionKey: toKey(connectionId), rowKey, ...toTokenColumns(connectionId, renewed), refreshClaimedBy: "", refreshClaimedUntil: 0, refreshCount: (entity.refreshCount ?? 0) + 1 },
          "Merge",
          { etag: claimEtag },
        );
      } catch (error) {
        if (!isConcurrencyConflict(error)) throw toSyncError(error, "storage");
        // Our claim lapsed and someone else wrote (another refresh or a new grant). Our access token is still valid;
        // the stored grant is theirs.
        logger.warn("token refresh finished after its claim lapsed; keeping the stored grant", { connectionId });
        return renewed.accessToken;
      }
      logger.info("xero token refreshed", { connectionId });
      await notify("the refreshed listener", connectionId, () => options.onRefreshed?.({ connectionId, grantExpiresOn: toGrantExpiresOn(renewed) }));
      return renewed.accessToken;
    }
  };

  const singleFlight = (connectionId: string, run: () => Promise<string>): Promise<string> => {
    const existing = inFlight.get(connectionId);
    if (existing !== undefined) return existing;
    const promise = run().finally(() => inFlight.delete(connectionId));
    inFlight.set(connectionId, promise);
    return promise;
  };

  const keepAlive = async (connectionId: string): Promise<boolean> => {
    const entity = await read(connectionId);
    if (entity === undefined || entity.disconnectedReason !== "") return false;
    const due = (tokens: Pick<XeroTokenSet, "refreshTokenIssuedAt">): boolean => clock.now() - tokens.refreshTokenIssuedAt >= keepAliveAfterMs;
    if (!due(entity)) return false;
    await singleFlight(connectionId, () => refreshWhen(connectionId, due));
    return true;
  };

  return {
    async storeGrant(connectionId, tokenSet) {
      const parsed = XeroTokenSet.parse(tokenSet);
      logger.addSecrets([parsed.accessToken, parsed.refreshToken]);
      try {
        await table.upsertEntity(
          {
            partitionKey: toKey(connectionId),
            rowKey,
            ...toTokenColumns(connectionId, parsed),
            refreshClaimedBy: "",
            refreshClaimedUntil: 0,
            disconnectedReason: "",
            disconnectedOn: 0,
            refreshCount: 0,
          },
          "Replace",
        );
      } catch (error) {
        throw toSyncError(error, "storage");
      }
    },

    async getAccessToken(connectionId, getOptions = {}) {
      const rejected = getOptions.rejectedToken;
      const needsRefresh = (tokens: XeroTokenSet): boolean => tokens.accessTokenExpiresAt - refreshMarginMs <= clock.now() || tokens.accessToken === rejected;
      // A cheap path first: most calls find a fresh token and need no coordination.
      const entity = await read(connectionId);
      if (entity !== undefined && entity.disconnectedReason === "") {
        const tokens = decrypt(connectionId, entity);
        if (!needsRefresh(tokens)) return tokens.accessToken;
      }
      return singleFlight(connectionId, () => refreshWhen(connectionId, needsRefresh));
    },

    async getGrantInfo(connectionId) {
      const entity = await read(connectionId);
      if (entity === undefined) return undefined;
      return {
        accessTokenExpiresAt: new Date(entity.accessTokenExpiresAt),
        grantExpiresOn: toGrantExpiresOn(entity),
        lastRefreshedOn: new Date(entity.refreshTokenIssuedAt),
        refreshCount: entity.refreshCount ?? 0,
        disconnected: entity.disconnectedReason === "" ? undefined : { reason: entity.disconnectedReason, on: new Date(entity.disconnectedOn) },
      };
    },

    keepAlive,

    async keepAliveAll() {
      let refreshed = 0;
      let failed = 0;
      const ids: string[] = [];
      try {
        for await (const entity of table.listEntities<Pick<TokenEntity, "partitionKey">>({ queryOptions: { filter: `RowKey eq '${rowKey}'`, select: ["PartitionKey"] } })) {
          if (entity.partitionKey !== undefined) ids.push(entity.partitionKey);
        }
      } catch (error) {
        throw toSyncError(error, "storage");
      }
      for (const connectionId of ids) {
        try {
          if (await keepAlive(connectionId)) refreshed++;
        } catch (error) {
          failed++;
          logger.warn("keep-alive refresh failed", { connectionId, error: toSyncError(error) });
        }
      }
      return { refreshed, failed };
    },

    markDisconnected,

    async deleteGrant(connectionId) {
      try {
        await table.deleteEntity(toKey(connectionId), rowKey);
      } catch (error) {
        if ((error as { statusCode?: number }).statusCode !== 404) throw toSyncError(error, "storage");
      }
    },

    stats: () => ({ refreshCalls }),
  };
}
