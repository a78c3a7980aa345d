// The pull flows (Xero → Dynamics 365) of one connection, built over its Dataverse client, its Xero adapter and the
// shared cursor store; the composition root adds them to the connection's flow registry beside the push flows.
import type { DataversePort } from "../adapters/dataverse/port";
import type { XeroPort } from "../adapters/xero/port";
import type { XeroPullPort } from "../adapters/xero/pull-port";
import type { PullCursorStore } from "../flows/incremental-read";
import type { FlowDependencies, FlowName } from "../flows/ports";
import { PullContactsFlow } from "../flows/pull-contacts";
import { PullCreditNotesFlow } from "../flows/pull-credit-notes";
import { PullInvoicesFlow } from "../flows/pull-invoices";
import { PullPaymentsFlow } from "../flows/pull-payments";
import { DataversePullStore } from "./dataverse-pull-store";
import type { FlowRun } from "./worker";

export interface PullFlowsContext {
  flowDependencies: FlowDependencies;
  dataverse: DataversePort;
  xero: XeroPort & XeroPullPort;
  cursors: PullCursorStore;
  remainingCalls?: () => Promise<number | undefined>;
}

export function createPullFlows(context: PullFlowsContext): Partial<Record<FlowName, FlowRun>> {
  const deps = {
    ...context.flowDependencies,
    xero: context.xero,
    pull: new DataversePullStore(context.dataverse),
    cursors: context.cursors,
    ...(context.remainingCalls === undefined ? {} : { remainingCalls: context.remainingCalls }),
  };
  return {
    PaymentsFromXero: new PullPaymentsFlow(deps),
    CreditNotesFromXero: new PullCreditNotesFlow(deps),
    InvoicesFromXero: new PullInvoicesFlow(deps),
    ContactsFromXero: new PullContactsFlow(deps),
  };
}
