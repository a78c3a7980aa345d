// The Microsoft Entra ID stand-in: client-credentials tokens for an organisation's application user, and the check
// every Web API request passes. Error bodies follow Entra's (AADSTS codes).
// https://learn.microsoft.com/entra/identity-platform/v2-oauth2-client-creds-grant-flow
// https://learn.microsoft.com/entra/identity-platform/reference-error-codes
import { randomBytes, randomUUID } from "node:crypto";
import type { Clock } from "../clock";
import { rememberIssuedSecret } from "../issued-secrets";

export const accessTokenLifetimeSeconds = 3599;

export interface TokenClaims {
  org: string;
  /** The client id the token was issued to: which application user the Web API acts as. */
  appId: string;
  expiresAt: number;
  /** A delegated token's user (their Entra object id): the Web API acts as that user, not as an application user. */
  userObjectId?: string;
}

export interface AppRegistration {
  org: string;
  tenantId: string;
  clientId: string;
  clientSecret: string;
  /** `<org root>` — the scope a token must ask for is `<org root>/.default`. */
  resource: string;
}

const base64Url = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString("base64url");

/** Entra's timestamp in error descriptions: `2019-09-24 18:34:26Z`. */
export const toEntraTimestamp = (ms: number): string =>
  new Date(ms)
    .toISOString()
    .replace("T", " ")
    .replace(/\.\d+Z$/, "Z");

export const unknownTenantDescription = (tenantId: string): string =>
  `Tenant '${tenantId}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.`;

export const unknownClientDescription = (clientId: string, tenantId: string): string =>
  `Application with identifier '${clientId}' was not found in the directory '${tenantId}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.`;

export const invalidSecretDescription = (clientId: string): string =>
  `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${clientId}'.`;

export interface TokenErrorBody {
  error: string;
  error_description: string;
  error_codes: number[];
  timestamp: string;
  trace_id: string;
  correlation_id: string;
  error_uri: string;
}

export class TokenAuthority {
  private readonly tokens = new Map<string, TokenClaims>();

  constructor(private readonly clock: Clock) {}

  /** A JWT-shaped bearer token (its signature is random: the emulator checks tokens by lookup). */
  issue(registration: AppRegistration): { token: string; expiresIn: number } {
    return this.mint(
      {
        org: registration.org,
        tenantId: registration.tenantId,
        clientId: registration.clientId,
        resource: registration.resource,
      },
      {},
    );
  }

  /**
   * A delegated access token (authorization code flow): the app acting for a signed-in user in one organisation.
   * https://learn.microsoft.com/entra/identity-platform/access-tokens
   */
  issueDelegated(grant: { org: string; tenantId: string; clientId: string; resource: string; objectId: string }): {
    token: string;
    expiresIn: number;
  } {
    return this.mint(grant, { userObjectId: grant.objectId });
  }

  /** An app token (no user) or a delegated one (`userObjectId`: its `oid` and `scp`), recorded for lookup. */
  private mint(
    grant: { org: string; tenantId: string; clientId: string; resource: string },
    user: { userObjectId?: string },
  ): { token: string; expiresIn: number } {
    const now = this.clock.now();
    const expiresAt = now + accessTokenLifetimeSeconds * 1000;
    const header = base64Url({ typ: "JWT", alg: "RS256", kid: "sandbox" });
    const payload = base64Url({
      aud: grant.resource,
      iss: `https://sts.windows.net/${grant.tenantId}/`,
      iat: Math.floor(now / 1000),
      nbf: Math.floor(now / 1000),
      exp: Math.floor(expiresAt / 1000),
      appid: grant.clientId,
      tid: grant.tenantId,
      oid: user.userObjectId ?? randomUUID(),
      ...(user.userObjectId === undefined ? {} : { scp: "user_impersonation" }),
    });
    const token = `${header}.${payload}.${randomBytes(32).toString("base64url")}`;
    rememberIssuedSecret(token);
    this.tokens.set(token, { org: grant.org, appId: grant.clientId, expiresAt, ...user });
    return { token, expiresIn: accessTokenLifetimeSeconds };
  }

  /** The claims of a token issued for this org that has not expired, else undefined. */
  claimsFor(token: string | undefined, org: string): TokenClaims | undefined {
    if (token === undefined) return undefined;
    const claims = this.tokens.get(token);
    return claims !== undefined && claims.org === org && claims.expiresAt > this.clock.now() ? claims : undefined;
  }

  /** True when the token was issued for this org and has not expired. */
  validate(token: string | undefined, org: string): boolean {
    return this.claimsFor(token, org) !== undefined;
  }

  tokenError(
    status: number,
    error: string,
    code: number,
    description: string,
  ): { status: number; body: TokenErrorBody } {
    const traceId = randomUUID();
    const correlationId = randomUUID();
    const timestamp = toEntraTimestamp(this.clock.now());
    return {
      status,
      body: {
        error,
        error_description: `AADSTS${code}: ${description} Trace ID: ${traceId} Correlation ID: ${correlationId} Timestamp: ${timestamp}`,
        error_codes: [code],
        timestamp,
        trace_id: traceId,
        correlation_id: correlationId,
        error_uri: `https://login.microsoftonline.com/error?code=${code}`,
      },
    };
  }

  /** POST /<tenant>/oauth2/v2.0/token with a form body. */
  exchange(
    tenantId: string,
    form: URLSearchParams,
    registrations: AppRegistration[],
  ): { status: number; body: Record<string, unknown> | TokenErrorBody } {
    const inTenant = registrations.filter((registration) => registration.tenantId === tenantId);
    if (inTenant.length === 0) {
      return this.tokenError(400, "invalid_request", 90002, unknownTenantDescription(tenantId));
    }
    const grantType = form.get("grant_type");
    if (grantType !== "client_credentials") {
      return this.tokenError(
        400,
        "unsupported_grant_type",
        70003,
        `The app requested an unsupported grant type '${grantType ?? ""}'.`,
      );
    }
    const clientId = form.get("client_id") ?? "";
    // A multi-tenant app has one registration per organisation of each tenant that holds its service principal.
    const forClient = inTenant.filter((candidate) => candidate.clientId === clientId);
    const registration = forClient[0];
    if (registration === undefined) {
      return this.tokenError(400, "unauthorized_client", 700016, unknownClientDescription(clientId, tenantId));
    }
    if (form.get("client_secret") !== registration.clientSecret) {
      return this.tokenError(401, "invalid_client", 7000215, invalidSecretDescription(clientId));
    }
    const scope = form.get("scope") ?? "";
    const target = forClient.find(
      (candidate) => scope === `${candidate.resource}/.default` || scope === `${candidate.resource}//.default`,
    );
    if (target === undefined) {
      return this.tokenError(
        400,
        "invalid_resource",
        500011,
        `The resource principal named ${scope.replace(/\/\.default$/, "")} was not found in the tenant named ${tenantId}. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant.`,
      );
    }
    const { token, expiresIn } = this.issue(target);
    return {
      status: 200,
      body: { token_type: "Bearer", expires_in: expiresIn, ext_expires_in: expiresIn, access_token: token },
    };
  }
}
