// Xero's OAuth 2.0 token endpoint over plain fetch, so the identity URL is configuration (the sandbox's emulator in
// development): https://developer.xero.com/documentation/guides/oauth2/auth-flow
// - refresh: POST <identity>/connect/token, Basic client credentials, grant_type=refresh_token;
// - code exchange: grant_type=authorization_code (+ code_verifier with PKCE);
// - revocation: POST <identity>/connect/revocation with token=<refresh token>.
// Access tokens live 30 minutes; refresh tokens 60 days and rotate on each use (the previous one answers for 30
// minutes more): https://developer.xero.com/faq/oauth2
import { z } from "zod";
import { SyncError, fromHttpFailure, toSyncError } from "../../core/errors";

export const xeroRefreshTokenLifetimeMs = 60 * 24 * 60 * 60_000;

/** The token set as the vault keeps it (times in epoch milliseconds). */
export const XeroTokenSet = z.object({
  accessToken: z.string().min(1),
  refreshToken: z.string().min(1),
  idToken: z.string().optional(),
  scopes: z.array(z.string()),
  accessTokenExpiresAt: z.number(),
  refreshTokenIssuedAt: z.number(),
});
export type XeroTokenSet = z.infer<typeof XeroTokenSet>;

/** Xero's answer. */
export const XeroTokenResponse = z.object({
  access_token: z.string().min(1),
  expires_in: z.coerce.number().positive(),
  token_type: z.string(),
  refresh_token: z.string().min(1),
  id_token: z.string().optional(),
  scope: z.string().default(""),
});
export type XeroTokenResponse = z.infer<typeof XeroTokenResponse>;

export function fromTokenResponse(answer: XeroTokenResponse, receivedAt: number): XeroTokenSet {
  const tokenSet: XeroTokenSet = {
    accessToken: answer.access_token,
    refreshToken: answer.refresh_token,
    scopes: answer.scope.split(/\s+/).filter((scope) => scope !== ""),
    accessTokenExpiresAt: receivedAt + answer.expires_in * 1000,
    refreshTokenIssuedAt: receivedAt,
  };
  if (answer.id_token !== undefined) tokenSet.idToken = answer.id_token;
  return tokenSet;
}

/** When the grant dies if nobody refreshes it (shown on the connector as mag_xerograntexpireson). */
export function toGrantExpiresOn(tokenSet: Pick<XeroTokenSet, "refreshTokenIssuedAt">): Date {
  return new Date(tokenSet.refreshTokenIssuedAt + xeroRefreshTokenLifetimeMs);
}

export interface XeroClientCredentials {
  identityUrl: string;
  clientId: string;
  clientSecret: string;
}

export interface TokenEndpointDependencies {
  fetch?: typeof fetch;
  now: () => number;
  timeoutMs?: number;
}

function basicAuthorization(credentials: XeroClientCredentials): string {
  return `Basic ${Buffer.from(`${credentials.clientId}:${credentials.clientSecret}`, "utf8").toString("base64")}`;
}

async function postForm(url: string, credentials: XeroClientCredentials, form: Record<string, string>, dependencies: TokenEndpointDependencies): Promise<string> {
  const fetcher = dependencies.fetch ?? fetch;
  let response: Response;
  try {
    response = await fetcher(url, {
      method: "POST",
      headers: { Authorization: basicAuthorization(credentials), "Content-Type": "application/x-www-form-urlencoded", Accept: "application/json" },
      body: new URLSearchParams(form).toString(),
      signal: AbortSignal.timeout(dependencies.timeoutMs ?? 30_000),
    });
  } catch (error) {
    throw toSyncError(error, "xero-identity");
  }
  const text = await response.text();
  if (!response.ok) throw fromHttpFailure({ source: "xero-identity", status: response.status, headers: response.headers, body: text, nowMs: dependencies.now() });
  return text;
}

function parseTokenAnswer(text: string, receivedAt: number): XeroTokenSet {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new SyncError("Xero's token endpoint answered with something that is not JSON", { kind: "transient", details: { source: "xero-identity" } });
  }
  const parsed = XeroTokenResponse.safeParse(json);
  if (!parsed.success) throw new SyncError("Xero's token endpoint answered without a usable token set", { kind: "transient", details: { source: "xero-identity" } });
  return fromTokenResponse(parsed.data, receivedAt);
}

const identityPath = (credentials: XeroClientCredentials, path: string): string => `${credentials.identityUrl.replace(/\/+$/, "")}${path}`;

/** Uses a refresh token once; Xero answers with a new token set (and a new refresh token). */
export async function refreshXeroTokenSet(credentials: XeroClientCredentials, refreshToken: string, dependencies: TokenEndpointDependencies): Promise<XeroTokenSet> {
  const sentAt = dependencies.now();
  const text = await postForm(identityPath(credentials, "/connect/token"), credentials, { grant_type: "refresh_token", refresh_token: refreshToken }, dependencies);
  return parseTokenAnswer(text, sentAt);
}

/** Exchanges an authorization code (consent callback), with the PKCE verifier when one was used. */
export async function exchangeXeroAuthorizationCode(
  credentials: XeroClientCredentials,
  exchange: { code: string; redirectUri: string; codeVerifier?: string },
  dependencies: TokenEndpointDependencies,
): Promise<XeroTokenSet> {
  const sentAt = dependencies.now();
  const form: Record<string, string> = { grant_type: "authorization_code", code: exchange.code, redirect_uri: exchange.redirectUri };
  if (exchange.codeVerifier !== undefined) form["code_verifier"] = exchange.codeVerifier;
  const text = await postForm(identityPath(credentials, "/connect/token"), credentials, form, dependencies);
  return parseTokenAnswer(text, sentAt);
}

/** Revokes a refresh token (and so the grant): https://developer.xero.com/documentation/guides/oauth2/auth-flow/#revoking-tokens */
export async function revokeXeroRefreshToken(credentials: XeroClientCredentials, refreshToken: string, dependencies: TokenEndpointDependencies): Promise<void> {
  await postForm(identityPath(credentials, "/connect/revocation"), credentials, { token: refreshToken }, dependencies);
}
