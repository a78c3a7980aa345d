// Credit Notes: Dynamics 365 to Xero. Each credit note becomes an ACCRECCREDIT, AUTHORISED credit note whose contact,
// line amount types and lines are copied from the related invoice in Xero, then one allocation to that invoice for
// the credit note's amount and date. Created in batches of 50; allocations are one call each (Xero's endpoint takes
// one credit note). A credit note created but not allocated keeps its Xero id, so a retry only allocates.
import { SyncError, toRecordMessage, toSyncError } from "../core/errors";
import { toIdempotencyKey } from "../adapters/xero/idempotency";
import { xeroBatchSize, type XeroPort } from "../adapters/xero/port";
import type { XeroCreditNoteRequest, XeroInvoice } from "../adapters/xero/schemas";
import {
  fromXeroLineItems,
  toAllocation,
  toCreditNote,
  toXeroAllocationRequest,
  toXeroCreditNoteRequest,
} from "../mapping/convert";
import { getPath, type Plain } from "../mapping/engine";
import { chunk, createRetrying, type Retrying } from "./batching";
import type { FlowDependencies, RecordOutcome, RunScope, SyncLogEntry } from "./ports";
import { summariseRun, type FlowReport } from "./run-report";
import { toPlainWords } from "./xero-messages";

export interface PushCreditNotesDependencies extends FlowDependencies {
  xero: XeroPort;
}

interface Candidate {
  id: string;
  name: string;
  /** The row's version in time: "Retry Xero sync" touches the row, so a retry gets a fresh Idempotency-Key. */
  attempt: number;
  row: Plain;
  xeroInvoiceId?: string;
  /** Already created in Xero by an earlier run whose allocation failed. */
  xeroCreditNoteId?: string;
}

export class PushCreditNotesFlow {
  private readonly retrying: Retrying;

  constructor(
    private readonly deps: PushCreditNotesDependencies,
    private readonly options: { pageSize?: number } = {},
  ) {
    this.retrying = createRetrying(deps);
  }

  async run(scope: RunScope): Promise<FlowReport> {
    const { store, clock, journal, xero } = this.deps;
    const rows = await store.selectCreditNotesToPush(scope, this.options.pageSize ?? 200);
    const outcomes: RecordOutcome[] = [];
    const logs: SyncLogEntry[] = [];
    const fail = (candidate: Candidate, error: SyncError, xeroId?: string): void => {
      const message = toRecordMessage(error);
      outcomes.push(
        error.retryable
          ? { kind: "retrying", table: "mag_creditnote", id: candidate.id, name: candidate.name, message }
          : {
              kind: "failed",
              table: "mag_creditnote",
              id: candidate.id,
              name: candidate.name,
              errorKind: error.kind,
              message,
              ...(xeroId === undefined ? {} : { xeroId }),
            },
      );
      logs.push({
        flow: scope.flow,
        table: "mag_creditnote",
        recordId: candidate.id,
        recordName: candidate.name,
        errorKind: error.kind,
        errorText: error.message,
        occurredOn: new Date(clock.now()),
        correlationId: scope.correlationId,
      });
    };

    try {
      const candidates = rows.map(toCandidate);
      const invoiceIds = [
        ...new Set(
          candidates.flatMap((candidate) => (candidate.xeroInvoiceId === undefined ? [] : [candidate.xeroInvoiceId])),
        ),
      ];
      const invoices = new Map<string, XeroInvoice>();
      for (const ids of chunk(invoiceIds, xeroBatchSize)) {
        for (const invoice of await this.retrying(() => xero.findInvoices({ ids })))
          if (invoice.InvoiceID !== undefined) invoices.set(invoice.InvoiceID.toLowerCase(), invoice);
      }

      const toCreate: { candidate: Candidate; request: XeroCreditNoteRequest }[] = [];
      const toAllocate: { candidate: Candidate; creditNoteId: string }[] = [];
      for (const candidate of candidates) {
        if (candidate.xeroCreditNoteId !== undefined) {
          toAllocate.push({ candidate, creditNoteId: candidate.xeroCreditNoteId });
          continue;
        }
        const invoice =
          candidate.xeroInvoiceId === undefined ? undefined : invoices.get(candidate.xeroInvoiceId.toLowerCase());
        if (invoice?.Contact?.ContactID === undefined) {
          fail(
            candidate,
            new SyncError("The credit note's invoice is not in Xero yet; sync the invoice first.", {
              kind: "validation",
              origin: "user",
            }),
          );
          continue;
        }
        try {
          const creditNote = toCreditNote(candidate.row, {
            xeroContactId: invoice.Contact.ContactID,
            lineAmountTypes: invoice.LineAmountTypes ?? "Exclusive",
            lines: fromXeroLineItems(invoice),
            ...(invoice.CurrencyCode === undefined ? {} : { currencyCode: invoice.CurrencyCode }),
          });
          toCreate.push({ candidate, request: toXeroCreditNoteRequest(creditNote) });
        } catch (thrown) {
          fail(candidate, toSyncError(thrown));
        }
      }

      const inFlight = await journal.inFlight(
        scope.connectionId,
        toCreate.map(({ candidate }) => candidate.id),
      );
      for (const batch of chunk(toCreate, xeroBatchSize)) {
        await journal.begin(
          scope.connectionId,
          batch.map(({ candidate }) => candidate.id),
        );
        let remaining = batch;
        // Reconcile by credit note number before creating what an earlier attempt may have created.
        if (batch.some(({ candidate }) => inFlight.has(candidate.id))) {
          const numbers = batch.flatMap(({ request }) =>
            request.CreditNoteNumber === undefined ? [] : [request.CreditNoteNumber],
          );
          const found = await this.retrying(() => xero.findCreditNotes(numbers));
          const byNumber = new Map(
            found.flatMap((note) =>
              note.CreditNoteNumber === undefined || note.CreditNoteID === undefined
                ? []
                : [[note.CreditNoteNumber.toLowerCase(), note.CreditNoteID] as const],
            ),
          );
          remaining = batch.filter(({ candidate, request }) => {
            const id =
              request.CreditNoteNumber === undefined ? undefined : byNumber.get(request.CreditNoteNumber.toLowerCase());
            if (id !== undefined) toAllocate.push({ candidate, creditNoteId: id });
            return id === undefined;
          });
        }
        if (remaining.length === 0) continue;
        const key = toIdempotencyKey(
          "creditnotes",
          remaining.map(({ candidate }) => ({ id: candidate.id, attempt: candidate.attempt })),
          remaining.map(({ request }) => request),
        );
        try {
          const answers = await this.retrying(() =>
            xero.createCreditNotes(
              remaining.map(({ request }) => request),
              key,
            ),
          );
          remaining.forEach(({ candidate, request }, index) => {
            const answer = answers[index];
            const id = answer?.value?.CreditNoteID;
            if (answer?.ok === true && id !== undefined) toAllocate.push({ candidate, creditNoteId: id });
            else
              fail(
                candidate,
                new SyncError(
                  toPlainWords(
                    answer?.ok === false ? answer.errors : ["Xero did not create the credit note"],
                    request.LineItems,
                  ),
                  { kind: "validation", origin: "user" },
                ),
              );
          });
        } catch (thrown) {
          const error = toSyncError(thrown, "xero");
          if (error.kind === "auth") throw error;
          // Retryable failures stay journalled: the next run reconciles by credit note number first.
          for (const { candidate } of remaining) fail(candidate, error);
        }
      }

      for (const { candidate, creditNoteId } of toAllocate) {
        try {
          const allocation = toXeroAllocationRequest(toAllocation(candidate.row, candidate.xeroInvoiceId));
          await this.retrying(() =>
            xero.allocateCreditNote(
              creditNoteId,
              allocation,
              toIdempotencyKey("allocation", [{ id: candidate.id, attempt: candidate.attempt }], allocation),
            ),
          );
          outcomes.push({ kind: "synced", table: "mag_creditnote", id: candidate.id, xeroId: creditNoteId });
        } catch (thrown) {
          const error = toSyncError(thrown, "xero");
          if (error.kind === "auth") throw error;
          const words =
            error.details.validationErrors === undefined
              ? error
              : new SyncError(
                  `The credit note was created in Xero but not allocated: ${toPlainWords(error.details.validationErrors)}`,
                  { kind: "validation", origin: "user" },
                );
          fail(candidate, words, creditNoteId);
        }
      }
    } catch (thrown) {
      const error = toSyncError(thrown, "xero");
      if (error.kind !== "auth") throw error;
      await store.commit({
        scope,
        records: outcomes,
        customers: [],
        logs,
        run: { ...summariseRun(scope.flow, 0, 0, clock), result: "Failed", message: error.message },
        connector: { lastSynchedOn: new Date(clock.now()), disconnected: { reason: error.message } },
      });
      return {
        result: { ...summariseRun(scope.flow, 0, 0, clock), result: "Failed", message: error.message },
        followUps: [],
      };
    }

    const synced = outcomes.filter((outcome) => outcome.kind === "synced").length;
    const failed = outcomes.filter((outcome) => outcome.kind === "failed").length;
    const run = summariseRun(scope.flow, synced, failed, clock);
    const committed = await store.commit({
      scope,
      records: outcomes,
      customers: [],
      logs,
      run,
      connector: { lastSynchedOn: new Date(clock.now()) },
    });
    const unwritten = new Set(committed.failedRecordIds);
    await journal.end(
      scope.connectionId,
      outcomes
        .filter((outcome) => outcome.kind !== "retrying" && !unwritten.has(outcome.id))
        .map((outcome) => outcome.id),
    );
    return { result: run, followUps: [] };
  }
}

function toCandidate(row: Plain): Candidate {
  const id = String(row["mag_creditnoteid"]);
  const xeroInvoiceId = getPath(row, "mag_invoiceid/mag_xeroid");
  const xeroCreditNoteId = row["mag_xeroid"];
  const number = row["mag_creditnotenumber"];
  const modifiedOn = Date.parse(String(row["modifiedon"]));
  return {
    id,
    name: typeof number === "string" ? number : id,
    attempt: Number.isNaN(modifiedOn) ? 0 : modifiedOn,
    row,
    ...(typeof xeroInvoiceId === "string" && xeroInvoiceId !== "" ? { xeroInvoiceId } : {}),
    ...(typeof xeroCreditNoteId === "string" && xeroCreditNoteId !== "" ? { xeroCreditNoteId } : {}),
  };
}
