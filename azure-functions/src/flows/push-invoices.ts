// Invoices: Dynamics 365 to Xero. One run: select what qualifies, sync the customers, create the invoices in batches
// of 50 (summarizeErrors=false, one Idempotency-Key per batch), fetch pay-now links for approved ones, and write every
// outcome back in one $batch — the commit point. A push whose outcome is unknown (timeout, dropped connection, a crash
// before write-back) is journalled; before anything in it is created again, the invoices are looked up in Xero by
// invoice number and reconciled, so a Dynamics 365 invoice never becomes two Xero invoices.
import { SyncError, toRecordMessage, toSyncError } from "../core/errors";
import { toIdempotencyKey } from "../adapters/xero/idempotency";
import { xeroBatchSize, type ElementResult, type XeroPort } from "../adapters/xero/port";
import type { XeroInvoice, XeroInvoiceRequest } from "../adapters/xero/schemas";
import { isUnknownOutcome } from "../adapters/xero/xero-node-adapter";
import { toCustomer, toInvoice, toXeroInvoiceRequest } from "../mapping/convert";
import { getPath, type Plain } from "../mapping/engine";
import { toCustomerKey, type ConnectorSettings, type Customer, type CustomerRef } from "../model";
import { chunk, createRetrying, type Retrying } from "./batching";
import type { CustomerLink, FlowDependencies, RecordOutcome, RunScope, SyncLogEntry } from "./ports";
import { summariseRun, type FlowReport } from "./run-report";
import { syncCustomers } from "./sync-customers";
import { mentionsReferenceData, toPlainWords } from "./xero-messages";

export interface PushInvoicesOptions {
  /** Invoices read per page (one Dataverse query). */
  pageSize?: number;
  /** Pages per run; the next run carries on. */
  maxPages?: number;
  /** Attempts for one batch call (with reconciliation between them). */
  maxAttempts?: number;
}

export interface PushInvoicesDependencies extends FlowDependencies {
  xero: XeroPort;
  /** Calls left today for the organisation, shown on the connector. */
  remainingCalls?: () => Promise<number | undefined>;
}

/** An invoice row on its way: what we know before it reaches Xero. */
interface Candidate {
  id: string;
  name: string;
  pushAttempt: number;
  row: Plain;
  customer?: CustomerRef;
  currencyCode?: string;
}

interface Ready extends Candidate {
  request: XeroInvoiceRequest;
}

/** The longest wait a run sits through in-process (a minute window); longer waits end the run's attempts. */
const maxInProcessWaitMs = 60_000;

const statusesThatCount = new Set(["DRAFT", "SUBMITTED", "AUTHORISED", "PAID"]);

export class PushInvoicesFlow {
  private readonly retrying: Retrying;

  constructor(
    private readonly deps: PushInvoicesDependencies,
    private readonly options: PushInvoicesOptions = {},
  ) {
    this.retrying = createRetrying(deps);
  }

  async run(scope: RunScope): Promise<FlowReport> {
    const pageSize = this.options.pageSize ?? 500;
    const maxPages = this.options.maxPages ?? 20;
    const totals = { synced: 0, failed: 0, referenceDataStale: false };
    let settings: ConnectorSettings | undefined;
    for (let page = 0; page < maxPages; page++) {
      const rows = await this.deps.store.selectInvoicesToPush(scope, pageSize);
      if (rows.length === 0 && page > 0) break;
      if (rows.length === 0) {
        await this.commitEmpty(scope);
        return { result: summariseRun(scope.flow, 0, 0, this.deps.clock), followUps: [] };
      }
      settings ??= await this.deps.store.loadConnector(scope.connectorId);
      try {
        const outcome = await this.pushPage(scope, settings, rows);
        totals.synced += outcome.synced;
        totals.failed += outcome.failed;
        totals.referenceDataStale ||= outcome.referenceDataStale;
        if (rows.length < pageSize || outcome.progress === 0) break;
      } catch (thrown) {
        const error = toSyncError(thrown, "xero");
        if (error.kind !== "auth") throw error;
        await this.disconnect(scope, error);
        return {
          result: {
            ...summariseRun(scope.flow, totals.synced, totals.failed, this.deps.clock),
            result: "Failed",
            message: error.message,
          },
          followUps: [],
        };
      }
    }
    return {
      result: summariseRun(scope.flow, totals.synced, totals.failed, this.deps.clock),
      followUps: totals.referenceDataStale ? ["ReferenceData"] : [],
    };
  }

  private async pushPage(
    scope: RunScope,
    settings: ConnectorSettings,
    rows: Plain[],
  ): Promise<{ synced: number; failed: number; progress: number; referenceDataStale: boolean }> {
    const { store, journal, clock } = this.deps;
    const outcomes: RecordOutcome[] = [];
    const logs: SyncLogEntry[] = [];
    const fail = (candidate: Candidate, error: SyncError): void => {
      const message = toRecordMessage(error);
      if (error.retryable) {
        outcomes.push({ kind: "retrying", table: "invoice", id: candidate.id, name: candidate.name, message });
      } else {
        outcomes.push({
          kind: "failed",
          table: "invoice",
          id: candidate.id,
          name: candidate.name,
          errorKind: error.kind,
          message,
          nextPushAttempt: candidate.pushAttempt + 1,
        });
      }
      logs.push(toLogEntry(scope, candidate, error, clock.now()));
    };

    const candidates = rows.map(toCandidate);
    const customers = await this.loadCustomers(candidates, fail);
    const customerResults = await syncCustomers(this.deps.xero, [...customers.values()], () => 0, this.retrying);
    const customerLinks: CustomerLink[] = [];
    for (const customer of customers.values()) {
      const result = customerResults.get(toCustomerKey(customer));
      if (result?.ok === true && result.learned)
        customerLinks.push({
          ref: { kind: customer.kind, dynamicsId: customer.dynamicsId },
          xeroContactId: result.xeroContactId,
        });
    }

    const ready: Ready[] = [];
    for (const candidate of candidates) {
      if (candidate.customer === undefined) continue;
      const customerKey = toCustomerKey(candidate.customer);
      if (!customers.has(customerKey)) continue;
      const customerResult = customerResults.get(customerKey);
      if (customerResult === undefined || !customerResult.ok) {
        fail(candidate, customerResult?.error ?? new SyncError("the customer was not synced", { kind: "transient" }));
        continue;
      }
      try {
        const invoice = toInvoice(candidate.row, { settings, xeroContactId: customerResult.xeroContactId });
        ready.push({ ...candidate, request: toXeroInvoiceRequest(invoice) });
      } catch (thrown) {
        fail(candidate, toUserError(thrown));
      }
    }

    const inFlight = await journal.inFlight(
      scope.connectionId,
      ready.map((invoice) => invoice.id),
    );
    let referenceDataStale = false;
    const created: { invoice: Ready; xero: XeroInvoice }[] = [];
    for (const batch of chunk(ready, xeroBatchSize)) {
      const results = await this.createBatch(
        scope,
        batch,
        batch.some((invoice) => inFlight.has(invoice.id)),
      );
      for (const invoice of batch) {
        const result = results.get(invoice.id);
        if (result === undefined) continue;
        if (result instanceof SyncError) {
          fail(invoice, result);
        } else if (result.ok) {
          created.push({ invoice, xero: result.value });
        } else {
          referenceDataStale ||= mentionsReferenceData(result.errors);
          fail(
            invoice,
            new SyncError(toPlainWords(result.errors, invoice.request.LineItems), {
              kind: "validation",
              origin: "user",
              details: { source: "xero", validationErrors: result.errors },
            }),
          );
        }
      }
    }

    for (const { invoice, xero } of created) {
      const xeroId = xero.InvoiceID;
      if (xeroId === undefined) continue;
      const payNowLink = xero.Status === "AUTHORISED" ? await this.fetchPayNowLink(xeroId) : undefined;
      outcomes.push({
        kind: "synced",
        table: "invoice",
        id: invoice.id,
        xeroId,
        ...(payNowLink === undefined ? {} : { payNowLink }),
      });
    }

    const synced = outcomes.filter((outcome) => outcome.kind === "synced").length;
    const failed = outcomes.filter((outcome) => outcome.kind === "failed").length;
    const remaining = await this.deps.remainingCalls?.();
    const committed = await store.commit({
      scope,
      records: outcomes,
      customers: customerLinks,
      logs,
      run: summariseRun(scope.flow, synced, failed, clock),
      connector: {
        lastSynchedOn: new Date(clock.now()),
        ...(remaining === undefined ? {} : { callsRemainingToday: remaining }),
      },
    });
    // Only now is the outcome durable; the journal entries can go.
    const unwritten = new Set(committed.failedRecordIds);
    const settled = outcomes
      .filter((outcome) => outcome.kind !== "retrying" && !unwritten.has(outcome.id))
      .map((outcome) => outcome.id);
    await journal.end(scope.connectionId, settled);
    return { synced, failed, progress: synced + failed, referenceDataStale };
  }

  private async loadCustomers(
    candidates: Candidate[],
    fail: (candidate: Candidate, error: SyncError) => void,
  ): Promise<Map<string, Customer>> {
    const refs = new Map<string, CustomerRef>();
    for (const candidate of candidates) {
      if (candidate.customer === undefined) {
        fail(candidate, new SyncError("The invoice has no customer.", { kind: "validation", origin: "user" }));
        continue;
      }
      refs.set(toCustomerKey(candidate.customer), candidate.customer);
    }
    const rows = await this.deps.store.loadCustomers([...refs.values()]);
    const byKey = new Map<string, Plain>();
    for (const row of rows) {
      const kind = typeof row["accountid"] === "string" ? "account" : "contact";
      const id = String(row[kind === "account" ? "accountid" : "contactid"]);
      byKey.set(toCustomerKey({ kind, dynamicsId: id }), row);
    }
    const customers = new Map<string, Customer>();
    for (const candidate of candidates) {
      if (candidate.customer === undefined) continue;
      const key = toCustomerKey(candidate.customer);
      if (customers.has(key)) continue;
      const row = byKey.get(key);
      try {
        if (row === undefined)
          throw new SyncError("The invoice's customer could not be read from Dynamics 365.", {
            kind: "validation",
            origin: "user",
          });
        customers.set(key, toCustomer(candidate.customer.kind, row, candidate.currencyCode));
      } catch (thrown) {
        const error = toUserError(thrown);
        for (const other of candidates)
          if (other.customer !== undefined && toCustomerKey(other.customer) === key) fail(other, error);
      }
    }
    return customers;
  }

  /** Creates one batch, reconciling with Xero first whenever an earlier attempt's outcome is unknown. */
  private async createBatch(
    scope: RunScope,
    batch: Ready[],
    startUnknown: boolean,
  ): Promise<Map<string, ElementResult<XeroInvoice> | SyncError>> {
    const results = new Map<string, ElementResult<XeroInvoice> | SyncError>();
    const maxAttempts = this.options.maxAttempts ?? 4;
    let remaining = batch;
    let unknown = startUnknown;
    await this.deps.journal.begin(
      scope.connectionId,
      batch.map((invoice) => invoice.id),
    );
    for (let attempt = 1; remaining.length > 0; attempt++) {
      try {
        if (unknown) {
          const found = await this.retrying(() => this.reconcile(remaining));
          for (const [id, invoice] of found) results.set(id, { ok: true, value: invoice });
          remaining = remaining.filter((invoice) => !found.has(invoice.id));
          unknown = false;
          if (remaining.length === 0) break;
        }
        const key = toIdempotencyKey(
          "invoices",
          remaining.map((invoice) => ({ id: invoice.id, attempt: invoice.pushAttempt })),
          remaining.map((invoice) => invoice.request),
        );
        const answers = await this.deps.xero.createInvoices(
          remaining.map((invoice) => invoice.request),
          key,
        );
        remaining.forEach((invoice, index) => {
          const answer = answers[index];
          if (answer !== undefined) results.set(invoice.id, answer);
        });
        remaining = [];
      } catch (thrown) {
        const error = toSyncError(thrown, "xero");
        if (error.kind === "auth") throw error;
        // A long Retry-After (Xero's day limit) is not slept through: the invoices stay pending for the next run.
        if (!error.retryable || attempt >= maxAttempts || (error.details.retryAfterMs ?? 0) > maxInProcessWaitMs) {
          for (const invoice of remaining) results.set(invoice.id, error);
          break;
        }
        unknown ||= isUnknownOutcome(error);
        this.deps.logger.warn("invoice batch failed; retrying", { error, attempt, unknownOutcome: unknown });
        await this.deps.sleep(backoffMs(attempt, error, this.deps.random));
      }
    }
    return results;
  }

  /** Invoices of the batch already in Xero (by invoice number), keyed by Dynamics 365 id. */
  private async reconcile(batch: Ready[]): Promise<Map<string, XeroInvoice>> {
    const found = await this.deps.xero.findInvoices({
      invoiceNumbers: batch.map((invoice) => invoice.request.InvoiceNumber),
    });
    const byNumber = new Map<string, XeroInvoice>();
    for (const invoice of found) {
      if (invoice.InvoiceNumber === undefined || invoice.InvoiceID === undefined) continue;
      if (invoice.Status !== undefined && !statusesThatCount.has(invoice.Status)) continue;
      byNumber.set(invoice.InvoiceNumber.toLowerCase(), invoice);
    }
    const matches = new Map<string, XeroInvoice>();
    for (const invoice of batch) {
      const match = byNumber.get(invoice.request.InvoiceNumber.toLowerCase());
      if (match !== undefined) matches.set(invoice.id, match);
    }
    return matches;
  }

  private async fetchPayNowLink(xeroInvoiceId: string): Promise<string | undefined> {
    try {
      return await this.retrying(() => this.deps.xero.getOnlineInvoiceUrl(xeroInvoiceId));
    } catch (thrown) {
      const error = toSyncError(thrown, "xero");
      if (error.kind === "auth") throw error;
      this.deps.logger.warn("no pay-now link for an approved invoice", { error, xeroInvoiceId });
      return undefined;
    }
  }

  private async commitEmpty(scope: RunScope): Promise<void> {
    await this.deps.store.commit({
      scope,
      records: [],
      customers: [],
      logs: [],
      run: summariseRun(scope.flow, 0, 0, this.deps.clock),
      connector: { lastSynchedOn: new Date(this.deps.clock.now()) },
    });
  }

  private async disconnect(scope: RunScope, error: SyncError): Promise<void> {
    await this.deps.store.commit({
      scope,
      records: [],
      customers: [],
      logs: [],
      run: { ...summariseRun(scope.flow, 0, 0, this.deps.clock), result: "Failed", message: error.message },
      connector: { lastSynchedOn: new Date(this.deps.clock.now()), disconnected: { reason: error.message } },
    });
  }
}

function toCandidate(row: Plain): Candidate {
  const id = String(row["invoiceid"]);
  const lookup = row["customerid"] as { logicalName?: unknown; id?: unknown } | null | undefined;
  const kind = lookup?.logicalName;
  const currency = getPath(row, "transactioncurrencyid/isocurrencycode");
  return {
    id,
    name: typeof row["invoicenumber"] === "string" ? row["invoicenumber"] : id,
    pushAttempt: typeof row["mag_xeropushattempt"] === "number" ? row["mag_xeropushattempt"] : 0,
    row,
    ...((kind === "account" || kind === "contact") && typeof lookup?.id === "string"
      ? { customer: { kind, dynamicsId: lookup.id } }
      : {}),
    ...(typeof currency === "string" ? { currencyCode: currency } : {}),
  };
}

function toUserError(thrown: unknown): SyncError {
  const error = toSyncError(thrown, "service");
  if (error.kind !== "validation") return error;
  return new SyncError(error.message.replace(/^invalid data: /, "The invoice cannot be sent to Xero: "), {
    kind: "validation",
    origin: "user",
    details: error.details,
  });
}

function toLogEntry(scope: RunScope, candidate: Candidate, error: SyncError, now: number): SyncLogEntry {
  return {
    flow: scope.flow,
    table: "invoice",
    recordId: candidate.id,
    recordName: candidate.name,
    errorKind: error.kind,
    errorText: error.message,
    occurredOn: new Date(now),
    correlationId: scope.correlationId,
  };
}

function backoffMs(attempt: number, error: SyncError, random: (() => number) | undefined): number {
  if (error.details.retryAfterMs !== undefined) return error.details.retryAfterMs;
  const ceiling = Math.min(30_000, 500 * 2 ** (attempt - 1));
  return Math.floor((random ?? Math.random)() * ceiling);
}
