// Issue 7's "done when": a new customer goes from a signed link, through the Xero emulator's consent page (two
// organisations, one chosen), the Dynamics 365 credentials page (a wrong secret first), to a connected Xero Connector
// row with reference data synced — the whole sandbox with the service in its local Functions host, driven by
// Debian's Chromium. Screenshots land in dist/screenshots/onboarding-*.png.
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
import { demoXeroOrganisationName, startSandbox, type Sandbox } from "../../../sandbox/src";
import type { HostLogEntry } from "../../../sandbox/src/functions-host";
import { findSecretsInLogs } from "../support/log-scan";
import { launchTestBrowser, type TestBrowser } from "./browser";

const secondOrganisation = "Kiwi Widgets Ltd";

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

    // 6. The link was used up; support sees a healthy connection.
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
});
