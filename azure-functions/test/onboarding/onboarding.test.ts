// Onboarding end to end without a browser: Azurite, the Xero emulator's consent page and token endpoint, the Dataverse
// emulator's Entra stand-in and Web API. Links refused (tampered, expired, reused, wrong step), state mismatch
// refused, one and several organisations, several organisations per Dynamics 365 org, reauthorisation, and a revoked
// grant turning the connector Disconnected within one call.
import {
  mag_flow,
  mag_xeroconnector,
  mag_xerodataflow,
  mag_xerostatus,
  serviceendpoint,
} from "../../src/generated/dataverse";
import { filter, toGuidLiteral, toStringLiteral } from "../../src/adapters/dataverse/odata";
import type { DataverseWebApiClient } from "../../src/adapters/dataverse/web-api-client";
import type { PageAnswer } from "../../src/onboarding/onboarding";
import { toDataverseWebhookUrl } from "../../src/realtime/registration";
import { findSecretsInLogs } from "../support/log-scan";
import { consent, cookieOf, startHarness, tokenOf, type Harness } from "./harness";

const cc = mag_xeroconnector.columns;
const fc = mag_xerodataflow.columns;
const sixtyDaysMs = 60 * 86_400_000;

const textOf = (answer: PageAnswer): string => answer.page?.html ?? "";

async function connectorsOf(client: DataverseWebApiClient): Promise<Record<string, unknown>[]> {
  return client.retrieveMultiple<Record<string, unknown>>(mag_xeroconnector.entitySetName, {
    select: [
      cc.mag_xeroconnectorid,
      cc.mag_name,
      cc.mag_xerotenantid,
      cc.mag_xeroorganisationname,
      cc.mag_xerostatus,
      cc.mag_xerostatusreason,
      cc.mag_isdefault,
      cc.mag_enabled,
      cc.mag_xerograntexpireson,
    ],
  });
}

describe("onboarding (Azurite, the Xero and Dataverse emulators)", () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness();
  });

  afterAll(async () => {
    await h?.stop();
  });

  /** Xero step for a connection up to the answer of the callback. */
  async function throughXero(
    tenantIds: readonly string[],
    connectionId?: string,
  ): Promise<{ connectionId: string; token: string; cookie: string; answer: PageAnswer }> {
    const link = await h.issueLink("xero", connectionId);
    const start = await h.onboarding.startXero(link.token);
    const back = await consent(start.location ?? "", tenantIds);
    const cookie = cookieOf(start);
    return {
      connectionId: link.connectionId,
      token: link.token,
      cookie,
      answer: await h.onboarding.completeXeroConsent(back, cookie),
    };
  }

  it("connects a new customer: Xero (one organisation), then Dynamics 365, then connector, data flows and first sync", async () => {
    const tenantId = h.newXeroOrganisation("Harbour Supplies Ltd");
    const dynamics = h.newDynamicsOrg();
    const link = await h.issueLink("xero");

    const start = await h.onboarding.startXero(link.token);
    expect(start.status).toBe(302);
    const authorize = new URL(start.location ?? "");
    expect(`${authorize.origin}${authorize.pathname}`).toBe(`${h.xero.identityUrl}/identity/connect/authorize`);
    expect(Object.fromEntries(authorize.searchParams)).toMatchObject({
      response_type: "code",
      client_id: h.config.xero.clientId,
      redirect_uri: "http://127.0.0.1:7071/api/xero/callback",
      scope: "offline_access accounting.invoices accounting.payments accounting.contacts accounting.settings",
      code_challenge_method: "S256",
    });
    expect(authorize.searchParams.get("code_challenge")).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(start.cookies).toStrictEqual([
      {
        name: "xc_onboarding",
        value: link.token,
        path: "/api/",
        maxAge: 1800,
        httpOnly: true,
        secure: false,
        sameSite: "Lax",
      },
    ]);

    const back = await consent(start.location ?? "", [tenantId]);
    const callback = await h.onboarding.completeXeroConsent(back, cookieOf(start));
    // One organisation: no choice page; Dynamics 365 is next, through a fresh dynamics link.
    expect(callback.status).toBe(303);
    expect(callback.location).toMatch(/^http:\/\/127\.0\.0\.1:7071\/api\/onboarding\/dynamics\?token=/);
    expect(callback.cookies).toStrictEqual([expect.objectContaining({ name: "xc_onboarding", value: "", maxAge: 0 })]);
    const grant = await h.vault.getGrantInfo(link.connectionId);
    expect(grant?.grantExpiresOn.getTime()).toBe(h.clock.now() + sixtyDaysMs);

    const dynamicsToken = tokenOf(callback.location);
    const form = await h.onboarding.showDynamicsForm(dynamicsToken);
    expect(form.status).toBe(200);
    expect(textOf(form)).toContain("Harbour Supplies Ltd");

    const wrong = await h.onboarding.submitDynamicsForm({
      token: dynamicsToken,
      ...dynamics.form,
      clientSecret: "wrong-secret-value",
    });
    expect(wrong.status).toBe(400);
    expect(textOf(wrong)).toContain("The client secret was refused.");
    expect(textOf(wrong)).not.toContain("wrong-secret-value");
    const unknownClient = await h.onboarding.submitDynamicsForm({
      token: dynamicsToken,
      ...dynamics.form,
      clientId: "00000000-0000-4000-8000-000000000001",
    });
    expect(textOf(unknownClient)).toContain("no app registration with this client id");
    const notAUrl = await h.onboarding.submitDynamicsForm({
      token: dynamicsToken,
      ...dynamics.form,
      environmentUrl: "contoso",
    });
    expect(textOf(notAUrl)).toContain("The environment URL is not a URL.");

    const done = await h.onboarding.submitDynamicsForm({ token: dynamicsToken, ...dynamics.form });
    expect(done.status).toBe(200);
    expect(textOf(done)).toContain("You are connected");

    const connectors = await connectorsOf(dynamics.client);
    expect(connectors).toStrictEqual([
      expect.objectContaining({
        [cc.mag_name]: "Harbour Supplies Ltd",
        [cc.mag_xeroorganisationname]: "Harbour Supplies Ltd",
        [cc.mag_xerotenantid]: tenantId,
        [cc.mag_xerostatus]: mag_xerostatus.Connected,
        [cc.mag_xerostatusreason]: null,
        [cc.mag_isdefault]: true,
        [cc.mag_enabled]: true,
        [cc.mag_xerograntexpireson]: new Date(h.clock.now() + sixtyDaysMs).toISOString().replace(".000Z", "Z"),
      }),
    ]);
    const connectorId = String(connectors[0]?.[cc.mag_xeroconnectorid]);
    const flows = await dynamics.client.retrieveMultiple<Record<string, unknown>>(mag_xerodataflow.entitySetName, {
      select: [fc.mag_flow, fc.mag_enabled, fc.mag_intervalminutes],
      filter: filter`_mag_xeroconnectorid_value eq ${toGuidLiteral(connectorId)}`,
    });
    const byFlow = Object.fromEntries(
      flows.map((row) => [String(row[fc.mag_flow]), [row[fc.mag_enabled], row[fc.mag_intervalminutes]]]),
    );
    expect(byFlow).toStrictEqual({
      [mag_flow.InvoicesToXero]: [true, 15],
      [mag_flow.InvoicesFromXero]: [false, 15],
      [mag_flow.PaymentsFromXero]: [true, 180],
      [mag_flow.CreditNotesToXero]: [true, 180],
      [mag_flow.CreditNotesFromXero]: [true, 180],
      [mag_flow.ContactsFromXero]: [false, 180],
      [mag_flow.InvoiceEmailsToXero]: [true, 60],
      [mag_flow.ReferenceData]: [true, 60],
    });

    const connection = await h.connections.require(link.connectionId);
    expect(connection).toMatchObject({
      status: "connected",
      connectorId,
      xero: { tenantId, tenantName: "Harbour Supplies Ltd" },
      dataverse: { url: dynamics.org.url, clientSecret: dynamics.org.clientSecret },
    });
    const queued = h.queue.messages
      .filter((item) => item.message.connectionId === link.connectionId)
      .map((item) => [item.message.flow, item.message.reason]);
    expect(queued).toStrictEqual([
      ["ReferenceData", "onboarding"],
      ["PaymentsFromXero", "onboarding"],
      ["CreditNotesFromXero", "onboarding"],
    ]);
    expect(await h.scopes.get(link.connectionId, "ReferenceData")).toMatchObject({
      connectorId,
      isDefaultConnector: true,
      enqueuedAt: new Date(h.clock.now()).toISOString(),
    });

    // Both links are used up now.
    expect(textOf(await h.onboarding.startXero(link.token))).toContain("This link has already been used");
    const reused = await h.onboarding.showDynamicsForm(dynamicsToken);
    expect(reused.status).toBe(410);
    expect(textOf(reused)).toContain("This link has already been used");
  });

  it("refuses a tampered, expired, withdrawn or wrong-step link with a page that says what happened and what to do", async () => {
    const link = await h.issueLink("xero", undefined, 60 * 60_000);
    const [payload, signature] = link.token.split(".");
    const tampered = await h.onboarding.startXero(`${payload}.${(signature ?? "").slice(0, -2)}AA`);
    expect(tampered.status).toBe(400);
    expect(textOf(tampered)).toContain("This link is not valid");
    expect(textOf(tampered)).toContain("Copy the whole link again");
    expect(tampered.location).toBeUndefined();

    const otherStep = await h.onboarding.showDynamicsForm(link.token);
    expect(textOf(otherStep)).toContain("This link is for a different step");

    h.clock.advance(60 * 60_000);
    const expired = await h.onboarding.startXero(link.token);
    expect(expired.status).toBe(410);
    expect(textOf(expired)).toContain("This link has expired");
    expect(textOf(expired)).toContain("Ask your administrator or Xero Connector support for a new link");

    const withdrawn = await h.issueLink("xero");
    await h.links.revokeForConnection(withdrawn.connectionId);
    expect(textOf(await h.onboarding.startXero(withdrawn.token))).toContain("This link is no longer valid");
    expect(textOf(await h.onboarding.startXero(undefined))).toContain("This link is not valid");
  });

  it("refuses a callback whose state does not match the link of this browser, before any code exchange", async () => {
    const tenantId = h.newXeroOrganisation("State Check Ltd");
    const mine = await h.issueLink("xero");
    const theirs = await h.issueLink("xero");
    const myStart = await h.onboarding.startXero(mine.token);
    const theirStart = await h.onboarding.startXero(theirs.token);
    const theirBack = await consent(theirStart.location ?? "", [tenantId]);

    // Their code and state, in my browser (my cookie): refused, nothing stored for either connection.
    const crossed = await h.onboarding.completeXeroConsent(theirBack, cookieOf(myStart));
    expect(crossed.status).toBe(400);
    expect(textOf(crossed)).toContain("its state did not match");
    // A state altered in transit, or no state at all.
    const altered = await h.onboarding.completeXeroConsent(
      { ...theirBack, state: `${theirBack.state ?? ""}x` },
      cookieOf(theirStart),
    );
    expect(textOf(altered)).toContain("its state did not match");
    expect(
      textOf(await h.onboarding.completeXeroConsent({ code: theirBack.code ?? "" }, cookieOf(theirStart))),
    ).toContain("its state did not match");
    // No onboarding cookie: the callback did not start in this browser.
    expect(textOf(await h.onboarding.completeXeroConsent(theirBack, undefined))).toContain(
      "This sign-in did not start here",
    );
    expect(await h.vault.getGrantInfo(mine.connectionId)).toBeUndefined();
    expect(await h.vault.getGrantInfo(theirs.connectionId)).toBeUndefined();

    // The right browser still completes with the untouched answer.
    const good = await h.onboarding.completeXeroConsent(theirBack, cookieOf(theirStart));
    expect(good.status).toBe(303);
    // The same code twice (a reload): Xero refuses it and the page says so.
    const reload = await h.onboarding.completeXeroConsent(theirBack, cookieOf(theirStart));
    expect(textOf(reload)).toContain("This link has already been used");
  });

  it("explains a cancelled consent and keeps the link usable", async () => {
    h.newXeroOrganisation("Cancel Co");
    const link = await h.issueLink("xero");
    const start = await h.onboarding.startXero(link.token);
    const back = await consent(start.location ?? "", "cancel");
    expect(back.error).toBe("access_denied");
    const answer = await h.onboarding.completeXeroConsent(back, cookieOf(start));
    expect(answer.status).toBe(400);
    expect(textOf(answer)).toContain("You cancelled on Xero&#39;s page");
    expect((await h.onboarding.startXero(link.token)).status).toBe(302);
  });

  it("lets the customer choose among several organisations; another organisation gets its own, non-default connector; reauthorisation updates it", async () => {
    const north = h.newXeroOrganisation("North <Branch> & Co");
    const south = h.newXeroOrganisation("South Branch Ltd");
    const dynamics = h.newDynamicsOrg();

    const first = await throughXero([north, south]);
    expect(first.answer.status).toBe(200);
    expect(textOf(first.answer)).toContain("Choose the Xero organisation");
    expect(textOf(first.answer)).toContain("North &lt;Branch&gt; &amp; Co");
    const stranger = h.newXeroOrganisation("Not Authorised Ltd");
    expect(textOf(await h.onboarding.chooseOrganisation(stranger, first.cookie))).toContain(
      "That organisation is not authorised",
    );
    expect(textOf(await h.onboarding.chooseOrganisation(south, undefined))).toContain("This choice did not start here");
    const chosen = await h.onboarding.chooseOrganisation(south, first.cookie);
    expect(chosen.status).toBe(303);
    expect((await h.onboarding.submitDynamicsForm({ token: tokenOf(chosen.location), ...dynamics.form })).status).toBe(
      200,
    );
    // A second tab finishing the same link: the link was used once, so it is refused.
    expect(textOf(await h.onboarding.chooseOrganisation(north, first.cookie))).toContain(
      "This link has already been used",
    );

    // The second organisation, through its own link, in the same Dynamics 365 org.
    const second = await throughXero([north]);
    expect(second.answer.status).toBe(303);
    expect(
      (await h.onboarding.submitDynamicsForm({ token: tokenOf(second.answer.location), ...dynamics.form })).status,
    ).toBe(200);
    const connectors = await connectorsOf(dynamics.client);
    expect(
      connectors.map((row) => [row[cc.mag_xerotenantid], row[cc.mag_name], row[cc.mag_isdefault]]).sort(),
    ).toStrictEqual(
      [
        [north, "North <Branch> & Co", false],
        [south, "South Branch Ltd", true],
      ].sort(),
    );

    // Reauthorising the first connection's organisation: same connector, no new first sync.
    await dynamics.client.update(
      mag_xeroconnector.entitySetName,
      String(connectors.find((row) => row[cc.mag_xerotenantid] === south)?.[cc.mag_xeroconnectorid]),
      { [cc.mag_name]: "South (renamed)" },
    );
    // A reauthorisation link that comes back without the connection's organisation keeps the working grant.
    const grantBefore = await h.vault.getAccessToken(first.connectionId);
    const wrongOrganisation = await throughXero([north], first.connectionId);
    expect(wrongOrganisation.answer.status).toBe(400);
    expect(textOf(wrongOrganisation.answer)).toContain("This link reconnects South Branch Ltd, which was not ticked");
    expect(await h.vault.getAccessToken(first.connectionId)).toBe(grantBefore);
    const queuedBefore = h.queue.messages.length;
    const again = await throughXero([south], first.connectionId);
    expect(again.answer.status).toBe(200);
    expect(textOf(again.answer)).toContain("Xero is reconnected");
    // The reconnected page offers the next organisation too, with a ticket for this connection.
    expect(textOf(again.answer)).toContain('id="connect-another"');
    const after = await connectorsOf(dynamics.client);
    expect(after).toHaveLength(2);
    expect(after.find((row) => row[cc.mag_xerotenantid] === south)).toMatchObject({
      [cc.mag_name]: "South (renamed)",
      [cc.mag_xerostatus]: mag_xerostatus.Connected,
    });
    expect(h.queue.messages.length).toBe(queuedBefore);
  });

  it("takes Dynamics 365 first when the customer starts there, then leads on to Xero", async () => {
    const dynamics = h.newDynamicsOrg();
    const link = await h.issueLink("dynamics");
    const answer = await h.onboarding.submitDynamicsForm({ token: link.token, ...dynamics.form });
    expect(answer.status).toBe(303);
    expect(answer.location).toMatch(/\/api\/onboarding\/xero\?token=/);
    const tenantId = h.newXeroOrganisation("Dynamics First Ltd");
    const xero = await throughXero([tenantId], link.connectionId);
    // Xero was the last step here, so the cookie-bound callback finishes the connection itself.
    expect(xero.answer.status).toBe(200);
    expect(textOf(xero.answer)).toContain("You are connected");
    expect(await connectorsOf(dynamics.client)).toStrictEqual([
      expect.objectContaining({ [cc.mag_xerotenantid]: tenantId, [cc.mag_isdefault]: true }),
    ]);
  });

  it("keeps a connector an admin prepared, and registers the real-time webhook when its add-on is switched on", async () => {
    const tenantId = h.newXeroOrganisation("Realtime Ltd");
    const dynamics = h.newDynamicsOrg();
    const prepared = await dynamics.client.create(mag_xeroconnector.entitySetName, {
      [cc.mag_name]: "Realtime (prepared)",
      [cc.mag_xerotenantid]: tenantId,
      [cc.mag_realtimeenabled]: true,
      [cc.mag_enabled]: true,
      [cc.mag_isdefault]: true,
      [cc.mag_xerostatus]: mag_xerostatus.NotConnected,
    });
    const xero = await throughXero([tenantId]);
    const done = await h.onboarding.submitDynamicsForm({ token: tokenOf(xero.answer.location), ...dynamics.form });
    expect(textOf(done)).toContain("Realtime (prepared) (default)");
    expect(textOf(done)).toMatch(/Real-time add-on<\/dt>\s*<dd>\s*registered/);
    expect(await connectorsOf(dynamics.client)).toStrictEqual([
      expect.objectContaining({ [cc.mag_xeroconnectorid]: prepared, [cc.mag_xerostatus]: mag_xerostatus.Connected }),
    ]);
    const endpoints = await dynamics.client.retrieveMultiple<Record<string, unknown>>(serviceendpoint.entitySetName, {
      select: [serviceendpoint.columns.url],
    });
    expect(endpoints.map((row) => row[serviceendpoint.columns.url])).toStrictEqual([
      toDataverseWebhookUrl("http://127.0.0.1:7071", xero.connectionId),
    ]);
  });

  it("reauthorises Dynamics 365 on a running connection with the form filled in except the secret", async () => {
    const tenantId = h.newXeroOrganisation("Renewed Secret Ltd");
    const dynamics = h.newDynamicsOrg();
    const xero = await throughXero([tenantId]);
    await h.onboarding.submitDynamicsForm({ token: tokenOf(xero.answer.location), ...dynamics.form });
    const queuedBefore = h.queue.messages.length;
    const link = await h.issueLink("dynamics", xero.connectionId);
    const form = textOf(await h.onboarding.showDynamicsForm(link.token));
    expect(form).toContain(`value="${dynamics.org.clientId}"`);
    expect(form).not.toContain(dynamics.org.clientSecret);
    const renewed = await h.onboarding.submitDynamicsForm({ token: link.token, ...dynamics.form });
    expect(renewed.status).toBe(200);
    expect(textOf(renewed)).toContain("Dynamics 365 is reconnected");
    expect(h.queue.messages.length).toBe(queuedBefore);
    expect(await connectorsOf(dynamics.client)).toHaveLength(1);
  });

  it("marks the connector Disconnected, with the reason, within one call when Xero revokes the grant", async () => {
    const tenantId = h.newXeroOrganisation("Revoked Ltd");
    const dynamics = h.newDynamicsOrg();
    const xero = await throughXero([tenantId]);
    await h.onboarding.submitDynamicsForm({ token: tokenOf(xero.answer.location), ...dynamics.form });
    const current = await h.vault.getAccessToken(xero.connectionId);

    h.xero.identity.revokeGrantsForTenant(tenantId);
    const refreshesBefore = h.xero.identity.stats().refreshRequests;
    // One call: Xero refused the access token, the vault tries one refresh, Xero answers invalid_grant.
    await expect(h.vault.getAccessToken(xero.connectionId, { rejectedToken: current })).rejects.toMatchObject({
      kind: "auth",
    });
    expect(h.xero.identity.stats().refreshRequests - refreshesBefore).toBe(1);

    const [connector] = await dynamics.client.retrieveMultiple<Record<string, unknown>>(
      mag_xeroconnector.entitySetName,
      {
        select: [cc.mag_xerostatus, cc.mag_xerostatusreason, cc.mag_lasterror],
        filter: filter`mag_xerotenantid eq ${toStringLiteral(tenantId)}`,
      },
    );
    expect(connector?.[cc.mag_xerostatus]).toBe(mag_xerostatus.Disconnected);
    expect(String(connector?.[cc.mag_xerostatusreason])).toContain("Xero refused the grant (invalid_grant)");
    expect(String(connector?.[cc.mag_lasterror])).toContain("Reauthorise the connection");
    expect(await h.connections.require(xero.connectionId)).toMatchObject({ status: "disconnected" });
    // Later calls fail fast without asking Xero again.
    await expect(h.vault.getAccessToken(xero.connectionId)).rejects.toMatchObject({ kind: "auth" });
    expect(h.xero.identity.stats().refreshRequests - refreshesBefore).toBe(1);
  });

  it("wrote no code, token or secret into its log", () => {
    expect(h.logger.entries.length).toBeGreaterThan(10);
    expect(findSecretsInLogs(h.logger.entries, [h.config.xero.clientSecret])).toStrictEqual([]);
  });
});
