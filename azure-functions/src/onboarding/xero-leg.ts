// The Xero leg: the signed link to Xero's consent, the callback (code exchanged, grant stored), the organisation
// choice, and "Connect another Xero organisation".
import type { Connection } from "../adapters/table-storage/connection-store";
import { exchangeXeroAuthorizationCode, type XeroTokenSet } from "../adapters/table-storage/xero-token-endpoint";
import { isSyncError, toSyncError } from "../core/errors";
import { checkConsentState, newConsentState, toXeroAuthorizeUrl } from "../links/authorization";
import { checkAnotherOrganisationTicket, toAnotherConnectionId } from "./another-organisation";
import { renderOrganisationChoice, type OrganisationOption } from "./pages";
import { readXeroConnections, toAuthEventId } from "./xero-connections";
import type { Onboarding, OnboardingDependencies, PageAnswer } from "./onboarding";
import type { FinishConnection } from "./complete-connection";
import {
  onboardingRoutes,
  cookieLifetimeSeconds,
  problem,
  startAgain,
  type OnboardingShared,
} from "./onboarding-shared";

export type XeroLeg = Pick<
  Onboarding,
  "startXero" | "completeXeroConsent" | "chooseOrganisation" | "connectAnotherOrganisation"
>;

export function createXeroLeg(
  deps: OnboardingDependencies,
  shared: OnboardingShared,
  finishConnection: FinishConnection,
): XeroLeg {
  const { config, links, connections, vault, clock } = deps;
  const {
    apiBase,
    endpointOptions,
    cookie,
    clearCookie,
    openLink,
    consumeLink,
    issueNextStep,
    connectedElsewhere,
    alreadyConnected,
    xeroLinkUrl,
    exclusiveIn,
  } = shared;
  const redirectUri = `${apiBase}/${onboardingRoutes.xeroCallback}`;
  const xeroCredentials = {
    identityUrl: config.xero.identityUrl,
    clientId: config.xero.clientId,
    clientSecret: config.xero.clientSecret,
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
  };
}
