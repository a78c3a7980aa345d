// The emulator's schema and the generated constants: every table and column ARCHITECTURE.md promises, with the
// Dataverse facts the service relies on (entity sets, navigation properties, read-only columns, invoice states).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { toMetadata } from "../../solution/to-metadata";
import { toTypeScript } from "../../solution/to-typescript";
import { model, repoRoot, version } from "./fixtures";

const metadata = toMetadata(model, version);
const table = (name: string) => {
  const found = metadata.tables.find((t) => t.logicalName === name);
  if (found === undefined) throw new Error(`metadata lacks table ${name}`);
  return found;
};
const attribute = (tableName: string, column: string) => {
  const found = table(tableName).attributes.find((a) => a.logicalName === column);
  if (found === undefined) throw new Error(`metadata lacks ${tableName}.${column}`);
  return found;
};

/** Table → columns, read from ARCHITECTURE.md's "Columns the solution adds" table. */
const architectureColumns = (): [string, string[]][] => {
  const text = readFileSync(join(repoRoot, "ARCHITECTURE.md"), "utf8");
  const section = text.split("## Columns the solution adds")[1]?.split("\n## ")[0] ?? "";
  return section
    .split("\n")
    .filter((line) => /^\| `[a-z_]+`/.test(line))
    .map((line) => {
      const [, tableCell = "", columnsCell = ""] = line.split("|");
      const tableName = /`([a-z_]+)`/.exec(tableCell)?.[1] ?? "";
      // "N:N `name` to `table`" names a relationship, not a column; the relationship test covers it.
      const withoutRelationships = columnsCell.replace(/N:N `[^`]+` to `[^`]+`/g, "");
      const columns = [...withoutRelationships.matchAll(/`(mag_[a-z_]+)`/g)].map((m) => m[1] ?? "");
      return [tableName, columns];
    });
};

describe("emulator metadata", () => {
  it("has every table and column ARCHITECTURE.md lists", () => {
    const rows = architectureColumns();
    expect(rows.length).toBeGreaterThanOrEqual(14);
    const missing = rows.flatMap(([tableName, columns]) =>
      columns.filter((c) => !table(tableName).attributes.some((a) => a.logicalName === c)).map((c) => `${tableName}.${c}`),
    );
    expect(missing).toStrictEqual([]);
  });

  it("covers the standard and webhook-registration tables the service touches", () => {
    const required = [
      "invoice", "invoicedetail", "account", "contact", "product", "pricelevel", "productpricelevel", "transactioncurrency",
      "uom", "uomschedule", "systemuser", "businessunit", "organization",
      "serviceendpoint", "sdkmessageprocessingstep", "sdkmessageprocessingstepimage", "sdkmessage", "sdkmessagefilter",
    ];
    expect(required.filter((name) => !metadata.tables.some((t) => t.logicalName === name))).toStrictEqual([]);
  });

  it("gives the Web API names the service binds with", () => {
    expect(table("invoice").entitySetName).toBe("invoices");
    expect(table("transactioncurrency").entitySetName).toBe("transactioncurrencies");
    expect(table("mag_trackingcategory").entitySetName).toBe("mag_trackingcategories");
    expect(table("invoicedetail").primaryNameAttribute).toBe("invoicedetailname");
    expect(attribute("invoice", "customerid").targets).toStrictEqual([
      { table: "account", navigationProperty: "customerid_account" },
      { table: "contact", navigationProperty: "customerid_contact" },
    ]);
    expect(attribute("invoice", "mag_xeroconnectorid").targets).toStrictEqual([
      { table: "mag_xeroconnector", navigationProperty: "mag_XeroConnectorId" },
    ]);
    expect(attribute("sdkmessageprocessingstep", "eventhandler").targets?.[0]?.navigationProperty).toBe("eventhandler_serviceendpoint");
    expect(metadata.manyToMany.map((m) => m.schemaName)).toStrictEqual(["mag_Account_Contact_BillingContacts", "mag_InvoiceDetail_TrackingOption"]);
    expect(metadata.manyToMany.find((m) => m.schemaName === "mag_Account_Contact_BillingContacts")).toStrictEqual({
      schemaName: "mag_Account_Contact_BillingContacts",
      entity1LogicalName: "account",
      entity2LogicalName: "contact",
      intersectEntityName: "mag_account_contact_billingcontacts",
      entity1NavigationPropertyName: "mag_Account_Contact_BillingContacts",
      entity2NavigationPropertyName: "mag_Account_Contact_BillingContacts",
    });
  });

  it("marks what Dataverse computes as not writable", () => {
    for (const [t, c] of [["invoice", "totalamount"], ["invoicedetail", "baseamount"], ["invoicedetail", "extendedamount"], ["contact", "fullname"], ["invoice", "createdon"], ["invoice", "modifiedon"]] as const) {
      expect([t, c, attribute(t, c).isValidForCreate, attribute(t, c).isValidForUpdate]).toStrictEqual([t, c, false, false]);
    }
    expect(attribute("invoicedetail", "isproductoverridden")).toMatchObject({ isValidForCreate: true, isValidForUpdate: false });
    expect(attribute("invoice", "mag_addtoxero")).toMatchObject({ isValidForCreate: true, isValidForUpdate: true });
  });

  it("knows the invoice's states and status reasons", () => {
    expect(attribute("invoice", "statecode").options?.map((o) => [o.value, o.label])).toStrictEqual([
      [0, "Active"], [1, "Closed (deprecated)"], [2, "Paid"], [3, "Canceled"],
    ]);
    const status = Object.fromEntries((attribute("invoice", "statuscode").options ?? []).map((o) => [o.value, o.state]));
    expect(status).toMatchObject({ 1: 0, 2: 0, 4: 0, 5: 0, 6: 0, 100001: 2, 100002: 2, 100003: 3 });
  });

  it("declares the alternate keys the service upserts by", () => {
    expect(table("invoice").alternateKeys.map((k) => k.keyAttributes)).toStrictEqual([["mag_xeroid"]]);
    expect(table("mag_xerodataflow").alternateKeys.map((k) => k.keyAttributes)).toStrictEqual([["mag_xeroconnectorid", "mag_flow"]]);
    expect(table("mag_xeroconnector").alternateKeys.map((k) => k.keyAttributes)).toStrictEqual([["mag_xerotenantid"]]);
    expect(table("account").alternateKeys.map((k) => k.keyAttributes)).toStrictEqual([["mag_xerocontactid"]]);
    expect(table("mag_payment").alternateKeys.map((k) => k.keyAttributes)).toStrictEqual([["mag_xeropaymentid"]]);
  });
});

describe("generated constants", () => {
  const source = toTypeScript(model, version);

  it("carry the shapes ARCHITECTURE.md sketches", () => {
    expect(source).toContain('export const invoice = {\n  logicalName: "invoice",');
    expect(source).toContain('customerid: { account: "customerid_account", contact: "customerid_contact" },');
    expect(source).toContain('mag_xeroconnectorid: { mag_xeroconnector: "mag_XeroConnectorId" },');
    expect(source).toContain("export const mag_xerosyncstatus = {\n  Pending: 582100000,\n  Synced: 582100001,\n  Failed: 582100002,\n  Retrying: 582100003,\n} as const;");
    expect(source).toContain("export const mag_direction = {\n  DynamicsToXero: 582100000,\n  XeroToDynamics: 582100001,\n} as const;");
    expect(source).toContain("  _customerid_value: string | null;");
    expect(source).toContain("export interface InvoiceRow {");
    expect(source).toContain("navigationFromEntity1: \"mag_Account_Contact_BillingContacts\",");
  });
});
