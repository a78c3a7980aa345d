// Every secret the Xero emulator hands out joins the test suite's log scan (sandbox/src/issued-secrets.ts): the app's
// client secret, each authorization code, access, refresh and id token, and the webhook key.
import { issuedSecrets } from "../../../src/issued-secrets";
import { startXeroEmulator } from "../../../src/xero";
import {
  authorizeUrl,
  basicClient,
  openConsent,
  postConsent,
  postToken,
  redirectUri,
  startHarness,
  tenants,
  type Harness,
} from "./helpers";

describe("the Xero emulator records what it issues", () => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await startHarness();
  });
  afterAll(() => harness.server.stop());

  it("the client secret, the authorization code and every token of the exchange and of a refresh", async () => {
    const page = await openConsent(
      authorizeUrl(harness.server.url, {
        response_type: "code",
        client_id: harness.app.clientId,
        redirect_uri: redirectUri,
        scope: "openid profile email offline_access accounting.invoices",
        state: "s-1",
      }),
    );
    const consent = await postConsent(harness.server.url, {
      request: page.requestId ?? "",
      decision: "allow",
      tenantIds: [tenants[0].tenantId],
    });
    const code = consent.location?.searchParams.get("code") ?? "";
    const exchanged = await postToken(
      harness.server.url,
      { grant_type: "authorization_code", code, redirect_uri: redirectUri },
      basicClient(harness.app),
    );
    expect(exchanged.status).toBe(200);
    const refreshed = await postToken(
      harness.server.url,
      { grant_type: "refresh_token", refresh_token: String(exchanged.body["refresh_token"]) },
      basicClient(harness.app),
    );
    expect(refreshed.status).toBe(200);

    const issued = issuedSecrets();
    const expected = [
      harness.app.clientSecret,
      code,
      exchanged.body["access_token"],
      exchanged.body["refresh_token"],
      exchanged.body["id_token"],
      refreshed.body["access_token"],
      refreshed.body["refresh_token"],
    ];
    for (const value of expected) {
      expect(typeof value).toBe("string");
      expect(issued).toContain(value);
    }
  });

  it("the webhook key the emulator makes", async () => {
    const xero = await startXeroEmulator();
    try {
      expect(issuedSecrets()).toContain(xero.webhooks.signingKey);
    } finally {
      await xero.stop();
    }
  });
});
