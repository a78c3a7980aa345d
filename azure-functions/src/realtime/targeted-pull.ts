// A targeted run of the payments pull: the payments of a few Xero invoices (those a webhook named), written by the
// very same flow as the timed run (`../flows/pull-payments.ts`: upsert on the Xero payment id, invoice closed when
// nothing is due). The flow is handed a view of Xero in which "what changed since the cursor" is "the payments of
// these invoices", and a cursor of its own, so the timed run's cursor never moves for a targeted read.
// Payments of an invoice: https://developer.xero.com/documentation/api/accounting/payments (where=Invoice.InvoiceID)
import type { XeroPort } from "../adapters/xero/port";
import type { IncrementalQuery, XeroPullPort } from "../adapters/xero/pull-port";
import { DataversePullStore } from "../engine/dataverse-pull-store";
import type { ConnectionContext } from "../composition";
import { createMemoryCursorStore } from "../flows/incremental-read";
import type { RunScope } from "../flows/ports";
import { PullPaymentsFlow } from "../flows/pull-payments";
import type { FlowReport } from "../flows/run-report";

export type TargetedRun = (scope: RunScope, xeroIds: readonly string[]) => Promise<FlowReport>;

const isPullPort = (xero: XeroPort): xero is XeroPort & XeroPullPort => typeof (xero as Partial<XeroPullPort>).getPaymentsOfInvoices === "function";

/** The Xero port with the payments read replaced by the payments of `invoiceIds` (answered once: one page). */
export function toTargetedPaymentsView(xero: XeroPort & XeroPullPort, invoiceIds: readonly string[]): XeroPort & XeroPullPort {
  let answered = false;
  const getReceivablePayments = async (query: IncrementalQuery): ReturnType<XeroPullPort["getReceivablePayments"]> => {
    // Reads by payment id (the flow's retries) go to Xero as they are.
    if (query.ids !== undefined) return xero.getReceivablePayments(query);
    if (answered) return [];
    answered = true;
    return xero.getPaymentsOfInvoices(invoiceIds);
  };
  return new Proxy(xero, {
    get(target, property, receiver) {
      if (property === "getReceivablePayments") return getReceivablePayments;
      const value: unknown = Reflect.get(target, property, receiver);
      return typeof value === "function" ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}

/** Targeted runs by flow for one connection; a flow without one runs whole (its incremental read picks the change up). */
export function targetedRunsFor(context: ConnectionContext): Partial<Record<"PaymentsFromXero", TargetedRun>> {
  const xero = context.xero;
  if (!isPullPort(xero)) return {};
  const pull = new DataversePullStore(context.dataverse);
  return {
    PaymentsFromXero: (scope, invoiceIds) =>
      new PullPaymentsFlow({ ...context.flowDependencies, xero: toTargetedPaymentsView(xero, invoiceIds), pull, cursors: createMemoryCursorStore() }).run(scope),
  };
}
