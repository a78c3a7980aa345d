// Credit Notes: Dynamics 365 to Xero — the reference docs' "Credit Note" and "Credit Note Allocation" tables.
// Xero: https://developer.xero.com/documentation/api/accounting/creditnotes#put-creditnotes and
// https://developer.xero.com/documentation/api/accounting/creditnotes#put-creditnotes-creditnoteid-allocations
import { dataverseDate, money } from "./codecs";
import type { MappingTable } from "./engine";
import { lineItemToXero } from "./invoice-to-xero";

const asDate = (value: unknown): unknown => dataverseDate.decode(String(value));

/** "Credit Note". The related invoice's contact, amount types and lines come from the invoice in Xero (context). */
export const creditNoteToXero: MappingTable = {
  name: "Credit Note",
  source: "Credit Notes: Dynamics 365 to Xero › Credit Note",
  rows: [
    { dynamics: "mag_creditnoteid", model: "dynamicsId" },
    { dynamics: "mag_creditdate", read: asDate, model: "date", xero: "Date" },
    { dynamics: "mag_creditnotenumber", model: "number", xero: "CreditNoteNumber" },
    { dynamics: "mag_reference", model: "reference", xero: "Reference" },
    {
      context: "xeroContactId",
      model: "xeroContactId",
      xero: "Contact.ContactID",
      note: "mag_invoiceid: Contact of the Invoice in Xero.",
    },
    {
      context: "lineAmountTypes",
      model: "lineAmountTypes",
      xero: "LineAmountTypes",
      note: "mag_invoiceid: Line Amount Types of the Invoice in Xero.",
    },
    {
      context: "lines",
      model: "lines",
      xero: "LineItems",
      each: lineItemToXero,
      note: "mag_invoiceid: Line Items of the Invoice in Xero.",
    },
    {
      context: "currencyCode",
      model: "currencyCode",
      xero: "CurrencyCode",
      note: "The invoice's currency, so the allocation can apply.",
    },
    { constant: "ACCRECCREDIT", model: "type", xero: "Type", note: "Set to ACCRECCREDIT." },
    { constant: "AUTHORISED", model: "status", xero: "Status", note: "Set to AUTHORISED." },
  ],
};

/** "Credit Note Allocation": a single allocation for the related invoice and amount. */
export const allocationToXero: MappingTable = {
  name: "Credit Note Allocation",
  source: "Credit Notes: Dynamics 365 to Xero › Credit Note Allocation",
  rows: [
    { dynamics: "mag_creditdate", read: asDate, model: "date", xero: "Date" },
    { dynamics: "mag_amount", model: "amount", xero: "Amount", codec: money },
    {
      dynamics: "mag_invoiceid/mag_xeroid",
      context: "xeroInvoiceId",
      model: "xeroInvoiceId",
      xero: "Invoice.InvoiceID",
    },
  ],
};
