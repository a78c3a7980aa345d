// The Entra admin consent endpoint and client-credentials tokens for a multi-tenant app, over real HTTP.
import type { MultiTenantApp } from "../../src/dataverse";
import { issuedSecrets } from "../../src/issued-secrets";
import type { TestOrg } from "./helpers";
import { startTestOrg } from "./helpers";

const redirectUri = "http://127.0.0.1:7071/api/dynamics/consent-callback";

describe("admin consent to a multi-tenant app", () => {
  let t: TestOrg;
  let app: MultiTenantApp;
  beforeAll(async () => {
    t = await startTestOrg();
    app = t.dv.registerMultiTenantApp({ displayName: `Xero <Connector> & "Sync"`, redirectUris: [redirectUri] });
  });
  afterAll(async () => {
    await t.dv.stop();
  });

  const consentUrl = (tenant: string, query: Record<string, string>): string =>
    `${t.dv.url}/${tenant}/v2.0/adminconsent?${new URLSearchParams(query).toString()}`;

  const goodQuery = (): Record<string, string> => ({
    client_id: app.clientId,
    scope: `${t.org.url}/.default`,
    redirect_uri: redirectUri,
    state: "s<1>&2",
  });

  const answer = (tenant: string, fields: Record<string, string>): Promise<Response> =>
    fetch(`${t.dv.url}/${tenant}/v2.0/adminconsent`, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams(fields).toString(),
      redirect: "manual",
    });

  const requestToken = (fields: Record<string, string>, tenant = t.org.tenantId): Promise<Response> =>
    fetch(`${t.dv.url}/${tenant}/oauth2/v2.0/token`, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams(fields).toString(),
    });

  const tokenForm = (scope = `${t.org.url}/.default`) => ({
    grant_type: "client_credentials",
    client_id: app.clientId,
    client_secret: app.clientSecret,
    scope,
  });

  it("shows a consent page naming the app and the scope, with everything escaped", async () => {
    const response = await fetch(consentUrl(t.org.tenantId, goodQuery()));
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^text\/html/);
    const html = await response.text();
    expect(html).toContain("<title>Permissions requested</title>");
    expect(html).toContain("Xero &#60;Connector&#62; &#38; &#34;Sync&#34;");
    expect(html).not.toContain("<Connector>");
    expect(html).toContain(`${t.org.url}/.default`);
    expect(html).toContain("Accept for your organization");
    expect(html).toContain(`<form method="post" action="/${t.org.tenantId}/v2.0/adminconsent">`);
    expect(html).toContain(`<input type="hidden" name="state" value="s&#60;1&#62;&#38;2">`);
    expect(html).toContain(`<input type="hidden" name="client_id" value="${app.clientId}">`);
    expect(html).toContain('<button name="decision" value="accept">Accept</button>');
    expect(html).toContain('<button name="decision" value="cancel">Cancel</button>');
    expect(html).not.toContain("<select");
  });

  it("lets the administrator choose the tenant when the path says organizations", async () => {
    const fabrikam = t.dv.createOrganisation("fabrikam-choice");
    const html = await (await fetch(consentUrl("organizations", goodQuery()))).text();
    expect(html).toContain('<select id="tenant" name="tenant">');
    expect(html).toContain("Sign in as the administrator of");
    expect(html).toContain(`<option value="${t.org.tenantId}">contoso (${t.org.tenantId})</option>`);
    expect(html).toContain(`<option value="${fabrikam.tenantId}">fabrikam-choice (${fabrikam.tenantId})</option>`);
    expect(html).toContain('action="/organizations/v2.0/adminconsent"');
  });

  it("refuses a token before consent and issues one after, bound to the org and the app", async () => {
    const before = await requestToken(tokenForm());
    expect(before.status).toBe(400);
    const refused = (await before.json()) as { error: string; error_codes: number[]; error_description: string };
    expect(refused).toMatchObject({ error: "unauthorized_client", error_codes: [700016] });
    expect(refused.error_description).toMatch(
      new RegExp(`^AADSTS700016: Application with identifier '${app.clientId}' was not found in the directory`),
    );
    expect(t.dv.consentedTenants(app.clientId)).toStrictEqual([]);

    const accepted = await answer(t.org.tenantId, { ...goodQuery(), decision: "accept" });
    expect(accepted.status).toBe(302);
    const location = new URL(accepted.headers.get("location") ?? "");
    expect(`${location.origin}${location.pathname}`).toBe(redirectUri);
    expect([...location.searchParams]).toStrictEqual([
      ["admin_consent", "True"],
      ["tenant", t.org.tenantId],
      ["scope", `${t.org.url}/.default`],
      ["state", "s<1>&2"],
    ]);
    expect(t.dv.consentedTenants(app.clientId)).toStrictEqual([t.org.tenantId]);

    const after = await requestToken(tokenForm());
    expect(after.status).toBe(200);
    const token = ((await after.json()) as { access_token: string }).access_token;
    const payload = JSON.parse(Buffer.from(token.split(".")[1] ?? "", "base64url").toString()) as Record<
      string,
      string
    >;
    expect(payload).toMatchObject({ appid: app.clientId, tid: t.org.tenantId, aud: t.org.url });

    expect(issuedSecrets()).toEqual(expect.arrayContaining([token, app.clientSecret, t.org.clientSecret]));

    const wrongSecret = await requestToken({ ...tokenForm(), client_secret: "not-the-secret" });
    expect(wrongSecret.status).toBe(401);
    expect(await wrongSecret.json()).toMatchObject({ error: "invalid_client", error_codes: [7000215] });
  });

  it("issues tokens for every org of the consented tenant, and none for an org in another tenant", async () => {
    const sibling = t.dv.createOrganisation("contoso-test", { tenantId: t.org.tenantId });
    const elsewhere = t.dv.createOrganisation("northwind");
    await answer(t.org.tenantId, { ...goodQuery(), decision: "accept" });
    expect((await requestToken(tokenForm(`${sibling.url}/.default`))).status).toBe(200);
    const other = await requestToken(tokenForm(`${elsewhere.url}/.default`));
    expect(other.status).toBe(400);
    const body = (await other.json()) as { error: string; error_codes: number[]; error_description: string };
    expect(body).toMatchObject({ error: "invalid_resource", error_codes: [500011] });
    expect(body.error_description).toContain(`The resource principal named ${elsewhere.url} was not found`);
    // Asking the other tenant directly: it holds no service principal for the app.
    const direct = await requestToken(tokenForm(`${elsewhere.url}/.default`), elsewhere.tenantId);
    expect(await direct.json()).toMatchObject({ error: "unauthorized_client", error_codes: [700016] });
  });

  it("records consent for the tenant chosen on the organizations page", async () => {
    const chosen = t.dv.createOrganisation("adventure-works");
    const accepted = await answer("organizations", { ...goodQuery(), tenant: chosen.tenantId, decision: "accept" });
    expect(accepted.status).toBe(302);
    expect(new URL(accepted.headers.get("location") ?? "").searchParams.get("tenant")).toBe(chosen.tenantId);
    expect(t.dv.consentedTenants(app.clientId)).toContain(chosen.tenantId);
  });

  it("redirects with access_denied and AADSTS65004 when the administrator cancels", async () => {
    const declined = t.dv.createOrganisation("declined");
    const { state, ...withoutState } = goodQuery();
    const cancelled = await answer(declined.tenantId, { ...withoutState, decision: "cancel" });
    expect(state).toBeDefined();
    expect(cancelled.status).toBe(302);
    const location = new URL(cancelled.headers.get("location") ?? "");
    expect(`${location.origin}${location.pathname}`).toBe(redirectUri);
    expect(location.searchParams.get("error")).toBe("access_denied");
    expect(location.searchParams.get("error_description")).toMatch(
      /^AADSTS65004: User declined to consent to access the app\.\r\nTrace ID: [0-9a-f-]{36}\r\nCorrelation ID: [0-9a-f-]{36}\r\nTimestamp: 2026-03-15 09:30:00Z$/,
    );
    expect(location.searchParams.get("admin_consent")).toBe("True");
    expect(location.searchParams.has("state")).toBe(false);
    expect(location.searchParams.has("tenant")).toBe(false);
    expect(t.dv.consentedTenants(app.clientId)).not.toContain(declined.tenantId);
  });

  it("shows Entra's error page without redirecting for a bad request", async () => {
    const cases: Array<[string, Record<string, string>, string]> = [
      [t.org.tenantId, { ...goodQuery(), redirect_uri: `${redirectUri}/` }, "AADSTS50011: The redirect URI"],
      [t.org.tenantId, { ...goodQuery(), client_id: "00000000-0000-0000-0000-000000000001" }, "AADSTS700016:"],
      ["11111111-2222-3333-4444-555555555555", goodQuery(), "AADSTS90002: Tenant"],
      [
        t.org.tenantId,
        { ...goodQuery(), scope: " " },
        "AADSTS900144: The request body must contain the following parameter: &#39;scope&#39;.",
      ],
    ];
    for (const [tenant, query, text] of cases) {
      const page = await fetch(consentUrl(tenant, query), { redirect: "manual" });
      expect(page.status).toBe(400);
      expect(page.headers.get("location")).toBeNull();
      expect(await page.text()).toContain(text);
      const posted = await answer(tenant, { ...query, decision: "accept" });
      expect(posted.status).toBe(400);
      expect(posted.headers.get("location")).toBeNull();
    }
    const mismatch = await (
      await fetch(consentUrl(t.org.tenantId, { ...goodQuery(), redirect_uri: "https://evil.example/<script>" }))
    ).text();
    expect(mismatch).toContain("https://evil.example/&#60;script&#62;");
    expect(mismatch).not.toContain("<script>");
  });

  it("refuses an org's own single-tenant client on the consent page (no redirect URI is registered)", async () => {
    const page = await fetch(consentUrl(t.org.tenantId, { ...goodQuery(), client_id: t.org.clientId }), {
      redirect: "manual",
    });
    expect(page.status).toBe(400);
    expect(await page.text()).toContain("AADSTS50011:");
  });
});
