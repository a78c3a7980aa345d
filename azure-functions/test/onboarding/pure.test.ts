// The pure parts of onboarding: connector health columns, install verdicts, first-sync selection, environment URLs
// and the pages' escaping.
import type { Connection } from "../../src/adapters/table-storage/connection-store";
import type { GrantInfo } from "../../src/adapters/table-storage/token-vault";
import { mag_xeroconnector, mag_xerostatus } from "../../src/generated/dataverse";
import { toConnectorHealth } from "../../src/onboarding/connection-health";
import { toConnectorBody } from "../../src/onboarding/connector-setup";
import { dataFlowDefaults, selectFirstSyncFlows } from "../../src/onboarding/flow-defaults";
import { compareVersions, requiredTables, toInstallCheck } from "../../src/onboarding/install-checks";
import { toEnvironmentUrl } from "../../src/onboarding/onboarding";
import { renderConnectedPage, renderDynamicsForm, renderOrganisationChoice } from "../../src/onboarding/pages";

const cc = mag_xeroconnector.columns;

const connection = (overrides: Partial<Connection> = {}): Connection => ({
  id: "c1",
  dataverse: { url: "https://contoso.crm.dynamics.com", tenantId: "t", clientId: "id", clientSecret: "s3cret-value" },
  xero: { tenantId: "x1", tenantName: "Demo" },
  connectorId: "5b1c6f0e-3c1a-4d0e-9a7e-0c8f2d1b6a11",
  status: "connected",
  statusReason: null,
  createdOn: "2026-03-01T00:00:00.000Z",
  updatedOn: "2026-03-01T00:00:00.000Z",
  ...overrides,
});

const grant = (overrides: Partial<GrantInfo> = {}): GrantInfo => ({
  accessTokenExpiresAt: new Date("2026-03-02T09:30:00Z"),
  grantExpiresOn: new Date("2026-05-01T09:00:00Z"),
  lastRefreshedOn: new Date("2026-03-02T09:00:00Z"),
  refreshCount: 0,
  disconnected: undefined,
  ...overrides,
});

describe("connection health on the connector", () => {
  it("shows a healthy connection as Connected with its grant expiry and calls left", () => {
    expect(
      toConnectorHealth(connection(), grant(), 4987.6, {
        lastSynchedOn: new Date("2026-03-02T09:05:00Z"),
        lastError: null,
      }),
    ).toStrictEqual({
      [cc.mag_xerostatus]: mag_xerostatus.Connected,
      [cc.mag_xerostatusreason]: null,
      [cc.mag_xerograntexpireson]: "2026-05-01T09:00:00.000Z",
      [cc.mag_xerocallsremainingtoday]: 4987,
      [cc.mag_lastsynchedon]: "2026-03-02T09:05:00.000Z",
      [cc.mag_lasterror]: null,
    });
  });

  it("shows a disconnected grant as Disconnected with the reason, which also becomes the last error", () => {
    const body = toConnectorHealth(
      connection({ status: "disconnected", statusReason: "Xero refused the grant" }),
      grant({ disconnected: { reason: "Xero refused the grant", on: new Date() } }),
      undefined,
      { lastError: "other" },
    );
    expect(body).toStrictEqual({
      [cc.mag_xerostatus]: mag_xerostatus.Disconnected,
      [cc.mag_xerostatusreason]: "Xero refused the grant",
      [cc.mag_lasterror]: "Xero refused the grant",
      [cc.mag_xerograntexpireson]: "2026-05-01T09:00:00.000Z",
    });
    expect(
      toConnectorHealth(connection(), grant({ disconnected: { reason: "revoked", on: new Date() } }), undefined)[
        cc.mag_xerostatus
      ],
    ).toBe(mag_xerostatus.Disconnected);
  });

  it("shows Not Connected while an authorisation is missing, and cuts long reasons to the column's length", () => {
    expect(toConnectorHealth(connection({ status: "pending" }), undefined, undefined)).toStrictEqual({
      [cc.mag_xerostatus]: mag_xerostatus.NotConnected,
      [cc.mag_xerostatusreason]: "Xero is not authorised yet",
    });
    const long = toConnectorHealth(
      connection({ status: "disconnected", statusReason: "x".repeat(5000) }),
      grant(),
      undefined,
    );
    expect(String(long[cc.mag_xerostatusreason])).toHaveLength(500);
    expect(String(long[cc.mag_lasterror])).toHaveLength(4000);
  });
});

describe("install checks", () => {
  it("compares solution versions numerically", () => {
    expect(compareVersions("1.10.0.0", "1.9.0.0")).toBe(1);
    expect(compareVersions("1.0", "1.0.0.0")).toBe(0);
    expect(compareVersions("0.9.9.9", "1.0.0.0")).toBe(-1);
  });

  it("refuses a missing table or an old version and accepts an unknown version when the tables are there", () => {
    expect(toInstallCheck(requiredTables, "1.2.0.0")).toStrictEqual({ ok: true, solutionVersion: "1.2.0.0" });
    expect(toInstallCheck(requiredTables, undefined)).toStrictEqual({ ok: true, solutionVersion: undefined });
    const missing = toInstallCheck(
      requiredTables.filter((name) => name !== "mag_xerodataflow"),
      "1.2.0.0",
    );
    expect(missing).toMatchObject({ ok: false, problem: "solution-missing" });
    expect(missing.ok ? "" : missing.message).toContain("mag_xerodataflow");
    expect(toInstallCheck(requiredTables, "0.9.0.0")).toMatchObject({ ok: false, problem: "solution-outdated" });
  });
});

describe("connector and data-flow defaults", () => {
  it("names a new connector after the organisation and leaves an existing one's name alone", () => {
    const organisation = {
      tenantId: "x1",
      tenantName: "A".repeat(120),
      grantExpiresOn: new Date("2026-05-01T09:00:00Z"),
    };
    const created = toConnectorBody(organisation, { isDefault: true });
    expect(String(created[cc.mag_name])).toHaveLength(100);
    expect(created).toMatchObject({
      [cc.mag_isdefault]: true,
      [cc.mag_enabled]: true,
      [cc.mag_xerostatus]: mag_xerostatus.Connected,
    });
    expect(toConnectorBody(organisation, undefined)).not.toHaveProperty(cc.mag_name);
    expect(toConnectorBody(organisation, undefined)).not.toHaveProperty(cc.mag_isdefault);
  });

  it("has one default per flow and runs reference data first, then the enabled pulls", () => {
    expect(new Set(dataFlowDefaults.map((row) => row.flow)).size).toBe(8);
    expect(selectFirstSyncFlows(dataFlowDefaults)).toStrictEqual([
      "ReferenceData",
      "PaymentsFromXero",
      "CreditNotesFromXero",
    ]);
    expect(
      selectFirstSyncFlows([
        { flow: "ContactsFromXero", enabled: true },
        { flow: "InvoicesToXero", enabled: true },
        { flow: "ReferenceData", enabled: true },
      ]),
    ).toStrictEqual(["ReferenceData", "ContactsFromXero"]);
  });
});

describe("pages and form input", () => {
  it("normalises the environment URL and refuses what is not a URL", () => {
    expect(toEnvironmentUrl(" https://contoso.crm.dynamics.com/ ")).toBe("https://contoso.crm.dynamics.com");
    expect(toEnvironmentUrl("https://contoso.crm4.dynamics.com/main.aspx?appid=1&pagetype=entitylist")).toBe(
      "https://contoso.crm4.dynamics.com",
    );
    expect(toEnvironmentUrl("http://127.0.0.1:5555/demo/?x=1")).toBe("http://127.0.0.1:5555/demo");
    expect(toEnvironmentUrl("contoso")).toBeUndefined();
  });

  it("escapes every value it shows and never echoes the client secret", () => {
    const choice = renderOrganisationChoice({
      action: "/api/x",
      organisations: [{ tenantId: '"><script>', tenantName: "<img src=x onerror=alert(1)>" }],
    }).html;
    expect(choice).not.toContain("<script>");
    expect(choice).not.toContain("<img");
    expect(choice).toContain("&lt;img src=x onerror=alert(1)&gt;");
    const form = renderDynamicsForm({
      action: "/api/d",
      token: "t",
      values: { environmentUrl: 'https://x"/><b>', tenantId: "", clientId: "" },
      xeroOrganisation: "<b>Org</b>",
      problem: { message: "m", action: "a" },
    }).html;
    expect(form).toContain('value="https://x&quot;/&gt;&lt;b&gt;"');
    expect(form).toContain("&lt;b&gt;Org&lt;/b&gt;");
    expect(form).toMatch(/<input type="password" id="clientSecret" name="clientSecret" required \/>/);
    const connected = renderConnectedPage({
      xeroOrganisation: "A & B",
      environmentUrl: "https://c",
      connectorName: "A & B",
      isDefault: true,
      solutionVersion: undefined,
      firstSync: ["Reference data"],
      realtime: "not-available",
    }).html;
    expect(connected).toContain("A &amp; B (default)");
    expect(connected).toContain("enabled, registration pending");
  });
});
