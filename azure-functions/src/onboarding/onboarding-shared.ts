// Shared by the onboarding legs (internal; `onboarding.ts` re-exports what others import): the routes, cookies and
// role names, the problem pages, and the helpers every leg needs over the dependencies (links, cookies, the "already
// connected here" check, the per-environment lease, the Dynamics 365 form).
import type { DataversePort } from "../adapters/dataverse/port";
import { createDataverseClient } from "../adapters/dataverse/web-api-client";
import { isAppConsent, type Connection, type DataverseCredentials } from "../adapters/table-storage/connection-store";
import { toSyncError } from "../core/errors";
import { explainRefusal, toLinkUrl, type LinkKind, type LinkPayload, type LinkRefusal } from "../links/signed-links";
import { mag_xeroconnector } from "../generated/dataverse";
import type { SafeHtml } from "../security/html";
import { newAnotherOrganisationTicket } from "./another-organisation";
import { withEnvironmentLease } from "./connector-setup";
import { renderDynamicsForm, renderProblemPage, type DynamicsFormValues } from "./pages";
import type { OnboardingCookie, OnboardingDependencies, PageAnswer } from "./onboarding";

/** Routes under /api (the sandbox registers `xero/callback` as the Xero app's redirect URI). */
export const onboardingRoutes = {
  xero: "onboarding/xero",
  xeroOrganisation: "onboarding/xero/organisation",
  /** POST: the connected page's "Connect another Xero organisation" (a signed ticket for the source connection). */
  xeroAnother: "onboarding/xero/another",
  xeroCallback: "xero/callback",
  dynamics: "onboarding/dynamics",
  /** POST: the environment URL; answers with a redirect to Entra's sign-in on the service's app. */
  dynamicsConsent: "onboarding/dynamics/consent",
  /** Entra's sign-in redirect back (registered as a redirect URI of the service's multi-tenant app). */
  dynamicsSignInCallback: "dynamics/signin/callback",
  /** Entra's redirect back (registered as a redirect URI of the service's multi-tenant app). */
  dynamicsConsentCallback: "dynamics/consent/callback",
  /** POST: the steps page's "Check again". */
  dynamicsConsentCheck: "onboarding/dynamics/consent/check",
} as const;

/** Holds the link token between the consent redirect and the callback (the browser binding of `state`). */
export const onboardingCookieName = "xc_onboarding";
/** The same for the Dynamics 365 admin consent (its own name, so a Xero sign-in in another tab does not clash). */
export const dynamicsConsentCookieName = "xc_dynamics_consent";
/**
 * The least-privilege security role the solution ships for the service's application user
 * (customizations/src/ui/roles.ts `serviceRole`; a test keeps the two equal): the tables the service touches, no more.
 */
export const serviceRoleName = "Xero Connector Service";
/** The extra role the real-time add-on needs: registering a webhook writes the platform's plug-in step tables. */
export const realtimeRoleName = "System Customizer";
export const cookieLifetimeSeconds = 30 * 60;
/** A link the service issues itself for the next step, opened at once by the same customer. */
const nextStepLinkLifetimeMs = 24 * 60 * 60_000;

/**
 * The org root as the service stores it. A Dataverse environment's root is its origin (`https://<org>.crm<n>.dynamics.com`,
 * sovereign clouds alike), so a pasted app URL (`…/main.aspx?appid=…`) still works; elsewhere (the sandbox's
 * `http://127.0.0.1:5555/<org>`) the path is kept. https://learn.microsoft.com/power-apps/developer/data-platform/webapi/compose-http-requests-handle-errors#web-api-url-and-versions
 */
export function toEnvironmentUrl(text: string): string | undefined {
  let url: URL;
  try {
    url = new URL(text.trim());
  } catch {
    return undefined;
  }
  if (/\.crm\d*\./i.test(url.hostname)) return url.origin;
  return `${url.origin}${url.pathname.replace(/\/+$/, "")}`;
}

export const problem = (status: number, title: string, message: string, action: string): PageAnswer => ({
  status,
  page: renderProblemPage({ title, message, action }),
});

/** The consent routes on a service without its multi-tenant app configured. */
export const appConsentUnavailable = (): PageAnswer =>
  problem(
    404,
    "Connecting with the Xero Connector app is not offered here",
    "This service has no Xero Connector app for Dynamics 365 configured.",
    "Open your link again and connect with your own app registration (client id and secret).",
  );

function refusedLink(reason: LinkRefusal): PageAnswer {
  const status = reason === "expired" || reason === "used" || reason === "revoked" ? 410 : 400;
  return { status, page: renderProblemPage(explainRefusal(reason)) };
}

export const startAgain =
  "Open the link you received again to start over. If it has expired or was used, ask Xero Connector support for a new one.";

/** The helpers every leg shares, over the same dependencies. */
export function createOnboardingShared(deps: OnboardingDependencies) {
  const { config, links, connections, clock } = deps;
  const apiBase = `${config.links.publicBaseUrl}/api`;
  const secure = config.links.publicBaseUrl.startsWith("https:");
  const dataverseFor =
    deps.dataverseFor ??
    ((credentials: DataverseCredentials): DataversePort =>
      createDataverseClient(credentials, {
        authorityUrl: config.dataverse.authorityUrl,
        clock,
        logger: deps.logger,
        ...(deps.fetch === undefined ? {} : { fetch: deps.fetch }),
      }));
  const endpointOptions = { now: () => clock.now(), ...(deps.fetch === undefined ? {} : { fetch: deps.fetch }) };

  const cookie = (value: string, maxAge: number): OnboardingCookie => ({
    name: onboardingCookieName,
    value,
    path: "/api/",
    maxAge,
    httpOnly: true,
    secure,
    sameSite: "Lax",
  });
  const clearCookie = cookie("", 0);

  const openLink = async (
    token: string | undefined,
    kind: LinkKind,
  ): Promise<{ ok: true; link: LinkPayload; connection: Connection } | { ok: false; answer: PageAnswer }> => {
    const opening = await links.open(token ?? "", kind);
    if (!opening.ok) {
      deps.logger.info("onboarding link refused", { kind, reason: opening.reason });
      return { ok: false, answer: refusedLink(opening.reason) };
    }
    const connection = await connections.get(opening.link.connectionId);
    if (connection === undefined) {
      return {
        ok: false,
        answer: problem(
          410,
          "This connection no longer exists",
          "The connection this link was made for has been removed.",
          "Ask Xero Connector support for a new link.",
        ),
      };
    }
    return { ok: true, link: opening.link, connection };
  };

  /** Uses the link up; of two tabs finishing at once, one wins and the other sees "used". */
  const consumeLink = async (token: string, kind: LinkKind): Promise<PageAnswer | undefined> => {
    const consumed = await links.consume(token, kind);
    return consumed.ok ? undefined : refusedLink(consumed.reason);
  };

  const issueNextStep = async (connectionId: string, kind: LinkKind): Promise<string> => {
    const link = await links.issue({ kind, connectionId, lifetimeMs: nextStepLinkLifetimeMs, issuedBy: "onboarding" });
    return link.url;
  };

  /** The connected page's button: a ticket for this connection only (it carries no secret; 30 minutes). */
  const anotherOrganisationButton = (connectionId: string) => ({
    action: `${apiBase}/${onboardingRoutes.xeroAnother}`,
    ticket: newAnotherOrganisationTicket(connectionId, config.links.signingKey, clock.now()),
  });

  /**
   * The Xero organisations other connections already serve in this connection's Dynamics 365 environment, by tenant
   * id. One connector per organisation and environment: a second connection for one would sync the same connector
   * with a second grant. Unknown while Dynamics 365 is not authorised yet (Xero first).
   */
  const connectedElsewhere = async (connection: Connection): Promise<Map<string, Connection>> => {
    const taken = new Map<string, Connection>();
    if (connection.dataverse === null) return taken;
    for (const other of await connections.listByEnvironment(connection.dataverse.url)) {
      if (other.id !== connection.id && other.xero !== null) taken.set(other.xero.tenantId, other);
    }
    return taken;
  };

  /**
   * The page refusing an organisation that already has its connection here; nothing is created. `xeroLink` is where
   * the customer picks another organisation (the Xero link they are on, or a fresh one).
   */
  const alreadyConnected = async (xeroLink: string, connection: Connection, other: Connection): Promise<PageAnswer> => {
    const organisation = other.xero?.tenantName ?? "";
    let connectorName = organisation;
    if (connection.dataverse !== null && other.connectorId !== null) {
      try {
        const row = await dataverseFor(connection.dataverse).retrieve<{ mag_name: string | null }>(
          mag_xeroconnector.entitySetName,
          other.connectorId,
          { select: [mag_xeroconnector.columns.mag_name] },
        );
        connectorName = row?.mag_name ?? connectorName;
      } catch (thrown) {
        // The name is a courtesy: the refusal stands without it.
        deps.logger.warn("connector name not read", {
          connectionId: other.id,
          error: toSyncError(thrown, "dataverse"),
        });
      }
    }
    deps.logger.info("xero organisation already connected in this environment refused", {
      connectionId: connection.id,
      connectedAs: other.id,
    });
    return {
      status: 409,
      page: renderProblemPage({
        title: `${organisation} is already connected`,
        message: `${organisation} is already connected to this Dynamics 365 environment as the Xero Connector record ${connectorName}, so nothing was created.`,
        action: `To reauthorise it, open the reconnect link you received for ${connectorName}, or ask Xero Connector support for one: it renews that connector without creating another. To connect a different organisation, go back to Xero and tick that one.`,
        next: {
          href: xeroLink,
          label: "Choose another organisation on Xero",
        },
      }),
      cookies: [clearCookie],
    };
  };

  const xeroLinkUrl = (token: string): string => toLinkUrl(config.links.publicBaseUrl, "xero", token);

  /**
   * `work` under the environment's lease when the service has leases and the environment is known: the "already
   * connected here" check and what makes this connection count in that check for others (its organisation recorded,
   * or its connector set up) happen as one step, so two connections choosing one organisation at once cannot both
   * pass. Without an environment there is nothing to check against yet (Xero first); `finishConnection` checks later.
   */
  const exclusiveIn = <T>(environmentUrl: string | undefined, work: () => Promise<T>): Promise<T> =>
    deps.leases === undefined || environmentUrl === undefined
      ? work()
      : withEnvironmentLease({ leases: deps.leases, environmentUrl, clock }, work);

  const dynamicsValues = (connection: Connection): DynamicsFormValues => ({
    environmentUrl: connection.dataverse?.url ?? "",
    tenantId: connection.dataverse?.tenantId ?? "",
    // An app-consent connection signs in with the service's app: there is no client id of the customer's to offer.
    clientId: isAppConsent(connection.dataverse) ? "" : (connection.dataverse?.clientId ?? ""),
  });

  const app = config.dataverse.app;
  const appConsentOption =
    app === undefined ? {} : { appConsent: { action: `${apiBase}/${onboardingRoutes.dynamicsConsent}` } };
  const dynamicsForm = (
    token: string,
    connection: Connection,
    values: DynamicsFormValues,
    found?: { message: string; action: string },
  ): SafeHtml =>
    renderDynamicsForm({
      action: `${apiBase}/${onboardingRoutes.dynamics}`,
      token,
      values,
      xeroOrganisation: connection.xero?.tenantName,
      ...(found === undefined ? {} : { problem: found }),
      ...appConsentOption,
    });

  return {
    apiBase,
    dataverseFor,
    endpointOptions,
    cookie,
    clearCookie,
    openLink,
    consumeLink,
    issueNextStep,
    anotherOrganisationButton,
    connectedElsewhere,
    alreadyConnected,
    xeroLinkUrl,
    exclusiveIn,
    dynamicsValues,
    dynamicsForm,
  };
}

export type OnboardingShared = ReturnType<typeof createOnboardingShared>;
