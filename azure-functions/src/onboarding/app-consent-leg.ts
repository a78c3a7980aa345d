// The app-consent Dynamics 365 leg: the environment URL, the administrator's sign-in, Entra's admin consent for the
// service's multi-tenant app, and its checks in the customer's tenant ("Check again").
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
import { verifyDynamicsCredentials, type CredentialProblem } from "../adapters/dataverse/verify-credentials";
import type { Connection, DataverseCredentials } from "../adapters/table-storage/connection-store";
import { toSyncError } from "../core/errors";
import type { Logger } from "../core/logger";
import type { LinkPayload } from "../links/signed-links";
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
import { checkInstallation, type InstallCheck } from "./install-checks";
import { renderAppConsentSteps, renderProblemPage, type AppConsentGap } from "./pages";
import type { Onboarding, OnboardingCookie, OnboardingDependencies, PageAnswer } from "./onboarding";
import type { FinishConnection } from "./complete-connection";
import {
  onboardingRoutes,
  dynamicsConsentCookieName,
  serviceRoleName,
  realtimeRoleName,
  cookieLifetimeSeconds,
  toEnvironmentUrl,
  problem,
  appConsentUnavailable,
  startAgain,
  type OnboardingShared,
} from "./onboarding-shared";

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

export type AppConsentLeg = Pick<
  Onboarding,
  "startAppConsent" | "completeSignIn" | "completeAppConsent" | "checkAppConsentAgain"
>;

export function createAppConsentLeg(
  deps: OnboardingDependencies,
  shared: OnboardingShared,
  finishConnection: FinishConnection,
): AppConsentLeg {
  const { config, connections, clock } = deps;
  const { apiBase, dataverseFor, cookie, openLink, consumeLink, issueNextStep, dynamicsValues, dynamicsForm } = shared;
  const app = config.dataverse.app;
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
