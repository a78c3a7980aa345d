// The forged-consent hole, closed (issue 7): Entra's redirect to the consent callback is a plain browser redirect, so
// someone holding a valid onboarding link could type an existing customer's environment URL and forge
// `admin_consent=True&tenant=<theirs>`. Now only a verified sign-in of a System Administrator of that environment
// leads anywhere: a forged callback without it, or after signing in to another directory, is refused, nothing is
// stored and the victim's environment is never called with the service's credentials.
import { mag_xeroconnector } from "../../src/generated/dataverse";
import type { PageAnswer } from "../../src/onboarding/onboarding";
import { findSecretsInLogs } from "../support/log-scan";
import { adminConsent, cookieOf, grantAppConsent, signIn, startHarness, type Harness } from "./harness";

const role = "Xero Connector Service";
const textOf = (answer: PageAnswer): string => answer.page?.html ?? "";

describe("forged Dynamics 365 consent callbacks (Azurite, the Xero and Dataverse emulators)", () => {
  let h: Harness;
  let victim: ReturnType<Harness["newDynamicsOrg"]>;
  let attackerOrg: ReturnType<Harness["newDynamicsOrg"]>;

  beforeAll(async () => {
    h = await startHarness();
    // An existing customer: the directory approved the app and the environment has its application user.
    victim = h.newDynamicsOrg();
    await grantAppConsent(h, victim.org.tenantId);
    h.dataverse.addApplicationUser(victim.org, { clientId: h.dynamicsApp.clientId, roles: [role] });
    // The attacker's own environment, in their own directory (not approved yet).
    attackerOrg = h.newDynamicsOrg();
  });

  afterAll(async () => {
    await h?.stop();
  });

  /**
   * Nothing reached the victim's environment as the service, and the attacker's connection has no Dynamics 365. The
   * check itself reads the victim's connectors (one request): the count after it is returned.
   */
  async function expectNothingConnected(connectionId: string, victimRequestsBefore: number): Promise<number> {
    expect(h.dataverse.requestCount(victim.org)).toBe(victimRequestsBefore);
    expect((await h.connections.require(connectionId)).dataverse).toBeNull();
    const connectors = await victim.client.retrieveMultiple(mag_xeroconnector.entitySetName, {
      select: [mag_xeroconnector.primaryIdAttribute],
    });
    expect(connectors).toStrictEqual([]);
    return h.dataverse.requestCount(victim.org);
  }

  it("refuses a consent callback forged without any sign-in", async () => {
    const link = await h.issueLink("dynamics");
    // The attacker types the victim's environment URL: the service sends them to sign in (a state for that).
    const start = await h.onboarding.startAppConsent({ token: link.token, environmentUrl: victim.org.url });
    expect(start.status).toBe(303);
    const signInState = new URL(start.location ?? "").searchParams.get("state") ?? "";
    const before = h.dataverse.requestCount(victim.org);
    const forged = { admin_consent: "True", tenant: victim.org.tenantId };
    for (const state of [signInState, undefined, "", "x.y"]) {
      const answer = await h.onboarding.completeAppConsent(
        state === undefined ? forged : { ...forged, state },
        cookieOf(start),
      );
      expect(answer.status).toBe(400);
      expect(textOf(answer)).toContain("its state did not match");
    }
    // Nor does a made-up code on the sign-in callback get anywhere.
    const madeUp = await h.onboarding.completeSignIn({ code: "0.made-up-code", state: signInState }, cookieOf(start));
    expect(madeUp.status).toBe(400);
    expect(textOf(madeUp)).toContain("The sign-in could not be verified");
    await expectNothingConnected(link.connectionId, before);
  });

  it("refuses a consent callback for the victim's directory after signing in as the administrator of another", async () => {
    const link = await h.issueLink("dynamics");
    // A genuine sign-in, as the administrator of the attacker's own environment: on to the consent page for it.
    const start = await h.onboarding.startAppConsent({ token: link.token, environmentUrl: attackerOrg.org.url });
    const signedIn = await h.onboarding.completeSignIn(
      await signIn(start.location ?? "", attackerOrg.org.administrator.objectId),
      cookieOf(start),
    );
    expect(signedIn.status).toBe(303);
    const consentUrl = signedIn.location ?? "";
    expect(consentUrl).toContain(`/${attackerOrg.org.tenantId}/v2.0/adminconsent?`);
    const consentState = new URL(consentUrl).searchParams.get("state") ?? "";
    const before = h.dataverse.requestCount(victim.org);

    const forged = await h.onboarding.completeAppConsent(
      { admin_consent: "True", tenant: victim.org.tenantId, state: consentState },
      cookieOf(start),
    );
    expect(forged.status).toBe(400);
    expect(textOf(forged)).toContain("Approved in a different directory");
    const after = await expectNothingConnected(link.connectionId, before);

    // The genuine answer for their own directory still works for them (and connects only their environment).
    h.dataverse.addApplicationUser(attackerOrg.org, { clientId: h.dynamicsApp.clientId, roles: [role] });
    const own = await h.onboarding.completeAppConsent(await adminConsent(consentUrl, "accept"), cookieOf(start));
    expect(own.status).toBe(303);
    expect((await h.connections.require(link.connectionId)).dataverse).toMatchObject({
      url: attackerOrg.org.url,
      tenantId: attackerOrg.org.tenantId,
    });
    expect(h.dataverse.requestCount(victim.org)).toBe(after);
  });

  it("refuses a code from a sign-in in another directory, and a code used twice", async () => {
    // A directory of the attacker's that has not approved the app (the one above has, by now).
    const own = h.newDynamicsOrg();
    const link = await h.issueLink("dynamics");
    const victimStart = await h.onboarding.startAppConsent({ token: link.token, environmentUrl: victim.org.url });
    const victimState = new URL(victimStart.location ?? "").searchParams.get("state") ?? "";
    const ownStart = await h.onboarding.startAppConsent({ token: link.token, environmentUrl: own.org.url });
    const ownBack = await signIn(ownStart.location ?? "", own.org.administrator.objectId);
    const before = h.dataverse.requestCount(victim.org);

    // The attacker's own code, handed in with the state for the victim's environment: redeemed at the victim's
    // tenant, where Entra does not know it.
    const swapped = await h.onboarding.completeSignIn(
      { ...(ownBack.code === undefined ? {} : { code: ownBack.code }), state: victimState },
      cookieOf(victimStart),
    );
    expect(swapped.status).toBe(400);
    expect(textOf(swapped)).toContain("The sign-in could not be verified");
    const after = await expectNothingConnected(link.connectionId, before);
    // Where it belongs the code works once (on to the consent page for the attacker's own directory), then never.
    expect((await h.onboarding.completeSignIn(ownBack, cookieOf(ownStart))).status).toBe(303);
    const replayed = await h.onboarding.completeSignIn(ownBack, cookieOf(ownStart));
    expect(replayed.status).toBe(400);
    expect(textOf(replayed)).toContain("The sign-in could not be verified");
    expect(h.dataverse.requestCount(victim.org)).toBe(after);
    expect(h.logger.entries).toContainEqual(
      expect.objectContaining({ level: "warn", message: "dynamics sign-in code redemption failed" }),
    );
  });

  it("refuses a Check again ticket it did not issue after a sign-in", async () => {
    const link = await h.issueLink("dynamics");
    const start = await h.onboarding.startAppConsent({ token: link.token, environmentUrl: victim.org.url });
    const signInState = new URL(start.location ?? "").searchParams.get("state") ?? "";
    const before = h.dataverse.requestCount(victim.org);
    const answer = await h.onboarding.checkAppConsentAgain({ token: link.token, ticket: signInState });
    expect(textOf(answer)).toContain("This check could not be verified");
    await expectNothingConnected(link.connectionId, before);
  });

  it("wrote no code, token or secret into its log", () => {
    expect(findSecretsInLogs(h.logger.entries, [h.config.xero.clientSecret, h.dynamicsApp.clientSecret])).toStrictEqual(
      [],
    );
  });
});
