// The Microsoft identity platform admin consent endpoint, `/<tenant>/v2.0/adminconsent`: a tenant's administrator
// grants a multi-tenant app (records its service principal in the tenant) and is sent back to the app's redirect URI.
// https://learn.microsoft.com/entra/identity-platform/v2-admin-consent
// Requests Entra cannot trust (unknown app, unregistered redirect URI, unknown tenant, missing parameter) end on an
// error page and never redirect: https://learn.microsoft.com/troubleshoot/entra/entra-id/app-integration/error-code-aadsts50011-redirect-uri-mismatch
import { randomUUID } from "node:crypto";
import type { Clock } from "../clock";
import { toEntraTimestamp, unknownClientDescription, unknownTenantDescription } from "./auth";

export interface ConsentApp {
  displayName: string;
  redirectUris: readonly string[];
}

export interface ConsentTenant {
  tenantId: string;
  /** Names of the emulator's organisations in the tenant (what the administrator recognises). */
  orgNames: string[];
}

/** What the consent endpoint needs from the emulator. */
export interface ConsentDirectory {
  tenants(): ConsentTenant[];
  app(clientId: string): ConsentApp | undefined;
  /** Records the app's service principal in the tenant. */
  grant(tenantId: string, clientId: string): void;
}

export interface ConsentAnswer {
  status: number;
  headers: Record<string, string>;
  body?: string;
}

/** Tenant path segments that let the administrator choose the tenant on the page. */
const genericTenants = new Set(["organizations", "common"]);

export const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);

const htmlHeaders = {
  "Content-Type": "text/html; charset=utf-8",
  "Cache-Control": "no-store, no-cache",
  "X-Frame-Options": "DENY",
};

/** `AADSTS…: text` followed by the trace lines Entra appends to every error description. */
function toErrorDescription(code: number, text: string, clock: Clock): string {
  return [
    `AADSTS${code}: ${text}`,
    `Trace ID: ${randomUUID()}`,
    `Correlation ID: ${randomUUID()}`,
    `Timestamp: ${toEntraTimestamp(clock.now())}`,
  ].join("\r\n");
}

export function errorPage(code: number, text: string, clock: Clock): ConsentAnswer {
  const [message = "", ...details] = toErrorDescription(code, text, clock).split("\r\n");
  const body = `<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>Sign in to your account</title></head>
<body>
<h1>Sign in</h1>
<p>Sorry, but we're having trouble signing you in.</p>
<p id="error">${escapeHtml(message)}</p>
<dl>${details
    .map((line) => {
      const [name = "", value = ""] = line.split(": ");
      return `<dt>${escapeHtml(name)}</dt><dd>${escapeHtml(value)}</dd>`;
    })
    .join("")}</dl>
</body>
</html>
`;
  return { status: 400, headers: htmlHeaders, body };
}

interface ConsentRequest {
  clientId: string;
  app: ConsentApp;
  scope: string;
  redirectUri: string;
  state: string | null;
}

type Checked = { ok: true; request: ConsentRequest } | { ok: false; answer: ConsentAnswer };

const missingParameter = (name: string, clock: Clock): Checked => ({
  ok: false,
  answer: errorPage(900144, `The request body must contain the following parameter: '${name}'.`, clock),
});

/** The checks Entra makes before it shows the consent prompt, in its order. */
function checkRequest(
  tenantSegment: string,
  params: URLSearchParams,
  directory: ConsentDirectory,
  clock: Clock,
): Checked {
  const clientId = params.get("client_id")?.trim() ?? "";
  if (clientId === "") return missingParameter("client_id", clock);
  const app = directory.app(clientId);
  if (app === undefined)
    return { ok: false, answer: errorPage(700016, unknownClientDescription(clientId, tenantSegment), clock) };
  const redirectUri = params.get("redirect_uri") ?? "";
  if (redirectUri === "") return missingParameter("redirect_uri", clock);
  // The redirect URI must match a registered one exactly.
  if (!app.redirectUris.includes(redirectUri)) {
    return {
      ok: false,
      answer: errorPage(
        50011,
        `The redirect URI '${redirectUri}' specified in the request does not match the redirect URIs configured for the application '${clientId}'. Make sure the redirect URI sent in the request matches one added to your application in the Azure portal. Navigate to https://aka.ms/redirectUriMismatchError to learn more about how to fix this.`,
        clock,
      ),
    };
  }
  const scope = params.get("scope")?.trim() ?? "";
  if (scope === "") return missingParameter("scope", clock);
  return { ok: true, request: { clientId, app, scope, redirectUri, state: params.get("state") } };
}

/** A tenant named in the path or chosen on the page, if the emulator knows it. */
function resolveTenant(directory: ConsentDirectory, tenantId: string): ConsentTenant | undefined {
  const wanted = tenantId.toLowerCase();
  return directory.tenants().find((tenant) => tenant.tenantId.toLowerCase() === wanted);
}

function consentPage(tenantSegment: string, request: ConsentRequest, tenants: ConsentTenant[]): ConsentAnswer {
  const hidden = [
    ["client_id", request.clientId],
    ["scope", request.scope],
    ["redirect_uri", request.redirectUri],
    ...(request.state === null ? [] : [["state", request.state]]),
  ]
    .map(([name = "", value = ""]) => `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}">`)
    .join("\n");
  const chooser = genericTenants.has(tenantSegment.toLowerCase())
    ? `<p><label for="tenant">Sign in as the administrator of</label>
<select id="tenant" name="tenant">
${tenants
  .map(
    (tenant) =>
      `<option value="${escapeHtml(tenant.tenantId)}">${escapeHtml(tenant.orgNames.join(", "))} (${escapeHtml(tenant.tenantId)})</option>`,
  )
  .join("\n")}
</select></p>`
    : "";
  const name = escapeHtml(request.app.displayName);
  const body = `<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>Permissions requested</title></head>
<body>
<h1>Permissions requested</h1>
<p><strong id="app-name">${name}</strong></p>
<p>This app would like to:</p>
<ul id="scopes">${request.scope
    .split(/\s+/)
    .map((scope) => `<li>${escapeHtml(scope)}</li>`)
    .join("")}</ul>
<p><strong>Accept for your organization</strong>: if you accept, ${name} will have access to the specified resources for all users in your organization. No one else will be prompted to review these permissions.</p>
<form method="post" action="/${escapeHtml(encodeURIComponent(tenantSegment))}/v2.0/adminconsent">
${hidden}
${chooser}
<button name="decision" value="accept">Accept</button>
<button name="decision" value="cancel">Cancel</button>
</form>
</body>
</html>
`;
  return { status: 200, headers: htmlHeaders, body };
}

const redirectTo = (redirectUri: string, query: Array<[string, string | null]>): ConsentAnswer => {
  const url = new URL(redirectUri);
  for (const [name, value] of query) if (value !== null) url.searchParams.append(name, value);
  return { status: 302, headers: { Location: url.toString(), "Cache-Control": "no-store, no-cache" } };
};

/**
 * GET shows the prompt; POST is the administrator's answer (`decision=accept|cancel`, the query's fields, and
 * `tenant` when the path said `organizations`).
 */
export function serveAdminConsent(
  method: string,
  tenantSegment: string,
  params: URLSearchParams,
  directory: ConsentDirectory,
  clock: Clock,
): ConsentAnswer {
  const generic = genericTenants.has(tenantSegment.toLowerCase());
  const named = generic ? undefined : resolveTenant(directory, tenantSegment);
  if (!generic && named === undefined) return errorPage(90002, unknownTenantDescription(tenantSegment), clock);
  const checked = checkRequest(tenantSegment, params, directory, clock);
  if (!checked.ok) return checked.answer;
  const { request } = checked;
  if (method === "GET") return consentPage(tenantSegment, request, directory.tenants());
  if (method !== "POST") return { status: 405, headers: { Allow: "GET, POST" } };
  const tenant = named ?? resolveTenant(directory, params.get("tenant") ?? "");
  if (tenant === undefined) return errorPage(90002, unknownTenantDescription(params.get("tenant") ?? ""), clock);
  const decision = params.get("decision");
  if (decision === "accept") {
    directory.grant(tenant.tenantId, request.clientId);
    return redirectTo(request.redirectUri, [
      ["admin_consent", "True"],
      ["tenant", tenant.tenantId],
      ["scope", request.scope],
      ["state", request.state],
    ]);
  }
  if (decision === "cancel") {
    // What Entra sends when the administrator cancels the prompt, as observed in
    // https://github.com/MicrosoftDocs/azure-docs/issues/114009 (the docs page's example shows an older form:
    // error=consent_required and "AADSTS65004: The resource owner or authorization server denied the request.").
    return redirectTo(request.redirectUri, [
      ["error", "access_denied"],
      ["error_description", toErrorDescription(65004, "User declined to consent to access the app.", clock)],
      ["error_uri", "https://login.microsoftonline.com/error?code=65004"],
      ["admin_consent", "True"],
      ["state", request.state],
    ]);
  }
  return errorPage(900144, "The request body must contain the following parameter: 'decision'.", clock);
}
