import axios, { type InternalAxiosRequestConfig } from "axios";
import { Issuer } from "openid-client";
import { XeroClient } from "xero-node";
import { ManualClock } from "../../../src/clock";
import { openConsent, postConsent, redirectUri, startHarness, tenants, type Harness } from "./helpers";

// The real xero-node 20 against the identity emulator. What its source shows (dist/XeroClient.js):
// - initialize() runs openid-client's Issuer.discover('https://identity.xero.com') — hard-coded; we build the same
//   openid-client Client from the emulator's discovery document and assign it to the public `openIdClient` instead;
//   buildConsentUrl, apiCallback, refreshToken and revokeToken then go through it.
// - updateTenants() and disconnect() call 'https://api.xero.com/connections' and refreshWithRefreshToken() calls
//   'https://identity.xero.com/connect/token', all hard-coded, through the global axios: an axios request interceptor
//   points them at the emulator. (The Accounting API's base path is settable: accountingApi.basePath.)

describe("Xero identity with the real xero-node SDK", () => {
  let harness: Harness;
  let interceptor: number;
  beforeEach(async () => {
    // openid-client checks id_token times against the real clock, so the emulator's clock starts at real time.
    harness = await startHarness(new ManualClock(Date.now()));
    const base = harness.server.url;
    interceptor = axios.interceptors.request.use((config: InternalAxiosRequestConfig) => {
      if (config.url?.startsWith("https://api.xero.com/connections") === true) {
        config.url = config.url.replace("https://api.xero.com", base);
      } else if (config.url?.startsWith("https://identity.xero.com/") === true) {
        config.url = config.url.replace("https://identity.xero.com", base);
      }
      return config;
    });
  });
  afterEach(async () => {
    axios.interceptors.request.eject(interceptor);
    await harness.server.stop();
  });

  const newClient = async (): Promise<XeroClient> => {
    const xero = new XeroClient({
      clientId: harness.app.clientId,
      clientSecret: harness.app.clientSecret ?? "",
      redirectUris: [redirectUri],
      scopes: ["openid", "profile", "email", "offline_access", "accounting.invoices", "accounting.contacts"],
      state: "state-from-xero-node",
    });
    const issuer = await Issuer.discover(harness.server.url);
    xero.openIdClient = new issuer.Client({
      client_id: harness.app.clientId,
      client_secret: harness.app.clientSecret ?? "",
      redirect_uris: [redirectUri],
    });
    return xero;
  };

  it("connects through the consent page, verifies the id_token, lists tenants, refreshes, disconnects and revokes", async () => {
    const xero = await newClient();
    const page = await openConsent(await xero.buildConsentUrl());
    expect(page.status).toBe(200);
    const consent = await postConsent(harness.server.url, {
      request: page.requestId ?? "",
      decision: "allow",
      tenantIds: tenants.map((tenant) => tenant.tenantId),
    });

    // apiCallback exchanges the code and has openid-client verify the id_token against the emulator's JWKS.
    const tokenSet = await xero.apiCallback(consent.location?.toString() ?? "");
    expect(tokenSet.claims()).toMatchObject({
      xero_userid: harness.server.identity.user.userId,
      email: "sandbox.user@example.com",
    });

    const listed = (await xero.updateTenants(false)) as { tenantId: string; tenantName: string; id: string }[];
    expect(listed.map((tenant) => tenant.tenantName).sort()).toStrictEqual(tenants.map((tenant) => tenant.name).sort());

    const refreshed = await xero.refreshToken();
    expect(refreshed.refresh_token).not.toBe(tokenSet.refresh_token);
    expect(harness.server.identity.stats().refreshRotations).toBe(1);

    const viaAxios = await xero.refreshWithRefreshToken(
      harness.app.clientId,
      harness.app.clientSecret ?? "",
      refreshed.refresh_token ?? "",
    );
    expect(viaAxios.access_token).toBeDefined();
    expect(harness.server.identity.stats().refreshRotations).toBe(2);

    const harbour = listed.find((tenant) => tenant.tenantId === tenants[1].tenantId);
    await xero.disconnect(harbour?.id ?? "");
    const remaining = (await xero.updateTenants(false)) as { tenantId: string }[];
    expect(remaining.map((tenant) => tenant.tenantId)).toStrictEqual([tenants[0].tenantId]);

    const accessToken = xero.readTokenSet().access_token ?? "";
    await xero.revokeToken();
    expect(harness.server.identity.authority.validateAccessToken(accessToken)).toStrictEqual({
      ok: false,
      reason: "revoked",
    });
    expect(harness.server.identity.stats().revocations).toBe(1);
  });

  it("rejects a callback whose state does not match", async () => {
    const xero = await newClient();
    const page = await openConsent(await xero.buildConsentUrl());
    const consent = await postConsent(harness.server.url, {
      request: page.requestId ?? "",
      decision: "allow",
      tenantIds: [tenants[0].tenantId],
    });
    const forged = new URL(consent.location?.toString() ?? "");
    forged.searchParams.set("state", "someone-else");
    await expect(xero.apiCallback(forged.toString())).rejects.toThrow(/state mismatch/);
  });
});
