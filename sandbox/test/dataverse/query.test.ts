// Query options over HTTP: $select, $filter, $orderby, $top, $count, paging, annotations, $expand, WhoAmI and
// EntityDefinitions.
import type { TestOrg } from "./helpers";
import { entityIdOf, errorOf, startTestOrg } from "./helpers";

type Json = Record<string, unknown>;
type Collection = { value: Json[]; "@odata.nextLink"?: string; "@odata.count"?: number };

describe("queries", () => {
  let t: TestOrg;
  const accounts: string[] = [];
  beforeAll(async () => {
    t = await startTestOrg();
    for (let index = 1; index <= 12; index += 1) {
      const name = `Account ${String(index).padStart(2, "0")}`;
      accounts.push(
        entityIdOf(await t.api("accounts", { method: "POST", json: { name, accountnumber: `N-${index}` } })),
      );
      t.clock.advance(86_400_000);
    }
  });
  afterAll(async () => {
    await t.dv.stop();
  });

  const names = (body: Collection): unknown[] => body.value.map((row) => row["name"]);

  it("selects, filters, orders and limits", async () => {
    const body = (await (
      await t.api(
        "accounts?$select=name&$filter=contains(name,'Account 0') and name ne 'Account 05'&$orderby=name desc&$top=3",
      )
    ).json()) as Collection;
    expect(names(body)).toStrictEqual(["Account 09", "Account 08", "Account 07"]);
    expect(Object.keys(body.value[0] ?? {})).toStrictEqual(["@odata.etag", "name", "accountid"]);
  });

  it("counts with $count=true", async () => {
    const body = (await (
      await t.api("accounts?$select=name&$count=true&$filter=startswith(name,'Account 1')")
    ).json()) as Collection;
    expect(body["@odata.count"]).toBe(3);
  });

  it("filters on dates with Dataverse's query functions and literals", async () => {
    const lastThree = (await (
      await t.api(
        "accounts?$select=name&$filter=Microsoft.Dynamics.CRM.LastXDays(PropertyName='createdon',PropertyValue=3)&$orderby=name",
      )
    ).json()) as Collection;
    expect(names(lastThree)).toStrictEqual(["Account 10", "Account 11", "Account 12"]);
    const before = (await (
      await t.api("accounts?$select=name&$filter=createdon lt 2026-03-17T00:00:00Z&$orderby=createdon")
    ).json()) as Collection;
    expect(names(before)).toStrictEqual(["Account 01", "Account 02"]);
    const byId = (await (
      await t.api(`accounts?$select=name&$filter=accountid eq ${accounts[3] ?? ""}`)
    ).json()) as Collection;
    expect(names(byId)).toStrictEqual(["Account 04"]);
  });

  it("pages with Prefer: odata.maxpagesize and follows @odata.nextLink to the end", async () => {
    const seen: unknown[] = [];
    let url: string | undefined = `${t.org.webApiUrl}accounts?$select=name&$orderby=name`;
    let pages = 0;
    while (url !== undefined) {
      const response = await t.api(url, { headers: { Prefer: "odata.maxpagesize=5" } });
      expect(response.headers.get("preference-applied")).toBe("odata.maxpagesize=5");
      const body = (await response.json()) as Collection;
      expect(body.value.length).toBeLessThanOrEqual(5);
      seen.push(...names(body));
      url = body["@odata.nextLink"];
      pages += 1;
    }
    expect(pages).toBe(3);
    expect(seen).toStrictEqual(
      Array.from({ length: 12 }, (_, index) => `Account ${String(index + 1).padStart(2, "0")}`),
    );
  });

  it("adds formatted values for Prefer: odata.include-annotations", async () => {
    const id = entityIdOf(
      await t.api("invoices", {
        method: "POST",
        json: { name: "Formatted", mag_xerosyncstatus: 582100002, mag_addtoxero: true },
      }),
    );
    const row = (await (
      await t.api(`invoices(${id})?$select=mag_xerosyncstatus,mag_addtoxero,statecode`, {
        headers: { Prefer: 'odata.include-annotations="OData.Community.Display.V1.FormattedValue"' },
      })
    ).json()) as Json;
    expect(row["mag_xerosyncstatus@OData.Community.Display.V1.FormattedValue"]).toBe("Failed");
    expect(row["statecode@OData.Community.Display.V1.FormattedValue"]).toBe("Active");
    expect(typeof row["mag_addtoxero@OData.Community.Display.V1.FormattedValue"]).toBe("string");
  });

  it("expands single- and collection-valued navigation properties with nested options", async () => {
    const contactId = entityIdOf(
      await t.api("contacts", {
        method: "POST",
        json: {
          firstname: "Exp",
          lastname: "Anded",
          "parentcustomerid_account@odata.bind": `/accounts(${accounts[0] ?? ""})`,
        },
      }),
    );
    await t.api(`accounts(${accounts[0] ?? ""})`, {
      method: "PATCH",
      json: { "primarycontactid@odata.bind": `/contacts(${contactId})` },
    });
    await t.api("contacts", {
      method: "POST",
      json: {
        firstname: "Second",
        lastname: "Child",
        "parentcustomerid_account@odata.bind": `/accounts(${accounts[0] ?? ""})`,
      },
    });
    const row = (await (
      await t.api(
        `accounts(${accounts[0] ?? ""})?$select=name&$expand=primarycontactid($select=lastname),contact_customer_accounts($select=lastname;$filter=lastname ne 'Anded';$orderby=lastname)`,
      )
    ).json()) as Json;
    expect(row["primarycontactid"]).toMatchObject({ lastname: "Anded", contactid: contactId });
    expect((row["contact_customer_accounts"] as Json[]).map((contact) => contact["lastname"])).toStrictEqual(["Child"]);
    const bad = await t.api(`accounts(${accounts[0] ?? ""})?$expand=nosuchnav`);
    expect(bad.status).toBe(400);
    expect((await errorOf(bad)).message).toBe(
      "Could not find a property named 'nosuchnav' on type 'Microsoft.Dynamics.CRM.account'.",
    );
  });

  it("answers WhoAmI (GET only) and EntityDefinitions lookups", async () => {
    const who = (await (await t.api("WhoAmI")).json()) as Json;
    expect(who).toMatchObject({
      UserId: t.org.userId,
      BusinessUnitId: t.org.businessUnitId,
      OrganizationId: t.org.organizationId,
    });
    expect((await t.api("WhoAmI", { method: "POST", json: {} })).status).toBe(404);
    const byKey = (await (
      await t.api("EntityDefinitions(LogicalName='invoice')?$select=EntitySetName")
    ).json()) as Json;
    expect(byKey["EntitySetName"]).toBe("invoices");
    const byFilter = (await (
      await t.api(
        "EntityDefinitions?$filter=LogicalName eq 'mag_creditnote' or LogicalName eq 'account'&$select=LogicalName,EntitySetName",
      )
    ).json()) as Collection;
    expect(byFilter.value.map((row) => [row["LogicalName"], row["EntitySetName"]])).toStrictEqual([
      ["mag_creditnote", "mag_creditnotes"],
      ["account", "accounts"],
    ]);
    expect((await t.api("EntityDefinitions(LogicalName='nosuch')")).status).toBe(404);
  });

  it("rejects unsupported query options and bad values", async () => {
    expect((await t.api("accounts?$skip=5")).status).toBe(400);
    expect((await t.api("accounts?$top=-1")).status).toBe(400);
    expect((await t.api("accounts?$orderby=name sideways")).status).toBe(400);
  });
});
