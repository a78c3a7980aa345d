// The port the pull flows read Dynamics 365 through (implemented over the Web API in
// ../engine/dataverse-pull-store.ts). Keys in the answers are lower-cased: Xero ids, codes, names and product numbers
// match case-insensitively, as they do in both systems.
import type { BatchItem } from "../adapters/dataverse/batch";
import type { BatchResult } from "../adapters/dataverse/port";

export interface InvoiceRef {
  id: string;
  /** mag_xeroid, lower-cased. */
  xeroId: string;
  number: string;
  statecode: number;
}

/** A *Xero Payment* row already in Dynamics 365: its plain columns, and its lookups' ids (lower-cased) by column. */
export interface PaymentMatch {
  id: string;
  xeroPaymentId: string;
  active: boolean;
  columns: Record<string, unknown>;
  lookups: Record<string, string | null>;
}

export interface AccountMatch {
  id: string;
  name: string;
  accountNumber?: string;
  xeroContactId?: string;
  /** The columns the contact table maps, as stored. */
  columns: Record<string, unknown>;
  /** transactioncurrencyid (lower-cased) or null. */
  currencyId: string | null;
}

/** The connector's reference rows by their Xero key (lower-cased), and currencies / price lists by ISO code. */
export interface PullLookups {
  accountCodes: Map<string, string>;
  taxRates: Map<string, string>;
  brandingThemes: Map<string, string>;
  /** `category|option` → mag_trackingoptionid */
  trackingOptions: Map<string, string>;
  currencies: Map<string, string>;
  priceLists: Map<string, string>;
}

export interface PullStore {
  findInvoicesByXeroIds(xeroIds: readonly string[]): Promise<InvoiceRef[]>;
  findPaymentsByXeroIds(xeroPaymentIds: readonly string[]): Promise<PaymentMatch[]>;
  /** Credit notes already in Dynamics 365 for these invoices (number lower-cased). */
  findCreditNoteNumbers(invoiceIds: readonly string[]): Promise<Array<{ invoiceId: string; number: string }>>;
  loadLookups(connectorId: string): Promise<PullLookups>;
  findAccounts(match: {
    numbers: readonly string[];
    names: readonly string[];
    xeroContactIds: readonly string[];
  }): Promise<AccountMatch[]>;
  findProducts(numbers: readonly string[]): Promise<Array<{ id: string; number: string; defaultUnitId?: string }>>;
  /** One `$batch` (continue on error): one result per operation, in order. */
  write(items: readonly BatchItem[]): Promise<BatchResult[]>;
}
