// Credit Notes: Xero to Dynamics 365. Each allocation of a sales credit note changed since the cursor becomes one
// *Xero Credit Note* on the invoice it was allocated to (a credit note over three invoices makes three rows), unless a
// credit note with that number is already on that invoice. Then each invoice the page touched is read back from Xero:
// nothing due and at least one payment → Paid; nothing due and no payment → Canceled.
// Reference docs: "Credit Notes: Xero to Dynamics 365"; Xero: https://developer.xero.com/documentation/api/accounting/creditnotes
import { randomUUID } from "node:crypto";
import type { BatchOperation } from "../adapters/dataverse/batch";
import type { XeroPulledCreditNote } from "../adapters/xero/pull-schemas";
import {
  invoice,
  mag_creditnote,
  mag_xeroconnector,
  mag_xerosyncstatus,
  transactioncurrency,
} from "../generated/dataverse";
import { fromXeroCreditNote, toCreditNoteColumns } from "../mapping/convert-from-xero";
import type { Plain } from "../mapping/engine";
import type { CreditNoteAllocation } from "../model/payment";
import type { PageResult } from "./incremental-read";
import type { RunScope } from "./ports";
import {
  isFailure,
  planInvoiceStates,
  retryingFor,
  runPull,
  toBind,
  toInvoiceStateOperation,
  toUserError,
  toWriteError,
  updatedAtOf,
  type PullDependencies,
  type PullFailure,
  type PullOptions,
} from "./pull-common";
import type { InvoiceRef, PullLookups } from "./pull-store";
import type { FlowReport } from "./run-report";

interface Candidate {
  allocation: CreditNoteAllocation;
  currencyCode: string | undefined;
}

export class PullCreditNotesFlow {
  constructor(
    private readonly deps: PullDependencies,
    private readonly options: PullOptions = {},
  ) {}

  run(scope: RunScope): Promise<FlowReport> {
    let lookups: PullLookups | undefined;
    return runPull(
      this.deps,
      scope,
      {
        read: (query) => this.deps.xero.getReceivableCreditNotes(query),
        id: (creditNote: XeroPulledCreditNote) => creditNote.CreditNoteID,
        updatedAt: (creditNote: XeroPulledCreditNote) => updatedAtOf(creditNote.UpdatedDateUTC),
      },
      async (records, fail, page) => {
        lookups ??= await this.deps.pull.loadLookups(scope.connectorId);
        return this.writePage(scope, records, lookups, fail, page.retried);
      },
      this.options,
    );
  }

  private async writePage(
    scope: RunScope,
    records: XeroPulledCreditNote[],
    lookups: PullLookups,
    fail: (failure: PullFailure) => void,
    retried: boolean,
  ): Promise<PageResult> {
    const { pull, logger } = this.deps;
    const page: PageResult = { synced: 0, failed: 0, retryIds: [] };
    const candidates: Candidate[] = [];
    for (const record of records) {
      if (record.Status === "DELETED" || record.Status === "VOIDED") continue;
      try {
        for (const allocation of fromXeroCreditNote(record))
          candidates.push({ allocation, currencyCode: record.CurrencyCode });
      } catch (thrown) {
        page.failed += 1;
        fail({
          table: mag_creditnote.logicalName,
          xeroId: record.CreditNoteID,
          name: record.CreditNoteNumber ?? record.CreditNoteID,
          error: toUserError(thrown, "The Xero credit note"),
        });
      }
    }
    if (candidates.length === 0) return page;
    const invoices = new Map(
      (await pull.findInvoicesByXeroIds(candidates.map((candidate) => candidate.allocation.xeroInvoiceId))).map(
        (ref) => [ref.xeroId, ref] as const,
      ),
    );
    const synced = new Set(
      (await pull.findCreditNoteNumbers([...invoices.values()].map((ref) => ref.id))).map(
        (row) => `${row.invoiceId}|${row.number}`,
      ),
    );

    const operations: Array<{ operation: BatchOperation; allocations: CreditNoteAllocation[] }> = [];
    const touched = new Map<string, InvoiceRef>();
    for (const { allocation, currencyCode } of candidates) {
      const ref = invoices.get(allocation.xeroInvoiceId.toLowerCase());
      if (ref === undefined) {
        // Not an invoice Dynamics 365 knows (yet): "Invoices: Xero to Dynamics 365" brings its credit notes with it.
        logger.info("a credit note allocation for an invoice not in Dynamics 365", {
          creditNote: allocation.number,
          xeroInvoiceId: allocation.xeroInvoiceId,
        });
        continue;
      }
      const key = `${ref.id.toLowerCase()}|${allocation.number.toLowerCase()}`;
      if (synced.has(key)) {
        // Already synced for this invoice; a retry still re-checks the invoice's state.
        if (retried) touched.set(ref.id, ref);
        continue;
      }
      synced.add(key);
      operations.push({
        operation: toCreditNoteCreate(scope, allocation, ref, lookups, currencyCode),
        allocations: [allocation],
      });
      touched.set(ref.id, ref);
    }
    const states = await planInvoiceStates(this.deps, retryingFor(this.deps), [...touched.values()]);
    for (const { ref, state } of states) {
      operations.push({
        operation: toInvoiceStateOperation(ref.id, state),
        allocations: candidates
          .map((candidate) => candidate.allocation)
          .filter((allocation) => allocation.xeroInvoiceId.toLowerCase() === ref.xeroId),
      });
    }
    if (operations.length === 0) return page;

    const results = await pull.write(operations.map((entry) => entry.operation));
    const failed = new Set<string>();
    let created = 0;
    operations.forEach((entry, index) => {
      const result = results[index];
      const isCreate = entry.operation.method === "POST";
      if (!isFailure(result)) {
        if (isCreate) created += 1;
        return;
      }
      const error = toWriteError(result);
      for (const allocation of entry.allocations) {
        if (failed.has(allocation.xeroCreditNoteId)) continue;
        failed.add(allocation.xeroCreditNoteId);
        fail({
          table: isCreate ? mag_creditnote.logicalName : invoice.logicalName,
          xeroId: allocation.xeroCreditNoteId,
          name: allocation.number,
          error,
        });
      }
    });
    page.synced += created;
    page.failed += failed.size;
    page.retryIds.push(...failed);
    return page;
  }
}

/** A new *Xero Credit Note* row, already synced (so the push flow never sends it back to Xero). */
export function toCreditNoteCreate(
  scope: RunScope,
  allocation: CreditNoteAllocation,
  ref: InvoiceRef,
  lookups: PullLookups,
  currencyCode: string | undefined,
): BatchOperation {
  const c = mag_creditnote.columns;
  const nav = mag_creditnote.navigation;
  const currencyId = currencyCode === undefined ? undefined : lookups.currencies.get(currencyCode.toUpperCase());
  const body: Plain = {
    [c.mag_creditnoteid]: randomUUID(),
    ...toCreditNoteColumns(allocation),
    [c.mag_name]: `${allocation.number} · ${ref.number}`.slice(0, 100),
    [c.mag_addtoxero]: false,
    [c.mag_synchedwithxero]: true,
    [c.mag_xerosyncstatus]: mag_xerosyncstatus.Synced,
    ...toBind(nav.mag_invoiceid.invoice, invoice.entitySetName, ref.id),
    ...toBind(nav.mag_xeroconnectorid.mag_xeroconnector, mag_xeroconnector.entitySetName, scope.connectorId),
    ...(currencyId === undefined
      ? {}
      : toBind(nav.transactioncurrencyid.transactioncurrency, transactioncurrency.entitySetName, currencyId)),
  };
  return { method: "POST", path: mag_creditnote.entitySetName, body };
}
