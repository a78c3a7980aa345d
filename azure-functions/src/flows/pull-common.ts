// What the pull flows share: their dependencies, the run wrapper (the run's result, auth failures disconnecting the
// connector — exactly as the push flows commit them, through the engine's store), the invoice-state rule (Paid /
// Canceled / reopened) and small builders for `$batch` operations.
import type { BatchOperation } from "../adapters/dataverse/batch";
import type { BatchResult } from "../adapters/dataverse/port";
import { toGuidLiteral, toKeySegment } from "../adapters/dataverse/odata";
import type { XeroPort } from "../adapters/xero/port";
import type { XeroPullPort } from "../adapters/xero/pull-port";
import type { XeroPulledInvoice } from "../adapters/xero/pull-schemas";
import { SyncError, toSyncError, type SyncErrorKind } from "../core/errors";
import { xeroTimestamp } from "../mapping/codecs-from-xero";
import { invoice, invoice_statecode, invoice_statuscode } from "../generated/dataverse";
import { createRetrying, type Retrying } from "./batching";
import {
  readIncrementally,
  type IncrementalReadOptions,
  type PageContext,
  type IncrementalReadResult,
  type IncrementalSource,
  type PageResult,
  type PullCursorStore,
} from "./incremental-read";
import type { FlowDependencies, RunScope, SyncLogEntry } from "./ports";
import type { InvoiceRef, PullStore } from "./pull-store";
import { summariseRun, type FlowReport } from "./run-report";

export interface PullDependencies extends FlowDependencies {
  xero: XeroPort & XeroPullPort;
  pull: PullStore;
  cursors: PullCursorStore;
  /** Calls left today for the organisation, shown on the connector. */
  remainingCalls?: () => Promise<number | undefined>;
}

export type PullOptions = IncrementalReadOptions;

/** A failure to put on the sync log; `retry` keeps the Xero record for the next run. */
export interface PullFailure {
  table: string;
  xeroId: string;
  name: string;
  error: SyncError;
}

/**
 * Runs one pull: the incremental read with the flow's page handler, then the run's result on the data-flow row, the
 * failures on the sync log and the connector's Last Synched On, in one $batch (the push flows' commit). An auth
 * failure disconnects the connector and stops; anything else retryable is rethrown for the queue to retry.
 */
export async function runPull<R>(
  deps: PullDependencies,
  scope: RunScope,
  source: IncrementalSource<R>,
  handle: (records: R[], fail: (failure: PullFailure) => void, page: PageContext) => Promise<PageResult>,
  options: PullOptions = {},
): Promise<FlowReport> {
  const { store, clock } = deps;
  const retrying = createRetrying(deps);
  const logs: SyncLogEntry[] = [];
  const fail = (failure: PullFailure): void => {
    logs.push({
      flow: scope.flow,
      table: failure.table,
      recordId: failure.xeroId,
      recordName: failure.name,
      errorKind: failure.error.kind,
      errorText: failure.error.message,
      occurredOn: new Date(clock.now()),
      correlationId: scope.correlationId,
    });
  };
  let read: IncrementalReadResult;
  try {
    read = await readIncrementally(
      { cursors: deps.cursors, clock, retrying, logger: deps.logger },
      scope,
      source,
      (records, page) => handle(records, fail, page),
      options,
    );
  } catch (thrown) {
    const error = toSyncError(thrown, "xero");
    if (error.kind !== "auth") throw error;
    const run = { ...summariseRun(scope.flow, 0, 0, clock), result: "Failed" as const, message: error.message };
    await store.commit({
      scope,
      records: [],
      customers: [],
      logs,
      run,
      connector: { lastSynchedOn: new Date(clock.now()), disconnected: { reason: error.message } },
    });
    return { result: run, followUps: [] };
  }
  const run = summariseRun(scope.flow, read.synced, read.failed, clock);
  const remaining = read.reads > 0 ? await deps.remainingCalls?.() : undefined;
  await store.commit({
    scope,
    records: [],
    customers: [],
    logs,
    run,
    connector: {
      lastSynchedOn: new Date(clock.now()),
      ...(remaining === undefined ? {} : { callsRemainingToday: remaining }),
    },
  });
  return { result: run, followUps: [] };
}

/** Xero's UpdatedDateUTC as an ISO instant; undefined when absent or unreadable (the cursor then stays put). */
export function updatedAtOf(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  try {
    return xeroTimestamp.decode(value);
  } catch {
    return undefined;
  }
}

/** The retrying wrapper the flows use around their own Xero look-ups. */
export function retryingFor(deps: PullDependencies): Retrying {
  return createRetrying(deps);
}

export type InvoiceState = { statecode: number; statuscode: number };

const paid: InvoiceState = { statecode: invoice_statecode.Paid, statuscode: invoice_statuscode.Complete };
const canceled: InvoiceState = { statecode: invoice_statecode.Canceled, statuscode: invoice_statuscode.Canceled };
const reopened: InvoiceState = { statecode: invoice_statecode.Active, statuscode: invoice_statuscode.New };

/**
 * The state a Dynamics 365 invoice should be in, given its Xero invoice; undefined when it is already right.
 * Reference docs: Payments — "Set to Paid if no amount due"; Credit Notes — "Set to Paid if no amount due, and the
 * invoice has 1 or more payment. Or set to Cancelled if no amount due, and the invoice has no payments." A deleted
 * payment gives the amount back as due: a closed invoice is reopened. PRODUCT.md: Paid = 2 / 100001, Canceled =
 * 3 / 100003, closing is a PATCH of statecode + statuscode.
 */
export function decideInvoiceState(
  xero: Pick<XeroPulledInvoice, "Status" | "AmountDue" | "AmountPaid" | "Payments">,
  currentStatecode: number,
): InvoiceState | undefined {
  if (xero.Status !== "AUTHORISED" && xero.Status !== "PAID") return undefined;
  const due = xero.AmountDue ?? (xero.Status === "PAID" ? 0 : undefined);
  if (due === undefined) return undefined;
  const closed = currentStatecode === invoice_statecode.Paid || currentStatecode === invoice_statecode.Canceled;
  if (due > 0) return closed ? reopened : undefined;
  const hadPayment = (xero.AmountPaid ?? 0) > 0 || (xero.Payments ?? []).length > 0;
  const target = hadPayment ? paid : canceled;
  return currentStatecode === target.statecode ? undefined : target;
}

/** PATCH of statecode + statuscode (closing or reopening an invoice). */
export function toInvoiceStateOperation(invoiceId: string, state: InvoiceState): BatchOperation {
  return {
    method: "PATCH",
    path: `${invoice.entitySetName}${toKeySegment(invoiceId)}`,
    headers: { "If-Match": "*" },
    body: { [invoice.columns.statecode]: state.statecode, [invoice.columns.statuscode]: state.statuscode },
  };
}

/** Reads the affected invoices back from Xero (what is due, whether paid) and plans their state changes. */
export async function planInvoiceStates(
  deps: PullDependencies,
  retrying: Retrying,
  invoices: readonly InvoiceRef[],
): Promise<Array<{ ref: InvoiceRef; state: InvoiceState }>> {
  const plans: Array<{ ref: InvoiceRef; state: InvoiceState }> = [];
  const byXeroId = new Map(invoices.map((ref) => [ref.xeroId, ref] as const));
  const ids = [...byXeroId.keys()];
  for (let index = 0; index < ids.length; index += 50) {
    const part = ids.slice(index, index + 50);
    const found = await retrying(() => deps.xero.getReceivableInvoices({ ids: part }));
    for (const xeroInvoice of found) {
      const ref = byXeroId.get(xeroInvoice.InvoiceID.toLowerCase());
      if (ref === undefined) continue;
      const state = decideInvoiceState(xeroInvoice, ref.statecode);
      if (state !== undefined) plans.push({ ref, state });
    }
  }
  return plans;
}

/** `<navigation>@odata.bind` to a row. */
export function toBind(navigation: string, entitySetName: string, id: string): Record<string, string> {
  return { [`${navigation}@odata.bind`]: `/${entitySetName}(${toGuidLiteral(id).text})` };
}

/** A failed `$batch` part as a SyncError (its normalised error when the client gave one). */
export function toWriteError(result: BatchResult | undefined): SyncError {
  if (result?.error !== undefined) return result.error;
  const status = result?.status ?? 0;
  const kind: SyncErrorKind =
    status === 429 || status >= 500 || status === 0
      ? "transient"
      : status === 409 || status === 412
        ? "conflict"
        : "validation";
  return new SyncError(`Dynamics 365 refused the write (${status})`, {
    kind,
    details: { source: "dataverse", status },
  });
}

export const isFailure = (result: BatchResult | undefined): boolean => result === undefined || result.status >= 300;

/** A user-facing validation failure (what is missing in Dynamics 365, in plain words). */
export function missing(message: string): SyncError {
  return new SyncError(message, { kind: "validation", origin: "user" });
}

export function toUserError(thrown: unknown, what: string): SyncError {
  if (thrown instanceof SyncError && thrown.origin === "user") return thrown;
  const error = toSyncError(thrown, "service");
  if (error.kind !== "validation") return error;
  return new SyncError(`${what} cannot be read: ${error.message.replace(/^invalid data: /, "")}`, {
    kind: "validation",
    origin: "user",
    details: error.details,
  });
}
