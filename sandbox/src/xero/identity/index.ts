import { randomBytes, randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { systemClock, type Clock } from "../../clock";
import { rememberIssuedSecret } from "../../issued-secrets";
import {
  IdentityEngine,
  newClientId,
  newUser,
  safeEqual,
  toConnectionJson,
  type Organisation,
  type RegisteredApp,
  type TokenError,
  type TokenOutcome,
  type TokenSet,
  type XeroUser,
} from "./engine";
import { renderConsentPage, renderErrorPage } from "./html";
import {
  BodyTooLargeError,
  bearerToken,
  isFormRequest,
  parseBasicAuth,
  parseForm,
  readBody,
  redirect,
  requestUrl,
  sendEmpty,
  sendHtml,
  sendJson,
} from "./http";
import { defaultSigningKey, type SigningKey } from "./jwt";
import { isValidChallenge, type ChallengeMethod } from "./pkce";
import { needsOrganisation, parseScopes, xeroScopes } from "./scopes";
import type { TokenAuthority } from "./token-authority";

export type { Organisation, RegisteredApp, TokenSet, XeroUser } from "./engine";
export type { TokenAuthority, TokenCheck } from "./token-authority";
export { toCodeChallenge } from "./pkce";

// The Xero identity emulator: authorize page with a real consent screen, token endpoint (authorization code with PKCE,
// refresh with rotation and grace), revocation, discovery, and /connections.
// https://developer.xero.com/documentation/guides/oauth2/auth-flow/
// https://developer.xero.com/documentation/guides/oauth2/pkce-flow/

export const identityPaths = {
  authorize: "/identity/connect/authorize",
  token: "/connect/token",
  revocation: "/connect/revocation",
  discovery: "/.well-known/openid-configuration",
  jwks: "/.well-known/openid-configuration/jwks",
  connections: "/connections",
} as const;

export interface XeroAppRegistration {
  readonly clientId?: string;
  /** A web app gets a generated secret when none is given; a PKCE app has none. */
  readonly clientSecret?: string;
  readonly kind?: "web" | "pkce";
  readonly redirectUris: readonly string[];
  readonly name?: string;
  /** Allow accounting.transactions (apps created before 2 March 2026). Default false. */
  readonly allowBroadScopes?: boolean;
}

export interface XeroIdentityOptions {
  readonly clock?: Clock;
  /** The organisations the signed-in user may connect (read on every request, so new ones appear at once). */
  readonly organisations: () => readonly Organisation[];
  readonly apps?: readonly XeroAppRegistration[];
  /** The user who is "signed in" at the consent screen (the emulator has no login page). */
  readonly user?: { readonly userId?: string; readonly email?: string };
  /** The identity base URL (iss claim, discovery document). Defaults to the Host of the request being served. */
  readonly issuer?: string | (() => string);
  readonly accessTokenTtlMs?: number;
  readonly refreshTokenTtlMs?: number;
  readonly graceMs?: number;
  readonly signingKey?: SigningKey;
}

export interface IssueTokenSetOptions {
  readonly tenantIds: readonly string[];
  /** Defaults to the scopes the service asks for (PRODUCT.md). */
  readonly scopes?: readonly string[];
  readonly userId?: string;
  /** Defaults to the first registered app. */
  readonly clientId?: string;
}

export interface XeroIdentityStats {
  authorizePages: number;
  consentsAllowed: number;
  consentsDenied: number;
  codeExchanges: number;
  /** Every refresh_token grant request received, whatever its outcome. */
  refreshRequests: number;
  /** Refreshes that minted a new set (the others were grace replays or errors). */
  refreshRotations: number;
  graceReplays: number;
  tokenErrors: Record<string, number>;
  revocations: number;
  connectionsListed: number;
  connectionsDeleted: number;
}

export interface XeroIdentity {
  /** Serves the identity routes; resolves false when the request is not one of them. */
  handle(req: IncomingMessage, res: ServerResponse): Promise<boolean>;
  /** Serves GET /connections and DELETE /connections/{id} (Xero serves these on api.xero.com). */
  handleConnections(req: IncomingMessage, res: ServerResponse): Promise<boolean>;
  readonly authority: TokenAuthority;
  registerApp(registration: XeroAppRegistration): RegisteredApp;
  /** A token set as if the user had consented to these tenants (for tests and the sandbox's demo token). */
  issueTokenSet(options: IssueTokenSetOptions): TokenSet & { authEventId: string };
  /** Fault injection: the grant behind this access or refresh token is revoked. */
  revokeGrant(token: string): boolean;
  /** Fault injection: every grant that reaches the tenant is revoked (refresh → invalid_grant, API → 401). */
  revokeGrantsForTenant(tenantId: string): number;
  /** Fault injection: the tenant disconnects the app (API → 403 for it; tokens stay valid). */
  revokeConnection(tenantId: string): number;
  /** Tenants connected to the app (any app when omitted) by any user — what Xero sends an app's webhooks for. */
  connectedTenantIds(clientId?: string): string[];
  setIssuer(url: string): void;
  readonly user: XeroUser;
  stats(): XeroIdentityStats;
}

/** The scopes the service requests (PRODUCT.md, granular scopes for apps created on or after 2 March 2026). */
export const defaultServiceScopes = [
  "offline_access",
  "accounting.invoices",
  "accounting.payments",
  "accounting.contacts",
  "accounting.settings",
] as const;

interface PendingAuthorization {
  readonly clientId: string;
  readonly redirectUri: string;
  readonly scopes: readonly string[];
  readonly state?: string;
  readonly nonce?: string;
  readonly codeChallenge?: string;
  readonly challengeMethod?: ChallengeMethod;
  readonly expiresAt: number;
}

const minute = 60_000;
const pendingTtlMs = 60 * minute;

function toRegisteredApp(registration: XeroAppRegistration): RegisteredApp {
  const pkce = registration.kind === "pkce";
  if (registration.redirectUris.length === 0) throw new Error("an app needs at least one redirect URI");
  return {
    clientId: registration.clientId ?? newClientId(),
    ...(pkce ? {} : { clientSecret: registration.clientSecret ?? randomBytes(36).toString("base64url") }),
    redirectUris: [...registration.redirectUris],
    name: registration.name ?? "Sandbox app",
    allowBroadScopes: registration.allowBroadScopes ?? false,
  };
}

function withParams(base: string, params: Record<string, string | undefined>): string {
  const url = new URL(base);
  for (const [name, value] of Object.entries(params)) {
    if (value !== undefined) url.searchParams.set(name, value);
  }
  return url.toString();
}

export function createXeroIdentity(options: XeroIdentityOptions): XeroIdentity {
  const clock = options.clock ?? systemClock;
  let configuredIssuer = options.issuer;
  let requestBase: string | undefined;
  const issuer = (): string => {
    if (typeof configuredIssuer === "function") return configuredIssuer();
    return configuredIssuer ?? requestBase ?? "http://127.0.0.1";
  };
  const engine = new IdentityEngine({
    clock,
    key: options.signingKey ?? defaultSigningKey(),
    issuer,
    organisations: options.organisations,
    lifetimes: {
      accessTokenTtlMs: options.accessTokenTtlMs ?? 30 * minute,
      refreshTokenTtlMs: options.refreshTokenTtlMs ?? 60 * 24 * 60 * minute,
      graceMs: options.graceMs ?? 30 * minute,
      // Codes live five minutes: https://developer.xero.com/documentation/guides/oauth2/auth-flow/#3-exchange-the-code
      codeTtlMs: 5 * minute,
      idTokenTtlMs: 5 * minute,
    },
  });
  const user = newUser(options.user?.userId, options.user?.email ?? "sandbox.user@example.com");
  engine.users.set(user.userId, user);
  const pending = new Map<string, PendingAuthorization>();
  const stats: XeroIdentityStats = {
    authorizePages: 0,
    consentsAllowed: 0,
    consentsDenied: 0,
    codeExchanges: 0,
    refreshRequests: 0,
    refreshRotations: 0,
    graceReplays: 0,
    tokenErrors: {},
    revocations: 0,
    connectionsListed: 0,
    connectionsDeleted: 0,
  };

  const registerApp = (registration: XeroAppRegistration): RegisteredApp => {
    const app = toRegisteredApp(registration);
    // The client secret joins the test suite's log scan (sandbox/src/issued-secrets.ts).
    rememberIssuedSecret(app.clientSecret);
    engine.apps.set(app.clientId, app);
    return app;
  };
  for (const registration of options.apps ?? []) registerApp(registration);

  // ---- GET /identity/connect/authorize ----

  const consentView = (requestId: string, request: PendingAuthorization, error?: string): string => {
    const app = engine.apps.get(request.clientId);
    const connected = new Set(engine.connectionsOf(user.userId, request.clientId).map((c) => c.tenantId));
    return renderConsentPage({
      requestId,
      formAction: identityPaths.authorize,
      appName: app?.name ?? request.clientId,
      userEmail: user.email,
      scopes: request.scopes.map((scope) => ({ scope, words: xeroScopes[scope]?.words ?? scope })),
      needsOrganisation: needsOrganisation(request.scopes),
      organisations: engine
        .organisations()
        .map((organisation) => ({ ...organisation, connected: connected.has(organisation.tenantId) })),
      ...(error === undefined ? {} : { error }),
    });
  };

  const authorizeGet = (url: URL, res: ServerResponse): void => {
    stats.authorizePages += 1;
    const query = (name: string): string | undefined => url.searchParams.get(name) ?? undefined;
    const app = engine.apps.get(query("client_id") ?? "");
    // Without a known client and a registered redirect URI there is nowhere safe to send the user: Xero shows an error.
    if (app === undefined) {
      sendHtml(res, 400, renderErrorPage("unauthorized_client", "Unknown client or client not enabled"));
      return;
    }
    const redirectUri = query("redirect_uri");
    if (redirectUri === undefined || !app.redirectUris.includes(redirectUri)) {
      sendHtml(res, 400, renderErrorPage("invalid_request", "Invalid redirect_uri"));
      return;
    }
    const state = query("state");
    const fail = (error: string, description: string): void =>
      redirect(res, withParams(redirectUri, { error, error_description: description, state }));
    if (query("response_type") !== "code") return fail("unsupported_response_type", "response_type must be code");
    const scopes = parseScopes(query("scope"), { allowBroadScopes: app.allowBroadScopes });
    if (!scopes.ok) return fail("invalid_scope", scopes.reason);
    const codeChallenge = query("code_challenge");
    const method = query("code_challenge_method") ?? "plain";
    if (codeChallenge !== undefined) {
      if (method !== "S256" && method !== "plain")
        return fail("invalid_request", "code_challenge_method must be S256 or plain");
      if (!isValidChallenge(codeChallenge)) return fail("invalid_request", "code_challenge is malformed");
    } else if (app.clientSecret === undefined) {
      return fail("invalid_request", "code challenge required");
    }
    const nonce = query("nonce");
    const requestId = randomBytes(24).toString("base64url");
    const request: PendingAuthorization = {
      clientId: app.clientId,
      redirectUri,
      scopes: scopes.scopes,
      ...(state === undefined ? {} : { state }),
      ...(nonce === undefined ? {} : { nonce }),
      ...(codeChallenge === undefined ? {} : { codeChallenge, challengeMethod: method as ChallengeMethod }),
      expiresAt: clock.now() + pendingTtlMs,
    };
    pending.set(requestId, request);
    sendHtml(res, 200, consentView(requestId, request));
  };

  // ---- POST /identity/connect/authorize (the consent form) ----

  const authorizePost = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const form = parseForm(await readBody(req));
    const requestId = form.get("request") ?? "";
    const request = pending.get(requestId);
    if (request === undefined || request.expiresAt <= clock.now()) {
      pending.delete(requestId);
      sendHtml(
        res,
        400,
        renderErrorPage("invalid_request", "This sign-in request has expired. Go back to the app and start again."),
      );
      return;
    }
    if (form.get("decision") !== "allow") {
      pending.delete(requestId);
      stats.consentsDenied += 1;
      redirect(res, withParams(request.redirectUri, { error: "access_denied", state: request.state }));
      return;
    }
    const known = new Set(engine.organisations().map((organisation) => organisation.tenantId));
    const chosen = [...new Set(form.getAll("tenantId"))];
    if (needsOrganisation(request.scopes)) {
      if (chosen.length === 0 || chosen.some((tenantId) => !known.has(tenantId))) {
        sendHtml(res, 200, consentView(requestId, request, "Select at least one organisation to connect."));
        return;
      }
    }
    pending.delete(requestId);
    stats.consentsAllowed += 1;
    const authEventId = randomUUID();
    const tenantIds = needsOrganisation(request.scopes) ? chosen : [];
    engine.connect(user.userId, request.clientId, tenantIds, authEventId);
    const scopes = engine.consent(user.userId, request.clientId, request.scopes);
    const code = engine.issueCode({
      clientId: request.clientId,
      redirectUri: request.redirectUri,
      userId: user.userId,
      scopes,
      authEventId,
      ...(request.codeChallenge === undefined ? {} : { codeChallenge: request.codeChallenge }),
      ...(request.challengeMethod === undefined ? {} : { challengeMethod: request.challengeMethod }),
      ...(request.nonce === undefined ? {} : { nonce: request.nonce }),
    });
    redirect(
      res,
      withParams(request.redirectUri, {
        code,
        scope: scopes.join(" "),
        state: request.state,
        session_state: `${randomBytes(32).toString("base64url")}.${randomBytes(16).toString("hex")}`,
      }),
    );
  };

  // ---- POST /connect/token ----

  const tokenError = (res: ServerResponse, error: TokenError): void => {
    stats.tokenErrors[error] = (stats.tokenErrors[error] ?? 0) + 1;
    // IdentityServer (behind identity.xero.com) answers every token error 400 with {"error": "..."}.
    sendJson(res, 400, { error }, { "cache-control": "no-store", pragma: "no-cache" });
  };

  /** Client authentication: HTTP Basic, or client_id (+ client_secret) in the body; a PKCE app sends only its id. */
  const authenticateClient = (req: IncomingMessage, form: ReturnType<typeof parseForm>): RegisteredApp | undefined => {
    const basic = parseBasicAuth(req.headers.authorization);
    const clientId = basic?.clientId ?? form.get("client_id");
    const secret = basic?.clientSecret ?? form.get("client_secret");
    const app = clientId === undefined ? undefined : engine.apps.get(clientId);
    if (app === undefined) return undefined;
    if (app.clientSecret === undefined) return secret === undefined || secret === "" ? app : undefined;
    return secret !== undefined && safeEqual(secret, app.clientSecret) ? app : undefined;
  };

  const token = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (!isFormRequest(req)) return tokenError(res, "invalid_request");
    const form = parseForm(await readBody(req));
    const grantType = form.get("grant_type");
    if (grantType === "refresh_token") stats.refreshRequests += 1;
    const app = authenticateClient(req, form);
    if (app === undefined) return tokenError(res, "invalid_client");
    let outcome: TokenOutcome;
    if (grantType === "authorization_code") {
      outcome = engine.exchangeCode(app, form.get("code"), form.get("redirect_uri"), form.get("code_verifier"));
      if (outcome.ok) stats.codeExchanges += 1;
    } else if (grantType === "refresh_token") {
      outcome = engine.refresh(app, form.get("refresh_token"));
      if (outcome.ok) {
        if (outcome.replay) stats.graceReplays += 1;
        else stats.refreshRotations += 1;
      }
    } else {
      return tokenError(res, grantType === undefined ? "invalid_request" : "unsupported_grant_type");
    }
    if (!outcome.ok) return tokenError(res, outcome.error);
    sendJson(res, 200, outcome.tokenSet, { "cache-control": "no-store", pragma: "no-cache" });
  };

  // ---- POST /connect/revocation ----

  const revocation = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (!isFormRequest(req)) return tokenError(res, "invalid_request");
    const form = parseForm(await readBody(req));
    const app = authenticateClient(req, form);
    if (app === undefined) return tokenError(res, "invalid_client");
    const value = form.get("token");
    if (value === undefined) return tokenError(res, "invalid_request");
    if (engine.revokeRefreshToken(app, value)) stats.revocations += 1;
    sendEmpty(res, 200);
  };

  // ---- discovery ----

  const discovery = (): Record<string, unknown> => {
    const base = issuer();
    return {
      issuer: base,
      jwks_uri: `${base}${identityPaths.jwks}`,
      authorization_endpoint: `${base}${identityPaths.authorize}`,
      token_endpoint: `${base}${identityPaths.token}`,
      revocation_endpoint: `${base}${identityPaths.revocation}`,
      scopes_supported: Object.keys(xeroScopes),
      claims_supported: [
        "sub",
        "xero_userid",
        "global_session_id",
        "email",
        "preferred_username",
        "given_name",
        "family_name",
        "name",
      ],
      grant_types_supported: ["authorization_code", "refresh_token"],
      response_types_supported: ["code"],
      response_modes_supported: ["query"],
      token_endpoint_auth_methods_supported: ["client_secret_basic", "client_secret_post"],
      subject_types_supported: ["public"],
      id_token_signing_alg_values_supported: ["RS256"],
      code_challenge_methods_supported: ["plain", "S256"],
    };
  };

  // ---- /connections (https://developer.xero.com/documentation/guides/oauth2/tenants/) ----

  const unauthorized = (res: ServerResponse, reason: string): void => {
    // Xero's API answers a missing or bad token with 401 and a problem body; the reason goes in WWW-Authenticate.
    sendJson(
      res,
      401,
      {
        Type: null,
        Title: "Unauthorized",
        Status: 401,
        Detail: "AuthenticationUnsuccessful",
        Instance: randomUUID(),
        Extensions: {},
      },
      { "www-authenticate": `Bearer error="invalid_token", error_description="${reason}"` },
    );
  };

  const serveConnections = (req: IncomingMessage, res: ServerResponse): boolean => {
    const url = requestUrl(req);
    const match = /^\/connections(?:\/([^/]+))?\/?$/i.exec(url.pathname);
    if (match === null) return false;
    const check = engine.validateAccessToken(bearerToken(req));
    if (!check.ok || check.clientId === undefined) {
      unauthorized(res, check.ok ? "unknown" : check.reason);
      return true;
    }
    const id = match[1];
    if (req.method === "GET" && id === undefined) {
      stats.connectionsListed += 1;
      const authEventId = url.searchParams.get("authEventId");
      const list = engine
        .connectionsOf(check.userId, check.clientId)
        .filter((connection) => authEventId === null || connection.authEventId === authEventId)
        .flatMap((connection) => {
          const organisation = engine.organisation(connection.tenantId);
          return organisation === undefined ? [] : [toConnectionJson(connection, organisation)];
        });
      sendJson(res, 200, list);
      return true;
    }
    if (req.method === "DELETE" && id !== undefined) {
      if (!engine.deleteConnection(decodeURIComponent(id), check.userId, check.clientId)) {
        sendJson(res, 404, { Title: "Not Found", Status: 404, Detail: "Resource not found" });
        return true;
      }
      stats.connectionsDeleted += 1;
      sendEmpty(res, 204);
      return true;
    }
    sendEmpty(res, 405, { allow: id === undefined ? "GET" : "DELETE" });
    return true;
  };

  const handleConnections = (req: IncomingMessage, res: ServerResponse): Promise<boolean> => {
    try {
      return Promise.resolve(serveConnections(req, res));
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
  };

  // ---- routing ----

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<boolean> => {
    const url = requestUrl(req);
    const path = url.pathname.toLowerCase().replace(/\/+$/, "");
    const method = req.method ?? "GET";
    const routes: Record<string, Partial<Record<string, () => Promise<void> | void>>> = {
      [identityPaths.authorize]: { GET: () => authorizeGet(url, res), POST: () => authorizePost(req, res) },
      [identityPaths.token]: { POST: () => token(req, res) },
      [identityPaths.revocation]: { POST: () => revocation(req, res) },
      [identityPaths.discovery]: { GET: () => sendJson(res, 200, discovery()) },
      [identityPaths.jwks]: { GET: () => sendJson(res, 200, engine.jwks()) },
    };
    const route = routes[path];
    if (route === undefined) return false;
    requestBase = `http://${req.headers.host ?? "127.0.0.1"}`;
    const action = route[method];
    if (action === undefined) {
      sendEmpty(res, 405, { allow: Object.keys(route).join(", ") });
      return true;
    }
    try {
      await action();
    } catch (error) {
      if (res.headersSent) res.destroy();
      else if (error instanceof BodyTooLargeError) sendJson(res, 413, { error: "invalid_request" });
      else sendJson(res, 500, { error: "server_error" });
    }
    return true;
  };

  const defaultClientId = (): string => {
    const first = engine.apps.keys().next();
    if (first.done === true) throw new Error("register an app before issuing tokens");
    return first.value;
  };

  const issueTokenSet = (request: IssueTokenSetOptions): TokenSet & { authEventId: string } => {
    const clientId = request.clientId ?? defaultClientId();
    if (!engine.apps.has(clientId)) throw new Error(`unknown client ${clientId}`);
    const unknown = request.tenantIds.filter((tenantId) => engine.organisation(tenantId) === undefined);
    if (unknown.length > 0) throw new Error(`no organisation with tenant id ${unknown.join(", ")}`);
    const userId = request.userId ?? user.userId;
    if (!engine.users.has(userId)) engine.users.set(userId, newUser(userId));
    const authEventId = randomUUID();
    engine.connect(userId, clientId, request.tenantIds, authEventId);
    const grant = engine.createGrant({
      clientId,
      userId,
      scopes: [...(request.scopes ?? defaultServiceScopes)],
      authEventId,
      authTime: clock.now(),
    });
    return { ...engine.mintTokenSet(grant, true).tokenSet, authEventId };
  };

  return {
    handle,
    handleConnections,
    authority: {
      validateAccessToken: (value) => {
        const check = engine.validateAccessToken(value);
        return check.ok ? { ok: true, userId: check.userId, tenantIds: check.tenantIds, scopes: check.scopes } : check;
      },
    },
    registerApp,
    issueTokenSet,
    revokeGrant: (value) => engine.revokeGrantOf(value),
    revokeGrantsForTenant: (tenantId) => engine.revokeGrantsForTenant(tenantId),
    revokeConnection: (tenantId) => engine.removeTenantConnections(tenantId),
    connectedTenantIds: (clientId) => engine.connectedTenantIds(clientId),
    setIssuer: (url) => {
      configuredIssuer = url.replace(/\/+$/, "");
    },
    user,
    stats: () => ({ ...stats, tokenErrors: { ...stats.tokenErrors } }),
  };
}
