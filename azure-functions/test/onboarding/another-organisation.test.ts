// "Connect another Xero organisation" (issue 7: several Xero organisations per Dynamics 365 org): the connected page's
// button, its signed ticket, the new connection with the Dynamics 365 part copied (a customer's secret re-encrypted
// for the new row; app consent: no secret at all), its own Xero consent and grant, the organisations already
// connected in the environment marked and refused, and the new connector not the default. Azurite and the emulators.
import type { TableClient } from "@azure/data-tables";
import { mag_xeroconnector } from "../../src/generated/dataverse";
import type { DataverseWebApiClient } from "../../src/adapters/dataverse/web-api-client";
import { openAllTables } from "../../src/adapters/table-storage/tables";
import {
  anotherOrganisationTicketLifetimeMs,
  checkAnotherOrganisationTicket,
  newAnotherOrganisationTicket,
  toAnotherConnectionId,
} from "../../src/onboarding/another-organisation";
import type { PageAnswer } from "../../src/onboarding/onboarding";
import { renderOrganisationChoice } from "../../src/onboarding/pages";
import { checkLinkToken } from "../../src/links/signed-links";
import { rememberSecrets } from "../support/log-capture";
import { findSecretsInLogs } from "../support/log-scan";
import { consent, cookieOf, grantAppConsent, publicBaseUrl, startHarness, tokenOf, type Harness } from "./harness";

const cc = mag_xeroconnector.columns;
const textOf = (answer: PageAnswer): string => answer.page?.html ?? "";
const serviceRole = "Xero Connector Service";

/** The ticket of a page's "Connect another Xero organisation" form (the suite-wide log scan looks for it too). */
function ticketOf(answer: PageAnswer): string {
  const ticket =
    /<form method="post" action="[^"]*\/api\/onboarding\/xero\/another"[^>]*>\s*<input type="hidden" name="ticket" value="([^"]+)"/.exec(
      textOf(answer),
    )?.[1];
  if (ticket === undefined) throw new Error("no Connect another Xero organisation button on the page");
  rememberSecrets(ticket);
  return ticket;
}

describe("the ticket (pure)", () => {
  const key = "k".repeat(43);
  const now = Date.UTC(2026, 2, 2, 9);

  it("round-trips for 30 minutes, bound to the source connection, and names one new connection per ticket", () => {
    const ticket = newAnotherOrganisationTicket("conn-a", key, now);
    const checked = checkAnotherOrganisationTicket(ticket, key, now + anotherOrganisationTicketLifetimeMs - 1);
    expect(checked).toStrictEqual({ ok: true, sourceConnectionId: "conn-a", nonce: expect.any(String) });
    expect(checkAnotherOrganisationTicket(ticket, key, now + anotherOrganisationTicketLifetimeMs)).toStrictEqual({
      ok: false,
      reason: "expired",
    });
    const nonce = checked.ok ? checked.nonce : "";
    expect(toAnotherConnectionId(nonce, key)).toBe(toAnotherConnectionId(nonce, key));
    expect(toAnotherConnectionId(nonce, key)).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
    expect(toAnotherConnectionId(nonce, key)).not.toBe(toAnotherConnectionId(nonce, "other-key"));
    const second = checkAnotherOrganisationTicket(newAnotherOrganisationTicket("conn-a", key, now), key, now);
    expect(second.ok && second.nonce).not.toBe(nonce);
  });

  it("refuses a ticket altered, signed with another key, cut short, or of another kind", () => {
    const ticket = newAnotherOrganisationTicket("conn-a", key, now);
    const [payload, signature] = ticket.split(".");
    const forged = Buffer.from(JSON.stringify({ c: "conn-b", n: "n".repeat(22), e: now + 60_000 })).toString(
      "base64url",
    );
    expect(checkAnotherOrganisationTicket(`${forged}.${signature ?? ""}`, key, now)).toStrictEqual({
      ok: false,
      reason: "tampered",
    });
    expect(checkAnotherOrganisationTicket(ticket, "another-key", now)).toMatchObject({ reason: "tampered" });
    expect(checkAnotherOrganisationTicket(payload ?? "", key, now)).toMatchObject({ reason: "malformed" });
    expect(checkAnotherOrganisationTicket("", key, now)).toMatchObject({ reason: "malformed" });
  });

  it("shows the connected organisations on the choice page as connected and not choosable", () => {
    const page = renderOrganisationChoice({
      action: "/api/onboarding/xero/organisation",
      organisations: [
        { tenantId: "t-1", tenantName: "Head Office" },
        { tenantId: "t-2", tenantName: "Branch <2>" },
      ],
      connected: new Set(["t-1"]),
    }).html;
    expect(page).toMatch(/value="t-1"\s+disabled/);
    expect(page).toMatch(/value="t-2"\s+checked/);
    expect(page).toContain("Branch &lt;2&gt;");
    expect(page).toContain(">connected</span>");
  });
});

describe("connect another Xero organisation (Azurite, the Xero and Dataverse emulators)", () => {
  let h: Harness;
  let tables: Record<"connections", TableClient>;

  beforeAll(async () => {
    h = await startHarness();
    tables = await openAllTables(h.config.storageConnectionString);
  });

  afterAll(async () => {
    await h?.stop();
  });

  async function connectorsOf(client: DataverseWebApiClient): Promise<Record<string, unknown>[]> {
    return client.retrieveMultiple<Record<string, unknown>>(mag_xeroconnector.entitySetName, {
      select: [cc.mag_xeroconnectorid, cc.mag_name, cc.mag_xerotenantid, cc.mag_isdefault, cc.mag_xerostatus],
    });
  }

  const rawRow = (id: string) => tables.connections.getEntity<Record<string, unknown>>("connection", id);

  /** A first organisation connected the usual way (Xero link, then the credentials form); its connected page. */
  async function connectFirst(tenantId: string, dynamics: ReturnType<Harness["newDynamicsOrg"]>) {
    const link = await h.issueLink("xero");
    const start = await h.onboarding.startXero(link.token);
    const callback = await h.onboarding.completeXeroConsent(
      await consent(start.location ?? "", [tenantId]),
      cookieOf(start),
    );
    const page = await h.onboarding.submitDynamicsForm({ token: tokenOf(callback.location), ...dynamics.form });
    expect(textOf(page)).toContain("You are connected");
    return { connectionId: link.connectionId, page };
  }

  /** The new connection's Xero link, opened: the consent's answer and the browser's onboarding cookie. */
  async function throughConsent(location: string | undefined, tenantIds: readonly string[]) {
    const token = tokenOf(location);
    const start = await h.onboarding.startXero(token);
    expect(start.status).toBe(302);
    const cookie = cookieOf(start);
    const answer = await h.onboarding.completeXeroConsent(await consent(start.location ?? "", tenantIds), cookie);
    return { token, cookie, answer };
  }

  /** The connection a link names (its signed payload; whether it is still usable is the test's own question). */
  const connectionIdOf = (location: string | undefined): string => {
    const checked = checkLinkToken(tokenOf(location), h.config.links.signingKey, h.clock.now(), "xero");
    if (!checked.ok) throw new Error(`not a xero link: ${checked.reason}`);
    return checked.payload.connectionId;
  };

  it("connects B next to A: B's own connection, grant and connector, not the default; A stays the default", async () => {
    const a = h.newXeroOrganisation("Alpha Trading Ltd");
    const b = h.newXeroOrganisation("Bravo Services Ltd");
    const dynamics = h.newDynamicsOrg();
    const first = await connectFirst(a, dynamics);
    expect(textOf(first.page)).toContain('id="connect-another"');
    expect(textOf(first.page)).not.toContain(dynamics.org.clientSecret);
    const ticket = ticketOf(first.page);
    expect(checkAnotherOrganisationTicket(ticket, h.config.links.signingKey, h.clock.now())).toMatchObject({
      ok: true,
      sourceConnectionId: first.connectionId,
    });

    const another = await h.onboarding.connectAnotherOrganisation({ ticket });
    expect(another.status).toBe(303);
    expect(another.location).toMatch(/^http:\/\/127\.0\.0\.1:7071\/api\/onboarding\/xero\?token=/);
    const newId = connectionIdOf(another.location);
    expect(newId).not.toBe(first.connectionId);
    // The Dynamics 365 part is A's, nothing else: no organisation, no connector, no grant yet.
    expect(await h.connections.require(newId)).toMatchObject({
      status: "pending",
      xero: null,
      connectorId: null,
      dataverse: {
        url: dynamics.org.url,
        tenantId: dynamics.org.tenantId,
        clientId: dynamics.org.clientId,
        clientSecret: dynamics.org.clientSecret,
      },
    });
    expect(await h.vault.getGrantInfo(newId)).toBeUndefined();
    // The secret is encrypted again for the new row (its ciphertext is bound to the row), never stored in plain.
    const [rawA, rawB] = [await rawRow(first.connectionId), await rawRow(newId)];
    expect(typeof rawB["dataverseClientSecret"]).toBe("string");
    expect(rawB["dataverseClientSecret"]).not.toBe(rawA["dataverseClientSecret"]);
    expect(JSON.stringify(rawB)).not.toContain(dynamics.org.clientSecret);

    // Xero ticks the organisations this user already connected: A comes back too, marked and not choosable.
    const { cookie, answer } = await throughConsent(another.location, [a, b]);
    expect(answer.status).toBe(200);
    expect(textOf(answer)).toContain("Choose the Xero organisation");
    expect(textOf(answer)).toMatch(new RegExp(`value="${a}"\\s+disabled`));
    expect(textOf(answer)).toMatch(new RegExp(`value="${b}"\\s+checked`));
    expect(textOf(answer)).toContain('id="connected-note"');

    const done = await h.onboarding.chooseOrganisation(b, cookie);
    expect(done.status).toBe(200);
    expect(textOf(done)).toContain("You are connected");
    expect(textOf(done)).toContain("Bravo Services Ltd");
    expect(textOf(done)).not.toContain("(default)");
    // B's page offers the next one, with a ticket of its own.
    expect(checkAnotherOrganisationTicket(ticketOf(done), h.config.links.signingKey, h.clock.now())).toMatchObject({
      ok: true,
      sourceConnectionId: newId,
    });

    const connectors = await connectorsOf(dynamics.client);
    expect(connectors.map((row) => [row[cc.mag_xerotenantid], row[cc.mag_isdefault]]).sort()).toStrictEqual(
      [
        [a, true],
        [b, false],
      ].sort(),
    );
    const connectorB = connectors.find((row) => row[cc.mag_xerotenantid] === b)?.[cc.mag_xeroconnectorid];
    expect(await h.connections.require(newId)).toMatchObject({
      status: "connected",
      connectorId: connectorB,
      xero: { tenantId: b, tenantName: "Bravo Services Ltd" },
    });
    expect(await h.connections.require(first.connectionId)).toMatchObject({ xero: { tenantId: a } });
    expect(
      h.queue.messages.filter((item) => item.message.connectionId === newId).map((item) => item.message.flow),
    ).toStrictEqual(["ReferenceData", "PaymentsFromXero", "CreditNotesFromXero"]);

    // Two grants: each connection refreshes its own without disturbing the other's.
    const tokenA = await h.vault.getAccessToken(first.connectionId);
    const tokenB = await h.vault.getAccessToken(newId);
    expect(tokenB).not.toBe(tokenA);
    const refreshedA = await h.vault.getAccessToken(first.connectionId, { rejectedToken: tokenA });
    const refreshedB = await h.vault.getAccessToken(newId, { rejectedToken: tokenB });
    expect(new Set([tokenA, tokenB, refreshedA, refreshedB]).size).toBe(4);
    expect(await h.vault.getAccessToken(first.connectionId)).toBe(refreshedA);

    // The same button again: it already did its work.
    const reused = await h.onboarding.connectAnotherOrganisation({ ticket });
    expect(reused.status).toBe(409);
    expect(textOf(reused)).toContain("This button was used already");
    expect(textOf(reused)).toContain("Bravo Services Ltd was connected from it");
  });

  it("refuses a tampered or expired ticket, and one for a connection that does not exist, creating nothing", async () => {
    const a = h.newXeroOrganisation("Ticket Check Ltd");
    const dynamics = h.newDynamicsOrg();
    const first = await connectFirst(a, dynamics);
    const ticket = ticketOf(first.page);
    const before = (await h.connections.list()).length;

    const [payload, signature] = ticket.split(".");
    const tampered = await h.onboarding.connectAnotherOrganisation({
      ticket: `${payload}.${(signature ?? "").slice(0, -2)}AA`,
    });
    expect(tampered.status).toBe(400);
    expect(textOf(tampered)).toContain("This request could not be verified");
    expect(tampered.location).toBeUndefined();
    expect((await h.onboarding.connectAnotherOrganisation({})).status).toBe(400);
    // A link token is no ticket (each signature is domain-separated).
    const link = await h.issueLink("xero", first.connectionId);
    expect(textOf(await h.onboarding.connectAnotherOrganisation({ ticket: link.token }))).toContain(
      "This request could not be verified",
    );

    const unknown = newAnotherOrganisationTicket("no-such-connection", h.config.links.signingKey, h.clock.now());
    const gone = await h.onboarding.connectAnotherOrganisation({ ticket: unknown });
    expect(gone.status).toBe(410);
    expect(textOf(gone)).toContain("This connection no longer exists");

    h.clock.advance(anotherOrganisationTicketLifetimeMs);
    const expired = await h.onboarding.connectAnotherOrganisation({ ticket });
    expect(expired.status).toBe(410);
    expect(textOf(expired)).toContain("This page has expired");
    expect((await h.connections.list()).length).toBe(before);
  });

  it("makes one new connection per ticket: a second click supersedes the first's Xero link", async () => {
    const a = h.newXeroOrganisation("Double Click Ltd");
    const dynamics = h.newDynamicsOrg();
    const ticket = ticketOf((await connectFirst(a, dynamics)).page);
    const before = (await h.connections.list()).length;
    const once = await h.onboarding.connectAnotherOrganisation({ ticket });
    const twice = await h.onboarding.connectAnotherOrganisation({ ticket });
    expect(connectionIdOf(twice.location)).toBe(connectionIdOf(once.location));
    expect((await h.connections.list()).length).toBe(before + 1);
    expect(textOf(await h.onboarding.startXero(tokenOf(once.location)))).toContain("This link is no longer valid");
  });

  it("refuses an organisation already connected in the environment, naming its connector, and creates nothing", async () => {
    const a = h.newXeroOrganisation("Already Here Ltd");
    const c = h.newXeroOrganisation("Charlie Holdings Ltd");
    const dynamics = h.newDynamicsOrg();
    const first = await connectFirst(a, dynamics);
    const [connectorA] = await connectorsOf(dynamics.client);
    await dynamics.client.update(mag_xeroconnector.entitySetName, String(connectorA?.[cc.mag_xeroconnectorid]), {
      [cc.mag_name]: "Head Office",
    });
    const connectionA = await h.connections.require(first.connectionId);
    const grantA = await h.vault.getAccessToken(first.connectionId);
    const another = await h.onboarding.connectAnotherOrganisation({ ticket: ticketOf(first.page) });
    const newId = connectionIdOf(another.location);

    // Only A ticked on Xero's page: refused before its grant is stored.
    const only = await throughConsent(another.location, [a]);
    expect(only.answer.status).toBe(409);
    expect(textOf(only.answer)).toContain("Already Here Ltd is already connected");
    expect(textOf(only.answer)).toContain("as the Xero Connector record Head Office, so nothing was created");
    expect(textOf(only.answer)).toContain("To reauthorise it, open the reconnect link you received for Head Office");
    expect(textOf(only.answer)).toContain(`href="${another.location ?? ""}"`);
    expect(await h.vault.getGrantInfo(newId)).toBeUndefined();

    // A and C ticked, then A posted anyway (a forged or stale choice): refused too.
    const both = await throughConsent(another.location, [a, c]);
    expect(both.answer.status).toBe(200);
    const forced = await h.onboarding.chooseOrganisation(a, both.cookie);
    expect(forced.status).toBe(409);
    expect(textOf(forced)).toContain("as the Xero Connector record Head Office");

    // Nothing created: one connector, A's connection as it was (and its grant), the new one serving nothing.
    expect((await connectorsOf(dynamics.client)).map((row) => row[cc.mag_name])).toStrictEqual(["Head Office"]);
    expect(await h.connections.require(first.connectionId)).toStrictEqual(connectionA);
    expect(await h.vault.getAccessToken(first.connectionId)).toBe(grantA);
    expect(await h.connections.require(newId)).toMatchObject({ xero: null, connectorId: null, status: "pending" });
    expect(
      (await h.connections.listByEnvironment(dynamics.org.url)).filter((item) => item.xero?.tenantId === a),
    ).toHaveLength(1);
    expect(h.queue.messages.filter((item) => item.message.connectionId === newId)).toStrictEqual([]);

    // The link was not used up: C can still be chosen.
    const chosen = await h.onboarding.chooseOrganisation(c, both.cookie);
    expect(textOf(chosen)).toContain("You are connected");
  });

  it("gives an organisation chosen by two connections of one environment at the same moment to one of them only", async () => {
    const x = h.newXeroOrganisation("Raced For Ltd");
    const y = h.newXeroOrganisation("Second Choice Ltd");
    const dynamics = h.newDynamicsOrg();
    const credentials = {
      url: dynamics.org.url,
      tenantId: dynamics.org.tenantId,
      clientId: dynamics.org.clientId,
      clientSecret: dynamics.org.clientSecret,
    };
    // Two pending connections of the environment (as two "Connect another" buttons make), each at its choice page.
    const racers = await Promise.all(
      [1, 2].map(async () => {
        const link = await h.issueLink("xero", (await h.connections.create({ dataverse: credentials })).id);
        const { cookie, answer } = await throughConsent(`${publicBaseUrl}/api/onboarding/xero?token=${link.token}`, [
          x,
          y,
        ]);
        const { connectionId } = link;
        expect(answer.status).toBe(200);
        return { connectionId, cookie };
      }),
    );

    const answers = await Promise.all(racers.map((racer) => h.onboarding.chooseOrganisation(x, racer.cookie)));
    expect(answers.map((answer) => answer.status).sort()).toStrictEqual([200, 409]);
    const winner = answers.findIndex((answer) => answer.status === 200);
    const loser = racers[1 - winner];
    expect(textOf(answers[winner] as PageAnswer)).toContain("You are connected");
    expect(textOf(answers[1 - winner] as PageAnswer)).toContain("Raced For Ltd is already connected");
    expect((await connectorsOf(dynamics.client)).map((row) => row[cc.mag_xerotenantid])).toStrictEqual([x]);
    expect(
      (await h.connections.listByEnvironment(dynamics.org.url)).filter((item) => item.xero?.tenantId === x),
    ).toHaveLength(1);
    expect(await h.connections.require(loser?.connectionId ?? "")).toMatchObject({ xero: null, status: "pending" });

    // The loser's link was not used up: it takes the other organisation.
    const other = await h.onboarding.chooseOrganisation(y, loser?.cookie);
    expect(textOf(other)).toContain("You are connected");
    expect((await connectorsOf(dynamics.client)).map((row) => row[cc.mag_xerotenantid]).sort()).toStrictEqual(
      [x, y].sort(),
    );
  });

  it("refuses, when Dynamics 365 comes last, an organisation chosen before the environment was known", async () => {
    const a = h.newXeroOrganisation("Known Later Ltd");
    const c = h.newXeroOrganisation("Picked Instead Ltd");
    const dynamics = h.newDynamicsOrg();
    await connectFirst(a, dynamics);
    // Support sent a brand-new link (not a reconnect link) and the customer picked A again on Xero.
    const link = await h.issueLink("xero");
    const start = await h.onboarding.startXero(link.token);
    const callback = await h.onboarding.completeXeroConsent(await consent(start.location ?? "", [a]), cookieOf(start));
    expect(callback.status).toBe(303);
    const refused = await h.onboarding.submitDynamicsForm({ token: tokenOf(callback.location), ...dynamics.form });
    expect(refused.status).toBe(409);
    expect(textOf(refused)).toContain("Known Later Ltd is already connected");
    // The connection keeps Dynamics 365 only; A and its grant are dropped; one connector as before.
    expect(await h.connections.require(link.connectionId)).toMatchObject({
      xero: null,
      connectorId: null,
      status: "pending",
      dataverse: { url: dynamics.org.url },
    });
    expect(await h.vault.getGrantInfo(link.connectionId)).toBeUndefined();
    expect(await connectorsOf(dynamics.client)).toHaveLength(1);

    // Its way on: a fresh Xero link for the same connection, where another organisation connects.
    const next = /id="next-step" href="([^"]+)"/.exec(textOf(refused))?.[1]?.replace(/&amp;/g, "&");
    expect(connectionIdOf(next)).toBe(link.connectionId);
    const { answer } = await throughConsent(next, [c]);
    expect(textOf(answer)).toContain("You are connected");
    expect((await connectorsOf(dynamics.client)).map((row) => row[cc.mag_xerotenantid]).sort()).toStrictEqual(
      [a, c].sort(),
    );
  });

  it("copies only the environment and tenant from an app-consent connection (no secret in the new row)", async () => {
    const a = h.newXeroOrganisation("Consent Source Ltd");
    const b = h.newXeroOrganisation("Consent Second Ltd");
    const dynamics = h.newDynamicsOrg();
    await grantAppConsent(h, dynamics.org.tenantId);
    h.dataverse.addApplicationUser(dynamics.org, { clientId: h.dynamicsApp.clientId, roles: [serviceRole] });
    await dynamics.client.create(mag_xeroconnector.entitySetName, {
      [cc.mag_name]: "Consent Source Ltd",
      [cc.mag_xerotenantid]: a,
      [cc.mag_enabled]: true,
      [cc.mag_isdefault]: true,
    });
    const source = await h.connections.create({
      dataverse: {
        url: dynamics.org.url,
        tenantId: dynamics.org.tenantId,
        clientId: h.dynamicsApp.clientId,
        clientSecret: h.dynamicsApp.clientSecret,
        authorisation: "app-consent",
      },
      xero: { tenantId: a, tenantName: "Consent Source Ltd" },
    });
    const ticket = newAnotherOrganisationTicket(source.id, h.config.links.signingKey, h.clock.now());
    rememberSecrets(ticket);

    const another = await h.onboarding.connectAnotherOrganisation({ ticket });
    expect(another.status).toBe(303);
    const newId = connectionIdOf(another.location);
    const raw = await rawRow(newId);
    expect(raw).toMatchObject({
      dataverseAuthorisation: "app-consent",
      dataverseUrl: dynamics.org.url,
      dataverseTenantId: dynamics.org.tenantId,
    });
    expect(raw).not.toHaveProperty("dataverseClientSecret");
    expect(raw).not.toHaveProperty("dataverseClientId");
    expect(JSON.stringify(raw)).not.toContain(h.dynamicsApp.clientSecret);

    // It signs in with the service's app like its source: B connects, not the default.
    const { answer } = await throughConsent(another.location, [b]);
    expect(textOf(answer)).toContain("You are connected");
    expect(
      (await connectorsOf(dynamics.client)).map((row) => [row[cc.mag_xerotenantid], row[cc.mag_isdefault]]).sort(),
    ).toStrictEqual(
      [
        [a, true],
        [b, false],
      ].sort(),
    );
  });

  it("wrote no ticket, code, token or secret into its log", () => {
    expect(h.logger.entries.some((entry) => entry.message === "another xero organisation started")).toBe(true);
    expect(findSecretsInLogs(h.logger.entries, [h.config.xero.clientSecret, h.dynamicsApp.clientSecret])).toStrictEqual(
      [],
    );
  });
});
