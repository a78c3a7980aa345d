// The typed conversions the flows call: each applies one mapping table with the engine and validates the result with
// the schema of the tier it produces (model or Xero request), so a bad row fails here with a path, not in Xero.
import {
  XeroAllocationRequest,
  XeroContactRequest,
  XeroCreditNoteRequest,
  XeroInvoiceRequest,
  XeroItemRequest,
  type XeroInvoice,
} from "../adapters/xero/schemas";
import {
  Allocation,
  CreditNote,
  Customer,
  Invoice,
  InvoiceLine,
  Item,
  type ConnectorSettings,
  type CustomerKind,
} from "../model";
import { accountToXeroContact, contactToXeroContact } from "./contact-to-xero";
import { allocationToXero, creditNoteToXero } from "./credit-note-to-xero";
import { fromDynamics, fromXero, toXero, type Plain } from "./engine";
import { invoiceToXero, lineItemToXero } from "./invoice-to-xero";
import { productToXeroItem } from "./reference-data";

/** What an invoice's mapping reads besides the invoice row: the connector's settings and the customer's Xero id. */
export interface InvoiceContext {
  settings: Pick<
    ConnectorSettings,
    "autoApproveInvoices" | "markInvoicesAsSent" | "defaultAccountCode" | "defaultTaxType"
  >;
  xeroContactId?: string;
}

/** An invoice row (lines under `invoice_details`, looked-up rows under their lookup's name) → the model. */
export function toInvoice(row: Plain, context: InvoiceContext): Invoice {
  return Invoice.parse(
    fromDynamics(invoiceToXero, row, {
      ...context.settings,
      pushAttempt: 0,
      ...(context.xeroContactId === undefined ? {} : { xeroContactId: context.xeroContactId }),
    }),
  );
}

export function toXeroInvoiceRequest(invoice: Invoice): XeroInvoiceRequest {
  return XeroInvoiceRequest.parse(toXero(invoiceToXero, invoice));
}

/** An account or contact row → the model. `invoiceCurrencyCode` fills Default Currency when the row has none. */
export function toCustomer(kind: CustomerKind, row: Plain, invoiceCurrencyCode?: string): Customer {
  const table = kind === "account" ? accountToXeroContact : contactToXeroContact;
  return Customer.parse(fromDynamics(table, row, invoiceCurrencyCode === undefined ? {} : { invoiceCurrencyCode }));
}

export function toXeroContactRequest(customer: Customer): XeroContactRequest {
  const table = customer.kind === "account" ? accountToXeroContact : contactToXeroContact;
  return XeroContactRequest.parse(toXero(table, customer));
}

/** A Xero invoice's lines in model form (credit notes copy them). */
export function fromXeroLineItems(invoice: XeroInvoice): InvoiceLine[] {
  return (invoice.LineItems ?? []).map((line) => InvoiceLine.parse(fromXero(lineItemToXero, line)));
}

export interface CreditNoteContext {
  xeroContactId: string;
  lineAmountTypes: string;
  lines: InvoiceLine[];
  currencyCode?: string;
}

export function toCreditNote(row: Plain, context: CreditNoteContext): CreditNote {
  return CreditNote.parse(fromDynamics(creditNoteToXero, row, { ...context }));
}

export function toXeroCreditNoteRequest(creditNote: CreditNote): XeroCreditNoteRequest {
  return XeroCreditNoteRequest.parse(toXero(creditNoteToXero, creditNote));
}

export function toAllocation(row: Plain, xeroInvoiceId?: string): Allocation {
  return Allocation.parse(fromDynamics(allocationToXero, row, xeroInvoiceId === undefined ? {} : { xeroInvoiceId }));
}

export function toXeroAllocationRequest(allocation: Allocation): XeroAllocationRequest {
  return XeroAllocationRequest.parse(toXero(allocationToXero, allocation));
}

export function toItem(row: Plain): Item {
  return Item.parse(fromDynamics(productToXeroItem, row));
}

export function toXeroItemRequest(item: Item): XeroItemRequest {
  return XeroItemRequest.parse(toXero(productToXeroItem, item));
}
