import { createHash, randomBytes } from "node:crypto";
import { ManualClock } from "../../../src/clock";
import type { RegisteredApp, TokenSet } from "../../../src/xero/identity";
import { startXeroIdentityServer, type XeroIdentityServer } from "../../../src/xero/identity/server";

// Drives the identity emulator over HTTP the way a browser and a client would: fetch the consent page, post its form,
// follow nothing (redirects are read from Location), exchange codes at the token endpoint.

export const tenants = [
  { tenantId: "3f3b3a4e-1d0c-4a53-9d5f-2b2f0c6d7a11", name: "Demo Company (NZ)" },
  { tenantId: "8a6b7c5d-2e1f-4b3a-8c9d-0e1f2a3b4c22", name: "Harbour & Sons <Ltd>" },
] as const;

export const redirectUri = "http://127.0.0.1:7071/api/xero/callback";

export interface Harness {
  readonly server: XeroIdentityServer;
  readonly clock: ManualClock;
  readonly app: RegisteredApp;
  readonly pkceApp: RegisteredApp;
}

export async function startHarness(clock: ManualClock = new ManualClock()): Promise<Harness> {
  const server = await startXeroIdentityServer({ clock, organisations: () => tenants });
  const app = server.identity.registerApp({ name: "Xero Connector for Dynamics 365", redirectUris: [redirectUri] });
  const pkceApp = server.identity.registerApp({ name: "Desktop helper", kind: "pkce", redirectUris: [redirectUri] });
  return { server, clock, app, pkceApp };
}

export function newVerifier(): { verifier: string; challenge: string } {
  const verifier = randomBytes(48).toString("base64url");
  return { verifier, challenge: createHash("sha256").update(verifier).digest("base64url") };
}

export function authorizeUrl(base: string, params: Record<string, string>): string {
  const url = new URL("/identity/connect/authorize", base);
  for (const [name, value] of Object.entries(params)) url.searchParams.set(name, value);
  return url.toString();
}

export interface ConsentPage {
  readonly status: number;
  readonly html: string;
  readonly requestId: string | undefined;
  readonly tenantValues: string[];
}

export async function openConsent(url: string): Promise<ConsentPage> {
  const response = await fetch(url, { redirect: "manual" });
  const html = await response.text();
  return {
    status: response.status,
    html,
    requestId: /<input[^>]*name="request"[^>]*value="([^"]+)"/.exec(html)?.[1],
    tenantValues: [...html.matchAll(/<input[^>]*name="tenantId"[^>]*>/g)].map(
      (match) => /value="([^"]*)"/.exec(match[0])?.[1] ?? "",
    ),
  };
}

export async function postConsent(
  base: string,
  fields: { request: string; decision: "allow" | "deny"; tenantIds?: readonly string[] },
): Promise<{ status: number; location: URL | undefined; html: string }> {
  const form = new URLSearchParams({ request: fields.request, decision: fields.decision });
  for (const tenantId of fields.tenantIds ?? []) form.append("tenantId", tenantId);
  const response = await fetch(new URL("/identity/connect/authorize", base), {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: form.toString(),
    redirect: "manual",
  });
  const location = response.headers.get("location");
  return {
    status: response.status,
    location: location === null ? undefined : new URL(location),
    html: await response.text(),
  };
}

export async function postToken(
  base: string,
  fields: Record<string, string>,
  client?: { id: string; secret: string },
): Promise<{ status: number; body: Record<string, unknown> }> {
  const headers: Record<string, string> = { "content-type": "application/x-www-form-urlencoded" };
  if (client !== undefined)
    headers["authorization"] = `Basic ${Buffer.from(`${client.id}:${client.secret}`).toString("base64")}`;
  const response = await fetch(new URL("/connect/token", base), {
    method: "POST",
    headers,
    body: new URLSearchParams(fields).toString(),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

export function basicClient(app: RegisteredApp): { id: string; secret: string } {
  if (app.clientSecret === undefined) throw new Error("a PKCE app has no secret");
  return { id: app.clientId, secret: app.clientSecret };
}

/** Consent to the given tenants with PKCE and exchange the code: the whole flow a new customer walks. */
export async function connectWithPkce(
  harness: Harness,
  tenantIds: readonly string[],
  scope: string,
): Promise<TokenSet> {
  const { verifier, challenge } = newVerifier();
  const page = await openConsent(
    authorizeUrl(harness.server.url, {
      response_type: "code",
      client_id: harness.app.clientId,
      redirect_uri: redirectUri,
      scope,
      state: "s-1",
      code_challenge: challenge,
      code_challenge_method: "S256",
    }),
  );
  if (page.requestId === undefined) throw new Error(`no consent form: ${page.status}`);
  const consent = await postConsent(harness.server.url, { request: page.requestId, decision: "allow", tenantIds });
  const code = consent.location?.searchParams.get("code");
  if (code === null || code === undefined) throw new Error("no code in the redirect");
  const token = await postToken(
    harness.server.url,
    { grant_type: "authorization_code", code, redirect_uri: redirectUri, code_verifier: verifier },
    basicClient(harness.app),
  );
  if (token.status !== 200) throw new Error(`token exchange failed: ${JSON.stringify(token.body)}`);
  return token.body as unknown as TokenSet;
}

export function decodeJwt(token: string): Record<string, unknown> {
  const payload = token.split(".")[1] ?? "";
  return JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as Record<string, unknown>;
}

export async function getConnections(
  base: string,
  accessToken: string,
  query = "",
): Promise<{ status: number; body: unknown }> {
  const response = await fetch(new URL(`/connections${query}`, base), {
    headers: { authorization: `Bearer ${accessToken}` },
  });
  const text = await response.text();
  return { status: response.status, body: text.length === 0 ? undefined : (JSON.parse(text) as unknown) };
}
