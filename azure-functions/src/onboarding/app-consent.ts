// The sign-in and admin-consent round trips for the service's multi-tenant Dynamics 365 app (pure). The customer's
// administrator first signs in (OpenID Connect code flow; the `state` also carries the nonce, and the PKCE verifier is
// derived from the state with the signing key, so it never travels), then, if the directory has not approved the app
// yet, is sent to Entra's admin consent endpoint with a `state` that names who signed in. Every state is signed and
// bound to the onboarding link, the environment URL and the tenant found in the environment's bearer challenge, so
// no callback needs anything stored between the redirect and the answer.
// https://learn.microsoft.com/entra/identity-platform/v2-admin-consent ("Recommended: Sign the user into your app")
// https://learn.microsoft.com/entra/identity-platform/v2-oauth2-auth-code-flow
// https://learn.microsoft.com/power-apps/developer/data-platform/use-multi-tenant-server-server-authentication
// The same signed shape, with another purpose, is the "Check again" ticket of the application-user steps page.
import { randomBytes } from "node:crypto";
import { z } from "zod";
import { safeEqual, signHmacSha256 } from "../security/hmac";
import { toCodeChallenge } from "../security/pkce";

/**
 * `sign-in`: the sign-in redirect's state (30 minutes). `consent`: the admin-consent redirect's state (30 minutes).
 * `check`: the steps page's "Check again" ticket. The last two name the administrator who signed in.
 */
export type ConsentPurpose = "sign-in" | "consent" | "check";

const ConsentPayload = z.object({
  /** The onboarding link (its id) this round trip belongs to. */
  l: z.string().min(1),
  /** The environment URL (org root) the customer typed and the service normalised. */
  u: z.string().min(1),
  /** The tenant id from the environment's bearer challenge. */
  t: z.string().min(1),
  /** The signed-in administrator's object id (consent and check only). */
  o: z.string().min(1).optional(),
  /** Random; the sign-in's OpenID Connect nonce. */
  n: z.string().min(16),
  e: z.number().int().positive(),
});

export const consentStateLifetimeMs = 30 * 60_000;
/** Creating an application user can take a while (and another person); the link's own expiry still applies. */
export const checkTicketLifetimeMs = 24 * 60 * 60_000;

export interface AppConsentTarget {
  linkId: string;
  environmentUrl: string;
  tenantId: string;
  /** Who signed in (their object id in `tenantId`); required for `consent` and `check`. */
  objectId?: string;
  /** The sign-in's nonce (default: random). */
  nonce?: string;
}

export type AppConsentRefusal = "malformed" | "tampered" | "expired" | "mismatch";
export type AppConsentCheck =
  | { ok: true; environmentUrl: string; tenantId: string; objectId: string | undefined; nonce: string }
  | { ok: false; reason: AppConsentRefusal };

// The purpose is part of what is signed: a state is no ticket, and neither passes as a Xero consent state.
const signedInput = (purpose: ConsentPurpose, encoded: string): string =>
  `xero-connector-dynamics-${purpose}.${encoded}`;

export function newAppConsentToken(
  target: AppConsentTarget,
  purpose: ConsentPurpose,
  signingKey: string,
  now: number,
): string {
  const lifetime = purpose === "check" ? checkTicketLifetimeMs : consentStateLifetimeMs;
  if (purpose !== "sign-in" && target.objectId === undefined)
    throw new Error(`a ${purpose} token names the administrator who signed in`);
  const payload = {
    l: target.linkId,
    u: target.environmentUrl,
    t: target.tenantId,
    ...(target.objectId === undefined ? {} : { o: target.objectId }),
    n: target.nonce ?? randomBytes(16).toString("base64url"),
    e: now + lifetime,
  };
  const encoded = Buffer.from(JSON.stringify(payload), "utf8").toString("base64url");
  return `${encoded}.${signHmacSha256(signingKey, signedInput(purpose, encoded))}`;
}

/** Checks a state or ticket against the link the browser is working on. */
export function checkAppConsentToken(
  token: string,
  purpose: ConsentPurpose,
  signingKey: string,
  now: number,
  expectedLinkId: string,
): AppConsentCheck {
  const parts = token.split(".");
  const [encoded, signature] = parts;
  if (parts.length !== 2 || encoded === undefined || signature === undefined || encoded === "" || signature === "")
    return { ok: false, reason: "malformed" };
  if (!safeEqual(signHmacSha256(signingKey, signedInput(purpose, encoded)), signature))
    return { ok: false, reason: "tampered" };
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(encoded, "base64url").toString("utf8"));
  } catch {
    return { ok: false, reason: "malformed" };
  }
  const parsed = ConsentPayload.safeParse(json);
  if (!parsed.success) return { ok: false, reason: "malformed" };
  if (parsed.data.e <= now) return { ok: false, reason: "expired" };
  if (!safeEqual(parsed.data.l, expectedLinkId)) return { ok: false, reason: "mismatch" };
  // Only a sign-in state may lack the administrator: no consent or check without a verified sign-in.
  if (purpose !== "sign-in" && parsed.data.o === undefined) return { ok: false, reason: "malformed" };
  return {
    ok: true,
    environmentUrl: parsed.data.u,
    tenantId: parsed.data.t,
    objectId: parsed.data.o,
    nonce: parsed.data.n,
  };
}

/** The PKCE verifier of a sign-in state: 43 base64url characters only the signing key's holder can compute. */
export function toSignInCodeVerifier(state: string, signingKey: string): string {
  return signHmacSha256(signingKey, `xero-connector-dynamics-pkce.${state}`);
}

/** The S256 challenge for a sign-in state (RFC 7636). */
export const toSignInCodeChallenge = (state: string, signingKey: string): string =>
  toCodeChallenge(toSignInCodeVerifier(state, signingKey));

/** What Entra's sign-in redirect carried back: a code, a cancel, an error, or nothing usable. */
export type SignInAnswer =
  { kind: "code"; code: string } | { kind: "cancelled" } | { kind: "failed"; error: string } | { kind: "incomplete" };

/**
 * Reads the sign-in callback's query. `access_denied` is the person cancelling; any other error is reduced to its
 * code (letters and underscores), never its description.
 * https://learn.microsoft.com/entra/identity-platform/v2-oauth2-auth-code-flow#error-response
 */
export function toSignInAnswer(query: { code?: string | undefined; error?: string | undefined }): SignInAnswer {
  if (query.error !== undefined && query.error !== "") {
    if (query.error === "access_denied") return { kind: "cancelled" };
    return { kind: "failed", error: query.error.replace(/[^A-Za-z0-9_]/g, "").slice(0, 40) || "unknown_error" };
  }
  if (query.code === undefined || query.code === "") return { kind: "incomplete" };
  return { kind: "code", code: query.code };
}

/**
 * Entra's admin consent URL: `<authority>/<tenant>/v2.0/adminconsent` with the service's client id, the environment's
 * `/.default` scope (application permissions need it) and the redirect URI registered on the service's app.
 * https://learn.microsoft.com/entra/identity-platform/v2-admin-consent#request-the-permissions-from-a-directory-admin
 */
export function toAdminConsentUrl(
  authorityUrl: string,
  request: { tenantId: string; clientId: string; environmentUrl: string; redirectUri: string; state: string },
): string {
  const url = new URL(`${authorityUrl.replace(/\/+$/, "")}/${encodeURIComponent(request.tenantId)}/v2.0/adminconsent`);
  url.searchParams.set("client_id", request.clientId);
  url.searchParams.set("scope", `${request.environmentUrl.replace(/\/+$/, "")}/.default`);
  url.searchParams.set("redirect_uri", request.redirectUri);
  url.searchParams.set("state", request.state);
  return url.toString();
}

/** What Entra's redirect carried back: a consent for a tenant, a refusal, or nothing usable. */
export type AdminConsentAnswer =
  | { kind: "granted"; tenantId: string }
  | { kind: "cancelled" }
  | { kind: "failed"; error: string }
  | { kind: "incomplete" };

/**
 * Reads the callback's query. `access_denied` is the administrator choosing Cancel (AADSTS65004); any other error is
 * reduced to its code (letters and underscores), never its description, which is not ours to echo.
 * https://learn.microsoft.com/entra/identity-platform/v2-admin-consent#error-response
 */
export function toAdminConsentAnswer(query: {
  admin_consent?: string | undefined;
  tenant?: string | undefined;
  error?: string | undefined;
}): AdminConsentAnswer {
  if (query.error !== undefined && query.error !== "") {
    if (query.error === "access_denied") return { kind: "cancelled" };
    return { kind: "failed", error: query.error.replace(/[^A-Za-z0-9_]/g, "").slice(0, 40) || "unknown_error" };
  }
  if (query.admin_consent?.toLowerCase() !== "true" || query.tenant === undefined || query.tenant === "")
    return { kind: "incomplete" };
  return { kind: "granted", tenantId: query.tenant.toLowerCase() };
}
