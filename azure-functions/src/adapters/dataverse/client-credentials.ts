// Client-credentials tokens for the Web API, cached until shortly before they expire. Concurrent callers share one
// request. Endpoint: `<authority>/<tenant>/oauth2/v2.0/token` with scope `<org root>/.default`:
// https://learn.microsoft.com/entra/identity-platform/v2-oauth2-client-creds-grant-flow#get-a-token
// (the sandbox's Entra stand-in has the same shape).
import { z } from "zod";
import { SyncError, fromHttpFailure, toSyncError } from "../../core/errors";
import type { Clock } from "../../core/clock";

export interface AccessTokenSource {
  getToken(): Promise<string>;
  /** Forget the cached token (after a 401). */
  invalidate(): void;
  /** Token requests sent so far. */
  readonly requests: number;
}

export interface ClientCredentials {
  authorityUrl: string;
  tenantId: string;
  clientId: string;
  clientSecret: string;
  /** The org root, e.g. https://contoso.crm.dynamics.com; the scope is `<resource>/.default`. */
  resource: string;
}

const tokenAnswer = z.object({ access_token: z.string().min(1), expires_in: z.coerce.number().positive(), token_type: z.string().optional() });

/** Renew this long before expiry, so a request never starts with a token about to lapse. */
const renewalMarginMs = 5 * 60_000;

export function toTokenEndpoint(authorityUrl: string, tenantId: string): string {
  if (!/^[A-Za-z0-9.-]+$/.test(tenantId)) throw new SyncError("the tenant id is not valid", { kind: "config", details: { source: "entra" } });
  return `${authorityUrl.replace(/\/+$/, "")}/${tenantId}/oauth2/v2.0/token`;
}

export function createClientCredentialsTokenSource(
  credentials: ClientCredentials,
  dependencies: { fetch?: typeof fetch; clock: Clock; onToken?: (token: string) => void },
): AccessTokenSource {
  const fetcher = dependencies.fetch ?? fetch;
  let cached: { token: string; renewAt: number } | undefined;
  let inFlight: Promise<string> | undefined;
  let requests = 0;

  const acquire = async (): Promise<string> => {
    requests++;
    const form = new URLSearchParams({
      grant_type: "client_credentials",
      client_id: credentials.clientId,
      client_secret: credentials.clientSecret,
      scope: `${credentials.resource.replace(/\/+$/, "")}/.default`,
    });
    let response: Response;
    try {
      response = await fetcher(toTokenEndpoint(credentials.authorityUrl, credentials.tenantId), {
        method: "POST",
        headers: { "Content-Type": "application/x-www-form-urlencoded", Accept: "application/json" },
        body: form.toString(),
        signal: AbortSignal.timeout(30_000),
      });
    } catch (error) {
      throw toSyncError(error, "entra");
    }
    const text = await response.text();
    if (!response.ok) throw fromHttpFailure({ source: "entra", status: response.status, headers: response.headers, body: text, nowMs: dependencies.clock.now() });
    let parsed: z.infer<typeof tokenAnswer>;
    try {
      parsed = tokenAnswer.parse(JSON.parse(text));
    } catch {
      throw new SyncError("the token endpoint answered without a usable token", { kind: "transient", details: { source: "entra", status: response.status } });
    }
    dependencies.onToken?.(parsed.access_token);
    cached = { token: parsed.access_token, renewAt: dependencies.clock.now() + Math.max(0, parsed.expires_in * 1000 - renewalMarginMs) };
    return parsed.access_token;
  };

  return {
    async getToken() {
      if (cached !== undefined && dependencies.clock.now() < cached.renewAt) return cached.token;
      inFlight ??= acquire().finally(() => {
        inFlight = undefined;
      });
      return inFlight;
    },
    invalidate() {
      cached = undefined;
    },
    get requests() {
      return requests;
    },
  };
}
