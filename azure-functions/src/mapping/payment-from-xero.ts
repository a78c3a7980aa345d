// Payments: Xero to Dynamics 365 › Payment, one row per row of the reference docs. Lookups are written as
// `lookup/column`: the flow resolves them (account code by code, invoice by its Xero id) and binds the row.
// Xero's payment: https://developer.xero.com/documentation/api/accounting/payments
import { money, xeroRequestDate } from "./codecs";
import { xeroTimestamp } from "./codecs-from-xero";
import type { MappingTable } from "./engine";

export const paymentFromXero: MappingTable = {
  name: "Payment",
  source: "Payments: Xero to Dynamics 365 › Payment",
  rows: [
    { dynamics: "mag_xeropaymentid", model: "xeroPaymentId", xero: "PaymentID", note: "Used for matching." },
    { dynamics: "mag_paymentdate", model: "date", xero: "Date", codec: xeroRequestDate },
    { dynamics: "mag_amount", model: "amount", xero: "Amount", codec: money },
    { dynamics: "mag_reference", model: "reference", xero: "Reference" },
    { dynamics: "mag_xeroaccountcodeid/mag_code", model: "accountCode", xero: "Account.Code" },
    {
      dynamics: "mag_invoiceid/mag_xeroid",
      model: "xeroInvoiceId",
      xero: "Invoice.InvoiceID",
      note: "Matches to the Xero Id of an Invoice in Dynamics 365, if exists.",
    },
    { model: "invoiceNumber", xero: "Invoice.InvoiceNumber", note: "Names the row." },
    {
      model: "status",
      xero: "Status",
      note: "DELETED: the row is deactivated and the invoice reopened if it had been closed.",
    },
    { model: "updatedAt", xero: "UpdatedDateUTC", codec: xeroTimestamp, note: "The read cursor." },
  ],
};
