// The admin-consent round trip for the service's multi-tenant Dynamics 365 app (pure). The customer's administrator is
// sent to Entra's admin consent endpoint with the service's client id, the environment's `/.default` scope and a
// `state` this service signed: bound to the onboarding link, the environment URL and the tenant found in the
// environment's bearer challenge, so the callback needs nothing stored between the redirect and the answer.
// https://learn.microsoft.com/entra/identity-platform/v2-admin-consent
// https://learn.microsoft.com/power-apps/developer/data-platform/use-multi-tenant-server-server-authentication
// The same signed shape, with another purpose, is the "Check again" ticket of the application-user steps page.
import { randomBytes } from "node:crypto";
import { z } from "zod";
import { safeEqual, signHmacSha256 } from "../security/hmac";

/** `consent`: the admin-consent redirect's state (30 minutes). `check`: the steps page's "Check again" ticket. */
export type ConsentPurpose = "consent" | "check";

const ConsentPayload = z.object({
  /** The onboarding link (its id) this round trip belongs to. */
  l: z.string().min(1),
  /** The environment URL (org root) the customer typed and the service normalised. */
  u: z.string().min(1),
  /** The tenant id from the environment's bearer challenge. */
  t: z.string().min(1),
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
}

export type AppConsentRefusal = "malformed" | "tampered" | "expired" | "mismatch";
export type AppConsentCheck =
  { ok: true; environmentUrl: string; tenantId: string } | { ok: false; reason: AppConsentRefusal };

// The purpose is part of what is signed: a state is no ticket, and neither passes as a Xero consent state.
const signedInput = (purpose: ConsentPurpose, encoded: string): string =>
  `xero-connector-dynamics-${purpose}.${encoded}`;

export function newAppConsentToken(
  target: AppConsentTarget,
  purpose: ConsentPurpose,
  signingKey: string,
  now: number,
): string {
  const lifetime = purpose === "consent" ? consentStateLifetimeMs : checkTicketLifetimeMs;
  const payload = {
    l: target.linkId,
    u: target.environmentUrl,
    t: target.tenantId,
    n: randomBytes(16).toString("base64url"),
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
  return { ok: true, environmentUrl: parsed.data.u, tenantId: parsed.data.t };
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
