// The Xero consent step of an onboarding link: the authorize URL with granular scopes, a `state` bound to the link
// (CSRF: the callback must come back with a state this service signed for this link), and PKCE whose verifier is
// derived from the state with the signing key, so nothing has to be stored between the redirect and the callback.
// https://developer.xero.com/documentation/guides/oauth2/auth-flow  https://developer.xero.com/documentation/guides/oauth2/pkce-flow
import { randomBytes } from "node:crypto";
import { z } from "zod";
import { safeEqual, signHmacSha256 } from "../security/hmac";
import { toCodeChallenge } from "../security/pkce";

const StatePayload = z.object({ l: z.string().min(1), n: z.string().min(16), e: z.number().int().positive() });

export type StateRefusal = "malformed" | "tampered" | "expired" | "mismatch";
export type StateCheck = { ok: true; linkId: string; codeVerifier: string } | { ok: false; reason: StateRefusal };

/** How long a consent round trip may take (Xero's own authorisation request lives about that long). */
export const stateLifetimeMs = 30 * 60_000;

const stateInput = (encoded: string): string => `xero-connector-state.${encoded}`;

/** The PKCE verifier for a state: 43 base64url characters, known only to whoever holds the signing key. */
export function toCodeVerifier(state: string, signingKey: string): string {
  return signHmacSha256(signingKey, `xero-connector-pkce.${state}`);
}

export interface ConsentStart {
  state: string;
  codeChallenge: string;
}

export function newConsentState(linkId: string, signingKey: string, now: number): ConsentStart {
  const encoded = Buffer.from(JSON.stringify({ l: linkId, n: randomBytes(16).toString("base64url"), e: now + stateLifetimeMs }), "utf8").toString("base64url");
  const state = `${encoded}.${signHmacSha256(signingKey, stateInput(encoded))}`;
  return { state, codeChallenge: toCodeChallenge(toCodeVerifier(state, signingKey)) };
}

/** Checks the state the callback received; `expectedLinkId` is the link the browser session is working on. */
export function checkConsentState(state: string, signingKey: string, now: number, expectedLinkId?: string): StateCheck {
  const parts = state.split(".");
  const [encoded, signature] = parts;
  if (parts.length !== 2 || encoded === undefined || signature === undefined || encoded === "" || signature === "") return { ok: false, reason: "malformed" };
  if (!safeEqual(signHmacSha256(signingKey, stateInput(encoded)), signature)) return { ok: false, reason: "tampered" };
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(encoded, "base64url").toString("utf8"));
  } catch {
    return { ok: false, reason: "malformed" };
  }
  const parsed = StatePayload.safeParse(json);
  if (!parsed.success) return { ok: false, reason: "malformed" };
  if (parsed.data.e <= now) return { ok: false, reason: "expired" };
  if (expectedLinkId !== undefined && !safeEqual(parsed.data.l, expectedLinkId)) return { ok: false, reason: "mismatch" };
  return { ok: true, linkId: parsed.data.l, codeVerifier: toCodeVerifier(state, signingKey) };
}

/** Xero's consent page URL: `<login>/identity/connect/authorize?…` with the service's scopes. */
export function toXeroAuthorizeUrl(
  xero: { loginUrl: string; clientId: string; scopes: readonly string[] },
  request: { redirectUri: string; state: string; codeChallenge: string },
): string {
  const url = new URL(`${xero.loginUrl.replace(/\/+$/, "")}/identity/connect/authorize`);
  url.searchParams.set("response_type", "code");
  url.searchParams.set("client_id", xero.clientId);
  url.searchParams.set("redirect_uri", request.redirectUri);
  url.searchParams.set("scope", xero.scopes.join(" "));
  url.searchParams.set("state", request.state);
  url.searchParams.set("code_challenge", request.codeChallenge);
  url.searchParams.set("code_challenge_method", "S256");
  return url.toString();
}
