// Invoices: Xero to Dynamics 365 › Invoice, Line Items and Line Item Tracking, one row per row of the reference docs.
// Lookups are written as `lookup/column…`: the flow resolves them per connector (price list by currency, product by
// product number and its default unit, account code by code, tax rate by tax type, tracking option by category and
// option name) and fails the invoice visibly when one is missing. The customer uses ./contact-from-xero.ts.
// Xero's invoice: https://developer.xero.com/documentation/api/accounting/invoices
import { decimal4, money, xeroRequestDate } from "./codecs";
import { xeroTimestamp } from "./codecs-from-xero";
import type { MappingTable } from "./engine";

export const lineTrackingFromXero: MappingTable = {
  name: "Line Item Tracking",
  source: "Invoices: Xero to Dynamics 365 › Line Item Tracking",
  rows: [
    { dynamics: "mag_name", model: "option", xero: "Option" },
    { dynamics: "mag_trackingcategoryid/mag_name", model: "category", xero: "Name" },
  ],
};

export const lineItemFromXero: MappingTable = {
  name: "Line Items",
  source: "Invoices: Xero to Dynamics 365 › Line Items",
  rows: [
    { dynamics: "description", model: "description", xero: "Description" },
    {
      dynamics: "productid/productnumber",
      model: "itemCode",
      xero: "ItemCode",
      note: "Matches on the Product Number (productnumber).",
    },
    { dynamics: "uomid/productid/defaultuomid", model: "itemCode", note: "Unit: Default from Dynamics 365 Product." },
    { dynamics: "quantity", model: "quantity", xero: "Quantity", codec: decimal4 },
    { dynamics: "priceperunit", model: "unitAmount", xero: "UnitAmount", codec: decimal4 },
    { dynamics: "mag_xeroaccountcodeid/mag_code", model: "accountCode", xero: "AccountCode" },
    { dynamics: "mag_taxrateid/mag_taxtype", model: "taxType", xero: "TaxType" },
    { dynamics: "tax", model: "taxAmount", xero: "TaxAmount", codec: money },
    {
      dynamics: "manualdiscountamount",
      model: "discountAmount",
      xero: "DiscountAmount",
      codec: money,
      note: "From DiscountRate when Xero gives a rate.",
    },
    { dynamics: "mag_InvoiceDetail_TrackingOption", model: "tracking", xero: "Tracking", each: lineTrackingFromXero },
  ],
};

export const invoiceFromXero: MappingTable = {
  name: "Invoice",
  source: "Invoices: Xero to Dynamics 365 › Invoice",
  rows: [
    { dynamics: "invoicenumber", model: "number", xero: "InvoiceNumber" },
    { dynamics: "name", model: "number", xero: "InvoiceNumber" },
    { dynamics: "duedate", model: "dueDate", xero: "DueDate", codec: xeroRequestDate },
    { dynamics: "datedelivered", model: "date", xero: "Date", codec: xeroRequestDate },
    {
      dynamics: "customerid/mag_xerocontactid",
      model: "xeroContactId",
      xero: "Contact.ContactID",
      note: "See customer mappings (contact-from-xero.ts).",
    },
    { dynamics: "mag_brandingthemeid/mag_xerobrandingthemeid", model: "brandingThemeId", xero: "BrandingThemeID" },
    { dynamics: "mag_reference", model: "reference", xero: "Reference" },
    { dynamics: "transactioncurrencyid/isocurrencycode", model: "currencyCode", xero: "CurrencyCode" },
    { dynamics: "mag_xeroid", model: "xeroInvoiceId", xero: "InvoiceID" },
    { model: "amountDue", xero: "AmountDue", codec: money, note: "Status (statecode): Set to Paid if no amount due." },
    { dynamics: "mag_synchedwithxero", constant: true, model: "synchedWithXero", note: "Set to Yes." },
    {
      dynamics: "pricelevelid/transactioncurrencyid/isocurrencycode",
      model: "currencyCode",
      note: "Set based on the Currency.",
    },
    { dynamics: "invoice_details", model: "lines", xero: "LineItems", each: lineItemFromXero },
    { model: "amountPaid", xero: "AmountPaid", codec: money, note: "Paid or Canceled when nothing is due." },
    { model: "status", xero: "Status" },
    { model: "updatedAt", xero: "UpdatedDateUTC", codec: xeroTimestamp, note: "The read cursor." },
  ],
};
