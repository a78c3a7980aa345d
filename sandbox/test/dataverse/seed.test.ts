import type { TestOrg } from "./helpers";
import { startTestOrg } from "./helpers";

type Json = Record<string, unknown>;

describe("seedDemo", () => {
  let t: TestOrg;
  beforeAll(async () => {
    t = await startTestOrg();
  });
  afterAll(async () => {
    await t.dv.stop();
  });

  it("creates the same small, consistent data set on every run", async () => {
    const first = t.dv.seedDemo(t.org);
    const again = t.dv.createOrganisation("again");
    const second = t.dv.seedDemo(again);
    expect(second.invoices).toStrictEqual(
      Object.fromEntries(Object.keys(first.invoices).map((key) => [key, expect.stringMatching(/^[0-9a-f-]{36}$/)])),
    );
    expect(Object.keys(first.currencies)).toStrictEqual(["NZD", "AUD", "USD"]);
    expect(t.dv.store.list(t.org, "invoicedetail")).toHaveLength(first.invoiceLines.length);
    const organization = t.dv.store.get(t.org, "organization", t.org.organizationId);
    expect(organization?.["basecurrencyid"]).toStrictEqual({ id: first.currencies.NZD, table: "transactioncurrency" });

    const harbour = (await (
      await t.api(
        `accounts(${first.accounts["harbour"] ?? ""})?$select=name&$expand=mag_Account_Contact_BillingContacts($select=lastname;$orderby=lastname),primarycontactid($select=lastname)`,
      )
    ).json()) as Json;
    expect((harbour["mag_Account_Contact_BillingContacts"] as Json[]).map((row) => row["lastname"])).toStrictEqual([
      "Baker",
      "Shah",
    ]);
    expect(harbour["primarycontactid"]).toMatchObject({ lastname: "Wilson" });

    const invoice = (await (
      await t.api(
        `invoices(${first.invoices["INV-1003"] ?? ""})?$select=totalamount,totalamount_base,exchangerate,_transactioncurrencyid_value&$expand=invoice_details($select=_transactioncurrencyid_value)`,
      )
    ).json()) as Json;
    expect(invoice).toMatchObject({
      totalamount: 920,
      totalamount_base: 1000,
      exchangerate: 0.92,
      _transactioncurrencyid_value: first.currencies.AUD,
    });
    expect(invoice["invoice_details"]).toStrictEqual([
      expect.objectContaining({ _transactioncurrencyid_value: first.currencies.AUD }),
    ]);
    const products = (await (await t.api("products?$select=productnumber&$orderby=productnumber")).json()) as {
      value: Json[];
    };
    expect(products.value.map((row) => row["productnumber"])).toStrictEqual(["GADGET-200", "SERVICE-HR", "WIDGET-100"]);
  });

  it("lets tests insert and read rows directly, past the Web API's rules", async () => {
    const id = t.dv.store.insert(t.org, "invoice", { name: "Inserted", statecode: 2, statuscode: 100001 });
    expect(t.dv.store.get(t.org, "invoice", id)).toMatchObject({ name: "Inserted", statecode: 2, invoiceid: id });
    const row = (await (await t.api(`invoices(${id})?$select=name,statecode`)).json()) as Json;
    expect(row).toMatchObject({ name: "Inserted", statecode: 2 });
  });

  it("has the sdkmessage and sdkmessagefilter rows webhook registration looks up", async () => {
    const messages = (await (
      await t.api("sdkmessages?$select=name&$filter=name eq 'Update' or name eq 'Create'&$orderby=name")
    ).json()) as { value: Json[] };
    expect(messages.value.map((row) => row["name"])).toStrictEqual(["Create", "Update"]);
    const updateId = String(messages.value[1]?.["sdkmessageid"]);
    const byPath = (await (
      await t.api(
        "sdkmessagefilters?$select=sdkmessagefilterid&$filter=primaryobjecttypecode eq 'invoice' and sdkmessageid/name eq 'Update'",
      )
    ).json()) as { value: Json[] };
    expect(byPath.value).toHaveLength(1);
    for (const table of ["invoice", "mag_creditnote"]) {
      const filters = (await (
        await t.api(
          `sdkmessagefilters?$select=sdkmessagefilterid&$filter=primaryobjecttypecode eq '${table}' and _sdkmessageid_value eq ${updateId}`,
        )
      ).json()) as { value: Json[] };
      expect(filters.value).toHaveLength(1);
    }
  });
});
