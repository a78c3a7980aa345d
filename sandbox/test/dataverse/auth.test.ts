import type { TestOrg } from "./helpers";
import { startTestOrg } from "./helpers";

describe("Entra stand-in and bearer tokens", () => {
  let t: TestOrg;
  beforeAll(async () => {
    t = await startTestOrg();
  });
  afterAll(async () => {
    await t.dv.stop();
  });

  const requestToken = (fields: Record<string, string>, tenant = t.org.tenantId) =>
    fetch(`${t.dv.url}/${tenant}/oauth2/v2.0/token`, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams(fields).toString(),
    });

  const goodForm = () => ({
    grant_type: "client_credentials",
    client_id: t.org.clientId,
    client_secret: t.org.clientSecret,
    scope: `${t.org.url}/.default`,
  });

  it("issues a client-credentials token that opens the org's Web API", async () => {
    const response = await requestToken(goodForm());
    expect(response.status).toBe(200);
    const body = (await response.json()) as { token_type: string; expires_in: number; access_token: string };
    expect(body.token_type).toBe("Bearer");
    expect(body.expires_in).toBe(3599);
    const whoAmI = await fetch(`${t.org.webApiUrl}WhoAmI`, {
      headers: { Authorization: `Bearer ${body.access_token}` },
    });
    expect(whoAmI.status).toBe(200);
    expect(await whoAmI.json()).toMatchObject({ UserId: t.org.userId, OrganizationId: t.org.organizationId });
  });

  it("answers a wrong secret with invalid_client AADSTS7000215", async () => {
    const response = await requestToken({ ...goodForm(), client_secret: "wrong" });
    expect(response.status).toBe(401);
    const body = (await response.json()) as { error: string; error_description: string; error_codes: number[] };
    expect(body.error).toBe("invalid_client");
    expect(body.error_codes).toStrictEqual([7000215]);
    expect(body.error_description).toMatch(/^AADSTS7000215: Invalid client secret provided/);
    expect(body.error_description).not.toContain(t.org.clientSecret);
  });

  it("answers an unknown client with unauthorized_client and a wrong scope with invalid_resource", async () => {
    const unknown = await requestToken({ ...goodForm(), client_id: "00000000-0000-0000-0000-000000000000" });
    expect(unknown.status).toBe(400);
    expect(await unknown.json()).toMatchObject({ error: "unauthorized_client", error_codes: [700016] });
    const scope = await requestToken({ ...goodForm(), scope: "https://elsewhere.crm.dynamics.com/.default" });
    expect(await scope.json()).toMatchObject({ error: "invalid_resource", error_codes: [500011] });
    const tenant = await requestToken(goodForm(), "11111111-1111-1111-1111-111111111111");
    expect(await tenant.json()).toMatchObject({ error: "invalid_request", error_codes: [90002] });
  });

  it("answers 401 with an empty body and WWW-Authenticate without a valid token", async () => {
    const none = await fetch(`${t.org.webApiUrl}accounts`);
    expect(none.status).toBe(401);
    expect(await none.text()).toBe("");
    expect(none.headers.get("www-authenticate")).toContain(`resource_id=${t.org.url}/`);
    const forged = await fetch(`${t.org.webApiUrl}accounts`, { headers: { Authorization: "Bearer not-a-token" } });
    expect(forged.status).toBe(401);
  });

  it("refuses another org's token and an expired token", async () => {
    const other = t.dv.createOrganisation("fabrikam");
    const otherToken = t.dv.issueAccessToken(other);
    expect(
      (await fetch(`${t.org.webApiUrl}accounts`, { headers: { Authorization: `Bearer ${otherToken}` } })).status,
    ).toBe(401);
    expect(
      (await fetch(`${other.webApiUrl}accounts`, { headers: { Authorization: `Bearer ${otherToken}` } })).status,
    ).toBe(200);
    t.clock.advance(3600 * 1000);
    expect(
      (await fetch(`${other.webApiUrl}accounts`, { headers: { Authorization: `Bearer ${otherToken}` } })).status,
    ).toBe(401);
  });
});
