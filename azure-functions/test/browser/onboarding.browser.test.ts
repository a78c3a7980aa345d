// Issue 7's "done when": a new customer goes from a signed link, through the Xero emulator's consent page (two
// organisations, one chosen), the Dynamics 365 credentials page (a wrong secret first), to a connected Xero Connector
// row with reference data synced — the whole sandbox with the service in its local Functions host, driven by
// Debian's Chromium. Screenshots land in dist/screenshots/onboarding-*.png. A second walk connects Dynamics 365 the
// other way: admin consent to the service's multi-tenant app on the Dataverse emulator's consent page, the
// application-user and role steps with "Check again", then Xero (dist/screenshots/consent-*.png).
import { loadConfig, secretValues } from "../../src/config";
import { createDataverseClient, type DataverseWebApiClient } from "../../src/adapters/dataverse/web-api-client";
import {
  mag_lastresult,
  mag_xeroaccountcode,
  mag_xeroconnector,
  mag_xerodataflow,
  mag_flow,
  mag_xerostatus,
} from "../../src/generated/dataverse";
import { filter, toStringLiteral, toGuidLiteral } from "../../src/adapters/dataverse/odata";
import { runSupport } from "../../../scripts/support";
import { demoXeroOrganisationName, dynamicsAppRole, startSandbox, type Sandbox } from "../../../sandbox/src";
import type { HostLogEntry } from "../../../sandbox/src/functions-host";
import { findSecretsInLogs } from "../support/log-scan";
import { launchTestBrowser, type TestBrowser } from "./browser";

const secondOrganisation = "Kiwi Widgets Ltd";
const anotherOrganisation = "Tui Traders Ltd";

describe("onboarding in a browser (Chromium, the sandbox, the service in its Functions host)", () => {
  let sandbox: Sandbox;
  let browser: TestBrowser;
  let dataverse: DataverseWebApiClient;
  const hostLines: HostLogEntry[] = [];

  beforeAll(async () => {
    sandbox = await startSandbox({
      ports: { dataverse: 0, xero: 0, xeroIdentity: 0, azuriteBlob: 0, azuriteQueue: 0, azuriteTable: 0, functions: 0 },
      env: {},
      withService: true,
      endpointsFile: false,
      hostLogger: (entry) => hostLines.push(entry),
    });
    sandbox.xero.createOrganisation({ name: secondOrganisation });
    sandbox.xero.createOrganisation({ name: anotherOrganisation });
    const { endpoints } = sandbox;
    dataverse = createDataverseClient(
      {
        url: endpoints.dataverseUrl,
        tenantId: endpoints.dataverseTenantId,
        clientId: endpoints.dataverseClientId,
        clientSecret: endpoints.dataverseClientSecret,
      },
      { authorityUrl: endpoints.dataverseHostUrl },
    );
    browser = await launchTestBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await sandbox?.stop();
  });

  const support = async (command: Parameters<typeof runSupport>[0]): Promise<{ code: number; out: string[] }> => {
    const out: string[] = [];
    const code = await runSupport(command, loadConfig(sandbox.serviceEnv ?? {}), {
      out: (line) => out.push(line),
      err: () => undefined,
    });
    return { code, out };
  };

  it("walks a new customer from the signed link to a connected connector with reference data synced", async () => {
    const { page } = browser;
    const { endpoints } = sandbox;
    const issued = await support({ command: "link", connection: "new", kind: "xero", lifetimeMs: 60 * 60_000 });
    const link = issued.out[0] ?? "";
    expect(link).toMatch(/\/api\/onboarding\/xero\?token=/);

    // 1. The link leads to Xero's consent page with both organisations on offer.
    await page.goto(link);
    await page.waitForURL((url) => url.pathname === "/identity/connect/authorize");
    const authorize = new URL(page.url());
    expect(authorize.searchParams.get("scope")).toBe(
      "offline_access accounting.invoices accounting.payments accounting.contacts accounting.settings",
    );
    expect(authorize.searchParams.get("code_challenge_method")).toBe("S256");
    await page.getByLabel(demoXeroOrganisationName).check();
    await page.getByLabel(secondOrganisation).check();
    await browser.screenshot("onboarding-1-xero-consent");
    await page.locator("#allow-access").click();

    // 2. Two organisations were authorised: the service asks which one this connection serves.
    await page.getByRole("heading", { name: "Choose the Xero organisation" }).waitFor();
    await page.getByLabel(secondOrganisation).check();
    await browser.screenshot("onboarding-2-organisation-choice");
    await page.locator("#connect-organisation").click();

    // 3. Dynamics 365: a wrong secret is refused in plain words, then the right one connects.
    await page.getByRole("heading", { name: "Connect Dynamics 365" }).waitFor();
    await page.locator("#environmentUrl").fill(endpoints.dataverseUrl);
    await page.locator("#tenantId").fill(endpoints.dataverseTenantId);
    await page.locator("#clientId").fill(endpoints.dataverseClientId);
    await page.locator("#clientSecret").fill("not-the-secret");
    await browser.screenshot("onboarding-3-dynamics-credentials");
    await page.locator("#connect-dynamics").click();
    await page.locator("#problem").waitFor();
    expect(await page.locator("#problem").innerText()).toContain("client secret was refused");
    await browser.screenshot("onboarding-4-dynamics-wrong-secret");
    expect(await page.locator("#environmentUrl").inputValue()).toBe(endpoints.dataverseUrl);
    await page.locator("#clientSecret").fill(endpoints.dataverseClientSecret);
    await page.locator("#connect-dynamics").click();
    await page.locator("#connected").waitFor();
    expect(await page.locator("main").innerText()).toContain(secondOrganisation);
    await browser.screenshot("onboarding-5-connected");

    // 4. The connector row: named after the organisation, connected, default (the org's first), grant expiry shown.
    const cc = mag_xeroconnector.columns;
    const connectors = await dataverse.retrieveMultiple<Record<string, unknown>>(mag_xeroconnector.entitySetName, {
      select: [
        cc.mag_xeroconnectorid,
        cc.mag_name,
        cc.mag_xerostatus,
        cc.mag_isdefault,
        cc.mag_xerograntexpireson,
        cc.mag_xerocallsremainingtoday,
        cc.mag_xeroorganisationname,
      ],
      filter: filter`mag_xeroorganisationname eq ${toStringLiteral(secondOrganisation)}`,
    });
    expect(connectors).toHaveLength(1);
    const connector = connectors[0] ?? {};
    expect(connector[cc.mag_name]).toBe(secondOrganisation);
    expect(connector[cc.mag_xerostatus]).toBe(mag_xerostatus.Connected);
    expect(connector[cc.mag_isdefault]).toBe(true);
    expect(typeof connector[cc.mag_xerograntexpireson]).toBe("string");
    // Connection health was written on completion: the day's Xero budget (the first sync may already spend some).
    expect(connector[cc.mag_xerocallsremainingtoday]).toEqual(expect.any(Number));
    const connectorId = String(connector[cc.mag_xeroconnectorid]);

    // 5. The first sync ran at once: reference data is in Dynamics 365 and its data flow says so.
    // The worker takes the queued message within the host's polling interval; wait for the data flow's result.
    const fc = mag_xerodataflow.columns;
    const readFlows = () =>
      dataverse.retrieveMultiple<Record<string, unknown>>(mag_xerodataflow.entitySetName, {
        select: [fc.mag_flow, fc.mag_lastresult],
        filter: filter`_mag_xeroconnectorid_value eq ${toGuidLiteral(connectorId)}`,
      });
    let flows = await readFlows();
    const referenceResult = () => flows.find((row) => row[fc.mag_flow] === mag_flow.ReferenceData)?.[fc.mag_lastresult];
    for (let attempt = 0; attempt < 180 && (referenceResult() ?? null) === null; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      flows = await readFlows();
    }
    expect(flows).toHaveLength(8);
    expect(referenceResult()).toBe(mag_lastresult.Succeeded);
    const codes = await dataverse.retrieveMultiple<Record<string, unknown>>(mag_xeroaccountcode.entitySetName, {
      select: [mag_xeroaccountcode.columns.mag_code],
      filter: filter`_mag_xeroconnectorid_value eq ${toGuidLiteral(connectorId)}`,
    });
    expect(codes.length).toBeGreaterThan(0);

    // 6. "Connect another Xero organisation" on the connected page: Xero's consent again (it ticks the organisations
    // this user already connected), the organisation already connected here marked and not choosable, the new one
    // connected next to the first, not the default. The page is still the connected page of step 3.
    await page.locator("#connect-another").click();
    await page.waitForURL((url) => url.pathname === "/identity/connect/authorize");
    await page.getByLabel(demoXeroOrganisationName).uncheck();
    await page.getByLabel(anotherOrganisation).check();
    await page.locator("#allow-access").click();
    await page.getByRole("heading", { name: "Choose the Xero organisation" }).waitFor();
    expect(await page.getByLabel(secondOrganisation).isDisabled()).toBe(true);
    expect(await page.getByLabel(anotherOrganisation).isChecked()).toBe(true);
    await browser.screenshot("onboarding-7-another-organisation-choice");
    await page.locator("#connect-organisation").click();
    await page.locator("#connected").waitFor();
    expect(await page.locator("main").innerText()).toContain(anotherOrganisation);
    await browser.screenshot("onboarding-8-another-organisation-connected");
    const byOrganisation = await dataverse.retrieveMultiple<Record<string, unknown>>(mag_xeroconnector.entitySetName, {
      select: [cc.mag_xeroorganisationname, cc.mag_isdefault],
      filter: filter`mag_xeroorganisationname eq ${toStringLiteral(anotherOrganisation)} or mag_xeroorganisationname eq ${toStringLiteral(secondOrganisation)}`,
    });
    expect(byOrganisation.map((row) => [row[cc.mag_xeroorganisationname], row[cc.mag_isdefault]]).sort()).toStrictEqual(
      [
        [anotherOrganisation, false],
        [secondOrganisation, true],
      ].sort(),
    );

    // 7. The link was used up; support sees a healthy connection.
    await page.goto(link);
    expect(await page.locator("h1").innerText()).toBe("This link has already been used");
    await browser.screenshot("onboarding-6-link-used");
    const status = await support({ command: "status", json: true, offline: false });
    const rows = JSON.parse(status.out.join("\n")) as Array<{
      status: string;
      xeroOrganisation: string;
      connectorId: string;
    }>;
    expect(rows).toContainEqual(
      expect.objectContaining({ status: "connected", xeroOrganisation: secondOrganisation, connectorId }),
    );

    // No code, token or secret reached the service's log lines on the way.
    const entries = hostLines.map((entry) => ({
      level: "info" as const,
      message: entry.message,
      timestamp: "",
      context: {},
    }));
    expect(hostLines.length).toBeGreaterThan(0);
    expect(
      findSecretsInLogs(entries, [endpoints.dataverseClientSecret, ...secretValues(sandbox.serviceEnv ?? {})]),
    ).toStrictEqual([]);
  });

  it("connects Dynamics 365 with the Xero Connector app: the administrator signs in, admin consent, the application user and its role, then Xero, to reference data synced", async () => {
    const { page } = browser;
    const { endpoints } = sandbox;
    const appId = sandbox.serviceEnv?.DATAVERSE_APP_CLIENT_ID ?? "";
    expect(appId).not.toBe("");
    // A customer's environment the service has never seen: its administrator has not added the app yet.
    const org = sandbox.dataverse.createOrganisation("consentwalk");
    const organisation = "Consent Walk Ltd";
    sandbox.xero.createOrganisation({ name: organisation });
    const issued = await support({ command: "link", connection: "new", kind: "dynamics", lifetimeMs: 60 * 60_000 });
    const link = issued.out[0] ?? "";
    expect(link).toMatch(/\/api\/onboarding\/dynamics\?token=/);

    // 1. The Dynamics 365 page recommends the app: only the environment URL.
    await page.goto(link);
    await page.getByRole("heading", { name: "Connect with the Xero Connector app" }).waitFor();
    await page.locator("#consentEnvironmentUrl").fill(org.url);
    await browser.screenshot("consent-1-dynamics-choice");
    await page.locator("#connect-with-app").click();

    // 2. Microsoft's sign-in (the emulator's) for this environment's tenant: the environment's administrator.
    await page.getByRole("heading", { name: "Pick an account" }).waitFor();
    const signInPage = new URL(page.url());
    expect(signInPage.pathname).toBe(`/${org.tenantId}/oauth2/v2.0/authorize`);
    expect(signInPage.searchParams.get("client_id")).toBe(appId);
    expect(signInPage.searchParams.get("scope")).toBe(`openid profile ${org.url}/user_impersonation`);
    expect(signInPage.searchParams.get("code_challenge_method")).toBe("S256");
    await browser.screenshot("consent-2-microsoft-sign-in");
    await page.getByRole("button", { name: org.administrator.name }).click();

    // 3. Microsoft's admin consent page (the emulator's), for this environment's tenant: the administrator accepts.
    await page.getByRole("heading", { name: "Permissions requested" }).waitFor();
    const consentPage = new URL(page.url());
    expect(consentPage.pathname).toBe(`/${org.tenantId}/v2.0/adminconsent`);
    expect(consentPage.searchParams.get("client_id")).toBe(appId);
    expect(consentPage.searchParams.get("scope")).toBe(`${org.url}/.default`);
    await browser.screenshot("consent-3-microsoft-admin-consent");
    await page.getByRole("button", { name: "Accept" }).click();

    // 4. Approved; the environment has no application user for the app yet: the exact steps and the app id.
    await page.getByRole("heading", { name: "Add the Xero Connector app to your environment" }).waitFor();
    expect(await page.locator("#app-id").innerText()).toBe(appId);
    expect(await page.locator("#todo").innerText()).toContain(dynamicsAppRole);
    await browser.screenshot("consent-4-add-application-user");

    // The administrator adds it in the Power Platform admin center but forgets the role: Check again says so.
    sandbox.dataverse.addApplicationUser(org, { clientId: appId });
    await page.locator("#check-again").click();
    await page.getByRole("heading", { name: "Give the Xero Connector app its security role" }).waitFor();
    await browser.screenshot("consent-5-assign-role");
    sandbox.dataverse.assignSecurityRole(org, appId, dynamicsAppRole);
    await page.locator("#check-again").click();

    // 5. Dynamics 365 is connected; Xero is next, then the first sync.
    await page.waitForURL((url) => url.pathname === "/identity/connect/authorize");
    // Xero ticks the organisations this user already connected (the first walk's); only this one is wanted here.
    for (const box of await page.locator('input[type="checkbox"]').all()) await box.uncheck();
    await page.getByLabel(organisation).check();
    await page.locator("#allow-access").click();
    await page.waitForURL((url) => url.pathname === "/api/xero/callback");
    // The heading first: a problem page fails here with its own title rather than a timeout.
    expect(await page.locator("h1").innerText()).toBe("You are connected");
    expect(await page.locator("main").innerText()).toContain(organisation);
    await browser.screenshot("consent-6-connected");

    // 6. The connector and reference data in the customer's environment, written as the app's application user.
    const client = createDataverseClient(
      { url: org.url, tenantId: org.tenantId, clientId: org.clientId, clientSecret: org.clientSecret },
      { authorityUrl: endpoints.dataverseHostUrl },
    );
    const cc = mag_xeroconnector.columns;
    const [connector] = await client.retrieveMultiple<Record<string, unknown>>(mag_xeroconnector.entitySetName, {
      select: [cc.mag_xeroconnectorid, cc.mag_name, cc.mag_xerostatus],
    });
    expect(connector).toMatchObject({ [cc.mag_name]: organisation, [cc.mag_xerostatus]: mag_xerostatus.Connected });
    const connectorId = String(connector?.[cc.mag_xeroconnectorid]);
    const fc = mag_xerodataflow.columns;
    const referenceResult = async () =>
      (
        await client.retrieveMultiple<Record<string, unknown>>(mag_xerodataflow.entitySetName, {
          select: [fc.mag_flow, fc.mag_lastresult],
          filter: filter`_mag_xeroconnectorid_value eq ${toGuidLiteral(connectorId)}`,
        })
      ).find((row) => row[fc.mag_flow] === mag_flow.ReferenceData)?.[fc.mag_lastresult] ?? null;
    let result = await referenceResult();
    for (let attempt = 0; attempt < 180 && result === null; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      result = await referenceResult();
    }
    expect(result).toBe(mag_lastresult.Succeeded);
    const codes = await client.retrieveMultiple<Record<string, unknown>>(mag_xeroaccountcode.entitySetName, {
      select: [mag_xeroaccountcode.columns.mag_code],
      filter: filter`_mag_xeroconnectorid_value eq ${toGuidLiteral(connectorId)}`,
    });
    expect(codes.length).toBeGreaterThan(0);

    // Support sees it as connected; no secret, code or token reached the host's log lines.
    const status = await support({ command: "status", json: true, offline: false });
    expect(JSON.parse(status.out.join("\n"))).toContainEqual(
      expect.objectContaining({ status: "connected", xeroOrganisation: organisation, connectorId }),
    );
    const entries = hostLines.map((entry) => ({
      level: "info" as const,
      message: entry.message,
      timestamp: "",
      context: {},
    }));
    expect(findSecretsInLogs(entries, [org.clientSecret, ...secretValues(sandbox.serviceEnv ?? {})])).toStrictEqual([]);
  });
});
