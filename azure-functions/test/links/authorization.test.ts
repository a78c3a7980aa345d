// The consent round trip against the Xero identity emulator: authorize URL → consent page → callback with code and
// state → state check → code exchange with the derived PKCE verifier → a token set the API accepts.
import { startXeroIdentityServer, type XeroIdentityServer } from "../../../sandbox/src/xero/identity/server";
import type { RegisteredApp } from "../../../sandbox/src/xero/identity";
import { checkConsentState, newConsentState, stateLifetimeMs, toXeroAuthorizeUrl } from "../../src/links/authorization";
import { exchangeXeroAuthorizationCode } from "../../src/adapters/table-storage/xero-token-endpoint";
import { ManualClock } from "../../src/core/clock";
import { SyncError } from "../../src/core/errors";

const key = "consent-state-signing-key-0123456789abcdef";
const tenantId = "8a6b7c5d-2e1f-4b3a-8c9d-0e1f2a3b4c22";
const redirectUri = "http://127.0.0.1:7071/api/xero/callback";
const scopes = ["offline_access", "accounting.invoices", "accounting.payments", "accounting.contacts", "accounting.settings"];

describe("consent state", () => {
  const now = Date.UTC(2026, 8, 1);

  it("binds the state to its link and derives the same verifier", () => {
    const start = newConsentState("link-1", key, now);
    const check = checkConsentState(start.state, key, now + 1000, "link-1");
    expect(check).toMatchObject({ ok: true, linkId: "link-1" });
    expect(checkConsentState(start.state, key, now + 1000, "link-2")).toStrictEqual({ ok: false, reason: "mismatch" });
    expect(checkConsentState(start.state, key, now + stateLifetimeMs)).toStrictEqual({ ok: false, reason: "expired" });
    expect(checkConsentState(start.state, "another-key-another-key-another-key", now)).toStrictEqual({ ok: false, reason: "tampered" });
    expect(checkConsentState(`${start.state.split(".")[0] ?? ""}x.${start.state.split(".")[1] ?? ""}`, key, now)).toStrictEqual({ ok: false, reason: "tampered" });
    expect(checkConsentState("nonsense", key, now)).toStrictEqual({ ok: false, reason: "malformed" });
    expect(newConsentState("link-1", key, now).state).not.toBe(start.state);
  });
});

describe("Xero consent round trip (identity emulator)", () => {
  let identity: XeroIdentityServer;
  let app: RegisteredApp;
  const clock = new ManualClock(Date.UTC(2026, 8, 1));

  beforeAll(async () => {
    identity = await startXeroIdentityServer({ clock, organisations: () => [{ tenantId, name: "Harbour & Sons" }] });
    app = identity.identity.registerApp({ name: "Xero Connector", redirectUris: [redirectUri] });
  });
  afterAll(async () => {
    await identity.stop();
  });

  /** Opens the consent page and allows the organisation, as a user would; returns the callback URL. */
  async function consent(authorizeUrl: string): Promise<URL> {
    const page = await (await fetch(authorizeUrl)).text();
    const requestId = /name="request" value="([^"]+)"/.exec(page)?.[1] ?? "";
    const answer = await fetch(new URL("/identity/connect/authorize", identity.url), {
      method: "POST",
      redirect: "manual",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ request: requestId, decision: "allow", tenantId }).toString(),
    });
    return new URL(answer.headers.get("location") ?? "");
  }

  it("exchanges the code with the verifier derived from the returned state", async () => {
    const credentials = { identityUrl: identity.url, clientId: app.clientId, clientSecret: app.clientSecret ?? "" };
    const start = newConsentState("link-7", key, clock.now());
    const authorizeUrl = toXeroAuthorizeUrl({ loginUrl: identity.url, clientId: app.clientId, scopes }, { redirectUri, state: start.state, codeChallenge: start.codeChallenge });
    expect(new URL(authorizeUrl).searchParams.get("code_challenge_method")).toBe("S256");
    const callback = await consent(authorizeUrl);
    expect(callback.origin + callback.pathname).toBe(redirectUri);
    const check = checkConsentState(callback.searchParams.get("state") ?? "", key, clock.now(), "link-7");
    if (!check.ok) throw new Error(`state refused: ${check.reason}`);
    const code = callback.searchParams.get("code") ?? "";

    // A wrong verifier is refused by Xero (PKCE binds the code to this start).
    await expect(exchangeXeroAuthorizationCode(credentials, { code, redirectUri, codeVerifier: "x".repeat(43) }, { now: () => clock.now() })).rejects.toBeInstanceOf(SyncError);

    const second = await consent(authorizeUrl);
    const tokenSet = await exchangeXeroAuthorizationCode(credentials, { code: second.searchParams.get("code") ?? "", redirectUri, codeVerifier: check.codeVerifier }, { now: () => clock.now() });
    expect(tokenSet.scopes).toEqual(expect.arrayContaining(scopes));
    expect(identity.identity.authority.validateAccessToken(tokenSet.accessToken)).toMatchObject({ ok: true, tenantIds: [tenantId] });
  });
});
