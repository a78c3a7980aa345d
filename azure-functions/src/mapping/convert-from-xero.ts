// The typed conversions the pull flows call: each applies one *-from-xero table with the engine and validates the
// result with the model's schema, so a record Xero sends in a shape we cannot take fails here with a path.
import type {
  XeroPayment,
  XeroPulledContact,
  XeroPulledCreditNote,
  XeroPulledInvoice,
  XeroPulledLineItem,
} from "../adapters/xero/pull-schemas";
import {
  AccountFromXero,
  CreditNoteAllocation,
  InvoiceFromXero,
  Payment,
  type InvoiceLineFromXero,
} from "../model/payment";
import { roundTo } from "./codecs";
import { accountFromXeroContact } from "./contact-from-xero";
import { creditNoteAllocationFromXero } from "./credit-note-from-xero";
import { fromXero, toDynamics, type MappingTable, type Plain } from "./engine";
import { invoiceFromXero, lineItemFromXero } from "./invoice-from-xero";
import { paymentFromXero } from "./payment-from-xero";

/** The table's constants ("Set to Yes.") as model values, for the rows the Xero side does not carry. */
function withConstants(table: MappingTable, model: Plain): Plain {
  const filled: Plain = { ...model };
  for (const row of table.rows)
    if (row.constant !== undefined && filled[row.model] === undefined) filled[row.model] = row.constant;
  return filled;
}

export function fromXeroPayment(payment: XeroPayment): Payment {
  return Payment.parse(fromXero(paymentFromXero, payment));
}

/** Each live allocation of a credit note → one allocation record (deleted allocations are not credit any more). */
export function fromXeroCreditNote(creditNote: XeroPulledCreditNote): CreditNoteAllocation[] {
  return (creditNote.Allocations ?? [])
    .filter((allocation) => allocation.IsDeleted !== true)
    .map((allocation) =>
      CreditNoteAllocation.parse(fromXero(creditNoteAllocationFromXero, { ...creditNote, Allocation: allocation })),
    );
}

export function fromXeroContact(contact: XeroPulledContact): AccountFromXero {
  return AccountFromXero.parse(fromXero(accountFromXeroContact, contact));
}

// Xero gives a line discount as DiscountAmount or as DiscountRate (a percentage of quantity × unit amount);
// Dynamics 365 has only the amount (manualdiscountamount).
// https://developer.xero.com/documentation/api/accounting/invoices#line-items
function withDiscountAmount(line: XeroPulledLineItem): XeroPulledLineItem {
  if (line.DiscountAmount !== undefined || line.DiscountRate === undefined) return line;
  const gross = (line.Quantity ?? 1) * (line.UnitAmount ?? 0);
  return { ...line, DiscountAmount: roundTo((gross * line.DiscountRate) / 100, 2) };
}

export function fromXeroInvoice(invoice: XeroPulledInvoice): InvoiceFromXero {
  const prepared = { ...invoice, LineItems: (invoice.LineItems ?? []).map(withDiscountAmount) };
  return InvoiceFromXero.parse(withConstants(invoiceFromXero, fromXero(invoiceFromXero, prepared)));
}

/** Plain columns of a *Xero Payment* row (lookups are bound by the flow). */
export function toPaymentColumns(payment: Payment): Plain {
  return toDynamics(paymentFromXero, payment);
}

export function toCreditNoteColumns(allocation: CreditNoteAllocation): Plain {
  return toDynamics(creditNoteAllocationFromXero, allocation);
}

/** Plain columns of an account; empty values are left out so an update never clears what Xero did not send. */
export function toAccountColumns(account: AccountFromXero): Plain {
  return toDynamics(accountFromXeroContact, account);
}

export function toInvoiceColumns(invoice: InvoiceFromXero): Plain {
  return toDynamics(invoiceFromXero, invoice);
}

export function toLineColumns(line: InvoiceLineFromXero): Plain {
  return toDynamics(lineItemFromXero, line);
}
