// Application users and security roles: a consented multi-tenant app's token opens an org only once the org has an
// application user for it, and touches tables only once that user holds a role.
import type { MultiTenantApp } from "../../src/dataverse";
import type { TestOrg } from "./helpers";
import { errorOf, startTestOrg } from "./helpers";

const redirectUri = "http://127.0.0.1:7071/api/dynamics/consent-callback";

describe("application users and security roles", () => {
  let t: TestOrg;
  let app: MultiTenantApp;
  beforeAll(async () => {
    t = await startTestOrg();
    app = t.dv.registerMultiTenantApp({ displayName: "Xero Connector", redirectUris: [redirectUri] });
    const consent = await fetch(`${t.dv.url}/${t.org.tenantId}/v2.0/adminconsent`, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({
        client_id: app.clientId,
        scope: `${t.org.url}/.default`,
        redirect_uri: redirectUri,
        decision: "accept",
      }).toString(),
      redirect: "manual",
    });
    expect(consent.status).toBe(302);
  });
  afterAll(async () => {
    await t.dv.stop();
  });

  /** A request with a fresh token of the multi-tenant app (not the org's own registration). */
  const asApp = async (path: string, init: RequestInit & { json?: unknown } = {}): Promise<Response> => {
    const tokenResponse = await fetch(`${t.dv.url}/${t.org.tenantId}/oauth2/v2.0/token`, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({
        grant_type: "client_credentials",
        client_id: app.clientId,
        client_secret: app.clientSecret,
        scope: `${t.org.url}/.default`,
      }).toString(),
    });
    const { access_token: token } = (await tokenResponse.json()) as { access_token: string };
    const { json, headers, ...rest } = init;
    return fetch(`${t.org.webApiUrl}${path}`, {
      ...rest,
      headers: {
        Authorization: `Bearer ${token}`,
        Accept: "application/json",
        ...(json === undefined ? {} : { "Content-Type": "application/json" }),
        ...(headers as Record<string, string> | undefined),
      },
      ...(json === undefined ? {} : { body: JSON.stringify(json) }),
    });
  };

  const batchOf = (method: string, url: string, body: unknown): { body: string; contentType: string } => ({
    contentType: "multipart/mixed; boundary=batch_1",
    body: [
      "--batch_1",
      "Content-Type: multipart/mixed; boundary=changeset_1",
      "",
      "--changeset_1",
      "Content-Type: application/http",
      "Content-Transfer-Encoding: binary",
      "Content-ID: 1",
      "",
      `${method} ${url} HTTP/1.1`,
      "Content-Type: application/json; type=entry",
      "",
      JSON.stringify(body),
      "--changeset_1--",
      "--batch_1--",
      "",
    ].join("\r\n"),
  });

  let userId = "";

  it("answers 403 0x80072560 while the org has no application user for the app", async () => {
    for (const path of ["WhoAmI", "mag_xeroconnectors"]) {
      const response = await asApp(path);
      expect(response.status).toBe(403);
      expect(await errorOf(response)).toStrictEqual({
        code: "0x80072560",
        message: "The user is not a member of the organization.",
      });
    }
  });

  it("lets an application user without a role call WhoAmI and nothing else", async () => {
    userId = t.dv.addApplicationUser(t.org, { clientId: app.clientId });
    expect(t.dv.store.get(t.org, "systemuser", userId)).toMatchObject({
      applicationid: app.clientId,
      fullname: "# Xero Connector",
    });
    const whoAmI = await asApp("WhoAmI");
    expect(whoAmI.status).toBe(200);
    expect(await whoAmI.json()).toMatchObject({ UserId: userId, OrganizationId: t.org.organizationId });

    const read = await asApp("mag_xeroconnectors");
    expect(read.status).toBe(403);
    const error = await errorOf(read);
    expect(error.code).toBe("0x80040220");
    expect(error.message).toMatch(
      new RegExp(
        `^Principal user \\(Id=${userId}, type=8, roleCount=0, .*\\), is missing prvReadmag_xeroconnector privilege \\(Id=[0-9a-f-]{36}\\) for entity 'mag_xeroconnector' \\(LocalizedName='Xero Connector'\\)\\. context\\.Caller=${userId}\\.`,
      ),
    );
  });

  it("names the write privileges: create, write (upsert of an existing row), delete", async () => {
    const accountId = t.dv.store.insert(t.org, "account", { name: "Existing" });
    const cases: Array<[string, RequestInit & { json?: unknown }, string]> = [
      ["accounts", { method: "POST", json: { name: "New" } }, "prvCreateaccount"],
      [`accounts(${accountId})`, { method: "PATCH", json: { name: "Renamed" } }, "prvWriteaccount"],
      [
        "accounts(5b2bb0b5-53c8-4a3e-9f4e-2d1c0d7f5a11)",
        { method: "PATCH", json: { name: "Upserted" } },
        "prvCreateaccount",
      ],
      [`accounts(${accountId})`, { method: "DELETE" }, "prvDeleteaccount"],
      [`accounts(${accountId})`, { method: "GET" }, "prvReadaccount"],
    ];
    for (const [path, init, privilege] of cases) {
      const response = await asApp(path, init);
      expect(response.status).toBe(403);
      expect((await errorOf(response)).message).toContain(`is missing ${privilege} privilege`);
    }
    // Invoice lines have no privileges of their own: reading them needs the invoice's.
    const lines = await asApp("invoicedetails");
    expect((await errorOf(lines)).message).toContain("is missing prvReadinvoice privilege");
    expect(t.dv.store.get(t.org, "account", accountId)).toMatchObject({ name: "Existing" });
    expect(t.dv.store.list(t.org, "account")).toHaveLength(1);
  });

  it("refuses a $batch part without a role", async () => {
    const { body, contentType } = batchOf("POST", "/api/data/v9.2/accounts", { name: "Batched" });
    const response = await asApp("$batch", { method: "POST", body, headers: { "Content-Type": contentType } });
    expect(response.status).toBe(400);
    const text = await response.text();
    expect(text).toContain("HTTP/1.1 403 Forbidden");
    expect(text).toContain('"code":"0x80040220"');
    expect(text).toContain("is missing prvCreateaccount privilege");
    expect(t.dv.store.list(t.org, "account").some((row) => row["name"] === "Batched")).toBe(false);
  });

  it("allows everything once the application user holds a role, and writes as that user", async () => {
    t.dv.assignSecurityRole(t.org, app.clientId, "Xero Connector Administrator");
    expect((await asApp("mag_xeroconnectors")).status).toBe(200);
    const created = await asApp("accounts", {
      method: "POST",
      json: { name: "By the app" },
      headers: { Prefer: "return=representation" },
    });
    expect(created.status).toBe(201);
    expect(await created.json()).toMatchObject({ _createdby_value: userId, _ownerid_value: userId });
    const { body, contentType } = batchOf("POST", "/api/data/v9.2/accounts", { name: "Batched" });
    const batch = await asApp("$batch", { method: "POST", body, headers: { "Content-Type": contentType } });
    expect(batch.status).toBe(200);
    expect(await batch.text()).toContain("HTTP/1.1 204");
  });

  it("keeps the org's own registration as before: its fixed user with full access", async () => {
    const whoAmI = await t.api("WhoAmI");
    expect(await whoAmI.json()).toMatchObject({ UserId: t.org.userId });
    expect((await t.api("mag_xeroconnectors")).status).toBe(200);
  });

  it("refuses a second application user for the same app and roles for a missing one", () => {
    expect(() => t.dv.addApplicationUser(t.org, { clientId: app.clientId })).toThrow(/already has an application user/);
    expect(() => t.dv.assignSecurityRole(t.org, "00000000-0000-0000-0000-000000000009", "Basic User")).toThrow(
      /has no application user/,
    );
  });
});
