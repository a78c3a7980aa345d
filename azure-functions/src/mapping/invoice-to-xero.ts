// Invoices: Dynamics 365 to Xero — the reference docs' "Invoice", "Line Items" and "Line Item Tracking" tables, one
// row per row, in the docs' order. The `dynamics` column is the docs' logical-name column (checked against the
// generated metadata by test/mapping/tables.test.ts); PRODUCT.md's corrections win (`productid`, not
// `existingproductid`). Xero's fields: https://developer.xero.com/documentation/api/accounting/invoices#post-invoices
import { approvalToStatus, dataverseDate, decimal4, money, leadingFullStop } from "./codecs";
import type { MappingTable } from "./engine";

const asDate = (value: unknown): unknown => dataverseDate.decode(String(value));
/** A customer lookup as the Dataverse adapter gives it: `{ logicalName: "account" | "contact", id }`. */
const asCustomerRef = (value: unknown): unknown => {
  const lookup = value as { logicalName?: unknown; id?: unknown };
  return { kind: lookup.logicalName, dynamicsId: lookup.id };
};
const asDescriptionLine = (value: unknown): unknown => leadingFullStop.decode(typeof value === "string" ? value : null);

/** "Line Item Tracking": the N:N mag_InvoiceDetail_TrackingOption rows, each option with its category. */
export const trackingToXero: MappingTable = {
  name: "Line Item Tracking",
  source: "Invoices: Dynamics 365 to Xero › Line Item Tracking",
  rows: [
    { dynamics: "mag_name", model: "option", xero: "Option" },
    { dynamics: "mag_trackingcategoryid/mag_name", model: "category", xero: "Name" },
  ],
};

/** "Line Items". */
export const lineItemToXero: MappingTable = {
  name: "Line Items",
  source: "Invoices: Dynamics 365 to Xero › Line Items",
  rows: [
    { dynamics: "invoicedetailid", model: "dynamicsId" },
    {
      dynamics: "description",
      model: "description",
      xero: "Description",
      note: "Overwrites the Existing Product or Write In Product Description.",
    },
    {
      dynamics: "productid/name",
      model: "description",
      xero: "Description",
      ifEmpty: true,
      note: "Only if Description is not provided.",
    },
    {
      dynamics: "productdescription",
      model: "description",
      xero: "Description",
      ifEmpty: true,
      note: "Only if Description is not provided.",
    },
    {
      dynamics: "productid/productnumber",
      model: "itemCode",
      xero: "ItemCode",
      note: "The Product Number (productnumber).",
    },
    { dynamics: "quantity", model: "quantity", xero: "Quantity", codec: decimal4 },
    { dynamics: "priceperunit", model: "unitAmount", xero: "UnitAmount", codec: decimal4 },
    {
      dynamics: "mag_xeroaccountcodeid/mag_code",
      context: "defaultAccountCode",
      model: "accountCode",
      xero: "AccountCode",
      note: "Set to system default value if not provided.",
    },
    {
      dynamics: "mag_taxrateid/mag_taxtype",
      context: "defaultTaxType",
      model: "taxType",
      xero: "TaxType",
      note: "Set to system default value if not provided.",
    },
    {
      dynamics: "tax",
      model: "taxAmount",
      xero: "TaxAmount",
      codec: money,
      note: "Dynamics 365 does not calculate tax automatically.",
    },
    {
      dynamics: "manualdiscountamount",
      read: (value) => (value === 0 ? undefined : value),
      model: "discountAmount",
      xero: "DiscountAmount",
      codec: money,
      note: "Beyond the docs' table (the pull maps it): without it Xero's line total would ignore the line's discount.",
    },
    { dynamics: "mag_InvoiceDetail_TrackingOption", model: "tracking", xero: "Tracking", each: trackingToXero },
  ],
};

/** "Invoice". The docs' Description row (leading full stop → extra line) comes last so it appends to LineItems. */
export const invoiceToXero: MappingTable = {
  name: "Invoice",
  source: "Invoices: Dynamics 365 to Xero › Invoice",
  rows: [
    { dynamics: "invoiceid", model: "dynamicsId" },
    { dynamics: "mag_xeropushattempt", model: "pushAttempt", context: "pushAttempt" },
    { dynamics: "invoicenumber", model: "number", xero: "InvoiceNumber" },
    { dynamics: "duedate", read: asDate, model: "dueDate", xero: "DueDate" },
    { dynamics: "datedelivered", read: asDate, model: "date", xero: "Date" },
    {
      dynamics: "customerid",
      read: asCustomerRef,
      model: "customer",
      note: "See customer (account/contact) mappings below.",
    },
    {
      context: "xeroContactId",
      model: "xeroContactId",
      xero: "Contact.ContactID",
      note: "The customer's Xero contact, synced first.",
    },
    { dynamics: "mag_brandingthemeid/mag_xerobrandingthemeid", model: "brandingThemeId", xero: "BrandingThemeID" },
    { dynamics: "mag_reference", model: "reference", xero: "Reference" },
    { dynamics: "transactioncurrencyid/isocurrencycode", model: "currencyCode", xero: "CurrencyCode" },
    { constant: "ACCREC", model: "type", xero: "Type", note: "Set to ACCREC." },
    {
      context: "autoApproveInvoices",
      read: (value) => approvalToStatus.encode(value === true),
      model: "status",
      xero: "Status",
      note: "Authorised if the global setting 'Auto Approve Invoices' is enabled, otherwise Draft.",
    },
    { constant: "Exclusive", model: "lineAmountTypes", xero: "LineAmountTypes", note: "Set to Exclusive." },
    {
      context: "markInvoicesAsSent",
      read: (value) => (value === true ? true : undefined),
      model: "sentToContact",
      xero: "SentToContact",
      note: "Sent if 'Mark Xero Invoices as Sent' is enabled.",
    },
    { dynamics: "invoice_details", model: "lines", xero: "LineItems", each: lineItemToXero },
    {
      dynamics: "description",
      read: asDescriptionLine,
      model: "descriptionLine",
      xero: "LineItems",
      codec: { encode: (line: string) => [{ Description: line }], decode: () => undefined },
      append: true,
      note: "A description beginning with a full stop is added as an additional line item.",
    },
  ],
};
