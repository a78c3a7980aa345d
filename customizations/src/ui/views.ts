// Views (saved queries). Every custom table gets the system views Dataverse expects of a table (active, inactive,
// quick find, lookup, associated, advanced find); the named views are the ones the product docs promise.
// https://learn.microsoft.com/power-apps/developer/model-driven-apps/customize-entity-views
import type { ViewInput } from "../schema";
import { customTables } from "../tables/custom-tables";

/** Columns shown first in each custom table's system views (after the primary name). */
const systemViewColumns: Record<string, string[]> = {
  mag_xeroconnector: [
    "mag_xeroorganisationname",
    "mag_isdefault",
    "mag_enabled",
    "mag_xerostatus",
    "mag_lastsynchedon",
    "mag_xerocallsremainingtoday",
  ],
  mag_xerodataflow: [
    "mag_xeroconnectorid",
    "mag_flow",
    "mag_direction",
    "mag_enabled",
    "mag_intervalminutes",
    "mag_lastrunon",
    "mag_lastresult",
    "mag_recordssynced",
    "mag_recordsfailed",
  ],
  mag_xeroaccountcode: ["mag_code", "mag_type", "mag_taxtype", "mag_xeroconnectorid"],
  mag_taxrate: ["mag_taxtype", "mag_displaytaxrate", "mag_effectiverate", "mag_xeroconnectorid"],
  mag_brandingtheme: ["mag_xerobrandingthemeid", "mag_xeroconnectorid"],
  mag_trackingcategory: ["mag_xerostatus", "mag_xeroconnectorid"],
  mag_trackingoption: ["mag_trackingcategoryid"],
  mag_payment: ["mag_invoiceid", "mag_paymentdate", "mag_amount", "mag_reference"],
  mag_creditnote: ["mag_invoiceid", "mag_creditdate", "mag_creditnotenumber", "mag_amount", "mag_xerosyncstatus"],
  mag_xerosynclog: ["mag_occurredon", "mag_flow", "mag_recordname", "mag_errorkind", "mag_retrycount"],
};

const active = { column: "statecode", operator: "eq" as const, values: [0] };
const inactive = { column: "statecode", operator: "eq" as const, values: [1] };

const systemViews = (table: string, pluralName: string): ViewInput[] => {
  const columns = ["mag_name", ...(systemViewColumns[table] ?? [])].map((column) => ({ column }));
  const orderBy = { column: "mag_name" };
  return [
    { table, name: `Active ${pluralName}`, queryType: 0, isDefault: true, columns, conditions: [active], orderBy },
    { table, name: `Inactive ${pluralName}`, queryType: 0, columns, conditions: [inactive], orderBy },
    {
      table,
      name: `Quick Find Active ${pluralName}`,
      queryType: 4,
      isDefault: true,
      columns,
      conditions: [active],
      orderBy,
    },
    {
      table,
      name: `${pluralName} Lookup View`,
      queryType: 64,
      isDefault: true,
      columns: columns.slice(0, 3),
      conditions: [active],
      orderBy,
    },
    {
      table,
      name: `${pluralName} Associated View`,
      queryType: 2,
      isDefault: true,
      columns,
      conditions: [active],
      orderBy,
    },
    { table, name: `${pluralName} Advanced Find View`, queryType: 1, isDefault: true, columns, orderBy },
  ];
};

const pending = 582100000;
const failed = 582100002;

export const views: ViewInput[] = [
  ...customTables.flatMap((table) => systemViews(table.logicalName, table.pluralName)),
  {
    // The app shows only the invoice views listed here, so it needs a general one too.
    table: "invoice",
    name: "Active Invoices with Xero Status",
    description: "Every active invoice with where it stands in Xero.",
    columns: [
      "name",
      "invoicenumber",
      "customerid",
      "totalamount",
      "mag_addtoxero",
      "mag_xerosyncstatus",
      "mag_xeroid",
    ].map((column) => ({ column })),
    conditions: [{ column: "statecode", operator: "eq", values: [0] }],
    orderBy: { column: "name" },
  },
  {
    table: "invoice",
    name: "Invoices Pending Xero Sync",
    description: "Active invoices marked Add To Xero that Xero has not accepted yet.",
    columns: [
      "name",
      "invoicenumber",
      "customerid",
      "totalamount",
      "mag_xerosyncstatus",
      "mag_xeroconnectorid",
      "modifiedon",
    ].map((column) => ({ column })),
    conditions: [
      { column: "statecode", operator: "eq", values: [0] },
      { column: "mag_addtoxero", operator: "eq", values: [1] },
      { column: "mag_synchedwithxero", operator: "eq", values: [0] },
    ],
    orderBy: { column: "modifiedon", descending: true },
  },
  {
    table: "invoice",
    name: "Invoices Synced with Xero",
    description: "Invoices Xero has accepted, with their Xero id and pay-now link.",
    columns: [
      "name",
      "invoicenumber",
      "customerid",
      "totalamount",
      "mag_xeroid",
      "mag_xerolastsyncedon",
      "mag_xeropaynowlink",
    ].map((column) => ({ column })),
    conditions: [{ column: "mag_synchedwithxero", operator: "eq", values: [1] }],
    orderBy: { column: "mag_xerolastsyncedon", descending: true },
  },
  {
    table: "invoice",
    name: "Invoices Failed to Sync to Xero",
    description: "Invoices Xero rejected, with Xero's reason.",
    columns: [
      { column: "name" },
      { column: "invoicenumber" },
      { column: "customerid" },
      { column: "mag_xerosyncerror", width: 300 },
      { column: "mag_xerolastsyncedon" },
      { column: "mag_xeroconnectorid" },
    ],
    conditions: [{ column: "mag_xerosyncstatus", operator: "eq", values: [failed] }],
    orderBy: { column: "mag_xerolastsyncedon", descending: true },
  },
  {
    table: "invoice",
    name: "Invoices Waiting for Xero Retry",
    description: "Invoices queued again by Retry Xero sync.",
    columns: ["name", "invoicenumber", "customerid", "mag_xerosyncstatus", "modifiedon"].map((column) => ({ column })),
    conditions: [{ column: "mag_xerosyncstatus", operator: "eq", values: [pending] }],
    orderBy: { column: "modifiedon", descending: true },
  },
  {
    table: "mag_xerosynclog",
    name: "Failed Xero Syncs",
    description: "Sync attempts that failed, newest first: what support reads.",
    columns: [
      { column: "mag_occurredon" },
      { column: "mag_flow" },
      { column: "mag_recordtable" },
      { column: "mag_recordname" },
      { column: "mag_errorkind" },
      { column: "mag_errortext", width: 300 },
      { column: "mag_retrycount" },
      { column: "mag_xeroconnectorid" },
    ],
    conditions: [{ column: "mag_errorkind", operator: "not-null" }],
    orderBy: { column: "mag_occurredon", descending: true },
  },
  {
    table: "mag_xerosynclog",
    name: "Xero Sync Log by Flow",
    description: "Every logged sync attempt, grouped by data flow.",
    columns: ["mag_flow", "mag_occurredon", "mag_recordname", "mag_errorkind", "mag_retrycount"].map((column) => ({
      column,
    })),
    orderBy: { column: "mag_flow" },
  },
];
