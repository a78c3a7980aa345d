// Targeted runs of the pull flows: only the Xero records a webhook named, written by the very same flow as the timed
// run (`../flows/pull-*.ts`). The flow is handed a view of Xero in which "what changed since the cursor" is "these
// records" (answered once: one page), and a cursor of its own, so the timed run's cursor never moves for a targeted
// read. Payments are named by their invoice (Xero reports a payment as an update of the invoice), credit notes by
// their own id; contacts run whole.
// Payments of an invoice: https://developer.xero.com/documentation/api/accounting/payments (where Invoice.InvoiceID)
// Credit notes by id: https://developer.xero.com/documentation/api/accounting/creditnotes
import type { XeroPort } from "../adapters/xero/port";
import type { IncrementalQuery, XeroPullPort } from "../adapters/xero/pull-port";
import type { ConnectionContext } from "../composition";
import { DataversePullStore } from "../engine/dataverse-pull-store";
import { createMemoryCursorStore } from "../flows/incremental-read";
import type { FlowName, RunScope } from "../flows/ports";
import type { PullDependencies } from "../flows/pull-common";
import { PullCreditNotesFlow } from "../flows/pull-credit-notes";
import { PullPaymentsFlow } from "../flows/pull-payments";
import type { FlowReport } from "../flows/run-report";

export type TargetedRun = (scope: RunScope, xeroIds: readonly string[]) => Promise<FlowReport>;

type PullXero = XeroPort & XeroPullPort;
type IncrementalRead = "getReceivablePayments" | "getReceivableCreditNotes" | "getContactsModified";

const isPullPort = (xero: XeroPort): xero is PullXero =>
  typeof (xero as Partial<XeroPullPort>).getPaymentsOfInvoices === "function";

/** The Xero port with one incremental read replaced by `named()` the first time (reads by id pass through). */
export function toTargetedView<M extends IncrementalRead>(
  xero: PullXero,
  method: M,
  named: () => ReturnType<PullXero[M]>,
): PullXero {
  let answered = false;
  const read = (query: IncrementalQuery): ReturnType<PullXero[M]> => {
    if (query.ids !== undefined)
      return (xero[method] as (query: IncrementalQuery) => ReturnType<PullXero[M]>).call(xero, query);
    if (answered) return Promise.resolve([]) as ReturnType<PullXero[M]>;
    // Answered only once it succeeded: a failed read is retried and must ask Xero again.
    return named().then((records) => {
      answered = true;
      return records;
    }) as ReturnType<PullXero[M]>;
  };
  return new Proxy(xero, {
    get(target, property) {
      if (property === method) return read;
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === "function" ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}

/** Targeted runs by flow for one connection; a flow without one runs whole (its incremental read finds the change). */
export function targetedRunsFor(context: ConnectionContext): Partial<Record<FlowName, TargetedRun>> {
  const xero = context.xero;
  if (!isPullPort(xero)) return {};
  const pull = new DataversePullStore(context.dataverse);
  const deps = (view: PullXero): PullDependencies => ({
    ...context.flowDependencies,
    xero: view,
    pull,
    cursors: createMemoryCursorStore(),
  });
  return {
    PaymentsFromXero: (scope, invoiceIds) =>
      new PullPaymentsFlow(
        deps(toTargetedView(xero, "getReceivablePayments", () => xero.getPaymentsOfInvoices(invoiceIds))),
      ).run(scope),
    CreditNotesFromXero: (scope, ids) =>
      new PullCreditNotesFlow(
        deps(toTargetedView(xero, "getReceivableCreditNotes", () => xero.getReceivableCreditNotes({ ids }))),
      ).run(scope),
  };
}
