// The Entra sign-in stand-in over real HTTP: "Pick an account" (escaped, with Cancel), the request checks, the
// authorization code grant (single use, 10 minutes, PKCE, secret, redirect URI), RS256 ID tokens verifiable with the
// tenant's JWKS, and delegated tokens that make the Web API act as the signed-in user (WhoAmI, roles, 0x80072560).
import { createHash, createPublicKey, verify, type JsonWebKey } from "node:crypto";
import type { MultiTenantApp } from "../../src/dataverse";
import { issuedSecrets } from "../../src/issued-secrets";
import type { TestOrg } from "./helpers";
import { errorOf, startTestOrg } from "./helpers";

const redirectUri = "http://127.0.0.1:7071/api/dynamics/signin/callback";
const verifier = "a-pkce-verifier-of-at-least-43-characters-long-0123456789";
const challenge = createHash("sha256").update(verifier).digest("base64url");

describe("OpenID Connect sign-in to a tenant", () => {
  let t: TestOrg;
  let app: MultiTenantApp;
  beforeAll(async () => {
    t = await startTestOrg();
    app = t.dv.registerMultiTenantApp({ displayName: "Xero Connector", redirectUris: [redirectUri] });
  });
  afterAll(async () => {
    await t.dv.stop();
  });

  const authorizeQuery = (extra: Record<string, string> = {}): Record<string, string> => ({
    client_id: app.clientId,
    response_type: "code",
    redirect_uri: redirectUri,
    response_mode: "query",
    scope: `openid profile ${t.org.url}/user_impersonation`,
    state: "state-1",
    nonce: "nonce-1",
    code_challenge: challenge,
    code_challenge_method: "S256",
    ...extra,
  });

  const authorizeUrl = (query: Record<string, string>, tenant = t.org.tenantId): string =>
    `${t.dv.url}/${tenant}/oauth2/v2.0/authorize?${new URLSearchParams(query).toString()}`;

  const pick = (fields: Record<string, string>, tenant = t.org.tenantId): Promise<Response> =>
    fetch(`${t.dv.url}/${tenant}/oauth2/v2.0/authorize`, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams(fields).toString(),
      redirect: "manual",
    });

  /** Signs `objectId` in and returns the code. */
  const codeFor = async (objectId: string): Promise<string> => {
    const answer = await pick({ ...authorizeQuery(), user: objectId });
    expect(answer.status).toBe(302);
    return new URL(answer.headers.get("location") ?? "").searchParams.get("code") ?? "";
  };

  const redeem = (fields: Record<string, string>, tenant = t.org.tenantId): Promise<Response> =>
    fetch(`${t.dv.url}/${tenant}/oauth2/v2.0/token`, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams(fields).toString(),
    });

  const redeemFields = (code: string, extra: Record<string, string> = {}): Record<string, string> => ({
    grant_type: "authorization_code",
    client_id: app.clientId,
    client_secret: app.clientSecret,
    code,
    redirect_uri: redirectUri,
    code_verifier: verifier,
    ...extra,
  });

  const claimsOf = (jwt: string): Record<string, unknown> =>
    JSON.parse(Buffer.from(jwt.split(".")[1] ?? "", "base64url").toString()) as Record<string, unknown>;

  it("lists the tenant's people on 'Pick an account', escaped, with Cancel, and sends nowhere for bad requests", async () => {
    t.dv.addTenantUser(t.org.tenantId, { name: `Eve <script>"x"`, email: "eve@contoso.example.com" });
    const page = await fetch(authorizeUrl(authorizeQuery()));
    const html = await page.text();
    expect(page.status).toBe(200);
    expect(html).toContain("Pick an account");
    expect(html).toContain(t.org.administrator.name);
    expect(html).toContain(`value="${t.org.administrator.objectId}"`);
    expect(html).toContain("Eve &#60;script&#62;&#34;x&#34;");
    expect(html).not.toContain("<script>");
    expect(html).toContain('name="decision" value="cancel"');

    const errorPage = async (url: string, code: string): Promise<void> => {
      const answer = await fetch(url, { redirect: "manual" });
      expect(answer.status).toBe(400);
      expect(answer.headers.get("location")).toBeNull();
      expect(await answer.text()).toContain(code);
    };
    await errorPage(
      authorizeUrl(authorizeQuery({ client_id: "00000000-0000-4000-8000-000000000000" })),
      "AADSTS700016",
    );
    await errorPage(authorizeUrl(authorizeQuery({ redirect_uri: "https://evil.example/cb" })), "AADSTS50011");
    await errorPage(authorizeUrl(authorizeQuery(), "00000000-0000-4000-8000-0000000000ff"), "AADSTS90002");

    // Past the redirect URI check, problems go back to the app as OAuth errors (with its state).
    const back = async (query: Record<string, string>): Promise<URLSearchParams> => {
      const answer = await fetch(authorizeUrl(query), { redirect: "manual" });
      expect(answer.status).toBe(302);
      return new URL(answer.headers.get("location") ?? "").searchParams;
    };
    const noPkce = authorizeQuery();
    delete noPkce["code_challenge"];
    expect((await back(noPkce)).get("error")).toBe("invalid_request");
    expect((await back(authorizeQuery({ code_challenge_method: "plain" }))).get("error")).toBe("invalid_request");
    expect((await back(authorizeQuery({ scope: `${t.org.url}/user_impersonation` }))).get("error")).toBe(
      "invalid_request",
    );
    const elsewhere = await back(authorizeQuery({ scope: "openid https://other.example/user_impersonation" }));
    expect(elsewhere.get("error")).toBe("invalid_resource");
    expect(elsewhere.get("state")).toBe("state-1");
  });

  it("answers Cancel with access_denied and the state", async () => {
    const answer = await pick({ ...authorizeQuery(), decision: "cancel" });
    expect(answer.status).toBe(302);
    const back = new URL(answer.headers.get("location") ?? "");
    expect(`${back.origin}${back.pathname}`).toBe(redirectUri);
    expect(back.searchParams.get("error")).toBe("access_denied");
    expect(back.searchParams.get("state")).toBe("state-1");
    expect(back.searchParams.get("code")).toBeNull();
  });

  it("redeems a code once for an RS256 ID token that the tenant's JWKS verifies, and a delegated access token", async () => {
    const code = await codeFor(t.org.administrator.objectId);
    expect(issuedSecrets()).toContain(code);
    const answer = await redeem(redeemFields(code));
    expect(answer.status).toBe(200);
    const body = (await answer.json()) as Record<string, string>;
    expect(body).toMatchObject({
      token_type: "Bearer",
      scope: `openid profile ${t.org.url}/user_impersonation`,
      expires_in: expect.any(Number),
      access_token: expect.any(String),
      id_token: expect.any(String),
    });
    const idToken = body["id_token"] ?? "";
    expect(issuedSecrets()).toContain(idToken);
    expect(issuedSecrets()).toContain(body["access_token"] ?? "");
    const now = Math.floor(t.clock.now() / 1000);
    expect(claimsOf(idToken)).toMatchObject({
      iss: `${t.dv.url}/${t.org.tenantId}/v2.0`,
      aud: app.clientId,
      tid: t.org.tenantId,
      oid: t.org.administrator.objectId,
      sub: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
      name: t.org.administrator.name,
      preferred_username: t.org.administrator.email,
      nonce: "nonce-1",
      iat: now,
      nbf: now,
      exp: now + 3600,
    });

    const jwks = (await (await fetch(`${t.dv.url}/${t.org.tenantId}/discovery/v2.0/keys`)).json()) as {
      keys: Array<Record<string, string>>;
    };
    const [headerPart = "", claimsPart = "", signature = ""] = idToken.split(".");
    const header = JSON.parse(Buffer.from(headerPart, "base64url").toString()) as { alg: string; kid: string };
    expect(header).toMatchObject({ alg: "RS256", kid: t.dv.signingKeyId });
    const jwk = jwks.keys.find((key) => key["kid"] === header.kid);
    expect(jwk).toMatchObject({ kty: "RSA", use: "sig", issuer: `${t.dv.url}/${t.org.tenantId}/v2.0` });
    const key = createPublicKey({ key: jwk as JsonWebKey, format: "jwk" });
    expect(
      verify("RSA-SHA256", Buffer.from(`${headerPart}.${claimsPart}`), key, Buffer.from(signature, "base64url")),
    ).toBe(true);

    const again = await redeem(redeemFields(code));
    expect(again.status).toBe(400);
    expect((await again.json()) as Record<string, unknown>).toMatchObject({
      error: "invalid_grant",
      error_codes: [54005],
    });
  });

  it("refuses a wrong verifier, secret or redirect URI, another tenant, and an expired code", async () => {
    const refused = async (
      fields: Record<string, string>,
      status: number,
      error: string,
      code: number,
      tenant?: string,
    ): Promise<void> => {
      const answer = await redeem(fields, tenant);
      expect(answer.status).toBe(status);
      expect((await answer.json()) as Record<string, unknown>).toMatchObject({ error, error_codes: [code] });
    };
    const admin = t.org.administrator.objectId;
    await refused(redeemFields(await codeFor(admin), { code_verifier: `${verifier}x` }), 400, "invalid_grant", 501481);
    await refused(redeemFields(await codeFor(admin), { client_secret: "wrong" }), 401, "invalid_client", 7000215);
    await refused(
      redeemFields(await codeFor(admin), { redirect_uri: "http://127.0.0.1:7071/other" }),
      400,
      "invalid_grant",
      500112,
    );
    const other = t.dv.createOrganisation("fabrikam");
    await refused(redeemFields(await codeFor(admin)), 400, "invalid_grant", 70000, other.tenantId);
    await refused(redeemFields("0.no-such-code"), 400, "invalid_grant", 70000);
    const late = await codeFor(admin);
    t.clock.advance(10 * 60_000);
    await refused(redeemFields(late), 400, "invalid_grant", 70008);
  });

  it("serves no keys for an unknown tenant", async () => {
    const answer = await fetch(`${t.dv.url}/00000000-0000-4000-8000-0000000000ff/discovery/v2.0/keys`);
    expect(answer.status).toBe(400);
  });

  it("makes the Web API act as the signed-in user: WhoAmI, their roles, and 0x80072560 for a non-member", async () => {
    const tokenFor = async (objectId: string): Promise<string> => {
      const answer = await redeem(redeemFields(await codeFor(objectId)));
      return ((await answer.json()) as { access_token: string }).access_token;
    };
    const get = (path: string, token: string): Promise<Response> =>
      fetch(`${t.org.webApiUrl}${path}`, { headers: { Authorization: `Bearer ${token}`, Accept: "application/json" } });

    const adminToken = await tokenFor(t.org.administrator.objectId);
    const whoAmI = (await (await get("WhoAmI", adminToken)).json()) as { UserId: string };
    expect(whoAmI.UserId).toBe(t.org.administrator.systemUserId);
    const roles = (await (
      await get(
        `systemusers(${whoAmI.UserId})?$select=fullname&$expand=systemuserroles_association($select=name)`,
        adminToken,
      )
    ).json()) as { fullname: string; systemuserroles_association: Array<{ name: string }> };
    expect(roles.fullname).toBe(t.org.administrator.name);
    expect(roles.systemuserroles_association.map((role) => role.name)).toStrictEqual(["System Administrator"]);

    const sales = t.dv.addUser(t.org, { name: "Sam Sales", email: "sam@contoso.example.com", roles: ["Salesperson"] });
    const salesToken = await tokenFor(sales.objectId);
    expect(((await (await get("WhoAmI", salesToken)).json()) as { UserId: string }).UserId).toBe(sales.systemUserId);
    const salesRoles = (await (
      await get(`systemusers(${sales.systemUserId})?$expand=systemuserroles_association($select=name)`, salesToken)
    ).json()) as { systemuserroles_association: Array<{ name: string }> };
    expect(salesRoles.systemuserroles_association.map((role) => role.name)).toStrictEqual(["Salesperson"]);

    const outsider = t.dv.addTenantUser(t.org.tenantId, { name: "Olive Outsider" });
    const refused = await get("WhoAmI", await tokenFor(outsider.objectId));
    expect(refused.status).toBe(403);
    expect(await errorOf(refused)).toMatchObject({ code: "0x80072560" });

    // Roles are rows, read-only to the Web API (Dataverse answers a method a resource lacks with 404).
    const write = await fetch(`${t.org.webApiUrl}roles`, {
      method: "POST",
      headers: { Authorization: `Bearer ${adminToken}`, "Content-Type": "application/json" },
      body: JSON.stringify({ name: "Made up" }),
    });
    expect(write.status).toBe(404);
  });
});
