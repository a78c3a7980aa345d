// Onboarding against the real parts without a browser: Azurite (links, connections, vault), the Xero emulator
// (consent, token endpoint, /connections), the Dataverse emulator (Entra stand-in, WhoAmI, the connector rows), one
// manual clock for all. `consent()` plays the customer on Xero's consent page with plain HTTP; `signIn()` plays a person
// on the Dataverse emulator's Entra sign-in page ("Pick an account"), `adminConsent()` the customer's Entra
// administrator on its admin consent page for the service's multi-tenant app.
import { randomBytes } from "node:crypto";
import { startAzurite, type Azurite } from "../../../sandbox/src/azurite";
import {
  startDataverseEmulator,
  type CreateOrganisationOptions,
  type DataverseEmulator,
  type DataverseOrganisation,
  type MultiTenantApp,
} from "../../../sandbox/src/dataverse";
import { startXeroEmulator, type XeroEmulator } from "../../../sandbox/src/xero";
import { createDataverseClient, type DataverseWebApiClient } from "../../src/adapters/dataverse/web-api-client";
import { createMemoryWorkQueue } from "../../src/adapters/queue/work-queue";
import { createConnectionStore, type ConnectionStore } from "../../src/adapters/table-storage/connection-store";
import { createLeaseStore } from "../../src/adapters/table-storage/leases";
import { openAllTables } from "../../src/adapters/table-storage/tables";
import { createTokenVault, type TokenVault } from "../../src/adapters/table-storage/token-vault";
import { loadConfig, type Config } from "../../src/config";
import { ManualClock } from "../../src/core/clock";
import { createMemoryLogger, type MemoryLogger } from "../../src/core/logger";
import { createMemoryScopeStore, type ScopeStore } from "../../src/engine/scope-store";
import { createLinkStore, type LinkStore } from "../../src/links/link-store";
import type { LinkKind } from "../../src/links/signed-links";
import { createConnectionHealth } from "../../src/onboarding/connection-health";
import { createOnboarding, type Onboarding, type PageAnswer } from "../../src/onboarding/onboarding";
import { createMemoryRealtimeStore } from "../../src/realtime/realtime-store";
import { toRealtimeRegistration } from "../../src/realtime/registration";
import { rememberSecrets } from "../support/log-capture";

export const publicBaseUrl = "http://127.0.0.1:7071";

export interface Harness {
  clock: ManualClock;
  azurite: Azurite;
  xero: XeroEmulator;
  dataverse: DataverseEmulator;
  /** The service's multi-tenant Dynamics 365 app (DATAVERSE_APP_CLIENT_ID / _SECRET). */
  dynamicsApp: MultiTenantApp;
  config: Config;
  links: LinkStore;
  connections: ConnectionStore;
  vault: TokenVault;
  queue: ReturnType<typeof createMemoryWorkQueue>;
  scopes: ScopeStore;
  logger: MemoryLogger;
  onboarding: Onboarding;
  /** A fresh Dataverse org (its own connectors) and a client for assertions. */
  newDynamicsOrg(options?: CreateOrganisationOptions): {
    org: DataverseOrganisation;
    client: DataverseWebApiClient;
    form: Record<string, string>;
  };
  newXeroOrganisation(name: string): string;
  issueLink(
    kind: LinkKind,
    connectionId?: string,
    lifetimeMs?: number,
  ): Promise<{ token: string; connectionId: string }>;
  stop(): Promise<void>;
}

let orgCounter = 0;

/** The service's consent callback, registered on its multi-tenant app. */
export const consentCallbackUri = `${publicBaseUrl}/api/dynamics/consent/callback`;
/** The service's sign-in callback, registered on the same app. */
export const signInCallbackUri = `${publicBaseUrl}/api/dynamics/signin/callback`;

export async function startHarness(): Promise<Harness> {
  const clock = new ManualClock(Date.UTC(2026, 2, 2, 9, 0, 0));
  const [azurite, xero, dataverse] = await Promise.all([
    startAzurite(),
    startXeroEmulator({ port: 0, clock }),
    startDataverseEmulator({ port: 0, clock }),
  ]);
  const app = xero.registerApp({
    name: "Xero Connector (test)",
    kind: "web",
    redirectUris: [`${publicBaseUrl}/api/xero/callback`],
  });
  const dynamicsApp = dataverse.registerMultiTenantApp({
    displayName: "Xero Connector",
    redirectUris: [consentCallbackUri, signInCallbackUri],
  });
  rememberSecrets(dynamicsApp.clientSecret);
  const env = {
    AzureWebJobsStorage: azurite.connectionString,
    XC_ENCRYPTION_KEYS: `k1:${randomBytes(32).toString("base64")}`,
    XC_LINK_SIGNING_KEY: randomBytes(32).toString("base64url"),
    XC_PUBLIC_BASE_URL: publicBaseUrl,
    XERO_CLIENT_ID: app.clientId,
    XERO_CLIENT_SECRET: app.clientSecret ?? "",
    XERO_IDENTITY_URL: xero.identityUrl,
    XERO_LOGIN_URL: xero.identityUrl,
    XERO_API_URL: xero.apiUrl,
    XERO_CONNECTIONS_URL: xero.connectionsUrl,
    DATAVERSE_AUTHORITY_URL: dataverse.url,
    DATAVERSE_APP_CLIENT_ID: dynamicsApp.clientId,
    DATAVERSE_APP_CLIENT_SECRET: dynamicsApp.clientSecret,
  };
  const config = loadConfig(env);
  const logger = createMemoryLogger({ secrets: config.secrets });
  const tables = await openAllTables(config.storageConnectionString);
  const keyRing = config.encryption;
  const connections = createConnectionStore(tables.connections, {
    keyRing,
    clock,
    dataverseApp: config.dataverse.app,
  });
  const links = createLinkStore(tables.links, { signingKey: config.links.signingKey, publicBaseUrl, clock });
  const dataverseFor = (credentials: { url: string; tenantId: string; clientId: string; clientSecret: string }) =>
    createDataverseClient(credentials, { authorityUrl: config.dataverse.authorityUrl, clock, logger });
  const vaultRef: { current?: TokenVault } = {};
  const health = createConnectionHealth({
    connections,
    vault: { getGrantInfo: (id) => (vaultRef.current as TokenVault).getGrantInfo(id) },
    dataverseFor: (connection) =>
      dataverseFor(connection.dataverse ?? { url: "", tenantId: "", clientId: "", clientSecret: "" }),
    logger,
  });
  const vault = createTokenVault({
    table: tables.tokens,
    keyRing,
    clock,
    xero: {
      identityUrl: config.xero.identityUrl,
      clientId: config.xero.clientId,
      clientSecret: config.xero.clientSecret,
    },
    connections,
    logger,
    sleep: () => Promise.resolve(),
    onDisconnected: health.onDisconnected,
    onRefreshed: health.onRefreshed,
  });
  vaultRef.current = vault;
  const queue = createMemoryWorkQueue();
  const scopes = createMemoryScopeStore();
  const realtimeStore = createMemoryRealtimeStore(clock);
  const registerRealtime = toRealtimeRegistration({
    publicBaseUrl,
    keySecret: config.links.signingKey,
    store: realtimeStore,
  });
  // The service's per-environment lease, as composition wires it (connector setup, the "already connected" check).
  const leases = createLeaseStore(tables.leases, clock);
  const onboarding = createOnboarding({
    config,
    links,
    leases,
    connections,
    vault,
    queue,
    scopes,
    clock,
    logger,
    health,
    dataverseFor,
    registerRealtime,
  });
  return {
    clock,
    azurite,
    xero,
    dataverse,
    dynamicsApp,
    config,
    links,
    connections,
    vault,
    queue,
    scopes,
    logger,
    onboarding,
    newDynamicsOrg(options) {
      const org = dataverse.createOrganisation(`onboarding-${process.pid}-${++orgCounter}`, options);
      rememberSecrets(org.clientSecret);
      const client = createDataverseClient(
        { url: org.url, tenantId: org.tenantId, clientId: org.clientId, clientSecret: org.clientSecret },
        { authorityUrl: dataverse.url, clock },
      );
      return {
        org,
        client,
        form: {
          environmentUrl: org.url,
          tenantId: org.tenantId,
          clientId: org.clientId,
          clientSecret: org.clientSecret,
        },
      };
    },
    newXeroOrganisation: (name) => xero.createOrganisation({ name }).tenantId,
    async issueLink(kind, connectionId, lifetimeMs = 72 * 3_600_000) {
      const id = connectionId ?? (await connections.create()).id;
      const link = await links.issue({ kind, connectionId: id, lifetimeMs, issuedBy: "test" });
      return { token: link.token, connectionId: id };
    },
    async stop() {
      await Promise.allSettled([xero.stop(), dataverse.stop(), azurite.stop()]);
    },
  };
}

/** The link token from a redirect to an onboarding page. */
export function tokenOf(location: string | undefined): string {
  return new URL(location ?? "http://invalid/").searchParams.get("token") ?? "";
}

/** The onboarding cookie a start set. */
export function cookieOf(answer: PageAnswer): string {
  return answer.cookies?.find((cookie) => cookie.maxAge > 0)?.value ?? "";
}

/**
 * Plays the customer on Xero's consent page: loads it, ticks exactly `tenantIds` (or cancels) and posts the form;
 * returns the query Xero redirects back with (code and state, or error and state).
 */
export async function consent(
  authorizeUrl: string,
  choice: readonly string[] | "cancel",
): Promise<{ code?: string; state?: string; error?: string }> {
  const page = await fetch(authorizeUrl);
  const html = await page.text();
  const requestId = /name="request" value="([^"]+)"/.exec(html)?.[1];
  const action = /<form method="post" action="([^"]+)"/.exec(html)?.[1];
  if (page.status !== 200 || requestId === undefined || action === undefined)
    throw new Error(`no consent page (${page.status})`);
  const form = new URLSearchParams({ request: requestId, decision: choice === "cancel" ? "deny" : "allow" });
  if (choice !== "cancel") for (const tenantId of choice) form.append("tenantId", tenantId);
  const answer = await fetch(new URL(action.replace(/&amp;/g, "&"), authorizeUrl), {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: form.toString(),
    redirect: "manual",
  });
  const back = new URL(answer.headers.get("location") ?? "http://invalid/");
  const result: { code?: string; state?: string; error?: string } = {};
  for (const name of ["code", "state", "error"] as const) {
    const value = back.searchParams.get(name);
    if (value !== null) result[name] = value;
  }
  rememberSecrets(result.code);
  return result;
}

/**
 * Plays the customer's Entra administrator on the emulator's admin consent page: loads it (it must be the prompt for
 * the service's app) and accepts or cancels; returns the query Entra redirects back with.
 */
export async function adminConsent(
  consentUrl: string,
  decision: "accept" | "cancel",
): Promise<{ admin_consent?: string; tenant?: string; state?: string; error?: string }> {
  const page = await fetch(consentUrl);
  const text = await page.text();
  if (page.status !== 200 || !text.includes("Permissions requested"))
    throw new Error(`no admin consent page (${page.status})`);
  const url = new URL(consentUrl);
  const form = new URLSearchParams(url.searchParams);
  form.set("decision", decision);
  const answer = await fetch(`${url.origin}${url.pathname}`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: form.toString(),
    redirect: "manual",
  });
  const back = new URL(answer.headers.get("location") ?? "http://invalid/");
  if (`${back.origin}${back.pathname}` !== consentCallbackUri)
    throw new Error(`not redirected to the callback (${answer.status})`);
  const result: { admin_consent?: string; tenant?: string; state?: string; error?: string } = {};
  for (const name of ["admin_consent", "tenant", "state", "error"] as const) {
    const value = back.searchParams.get(name);
    if (value !== null) result[name] = value;
  }
  return result;
}

/**
 * Plays a person on the emulator's Entra sign-in page: loads "Pick an account" for the service's authorize URL and
 * picks the account with that object id, or cancels (`"cancel"`); returns the query Entra redirects back with.
 */
export async function signIn(
  authorizeUrl: string,
  choice: string,
): Promise<{ code?: string; state?: string; error?: string }> {
  const page = await fetch(authorizeUrl);
  const text = await page.text();
  if (page.status !== 200 || !text.includes("Pick an account")) throw new Error(`no sign-in page (${page.status})`);
  const url = new URL(authorizeUrl);
  const form = new URLSearchParams(url.searchParams);
  if (choice === "cancel") form.set("decision", "cancel");
  else form.set("user", choice);
  const answer = await fetch(`${url.origin}${url.pathname}`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: form.toString(),
    redirect: "manual",
  });
  const back = new URL(answer.headers.get("location") ?? "http://invalid/");
  if (`${back.origin}${back.pathname}` !== signInCallbackUri)
    throw new Error(`not redirected to the sign-in callback (${answer.status})`);
  const result: { code?: string; state?: string; error?: string } = {};
  for (const name of ["code", "state", "error"] as const) {
    const value = back.searchParams.get(name);
    if (value !== null) result[name] = value;
  }
  rememberSecrets(result.code);
  return result;
}

/** The directory of `tenantId` approves the service's app (as an earlier customer's administrator did). */
export async function grantAppConsent(h: Harness, tenantId: string): Promise<void> {
  const url = new URL(`${h.dataverse.url}/${tenantId}/v2.0/adminconsent`);
  const form = new URLSearchParams({
    client_id: h.dynamicsApp.clientId,
    scope: "https://any.example/.default",
    redirect_uri: consentCallbackUri,
    decision: "accept",
  });
  const answer = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: form.toString(),
    redirect: "manual",
  });
  if (answer.status !== 302) throw new Error(`admin consent not granted (${answer.status})`);
}
