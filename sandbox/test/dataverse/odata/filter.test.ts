import { evaluateFilter, parseFilter } from "../../../src/dataverse/odata/filter";
import { buildSchemaIndex } from "../../../src/dataverse/schema-index";
import type { Row } from "../../../src/dataverse/store";
import { smallMetadata } from "../fixtures/small-metadata";

const schema = buildSchemaIndex(smallMetadata);
const invoice = schema.table("invoice");
const now = Date.UTC(2026, 2, 15, 9, 30, 0);
const accountId = "0f8fad5b-d9cb-469f-a165-70867728950e";

const rows: Row[] = [
  {
    invoiceid: "a",
    name: "Alpha O'Neil",
    totalamount: 100,
    mag_addtoxero: true,
    mag_xerosyncstatus: 582100000,
    modifiedon: "2026-03-14T10:00:00Z",
    customerid: { id: accountId, table: "account" },
  },
  {
    invoiceid: "b",
    name: "Bravo",
    totalamount: 250.5,
    mag_addtoxero: false,
    mag_xerosyncstatus: 582100001,
    modifiedon: "2026-03-01T10:00:00Z",
    customerid: null,
  },
  {
    invoiceid: "c",
    name: "charlie",
    totalamount: null,
    mag_addtoxero: true,
    mag_xerosyncstatus: null,
    modifiedon: "2026-03-15T09:00:00Z",
  },
];

const ids = (filter: string): string[] => {
  const node = parseFilter(filter, invoice);
  return rows.filter((row) => evaluateFilter(node, row, now)).map((row) => row["invoiceid"] as string);
};

describe("$filter", () => {
  it.each([
    ["totalamount eq 100", ["a"]],
    ["totalamount ne 100", ["b", "c"]],
    ["totalamount gt 100", ["b"]],
    ["totalamount ge 100", ["a", "b"]],
    ["totalamount lt 250.5", ["a"]],
    ["totalamount le 250.5", ["a", "b"]],
    ["mag_addtoxero eq true and mag_xerosyncstatus eq 582100000", ["a"]],
    ["mag_xerosyncstatus eq 582100001 or name eq 'charlie'", ["b", "c"]],
    ["not (mag_addtoxero eq true)", ["b"]],
    ["(mag_addtoxero eq true or totalamount gt 200) and name ne 'Alpha O''Neil'", ["b", "c"]],
    ["contains(name,'ravo')", ["b"]],
    ["startswith(name,'CHAR')", ["c"]],
    ["endswith(name,'neil')", ["a"]],
    ["totalamount eq null", ["c"]],
    ["mag_xerosyncstatus ne null", ["a", "b"]],
    [`_customerid_value eq ${accountId}`, ["a"]],
    ["_customerid_value eq null", ["b", "c"]],
    ["modifiedon ge 2026-03-14T00:00:00Z", ["a", "c"]],
    ["modifiedon lt 2026-03-02", ["b"]],
    ["Microsoft.Dynamics.CRM.LastXDays(PropertyName='modifiedon',PropertyValue=7)", ["a", "c"]],
    ["Microsoft.Dynamics.CRM.LastXHours(PropertyName='modifiedon',PropertyValue=2)", ["c"]],
    ["Microsoft.Dynamics.CRM.Today(PropertyName='modifiedon')", ["c"]],
    ["Microsoft.Dynamics.CRM.OlderThanXDays(PropertyName='modifiedon',PropertyValue=7)", ["b"]],
    [
      "Microsoft.Dynamics.CRM.In(PropertyName='mag_xerosyncstatus',PropertyValues=['582100000','582100001'])",
      ["a", "b"],
    ],
  ])("%s", (filter, expected) => {
    expect(ids(filter)).toStrictEqual(expected);
  });

  it("follows a single-valued navigation property to a column of the related row", () => {
    const accounts: Row[] = [{ accountid: accountId, name: "Acme" }];
    const related = (value: { id: string }) => accounts.find((row) => row["accountid"] === value.id);
    const node = parseFilter("customerid_account/name eq 'acme'", invoice, schema);
    expect(rows.filter((row) => evaluateFilter(node, row, now, { related })).map((row) => row["invoiceid"])).toStrictEqual([
      "a",
    ]);
    expect(() => parseFilter("customerid_account/nosuch eq 1", invoice, schema)).toThrow(
      "Could not find a property named 'nosuch' on type 'Microsoft.Dynamics.CRM.account'.",
    );
    expect(() => parseFilter("nosuchnav/name eq 1", invoice, schema)).toThrow(
      "Could not find a property named 'nosuchnav'",
    );
  });

  it("rejects an unknown property with Dataverse's message", () => {
    expect(() => parseFilter("nosuchcolumn eq 1", invoice)).toThrow(
      "Could not find a property named 'nosuchcolumn' on type 'Microsoft.Dynamics.CRM.invoice'.",
    );
  });

  it("rejects a lookup addressed by its logical name instead of _x_value", () => {
    expect(() => parseFilter(`customerid eq ${accountId}`, invoice)).toThrow(
      "Could not find a property named 'customerid'",
    );
  });

  it("rejects broken syntax and unknown functions", () => {
    expect(() => parseFilter("name eq 'open", invoice)).toThrow("Unterminated string literal");
    expect(() => parseFilter("substringof('a',name)", invoice)).toThrow("unknown function");
    expect(() => parseFilter("(name eq 'a'", invoice)).toThrow("Unexpected end of the expression");
  });

  it("evaluates any / all over a one-to-many collection, with and without a predicate", () => {
    const account = schema.table("account");
    const accounts: Row[] = [
      { accountid: accountId, name: "Acme" },
      { accountid: "1b4e28ba-2fa1-11d2-883f-0016d3cca427", name: "Lonely" },
    ];
    const children = (table: string, attribute: string, parentId: string): Row[] =>
      table === "invoice"
        ? rows.filter((row) => {
            const link = row[attribute];
            return typeof link === "object" && link !== null && "id" in link && link.id === parentId;
          })
        : [];
    const names = (text: string): unknown[] =>
      accounts.filter((row) => evaluateFilter(parseFilter(text, account, schema), row, now, { children })).map((row) => row["name"]);
    expect(names("invoice_customer_accounts/any()")).toStrictEqual(["Acme"]);
    expect(names("not invoice_customer_accounts/any()")).toStrictEqual(["Lonely"]);
    expect(names("invoice_customer_accounts/any(i:i/totalamount gt 50)")).toStrictEqual(["Acme"]);
    expect(names("invoice_customer_accounts/any(i:i/totalamount gt 5000)")).toStrictEqual([]);
    // all() over no children is true, as in OData.
    expect(names("invoice_customer_accounts/all(i:i/mag_addtoxero eq true)")).toStrictEqual(["Acme", "Lonely"]);
    expect(() => parseFilter("invoice_customer_accounts/any(i:totalamount gt 1)", account, schema)).toThrow("inside a lambda");
    expect(() => parseFilter("nosuch_collection/any()", account, schema)).toThrow("Could not find a property named 'nosuch_collection'");
    expect(() => parseFilter("invoice_customer_accounts/any(i:i/nosuch eq 1)", account, schema)).toThrow(
      "Could not find a property named 'nosuch' on type 'Microsoft.Dynamics.CRM.invoice'.",
    );
  });
});
