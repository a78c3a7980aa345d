import { randomBytes, randomUUID, timingSafeEqual } from "node:crypto";
import type { Clock } from "../../clock";
import { rememberIssuedSecret } from "../../issued-secrets";
import { signJwt, toAtHash, toJwks, verifyJwt, type SigningKey } from "./jwt";
import { verifyCodeVerifier, type ChallengeMethod } from "./pkce";
import type { TokenCheck } from "./token-authority";

// The identity emulator's state and rules, without HTTP: apps, users, connections, authorisation codes, grants
// (one per code exchange: its refresh-token family and access tokens), and the token rules Xero documents:
// https://developer.xero.com/documentation/guides/oauth2/auth-flow/
// https://developer.xero.com/faq/oauth2 (lifetimes, the 30-minute grace for a refresh token already used)

export interface RegisteredApp {
  readonly clientId: string;
  /** Absent for a PKCE app ("Auth Code with PKCE" grant type): it has no secret and must send a code challenge. */
  readonly clientSecret?: string;
  readonly redirectUris: readonly string[];
  readonly name: string;
  /** Apps created before 2 March 2026 may still ask for accounting.transactions; new apps may not. */
  readonly allowBroadScopes: boolean;
}

export interface XeroUser {
  readonly userId: string;
  /** Xero's `sub` is a 32-character id distinct from xero_userid. */
  readonly sub: string;
  readonly email: string;
  readonly givenName: string;
  readonly familyName: string;
}

export interface Organisation {
  readonly tenantId: string;
  readonly name: string;
}

export interface Connection {
  readonly id: string;
  readonly userId: string;
  readonly clientId: string;
  readonly tenantId: string;
  authEventId: string;
  readonly createdAt: number;
  updatedAt: number;
}

/** The body of a successful token response, as Xero sends it. */
export interface TokenSet {
  readonly access_token: string;
  readonly expires_in: number;
  readonly token_type: "Bearer";
  readonly refresh_token?: string;
  readonly id_token?: string;
  readonly scope: string;
}

interface Grant {
  readonly id: string;
  readonly clientId: string;
  readonly userId: string;
  readonly scopes: readonly string[];
  readonly authEventId: string;
  readonly authTime: number;
  readonly sessionId: string;
  readonly nonce?: string;
  revoked: boolean;
}

interface RefreshRecord {
  readonly grantId: string;
  readonly expiresAt: number;
  /** Set when the token was used; the set it produced is replayed during the grace period. */
  rotatedAt?: number;
  successor?: TokenSet;
  successorAccessExpiresAt?: number;
}

interface AccessRecord {
  readonly grantId: string;
  readonly expiresAt: number;
}

interface AuthCode {
  readonly clientId: string;
  readonly redirectUri: string;
  readonly userId: string;
  readonly scopes: readonly string[];
  readonly authEventId: string;
  readonly authTime: number;
  readonly codeChallenge?: string;
  readonly challengeMethod?: ChallengeMethod;
  readonly nonce?: string;
  readonly expiresAt: number;
  used: boolean;
}

export interface Lifetimes {
  readonly accessTokenTtlMs: number;
  readonly refreshTokenTtlMs: number;
  readonly graceMs: number;
  readonly codeTtlMs: number;
  readonly idTokenTtlMs: number;
}

export type TokenError =
  "invalid_request" | "invalid_client" | "invalid_grant" | "unsupported_grant_type" | "unauthorized_client";
export type TokenOutcome = { ok: true; tokenSet: TokenSet; replay: boolean } | { ok: false; error: TokenError };

export interface IdentityEngineOptions {
  readonly clock: Clock;
  readonly key: SigningKey;
  readonly lifetimes: Lifetimes;
  readonly issuer: () => string;
  readonly organisations: () => readonly Organisation[];
}

const randomToken = (): string => randomBytes(32).toString("hex");
const seconds = (ms: number): number => Math.floor(ms / 1000);

export function safeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

export function newClientId(): string {
  return randomBytes(16).toString("hex").toUpperCase();
}

export function newUser(userId: string = randomUUID(), email?: string): XeroUser {
  return {
    userId,
    sub: randomBytes(16).toString("hex"),
    email: email ?? `user-${userId.slice(0, 8)}@example.com`,
    givenName: "Sandbox",
    familyName: "User",
  };
}

export class IdentityEngine {
  readonly apps = new Map<string, RegisteredApp>();
  readonly users = new Map<string, XeroUser>();
  private readonly connections = new Map<string, Connection>();
  private readonly codes = new Map<string, AuthCode>();
  private readonly grants = new Map<string, Grant>();
  private readonly refreshTokens = new Map<string, RefreshRecord>();
  private readonly accessTokens = new Map<string, AccessRecord>();
  /** Scopes each user has consented to per app: they add up across flows until the grant is revoked. */
  private readonly consents = new Map<string, string[]>();

  constructor(private readonly options: IdentityEngineOptions) {}

  jwks(): ReturnType<typeof toJwks> {
    return toJwks(this.options.key);
  }

  private now(): number {
    return this.options.clock.now();
  }

  organisations(): readonly Organisation[] {
    return this.options.organisations();
  }

  organisation(tenantId: string): Organisation | undefined {
    return this.organisations().find((organisation) => organisation.tenantId === tenantId);
  }

  // ---- connections: one per user, app and tenant, as GET /connections lists them ----

  connectionsOf(userId: string, clientId: string): Connection[] {
    return [...this.connections.values()]
      .filter((connection) => connection.userId === userId && connection.clientId === clientId)
      .filter((connection) => this.organisation(connection.tenantId) !== undefined)
      .sort((a, b) => a.createdAt - b.createdAt);
  }

  /** Consent connects the chosen tenants; reconnecting one keeps its id and creation date and moves updatedDateUtc. */
  connect(userId: string, clientId: string, tenantIds: readonly string[], authEventId: string): void {
    const now = this.now();
    for (const tenantId of tenantIds) {
      const existing = [...this.connections.values()].find(
        (connection) =>
          connection.userId === userId && connection.clientId === clientId && connection.tenantId === tenantId,
      );
      if (existing !== undefined) {
        existing.authEventId = authEventId;
        existing.updatedAt = now;
      } else {
        const id = randomUUID();
        this.connections.set(id, { id, userId, clientId, tenantId, authEventId, createdAt: now, updatedAt: now });
      }
    }
  }

  deleteConnection(id: string, userId: string, clientId: string): boolean {
    const connection = this.connections.get(id);
    if (connection === undefined || connection.userId !== userId || connection.clientId !== clientId) return false;
    this.connections.delete(id);
    return true;
  }

  /** The tenants connected to the app by any user: the organisations Xero sends the app's webhooks for. */
  connectedTenantIds(clientId?: string): string[] {
    const tenantIds = [...this.connections.values()]
      .filter((connection) => clientId === undefined || connection.clientId === clientId)
      .map((connection) => connection.tenantId);
    return [...new Set(tenantIds)];
  }

  /** Fault injection: the organisation removes the app (Settings › Connected Apps › Remove) for every user. */
  removeTenantConnections(tenantId: string): number {
    let removed = 0;
    for (const [id, connection] of this.connections) {
      if (connection.tenantId === tenantId) {
        this.connections.delete(id);
        removed += 1;
      }
    }
    return removed;
  }

  private removeUserAppConnections(userId: string, clientId: string): void {
    for (const [id, connection] of this.connections) {
      if (connection.userId === userId && connection.clientId === clientId) this.connections.delete(id);
    }
  }

  /**
   * Records consent and returns every scope the user has now granted the app: "each subsequent time your app sends a
   * user through the flow, any new scopes will be added to previously consented scopes" —
   * https://developer.xero.com/documentation/guides/oauth2/scopes/
   */
  consent(userId: string, clientId: string, scopes: readonly string[]): readonly string[] {
    const key = `${userId} ${clientId}`;
    const granted = [...new Set([...(this.consents.get(key) ?? []), ...scopes])];
    this.consents.set(key, granted);
    return granted;
  }

  // ---- authorisation codes ----

  issueCode(code: Omit<AuthCode, "expiresAt" | "used" | "authTime">): string {
    const value = randomBytes(32).toString("base64url");
    rememberIssuedSecret(value);
    this.codes.set(value, {
      ...code,
      authTime: this.now(),
      expiresAt: this.now() + this.options.lifetimes.codeTtlMs,
      used: false,
    });
    return value;
  }

  /** authorization_code grant: single use, short-lived, bound to the client, the redirect URI and the PKCE challenge. */
  exchangeCode(
    app: RegisteredApp,
    code: string | undefined,
    redirectUri: string | undefined,
    verifier: string | undefined,
  ): TokenOutcome {
    if (code === undefined || redirectUri === undefined) return { ok: false, error: "invalid_request" };
    const record = this.codes.get(code);
    if (record === undefined || record.used || record.expiresAt <= this.now())
      return { ok: false, error: "invalid_grant" };
    if (record.clientId !== app.clientId) return { ok: false, error: "invalid_grant" };
    // The code is spent by its client's first attempt, right or wrong (no guessing verifiers against one code).
    record.used = true;
    if (record.redirectUri !== redirectUri) return { ok: false, error: "invalid_grant" };
    if (record.codeChallenge !== undefined) {
      if (!verifyCodeVerifier(verifier, record.codeChallenge, record.challengeMethod ?? "plain")) {
        return { ok: false, error: "invalid_grant" };
      }
    } else if (app.clientSecret === undefined) {
      return { ok: false, error: "invalid_grant" };
    }
    const grant = this.createGrant({
      clientId: record.clientId,
      userId: record.userId,
      scopes: record.scopes,
      authEventId: record.authEventId,
      authTime: record.authTime,
      ...(record.nonce === undefined ? {} : { nonce: record.nonce }),
    });
    return { ok: true, tokenSet: this.mintTokenSet(grant, true).tokenSet, replay: false };
  }

  // ---- grants and tokens ----

  createGrant(grant: Omit<Grant, "id" | "revoked" | "sessionId">): Grant {
    const created: Grant = { ...grant, id: randomUUID(), sessionId: randomBytes(16).toString("hex"), revoked: false };
    this.grants.set(created.id, created);
    return created;
  }

  /** Mints an access token (and a refresh token with offline_access, an id_token with openid) for a grant. */
  mintTokenSet(grant: Grant, withIdToken: boolean): { tokenSet: TokenSet; accessExpiresAt: number } {
    const now = this.now();
    const { lifetimes } = this.options;
    const user = this.users.get(grant.userId) ?? newUser(grant.userId);
    const issuer = this.options.issuer();
    const jti = randomBytes(16).toString("hex");
    const accessExpiresAt = now + lifetimes.accessTokenTtlMs;
    const accessToken = signJwt(this.options.key, {
      nbf: seconds(now),
      exp: seconds(accessExpiresAt),
      iss: issuer,
      aud: `${issuer}/resources`,
      client_id: grant.clientId,
      sub: user.sub,
      auth_time: seconds(grant.authTime),
      xero_userid: user.userId,
      global_session_id: grant.sessionId,
      sid: grant.sessionId,
      jti,
      authentication_event_id: grant.authEventId,
      scope: [...grant.scopes],
    });
    this.accessTokens.set(jti, { grantId: grant.id, expiresAt: accessExpiresAt });

    let refreshToken: string | undefined;
    if (grant.scopes.includes("offline_access")) {
      refreshToken = randomToken();
      this.refreshTokens.set(refreshToken, { grantId: grant.id, expiresAt: now + lifetimes.refreshTokenTtlMs });
    }

    let idToken: string | undefined;
    if (withIdToken && grant.scopes.includes("openid")) {
      idToken = signJwt(this.options.key, {
        nbf: seconds(now),
        exp: seconds(now + lifetimes.idTokenTtlMs),
        iss: issuer,
        aud: grant.clientId,
        iat: seconds(now),
        at_hash: toAtHash(accessToken),
        sid: grant.sessionId,
        sub: user.sub,
        auth_time: seconds(grant.authTime),
        ...(grant.nonce === undefined ? {} : { nonce: grant.nonce }),
        xero_userid: user.userId,
        global_session_id: grant.sessionId,
        ...(grant.scopes.includes("email") ? { preferred_username: user.email, email: user.email } : {}),
        ...(grant.scopes.includes("profile")
          ? { given_name: user.givenName, family_name: user.familyName, name: `${user.givenName} ${user.familyName}` }
          : {}),
      });
    }

    // The test suite's log scan looks for every token minted here (sandbox/src/issued-secrets.ts).
    rememberIssuedSecret(accessToken, refreshToken, idToken);
    const tokenSet: TokenSet = {
      ...(idToken === undefined ? {} : { id_token: idToken }),
      access_token: accessToken,
      expires_in: seconds(lifetimes.accessTokenTtlMs),
      token_type: "Bearer",
      ...(refreshToken === undefined ? {} : { refresh_token: refreshToken }),
      scope: grant.scopes.join(" "),
    };
    return { tokenSet, accessExpiresAt };
  }

  /**
   * refresh_token grant. Each use rotates the refresh token; a token already used still answers for the grace period
   * with the same set its first use produced (for a client that lost the answer), then invalid_grant.
   */
  refresh(app: RegisteredApp, refreshToken: string | undefined): TokenOutcome {
    if (refreshToken === undefined) return { ok: false, error: "invalid_request" };
    const record = this.refreshTokens.get(refreshToken);
    if (record === undefined) return { ok: false, error: "invalid_grant" };
    const grant = this.grants.get(record.grantId);
    if (grant === undefined || grant.revoked || grant.clientId !== app.clientId)
      return { ok: false, error: "invalid_grant" };
    const now = this.now();
    if (record.rotatedAt !== undefined) {
      if (now - record.rotatedAt >= this.options.lifetimes.graceMs || record.successor === undefined) {
        return { ok: false, error: "invalid_grant" };
      }
      const remaining = Math.max(0, seconds((record.successorAccessExpiresAt ?? now) - now));
      return { ok: true, tokenSet: { ...record.successor, expires_in: remaining }, replay: true };
    }
    if (record.expiresAt <= now) return { ok: false, error: "invalid_grant" };
    const minted = this.mintTokenSet(grant, true);
    record.rotatedAt = now;
    record.successor = minted.tokenSet;
    record.successorAccessExpiresAt = minted.accessExpiresAt;
    return { ok: true, tokenSet: minted.tokenSet, replay: false };
  }

  /** Finds the grant an access or refresh token belongs to. */
  private grantOf(token: string): Grant | undefined {
    const refresh = this.refreshTokens.get(token);
    if (refresh !== undefined) return this.grants.get(refresh.grantId);
    const check = verifyJwt(this.options.key, token);
    if (!check.ok || typeof check.claims["jti"] !== "string") return undefined;
    const access = this.accessTokens.get(check.claims["jti"]);
    return access === undefined ? undefined : this.grants.get(access.grantId);
  }

  /**
   * Revocation endpoint: revoking a refresh token kills its grant and removes the user's connections to the app.
   * https://developer.xero.com/documentation/guides/oauth2/auth-flow/#revoking-tokens
   * Returns false when the token is unknown or belongs to another client (answered 200 all the same, RFC 7009 §2.2).
   */
  revokeRefreshToken(app: RegisteredApp, token: string): boolean {
    const record = this.refreshTokens.get(token);
    const grant = record === undefined ? undefined : this.grants.get(record.grantId);
    if (grant === undefined || grant.clientId !== app.clientId) return false;
    grant.revoked = true;
    this.removeUserAppConnections(grant.userId, grant.clientId);
    this.consents.delete(`${grant.userId} ${grant.clientId}`);
    return true;
  }

  /** Fault injection: the grant behind a token (access or refresh) dies; its tokens become invalid_grant / revoked. */
  revokeGrantOf(token: string): boolean {
    const grant = this.grantOf(token);
    if (grant === undefined || grant.revoked) return false;
    grant.revoked = true;
    return true;
  }

  /** Fault injection: every live grant that can reach the tenant dies (the user lost access, or disconnected the app). */
  revokeGrantsForTenant(tenantId: string): number {
    const reach = new Set(
      [...this.connections.values()]
        .filter((connection) => connection.tenantId === tenantId)
        .map((c) => `${c.userId} ${c.clientId}`),
    );
    let revoked = 0;
    for (const grant of this.grants.values()) {
      if (!grant.revoked && reach.has(`${grant.userId} ${grant.clientId}`)) {
        grant.revoked = true;
        revoked += 1;
      }
    }
    return revoked;
  }

  /** What the Accounting API asks about a bearer token. */
  validateAccessToken(raw: string | undefined): TokenCheck & { clientId?: string } {
    const token = raw?.replace(/^Bearer\s+/i, "").trim();
    if (token === undefined || token.length === 0) return { ok: false, reason: "missing" };
    const check = verifyJwt(this.options.key, token);
    if (!check.ok) return { ok: false, reason: check.reason === "malformed" ? "malformed" : "unknown" };
    const { jti, exp, nbf } = check.claims;
    if (typeof jti !== "string" || typeof exp !== "number") return { ok: false, reason: "malformed" };
    const record = this.accessTokens.get(jti);
    const grant = record === undefined ? undefined : this.grants.get(record.grantId);
    if (record === undefined || grant === undefined) return { ok: false, reason: "unknown" };
    const now = this.now();
    // A token is not valid before its nbf (only reachable when a test moves the clock backwards).
    if (typeof nbf === "number" && nbf * 1000 > now) return { ok: false, reason: "unknown" };
    if (record.expiresAt <= now) return { ok: false, reason: "expired" };
    if (grant.revoked) return { ok: false, reason: "revoked" };
    return {
      ok: true,
      userId: grant.userId,
      tenantIds: this.connectionsOf(grant.userId, grant.clientId).map((connection) => connection.tenantId),
      scopes: grant.scopes,
      clientId: grant.clientId,
    };
  }
}

/** Xero writes connection dates with seven fractional digits and no zone: 2019-12-07T18:46:19.5165400. */
export function toXeroConnectionDate(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 23)}0000`;
}

export function toConnectionJson(connection: Connection, organisation: Organisation): Record<string, string> {
  return {
    id: connection.id,
    authEventId: connection.authEventId,
    tenantId: connection.tenantId,
    tenantType: "ORGANISATION",
    tenantName: organisation.name,
    createdDateUtc: toXeroConnectionDate(connection.createdAt),
    updatedDateUtc: toXeroConnectionDate(connection.updatedAt),
  };
}
