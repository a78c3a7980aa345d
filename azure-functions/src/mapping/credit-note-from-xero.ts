// Credit Notes: Xero to Dynamics 365 › Credit Note Allocation, one row per row of the reference docs. Each allocation
// of a Xero credit note becomes one *Xero Credit Note* in Dynamics 365; the flow flattens a credit note into
// `{ ...creditNote, Allocation }` per allocation before applying this table.
// Xero's credit note and allocations: https://developer.xero.com/documentation/api/accounting/creditnotes
import { money, xeroRequestDate } from "./codecs";
import type { MappingTable } from "./engine";

export const creditNoteAllocationFromXero: MappingTable = {
  name: "Credit Note Allocation",
  source: "Credit Notes: Xero to Dynamics 365 › Credit Note Allocation",
  rows: [
    { dynamics: "mag_creditdate", model: "date", xero: "Date", codec: xeroRequestDate },
    {
      dynamics: "mag_creditnotenumber",
      model: "number",
      xero: "CreditNoteNumber",
      note: "With the invoice: what has already been synced.",
    },
    { dynamics: "mag_reference", model: "reference", xero: "Reference" },
    { dynamics: "mag_invoiceid/mag_xeroid", model: "xeroInvoiceId", xero: "Allocation.Invoice.InvoiceID" },
    { dynamics: "mag_amount", model: "amount", xero: "Allocation.Amount", codec: money },
    {
      dynamics: "mag_xeroid",
      model: "xeroCreditNoteId",
      xero: "CreditNoteID",
      note: "Not in the reference docs: keeps the Xero id, as pushed credit notes do.",
    },
  ],
};
