// What the pull flows (Xero → Dynamics 365) may ask of one Xero organisation: incremental reads in UpdatedDateUTC
// order, one page at a time, and look-ups by id. `xero-node-adapter.ts` implements it beside the push port.
import type { XeroPayment, XeroPulledContact, XeroPulledCreditNote, XeroPulledInvoice } from "./pull-schemas";

/**
 * One page of an incremental read: records modified at or after `modifiedSince` (If-Modified-Since), ordered by
 * UpdatedDateUTC ascending, so a reader may remember how far it got. With `ids`, only those records (no paging).
 */
export interface IncrementalQuery {
  modifiedSince?: Date;
  page?: number;
  pageSize?: number;
  ids?: readonly string[];
}

export interface XeroPullPort {
  readonly tenantId: string;
  /** Accounts-receivable payments (ACCRECPAYMENT), deleted ones included. */
  getReceivablePayments(query: IncrementalQuery): Promise<XeroPayment[]>;
  /** Payments applied to these invoices. */
  getPaymentsOfInvoices(invoiceIds: readonly string[]): Promise<XeroPayment[]>;
  /** Sales credit notes (ACCRECCREDIT) with their allocations. */
  getReceivableCreditNotes(query: IncrementalQuery): Promise<XeroPulledCreditNote[]>;
  /** Sales invoices (ACCREC) in these statuses; a paged read carries the line items. */
  getReceivableInvoices(query: IncrementalQuery & { statuses?: readonly string[] }): Promise<XeroPulledInvoice[]>;
  getContactsModified(query: IncrementalQuery): Promise<XeroPulledContact[]>;
}

/** Xero's default page size for the paged endpoints (100; at most 1,000): https://developer.xero.com/documentation/api/accounting/invoices#optional-parameters-for-get-invoices */
export const xeroPageSize = 100;
