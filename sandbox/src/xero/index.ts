// The Xero emulator: the Accounting API (validated against Xero's own OpenAPI document), /connections, the identity
// service on its own port, webhooks, rate limits, idempotency and faults on demand, all on an injectable clock.
// See README.md in this folder for what it copies from Xero and what it does not yet.
import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { systemClock, type Clock } from "../clock";
import { Faults, type FaultSnapshot, type FaultSpec } from "./faults/faults";
import { handleAdmin } from "./http/admin";
import { ApiServer, apiBasePath, writeAnswer, type ApiStats } from "./http/api-server";
import { IdempotencyStore } from "./http/idempotency";
import { buildRoutes } from "./http/routes";
import {
  createXeroIdentity,
  type IssueTokenSetOptions,
  type RegisteredApp,
  type TokenSet,
  type XeroAppRegistration,
  type XeroIdentity,
  type XeroIdentityOptions,
} from "./identity";
import { RateLimiter, defaultRateLimits, type RateLimits } from "./limits/rate-limiter";
import type { ChangeEvent } from "./resources/context";
import { amountDue } from "./resources/invoices";
import { sharedSpecValidator } from "./spec/spec-validator";
import { validationCountsDirFromEnv, writeValidationCounts } from "./spec/validation-totals";
import { createTenant, type TenantOptions } from "./store/seed-demo";
import type { Tenant } from "./store/types";
import { createXeroWebhookSender, type XeroWebhookSender, type XeroWebhookSenderOptions } from "./webhooks";
import { rememberIssuedSecret } from "../issued-secrets";

export type { ChangeEvent } from "./resources/context";
export type { FaultKind, FaultSpec } from "./faults/faults";
export type { RateLimits } from "./limits/rate-limiter";
export type { TenantOptions } from "./store/seed-demo";
export type { Tenant } from "./store/types";

export interface XeroEmulatorOptions {
  /** API port (also serves /connections and /__admin); 0 or omitted picks a free one. */
  port?: number;
  /** Identity service port; 0 or omitted picks a free one. */
  identityPort?: number;
  clock?: Clock;
  /** Per-organisation and per-app limits; e.g. `{ perDay: 1000 }` for the Starter tier. */
  limits?: Partial<RateLimits>;
  /** Validate every response against the spec (default true). */
  validateResponses?: boolean;
  /** Answer 500 instead of a response that violates the spec, so the calling test fails (default true). */
  strictResponses?: boolean;
  /**
   * Where to write this emulator's spec-validation counts when it stops, for the test suite's total (default: the
   * XERO_VALIDATION_DIR environment variable, which the Jest reporter sets; nothing is written without it). False turns
   * it off, for tests that break the emulator on purpose to prove it catches bad responses.
   */
  validationCountsDir?: string | false;
  /** Random source for probabilistic faults (default Math.random). */
  random?: () => number;
  /** Apps registered with the identity service; one "Sandbox tests" app is always registered first. */
  apps?: readonly XeroAppRegistration[];
  /** Identity lifetimes and the like (access tokens live 30 minutes by default). */
  identity?: Pick<XeroIdentityOptions, "accessTokenTtlMs" | "refreshTokenTtlMs" | "graceMs" | "user">;
  /** Called for every change to an invoice, contact or credit note. */
  onChange?: (event: ChangeEvent) => void;
  /** The webhook signing key (default: a random one, like the key Xero shows in the developer portal). */
  webhookKey?: string;
}

/** The token endpoint's answer, as a plain object type (assignable to openid-client's TokenSetParameters). */
export type XeroTokenSet = {
  access_token: string;
  expires_in: number;
  token_type: "Bearer";
  scope: string;
  refresh_token?: string;
  id_token?: string;
};

function toXeroTokenSet(tokenSet: TokenSet): XeroTokenSet {
  return {
    access_token: tokenSet.access_token,
    expires_in: tokenSet.expires_in,
    token_type: tokenSet.token_type,
    scope: tokenSet.scope,
    ...(tokenSet.refresh_token === undefined ? {} : { refresh_token: tokenSet.refresh_token }),
    ...(tokenSet.id_token === undefined ? {} : { id_token: tokenSet.id_token }),
  };
}

export interface XeroEmulatorStats extends ApiStats {
  faultsInjected: number;
  organisations: number;
}

export type XeroWebhookSubscription = Omit<XeroWebhookSenderOptions, "clock" | "webhookKey" | "resourceBaseUrl"> & {
  clientId?: string;
};

export interface XeroWebhooks {
  readonly signingKey: string;
  /**
   * Subscribes a delivery URL (replacing any previous subscription) and returns its sender. With `clientId` (the app
   * the subscription belongs to), events go out only for organisations connected to that app, as in Xero.
   */
  configure(options: XeroWebhookSubscription): XeroWebhookSender;
  sender(): XeroWebhookSender | undefined;
}

export interface XeroEmulator {
  /** Base of the Accounting API, ending in /api.xro/2.0. */
  readonly apiUrl: string;
  readonly identityUrl: string;
  readonly connectionsUrl: string;
  /** The API host root (admin endpoints live under /__admin). */
  readonly baseUrl: string;
  readonly clock: Clock;
  readonly identity: XeroIdentity;
  readonly webhooks: XeroWebhooks;
  readonly faults: { inject(spec: FaultSpec): number; clear(): void; list(): FaultSnapshot[] };
  createOrganisation(options: TenantOptions): { tenantId: string; name: string; shortCode: string };
  registerApp(registration: XeroAppRegistration): RegisteredApp;
  /** A valid token set for tests, in the shape xero-node's setTokenSet takes. */
  issueTokenSet(options: IssueTokenSetOptions): XeroTokenSet;
  /** Subscribes to change events; returns the unsubscribe function. */
  onChange(listener: (event: ChangeEvent) => void): () => void;
  stats(): XeroEmulatorStats;
  /** Direct access to the organisations' data, for tests. */
  readonly store: { tenant(tenantId: string): Tenant; tenants(): Tenant[] };
  stop(): Promise<void>;
}

async function listen(server: Server, port: number): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve());
  });
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("the server has no TCP address");
  return address.port;
}

async function close(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}

/** The page an online invoice link opens (Xero's is at in.xero.com). */
function renderOnlineInvoice(tenant: Tenant, invoiceId: string): string | undefined {
  const invoice = tenant.invoices.get(invoiceId.toLowerCase());
  if (invoice === undefined || invoice.Status === "DRAFT") return undefined;
  const contact = tenant.contacts.get(invoice.ContactID);
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Invoice ${escapeHtml(invoice.InvoiceNumber)}</title></head><body>
<h1>${escapeHtml(tenant.organisation.Name)}</h1><p>Invoice ${escapeHtml(invoice.InvoiceNumber)} to ${escapeHtml(contact?.Name ?? "")}</p>
<p>Total ${invoice.Total.toFixed(2)} ${escapeHtml(invoice.CurrencyCode)} · Amount due ${amountDue(invoice).toFixed(2)} · ${escapeHtml(invoice.Status)}</p></body></html>`;
}

export async function startXeroEmulator(options: XeroEmulatorOptions = {}): Promise<XeroEmulator> {
  const clock = options.clock ?? systemClock;
  const validator = sharedSpecValidator();
  const tenants = new Map<string, Tenant>();
  const listeners = new Set<(event: ChangeEvent) => void>();
  if (options.onChange !== undefined) listeners.add(options.onChange);
  const faults = new Faults(options.random);
  const identity = createXeroIdentity({
    clock,
    organisations: () =>
      [...tenants.values()].map((tenant) => ({ tenantId: tenant.tenantId, name: tenant.organisation.Name })),
    apps: [{ name: "Sandbox tests", redirectUris: ["http://127.0.0.1/callback"] }, ...(options.apps ?? [])],
    ...options.identity,
  });
  const signingKey = options.webhookKey ?? randomBytes(64).toString("base64");
  rememberIssuedSecret(signingKey);
  let sender: XeroWebhookSender | undefined;
  let baseUrl = "";

  const dispatch = (event: ChangeEvent): void => {
    const creditNote =
      event.resource === "CREDITNOTE" ? tenants.get(event.tenantId)?.creditNotes.get(event.resourceId) : undefined;
    const full: ChangeEvent =
      creditNote === undefined ? event : { ...event, data: { Type: creditNote.Type, Status: creditNote.Status } };
    for (const listener of listeners) {
      try {
        listener(full);
      } catch {
        // A listener's failure must not fail the API call that raised the event.
      }
    }
    if (sender !== undefined) {
      try {
        sender.send(full);
      } catch {
        // The sender refuses events it cannot express (counted in its own stats).
      }
    }
  };

  const api = new ApiServer({
    clock,
    validator,
    routes: buildRoutes(validator),
    tenants,
    authority: identity.authority,
    revokeGrant: (token) => {
      identity.revokeGrant(token);
    },
    rateLimiter: new RateLimiter({ ...defaultRateLimits, ...options.limits }, clock),
    faults,
    idempotency: new IdempotencyStore(),
    strictResponses: options.strictResponses ?? true,
    validateResponses: options.validateResponses ?? true,
    baseUrl: () => baseUrl,
    onChange: dispatch,
  });

  const createOrganisation = (tenantOptions: TenantOptions): { tenantId: string; name: string; shortCode: string } => {
    const tenant = createTenant(
      {
        ...tenantOptions,
        ...(tenantOptions.tenantId === undefined ? {} : { tenantId: tenantOptions.tenantId.toLowerCase() }),
      },
      clock.now(),
    );
    if (tenants.has(tenant.tenantId)) throw new Error(`an organisation with tenant id ${tenant.tenantId} exists`);
    tenants.set(tenant.tenantId, tenant);
    return { tenantId: tenant.tenantId, name: tenant.organisation.Name, shortCode: tenant.organisation.ShortCode };
  };
  const stats = (): XeroEmulatorStats => ({
    ...api.stats,
    violations: [...api.stats.violations],
    faultsInjected: faults.injectedCount(),
    organisations: tenants.size,
  });
  const faultControl = {
    inject: (spec: FaultSpec) => faults.inject(spec),
    clear: () => faults.clear(),
    list: () => faults.list(),
  };

  const serveApi = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? "/", baseUrl);
    const lower = url.pathname.toLowerCase();
    if (lower.startsWith("/__admin/")) {
      return handleAdmin(req, res, url.pathname, {
        clock,
        stats,
        faults: faultControl,
        createOrganisation,
        issueTokenSet: (request) => identity.issueTokenSet(request),
      });
    }
    if (await identity.handleConnections(req, res)) return;
    const online = /^\/in\/([^/]+)\/([^/]+)$/.exec(url.pathname);
    if (online !== null && req.method === "GET") {
      const tenant = tenants.get((online[1] ?? "").toLowerCase());
      const page = tenant === undefined ? undefined : renderOnlineInvoice(tenant, online[2] ?? "");
      if (page === undefined)
        return writeAnswer(res, { status: 404, body: "The resource you're looking for cannot be found" });
      res.writeHead(200, { "content-type": "text/html; charset=utf-8", "content-length": Buffer.byteLength(page) });
      res.end(page);
      return;
    }
    if (lower === apiBasePath.toLowerCase() || lower.startsWith(`${apiBasePath.toLowerCase()}/`))
      return api.handle(req, res, url);
    writeAnswer(res, { status: 404, body: "The resource you're looking for cannot be found" });
  };

  const onError = (res: ServerResponse, error: unknown): void => {
    if (res.headersSent) {
      res.destroy();
      return;
    }
    writeAnswer(res, {
      status: 500,
      body: {
        ErrorNumber: 500,
        Type: "EmulatorException",
        Message: error instanceof Error ? error.message : String(error),
      },
    });
  };
  const apiServer = createServer((req, res) => {
    serveApi(req, res).catch((error: unknown) => onError(res, error));
  });
  const identityServer = createServer((req, res) => {
    identity
      .handle(req, res)
      .then((handled) => {
        if (!handled) writeAnswer(res, { status: 404, body: "Not found" });
      })
      .catch((error: unknown) => onError(res, error));
  });
  const apiPort = await listen(apiServer, options.port ?? 0);
  let identityPort: number;
  try {
    identityPort = await listen(identityServer, options.identityPort ?? 0);
  } catch (error) {
    await close(apiServer);
    throw error;
  }
  baseUrl = `http://127.0.0.1:${apiPort}`;
  const identityUrl = `http://127.0.0.1:${identityPort}`;
  identity.setIssuer(identityUrl);
  const apiUrl = `${baseUrl}${apiBasePath}`;

  return {
    apiUrl,
    identityUrl,
    connectionsUrl: `${baseUrl}/connections`,
    baseUrl,
    clock,
    identity,
    webhooks: {
      signingKey,
      configure: ({ clientId, ...subscription }) => {
        const previous = sender;
        const isConnected =
          clientId === undefined
            ? undefined
            : (tenantId: string) => identity.connectedTenantIds(clientId).includes(tenantId);
        sender = createXeroWebhookSender({
          ...(isConnected === undefined ? {} : { isConnected }),
          ...subscription,
          clock,
          webhookKey: signingKey,
          resourceBaseUrl: apiUrl,
        });
        if (previous !== undefined) void previous.stop();
        return sender;
      },
      sender: () => sender,
    },
    faults: faultControl,
    createOrganisation,
    registerApp: (registration) => identity.registerApp(registration),
    issueTokenSet: (request) => toXeroTokenSet(identity.issueTokenSet(request)),
    onChange: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    stats,
    store: {
      tenant: (tenantId) => {
        const tenant = tenants.get(tenantId.toLowerCase());
        if (tenant === undefined) throw new Error(`no organisation with tenant id ${tenantId}`);
        return tenant;
      },
      tenants: () => [...tenants.values()],
    },
    stop: async () => {
      if (sender !== undefined) await sender.stop();
      await Promise.all([close(apiServer), close(identityServer)]);
      const countsDir = options.validationCountsDir ?? validationCountsDirFromEnv();
      if (countsDir !== undefined && countsDir !== false) writeValidationCounts(api.stats, countsDir);
    },
  };
}
