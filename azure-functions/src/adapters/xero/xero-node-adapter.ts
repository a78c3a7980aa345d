// The Xero port over xero-node's AccountingApi. Requests are built as Xero's wire shape (zod-validated by the
// mapping), turned into xero-node's models with its own ObjectSerializer, and answers are read from the raw response
// body (Xero's PascalCase) and validated again. Every call goes through the rate gate, carries a timeout, and any
// rejection is reduced to the allow-list in core/errors (xero-node rejects with a JSON string that embeds the
// request). An endpoint's documentation link sits above each call.
import {
  AccountingApi,
  ObjectSerializer,
  type Allocations,
  type Contacts,
  type CreditNotes,
  type Invoices,
  type Items,
} from "xero-node";
import { z } from "zod";
import type { Clock } from "../../core/clock";
import { SyncError, toSyncError } from "../../core/errors";
import type { ContactQuery, ElementResult, XeroPort } from "./port";
import type { IncrementalQuery, XeroPullPort } from "./pull-port";
import { XeroPayment, XeroPulledContact, XeroPulledCreditNote, XeroPulledInvoice } from "./pull-schemas";
import { toRateObservation } from "../table-storage/rate-budget";
import { toRateObservationFromError } from "../table-storage/rate-governor";
import type { XeroRateGate } from "./rate-gate";
import {
  XeroAccount,
  XeroAllocation,
  XeroBrandingTheme,
  XeroContact,
  XeroCreditNote,
  XeroInvoice,
  XeroItem,
  XeroOnlineInvoice,
  XeroTaxRate,
  XeroTrackingCategory,
  type XeroAllocationRequest,
  type XeroContactRequest,
  type XeroCreditNoteRequest,
  type XeroInvoiceRequest,
  type XeroItemRequest,
} from "./schemas";

export interface XeroCallRecord {
  operation: string;
  status: number;
}

export interface XeroAdapterOptions {
  tenantId: string;
  /** Xero's API root (…/api.xro/2.0); the sandbox's emulator in tests. */
  apiUrl: string;
  /** The connection's current access token (the token vault refreshes it; `rejected` forces a refresh). */
  accessToken: (rejected?: string) => Promise<string>;
  gate: XeroRateGate;
  clock: Clock;
  /** A call with no answer after this long is an unknown outcome. */
  timeoutMs?: number;
  /** Observes every call (the benchmark counts them; the connector shows calls left). */
  onCall?: (record: XeroCallRecord) => void;
  /** Only tests pass one (to reach an emulator with a custom base). */
  api?: AccountingApi;
}

interface RawAnswer {
  status: number;
  headers: Record<string, unknown>;
  data: unknown;
}

type XeroNodeResult = { response: { status: number; headers: unknown; data: unknown } };

/** Xero lists: `{ Invoices: [...] }` etc. */
const listOf = <T extends z.ZodType>(key: string, schema: T) => z.looseObject({ [key]: z.array(schema).optional() });

/** Pull reads come oldest change first, so a reader can remember how far it got. */
const pullOrder = "UpdatedDateUTC ASC";

/** `(Field==Guid("…") OR …)` for a where clause; ids are checked to be GUIDs so nothing else reaches the filter. */
function anyOf(field: string, ids: readonly string[]): string {
  const guids = ids.filter((id) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id));
  if (guids.length === 0)
    throw new SyncError("no Xero ids to filter on", { kind: "validation", details: { source: "xero" } });
  return `(${guids.map((id) => `${field}==Guid(${toWhereString(id)})`).join(" OR ")})`;
}

/** Xero's wire shape → xero-node's model (its own deserializer), which xero-node serialises back on the way out. */
function toXeroNodeModel<T>(wire: Record<string, unknown>, type: string): T {
  return ObjectSerializer.deserialize(wire, type) as T;
}

/** Quotes a value inside a Xero `where` clause: https://developer.xero.com/documentation/api/accounting/requests-and-responses#retrieving-a-filtered-set-of-data */
export function toWhereString(value: string): string {
  return `"${value.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
}

export class XeroNodeAdapter implements XeroPort, XeroPullPort {
  readonly tenantId: string;
  private readonly api: AccountingApi;

  constructor(private readonly options: XeroAdapterOptions) {
    this.tenantId = options.tenantId;
    this.api = options.api ?? new AccountingApi();
    this.api.basePath = options.apiUrl;
  }

  // https://developer.xero.com/documentation/api/accounting/contacts#post-contacts
  async saveContacts(
    contacts: readonly XeroContactRequest[],
    idempotencyKey: string,
  ): Promise<ElementResult<XeroContact>[]> {
    const answer = await this.call("saveContacts", (api) =>
      api.updateOrCreateContacts(
        this.tenantId,
        toXeroNodeModel<Contacts>({ Contacts: contacts }, "Contacts"),
        false,
        idempotencyKey,
      ),
    );
    return toElements(answer.data, "Contacts", XeroContact, contacts.length);
  }

  // https://developer.xero.com/documentation/api/accounting/contacts#get-contacts (where on AccountNumber and Name)
  async findContacts(query: ContactQuery): Promise<XeroContact[]> {
    const clauses = [
      ...(query.accountNumbers ?? []).map((number) => `AccountNumber==${toWhereString(number)}`),
      ...(query.names ?? []).map((name) => `Name==${toWhereString(name)}`),
    ];
    const ids = query.ids === undefined || query.ids.length === 0 ? undefined : [...query.ids];
    if (clauses.length === 0 && ids === undefined) return [];
    const where = clauses.length === 0 ? undefined : clauses.join(" OR ");
    const answer = await this.call("findContacts", (api) =>
      api.getContacts(this.tenantId, undefined, where, undefined, ids, undefined, true),
    );
    return listOf("Contacts", XeroContact).parse(answer.data)["Contacts"] ?? [];
  }

  // https://developer.xero.com/documentation/api/accounting/invoices#put-invoices
  async createInvoices(
    invoices: readonly XeroInvoiceRequest[],
    idempotencyKey: string,
  ): Promise<ElementResult<XeroInvoice>[]> {
    const answer = await this.call("createInvoices", (api) =>
      api.createInvoices(
        this.tenantId,
        toXeroNodeModel<Invoices>({ Invoices: invoices }, "Invoices"),
        false,
        4,
        idempotencyKey,
      ),
    );
    return toElements(answer.data, "Invoices", XeroInvoice, invoices.length);
  }

  // https://developer.xero.com/documentation/api/accounting/invoices#get-invoices (InvoiceNumbers, IDs filters; a
  // paged read is what carries line items, which credit notes copy — callers send at most 50 at a time)
  async findInvoices(query: { invoiceNumbers?: readonly string[]; ids?: readonly string[] }): Promise<XeroInvoice[]> {
    const numbers =
      query.invoiceNumbers === undefined || query.invoiceNumbers.length === 0 ? undefined : [...query.invoiceNumbers];
    const ids = query.ids === undefined || query.ids.length === 0 ? undefined : [...query.ids];
    if (numbers === undefined && ids === undefined) return [];
    const answer = await this.call("findInvoices", (api) =>
      api.getInvoices(
        this.tenantId,
        undefined,
        undefined,
        undefined,
        ids,
        numbers,
        undefined,
        undefined,
        1,
        false,
        undefined,
        4,
      ),
    );
    return listOf("Invoices", XeroInvoice).parse(answer.data)["Invoices"] ?? [];
  }

  // https://developer.xero.com/documentation/api/accounting/invoices#get-online-invoice (one invoice per call)
  async getOnlineInvoiceUrl(invoiceId: string): Promise<string | undefined> {
    const answer = await this.call("getOnlineInvoice", (api) => api.getOnlineInvoice(this.tenantId, invoiceId));
    const list = listOf("OnlineInvoices", XeroOnlineInvoice).parse(answer.data)["OnlineInvoices"] as
      { OnlineInvoiceUrl?: string }[] | undefined;
    return list?.[0]?.OnlineInvoiceUrl;
  }

  // https://developer.xero.com/documentation/api/accounting/invoices#emailing-an-invoice
  async emailInvoice(invoiceId: string, idempotencyKey: string): Promise<void> {
    await this.call("emailInvoice", (api) => api.emailInvoice(this.tenantId, invoiceId, {}, idempotencyKey));
  }

  // https://developer.xero.com/documentation/api/accounting/creditnotes#put-creditnotes
  async createCreditNotes(
    creditNotes: readonly XeroCreditNoteRequest[],
    idempotencyKey: string,
  ): Promise<ElementResult<XeroCreditNote>[]> {
    const answer = await this.call("createCreditNotes", (api) =>
      api.createCreditNotes(
        this.tenantId,
        toXeroNodeModel<CreditNotes>({ CreditNotes: creditNotes }, "CreditNotes"),
        false,
        4,
        idempotencyKey,
      ),
    );
    return toElements(answer.data, "CreditNotes", XeroCreditNote, creditNotes.length);
  }

  // https://developer.xero.com/documentation/api/accounting/creditnotes#get-creditnotes (where on CreditNoteNumber)
  async findCreditNotes(creditNoteNumbers: readonly string[]): Promise<XeroCreditNote[]> {
    if (creditNoteNumbers.length === 0) return [];
    const where = creditNoteNumbers.map((number) => `CreditNoteNumber==${toWhereString(number)}`).join(" OR ");
    const answer = await this.call("findCreditNotes", (api) => api.getCreditNotes(this.tenantId, undefined, where));
    return listOf("CreditNotes", XeroCreditNote).parse(answer.data)["CreditNotes"] ?? [];
  }

  // https://developer.xero.com/documentation/api/accounting/creditnotes#put-creditnotes-creditnoteid-allocations
  async allocateCreditNote(
    creditNoteId: string,
    allocation: XeroAllocationRequest,
    idempotencyKey: string,
  ): Promise<void> {
    const answer = await this.call("allocateCreditNote", (api) =>
      api.createCreditNoteAllocation(
        this.tenantId,
        creditNoteId,
        toXeroNodeModel<Allocations>({ Allocations: [allocation] }, "Allocations"),
        false,
        idempotencyKey,
      ),
    );
    const [element] = toElements(answer.data, "Allocations", XeroAllocation, 1);
    if (element !== undefined && !element.ok) {
      throw new SyncError(`Xero refused the allocation: ${element.errors.join(" ")}`, {
        kind: "validation",
        origin: "user",
        details: { source: "xero", validationErrors: element.errors },
      });
    }
  }

  // https://developer.xero.com/documentation/api/accounting/accounts#get-accounts (If-Modified-Since supported)
  async getAccounts(ifModifiedSince?: Date): Promise<XeroAccount[]> {
    const answer = await this.call("getAccounts", (api) => api.getAccounts(this.tenantId, ifModifiedSince));
    return listOf("Accounts", XeroAccount).parse(answer.data)["Accounts"] ?? [];
  }

  // https://developer.xero.com/documentation/api/accounting/taxrates#get-taxrates
  async getTaxRates(): Promise<XeroTaxRate[]> {
    const answer = await this.call("getTaxRates", (api) => api.getTaxRates(this.tenantId));
    return listOf("TaxRates", XeroTaxRate).parse(answer.data)["TaxRates"] ?? [];
  }

  // https://developer.xero.com/documentation/api/accounting/brandingthemes#get-brandingthemes
  async getBrandingThemes(): Promise<XeroBrandingTheme[]> {
    const answer = await this.call("getBrandingThemes", (api) => api.getBrandingThemes(this.tenantId));
    return listOf("BrandingThemes", XeroBrandingTheme).parse(answer.data)["BrandingThemes"] ?? [];
  }

  // https://developer.xero.com/documentation/api/accounting/trackingcategories#get-trackingcategories (archived too)
  async getTrackingCategories(): Promise<XeroTrackingCategory[]> {
    const answer = await this.call("getTrackingCategories", (api) =>
      api.getTrackingCategories(this.tenantId, undefined, undefined, true),
    );
    return listOf("TrackingCategories", XeroTrackingCategory).parse(answer.data)["TrackingCategories"] ?? [];
  }

  // https://developer.xero.com/documentation/api/accounting/items#get-items (where on Code)
  async getItems(codes?: readonly string[]): Promise<XeroItem[]> {
    const where = codes === undefined ? undefined : codes.map((code) => `Code==${toWhereString(code)}`).join(" OR ");
    if (codes !== undefined && codes.length === 0) return [];
    const answer = await this.call("getItems", (api) => api.getItems(this.tenantId, undefined, where));
    return listOf("Items", XeroItem).parse(answer.data)["Items"] ?? [];
  }

  // https://developer.xero.com/documentation/api/accounting/items#post-items
  async saveItems(items: readonly XeroItemRequest[], idempotencyKey: string): Promise<ElementResult<XeroItem>[]> {
    const answer = await this.call("saveItems", (api) =>
      api.updateOrCreateItems(
        this.tenantId,
        toXeroNodeModel<Items>({ Items: items }, "Items"),
        false,
        undefined,
        idempotencyKey,
      ),
    );
    return toElements(answer.data, "Items", XeroItem, items.length);
  }

  // Pull reads (Xero → Dynamics 365): If-Modified-Since, `order=UpdatedDateUTC ASC` so a reader can remember how far
  // it got, and `page` (which also makes Xero include line items).
  // https://developer.xero.com/documentation/api/accounting/payments#get-payments
  async getReceivablePayments(query: IncrementalQuery): Promise<XeroPayment[]> {
    const where = [
      `PaymentType=="ACCRECPAYMENT"`,
      ...(query.ids === undefined ? [] : [anyOf("PaymentID", query.ids)]),
    ].join(" AND ");
    const answer = await this.call("getPayments", (api) =>
      api.getPayments(this.tenantId, query.modifiedSince, where, pullOrder, query.page, query.pageSize),
    );
    return listOf("Payments", XeroPayment).parse(answer.data)["Payments"] ?? [];
  }

  // https://developer.xero.com/documentation/api/accounting/payments#get-payments (where on Invoice.InvoiceID)
  async getPaymentsOfInvoices(invoiceIds: readonly string[]): Promise<XeroPayment[]> {
    if (invoiceIds.length === 0) return [];
    const where = `PaymentType=="ACCRECPAYMENT" AND ${anyOf("Invoice.InvoiceID", invoiceIds)}`;
    const answer = await this.call("getPayments", (api) => api.getPayments(this.tenantId, undefined, where, pullOrder));
    return listOf("Payments", XeroPayment).parse(answer.data)["Payments"] ?? [];
  }

  // https://developer.xero.com/documentation/api/accounting/creditnotes#get-creditnotes
  async getReceivableCreditNotes(query: IncrementalQuery): Promise<XeroPulledCreditNote[]> {
    const where = [`Type=="ACCRECCREDIT"`, ...(query.ids === undefined ? [] : [anyOf("CreditNoteID", query.ids)])].join(
      " AND ",
    );
    const answer = await this.call("getCreditNotes", (api) =>
      api.getCreditNotes(this.tenantId, query.modifiedSince, where, pullOrder, query.page, 4, query.pageSize),
    );
    return listOf("CreditNotes", XeroPulledCreditNote).parse(answer.data)["CreditNotes"] ?? [];
  }

  // https://developer.xero.com/documentation/api/accounting/invoices#get-invoices (Statuses, IDs, page)
  async getReceivableInvoices(
    query: IncrementalQuery & { statuses?: readonly string[] },
  ): Promise<XeroPulledInvoice[]> {
    const ids = query.ids === undefined ? undefined : [...query.ids];
    const statuses = query.statuses === undefined ? undefined : [...query.statuses];
    const answer = await this.call("getInvoices", (api) =>
      api.getInvoices(
        this.tenantId,
        query.modifiedSince,
        `Type=="ACCREC"`,
        pullOrder,
        ids,
        undefined,
        undefined,
        statuses,
        query.page,
        false,
        undefined,
        4,
        undefined,
        query.pageSize,
      ),
    );
    return listOf("Invoices", XeroPulledInvoice).parse(answer.data)["Invoices"] ?? [];
  }

  // https://developer.xero.com/documentation/api/accounting/contacts#get-contacts
  async getContactsModified(query: IncrementalQuery): Promise<XeroPulledContact[]> {
    const ids = query.ids === undefined ? undefined : [...query.ids];
    const answer = await this.call("getContacts", (api) =>
      api.getContacts(
        this.tenantId,
        query.modifiedSince,
        undefined,
        pullOrder,
        ids,
        query.page,
        false,
        undefined,
        undefined,
        query.pageSize,
      ),
    );
    return listOf("Contacts", XeroPulledContact).parse(answer.data)["Contacts"] ?? [];
  }

  private async call(operation: string, invoke: (api: AccountingApi) => Promise<XeroNodeResult>): Promise<RawAnswer> {
    try {
      return await this.callOnce(operation, invoke, undefined);
    } catch (thrown) {
      const error = toSyncError(thrown, "xero");
      // A 401 may be a token that expired in flight: ask the vault once for a fresh one before calling it revoked.
      if (error.kind !== "auth" || error.details.status !== 401 || this.lastToken === undefined) throw error;
      return this.callOnce(operation, invoke, this.lastToken);
    }
  }

  private lastToken: string | undefined;

  private async callOnce(
    operation: string,
    invoke: (api: AccountingApi) => Promise<XeroNodeResult>,
    rejectedToken: string | undefined,
  ): Promise<RawAnswer> {
    return this.options.gate.run(
      this.tenantId,
      async () => {
        this.lastToken = await this.options.accessToken(rejectedToken);
        this.api.accessToken = this.lastToken;
        try {
          const result = await withTimeout(invoke(this.api), this.options.timeoutMs ?? 60_000);
          const headers = toHeaderRecord(result.response.headers);
          this.options.onCall?.({ operation, status: result.response.status });
          return { status: result.response.status, headers, data: result.response.data };
        } catch (thrown) {
          const error = toSyncError(thrown, "xero");
          this.options.onCall?.({ operation, status: error.details.status ?? 0 });
          throw error;
        }
      },
      ({ result, error }) =>
        result !== undefined ? toRateObservation(result.headers) : toRateObservationFromError(error),
    );
  }
}

/** A call without an answer in time: the request may or may not have been applied (an unknown outcome). */
export function isUnknownOutcome(error: SyncError): boolean {
  return error.kind === "transient" && error.details.status !== 429;
}

function withTimeout<T>(promise: Promise<T>, timeoutMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new SyncError("Xero did not answer in time", {
            kind: "transient",
            details: { source: "xero", type: "Timeout" },
          }),
        ),
      timeoutMs,
    );
    timer.unref();
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function toHeaderRecord(headers: unknown): Record<string, unknown> {
  if (headers === null || typeof headers !== "object") return {};
  const record: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(headers as Record<string, unknown>)) record[key.toLowerCase()] = value;
  return record;
}

/** Reads a `summarizeErrors=false` answer: each element either succeeded or carries its ValidationErrors. */
function toElements<
  T extends { HasErrors?: boolean | undefined; ValidationErrors?: { Message: string }[] | undefined },
>(data: unknown, key: string, schema: z.ZodType<T>, expected: number): ElementResult<T>[] {
  const list = listOf(key, schema).parse(data)[key] ?? [];
  if (list.length !== expected) {
    throw new SyncError(`Xero answered ${list.length} ${key} for ${expected} sent`, {
      kind: "transient",
      details: { source: "xero" },
    });
  }
  return list.map((value) => {
    const messages = collectMessages(value);
    return value.HasErrors === true || messages.length > 0
      ? { ok: false, errors: messages.length > 0 ? messages : ["Xero rejected the record"], value }
      : { ok: true, value };
  });
}

/** Element messages plus line-level ones (Xero puts some on LineItems[].ValidationErrors). */
function collectMessages(value: {
  ValidationErrors?: { Message: string }[] | undefined;
  LineItems?: unknown;
}): string[] {
  const messages = (value.ValidationErrors ?? []).map((error) => error.Message);
  return [...new Set(messages)];
}
