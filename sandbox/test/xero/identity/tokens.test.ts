import { createXeroIdentity } from "../../../src/xero/identity";
import {
  basicClient,
  connectWithPkce,
  getConnections,
  postToken,
  redirectUri,
  startHarness,
  tenants,
  type Harness,
} from "./helpers";

const scope = "offline_access accounting.invoices accounting.contacts";
const [demo, harbour] = tenants;
const minute = 60_000;

describe("Xero identity: tokens after the code exchange", () => {
  let harness: Harness;
  beforeEach(async () => {
    harness = await startHarness();
  });
  afterEach(async () => {
    await harness.server.stop();
  });

  const refresh = (refreshToken: string): ReturnType<typeof postToken> =>
    postToken(
      harness.server.url,
      { grant_type: "refresh_token", refresh_token: refreshToken },
      basicClient(harness.app),
    );

  it("rotates the refresh token on each use", async () => {
    const first = await connectWithPkce(harness, [demo.tenantId], scope);
    const second = await refresh(first.refresh_token ?? "");
    expect(second.status).toBe(200);
    expect(second.body["refresh_token"]).not.toBe(first.refresh_token);
    expect(second.body["access_token"]).not.toBe(first.access_token);
    expect(second.body["expires_in"]).toBe(1800);
    const third = await refresh(String(second.body["refresh_token"]));
    expect(third.status).toBe(200);
    expect(harness.server.identity.stats()).toMatchObject({ refreshRequests: 2, refreshRotations: 2, graceReplays: 0 });
  });

  it("replays the same new set for the previous refresh token within 30 minutes, then answers invalid_grant", async () => {
    const first = await connectWithPkce(harness, [demo.tenantId], scope);
    const rotated = await refresh(first.refresh_token ?? "");
    harness.clock.advance(29 * minute);
    const replay = await refresh(first.refresh_token ?? "");
    expect(replay.status).toBe(200);
    expect(replay.body["access_token"]).toBe(rotated.body["access_token"]);
    expect(replay.body["refresh_token"]).toBe(rotated.body["refresh_token"]);
    harness.clock.advance(1 * minute);
    expect(await refresh(first.refresh_token ?? "")).toStrictEqual({ status: 400, body: { error: "invalid_grant" } });
    // The rotated token is unaffected by the stale one.
    expect((await refresh(String(rotated.body["refresh_token"]))).status).toBe(200);
    expect(harness.server.identity.stats()).toMatchObject({ refreshRequests: 4, refreshRotations: 2, graceReplays: 1 });
  });

  it("counts twenty concurrent refreshes of one token as one rotation and nineteen replays", async () => {
    const first = await connectWithPkce(harness, [demo.tenantId], scope);
    const answers = await Promise.all(Array.from({ length: 20 }, () => refresh(first.refresh_token ?? "")));
    expect(new Set(answers.map((answer) => answer.body["refresh_token"])).size).toBe(1);
    expect(harness.server.identity.stats()).toMatchObject({
      refreshRequests: 20,
      refreshRotations: 1,
      graceReplays: 19,
    });
  });

  it("expires an unused refresh token after 60 days", async () => {
    const first = await connectWithPkce(harness, [demo.tenantId], scope);
    harness.clock.advance(60 * 24 * 60 * minute);
    expect((await refresh(first.refresh_token ?? "")).body).toStrictEqual({ error: "invalid_grant" });
  });

  it("issues no refresh token without offline_access", async () => {
    const tokens = await connectWithPkce(harness, [demo.tenantId], "accounting.invoices");
    expect(tokens.refresh_token).toBeUndefined();
  });

  it("refuses a refresh token presented by another client", async () => {
    const first = await connectWithPkce(harness, [demo.tenantId], scope);
    const other = harness.server.identity.registerApp({ redirectUris: [redirectUri] });
    const answer = await postToken(
      harness.server.url,
      { grant_type: "refresh_token", refresh_token: first.refresh_token ?? "" },
      basicClient(other),
    );
    expect(answer.body).toStrictEqual({ error: "invalid_grant" });
  });

  it("expires access tokens after 30 minutes on the clock", async () => {
    const tokens = await connectWithPkce(harness, [demo.tenantId], scope);
    const { authority } = harness.server.identity;
    harness.clock.advance(30 * minute - 1);
    expect(authority.validateAccessToken(tokens.access_token).ok).toBe(true);
    harness.clock.advance(1);
    expect(authority.validateAccessToken(tokens.access_token)).toStrictEqual({ ok: false, reason: "expired" });
    expect((await getConnections(harness.server.url, tokens.access_token)).status).toBe(401);
  });

  it("tells missing, malformed and unknown tokens apart", async () => {
    const { authority } = harness.server.identity;
    expect(authority.validateAccessToken(undefined)).toStrictEqual({ ok: false, reason: "missing" });
    expect(authority.validateAccessToken("")).toStrictEqual({ ok: false, reason: "missing" });
    expect(authority.validateAccessToken("not-a-jwt")).toStrictEqual({ ok: false, reason: "malformed" });
    expect(authority.validateAccessToken("a.b.c")).toStrictEqual({ ok: false, reason: "malformed" });
    const stranger = createXeroIdentity({
      clock: harness.clock,
      organisations: () => tenants,
      apps: [{ redirectUris: [redirectUri] }],
    });
    const foreign = stranger.issueTokenSet({ tenantIds: [demo.tenantId] });
    expect(authority.validateAccessToken(foreign.access_token)).toStrictEqual({ ok: false, reason: "unknown" });
    const own = await connectWithPkce(harness, [demo.tenantId], scope);
    expect(authority.validateAccessToken(`Bearer ${own.access_token}`).ok).toBe(true);
  });

  it("revokes a refresh token at /connect/revocation: its grant dies and the user's connections go", async () => {
    const tokens = await connectWithPkce(harness, [demo.tenantId, harbour.tenantId], scope);
    const response = await fetch(new URL("/connect/revocation", harness.server.url), {
      method: "POST",
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        authorization: `Basic ${Buffer.from(`${harness.app.clientId}:${harness.app.clientSecret ?? ""}`).toString("base64")}`,
      },
      body: new URLSearchParams({ token: tokens.refresh_token ?? "" }).toString(),
    });
    expect(response.status).toBe(200);
    expect(await response.text()).toBe("");
    expect((await refresh(tokens.refresh_token ?? "")).body).toStrictEqual({ error: "invalid_grant" });
    expect(harness.server.identity.authority.validateAccessToken(tokens.access_token)).toStrictEqual({
      ok: false,
      reason: "revoked",
    });
    const fresh = harness.server.identity.issueTokenSet({ tenantIds: [] });
    expect(await getConnections(harness.server.url, fresh.access_token)).toStrictEqual({ status: 200, body: [] });
    expect(harness.server.identity.stats().revocations).toBe(1);
  });

  it("answers revocation of an unknown token with 200 and a wrong client with invalid_client", async () => {
    const post = (authorization: string): Promise<Response> =>
      fetch(new URL("/connect/revocation", harness.server.url), {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded", authorization },
        body: "token=nothing-like-a-token",
      });
    const client = basicClient(harness.app);
    expect((await post(`Basic ${Buffer.from(`${client.id}:${client.secret}`).toString("base64")}`)).status).toBe(200);
    const wrong = await post(`Basic ${Buffer.from(`${client.id}:wrong`).toString("base64")}`);
    expect(wrong.status).toBe(400);
    expect(await wrong.json()).toStrictEqual({ error: "invalid_client" });
  });

  it("filters /connections by authEventId and deletes one connection", async () => {
    const first = await connectWithPkce(harness, [demo.tenantId], scope);
    const second = await connectWithPkce(harness, [harbour.tenantId], scope);
    const all = (await getConnections(harness.server.url, second.access_token)).body as {
      id: string;
      tenantId: string;
      authEventId: string;
    }[];
    expect(all.map((connection) => connection.tenantId)).toStrictEqual([demo.tenantId, harbour.tenantId]);
    const firstEvent = all.find((connection) => connection.tenantId === demo.tenantId)?.authEventId ?? "";
    const filtered = (await getConnections(harness.server.url, second.access_token, `?authEventId=${firstEvent}`))
      .body as { tenantId: string }[];
    expect(filtered.map((connection) => connection.tenantId)).toStrictEqual([demo.tenantId]);

    const target = all.find((connection) => connection.tenantId === harbour.tenantId)?.id ?? "";
    const deleted = await fetch(new URL(`/connections/${target}`, harness.server.url), {
      method: "DELETE",
      headers: { authorization: `Bearer ${first.access_token}` },
    });
    expect(deleted.status).toBe(204);
    const again = await fetch(new URL(`/connections/${target}`, harness.server.url), {
      method: "DELETE",
      headers: { authorization: `Bearer ${first.access_token}` },
    });
    expect(again.status).toBe(404);
    const check = harness.server.identity.authority.validateAccessToken(second.access_token);
    expect(check.ok && check.tenantIds).toStrictEqual([demo.tenantId]);
  });

  it("adds the scopes of a later consent to those already granted, until revocation", async () => {
    await connectWithPkce(harness, [demo.tenantId], "offline_access accounting.invoices");
    const later = await connectWithPkce(harness, [demo.tenantId], "offline_access accounting.contacts");
    expect(later.scope).toBe("offline_access accounting.invoices accounting.contacts");
    const check = harness.server.identity.authority.validateAccessToken(later.access_token);
    expect(check.ok && check.scopes).toStrictEqual(["offline_access", "accounting.invoices", "accounting.contacts"]);
  });

  it("reconnecting a tenant keeps its connection and moves updatedDateUtc", async () => {
    await connectWithPkce(harness, [demo.tenantId], scope);
    harness.clock.advance(90 * minute);
    const later = await connectWithPkce(harness, [demo.tenantId], scope);
    const list = (await getConnections(harness.server.url, later.access_token)).body as Record<string, string>[];
    expect(list).toHaveLength(1);
    expect(list[0]?.["createdDateUtc"]).toBe("2026-01-01T00:00:00.0000000");
    expect(list[0]?.["updatedDateUtc"]).toBe("2026-01-01T01:30:00.0000000");
  });

  it("answers /connections without a valid token with Xero's 401", async () => {
    const response = await fetch(new URL("/connections", harness.server.url));
    expect(response.status).toBe(401);
    expect(response.headers.get("www-authenticate")).toContain('error="invalid_token"');
    expect(await response.json()).toMatchObject({
      Title: "Unauthorized",
      Status: 401,
      Detail: "AuthenticationUnsuccessful",
    });
  });

  describe("fault injection", () => {
    it("revokeGrant kills the grant behind a token", async () => {
      const tokens = await connectWithPkce(harness, [demo.tenantId], scope);
      expect(harness.server.identity.revokeGrant(tokens.access_token)).toBe(true);
      expect(harness.server.identity.authority.validateAccessToken(tokens.access_token)).toStrictEqual({
        ok: false,
        reason: "revoked",
      });
      expect((await refresh(tokens.refresh_token ?? "")).body).toStrictEqual({ error: "invalid_grant" });
    });

    it("revokeGrantsForTenant revokes every grant reaching the tenant and no other", () => {
      const reaching = harness.server.identity.issueTokenSet({ tenantIds: [demo.tenantId] });
      const elsewhere = harness.server.identity.issueTokenSet({
        tenantIds: [harbour.tenantId],
        userId: "5b0c3f8e-7a6d-4e2b-9c1a-3d4e5f6a7b8c",
      });
      expect(harness.server.identity.revokeGrantsForTenant(demo.tenantId)).toBe(1);
      expect(harness.server.identity.authority.validateAccessToken(reaching.access_token)).toStrictEqual({
        ok: false,
        reason: "revoked",
      });
      expect(harness.server.identity.authority.validateAccessToken(elsewhere.access_token).ok).toBe(true);
    });

    it("connectedTenantIds lists the organisations connected to an app", () => {
      const other = harness.server.identity.registerApp({ redirectUris: [redirectUri] });
      harness.server.identity.issueTokenSet({ tenantIds: [demo.tenantId] });
      harness.server.identity.issueTokenSet({ tenantIds: [harbour.tenantId], clientId: other.clientId });
      expect(harness.server.identity.connectedTenantIds(harness.app.clientId)).toStrictEqual([demo.tenantId]);
      expect(harness.server.identity.connectedTenantIds().sort()).toStrictEqual(
        [demo.tenantId, harbour.tenantId].sort(),
      );
    });

    it("revokeConnection drops the tenant from every token while the tokens stay valid", async () => {
      const tokens = harness.server.identity.issueTokenSet({ tenantIds: [demo.tenantId, harbour.tenantId] });
      expect(harness.server.identity.revokeConnection(demo.tenantId)).toBe(1);
      const check = harness.server.identity.authority.validateAccessToken(tokens.access_token);
      expect(check.ok && check.tenantIds).toStrictEqual([harbour.tenantId]);
      expect((await refresh(tokens.refresh_token ?? "")).status).toBe(200);
    });
  });

  it("issueTokenSet refuses tenants that do not exist", () => {
    expect(() =>
      harness.server.identity.issueTokenSet({ tenantIds: ["00000000-0000-0000-0000-000000000000"] }),
    ).toThrow(/no organisation/);
  });

  it("publishes a discovery document that points at its own endpoints", async () => {
    const discovery = (await (
      await fetch(new URL("/.well-known/openid-configuration", harness.server.url))
    ).json()) as Record<string, unknown>;
    expect(discovery).toMatchObject({
      issuer: harness.server.url,
      authorization_endpoint: `${harness.server.url}/identity/connect/authorize`,
      token_endpoint: `${harness.server.url}/connect/token`,
      revocation_endpoint: `${harness.server.url}/connect/revocation`,
      jwks_uri: `${harness.server.url}/.well-known/openid-configuration/jwks`,
      code_challenge_methods_supported: ["plain", "S256"],
    });
  });
});
