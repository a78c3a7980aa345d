// Finds the Microsoft Entra tenant of a Dataverse environment from its bearer challenge: a Web API request without a
// token is answered 401 with `WWW-Authenticate: Bearer authorization_uri=https://login.microsoftonline.com/<tenant>/
// oauth2/authorize, resource_id=https://<org>.crm.dynamics.com/`.
// https://learn.microsoft.com/power-apps/developer/data-platform/authenticate-oauth#discover-the-authority-at-run-time
// Only the tenant id is taken from the answer: the authority the service signs in at is always its configured
// DATAVERSE_AUTHORITY_URL, so an answer from a customer-typed URL can never send anyone to another host.
import { toSyncError } from "../../core/errors";
import { isAcceptableEnvironmentUrl } from "./verify-credentials";
import { webApiVersion } from "./web-api-client";

export type TenantDiscovery =
  { ok: true; tenantId: string } | { ok: false; problem: "bad-url" | "not-dataverse" | "unreachable" };

/** A tenant id as Entra issues it: a GUID (what Dataverse's challenge carries). */
const tenantGuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const withoutSlash = (url: string): string => url.replace(/\/+$/, "");

/**
 * The tenant in a Dataverse bearer challenge, or undefined when the header is not one for `environmentUrl`
 * (another resource, no tenant GUID in the authorization_uri's first path segment).
 */
export function fromBearerChallenge(header: string | null, environmentUrl: string): string | undefined {
  if (header === null || !/^\s*Bearer\b/i.test(header)) return undefined;
  const parameters = new Map<string, string>();
  for (const match of header.replace(/^\s*Bearer\s*/i, "").matchAll(/([A-Za-z_]+)\s*=\s*("([^"]*)"|[^,\s]+)/g)) {
    const name = match[1];
    const value = match[3] ?? match[2];
    if (name !== undefined && value !== undefined) parameters.set(name.toLowerCase(), value);
  }
  const resource = parameters.get("resource_id");
  if (resource === undefined || withoutSlash(resource).toLowerCase() !== withoutSlash(environmentUrl).toLowerCase())
    return undefined;
  let authorization: URL;
  try {
    authorization = new URL(parameters.get("authorization_uri") ?? "");
  } catch {
    return undefined;
  }
  const tenant = authorization.pathname.split("/").find((segment) => segment !== "");
  return tenant !== undefined && tenantGuid.test(tenant) ? tenant.toLowerCase() : undefined;
}

/** Asks the environment's Web API without a token and reads the tenant from its challenge. Redirects are not followed. */
export async function discoverTenant(
  environmentUrl: string,
  options: { fetch?: typeof fetch; timeoutMs?: number } = {},
): Promise<TenantDiscovery> {
  if (!isAcceptableEnvironmentUrl(environmentUrl)) return { ok: false, problem: "bad-url" };
  const fetcher = options.fetch ?? fetch;
  let response: Response;
  try {
    response = await fetcher(`${withoutSlash(environmentUrl)}/api/data/v${webApiVersion}/`, {
      method: "GET",
      headers: { Accept: "application/json" },
      redirect: "manual",
      signal: AbortSignal.timeout(options.timeoutMs ?? 15_000),
    });
  } catch (thrown) {
    const error = toSyncError(thrown, "dataverse");
    return { ok: false, problem: error.kind === "transient" ? "unreachable" : "not-dataverse" };
  }
  // The body is never needed (and may be anything on a URL that is not Dataverse).
  await response.body?.cancel().catch(() => undefined);
  if (response.status !== 401) return { ok: false, problem: response.status >= 500 ? "unreachable" : "not-dataverse" };
  const tenantId = fromBearerChallenge(response.headers.get("www-authenticate"), environmentUrl);
  return tenantId === undefined ? { ok: false, problem: "not-dataverse" } : { ok: true, tenantId };
}
