import type { TableClient } from "@azure/data-tables";
import type { Azurite } from "../../../../sandbox/src/azurite";
import { startXeroIdentityServer, type XeroIdentityServer } from "../../../../sandbox/src/xero/identity/server";
import type { RegisteredApp } from "../../../../sandbox/src/xero/identity";
import { createConnectionStore, type ConnectionStore } from "../../../src/adapters/table-storage/connection-store";
import { createTokenVault, type DisconnectedEvent, type TokenVaultOptions } from "../../../src/adapters/table-storage/token-vault";
import { XeroTokenResponse, fromTokenResponse, refreshXeroTokenSet } from "../../../src/adapters/table-storage/xero-token-endpoint";
import { ManualClock } from "../../../src/core/clock";
import { createMemoryLogger } from "../../../src/core/logger";
import { SyncError } from "../../../src/core/errors";
import { findSecretsInLogs } from "../../support/log-scan";
import { freshTable, recordingSleep, startStorage, testKeyRing } from "../../support/storage";

const tenantId = "3f3b3a4e-1d0c-4a53-9d5f-2b2f0c6d7a11";
const minute = 60_000;

describe("token vault (Azurite + the Xero identity emulator)", () => {
  let azurite: Azurite;
  let identity: XeroIdentityServer;
  let app: RegisteredApp;
  const clock = new ManualClock(Date.UTC(2026, 3, 1));
  const logger = createMemoryLogger();
  const seenSecrets: string[] = [];
  let tokens: TableClient;
  let connections: ConnectionStore;

  beforeAll(async () => {
    [azurite, identity] = await Promise.all([startStorage(), startXeroIdentityServer({ clock, organisations: () => [{ tenantId, name: "Demo Company (NZ)" }] })]);
    app = identity.identity.registerApp({ name: "Xero Connector", redirectUris: ["http://127.0.0.1/callback"] });
    seenSecrets.push(app.clientSecret ?? "");
  });
  afterAll(async () => {
    await Promise.all([azurite.stop(), identity.stop()]);
  });
  beforeEach(async () => {
    tokens = await freshTable(azurite, "tokens");
    connections = createConnectionStore(await freshTable(azurite, "conns"), { keyRing: testKeyRing(), clock });
  });

  const vaultOptions = (extra: Partial<TokenVaultOptions> = {}): TokenVaultOptions => ({
    table: tokens,
    keyRing: testKeyRing(),
    clock,
    xero: { identityUrl: identity.url, clientId: app.clientId, clientSecret: app.clientSecret ?? "" },
    logger,
    connections,
    pollIntervalMs: 20,
    ...extra,
  });

  /** A consented grant, stored for a new connection. */
  async function connect(): Promise<{ connectionId: string; accessToken: string; refreshToken: string }> {
    const connection = await connections.create({ xero: { tenantId, tenantName: "Demo Company (NZ)" } });
    const issued = identity.identity.issueTokenSet({ tenantIds: [tenantId], clientId: app.clientId });
    const tokenSet = fromTokenResponse(XeroTokenResponse.parse(issued), clock.now());
    seenSecrets.push(tokenSet.accessToken, tokenSet.refreshToken);
    await createTokenVault(vaultOptions()).storeGrant(connection.id, tokenSet);
    return { connectionId: connection.id, accessToken: tokenSet.accessToken, refreshToken: tokenSet.refreshToken };
  }

  const refreshRequests = (): number => identity.identity.stats().refreshRequests;

  it("stores the grant encrypted and serves a fresh access token without refreshing", async () => {
    const { connectionId, accessToken, refreshToken } = await connect();
    const raw = JSON.stringify(await tokens.getEntity(connectionId, "xero"));
    expect(raw).not.toContain(accessToken);
    expect(raw).not.toContain(refreshToken);
    const before = refreshRequests();
    expect(await createTokenVault(vaultOptions()).getAccessToken(connectionId)).toBe(accessToken);
    expect(refreshRequests()).toBe(before);
  });

  it("20 concurrent callers on 20 instances make exactly one refresh call and all proceed with its token", async () => {
    const { connectionId, accessToken } = await connect();
    clock.advance(26 * minute); // within the 5-minute margin of the 30-minute expiry
    const before = refreshRequests();
    const refreshed: string[] = [];
    const vaults = Array.from({ length: 20 }, (_unused, index) =>
      createTokenVault(vaultOptions({ instanceId: `instance-${index}`, onRefreshed: () => void refreshed.push(`instance-${index}`) })),
    );
    const results = await Promise.all(vaults.map((vault) => vault.getAccessToken(connectionId)));
    expect(refreshRequests() - before).toBe(1);
    expect(refreshed).toHaveLength(1);
    expect(new Set(results).size).toBe(1);
    expect(results[0]).not.toBe(accessToken);
    expect(identity.identity.authority.validateAccessToken(results[0])).toMatchObject({ ok: true, tenantIds: [tenantId] });
    expect(vaults.reduce((sum, vault) => sum + vault.stats().refreshCalls, 0)).toBe(1);
    expect((await vaults[0]?.getGrantInfo(connectionId))?.refreshCount).toBe(1);
  });

  it("survives a lost refresh answer through the refresh token's grace period", async () => {
    const { connectionId } = await connect();
    clock.advance(29 * minute);
    // The request reaches Xero (which rotates the token) but the answer never comes back.
    const losingFetch: typeof fetch = async (input, init) => {
      await fetch(input, init);
      throw Object.assign(new TypeError("fetch failed"), { cause: Object.assign(new Error("socket hang up"), { code: "ECONNRESET" }) });
    };
    const failure = await createTokenVault(vaultOptions({ fetch: losingFetch })).getAccessToken(connectionId).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(SyncError);
    expect((failure as SyncError).kind).toBe("transient");
    const replaysBefore = identity.identity.stats().graceReplays;
    const token = await createTokenVault(vaultOptions()).getAccessToken(connectionId);
    expect(identity.identity.stats().graceReplays).toBe(replaysBefore + 1);
    expect(identity.identity.authority.validateAccessToken(token).ok).toBe(true);
  });

  it("takes over the claim of an instance that crashed after Xero rotated the token, within the grace period", async () => {
    const { connectionId, refreshToken } = await connect();
    clock.advance(26 * minute);
    // The crashed instance: it claimed the row and its refresh reached Xero (which rotated the token), then it died.
    await tokens.updateEntity({ partitionKey: connectionId, rowKey: "xero", refreshClaimedBy: "crashed-instance", refreshClaimedUntil: clock.now() + 60_000 }, "Merge");
    await refreshXeroTokenSet({ identityUrl: identity.url, clientId: app.clientId, clientSecret: app.clientSecret ?? "" }, refreshToken, { now: () => clock.now() });
    const replaysBefore = identity.identity.stats().graceReplays;
    const waits: number[] = [];
    const vault = createTokenVault(vaultOptions({ sleep: recordingSleep(waits, clock), pollIntervalMs: 5_000 }));
    const token = await vault.getAccessToken(connectionId);
    expect(waits.reduce((sum, wait) => sum + wait, 0)).toBeGreaterThanOrEqual(60_000);
    expect(identity.identity.stats().graceReplays).toBe(replaysBefore + 1);
    expect(identity.identity.authority.validateAccessToken(token).ok).toBe(true);
  });

  it("a revoked grant marks the connection disconnected within one call and stops calling Xero", async () => {
    const { connectionId, refreshToken } = await connect();
    identity.identity.revokeGrant(refreshToken);
    clock.advance(26 * minute);
    const events: DisconnectedEvent[] = [];
    const vault = createTokenVault(vaultOptions({ onDisconnected: (event) => void events.push(event) }));
    await expect(vault.getAccessToken(connectionId)).rejects.toMatchObject({ kind: "auth", retryable: false });
    expect(events).toStrictEqual([{ connectionId, reason: expect.stringMatching(/invalid_grant/), occurredOn: new Date(clock.now()) }]);
    expect(await connections.get(connectionId)).toMatchObject({ status: "disconnected", statusReason: expect.stringMatching(/Reauthorise/) });
    const before = refreshRequests();
    await expect(vault.getAccessToken(connectionId)).rejects.toMatchObject({ kind: "auth" });
    expect(refreshRequests()).toBe(before);
    expect((await vault.getGrantInfo(connectionId))?.disconnected?.reason).toMatch(/invalid_grant/);

    // Reauthorisation stores a new grant and calls resume.
    const issued = fromTokenResponse(XeroTokenResponse.parse(identity.identity.issueTokenSet({ tenantIds: [tenantId], clientId: app.clientId })), clock.now());
    seenSecrets.push(issued.accessToken, issued.refreshToken);
    await vault.storeGrant(connectionId, issued);
    expect(await vault.getAccessToken(connectionId)).toBe(issued.accessToken);
  });

  it("refreshes when Xero refused the current token, unless another instance already replaced it", async () => {
    const { connectionId, accessToken } = await connect();
    const vault = createTokenVault(vaultOptions());
    const before = refreshRequests();
    const renewed = await vault.getAccessToken(connectionId, { rejectedToken: accessToken });
    expect(renewed).not.toBe(accessToken);
    expect(await createTokenVault(vaultOptions()).getAccessToken(connectionId, { rejectedToken: accessToken })).toBe(renewed);
    expect(refreshRequests()).toBe(before + 1);
  });

  it("keeps an idle grant alive before its 60-day expiry", async () => {
    const { connectionId } = await connect();
    const vault = createTokenVault(vaultOptions());
    const info = await vault.getGrantInfo(connectionId);
    expect(info?.grantExpiresOn).toStrictEqual(new Date(clock.now() + 60 * 24 * 60 * minute));
    expect(await vault.keepAlive(connectionId)).toBe(false);
    clock.advance(31 * 24 * 60 * minute);
    const result = await vault.keepAliveAll();
    expect(result.failed).toBe(0);
    expect(result.refreshed).toBeGreaterThanOrEqual(1);
    expect((await vault.getGrantInfo(connectionId))?.grantExpiresOn).toStrictEqual(new Date(clock.now() + 60 * 24 * 60 * minute));
    expect(await vault.keepAlive(connectionId)).toBe(false);
  });

  it("a failing listener does not hide the auth error, and a connection without a grant can still be disconnected", async () => {
    const { connectionId, refreshToken } = await connect();
    identity.identity.revokeGrant(refreshToken);
    clock.advance(26 * minute);
    const vault = createTokenVault(vaultOptions({ onDisconnected: () => Promise.reject(new Error("Dataverse is down")) }));
    await expect(vault.getAccessToken(connectionId)).rejects.toMatchObject({ kind: "auth" });
    expect(logger.entries.some((entry) => entry.message === "the disconnected listener failed")).toBe(true);

    const bare = await connections.create();
    const events: DisconnectedEvent[] = [];
    await createTokenVault(vaultOptions({ onDisconnected: (event) => void events.push(event) })).markDisconnected(bare.id, "Xero organisation removed");
    expect(events.map((event) => event.reason)).toStrictEqual(["Xero organisation removed"]);
    expect((await connections.get(bare.id))?.status).toBe("disconnected");
  });

  it("refuses a connection with no grant", async () => {
    await expect(createTokenVault(vaultOptions()).getAccessToken("nobody")).rejects.toMatchObject({ kind: "auth" });
  });

  it("emitted no token, secret or code in any log line", () => {
    expect(logger.entries.length).toBeGreaterThan(0);
    expect(findSecretsInLogs(logger.entries, seenSecrets)).toStrictEqual([]);
  });
});
