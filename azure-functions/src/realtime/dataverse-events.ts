// What a Dataverse webhook asks of the service: an invoice or credit note whose *Add to Xero* is on is pushed now
// (through the same flow as the timed run, for that one record); everything else is acknowledged and ignored. The
// worker's selection query re-reads the row anyway (the selection criteria decide), so this only filters out events
// that certainly need no work — above all the service's own write-backs, which fire the same Update step.
// Asynchronous Update steps carry only the changed columns in Target; registered post images carry the rest:
// https://learn.microsoft.com/power-apps/developer/data-platform/use-webhooks#request-body
import type { FlowName } from "../adapters/queue/work-queue";
import { invoice, invoice_statecode, mag_creditnote, mag_xerosyncstatus } from "../generated/dataverse";
import { knownColumns, type RemoteExecutionContext } from "./remote-execution-context";

/** The tables the real-time add-on watches and the push flow each one feeds. */
export const watchedTables = {
  [invoice.logicalName]: "InvoicesToXero",
  [mag_creditnote.logicalName]: "CreditNotesToXero",
} as const satisfies Record<string, FlowName>;

export type DataverseWork = { kind: "push"; flow: FlowName; recordId: string } | { kind: "ignore"; reason: string };

/** Sync results the service writes back; an event carrying only these (and system columns) is our own echo. */
const writeBackColumns = new Set<string>([
  invoice.columns.mag_xerosyncstatus,
  invoice.columns.mag_xerosyncerror,
  invoice.columns.mag_synchedwithxero,
  invoice.columns.mag_xeroid,
  invoice.columns.mag_xeropaynowlink,
  invoice.columns.mag_xerolastsyncedon,
  invoice.columns.mag_xeropushattempt,
  invoice.columns.mag_emailsentfromxero,
]);
const systemColumns = new Set([
  "modifiedon",
  "modifiedby",
  "modifiedonbehalfby",
  "versionnumber",
  invoice.columns.invoiceid,
  mag_creditnote.columns.mag_creditnoteid,
]);

/**
 * The work one context asks for. `sizeExceeded`: Dataverse dropped the Target and images (over 256 KB), so nothing
 * is known about the row and the worker's re-read decides.
 */
export function toDataverseWork(context: RemoteExecutionContext, sizeExceeded = false): DataverseWork {
  const flow = (watchedTables as Record<string, FlowName | undefined>)[context.primaryEntityName];
  if (flow === undefined)
    return { kind: "ignore", reason: `the ${context.primaryEntityName} table is not synced in real time` };
  if (context.messageName !== "Update" && context.messageName !== "Create")
    return { kind: "ignore", reason: `${context.messageName} needs no push` };
  const push: DataverseWork = { kind: "push", flow, recordId: context.primaryEntityId };
  if (sizeExceeded) return push;

  const columns = knownColumns(context);
  if (columns[invoice.columns.mag_addtoxero] === false) return { kind: "ignore", reason: "Add to Xero is off" };
  if (columns[invoice.columns.mag_synchedwithxero] === true)
    return { kind: "ignore", reason: "the record is already in Xero" };
  const state = columns["statecode"];
  if (typeof state === "number" && state !== invoice_statecode.Active)
    return { kind: "ignore", reason: "the record is not active" };
  const status = columns[invoice.columns.mag_xerosyncstatus];
  if (status === mag_xerosyncstatus.Failed)
    return { kind: "ignore", reason: "the last push failed; it waits for Retry Xero sync" };

  const changed = Object.keys(context.target?.attributes ?? {}).filter((name) => !systemColumns.has(name));
  // Retry Xero sync sets Pending: that is a request, not an echo.
  const echo =
    changed.length > 0 && changed.every((name) => writeBackColumns.has(name)) && status !== mag_xerosyncstatus.Pending;
  if (context.messageName === "Update" && echo) return { kind: "ignore", reason: "the service's own write-back" };
  return push;
}
