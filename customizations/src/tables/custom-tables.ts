// The tables the solution creates. Columns follow ARCHITECTURE.md "Columns the solution adds" and the reference
// docs' field tables; system columns (owner, audit, state) come from systemColumns(), as Dataverse adds them.
// Money columns bring transactioncurrencyid, exchangerate and <column>_base, which Dataverse adds with the first
// currency column: https://learn.microsoft.com/power-apps/developer/data-platform/transaction-currency-currency-entity
import {
  activeInactive,
  choice,
  createOnly,
  customLookup,
  dateOnly,
  dateTime,
  decimal,
  lookup,
  memo,
  money,
  readOnly,
  required,
  systemColumns,
  text,
  uniqueId,
  whole,
  yesNo,
} from "../columns";
import type { ColumnInput, TableInput } from "../schema";

interface CustomTableSpec {
  name: string;
  schemaName: string;
  displayName: string;
  pluralName: string;
  description: string;
  primaryNameLabel?: string;
  columns: (table: string) => ColumnInput[];
  keys?: TableInput["keys"];
}

/** Custom tables get `<name>id` as primary key, `mag_name` as primary name, entity set `<name>s` unless irregular. */
const customTable = (spec: CustomTableSpec & { entitySetName?: string }): TableInput => {
  const entitySetName = spec.entitySetName ?? `${spec.name}s`;
  return {
    logicalName: spec.name,
    schemaName: spec.schemaName,
    displayName: spec.displayName,
    pluralName: spec.pluralName,
    description: spec.description,
    entitySetName,
    primaryIdAttribute: `${spec.name}id`,
    primaryNameAttribute: "mag_name",
    isCustomEntity: true,
    ownershipType: "UserOwned",
    inSolution: true,
    columns: [
      uniqueId(`${spec.schemaName}Id`, spec.displayName, createOnly),
      text("mag_name", spec.primaryNameLabel ?? "Name", 100, required),
      ...spec.columns(spec.name),
      ...activeInactive(),
      ...systemColumns(spec.name, entitySetName, "UserOwned", true),
    ],
    keys: spec.keys ?? [],
  };
};

/** Columns Dataverse adds with a table's first money column. */
const currencyColumns = (table: string, moneyColumns: string[]): ColumnInput[] => [
  lookup("TransactionCurrencyId", "Currency", [
    {
      table: "transactioncurrency",
      navigationProperty: "TransactionCurrencyId",
      relationship: `TransactionCurrency_${table}`,
    },
  ]),
  decimal("ExchangeRate", "Exchange Rate", 10, readOnly),
  ...moneyColumns.map((column) => money(`${column}_Base`, `${column.replace(/^mag_/, "")} (Base)`, readOnly)),
];

export const customTables: TableInput[] = [
  customTable({
    name: "mag_xeroconnector",
    schemaName: "mag_XeroConnector",
    displayName: "Xero Connector",
    pluralName: "Xero Connectors",
    description: "One authorised Xero organisation and the settings the sync uses for it.",
    columns: (t) => [
      yesNo("mag_Enabled", "Enabled", { defaultValue: true }),
      yesNo("mag_IsDefault", "Default Connector", { description: "Only one connector may be the default." }),
      customLookup(t, "mag_DefaultAccountCodeId", "Default Account Code", "mag_xeroaccountcode"),
      customLookup(t, "mag_DefaultTaxRateId", "Default Tax Rate", "mag_taxrate"),
      customLookup(t, "mag_DefaultPriceLevelId", "Default Price List", "pricelevel"),
      text("mag_XeroOrganisationName", "Xero Organisation Name", 255),
      text("mag_XeroTenantId", "Xero Tenant Id", 50),
      choice("mag_XeroStatus", "Xero Status", "mag_xerostatus"),
      text("mag_XeroStatusReason", "Xero Status Reason", 500),
      dateTime("mag_LastSynchedOn", "Last Synched On"),
      yesNo("mag_AutoApproveInvoices", "Auto Approve Invoices"),
      yesNo("mag_MarkInvoicesAsSent", "Mark Xero Invoices as Sent"),
      yesNo("mag_RealtimeEnabled", "Real-time Add-on Enabled"),
      dateTime("mag_XeroGrantExpiresOn", "Xero Grant Expires On"),
      whole("mag_XeroCallsRemainingToday", "Xero Calls Remaining Today", { min: 0, max: 1000000 }),
      memo("mag_LastError", "Last Error", 4000),
      dateTime("mag_SyncRequestedOn", "Sync Requested On", {
        description: "Set by the Sync now command; the service runs the connector's flows when it changes.",
      }),
    ],
    keys: [{ schemaName: "mag_XeroConnector_TenantKey", displayName: "Xero Tenant", columns: ["mag_xerotenantid"] }],
  }),
  customTable({
    name: "mag_xerodataflow",
    schemaName: "mag_XeroDataFlow",
    displayName: "Xero Data Flow",
    pluralName: "Xero Data Flows",
    description: "One data flow of a connector: direction, schedule, window and last run.",
    columns: (t) => [
      customLookup(t, "mag_XeroConnectorId", "Xero Connector", "mag_xeroconnector", required),
      choice("mag_Flow", "Flow", "mag_flow", required),
      choice("mag_Direction", "Direction", "mag_direction", required),
      yesNo("mag_Enabled", "Enabled", { defaultValue: true }),
      whole("mag_IntervalMinutes", "Interval (Minutes)", { min: 1, max: 10080 }),
      whole("mag_SyncLastXDays", "Sync Last X Days", { min: 1, max: 365 }),
      dateTime("mag_LastRunOn", "Last Run On"),
      choice("mag_LastResult", "Last Result", "mag_lastresult"),
      whole("mag_RecordsSynced", "Records Synced", { min: 0 }),
      whole("mag_RecordsFailed", "Records Failed", { min: 0 }),
      memo("mag_LastRunMessage", "Last Run Message", 4000),
    ],
    keys: [
      {
        schemaName: "mag_XeroDataFlow_ConnectorFlowKey",
        displayName: "Connector and Flow",
        columns: ["mag_xeroconnectorid", "mag_flow"],
      },
    ],
  }),
  customTable({
    name: "mag_xeroaccountcode",
    schemaName: "mag_XeroAccountCode",
    displayName: "Xero Account Code",
    pluralName: "Xero Account Codes",
    description: "A Xero chart-of-accounts entry, synced from Xero.",
    columns: (t) => [
      text("mag_Description", "Description", 4000, { format: "TextArea" }),
      text("mag_Type", "Type", 50),
      text("mag_Code", "Code", 10),
      text("mag_TaxType", "Tax Type", 50),
      text("mag_XeroAccountId", "Xero Account Id", 50),
      customLookup(t, "mag_XeroConnectorId", "Xero Connector", "mag_xeroconnector"),
    ],
    keys: [
      {
        schemaName: "mag_XeroAccountCode_XeroIdKey",
        displayName: "Connector and Xero Account Id",
        columns: ["mag_xeroconnectorid", "mag_xeroaccountid"],
      },
    ],
  }),
  customTable({
    name: "mag_taxrate",
    schemaName: "mag_TaxRate",
    displayName: "Xero Tax Rate",
    pluralName: "Xero Tax Rates",
    description: "A Xero tax rate, synced from Xero.",
    columns: (t) => [
      text("mag_TaxType", "Tax Type", 50),
      decimal("mag_DisplayTaxRate", "Display Tax Rate", 4),
      decimal("mag_EffectiveRate", "Effective Rate", 4),
      customLookup(t, "mag_XeroConnectorId", "Xero Connector", "mag_xeroconnector"),
    ],
    keys: [
      {
        schemaName: "mag_TaxRate_TaxTypeKey",
        displayName: "Connector and Tax Type",
        columns: ["mag_xeroconnectorid", "mag_taxtype"],
      },
    ],
  }),
  customTable({
    name: "mag_brandingtheme",
    schemaName: "mag_BrandingTheme",
    displayName: "Xero Branding Theme",
    pluralName: "Xero Branding Themes",
    description: "A Xero invoice branding theme, synced from Xero.",
    columns: (t) => [
      text("mag_XeroBrandingThemeId", "Branding Theme ID", 50),
      customLookup(t, "mag_XeroConnectorId", "Xero Connector", "mag_xeroconnector"),
    ],
    keys: [
      {
        schemaName: "mag_BrandingTheme_XeroIdKey",
        displayName: "Connector and Branding Theme ID",
        columns: ["mag_xeroconnectorid", "mag_xerobrandingthemeid"],
      },
    ],
  }),
  customTable({
    name: "mag_trackingcategory",
    schemaName: "mag_TrackingCategory",
    displayName: "Xero Tracking Category",
    pluralName: "Xero Tracking Categories",
    entitySetName: "mag_trackingcategories",
    description: "A Xero tracking category (e.g. Region), synced from Xero.",
    columns: (t) => [
      text("mag_XeroTrackingCategoryId", "Xero Tracking Category Id", 50),
      text("mag_XeroStatus", "Xero Status", 20, { description: "ACTIVE or ARCHIVED, as Xero reports it." }),
      customLookup(t, "mag_XeroConnectorId", "Xero Connector", "mag_xeroconnector"),
    ],
    keys: [
      {
        schemaName: "mag_TrackingCategory_XeroIdKey",
        displayName: "Connector and Xero Tracking Category Id",
        columns: ["mag_xeroconnectorid", "mag_xerotrackingcategoryid"],
      },
    ],
  }),
  customTable({
    name: "mag_trackingoption",
    schemaName: "mag_TrackingOption",
    displayName: "Xero Tracking Option",
    pluralName: "Xero Tracking Options",
    description: "An option of a Xero tracking category, associated with invoice lines.",
    columns: (t) => [
      customLookup(t, "mag_TrackingCategoryId", "Tracking Category", "mag_trackingcategory", required),
      text("mag_XeroTrackingOptionId", "Xero Tracking Option Id", 50),
    ],
    keys: [
      {
        schemaName: "mag_TrackingOption_XeroIdKey",
        displayName: "Category and Xero Tracking Option Id",
        columns: ["mag_trackingcategoryid", "mag_xerotrackingoptionid"],
      },
    ],
  }),
  customTable({
    name: "mag_payment",
    schemaName: "mag_Payment",
    displayName: "Xero Payment",
    pluralName: "Xero Payments",
    description: "A payment made in Xero against an invoice.",
    columns: (t) => [
      text("mag_XeroPaymentId", "Xero Payment ID", 50),
      dateOnly("mag_PaymentDate", "Payment Date"),
      money("mag_Amount", "Amount"),
      text("mag_Reference", "Reference", 255),
      customLookup(t, "mag_XeroAccountCodeId", "Xero Account Code", "mag_xeroaccountcode"),
      customLookup(t, "mag_InvoiceId", "Invoice", "invoice"),
      customLookup(t, "mag_XeroConnectorId", "Xero Connector", "mag_xeroconnector"),
      ...currencyColumns(t, ["mag_Amount"]),
    ],
    keys: [{ schemaName: "mag_Payment_XeroIdKey", displayName: "Xero Payment ID", columns: ["mag_xeropaymentid"] }],
  }),
  customTable({
    name: "mag_creditnote",
    schemaName: "mag_CreditNote",
    displayName: "Xero Credit Note",
    pluralName: "Xero Credit Notes",
    description: "A credit note (one per Xero allocation) against an invoice.",
    columns: (t) => [
      dateOnly("mag_CreditDate", "Credit Note Date"),
      text("mag_CreditNoteNumber", "Credit Note Number", 100),
      text("mag_Reference", "Reference", 255),
      customLookup(t, "mag_InvoiceId", "Invoice", "invoice"),
      money("mag_Amount", "Amount"),
      yesNo("mag_AddToXero", "Add To Xero"),
      yesNo("mag_SynchedWithXero", "Synched With Xero"),
      text("mag_XeroId", "Xero Id", 50),
      choice("mag_XeroSyncStatus", "Xero Sync Status", "mag_xerosyncstatus"),
      memo("mag_XeroSyncError", "Xero Sync Error", 4000),
      customLookup(t, "mag_XeroConnectorId", "Xero Connector", "mag_xeroconnector"),
      ...currencyColumns(t, ["mag_Amount"]),
    ],
  }),
  customTable({
    name: "mag_xerosynclog",
    schemaName: "mag_XeroSyncLog",
    displayName: "Xero Sync Log",
    pluralName: "Xero Sync Logs",
    description: "One failed or notable sync attempt: what support reads first.",
    columns: (t) => [
      customLookup(t, "mag_XeroConnectorId", "Xero Connector", "mag_xeroconnector"),
      choice("mag_Flow", "Flow", "mag_flow"),
      text("mag_RecordTable", "Record Table", 64),
      text("mag_RecordId", "Record Id", 100),
      text("mag_RecordName", "Record Name", 200),
      text("mag_ErrorKind", "Error Kind", 50, { description: "validation, transient, auth, conflict or config." }),
      memo("mag_ErrorText", "Xero Error", 100000),
      dateTime("mag_OccurredOn", "Occurred On"),
      whole("mag_RetryCount", "Retry Count", { min: 0 }),
      text("mag_CorrelationId", "Correlation Id", 100),
    ],
  }),
];
