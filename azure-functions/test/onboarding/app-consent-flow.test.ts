// The Dynamics 365 app-consent path end to end without a browser: Azurite, the Xero emulator, and the Dataverse
// emulator's bearer challenge, Entra sign-in ("Pick an account", code flow, ID tokens, JWKS), admin consent page,
// client credentials for the service's multi-tenant app, users, roles and application users. Sign in as the
// environment's administrator, approve, then the steps still to do (application user, its role) with "Check again",
// connected and syncing as the app's application user; an approved directory skips the consent page; cancel at either
// page; state and cookie refused before anything else; forged consent callbacks get nowhere; people who are not
// users or not System Administrators of the environment are refused; bad URLs; the solution missing; no
// per-connection secret stored.
import { mag_xeroaccountcode, mag_xeroconnector, mag_xerostatus } from "../../src/generated/dataverse";
import { createService } from "../../src/composition";
import { openAllTables } from "../../src/adapters/table-storage/tables";
import { newAppConsentToken } from "../../src/onboarding/app-consent";
import { createOnboarding, type PageAnswer } from "../../src/onboarding/onboarding";
import { findSecretsInLogs } from "../support/log-scan";
import {
  adminConsent,
  consent,
  cookieOf,
  consentCallbackUri,
  grantAppConsent,
  signIn,
  signInCallbackUri,
  startHarness,
  tokenOf,
  type Harness,
} from "./harness";

const cc = mag_xeroconnector.columns;
const role = "Xero Connector Service";
const textOf = (answer: PageAnswer): string => answer.page?.html ?? "";
const ticketOf = (answer: PageAnswer): string => /name="ticket" value="([^"]+)"/.exec(textOf(answer))?.[1] ?? "";

describe("Dynamics 365 through admin consent to the service's app (Azurite, the Xero and Dataverse emulators)", () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness();
  });

  afterAll(async () => {
    await h?.stop();
  });

  /** Xero first; returns the fresh dynamics link the Xero step leads on to. */
  async function throughXero(organisation: string): Promise<{ connectionId: string; dynamicsToken: string }> {
    const tenantId = h.newXeroOrganisation(organisation);
    const link = await h.issueLink("xero");
    const start = await h.onboarding.startXero(link.token);
    const back = await consent(start.location ?? "", [tenantId]);
    const answer = await h.onboarding.completeXeroConsent(back, cookieOf(start));
    expect(answer.status).toBe(303);
    return { connectionId: link.connectionId, dynamicsToken: tokenOf(answer.location) };
  }

  /** The start for a dynamics link and environment, answered 303 to Entra's sign-in. */
  async function startConsent(token: string, environmentUrl: string): Promise<{ location: string; cookie: string }> {
    const start = await h.onboarding.startAppConsent({ token, environmentUrl });
    expect(start.status).toBe(303);
    return { location: start.location ?? "", cookie: cookieOf(start) };
  }

  /** Starts, signs in as `objectId` and hands the answer to the service: its answer and the browser's cookie. */
  async function signedIn(
    token: string,
    environmentUrl: string,
    objectId: string,
  ): Promise<{ answer: PageAnswer; cookie: string }> {
    const start = await startConsent(token, environmentUrl);
    const answer = await h.onboarding.completeSignIn(await signIn(start.location, objectId), start.cookie);
    return { answer, cookie: answer.cookies?.find((cookie) => cookie.maxAge > 0)?.value ?? start.cookie };
  }

  /** Signed in as the org's administrator; the directory not approved yet, so on to the consent page. */
  async function toConsentPage(
    token: string,
    org: { url: string; tenantId: string; administrator: { objectId: string } },
  ): Promise<{ location: string; cookie: string }> {
    const { answer, cookie } = await signedIn(token, org.url, org.administrator.objectId);
    expect(answer.status).toBe(303);
    const location = answer.location ?? "";
    expect(location).toContain(`/${org.tenantId}/v2.0/adminconsent?`);
    return { location, cookie };
  }

  it("approves the app, walks the administrator through the application user and its role, then connects and syncs as that user", async () => {
    const { connectionId, dynamicsToken } = await throughXero("Consent Path Ltd");
    const dynamics = h.newDynamicsOrg();
    const appId = h.dynamicsApp.clientId;

    // The Dynamics 365 page offers the app first.
    const form = textOf(await h.onboarding.showDynamicsForm(dynamicsToken));
    expect(form).toContain("Connect with the Xero Connector app");
    expect(form).toContain('action="http://127.0.0.1:7071/api/onboarding/dynamics/consent"');

    // The environment URL as the customer pastes it (an app URL with a trailing slash): tenant from its challenge,
    // then the administrator signs in first (code flow, PKCE, nonce) on the environment's own directory.
    const start = await h.onboarding.startAppConsent({ token: dynamicsToken, environmentUrl: `${dynamics.org.url}/` });
    expect(start.status).toBe(303);
    const authorize = new URL(start.location ?? "");
    expect(`${authorize.origin}${authorize.pathname}`).toBe(
      `${h.dataverse.url}/${dynamics.org.tenantId}/oauth2/v2.0/authorize`,
    );
    expect(Object.fromEntries(authorize.searchParams)).toStrictEqual({
      client_id: appId,
      response_type: "code",
      redirect_uri: signInCallbackUri,
      response_mode: "query",
      scope: `openid profile ${dynamics.org.url}/user_impersonation`,
      state: expect.stringMatching(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/),
      nonce: expect.stringMatching(/^[A-Za-z0-9_-]{22}$/),
      code_challenge: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
      code_challenge_method: "S256",
    });
    expect(start.cookies).toStrictEqual([
      {
        name: "xc_dynamics_consent",
        value: dynamicsToken,
        path: "/api/",
        maxAge: 1800,
        httpOnly: true,
        secure: false,
        sameSite: "Lax",
      },
    ]);

    // Signed in as the environment's System Administrator; the directory has not approved the app: consent next.
    const signedInAnswer = await h.onboarding.completeSignIn(
      await signIn(start.location ?? "", dynamics.org.administrator.objectId),
      cookieOf(start),
    );
    expect(signedInAnswer.status).toBe(303);
    const location = new URL(signedInAnswer.location ?? "");
    expect(`${location.origin}${location.pathname}`).toBe(
      `${h.dataverse.url}/${dynamics.org.tenantId}/v2.0/adminconsent`,
    );
    expect(Object.fromEntries(location.searchParams)).toStrictEqual({
      client_id: appId,
      scope: `${dynamics.org.url}/.default`,
      redirect_uri: consentCallbackUri,
      state: expect.stringMatching(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/),
    });
    expect(signedInAnswer.cookies).toStrictEqual([
      expect.objectContaining({ name: "xc_dynamics_consent", value: dynamicsToken, maxAge: 1800 }),
    ]);

    const back = await adminConsent(location.toString(), "accept");
    expect(back).toMatchObject({ admin_consent: "True", tenant: dynamics.org.tenantId });
    expect(h.dataverse.consentedTenants(appId)).toContain(dynamics.org.tenantId);

    // Approved, but no application user yet: the exact steps, the app id, the role, and Check again.
    const noUser = await h.onboarding.completeAppConsent(back, cookieOf(start));
    expect(noUser.status).toBe(409);
    expect(textOf(noUser)).toContain("Add the Xero Connector app to your environment");
    expect(textOf(noUser)).toContain(`<code id="app-id">${appId}</code>`);
    expect(textOf(noUser)).toContain(`<b>${role}</b>`);
    expect(textOf(noUser)).toContain("New app user");
    expect(noUser.cookies).toStrictEqual([expect.objectContaining({ name: "xc_dynamics_consent", maxAge: 0 })]);
    // Nothing stored yet, and the link still works.
    expect((await h.connections.require(connectionId)).dataverse).toBeNull();
    expect((await h.onboarding.showDynamicsForm(dynamicsToken)).status).toBe(200);

    // Check again before anything changed: the same page.
    expect(
      textOf(await h.onboarding.checkAppConsentAgain({ token: dynamicsToken, ticket: ticketOf(noUser) })),
    ).toContain("Add the Xero Connector app to your environment");

    const appUserId = h.dataverse.addApplicationUser(dynamics.org, { clientId: appId });
    const noRole = await h.onboarding.checkAppConsentAgain({ token: dynamicsToken, ticket: ticketOf(noUser) });
    expect(noRole.status).toBe(409);
    expect(textOf(noRole)).toContain("Give the Xero Connector app its security role");
    expect(textOf(noRole)).toContain("Edit security roles");

    h.dataverse.assignSecurityRole(dynamics.org, appId, role);
    const done = await h.onboarding.checkAppConsentAgain({ token: dynamicsToken, ticket: ticketOf(noRole) });
    expect(done.status).toBe(200);
    expect(textOf(done)).toContain("You are connected");

    // The connector row, written by the app's application user.
    const connectors = await dynamics.client.retrieveMultiple<Record<string, unknown>>(
      mag_xeroconnector.entitySetName,
      {
        select: [cc.mag_xeroconnectorid, cc.mag_name, cc.mag_xerostatus, "_createdby_value"],
      },
    );
    expect(connectors).toStrictEqual([
      expect.objectContaining({
        [cc.mag_name]: "Consent Path Ltd",
        [cc.mag_xerostatus]: mag_xerostatus.Connected,
        _createdby_value: appUserId,
      }),
    ]);
    const connectorId = String(connectors[0]?.[cc.mag_xeroconnectorid]);

    // Stored as app consent: the environment and tenant only, never the app's id or secret.
    const connection = await h.connections.require(connectionId);
    expect(connection).toMatchObject({
      status: "connected",
      connectorId,
      dataverse: {
        url: dynamics.org.url,
        tenantId: dynamics.org.tenantId,
        clientId: appId,
        clientSecret: h.dynamicsApp.clientSecret,
        authorisation: "app-consent",
      },
    });
    const tables = await openAllTables(h.config.storageConnectionString);
    const raw = await tables.connections.getEntity<Record<string, unknown>>("connection", connectionId);
    expect(raw).toMatchObject({ dataverseAuthorisation: "app-consent", dataverseUrl: dynamics.org.url });
    expect(raw).not.toHaveProperty("dataverseClientSecret");
    expect(raw).not.toHaveProperty("dataverseClientId");
    expect(JSON.stringify(raw)).not.toContain(h.dynamicsApp.clientSecret);
    expect(
      h.queue.messages.filter((item) => item.message.connectionId === connectionId).map((item) => item.message.flow),
    ).toStrictEqual(["ReferenceData", "PaymentsFromXero", "CreditNotesFromXero"]);

    // The link is used up, and its ticket with it.
    expect((await h.onboarding.showDynamicsForm(dynamicsToken)).status).toBe(410);
    expect(
      textOf(await h.onboarding.checkAppConsentAgain({ token: dynamicsToken, ticket: ticketOf(noRole) })),
    ).toContain("This link has already been used");

    // The service reads the stored connection with its own app's credentials and syncs as the application user.
    const service = await createService(h.config, { clock: h.clock, logger: h.logger, sleep: () => Promise.resolve() });
    const stored = await service.connections.require(connectionId);
    const referenceData = service.runtimeFor(stored).flows.ReferenceData;
    const report = await referenceData?.run({
      connectionId,
      connectorId,
      isDefaultConnector: true,
      flow: "ReferenceData",
      modifiedSince: new Date(h.clock.now() - 86_400_000),
      correlationId: "app-consent-first-sync",
    });
    expect(report).toBeDefined();
    const codes = await dynamics.client.retrieveMultiple<Record<string, unknown>>(mag_xeroaccountcode.entitySetName, {
      select: [mag_xeroaccountcode.columns.mag_code, "_createdby_value"],
    });
    expect(codes.length).toBeGreaterThan(0);
    expect(new Set(codes.map((row) => row["_createdby_value"]))).toStrictEqual(new Set([appUserId]));
  });

  it("connects at once when the application user is already in place, Dynamics 365 first, then leads on to Xero", async () => {
    const dynamics = h.newDynamicsOrg();
    h.dataverse.addApplicationUser(dynamics.org, { clientId: h.dynamicsApp.clientId, roles: [role] });
    const link = await h.issueLink("dynamics");
    const start = await toConsentPage(link.token, dynamics.org);
    const answer = await h.onboarding.completeAppConsent(await adminConsent(start.location, "accept"), start.cookie);
    expect(answer.status).toBe(303);
    expect(answer.location).toMatch(/\/api\/onboarding\/xero\?token=/);
    expect((await h.connections.require(link.connectionId)).dataverse).toMatchObject({ authorisation: "app-consent" });

    // Reauthorising later through the form: no client id of the customer's is offered (the app's is not theirs).
    const again = await h.issueLink("dynamics", link.connectionId);
    const form = textOf(await h.onboarding.showDynamicsForm(again.token));
    expect(form).not.toContain(h.dynamicsApp.clientId);
    expect(form).toContain(`value="${dynamics.org.url}"`);
  });

  it("skips the consent page when the directory already approved the app (an earlier environment of the same customer)", async () => {
    const dynamics = h.newDynamicsOrg();
    await grantAppConsent(h, dynamics.org.tenantId);
    h.dataverse.addApplicationUser(dynamics.org, { clientId: h.dynamicsApp.clientId, roles: [role] });
    const link = await h.issueLink("dynamics");
    const { answer } = await signedIn(link.token, dynamics.org.url, dynamics.org.administrator.objectId);
    expect(answer.status).toBe(303);
    expect(answer.location).toMatch(/\/api\/onboarding\/xero\?token=/);
    expect(answer.location).not.toContain("adminconsent");
    expect(answer.cookies).toStrictEqual([expect.objectContaining({ name: "xc_dynamics_consent", maxAge: 0 })]);
    expect((await h.connections.require(link.connectionId)).dataverse).toMatchObject({
      url: dynamics.org.url,
      tenantId: dynamics.org.tenantId,
      authorisation: "app-consent",
    });
  });

  it("explains a cancelled sign-in and keeps the link usable", async () => {
    const dynamics = h.newDynamicsOrg();
    const link = await h.issueLink("dynamics");
    const start = await startConsent(link.token, dynamics.org.url);
    const back = await signIn(start.location, "cancel");
    expect(back.error).toBe("access_denied");
    const answer = await h.onboarding.completeSignIn(back, start.cookie);
    expect(answer.status).toBe(400);
    expect(textOf(answer)).toContain("Sign-in cancelled");
    expect(textOf(answer)).toContain("Your link still works");
    expect(textOf(answer)).toContain(`href="http://127.0.0.1:7071/api/onboarding/dynamics?token=${link.token}"`);
    expect(textOf(answer)).not.toContain("AADSTS");
    expect(h.dataverse.consentedTenants(h.dynamicsApp.clientId)).not.toContain(dynamics.org.tenantId);
    expect((await h.connections.require(link.connectionId)).dataverse).toBeNull();
    expect((await h.onboarding.showDynamicsForm(link.token)).status).toBe(200);
  });

  it("refuses a person who is not a user of the environment, and one who is not its System Administrator", async () => {
    const dynamics = h.newDynamicsOrg();
    await grantAppConsent(h, dynamics.org.tenantId);
    h.dataverse.addApplicationUser(dynamics.org, { clientId: h.dynamicsApp.clientId, roles: [role] });
    const outsider = h.dataverse.addTenantUser(dynamics.org.tenantId, { name: "Olive Outsider" });
    const salesperson = h.dataverse.addUser(dynamics.org, { name: "Sam Sales", roles: ["Salesperson"] });
    const noRole = h.dataverse.addUser(dynamics.org, { name: "Nora Norole" });
    const link = await h.issueLink("dynamics");

    const notUser = (await signedIn(link.token, dynamics.org.url, outsider.objectId)).answer;
    expect(notUser.status).toBe(403);
    expect(textOf(notUser)).toContain("You are not a user of this environment");
    for (const person of [salesperson, noRole]) {
      const notAdmin = (await signedIn(link.token, dynamics.org.url, person.objectId)).answer;
      expect(notAdmin.status).toBe(403);
      expect(textOf(notAdmin)).toContain("You are not a System Administrator of this environment");
    }
    expect((await h.connections.require(link.connectionId)).dataverse).toBeNull();
    // The link still works for the administrator.
    const admin = (await signedIn(link.token, dynamics.org.url, dynamics.org.administrator.objectId)).answer;
    expect(admin.status).toBe(303);
    expect(admin.location).toMatch(/\/api\/onboarding\/xero\?token=/);
  });

  it("explains a cancelled approval and keeps the link usable", async () => {
    const dynamics = h.newDynamicsOrg();
    const link = await h.issueLink("dynamics");
    const start = await toConsentPage(link.token, dynamics.org);
    const back = await adminConsent(start.location, "cancel");
    expect(back.error).toBe("access_denied");
    const answer = await h.onboarding.completeAppConsent(back, start.cookie);
    expect(answer.status).toBe(400);
    expect(textOf(answer)).toContain("The Xero Connector app was not approved");
    expect(textOf(answer)).toContain("Your link still works");
    expect(textOf(answer)).toContain(`href="http://127.0.0.1:7071/api/onboarding/dynamics?token=${link.token}"`);
    expect(textOf(answer)).not.toContain("AADSTS65004");
    expect(h.dataverse.consentedTenants(h.dynamicsApp.clientId)).not.toContain(dynamics.org.tenantId);
    expect((await h.onboarding.showDynamicsForm(link.token)).status).toBe(200);
    expect((await h.onboarding.startAppConsent({ token: link.token, environmentUrl: dynamics.org.url })).status).toBe(
      303,
    );
  });

  it("refuses an answer without this browser's cookie, with another link's state, or from another directory, before calling the environment", async () => {
    const dynamics = h.newDynamicsOrg();
    h.dataverse.addApplicationUser(dynamics.org, { clientId: h.dynamicsApp.clientId, roles: [role] });
    const other = h.newDynamicsOrg();
    const mine = await h.issueLink("dynamics");
    const theirs = await h.issueLink("dynamics");
    const myStart = await toConsentPage(mine.token, dynamics.org);
    const theirStart = await toConsentPage(theirs.token, dynamics.org);
    const theirBack = await adminConsent(theirStart.location, "accept");
    const requestsBefore = h.dataverse.requestCount(dynamics.org);

    expect(textOf(await h.onboarding.completeAppConsent(theirBack, myStart.cookie))).toContain(
      "its state did not match",
    );
    expect(textOf(await h.onboarding.completeAppConsent(theirBack, undefined))).toContain(
      "This approval did not start here",
    );
    expect(textOf(await h.onboarding.completeAppConsent(theirBack, ""))).toContain("This approval did not start here");
    expect(
      textOf(
        await h.onboarding.completeAppConsent({ ...theirBack, state: `${theirBack.state ?? ""}x` }, theirStart.cookie),
      ),
    ).toContain("its state did not match");
    const withoutState = { ...theirBack };
    delete withoutState.state;
    expect(textOf(await h.onboarding.completeAppConsent(withoutState, theirStart.cookie))).toContain(
      "its state did not match",
    );
    // A Xero consent state is no Dynamics 365 one.
    const xeroStart = await h.onboarding.startXero((await h.issueLink("xero", theirs.connectionId)).token);
    const xeroState = new URL(xeroStart.location ?? "").searchParams.get("state") ?? "";
    expect(
      textOf(await h.onboarding.completeAppConsent({ ...theirBack, state: xeroState }, theirStart.cookie)),
    ).toContain("its state did not match");
    // An approval in another directory than the environment's.
    const elsewhere = await h.onboarding.completeAppConsent(
      { ...theirBack, tenant: other.org.tenantId },
      theirStart.cookie,
    );
    expect(textOf(elsewhere)).toContain("Approved in a different directory");
    // A Check again ticket belongs to its link.
    expect(
      textOf(await h.onboarding.checkAppConsentAgain({ token: mine.token, ticket: theirBack.state ?? "" })),
    ).toContain("This check could not be verified");
    expect(h.dataverse.requestCount(dynamics.org)).toBe(requestsBefore);
    expect((await h.connections.require(mine.connectionId)).dataverse).toBeNull();
    expect((await h.connections.require(theirs.connectionId)).dataverse).toBeNull();

    // The right browser with the untouched answer still completes.
    const good = await h.onboarding.completeAppConsent(theirBack, theirStart.cookie);
    expect(good.status).toBe(303);
    // A tampered or used link in the cookie is refused like the link itself.
    expect((await h.onboarding.completeAppConsent(theirBack, theirStart.cookie)).status).toBe(410);
  });

  it("says clearly when the URL is not a Dynamics 365 environment, and sends nobody anywhere", async () => {
    const link = await h.issueLink("dynamics");
    const attempt = async (environmentUrl: string): Promise<PageAnswer> => {
      const answer = await h.onboarding.startAppConsent({ token: link.token, environmentUrl });
      expect(answer.status).toBe(400);
      expect(answer.location).toBeUndefined();
      return answer;
    };
    expect(textOf(await attempt("contoso"))).toContain("The environment URL is not a URL.");
    expect(textOf(await attempt("http://contoso.crm.dynamics.com"))).toContain("must be an https address");
    // Something that answers, but not as Dataverse: the Xero API, and an org the emulator does not have.
    expect(textOf(await attempt(h.xero.apiUrl))).toContain("did not answer as a Dynamics 365 environment");
    expect(textOf(await attempt(`${h.dataverse.url}/no-such-org`))).toContain(
      "did not answer as a Dynamics 365 environment",
    );
    // The typed URL comes back in the form, escaped.
    const echoed = textOf(await attempt(`${h.dataverse.url}/x"><script>`));
    expect(echoed).not.toContain("<script>");
    expect((await h.onboarding.showDynamicsForm(link.token)).status).toBe(200);
  });

  it("says the app is not approved in a directory that never consented (Entra's AADSTS700016), with both ways forward", async () => {
    const dynamics = h.newDynamicsOrg();
    const link = await h.issueLink("dynamics");
    const opened = await h.links.open(link.token, "dynamics");
    if (!opened.ok) throw new Error("the link did not open");
    // A Check again ticket for an environment whose directory never approved the app (as after a revoked consent).
    const ticket = newAppConsentToken(
      {
        linkId: opened.link.id,
        environmentUrl: dynamics.org.url,
        tenantId: dynamics.org.tenantId,
        objectId: dynamics.org.administrator.objectId,
      },
      "check",
      h.config.links.signingKey,
      h.clock.now(),
    );
    const answer = await h.onboarding.checkAppConsentAgain({ token: link.token, ticket });
    expect(answer.status).toBe(409);
    expect(textOf(answer)).toContain("The Xero Connector app is not approved in this directory");
    expect(textOf(answer)).not.toContain("is approved for your directory");
    expect(textOf(answer)).toContain("wait,");
    expect(textOf(answer)).toContain("start the approval again");
    expect((await h.connections.require(link.connectionId)).dataverse).toBeNull();
  });

  it("says the solution is missing when the environment does not have it", async () => {
    const dynamics = h.newDynamicsOrg({ solutionVersion: null });
    h.dataverse.addApplicationUser(dynamics.org, { clientId: h.dynamicsApp.clientId, roles: [role] });
    const link = await h.issueLink("dynamics");
    const start = await toConsentPage(link.token, dynamics.org);
    const answer = await h.onboarding.completeAppConsent(await adminConsent(start.location, "accept"), start.cookie);
    expect(answer.status).toBe(409);
    expect(textOf(answer)).toContain("Install the Xero Connector solution");
    expect(textOf(answer)).toContain('id="check-again"');
    expect((await h.connections.require(link.connectionId)).dataverse).toBeNull();
  });

  it("does not offer the app, and its routes say so, when the service has none configured", async () => {
    const withoutApp = createOnboarding({
      config: { ...h.config, dataverse: { ...h.config.dataverse, app: undefined } },
      links: h.links,
      connections: h.connections,
      vault: h.vault,
      queue: h.queue,
      scopes: h.scopes,
      clock: h.clock,
      logger: h.logger,
    });
    const link = await h.issueLink("dynamics");
    const form = textOf(await withoutApp.showDynamicsForm(link.token));
    expect(form).not.toContain("Xero Connector app");
    expect(form).toContain('id="connect-dynamics"');
    const start = await withoutApp.startAppConsent({
      token: link.token,
      environmentUrl: "https://contoso.crm.dynamics.com",
    });
    expect(start.status).toBe(404);
    expect(textOf(start)).toContain("not offered here");
  });

  it("says the fault is the service's own when Entra refuses the app's secret, and keeps the link", async () => {
    const dynamics = h.newDynamicsOrg();
    h.dataverse.addApplicationUser(dynamics.org, { clientId: h.dynamicsApp.clientId, roles: [role] });
    const wrongSecret = "not-the-service-app-secret";
    const misconfigured = createOnboarding({
      config: {
        ...h.config,
        dataverse: { ...h.config.dataverse, app: { clientId: h.dynamicsApp.clientId, clientSecret: wrongSecret } },
      },
      links: h.links,
      connections: h.connections,
      vault: h.vault,
      queue: h.queue,
      scopes: h.scopes,
      clock: h.clock,
      logger: h.logger,
    });
    const link = await h.issueLink("dynamics");
    const start = await misconfigured.startAppConsent({ token: link.token, environmentUrl: dynamics.org.url });
    // The sign-in's code redemption already uses the app's secret.
    const answer = await misconfigured.completeSignIn(
      await signIn(start.location ?? "", dynamics.org.administrator.objectId),
      cookieOf(start),
    );
    expect(answer.status).toBe(503);
    expect(textOf(answer)).toContain("This is a problem on our side");
    expect(textOf(answer)).not.toContain(wrongSecret);
    expect(h.logger.entries.at(-1)).toMatchObject({
      level: "error",
      message: expect.stringContaining("DATAVERSE_APP_CLIENT_SECRET"),
    });
    expect((await h.onboarding.showDynamicsForm(link.token)).status).toBe(200);
  });

  it("wrote no code, token or secret into its log", () => {
    expect(h.logger.entries.length).toBeGreaterThan(10);
    expect(findSecretsInLogs(h.logger.entries, [h.config.xero.clientSecret, h.dynamicsApp.clientSecret])).toStrictEqual(
      [],
    );
  });
});
