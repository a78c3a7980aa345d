// Self-service onboarding and reauthorisation (issue 7): what the service's onboarding pages do, without HTTP.
//
//   support link (xero) ─► GET onboarding/xero?token  ─► 302 Xero consent (granular scopes, state bound to the link,
//   PKCE S256; the link token rides in an HttpOnly SameSite=Lax cookie so the callback is bound to this browser)
//   ─► GET xero/callback?code&state ─► code exchanged, grant stored in the vault, /connections read
//   ─► (several organisations) POST onboarding/xero/organisation ─► link used up, organisation recorded
//   ─► no Dynamics 365 credentials yet: 303 to a fresh dynamics link ─► GET/POST onboarding/dynamics: credentials
//   verified with WhoAmI and install checks before they are stored ─► connector + data flows, status connected,
//   health written, first sync queued.
// Another Xero organisation for the same environment: the connected page's button POSTs onboarding/xero/another with a
// signed 30-minute ticket ─► a new connection with the Dynamics 365 part copied server side ─► 303 to a fresh xero link
// for it ─► the usual consent (its own grant) ─► an organisation already connected in the environment is refused.
// Dynamics 365 the other way, with the service's multi-tenant app configured: POST onboarding/dynamics/consent (the
// environment URL only) ─► tenant read from the environment's bearer challenge ─► 303 Entra sign-in (OpenID Connect
// code flow, PKCE, nonce; state bound to the link, the environment and the tenant; the link token rides in its own
// HttpOnly cookie) ─► GET dynamics/signin/callback ─► code redeemed, ID token verified (signature, issuer, audience,
// lifetime, nonce, tenant), the person a System Administrator of the environment (WhoAmI and roles with their own
// token) ─► the app already in that tenant: checked at once; else 303 Entra admin consent (state names the signed-in
// administrator) ─► GET dynamics/consent/callback (only the signed-in tenant accepted) ─► verified with the service's
// app in that tenant ─► connected, or a steps page (add the application user, give it its role, install the
// solution) whose "Check again" re-runs the checks. A forged consent callback gets nowhere without that sign-in.
// Either step may come first (a dynamics link leads on to a fresh xero link), and either alone reauthorises.
// Nothing here logs a code, state, token, link token or secret: only connection ids and normalised errors.
import { randomBytes } from "node:crypto";
import { z } from "zod";
import { discoverTenant } from "../adapters/dataverse/discover-tenant";
import { fetchSigningKeys, validateIdToken, type IdTokenRefusal } from "../adapters/dataverse/id-token";
import {
  readEnvironmentMembership,
  redeemSignInCode,
  systemAdministratorRole,
  toAuthorizeUrl,
  type SignInTokens,
} from "../adapters/dataverse/sign-in";
import type { DataversePort } from "../adapters/dataverse/port";
import { verifyDynamicsCredentials, type CredentialProblem } from "../adapters/dataverse/verify-credentials";
import { createDataverseClient } from "../adapters/dataverse/web-api-client";
import type { WorkQueue } from "../adapters/queue/work-queue";
import {
  isAppConsent,
  type Connection,
  type ConnectionStore,
  type DataverseCredentials,
} from "../adapters/table-storage/connection-store";
import type { LeaseStore } from "../adapters/table-storage/leases";
import type { TokenVault } from "../adapters/table-storage/token-vault";
import { exchangeXeroAuthorizationCode, type XeroTokenSet } from "../adapters/table-storage/xero-token-endpoint";
import type { Config } from "../config";
import type { Clock } from "../core/clock";
import { isSyncError, toSyncError } from "../core/errors";
import type { Logger } from "../core/logger";
import type { ScopeStore } from "../engine/scope-store";
import { checkConsentState, newConsentState, toXeroAuthorizeUrl } from "../links/authorization";
import type { LinkStore } from "../links/link-store";
import { explainRefusal, toLinkUrl, type LinkKind, type LinkPayload, type LinkRefusal } from "../links/signed-links";
import { mag_xeroconnector } from "../generated/dataverse";
import type { SafeHtml } from "../security/html";
import {
  checkAppConsentToken,
  newAppConsentToken,
  toAdminConsentAnswer,
  toAdminConsentUrl,
  toSignInAnswer,
  toSignInCodeChallenge,
  toSignInCodeVerifier,
  type AppConsentTarget,
} from "./app-consent";
import {
  checkAnotherOrganisationTicket,
  newAnotherOrganisationTicket,
  toAnotherConnectionId,
} from "./another-organisation";
import type { ConnectionHealth } from "./connection-health";
import { ensureConnector, ensureDataFlows, withEnvironmentLease } from "./connector-setup";
import { startFirstSync, type RealtimeRegistration } from "./first-sync";
import { dataFlowDefaults } from "./flow-defaults";
import { checkInstallation, type InstallCheck } from "./install-checks";
import {
  renderAppConsentSteps,
  renderConnectedPage,
  renderDynamicsForm,
  renderOrganisationChoice,
  renderProblemPage,
  renderReauthorisedPage,
  type AppConsentGap,
  type DynamicsFormValues,
  type OrganisationOption,
} from "./pages";
import { readXeroConnections, toAuthEventId } from "./xero-connections";

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
const cookieLifetimeSeconds = 30 * 60;
/** A link the service issues itself for the next step, opened at once by the same customer. */
const nextStepLinkLifetimeMs = 24 * 60 * 60_000;

export interface OnboardingCookie {
  name: string;
  value: string;
  path: string;
  maxAge: number;
  httpOnly: true;
  secure: boolean;
  sameSite: "Lax";
}

/** What a handler answers: a page, or a redirect; the HTTP layer adds the security headers. */
export interface PageAnswer {
  status: number;
  page?: SafeHtml;
  location?: string;
  cookies?: OnboardingCookie[];
}

export interface OnboardingDependencies {
  config: Pick<Config, "xero" | "dataverse" | "links">;
  links: LinkStore;
  connections: ConnectionStore;
  vault: Pick<TokenVault, "storeGrant" | "getAccessToken" | "getGrantInfo" | "deleteGrant">;
  queue: WorkQueue;
  scopes: ScopeStore;
  clock: Clock;
  logger: Logger;
  fetch?: typeof fetch;
  /** Writes the connector's health after the connection completes. */
  health?: Pick<ConnectionHealth, "refresh">;
  /** The real-time add-on's webhook registration (issue 6), when the service has it. */
  registerRealtime?: RealtimeRegistration;
  /** The Dataverse port for a set of credentials (default: the Web API client against the configured authority). */
  dataverseFor?: (credentials: DataverseCredentials) => DataversePort;
  /**
   * Serialises, per environment and across instances, connector setup (who becomes the default) and the "already
   * connected here" check with the recording of the organisation; none in unit tests.
   */
  leases?: Pick<LeaseStore, "withLease">;
}

export const DynamicsForm = z.object({
  environmentUrl: z.string().trim().max(400),
  tenantId: z.string().trim().max(100),
  clientId: z.string().trim().max(100),
  clientSecret: z.string().max(400),
});
export type DynamicsForm = z.infer<typeof DynamicsForm>;

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

const problem = (status: number, title: string, message: string, action: string): PageAnswer => ({
  status,
  page: renderProblemPage({ title, message, action }),
});

/** The consent routes on a service without its multi-tenant app configured. */
const appConsentUnavailable = (): PageAnswer =>
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

const startAgain =
  "Open the link you received again to start over. If it has expired or was used, ask Xero Connector support for a new one.";

export interface Onboarding {
  /** GET onboarding/xero?token= */
  startXero(token: string | undefined): Promise<PageAnswer>;
  /** GET xero/callback */
  completeXeroConsent(
    query: { code?: string; state?: string; error?: string },
    cookieToken: string | undefined,
  ): Promise<PageAnswer>;
  /** POST onboarding/xero/organisation */
  chooseOrganisation(tenantId: string | undefined, cookieToken: string | undefined): Promise<PageAnswer>;
  /** POST onboarding/xero/another: a new connection for the same Dynamics 365 environment, then its Xero consent. */
  connectAnotherOrganisation(form: Record<string, string | undefined>): Promise<PageAnswer>;
  /** GET onboarding/dynamics?token= */
  showDynamicsForm(token: string | undefined): Promise<PageAnswer>;
  /** POST onboarding/dynamics */
  submitDynamicsForm(form: Record<string, string | undefined>): Promise<PageAnswer>;
  /** POST onboarding/dynamics/consent: the environment URL, then Entra's admin consent for the service's app. */
  startAppConsent(form: Record<string, string | undefined>): Promise<PageAnswer>;
  /** GET dynamics/signin/callback: the administrator signed in; then the app's consent or its checks. */
  completeSignIn(query: SignInQuery, cookieToken: string | undefined): Promise<PageAnswer>;
  /** GET dynamics/consent/callback */
  completeAppConsent(query: AppConsentQuery, cookieToken: string | undefined): Promise<PageAnswer>;
  /** POST onboarding/dynamics/consent/check: "Check again" after adding the application user or its role. */
  checkAppConsentAgain(form: Record<string, string | undefined>): Promise<PageAnswer>;
}

/** What Entra's admin consent redirect carries: https://learn.microsoft.com/entra/identity-platform/v2-admin-consent#successful-response */
export interface AppConsentQuery {
  admin_consent?: string;
  tenant?: string;
  state?: string;
  error?: string;
}

/** What Entra's sign-in redirect carries: https://learn.microsoft.com/entra/identity-platform/v2-oauth2-auth-code-flow#successful-response */
export interface SignInQuery {
  code?: string;
  state?: string;
  error?: string;
}

/** A failed check of the service's app in the customer's tenant: what the customer still has to do, if anything. */
export function toAppConsentGap(problem: CredentialProblem): AppConsentGap | "service" {
  switch (problem) {
    case "no-application-user":
    case "missing-role":
    case "solution-missing":
      return problem;
    // AADSTS700016 in the customer's tenant: the app has no service principal there, i.e. no consent (or a revoked one).
    case "bad-client-id":
    case "bad-tenant":
      return "not-consented";
    // The service's own secret was refused: nothing the customer can fix.
    case "bad-secret":
      return "service";
    case "bad-url":
    case "unreachable":
      return "unreachable";
  }
}

const appConsentMessages: Record<AppConsentGap, string> = {
  "no-application-user": "The app is approved, but the environment has no application user for it yet.",
  "missing-role": "The application user exists but has no security role that can read the Xero Connector tables yet.",
  "solution-missing": "The Xero Connector solution is not installed in this environment.",
  "not-consented": "Microsoft Entra ID reports that the Xero Connector app is not approved in this directory.",
  unreachable: "The environment could not be reached to check the connection.",
};

export function createOnboarding(deps: OnboardingDependencies): Onboarding {
  const { config, links, connections, vault, clock } = deps;
  const apiBase = `${config.links.publicBaseUrl}/api`;
  const redirectUri = `${apiBase}/${onboardingRoutes.xeroCallback}`;
  const secure = config.links.publicBaseUrl.startsWith("https:");
  const xeroCredentials = {
    identityUrl: config.xero.identityUrl,
    clientId: config.xero.clientId,
    clientSecret: config.xero.clientSecret,
  };
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

  /** Both authorisations are in: install checks, connector and data flows, connected, health, first sync. */
  const finishConnection = async (
    connection: Connection,
    step: "xero" | "dynamics",
    install?: InstallCheck,
  ): Promise<PageAnswer> => {
    const log = deps.logger.child({ connectionId: connection.id });
    if (connection.dataverse === null || connection.xero === null)
      throw new Error("finishConnection needs both authorisations");
    const dataverse = dataverseFor(connection.dataverse);
    const installed = install ?? (await checkInstallation(dataverse));
    if (!installed.ok)
      return problem(409, "The Xero Connector solution needs attention", installed.message, installed.action);
    const grant = await vault.getGrantInfo(connection.id);
    if (grant === undefined)
      return problem(
        409,
        "Xero is not connected yet",
        "No Xero authorisation is stored for this connection.",
        startAgain,
      );
    const organisation = {
      tenantId: connection.xero.tenantId,
      tenantName: connection.xero.tenantName,
      grantExpiresOn: grant.grantExpiresOn,
    };
    const setUp = await exclusiveIn(connection.dataverse.url, async () => {
      const other = (await connectedElsewhere(connection)).get(organisation.tenantId);
      if (other === undefined)
        return { kind: "set-up" as const, connector: await ensureConnector(dataverse, organisation) };
      // Dynamics 365 came last, and the organisation chosen earlier (when the environment was unknown) turns out to
      // be served by another connection here: dropped from this one (under the lease, so the next check no longer
      // counts it), which keeps its Dynamics 365 part; a fresh Xero link lets the customer pick another.
      const released = await connections.update(connection.id, (current) => ({ ...current, xero: null }));
      return { kind: "taken" as const, other, released };
    });
    if (setUp.kind === "taken") {
      await vault.deleteGrant(connection.id);
      return alreadyConnected(await issueNextStep(setUp.released.id, "xero"), setUp.released, setUp.other);
    }
    const { connector } = setUp;
    const createdFlows = await ensureDataFlows(dataverse, connector.connectorId);
    const wasRunning = connection.status === "connected" && connection.connectorId === connector.connectorId;
    const updated = await connections.update(connection.id, (current) => ({
      ...current,
      connectorId: connector.connectorId,
      status: "connected",
      statusReason: null,
    }));
    log.info("connection complete", {
      connectorId: connector.connectorId,
      connectorCreated: connector.created,
      dataFlowsCreated: createdFlows.length,
    });
    await deps.health?.refresh(updated.id);
    const another = anotherOrganisationButton(updated.id);
    if (wasRunning)
      return {
        status: 200,
        page: renderReauthorisedPage(
          {
            step,
            xeroOrganisation: connection.xero.tenantName,
            environmentUrl: connection.dataverse.url,
            connectorName: connector.name,
          },
          another,
        ),
      };
    const firstSync = await startFirstSync(
      {
        queue: deps.queue,
        scopes: deps.scopes,
        clock,
        logger: deps.logger,
        ...(deps.registerRealtime === undefined ? {} : { registerRealtime: deps.registerRealtime }),
      },
      {
        connection: updated,
        connectorId: connector.connectorId,
        dataverse,
        realtimeEnabled: connector.realtimeEnabled,
      },
    );
    return {
      status: 200,
      page: renderConnectedPage(
        {
          xeroOrganisation: connection.xero.tenantName,
          environmentUrl: connection.dataverse.url,
          connectorName: connector.name,
          isDefault: connector.isDefault,
          solutionVersion: installed.solutionVersion,
          firstSync: firstSync.flows.map((flow) => dataFlowDefaults.find((row) => row.flow === flow)?.name ?? flow),
          realtime: firstSync.realtime,
        },
        another,
      ),
    };
  };

  /** The Xero organisation is chosen: use the link up, record the organisation, then the next step. */
  const completeXero = async (
    token: string,
    connection: Connection,
    organisation: OrganisationOption,
  ): Promise<PageAnswer> => {
    const recorded = await exclusiveIn(connection.dataverse?.url, async () => {
      const other = (await connectedElsewhere(connection)).get(organisation.tenantId);
      if (other !== undefined) return { kind: "taken" as const, other };
      const refused = await consumeLink(token, "xero");
      if (refused !== undefined) return { kind: "refused" as const, refused };
      const updated = await connections.update(connection.id, (current) => ({
        ...current,
        xero: { tenantId: organisation.tenantId, tenantName: organisation.tenantName },
      }));
      return { kind: "recorded" as const, updated };
    });
    if (recorded.kind === "taken") return alreadyConnected(xeroLinkUrl(token), connection, recorded.other);
    if (recorded.kind === "refused") return { ...recorded.refused, cookies: [clearCookie] };
    const { updated } = recorded;
    deps.logger.info("xero organisation authorised", { connectionId: connection.id, tenantId: organisation.tenantId });
    if (updated.dataverse === null)
      return { status: 303, location: await issueNextStep(updated.id, "dynamics"), cookies: [clearCookie] };
    return { ...(await finishConnection(updated, "xero")), cookies: [clearCookie] };
  };

  const organisationsOf = async (
    accessToken: string,
    authEventId: string | undefined,
  ): Promise<OrganisationOption[]> => {
    const read = (eventId: string | undefined) =>
      readXeroConnections(config.xero.connectionsUrl, accessToken, {
        ...endpointOptions,
        ...(eventId === undefined ? {} : { authEventId: eventId }),
      });
    let list = await read(authEventId);
    // Reconnecting an organisation that was already connected may keep its older event id: fall back to them all.
    if (list.length === 0 && authEventId !== undefined) list = await read(undefined);
    return list.map((item) => ({ tenantId: item.tenantId, tenantName: item.tenantName ?? item.tenantId }));
  };

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
  const consentCallbackUri = `${apiBase}/${onboardingRoutes.dynamicsConsentCallback}`;
  const consentCookie = (value: string, maxAge: number): OnboardingCookie => ({
    ...cookie(value, maxAge),
    name: dynamicsConsentCookieName,
  });
  const clearConsentCookie = consentCookie("", 0);
  const dynamicsLinkUrl = (token: string): string =>
    `${apiBase}/${onboardingRoutes.dynamics}?token=${encodeURIComponent(token)}`;
  const backToDynamics = (token: string) => ({ href: dynamicsLinkUrl(token), label: "Back to the Dynamics 365 step" });
  const signInCallbackUri = `${apiBase}/${onboardingRoutes.dynamicsSignInCallback}`;

  /** Entra refused the service's own app secret: nothing the customer can fix (the log names the setting). */
  const serviceAppRefused = (log: Logger, tenantId: string): PageAnswer => {
    log.error("the service's dynamics 365 app was refused (check DATAVERSE_APP_CLIENT_SECRET)", { tenantId });
    return problem(
      503,
      "The Xero Connector service could not sign in",
      "Microsoft Entra ID refused the Xero Connector app's own credentials. This is a problem on our side, not in your environment.",
      "Please tell Xero Connector support; your link keeps working, so you can finish here once it is fixed.",
    );
  };

  /** The service's app in the customer's tenant: token, WhoAmI, a read of the solution's table, the install checks. */
  const checkAppInTenant = async (
    credentials: DataverseCredentials,
  ): Promise<
    | { ok: true; organizationId: string; install: InstallCheck }
    | { ok: false; gap: AppConsentGap | "service"; message: string }
  > => {
    const check = await verifyDynamicsCredentials(credentials, {
      authorityUrl: config.dataverse.authorityUrl,
      clock,
      ...(deps.fetch === undefined ? {} : { fetch: deps.fetch }),
    });
    if (!check.ok) {
      const gap = toAppConsentGap(check.problem);
      const message = gap === "service" ? "" : gap === "solution-missing" ? check.message : appConsentMessages[gap];
      return { ok: false, gap, message };
    }
    const install = await checkInstallation(dataverseFor(credentials));
    if (!install.ok) return { ok: false, gap: "solution-missing", message: install.message };
    return { ok: true, organizationId: check.whoAmI.OrganizationId, install };
  };

  /**
   * Checks the service's app in the tenant the administrator approved. Connected on success (the link used up, the
   * connection stored as app consent); otherwise the page that says what is left to do, with a "Check again" ticket
   * bound to this link, environment and tenant.
   */
  const verifyAppConsent = async (
    token: string,
    link: LinkPayload,
    connection: Connection,
    target: { environmentUrl: string; tenantId: string; objectId: string },
    /** Straight after the sign-in: a directory that has not approved the app goes on to Entra's admin consent. */
    consentIfMissing = false,
  ): Promise<PageAnswer> => {
    if (app === undefined) return appConsentUnavailable();
    const log = deps.logger.child({ connectionId: connection.id });
    const credentials: DataverseCredentials = {
      url: target.environmentUrl,
      tenantId: target.tenantId,
      clientId: app.clientId,
      clientSecret: app.clientSecret,
      authorisation: "app-consent",
    };
    const checked = await checkAppInTenant(credentials);
    if (!checked.ok && checked.gap === "not-consented" && consentIfMissing) {
      const state = newAppConsentToken(
        {
          linkId: link.id,
          environmentUrl: target.environmentUrl,
          tenantId: target.tenantId,
          objectId: target.objectId,
        },
        "consent",
        config.links.signingKey,
        clock.now(),
      );
      log.info("dynamics 365 admin consent started", { tenantId: target.tenantId });
      return {
        status: 303,
        location: toAdminConsentUrl(config.dataverse.authorityUrl, {
          tenantId: target.tenantId,
          clientId: app.clientId,
          environmentUrl: target.environmentUrl,
          redirectUri: consentCallbackUri,
          state,
        }),
        cookies: [consentCookie(token, cookieLifetimeSeconds)],
      };
    }
    if (!checked.ok) {
      const { gap, message } = checked;
      if (gap === "service") return serviceAppRefused(log, target.tenantId);
      log.info("app consent not complete yet", { gap, tenantId: target.tenantId });
      const ticket = newAppConsentToken(
        {
          linkId: link.id,
          environmentUrl: target.environmentUrl,
          tenantId: target.tenantId,
          objectId: target.objectId,
        },
        "check",
        config.links.signingKey,
        clock.now(),
      );
      return {
        status: 409,
        page: renderAppConsentSteps({
          gap,
          message,
          environmentUrl: target.environmentUrl,
          appId: app.clientId,
          roleName: serviceRoleName,
          realtimeRoleName,
          check: { action: `${apiBase}/${onboardingRoutes.dynamicsConsentCheck}`, token, ticket },
          restart: dynamicsLinkUrl(token),
        }),
        cookies: [clearConsentCookie],
      };
    }
    const refused = await consumeLink(token, "dynamics");
    if (refused !== undefined) return { ...refused, cookies: [clearConsentCookie] };
    const updated = await connections.update(connection.id, (current) => ({ ...current, dataverse: credentials }));
    log.info("dynamics 365 authorised through app consent", {
      tenantId: target.tenantId,
      organizationId: checked.organizationId,
    });
    if (updated.xero === null)
      return { status: 303, location: await issueNextStep(updated.id, "xero"), cookies: [clearConsentCookie] };
    return { ...(await finishConnection(updated, "dynamics", checked.install)), cookies: [clearConsentCookie] };
  };

  return {
    async startXero(token) {
      const opened = await openLink(token, "xero");
      if (!opened.ok) return opened.answer;
      const consent = newConsentState(opened.link.id, config.links.signingKey, clock.now());
      const location = toXeroAuthorizeUrl(config.xero, {
        redirectUri,
        state: consent.state,
        codeChallenge: consent.codeChallenge,
      });
      deps.logger.info("xero consent started", { connectionId: opened.connection.id });
      return { status: 302, location, cookies: [cookie(token ?? "", cookieLifetimeSeconds)] };
    },

    async completeXeroConsent(query, cookieToken) {
      if (cookieToken === undefined || cookieToken === "") {
        deps.logger.warn("xero callback without the onboarding cookie refused");
        return problem(
          400,
          "This sign-in did not start here",
          "The answer from Xero does not belong to a sign-in started in this browser.",
          startAgain,
        );
      }
      const opened = await openLink(cookieToken, "xero");
      if (!opened.ok) return { ...opened.answer, cookies: [clearCookie] };
      const state = checkConsentState(query.state ?? "", config.links.signingKey, clock.now(), opened.link.id);
      if (!state.ok) {
        deps.logger.warn("xero callback state refused", { connectionId: opened.connection.id, reason: state.reason });
        return problem(
          400,
          "This sign-in could not be verified",
          "The answer from Xero does not match the sign-in this browser started (its state did not match).",
          startAgain,
        );
      }
      if (query.error !== undefined) {
        deps.logger.info("xero consent not given", {
          connectionId: opened.connection.id,
          error: query.error.slice(0, 40),
        });
        return query.error === "access_denied"
          ? problem(
              400,
              "Xero was not connected",
              "You cancelled on Xero's page, so nothing was connected.",
              "Open your link again when you are ready; it still works.",
            )
          : problem(
              400,
              "Xero did not complete the sign-in",
              "Xero answered with an error instead of an authorisation.",
              startAgain,
            );
      }
      if (query.code === undefined || query.code === "")
        return problem(400, "Xero did not complete the sign-in", "Xero's answer carried no authorisation.", startAgain);
      let tokenSet: XeroTokenSet;
      try {
        tokenSet = await exchangeXeroAuthorizationCode(
          xeroCredentials,
          { code: query.code, redirectUri, codeVerifier: state.codeVerifier },
          endpointOptions,
        );
        deps.logger.addSecrets([
          tokenSet.accessToken,
          tokenSet.refreshToken,
          ...(tokenSet.idToken === undefined ? [] : [tokenSet.idToken]),
        ]);
      } catch (thrown) {
        deps.logger.warn("xero code exchange failed", {
          connectionId: opened.connection.id,
          error: toSyncError(thrown, "xero-identity"),
        });
        return problem(
          400,
          "Xero did not accept the sign-in",
          "The authorisation from Xero had expired or was already used (this happens when a page is reloaded).",
          startAgain,
        );
      }
      const organisations = await organisationsOf(tokenSet.accessToken, toAuthEventId(tokenSet.accessToken));
      if (organisations.length === 0) {
        return problem(
          400,
          "No Xero organisation was connected",
          "Xero's sign-in finished without any organisation.",
          `Tick at least one organisation on Xero's page. ${startAgain}`,
        );
      }
      // A reauthorisation must cover the organisation the connection serves; the working grant stays until it does.
      const serving = opened.connection.xero;
      if (serving !== null && !organisations.some((organisation) => organisation.tenantId === serving.tenantId)) {
        return problem(
          400,
          `Reconnect ${serving.tenantName}`,
          `This link reconnects ${serving.tenantName}, which was not ticked on Xero's page.`,
          `Open the link again and tick ${serving.tenantName}. To connect another organisation, finish this first, then choose Connect another Xero organisation on the page that confirms it.`,
        );
      }
      // Reauthorising the organisation this connection already serves needs no choice.
      const current = organisations.find((organisation) => organisation.tenantId === opened.connection.xero?.tenantId);
      const taken = await connectedElsewhere(opened.connection);
      const firstTaken = organisations.map((organisation) => taken.get(organisation.tenantId)).find(Boolean);
      // Nothing this consent reached is free here: refused before its grant is stored.
      if (current === undefined && firstTaken !== undefined && organisations.every((o) => taken.has(o.tenantId)))
        return alreadyConnected(xeroLinkUrl(cookieToken), opened.connection, firstTaken);
      await vault.storeGrant(opened.connection.id, tokenSet);
      const only = organisations.length === 1 ? organisations[0] : undefined;
      const chosen = current ?? only;
      if (chosen !== undefined) return completeXero(cookieToken, opened.connection, chosen);
      return {
        status: 200,
        page: renderOrganisationChoice({
          action: `${apiBase}/${onboardingRoutes.xeroOrganisation}`,
          organisations,
          connected: new Set(taken.keys()),
        }),
      };
    },

    async chooseOrganisation(tenantId, cookieToken) {
      if (cookieToken === undefined || cookieToken === "")
        return problem(
          400,
          "This choice did not start here",
          "The organisation choice does not belong to a sign-in in this browser.",
          startAgain,
        );
      const opened = await openLink(cookieToken, "xero");
      if (!opened.ok) return { ...opened.answer, cookies: [clearCookie] };
      const organisations = await organisationsOf(await vault.getAccessToken(opened.connection.id), undefined);
      const serving = opened.connection.xero?.tenantId;
      const chosen = organisations.find(
        (organisation) => organisation.tenantId === tenantId && (serving === undefined || serving === tenantId),
      );
      if (chosen === undefined)
        return problem(
          400,
          "That organisation is not authorised",
          "The organisation chosen is not one you authorised on Xero's page.",
          startAgain,
        );
      return completeXero(cookieToken, opened.connection, chosen);
    },

    async connectAnotherOrganisation(raw) {
      const ticket = checkAnotherOrganisationTicket(raw["ticket"] ?? "", config.links.signingKey, clock.now());
      if (!ticket.ok) {
        deps.logger.warn("another organisation ticket refused", { reason: ticket.reason });
        return ticket.reason === "expired"
          ? problem(
              410,
              "This page has expired",
              "The button to connect another Xero organisation works for 30 minutes after the connection is confirmed.",
              "Ask Xero Connector support for a link to connect another organisation.",
            )
          : problem(
              400,
              "This request could not be verified",
              "The button's ticket was changed or cut short, so nothing was created.",
              "Go back to the page that confirmed your connection and choose Connect another Xero organisation again.",
            );
      }
      const source = await connections.get(ticket.sourceConnectionId);
      if (source === undefined || source.dataverse === null) {
        deps.logger.warn("another organisation for a connection that does not exist refused", {
          connectionId: ticket.sourceConnectionId,
        });
        return problem(
          410,
          "This connection no longer exists",
          "The connection this page was shown for has been removed, so there is nothing to add an organisation to.",
          "Ask Xero Connector support for a new link.",
        );
      }
      const id = toAnotherConnectionId(ticket.nonce, config.links.signingKey);
      let target = await connections.get(id);
      if (target === undefined) {
        try {
          target = await connections.copyDynamics(source.id, { id });
        } catch (thrown) {
          // The same ticket posted twice at once: the other request created it.
          if (!(isSyncError(thrown) && thrown.kind === "conflict")) throw thrown;
          target = await connections.require(id);
        }
        deps.logger.info("another xero organisation started", { connectionId: id, sourceConnectionId: source.id });
      }
      if (target.xero !== null)
        return problem(
          409,
          "This button was used already",
          `${target.xero.tenantName} was connected from it.`,
          "To connect yet another Xero organisation, choose Connect another Xero organisation on the page that confirmed that connection.",
        );
      // A second click supersedes the first: only the newest Xero link of the new connection works.
      await links.revokeForConnection(id, "xero");
      return { status: 303, location: await issueNextStep(id, "xero") };
    },

    async showDynamicsForm(token) {
      const opened = await openLink(token, "dynamics");
      if (!opened.ok) return opened.answer;
      return { status: 200, page: dynamicsForm(token ?? "", opened.connection, dynamicsValues(opened.connection)) };
    },

    async submitDynamicsForm(raw) {
      const token = raw["token"] ?? "";
      const opened = await openLink(token, "dynamics");
      if (!opened.ok) return opened.answer;
      const { connection } = opened;
      const parsed = DynamicsForm.safeParse({
        environmentUrl: raw["environmentUrl"] ?? "",
        tenantId: raw["tenantId"] ?? "",
        clientId: raw["clientId"] ?? "",
        clientSecret: raw["clientSecret"] ?? "",
      });
      const values: DynamicsFormValues = parsed.success
        ? { environmentUrl: parsed.data.environmentUrl, tenantId: parsed.data.tenantId, clientId: parsed.data.clientId }
        : dynamicsValues(connection);
      const again = (status: number, found: { message: string; action: string }): PageAnswer => ({
        status,
        page: dynamicsForm(token, connection, values, found),
      });
      if (
        !parsed.success ||
        parsed.data.tenantId === "" ||
        parsed.data.clientId === "" ||
        parsed.data.clientSecret === ""
      ) {
        return again(400, {
          message: "Every field is needed.",
          action: "Fill in the environment URL, the tenant id, the client id and the client secret.",
        });
      }
      const url = toEnvironmentUrl(parsed.data.environmentUrl);
      if (url === undefined)
        return again(400, {
          message: "The environment URL is not a URL.",
          action: "Copy it from the Power Platform admin center (it looks like https://yourorg.crm.dynamics.com).",
        });
      const credentials: DataverseCredentials = {
        url,
        tenantId: parsed.data.tenantId,
        clientId: parsed.data.clientId,
        clientSecret: parsed.data.clientSecret,
      };
      deps.logger.addSecrets([credentials.clientSecret]);
      const check = await verifyDynamicsCredentials(credentials, {
        authorityUrl: config.dataverse.authorityUrl,
        clock,
        ...(deps.fetch === undefined ? {} : { fetch: deps.fetch }),
      });
      if (!check.ok) {
        deps.logger.info("dynamics credentials refused", { connectionId: connection.id, problem: check.problem });
        return again(400, check);
      }
      const install = await checkInstallation(dataverseFor(credentials));
      if (!install.ok) {
        deps.logger.info("install check failed", { connectionId: connection.id, problem: install.problem });
        return again(409, install);
      }
      const refused = await consumeLink(token, "dynamics");
      if (refused !== undefined) return refused;
      const updated = await connections.update(connection.id, (current) => ({ ...current, dataverse: credentials }));
      deps.logger.info("dynamics 365 authorised", {
        connectionId: connection.id,
        organizationId: check.whoAmI.OrganizationId,
      });
      if (updated.xero === null) return { status: 303, location: await issueNextStep(updated.id, "xero") };
      return finishConnection(updated, "dynamics", install);
    },

    async startAppConsent(raw) {
      const token = raw["token"] ?? "";
      const opened = await openLink(token, "dynamics");
      if (!opened.ok) return opened.answer;
      if (app === undefined) return appConsentUnavailable();
      const { connection } = opened;
      const typed = z
        .string()
        .trim()
        .max(400)
        .safeParse(raw["environmentUrl"] ?? "");
      const values = { ...dynamicsValues(connection), environmentUrl: typed.success ? typed.data : "" };
      const again = (found: { message: string; action: string }): PageAnswer => ({
        status: 400,
        page: dynamicsForm(token, connection, values, found),
      });
      const url = typed.success ? toEnvironmentUrl(typed.data) : undefined;
      if (url === undefined)
        return again({
          message: "The environment URL is not a URL.",
          action: "Copy it from the Power Platform admin center (it looks like https://yourorg.crm.dynamics.com).",
        });
      const discovery = await discoverTenant(url, deps.fetch === undefined ? {} : { fetch: deps.fetch });
      if (!discovery.ok) {
        deps.logger.info("dynamics 365 environment not recognised", {
          connectionId: connection.id,
          problem: discovery.problem,
        });
        return again(
          {
            "bad-url": {
              message: "The environment URL must be an https address.",
              action: "Copy it from the Power Platform admin center (it looks like https://yourorg.crm.dynamics.com).",
            },
            "not-dataverse": {
              message: "That address did not answer as a Dynamics 365 environment.",
              action:
                "Copy the environment URL from the Power Platform admin center (Environments → your environment → Environment URL).",
            },
            unreachable: {
              message: "The environment could not be reached.",
              action: "Check the environment URL and try again in a minute.",
            },
          }[discovery.problem],
        );
      }
      // Sign the administrator in first: only a verified System Administrator of this environment gets further.
      const nonce = randomBytes(16).toString("base64url");
      const target: AppConsentTarget = {
        linkId: opened.link.id,
        environmentUrl: url,
        tenantId: discovery.tenantId,
        nonce,
      };
      const state = newAppConsentToken(target, "sign-in", config.links.signingKey, clock.now());
      deps.logger.info("dynamics 365 sign-in started", { connectionId: connection.id, tenantId: discovery.tenantId });
      return {
        status: 303,
        location: toAuthorizeUrl(config.dataverse.authorityUrl, {
          tenantId: discovery.tenantId,
          clientId: app.clientId,
          redirectUri: signInCallbackUri,
          environmentUrl: url,
          state,
          nonce,
          codeChallenge: toSignInCodeChallenge(state, config.links.signingKey),
        }),
        cookies: [consentCookie(token, cookieLifetimeSeconds)],
      };
    },

    async completeSignIn(query, cookieToken) {
      // The browser binding and the state come first: no code is redeemed for an answer that is not ours.
      if (cookieToken === undefined || cookieToken === "") {
        deps.logger.warn("dynamics sign-in callback without the onboarding cookie refused");
        return problem(
          400,
          "This sign-in did not start here",
          "The answer from Microsoft does not belong to a sign-in started in this browser.",
          startAgain,
        );
      }
      const opened = await openLink(cookieToken, "dynamics");
      if (!opened.ok) return { ...opened.answer, cookies: [clearConsentCookie] };
      if (app === undefined) return appConsentUnavailable();
      const log = deps.logger.child({ connectionId: opened.connection.id });
      const stateText = query.state ?? "";
      const state = checkAppConsentToken(stateText, "sign-in", config.links.signingKey, clock.now(), opened.link.id);
      if (!state.ok) {
        log.warn("dynamics sign-in callback state refused", { reason: state.reason });
        return problem(
          400,
          "This sign-in could not be verified",
          "The answer from Microsoft does not match the sign-in this browser started (its state did not match).",
          startAgain,
        );
      }
      const refuse = (status: number, title: string, message: string, action: string): PageAnswer => ({
        status,
        page: renderProblemPage({ title, message, action, next: backToDynamics(cookieToken) }),
        cookies: [clearConsentCookie],
      });
      const answer = toSignInAnswer(query);
      if (answer.kind === "cancelled") {
        log.info("dynamics sign-in cancelled");
        return refuse(
          400,
          "Sign-in cancelled",
          "The sign-in was cancelled on Microsoft's page, so nothing was connected.",
          "Your link still works: go back and sign in with your Microsoft 365 admin account when you are ready, or use your own app registration instead.",
        );
      }
      if (answer.kind !== "code") {
        log.info("dynamics sign-in not completed", { error: answer.kind === "failed" ? answer.error : "incomplete" });
        return refuse(
          400,
          "Microsoft did not complete the sign-in",
          answer.kind === "failed"
            ? `Microsoft answered with an error (${answer.error}) instead of a sign-in.`
            : "Microsoft's answer carried no sign-in.",
          "Your link still works: go back and try again.",
        );
      }
      deps.logger.addSecrets([answer.code]);
      const invalid = (): PageAnswer =>
        refuse(
          400,
          "The sign-in could not be verified",
          "Microsoft's sign-in could not be verified, so nothing was connected.",
          "Your link still works: go back and sign in again. If this keeps happening, tell Xero Connector support.",
        );
      let tokens: SignInTokens;
      try {
        tokens = await redeemSignInCode(
          config.dataverse.authorityUrl,
          {
            tenantId: state.tenantId,
            clientId: app.clientId,
            clientSecret: app.clientSecret,
            code: answer.code,
            redirectUri: signInCallbackUri,
            codeVerifier: toSignInCodeVerifier(stateText, config.links.signingKey),
            environmentUrl: state.environmentUrl,
          },
          {
            nowMs: clock.now(),
            onTokens: (issued) => deps.logger.addSecrets([issued.accessToken, issued.idToken]),
            ...(deps.fetch === undefined ? {} : { fetch: deps.fetch }),
          },
        );
      } catch (thrown) {
        const error = toSyncError(thrown, "entra");
        if (error.details.type === "invalid_client") return serviceAppRefused(log, state.tenantId);
        log.warn("dynamics sign-in code redemption failed", { error });
        return invalid();
      }
      let refusal: IdTokenRefusal | "keys-unavailable" | undefined;
      let objectId = "";
      try {
        const keys = await fetchSigningKeys(config.dataverse.authorityUrl, state.tenantId, {
          nowMs: clock.now(),
          ...(deps.fetch === undefined ? {} : { fetch: deps.fetch }),
        });
        const checked = validateIdToken(tokens.idToken, keys, {
          authorityUrl: config.dataverse.authorityUrl,
          clientId: app.clientId,
          nonce: state.nonce,
          tenantId: state.tenantId,
          nowMs: clock.now(),
        });
        if (checked.ok) objectId = checked.person.objectId;
        else refusal = checked.reason;
      } catch (thrown) {
        log.warn("dynamics sign-in keys unavailable", { error: toSyncError(thrown, "entra") });
        refusal = "keys-unavailable";
      }
      if (refusal === "wrong-tenant") {
        log.warn("dynamics sign-in in another directory refused", { tenantId: state.tenantId });
        return refuse(
          403,
          "Signed in to a different directory",
          "You signed in with an account of a Microsoft Entra directory other than the one your Dynamics 365 environment belongs to.",
          "Go back and sign in with an administrator account of the environment's own directory.",
        );
      }
      if (refusal !== undefined) {
        log.warn("dynamics sign-in id token refused", { reason: refusal, tenantId: state.tenantId });
        return invalid();
      }
      const membership = await readEnvironmentMembership(state.environmentUrl, tokens.accessToken, {
        ...(deps.fetch === undefined ? {} : { fetch: deps.fetch }),
      });
      if (!membership.ok && membership.problem === "not-a-user") {
        log.info("dynamics sign-in by someone who is not a user of the environment", { tenantId: state.tenantId });
        return refuse(
          403,
          "You are not a user of this environment",
          `The account you signed in with is not a user of ${state.environmentUrl}.`,
          "Sign in with the Microsoft 365 admin account of a System Administrator of this environment, or ask one to open this link.",
        );
      }
      if (!membership.ok) {
        log.info("dynamics environment did not answer the signed-in user", { tenantId: state.tenantId });
        return refuse(
          503,
          "Your environment did not answer",
          "The environment could not be reached to check your account.",
          "Wait a minute, then go back and try again.",
        );
      }
      if (!membership.isAdministrator) {
        log.info("dynamics sign-in by a user who is not a system administrator", { tenantId: state.tenantId });
        return refuse(
          403,
          "You are not a System Administrator of this environment",
          `Your account is a user of ${state.environmentUrl} but does not hold the ${systemAdministratorRole} role there.`,
          `Ask a ${systemAdministratorRole} of this environment to open this link, or to give you that role.`,
        );
      }
      log.info("dynamics 365 administrator signed in", { tenantId: state.tenantId });
      return verifyAppConsent(
        cookieToken,
        opened.link,
        opened.connection,
        { environmentUrl: state.environmentUrl, tenantId: state.tenantId, objectId },
        true,
      );
    },

    async completeAppConsent(query, cookieToken) {
      // The browser binding and the state come first: nothing else is read or called for an answer that is not ours.
      if (cookieToken === undefined || cookieToken === "") {
        deps.logger.warn("dynamics consent callback without the onboarding cookie refused");
        return problem(
          400,
          "This approval did not start here",
          "The answer from Microsoft does not belong to an approval started in this browser.",
          startAgain,
        );
      }
      const opened = await openLink(cookieToken, "dynamics");
      if (!opened.ok) return { ...opened.answer, cookies: [clearConsentCookie] };
      const state = checkAppConsentToken(
        query.state ?? "",
        "consent",
        config.links.signingKey,
        clock.now(),
        opened.link.id,
      );
      if (!state.ok) {
        deps.logger.warn("dynamics consent callback state refused", {
          connectionId: opened.connection.id,
          reason: state.reason,
        });
        return problem(
          400,
          "This approval could not be verified",
          "The answer from Microsoft does not match the approval this browser started (its state did not match).",
          startAgain,
        );
      }
      const answer = toAdminConsentAnswer(query);
      const retry = { href: dynamicsLinkUrl(cookieToken), label: "Back to the Dynamics 365 step" };
      if (answer.kind === "cancelled") {
        deps.logger.info("dynamics consent cancelled", { connectionId: opened.connection.id });
        return {
          status: 400,
          page: renderProblemPage({
            title: "The Xero Connector app was not approved",
            message: "The approval was cancelled on Microsoft's page, so nothing was connected.",
            action:
              "Your link still works: go back and approve again when you are ready (a Microsoft Entra administrator of the environment's directory has to approve), or use your own app registration instead.",
            next: retry,
          }),
          cookies: [clearConsentCookie],
        };
      }
      if (answer.kind !== "granted") {
        deps.logger.info("dynamics consent not given", {
          connectionId: opened.connection.id,
          error: answer.kind === "failed" ? answer.error : "incomplete",
        });
        return {
          status: 400,
          page: renderProblemPage({
            title: "Microsoft did not complete the approval",
            message:
              answer.kind === "failed"
                ? `Microsoft answered with an error (${answer.error}) instead of an approval.`
                : "Microsoft's answer carried no approval.",
            action:
              "Only a Microsoft Entra administrator of the environment's directory can approve the app. Your link still works: go back and try again.",
            next: retry,
          }),
          cookies: [clearConsentCookie],
        };
      }
      if (answer.tenantId !== state.tenantId.toLowerCase()) {
        deps.logger.warn("dynamics consent given in another tenant", { connectionId: opened.connection.id });
        return {
          status: 400,
          page: renderProblemPage({
            title: "Approved in a different directory",
            message:
              "The app was approved in a Microsoft Entra directory other than the one your Dynamics 365 environment belongs to.",
            action:
              "Go back and approve again, signing in to Microsoft with an administrator account of the environment's own directory.",
            next: retry,
          }),
          cookies: [clearConsentCookie],
        };
      }
      if (state.objectId === undefined) throw new Error("a consent state always names who signed in");
      return verifyAppConsent(cookieToken, opened.link, opened.connection, {
        environmentUrl: state.environmentUrl,
        tenantId: state.tenantId,
        objectId: state.objectId,
      });
    },

    async checkAppConsentAgain(raw) {
      const token = raw["token"] ?? "";
      const opened = await openLink(token, "dynamics");
      if (!opened.ok) return opened.answer;
      const ticket = checkAppConsentToken(
        raw["ticket"] ?? "",
        "check",
        config.links.signingKey,
        clock.now(),
        opened.link.id,
      );
      if (!ticket.ok) {
        deps.logger.warn("dynamics consent check refused", {
          connectionId: opened.connection.id,
          reason: ticket.reason,
        });
        return {
          status: 400,
          page: renderProblemPage({
            title: "This check could not be verified",
            message:
              ticket.reason === "expired"
                ? "This page is too old to check again."
                : "This check does not belong to the approval made with this link.",
            action:
              "Go back to the Dynamics 365 step and approve the app again; it only takes a moment if it is already approved.",
            next: { href: dynamicsLinkUrl(token), label: "Back to the Dynamics 365 step" },
          }),
        };
      }
      if (ticket.objectId === undefined) throw new Error("a check ticket always names who signed in");
      return verifyAppConsent(token, opened.link, opened.connection, {
        environmentUrl: ticket.environmentUrl,
        tenantId: ticket.tenantId,
        objectId: ticket.objectId,
      });
    },
  };
}
