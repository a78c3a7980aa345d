// Checks a customer's Dynamics 365 credentials before they are stored (onboarding, issue 7 part 2) and says what is
// wrong in words the customer can act on: a token (client credentials), WhoAmI, then a read of the solution's own
// table (the application user needs a security role that can read it, and the solution must be installed).
// Entra error codes: https://learn.microsoft.com/entra/identity-platform/reference-error-codes
// Application users: https://learn.microsoft.com/power-platform/admin/manage-application-users
import { systemClock, type Clock } from "../../core/clock";
import { toSyncError, type SyncError } from "../../core/errors";
import { mag_xeroconnector } from "../../generated/dataverse";
import { createDataverseClient, type DataverseConnectionCredentials } from "./web-api-client";
import type { WhoAmI } from "./port";

export const credentialProblems = [
  "bad-url",
  "bad-tenant",
  "bad-client-id",
  "bad-secret",
  "no-application-user",
  "missing-role",
  "solution-missing",
  "unreachable",
] as const;
export type CredentialProblem = (typeof credentialProblems)[number];

export type CredentialCheck =
  | { ok: true; whoAmI: WhoAmI }
  | { ok: false; problem: CredentialProblem; message: string; action: string };

const explanations: Record<CredentialProblem, { message: string; action: string }> = {
  "bad-url": {
    message: "The environment URL is not a Dynamics 365 environment this app registration can reach.",
    action: "Copy the environment URL from the Power Platform admin center (it looks like https://yourorg.crm.dynamics.com).",
  },
  "bad-tenant": { message: "No Microsoft Entra tenant has this tenant id.", action: "Copy the Directory (tenant) ID from the app registration's Overview page." },
  "bad-client-id": {
    message: "The tenant has no app registration with this client id.",
    action: "Copy the Application (client) ID from the app registration's Overview page.",
  },
  "bad-secret": {
    message: "The client secret was refused.",
    action: "Create a new client secret under Certificates & secrets and paste its Value (not its Secret ID).",
  },
  "no-application-user": {
    message: "The app signed in, but the environment has no application user for it.",
    action: "In the Power Platform admin center, add an application user for this app to the environment.",
  },
  "missing-role": {
    message: "The application user exists but has no security role that can read the Xero Connector tables.",
    action:
      "Assign the application user the Xero Connector Service role. If you turn on Real-time, also assign it the System Customizer role.",
  },
  "solution-missing": { message: "The Xero Connector solution is not installed in this environment.", action: "Install the Xero Connector solution from AppSource, then try again." },
  "unreachable": { message: "The environment could not be reached.", action: "Check the environment URL and try again in a minute." },
};

function refuse(problem: CredentialProblem): CredentialCheck {
  return { ok: false, problem, ...explanations[problem] };
}

/** An https URL (plain http only for loopback, i.e. the sandbox). */
export function isAcceptableEnvironmentUrl(text: string): boolean {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return false;
  }
  const loopback = url.hostname === "127.0.0.1" || url.hostname === "localhost" || url.hostname === "[::1]";
  return (url.protocol === "https:" || (url.protocol === "http:" && loopback)) && url.search === "" && url.hash === "" && url.username === "" && url.password === "";
}

/** The AADSTS number in an Entra error description. */
function entraCode(error: SyncError): number | undefined {
  const match = /AADSTS(\d+)/.exec(`${error.details.message ?? ""} ${error.message}`);
  return match?.[1] === undefined ? undefined : Number(match[1]);
}

/** What a failure at each step means for the customer. */
export function toCredentialProblem(error: SyncError, step: "token" | "whoAmI" | "read"): CredentialProblem {
  if (error.kind === "transient" && error.details.status === undefined) return "unreachable";
  if (step === "token") {
    const code = entraCode(error);
    if (code === 90002 || code === 900023) return "bad-tenant";
    if (code === 700016) return "bad-client-id";
    if (code === 7000215 || code === 7000222 || error.details.type === "invalid_client") return "bad-secret";
    if (code === 500011 || error.details.type === "invalid_resource") return "bad-url";
    if (error.details.type === "unauthorized_client") return "bad-client-id";
    return error.details.status === 404 ? "bad-tenant" : "unreachable";
  }
  if (step === "whoAmI") {
    if (error.details.status === 401 || error.details.status === 403) return "no-application-user";
    if (error.details.status === 404) return "bad-url";
    return "unreachable";
  }
  if (error.details.status === 404) return "solution-missing";
  if (error.details.status === 401 || error.details.status === 403) return "missing-role";
  return "unreachable";
}

export async function verifyDynamicsCredentials(
  credentials: DataverseConnectionCredentials,
  options: { authorityUrl: string; fetch?: typeof fetch; clock?: Clock },
): Promise<CredentialCheck> {
  if (!isAcceptableEnvironmentUrl(credentials.url)) return refuse("bad-url");
  const clock = options.clock ?? systemClock;
  const client = createDataverseClient(credentials, {
    authorityUrl: options.authorityUrl,
    clock,
    // One attempt each: the customer is waiting on the page.
    retryPolicy: { maxAttempts: 1 },
    ...(options.fetch === undefined ? {} : { fetch: options.fetch }),
  });
  let step: "token" | "whoAmI" | "read" = "token";
  try {
    await client.tokenSource.getToken();
    step = "whoAmI";
    const whoAmI = await client.whoAmI();
    step = "read";
    await client.retrieveMultiple(mag_xeroconnector.entitySetName, { select: [mag_xeroconnector.primaryIdAttribute], top: 1 }, { maxRows: 1 });
    return { ok: true, whoAmI };
  } catch (thrown) {
    return refuse(toCredentialProblem(toSyncError(thrown, "dataverse"), step));
  }
}
