// The Xero port: what flows may ask of one Xero organisation. The tenant is fixed when the port is built for a
// connection, so every call names it. `xero-node-adapter.ts` implements it over xero-node; tests may use their own.
import type {
  XeroAccount,
  XeroAllocationRequest,
  XeroBrandingTheme,
  XeroContact,
  XeroContactRequest,
  XeroCreditNote,
  XeroCreditNoteRequest,
  XeroInvoice,
  XeroInvoiceRequest,
  XeroItem,
  XeroItemRequest,
  XeroTaxRate,
  XeroTrackingCategory,
} from "./schemas";

/** One element of a `summarizeErrors=false` answer: Xero's record, or its validation messages. */
export type ElementResult<T> = { ok: true; value: T } | { ok: false; errors: string[]; value: T | undefined };

/** Xero accepts up to about 50 elements per request: https://developer.xero.com/documentation/api/accounting/overview */
export const xeroBatchSize = 50;

export interface ContactQuery {
  ids?: readonly string[];
  accountNumbers?: readonly string[];
  names?: readonly string[];
}

export interface XeroPort {
  readonly tenantId: string;
  saveContacts(contacts: readonly XeroContactRequest[], idempotencyKey: string): Promise<ElementResult<XeroContact>[]>;
  findContacts(query: ContactQuery): Promise<XeroContact[]>;
  createInvoices(
    invoices: readonly XeroInvoiceRequest[],
    idempotencyKey: string,
  ): Promise<ElementResult<XeroInvoice>[]>;
  findInvoices(query: { invoiceNumbers?: readonly string[]; ids?: readonly string[] }): Promise<XeroInvoice[]>;
  getOnlineInvoiceUrl(invoiceId: string): Promise<string | undefined>;
  emailInvoice(invoiceId: string, idempotencyKey: string): Promise<void>;
  createCreditNotes(
    creditNotes: readonly XeroCreditNoteRequest[],
    idempotencyKey: string,
  ): Promise<ElementResult<XeroCreditNote>[]>;
  findCreditNotes(creditNoteNumbers: readonly string[]): Promise<XeroCreditNote[]>;
  allocateCreditNote(creditNoteId: string, allocation: XeroAllocationRequest, idempotencyKey: string): Promise<void>;
  getAccounts(ifModifiedSince?: Date): Promise<XeroAccount[]>;
  getTaxRates(): Promise<XeroTaxRate[]>;
  getBrandingThemes(): Promise<XeroBrandingTheme[]>;
  getTrackingCategories(): Promise<XeroTrackingCategory[]>;
  getItems(codes?: readonly string[]): Promise<XeroItem[]>;
  saveItems(items: readonly XeroItemRequest[], idempotencyKey: string): Promise<ElementResult<XeroItem>[]>;
}
