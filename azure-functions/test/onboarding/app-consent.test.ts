// The pure parts of the Dynamics 365 app-consent path: the signed sign-in and consent states and "Check again" ticket
// (the last two name who signed in), the sign-in's PKCE, Entra's URLs and answers, what a failed check means for the
// customer, and the pages.
import {
  checkAppConsentToken,
  checkTicketLifetimeMs,
  consentStateLifetimeMs,
  newAppConsentToken,
  toAdminConsentAnswer,
  toAdminConsentUrl,
  toSignInAnswer,
  toSignInCodeChallenge,
  toSignInCodeVerifier,
} from "../../src/onboarding/app-consent";
import { toAuthorizeUrl } from "../../src/adapters/dataverse/sign-in";
import { toCodeChallenge } from "../../src/security/pkce";
import { toAppConsentGap } from "../../src/onboarding/onboarding";
import { renderAppConsentSteps, renderDynamicsForm } from "../../src/onboarding/pages";
import { newConsentState } from "../../src/links/authorization";
import { credentialProblems } from "../../src/adapters/dataverse/verify-credentials";

const key = "a-signing-key-of-at-least-thirty-two-characters";
const now = Date.UTC(2026, 2, 2, 9, 0, 0);
const target = {
  linkId: "link-1",
  environmentUrl: "https://contoso.crm.dynamics.com",
  tenantId: "0f0e0d0c-0000-4000-8000-000000000001",
  objectId: "a1b2c3d4-0000-4000-8000-00000000ad01",
};
const signIn = { linkId: target.linkId, environmentUrl: target.environmentUrl, tenantId: target.tenantId };

describe("the admin-consent state and the Check again ticket", () => {
  it("round-trips the environment and tenant for the link it was made for", () => {
    const state = newAppConsentToken(target, "consent", key, now);
    expect(checkAppConsentToken(state, "consent", key, now + 60_000, "link-1")).toStrictEqual({
      ok: true,
      environmentUrl: target.environmentUrl,
      tenantId: target.tenantId,
      objectId: target.objectId,
      nonce: expect.stringMatching(/^[A-Za-z0-9_-]{22}$/),
    });
    // Each start is a new state.
    expect(newAppConsentToken(target, "consent", key, now)).not.toBe(state);
  });

  it("refuses another link's state, a tampered or expired one, and a state used as a ticket or the other way round", () => {
    const state = newAppConsentToken(target, "consent", key, now);
    const [payload, signature] = state.split(".");
    expect(checkAppConsentToken(state, "consent", key, now, "link-2")).toStrictEqual({ ok: false, reason: "mismatch" });
    expect(
      checkAppConsentToken(`${payload}.${(signature ?? "").slice(0, -2)}AA`, "consent", key, now, "link-1"),
    ).toStrictEqual({
      ok: false,
      reason: "tampered",
    });
    // Another environment written into the payload: the signature no longer fits.
    const swapped = Buffer.from(
      JSON.stringify({
        ...JSON.parse(Buffer.from(payload ?? "", "base64url").toString("utf8")),
        u: "https://evil.example",
      }),
    ).toString("base64url");
    expect(checkAppConsentToken(`${swapped}.${signature ?? ""}`, "consent", key, now, "link-1")).toMatchObject({
      reason: "tampered",
    });
    expect(checkAppConsentToken(state, "consent", key, now + consentStateLifetimeMs, "link-1")).toStrictEqual({
      ok: false,
      reason: "expired",
    });
    expect(checkAppConsentToken(state, "check", key, now, "link-1")).toMatchObject({ ok: false, reason: "tampered" });
    const ticket = newAppConsentToken(target, "check", key, now);
    expect(checkAppConsentToken(ticket, "consent", key, now, "link-1")).toMatchObject({
      ok: false,
      reason: "tampered",
    });
    expect(checkAppConsentToken(ticket, "check", key, now + checkTicketLifetimeMs - 1, "link-1")).toMatchObject({
      ok: true,
    });
    expect(
      checkAppConsentToken(ticket, "check", "another-signing-key-of-thirty-two-chars!", now, "link-1"),
    ).toMatchObject({
      reason: "tampered",
    });
    // A Xero consent state signed with the same key is no Dynamics state.
    expect(
      checkAppConsentToken(newConsentState("link-1", key, now).state, "consent", key, now, "link-1"),
    ).toMatchObject({
      ok: false,
    });
    for (const junk of ["", "abc", "a.b.c", ".sig", "payload."])
      expect(checkAppConsentToken(junk, "consent", key, now, "link-1")).toMatchObject({ ok: false });
  });

  it("carries the sign-in's nonce, and is no consent state or ticket", () => {
    const state = newAppConsentToken({ ...signIn, nonce: "n".repeat(22) }, "sign-in", key, now);
    expect(checkAppConsentToken(state, "sign-in", key, now, "link-1")).toStrictEqual({
      ok: true,
      environmentUrl: signIn.environmentUrl,
      tenantId: signIn.tenantId,
      objectId: undefined,
      nonce: "n".repeat(22),
    });
    expect(checkAppConsentToken(state, "consent", key, now, "link-1")).toMatchObject({ ok: false, reason: "tampered" });
    expect(checkAppConsentToken(state, "check", key, now, "link-1")).toMatchObject({ ok: false, reason: "tampered" });
    expect(checkAppConsentToken(state, "sign-in", key, now + consentStateLifetimeMs, "link-1")).toMatchObject({
      reason: "expired",
    });
  });

  it("makes no consent state or ticket without the administrator who signed in", () => {
    expect(() => newAppConsentToken(signIn, "consent", key, now)).toThrow("signed in");
    expect(() => newAppConsentToken(signIn, "check", key, now)).toThrow("signed in");
  });

  it("derives the PKCE verifier from the state with the key (never sent), and its S256 challenge", () => {
    const state = newAppConsentToken(signIn, "sign-in", key, now);
    const verifier = toSignInCodeVerifier(state, key);
    expect(verifier).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(toSignInCodeChallenge(state, key)).toBe(toCodeChallenge(verifier));
    expect(toSignInCodeVerifier(state, "another-signing-key-of-thirty-two-chars!")).not.toBe(verifier);
    expect(state).not.toContain(verifier);
  });
});

describe("Entra's sign-in (authorization code flow)", () => {
  it("asks the environment's tenant for openid, profile and the environment's user_impersonation, with PKCE and a nonce", () => {
    const url = new URL(
      toAuthorizeUrl("https://login.microsoftonline.com/", {
        tenantId: target.tenantId,
        clientId: "app-id",
        redirectUri: "https://service.example/api/dynamics/signin/callback",
        environmentUrl: "https://contoso.crm.dynamics.com/",
        state: "s.t",
        nonce: "nonce-1",
        codeChallenge: "challenge",
      }),
    );
    expect(`${url.origin}${url.pathname}`).toBe(
      `https://login.microsoftonline.com/${target.tenantId}/oauth2/v2.0/authorize`,
    );
    expect(Object.fromEntries(url.searchParams)).toStrictEqual({
      client_id: "app-id",
      response_type: "code",
      redirect_uri: "https://service.example/api/dynamics/signin/callback",
      response_mode: "query",
      scope: "openid profile https://contoso.crm.dynamics.com/user_impersonation",
      state: "s.t",
      nonce: "nonce-1",
      code_challenge: "challenge",
      code_challenge_method: "S256",
    });
  });

  it("reads a code, a cancel and an error from the redirect's query", () => {
    expect(toSignInAnswer({ code: "c0de" })).toStrictEqual({ kind: "code", code: "c0de" });
    expect(toSignInAnswer({ error: "access_denied", code: "c0de" })).toStrictEqual({ kind: "cancelled" });
    expect(toSignInAnswer({ error: "consent_required<b>" })).toStrictEqual({
      kind: "failed",
      error: "consent_requiredb",
    });
    expect(toSignInAnswer({ code: "" })).toStrictEqual({ kind: "incomplete" });
    expect(toSignInAnswer({})).toStrictEqual({ kind: "incomplete" });
  });
});

describe("Entra's admin consent", () => {
  it("asks for the environment's /.default scope for the service's app, at the configured authority", () => {
    const url = new URL(
      toAdminConsentUrl("https://login.microsoftonline.com/", {
        tenantId: target.tenantId,
        clientId: "app-id",
        environmentUrl: "https://contoso.crm.dynamics.com",
        redirectUri: "https://service.example/api/dynamics/consent/callback",
        state: "s.t",
      }),
    );
    expect(`${url.origin}${url.pathname}`).toBe(
      `https://login.microsoftonline.com/${target.tenantId}/v2.0/adminconsent`,
    );
    expect(Object.fromEntries(url.searchParams)).toStrictEqual({
      client_id: "app-id",
      scope: "https://contoso.crm.dynamics.com/.default",
      redirect_uri: "https://service.example/api/dynamics/consent/callback",
      state: "s.t",
    });
  });

  it("reads a grant, a cancel and an error from the redirect's query", () => {
    expect(toAdminConsentAnswer({ admin_consent: "True", tenant: "ABC-1" })).toStrictEqual({
      kind: "granted",
      tenantId: "abc-1",
    });
    expect(toAdminConsentAnswer({ error: "access_denied" })).toStrictEqual({ kind: "cancelled" });
    // Entra's cancel carries admin_consent=True too (no tenant): the error wins.
    expect(toAdminConsentAnswer({ error: "access_denied", admin_consent: "True" })).toStrictEqual({
      kind: "cancelled",
    });
    expect(toAdminConsentAnswer({ error: "invalid_request<script>" })).toStrictEqual({
      kind: "failed",
      error: "invalid_requestscript",
    });
    expect(toAdminConsentAnswer({ admin_consent: "False", tenant: "t" })).toStrictEqual({ kind: "incomplete" });
    expect(toAdminConsentAnswer({ admin_consent: "True" })).toStrictEqual({ kind: "incomplete" });
    expect(toAdminConsentAnswer({})).toStrictEqual({ kind: "incomplete" });
  });

  it("turns each failed check of the service's app into what the customer still has to do", () => {
    expect(Object.fromEntries(credentialProblems.map((problem) => [problem, toAppConsentGap(problem)]))).toStrictEqual({
      "bad-url": "unreachable",
      "bad-tenant": "not-consented",
      "bad-client-id": "not-consented",
      "bad-secret": "service",
      "no-application-user": "no-application-user",
      "missing-role": "missing-role",
      "solution-missing": "solution-missing",
      unreachable: "unreachable",
    });
  });
});

describe("the consent pages", () => {
  const values = { environmentUrl: "https://contoso.crm.dynamics.com", tenantId: "", clientId: "" };

  it("offers the app first, and the own app registration second, only when the service has its app", () => {
    const both = renderDynamicsForm({
      action: "/api/onboarding/dynamics",
      token: "tok",
      values,
      xeroOrganisation: "Demo",
      appConsent: { action: "/api/onboarding/dynamics/consent" },
    }).html;
    expect(both).toContain("Connect with the Xero Connector app");
    expect(both).toContain('action="/api/onboarding/dynamics/consent"');
    expect(both.indexOf("connect-with-app")).toBeLessThan(both.indexOf("connect-dynamics"));
    expect(both).toContain("Sign in with your Microsoft 365 admin account for https://contoso.crm.dynamics.com");
    const only = renderDynamicsForm({
      action: "/api/onboarding/dynamics",
      token: "tok",
      values,
      xeroOrganisation: undefined,
    }).html;
    expect(only).not.toContain("Xero Connector app");
    expect(only).toContain('id="connect-dynamics"');
  });

  it("gives the exact application-user steps with the app id and role, escaped, and a Check again form", () => {
    const page = renderAppConsentSteps({
      gap: "no-application-user",
      message: "no user",
      environmentUrl: 'https://x.example/"><script>',
      appId: "5e7c9d1a-0000-4000-8000-00000000a99c",
      roleName: "Xero Connector Service",
      realtimeRoleName: "System Customizer",
      check: { action: "/api/onboarding/dynamics/consent/check", token: "tok", ticket: "tic.ket" },
      restart: "/api/onboarding/dynamics?token=tok",
    }).html;
    for (const step of [
      "Users + permissions",
      "Application users",
      "+ New app user",
      "Business unit",
      "Security roles",
    ])
      expect(page).toContain(escape(step));
    expect(page).toContain('<code id="app-id">5e7c9d1a-0000-4000-8000-00000000a99c</code>');
    expect(page).toContain("<b>Xero Connector Service</b>");
    expect(page).toContain("Assign the application user the Xero Connector Service role.");
    expect(page).toContain("If you turn on Real-time, also assign it the System Customizer role.");
    expect(page).toContain('name="ticket" value="tic.ket"');
    expect(page).toContain('id="check-again"');
    expect(page).not.toContain("<script>");
    const role = renderAppConsentSteps({
      gap: "missing-role",
      message: "no role",
      environmentUrl: "https://contoso.crm.dynamics.com",
      appId: "app",
      roleName: "Xero Connector Service",
      realtimeRoleName: "System Customizer",
      check: { action: "/c", token: "t", ticket: "k" },
      restart: "/r",
    }).html;
    expect(role).toContain("Edit security roles");
    expect(role).not.toContain("New app user");
    expect(role).toContain("System Customizer");
  });
});

function escape(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}
