// Invoice rules: new invoices are Active/New, totals follow the lines, closing is a PATCH of statecode and
// statuscode that must pair up, and a closed invoice is read-only until it is reopened.
import type { TestOrg } from "./helpers";
import { entityIdOf, errorOf, startTestOrg } from "./helpers";

type Json = Record<string, unknown>;

describe("invoice rules", () => {
  let t: TestOrg;
  let seeded: ReturnType<TestOrg["dv"]["seedDemo"]>;
  beforeAll(async () => {
    t = await startTestOrg();
    seeded = t.dv.seedDemo(t.org);
  });
  afterAll(async () => {
    await t.dv.stop();
  });

  const newInvoice = async (): Promise<string> =>
    entityIdOf(
      await t.api("invoices", {
        method: "POST",
        json: {
          name: "Rules",
          "customerid_account@odata.bind": `/accounts(${seeded.accounts["kauri"] ?? ""})`,
          "pricelevelid@odata.bind": `/pricelevels(${seeded.priceLists.NZD})`,
        },
      }),
    );
  const totals = async (id: string): Promise<Json> =>
    (await (
      await t.api(
        `invoices(${id})?$select=totallineitemamount,totaltax,totalamount,totaldiscountamount,statecode,statuscode,_transactioncurrencyid_value`,
      )
    ).json()) as Json;

  it("creates invoices Active / New in the price list's currency", async () => {
    const id = await newInvoice();
    expect(await totals(id)).toMatchObject({
      statecode: 0,
      statuscode: 1,
      totalamount: 0,
      _transactioncurrencyid_value: seeded.currencies.NZD,
    });
    const closed = await t.api("invoices", {
      method: "POST",
      json: { name: "Born paid", statecode: 2, statuscode: 100001 },
    });
    expect(closed.status).toBe(400);
  });

  it("prices product lines from the price list and recomputes totals on line create, update and delete", async () => {
    const id = await newInvoice();
    const lineId = entityIdOf(
      await t.api("invoicedetails", {
        method: "POST",
        json: {
          "invoiceid@odata.bind": `/invoices(${id})`,
          "productid@odata.bind": `/products(${seeded.products["GADGET-200"] ?? ""})`,
          "uomid@odata.bind": `/uoms(${seeded.unitId})`,
          isproductoverridden: false,
          quantity: 2,
          tax: 36,
        },
      }),
    );
    expect(await totals(id)).toMatchObject({ totallineitemamount: 240, totaltax: 36, totalamount: 276 });
    await t.api(`invoicedetails(${lineId})`, { method: "PATCH", json: { quantity: 3, manualdiscountamount: 60 } });
    const line = (await (
      await t.api(`invoicedetails(${lineId})?$select=priceperunit,baseamount,extendedamount`)
    ).json()) as Json;
    expect(line).toMatchObject({ priceperunit: 120, baseamount: 360, extendedamount: 336 });
    expect(await totals(id)).toMatchObject({ totallineitemamount: 300, totaltax: 36, totalamount: 336 });
    await t.api(`invoices(${id})`, { method: "PATCH", json: { discountamount: 50, freightamount: 14 } });
    expect(await totals(id)).toMatchObject({ totaldiscountamount: 50, totalamount: 300 });
    expect((await t.api(`invoicedetails(${lineId})`, { method: "DELETE" })).status).toBe(204);
    expect(await totals(id)).toMatchObject({ totallineitemamount: 0, totaltax: 0, totalamount: -36 });
  });

  it("closes as Paid or Canceled with a matching statuscode, and refuses a mismatched pair", async () => {
    const paid = await newInvoice();
    expect(
      (await t.api(`invoices(${paid})`, { method: "PATCH", json: { statecode: 2, statuscode: 100001 } })).status,
    ).toBe(204);
    expect(await totals(paid)).toMatchObject({ statecode: 2, statuscode: 100001 });
    const canceled = await newInvoice();
    expect(
      (await t.api(`invoices(${canceled})`, { method: "PATCH", json: { statecode: 3, statuscode: 100003 } })).status,
    ).toBe(204);
    const mismatched = await newInvoice();
    const response = await t.api(`invoices(${mismatched})`, {
      method: "PATCH",
      json: { statecode: 2, statuscode: 100003 },
    });
    expect(response.status).toBe(400);
    expect(await errorOf(response)).toStrictEqual({
      code: "0x80048408",
      message: `100003 is not a valid status code for state code InvoiceState.Paid on invoice with Id ${mismatched}.`,
    });
    expect(await totals(mismatched)).toMatchObject({ statecode: 0, statuscode: 1 });
  });

  it("keeps a paid invoice read-only except for its state, and lets it reopen", async () => {
    const id = await newInvoice();
    await t.api(`invoices(${id})`, { method: "PATCH", json: { statecode: 2, statuscode: 100002 } });
    const edit = await t.api(`invoices(${id})`, { method: "PATCH", json: { name: "Edited after payment" } });
    expect(edit.status).toBe(400);
    expect((await errorOf(edit)).message).toContain("Cannot perform the action because the record is read only");
    const line = await t.api("invoicedetails", {
      method: "POST",
      json: {
        "invoiceid@odata.bind": `/invoices(${id})`,
        isproductoverridden: true,
        productdescription: "Late",
        quantity: 1,
        priceperunit: 1,
      },
    });
    expect(line.status).toBe(400);
    expect((await t.api(`invoices(${id})`, { method: "PATCH", json: { statecode: 0, statuscode: 1 } })).status).toBe(
      204,
    );
    expect((await t.api(`invoices(${id})`, { method: "PATCH", json: { name: "Edited after reopening" } })).status).toBe(
      204,
    );
  });

  it("selects only invoices with lines through the invoice_details/any lambda", async () => {
    const withLine = await newInvoice();
    const without = await newInvoice();
    await t.api("invoicedetails", {
      method: "POST",
      json: { "invoiceid@odata.bind": `/invoices(${withLine})`, isproductoverridden: true, productdescription: "Write-in", quantity: 1, priceperunit: 10 },
    });
    const ids = async (filter: string): Promise<string[]> => {
      const response = await t.api(`invoices?$select=invoiceid&$filter=${encodeURIComponent(filter)}`);
      expect(response.status).toBe(200);
      return ((await response.json()) as { value: Json[] }).value.map((row) => String(row["invoiceid"]));
    };
    const scope = `(invoiceid eq ${withLine} or invoiceid eq ${without})`;
    expect(await ids(`${scope} and invoice_details/any(d:d/invoicedetailid ne null)`)).toStrictEqual([withLine]);
    expect(await ids(`${scope} and not invoice_details/any()`)).toStrictEqual([without]);
    expect(await ids(`${scope} and invoice_details/any(d:d/quantity gt 5)`)).toStrictEqual([]);
    const unknown = await t.api(`invoices?$filter=${encodeURIComponent("invoice_nosuch/any()")}`);
    expect(unknown.status).toBe(400);
  });
});
