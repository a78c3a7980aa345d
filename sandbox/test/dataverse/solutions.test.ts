// The read-only `solution` table, and an organisation where the Xero Connector solution is not installed.
import { loadGeneratedMetadata } from "../../src/dataverse";
import type { TestOrg } from "./helpers";
import { errorOf, startTestOrg } from "./helpers";

interface SolutionRow {
  solutionid: string;
  uniquename: string;
  friendlyname: string;
  version: string;
  ismanaged: boolean;
  installedon: string;
}

describe("solutions", () => {
  let t: TestOrg;
  beforeAll(async () => {
    t = await startTestOrg();
  });
  afterAll(async () => {
    await t.dv.stop();
  });

  const solutionsOf = async (org: { name: string }): Promise<SolutionRow[]> => {
    const token = t.dv.issueAccessToken(org);
    const response = await fetch(
      `${t.dv.organisation(org).webApiUrl}solutions?$select=uniquename,friendlyname,version,ismanaged,installedon&$orderby=uniquename`,
      { headers: { Authorization: `Bearer ${token}` } },
    );
    expect(response.status).toBe(200);
    return ((await response.json()) as { value: SolutionRow[] }).value;
  };

  it("lists the Xero Connector solution at the version the generator declared, managed", async () => {
    const rows = await solutionsOf(t.org);
    const ours = rows.find((row) => row.uniquename === "XeroConnector");
    expect(ours).toMatchObject({
      friendlyname: "Xero Connector",
      version: loadGeneratedMetadata().version,
      ismanaged: true,
      installedon: "2026-03-15T09:30:00Z",
    });
    expect(rows.map((row) => row.uniquename)).toStrictEqual(["Active", "Default", "System", "XeroConnector"]);
    const filtered = await t.api("solutions?$filter=uniquename eq 'XeroConnector'&$select=version");
    expect(((await filtered.json()) as { value: SolutionRow[] }).value).toHaveLength(1);
  });

  it("installs the version an org is created with", async () => {
    const older = t.dv.createOrganisation("older", { solutionVersion: "0.9.0.0" });
    const ours = (await solutionsOf(older)).find((row) => row.uniquename === "XeroConnector");
    expect(ours?.version).toBe("0.9.0.0");
  });

  it("refuses writes to the solution table", async () => {
    const [row] = await solutionsOf(t.org);
    const attempts: Array<[string, RequestInit & { json?: unknown }]> = [
      ["solutions", { method: "POST", json: { uniquename: "Mine", friendlyname: "Mine" } }],
      [`solutions(${row?.solutionid ?? ""})`, { method: "PATCH", json: { friendlyname: "Renamed" } }],
      [`solutions(${row?.solutionid ?? ""})`, { method: "DELETE" }],
    ];
    for (const [path, init] of attempts) {
      const response = await t.api(path, init);
      expect(response.status).toBe(404);
      expect((await errorOf(response)).message).toMatch(/^No HTTP resource was found that matches the request URI/);
    }
    expect((await solutionsOf(t.org)).map((solution) => solution.uniquename)).toContain("System");
    expect(t.dv.store.list(t.org, "solution")).toHaveLength(4);
  });

  describe("an org without the solution", () => {
    let bare: ReturnType<TestOrg["dv"]["createOrganisation"]>;
    const api = (path: string): Promise<Response> =>
      fetch(`${bare.webApiUrl}${path}`, { headers: { Authorization: `Bearer ${t.dv.issueAccessToken(bare)}` } });

    beforeAll(() => {
      bare = t.dv.createOrganisation("bare", { solutionVersion: null });
    });

    it("has no XeroConnector row", async () => {
      expect((await solutionsOf(bare)).map((row) => row.uniquename)).toStrictEqual(["Active", "Default", "System"]);
    });

    it("answers the solution's entity sets as unknown segments", async () => {
      const response = await api("mag_xeroconnectors");
      expect(response.status).toBe(404);
      expect(await errorOf(response)).toStrictEqual({
        code: "0x8006088a",
        message: "Resource not found for the segment 'mag_xeroconnectors'.",
      });
      expect((await t.api("mag_xeroconnectors")).status).toBe(200);
    });

    it("leaves the solution's tables out of EntityDefinitions", async () => {
      const byName = await api("EntityDefinitions(LogicalName='mag_xeroconnector')");
      expect(byName.status).toBe(404);
      const all = (await (await api("EntityDefinitions?$select=LogicalName")).json()) as {
        value: Array<{ LogicalName: string }>;
      };
      const names = all.value.map((definition) => definition.LogicalName);
      expect(names).toContain("invoice");
      expect(names).toContain("solution");
      expect(names.filter((name) => name.startsWith("mag_"))).toStrictEqual([]);
      const installed = (await (await t.api("EntityDefinitions?$select=LogicalName")).json()) as {
        value: Array<{ LogicalName: string }>;
      };
      expect(installed.value.map((definition) => definition.LogicalName)).toContain("mag_xeroconnector");
    });

    it("leaves the solution's columns off standard tables", async () => {
      const response = await api("invoices?$select=mag_addtoxero");
      expect(response.status).toBe(400);
      expect((await errorOf(response)).code).toBe("0x80060888");
      expect((await api("invoices?$select=name")).status).toBe(200);
    });
  });
});
