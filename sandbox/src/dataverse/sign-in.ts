// The Microsoft identity platform's OpenID Connect sign-in for the emulator's tenants: the authorization code flow
// with PKCE (`/<tenant>/oauth2/v2.0/authorize`, `grant_type=authorization_code` at the token endpoint), RS256-signed
// ID tokens and the tenant's signing keys (`/<tenant>/discovery/v2.0/keys`).
// https://learn.microsoft.com/entra/identity-platform/v2-oauth2-auth-code-flow
// https://learn.microsoft.com/entra/identity-platform/id-tokens
// https://learn.microsoft.com/entra/identity-platform/v2-protocols-oidc#find-your-apps-openid-configuration-document-uri
// Requests Entra cannot trust (unknown app, unregistered redirect URI, unknown tenant) end on an error page and never
// redirect, as at the admin consent endpoint.
import { createHash, createPrivateKey, generateKeyPairSync, randomBytes, randomUUID, sign } from "node:crypto";
import type { KeyObject } from "node:crypto";
import type { Clock } from "../clock";
import { rememberIssuedSecret } from "../issued-secrets";
import type { ConsentAnswer } from "./admin-consent";
import { errorPage, escapeHtml } from "./admin-consent";
import type { TokenErrorBody } from "./auth";
import {
  accessTokenLifetimeSeconds,
  invalidSecretDescription,
  unknownClientDescription,
  unknownTenantDescription,
} from "./auth";

/** An Entra user of a tenant (who may or may not be a user of the tenant's Dataverse organisations). */
export interface TenantUser {
  objectId: string;
  name: string;
  email: string;
}

export interface SignInApp {
  displayName: string;
  redirectUris: readonly string[];
  /** Absent for an app that cannot redeem codes (an org's own registration has no redirect URI anyway). */
  clientSecret?: string;
}

/** What the sign-in endpoints need from the emulator. */
export interface SignInDirectory {
  hasTenant(tenantId: string): boolean;
  users(tenantId: string): TenantUser[];
  app(clientId: string): SignInApp | undefined;
  /** The organisation whose root is `resource` in the tenant, if any. */
  orgFor(tenantId: string, resource: string): string | undefined;
  /** A delegated access token for the user in that organisation. */
  issueDelegated(grant: { org: string; tenantId: string; clientId: string; objectId: string }): {
    token: string;
    expiresIn: number;
  };
}

interface PendingCode {
  tenantId: string;
  clientId: string;
  redirectUri: string;
  codeChallenge: string;
  nonce: string | null;
  scope: string;
  org: string;
  user: TenantUser;
  expiresAt: number;
  redeemed: boolean;
}

/** Entra's authorization codes live about 10 minutes. https://learn.microsoft.com/entra/identity-platform/v2-oauth2-auth-code-flow#successful-response */
export const codeLifetimeMs = 10 * 60_000;
export const idTokenLifetimeSeconds = 3600;

const htmlHeaders = {
  "Content-Type": "text/html; charset=utf-8",
  "Cache-Control": "no-store, no-cache",
  "X-Frame-Options": "DENY",
};

const base64UrlJson = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString("base64url");

const redirectTo = (redirectUri: string, query: Array<[string, string | null]>): ConsentAnswer => {
  const url = new URL(redirectUri);
  for (const [name, value] of query) if (value !== null) url.searchParams.append(name, value);
  return { status: 302, headers: { Location: url.toString(), "Cache-Control": "no-store, no-cache" } };
};

const withoutSlash = (text: string): string => text.replace(/\/+$/, "");

/** The resource of a `<root>/user_impersonation` scope (Dataverse's one delegated permission). */
export const toDelegatedResource = (scope: string): string | undefined =>
  scope
    .split(/\s+/)
    .map((item) => /^(.+)\/user_impersonation$/.exec(item)?.[1])
    .find((root): root is string => root !== undefined);

interface AuthorizeRequest {
  clientId: string;
  app: SignInApp;
  redirectUri: string;
  state: string | null;
  scope: string;
  nonce: string | null;
  codeChallenge: string;
  org: string;
}

type Checked = { ok: true; request: AuthorizeRequest } | { ok: false; answer: ConsentAnswer };

export class SignInAuthority {
  private readonly codes = new Map<string, PendingCode>();
  private readonly privateKey: KeyObject;
  private readonly publicJwk: { kty: string; n: string; e: string };
  readonly keyId: string;

  constructor(
    private readonly clock: Clock,
    /** The emulator's base URL (known once it listens): issuers are `<base>/<tenant>/v2.0`. */
    private readonly baseUrl: () => string,
  ) {
    // One signing key for every tenant, as Entra's keys are shared across tenants (each tenant's JWKS lists them).
    const pair = generateKeyPairSync("rsa", { modulusLength: 2048 });
    this.privateKey = createPrivateKey(pair.privateKey.export({ format: "pem", type: "pkcs8" }));
    const jwk = pair.publicKey.export({ format: "jwk" });
    this.publicJwk = { kty: "RSA", n: String(jwk.n), e: String(jwk.e) };
    this.keyId = createHash("sha256").update(this.publicJwk.n).digest("base64url").slice(0, 27);
  }

  issuer(tenantId: string): string {
    return `${this.baseUrl()}/${tenantId}/v2.0`;
  }

  /** `GET /<tenant>/discovery/v2.0/keys`: the keys ID tokens are signed with (kty, use, kid, n, e, issuer). */
  jwks(tenantId: string): { keys: Array<Record<string, string>> } {
    return { keys: [{ ...this.publicJwk, use: "sig", kid: this.keyId, issuer: this.issuer(tenantId) }] };
  }

  /** Signs a JWT with the emulator's key (tests use it to forge nothing: only the emulator holds the key). */
  signJwt(claims: Record<string, unknown>): string {
    const signingInput = `${base64UrlJson({ typ: "JWT", alg: "RS256", kid: this.keyId })}.${base64UrlJson(claims)}`;
    const signature = sign("RSA-SHA256", Buffer.from(signingInput), this.privateKey).toString("base64url");
    return `${signingInput}.${signature}`;
  }

  /** The checks Entra makes before it shows the sign-in page, in its order. */
  private checkRequest(tenantId: string, params: URLSearchParams, directory: SignInDirectory): Checked {
    const missing = (name: string): Checked => ({
      ok: false,
      answer: errorPage(900144, `The request body must contain the following parameter: '${name}'.`, this.clock),
    });
    const clientId = params.get("client_id")?.trim() ?? "";
    if (clientId === "") return missing("client_id");
    const app = directory.app(clientId);
    if (app === undefined)
      return { ok: false, answer: errorPage(700016, unknownClientDescription(clientId, tenantId), this.clock) };
    const redirectUri = params.get("redirect_uri") ?? "";
    if (redirectUri === "") return missing("redirect_uri");
    if (!app.redirectUris.includes(redirectUri)) {
      return {
        ok: false,
        answer: errorPage(
          50011,
          `The redirect URI '${redirectUri}' specified in the request does not match the redirect URIs configured for the application '${clientId}'.`,
          this.clock,
        ),
      };
    }
    // From here on Entra can trust the redirect URI: problems go back to the app as OAuth errors.
    const state = params.get("state");
    const back = (error: string, code: number, text: string): Checked => ({
      ok: false,
      answer: redirectTo(redirectUri, [
        ["error", error],
        ["error_description", `AADSTS${code}: ${text}`],
        ["state", state],
      ]),
    });
    if (params.get("response_type") !== "code")
      return back("unsupported_response_type", 900144, "The emulator supports only response_type=code.");
    const mode = params.get("response_mode");
    if (mode !== null && mode !== "query")
      return back("invalid_request", 900144, "The emulator supports only response_mode=query.");
    const scope = params.get("scope")?.trim() ?? "";
    if (!scope.split(/\s+/).includes("openid"))
      return back("invalid_request", 900144, "The request must ask for the 'openid' scope to sign a user in.");
    const codeChallenge = params.get("code_challenge") ?? "";
    // PKCE is required here (Entra requires it for single-page apps and recommends it for every client).
    if (codeChallenge === "" || params.get("code_challenge_method") !== "S256")
      return back("invalid_request", 501491, "Must have a code_challenge and code_challenge_method=S256.");
    const resource = toDelegatedResource(scope);
    const org = resource === undefined ? undefined : directory.orgFor(tenantId, withoutSlash(resource));
    if (org === undefined)
      return back(
        "invalid_resource",
        500011,
        `The resource principal named ${resource ?? scope} was not found in the tenant named ${tenantId}.`,
      );
    return {
      ok: true,
      request: { clientId, app, redirectUri, state, scope, nonce: params.get("nonce"), codeChallenge, org },
    };
  }

  private accountPage(tenantId: string, request: AuthorizeRequest, users: TenantUser[]): ConsentAnswer {
    const hidden = [
      ["client_id", request.clientId],
      ["response_type", "code"],
      ["redirect_uri", request.redirectUri],
      ["response_mode", "query"],
      ["scope", request.scope],
      ["code_challenge", request.codeChallenge],
      ["code_challenge_method", "S256"],
      ...(request.state === null ? [] : [["state", request.state]]),
      ...(request.nonce === null ? [] : [["nonce", request.nonce]]),
    ]
      .map(([name = "", value = ""]) => `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}">`)
      .join("\n");
    const accounts = users
      .map(
        (user) =>
          `<li><button name="user" value="${escapeHtml(user.objectId)}">${escapeHtml(user.name)} <small>${escapeHtml(user.email)}</small></button></li>`,
      )
      .join("\n");
    const body = `<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>Sign in to your account</title></head>
<body>
<h1>Pick an account</h1>
<p>to continue to <strong id="app-name">${escapeHtml(request.app.displayName)}</strong></p>
<form method="post" action="/${escapeHtml(encodeURIComponent(tenantId))}/oauth2/v2.0/authorize">
${hidden}
<ul id="accounts">${accounts}</ul>
<button name="decision" value="cancel">Cancel</button>
</form>
</body>
</html>
`;
    return { status: 200, headers: htmlHeaders, body };
  }

  /** GET shows "Pick an account"; POST is the choice (`user=<object id>`) or `decision=cancel`. */
  serveAuthorize(method: string, tenantId: string, params: URLSearchParams, directory: SignInDirectory): ConsentAnswer {
    if (!directory.hasTenant(tenantId)) return errorPage(90002, unknownTenantDescription(tenantId), this.clock);
    const checked = this.checkRequest(tenantId, params, directory);
    if (!checked.ok) return checked.answer;
    const { request } = checked;
    const users = directory.users(tenantId);
    if (method === "GET") return this.accountPage(tenantId, request, users);
    if (method !== "POST") return { status: 405, headers: { Allow: "GET, POST" } };
    if (params.get("decision") === "cancel") {
      return redirectTo(request.redirectUri, [
        ["error", "access_denied"],
        ["error_description", "AADSTS65004: User declined to consent to access the app."],
        ["state", request.state],
      ]);
    }
    const user = users.find((candidate) => candidate.objectId === params.get("user"));
    if (user === undefined) return errorPage(50034, "The user account does not exist in the directory.", this.clock);
    const code = `0.${randomBytes(48).toString("base64url")}`;
    rememberIssuedSecret(code);
    this.codes.set(code, {
      tenantId,
      clientId: request.clientId,
      redirectUri: request.redirectUri,
      codeChallenge: request.codeChallenge,
      nonce: request.nonce,
      scope: request.scope,
      org: request.org,
      user,
      expiresAt: this.clock.now() + codeLifetimeMs,
      redeemed: false,
    });
    return redirectTo(request.redirectUri, [
      ["code", code],
      ["state", request.state],
      ["session_state", randomUUID()],
    ]);
  }

  /**
   * `grant_type=authorization_code`: the code once, within 10 minutes, for the client it was issued to, with its
   * secret, the same redirect URI and the PKCE verifier. https://learn.microsoft.com/entra/identity-platform/v2-oauth2-auth-code-flow#redeem-a-code-for-an-access-token
   */
  redeem(
    tenantId: string,
    form: URLSearchParams,
    directory: SignInDirectory,
    tokenError: (
      status: number,
      error: string,
      code: number,
      description: string,
    ) => {
      status: number;
      body: TokenErrorBody;
    },
  ): { status: number; body: Record<string, unknown> | TokenErrorBody } {
    const pending = this.codes.get(form.get("code") ?? "");
    const badCode = () =>
      tokenError(400, "invalid_grant", 70000, "The provided value for the 'code' parameter is not valid.");
    if (pending === undefined || pending.tenantId !== tenantId) return badCode();
    if (pending.redeemed)
      return tokenError(
        400,
        "invalid_grant",
        54005,
        "OAuth2 Authorization code was already redeemed, please retry with a new valid code or use an existing refresh token.",
      );
    // A code is spent by its first redemption attempt, whatever follows.
    pending.redeemed = true;
    if (pending.expiresAt <= this.clock.now())
      return tokenError(
        400,
        "invalid_grant",
        70008,
        "The provided authorization code or refresh token has expired due to inactivity.",
      );
    const clientId = form.get("client_id") ?? "";
    if (clientId !== pending.clientId) return badCode();
    const app = directory.app(clientId);
    if (app?.clientSecret === undefined || form.get("client_secret") !== app.clientSecret)
      return tokenError(401, "invalid_client", 7000215, invalidSecretDescription(clientId));
    if (form.get("redirect_uri") !== pending.redirectUri)
      return tokenError(
        400,
        "invalid_grant",
        500112,
        "The reply address does not match the reply address provided when requesting Authorization code.",
      );
    const verifier = form.get("code_verifier") ?? "";
    if (createHash("sha256").update(verifier, "ascii").digest("base64url") !== pending.codeChallenge)
      return tokenError(
        400,
        "invalid_grant",
        501481,
        "The Code_Verifier does not match the code_challenge supplied in the authorization request.",
      );
    const access = directory.issueDelegated({
      org: pending.org,
      tenantId,
      clientId,
      objectId: pending.user.objectId,
    });
    const now = Math.floor(this.clock.now() / 1000);
    const idToken = this.signJwt({
      ver: "2.0",
      iss: this.issuer(tenantId),
      aud: clientId,
      tid: tenantId,
      oid: pending.user.objectId,
      // Pairwise: the same user has another `sub` in every app.
      sub: createHash("sha256").update(`${pending.user.objectId}/${clientId}`).digest("base64url").slice(0, 43),
      name: pending.user.name,
      preferred_username: pending.user.email,
      ...(pending.nonce === null ? {} : { nonce: pending.nonce }),
      iat: now,
      nbf: now,
      exp: now + idTokenLifetimeSeconds,
    });
    rememberIssuedSecret(idToken);
    return {
      status: 200,
      body: {
        token_type: "Bearer",
        scope: pending.scope,
        expires_in: access.expiresIn,
        ext_expires_in: accessTokenLifetimeSeconds,
        access_token: access.token,
        id_token: idToken,
      },
    };
  }
}
