// Command bar actions and their enable rule. Registered as XeroConnector.Commands.*; the ribbon passes the CRM
// parameters named in each signature.
// https://learn.microsoft.com/power-apps/developer/model-driven-apps/pass-data-page-parameter-ribbon-actions
import { invoice, mag_xeroconnector, mag_xerosyncstatus } from "../generated/dataverse";
import { noticeIds as invoiceNoticeIds } from "../invoice-form/rules";
import { describeError } from "../shared/errors";
import { readBoolean, readDate, readNumber, readRecordId, showNotice } from "../shared/form";
import { inGuids, toGuid, toQueryOptions } from "../shared/odata";
import type { ClientPorts } from "../shared/ports";
import type { RetryOutcome, SelectedInvoice } from "./rules";
import { evaluateSyncNow, judgeRetry, planRetries, toRetrySummary } from "./rules";

const invoiceCol = invoice.columns;
const connectorCol = mag_xeroconnector.columns;

/** Ids per read of a selection: keeps each GET's URL well under the Web API's limit. */
const readChunk = 50;
/** Updates in flight at once: enough to be quick, few enough to stay far from service protection limits. */
const updateConcurrency = 4;

export const syncNowNoticeId = "mag_xero_syncnow";

export interface CommandHandlers {
  retryInvoiceSync(primaryControl: Xrm.FormContext): Promise<void>;
  retryInvoicesSync(selectedIds: string[], selectedControl: Xrm.Controls.GridControl): Promise<void>;
  syncConnectorNow(primaryControl: Xrm.FormContext): Promise<void>;
  canRetry(primaryControl: Xrm.FormContext): boolean | Promise<boolean>;
}

/** What *Retry Xero sync* writes: back to Pending, the old error gone. */
function toRetryUpdate(): Record<string, unknown> {
  return { [invoiceCol.mag_xerosyncstatus]: mag_xerosyncstatus.Pending, [invoiceCol.mag_xerosyncerror]: null };
}

export function createCommandHandlers(getPorts: () => ClientPorts): CommandHandlers {
  /**
   * Form command: set the invoice back to pending and save. The service takes it on its next run (at once with the
   * real-time add-on, whose webhook fires on this update).
   */
  async function retryInvoiceSync(form: Xrm.FormContext): Promise<void> {
    const ports = getPorts();
    const status = form.getAttribute(invoiceCol.mag_xerosyncstatus);
    const error = form.getAttribute(invoiceCol.mag_xerosyncerror);
    if (status === null) {
      await ports.navigation.openAlertDialog({ title: "Retry Xero sync", text: "This form does not show the Xero sync status." });
      return;
    }
    const before = { status: status.getValue() as number | null, error: error?.getValue() as string | null | undefined };
    setForSave(status, mag_xerosyncstatus.Pending);
    if (error !== null) setForSave(error, null);
    try {
      await form.data.save();
      showNotice(form, {
        id: invoiceNoticeIds.syncStatus,
        level: "INFO",
        message: "Queued for another Xero sync. The connector takes it on its next run; this banner updates when it has.",
      });
    } catch (saveError) {
      status.setValue(before.status);
      if (error !== null && before.error !== undefined) error.setValue(before.error);
      await ports.navigation.openAlertDialog({
        title: "Retry Xero sync",
        text: `The invoice could not be saved, so it was not queued: ${describeError(saveError)}`,
      });
    }
  }

  /** Grid command: the same for every selected invoice that qualifies, then a summary of what happened. */
  async function retryInvoicesSync(selectedIds: string[], grid: Xrm.Controls.GridControl): Promise<void> {
    const ports = getPorts();
    const ids = selectedIds.map((id) => toGuid(id)).filter((id): id is string => id !== undefined);
    if (ids.length === 0) {
      await ports.navigation.openAlertDialog({ title: "Retry Xero sync", text: "Select the invoices to retry first." });
      return;
    }
    ports.showProgress(`Queuing ${String(ids.length)} invoice${ids.length === 1 ? "" : "s"} for Xero…`);
    let summary: { title: string; text: string };
    try {
      const plan = planRetries(ids, await readSelection(ports, ids), ports.now());
      const outcome = await updateAll(ports, plan.retry);
      summary = toRetrySummary(plan, outcome);
    } catch (error) {
      summary = { title: "Retry Xero sync", text: `The selected invoices could not be read: ${describeError(error)}` };
    } finally {
      ports.closeProgress();
    }
    grid.refresh();
    await ports.navigation.openAlertDialog(summary);
  }

  /** Connector command: stamp *Sync requested on* so the service runs the connector's enabled flows now. */
  async function syncConnectorNow(form: Xrm.FormContext): Promise<void> {
    const ports = getPorts();
    const id = readRecordId(form);
    const verdict = evaluateSyncNow({
      isSaved: id !== undefined,
      enabled: readBoolean(form, connectorCol.mag_enabled),
      status: readNumber(form, connectorCol.mag_xerostatus),
    });
    if (!verdict.allowed || id === undefined) {
      await ports.navigation.openAlertDialog({ title: "Sync now", text: verdict.allowed ? "Save the connector first." : verdict.message });
      return;
    }
    const requestedOn = ports.now();
    try {
      const attribute = form.getAttribute(connectorCol.mag_syncrequestedon);
      if (attribute !== null) {
        setForSave(attribute, requestedOn);
        await form.data.save();
      } else {
        // The column is not on this form: save the user's edits, then stamp the record directly.
        if (form.data.entity.getIsDirty()) await form.data.save();
        await ports.webApi.updateRecord(mag_xeroconnector.logicalName, id, {
          [connectorCol.mag_syncrequestedon]: requestedOn.toISOString(),
        });
      }
      showNotice(form, {
        id: syncNowNoticeId,
        level: "INFO",
        message: `Sync requested at ${ports.formatDateTime(requestedOn)}. The connector runs its enabled data flows shortly; Last Synched On changes when it has.`,
      });
    } catch (error) {
      await ports.navigation.openAlertDialog({ title: "Sync now", text: `The sync could not be requested: ${describeError(error)}` });
    }
  }

  /**
   * Enable rule for *Retry Xero sync* on the form. Synchronous from the form's values; only when the invoice is
   * pending and the form does not show *Modified On* does it ask the Web API (enable rules may return a promise:
   * https://learn.microsoft.com/power-apps/developer/model-driven-apps/define-ribbon-enable-rules#custom-rule).
   */
  function canRetry(form: Xrm.FormContext): boolean | Promise<boolean> {
    const id = readRecordId(form);
    if (id === undefined) return false;
    const facts = {
      addToXero: readBoolean(form, invoiceCol.mag_addtoxero),
      syncStatus: readNumber(form, invoiceCol.mag_xerosyncstatus),
      modifiedOn: readDate(form, invoiceCol.modifiedon),
    };
    const now = getPorts().now();
    const verdict = judgeRetry(facts, now);
    if (verdict.retry || verdict.reason !== "waiting" || facts.modifiedOn !== null || form.getAttribute(invoiceCol.modifiedon) !== null) {
      return verdict.retry;
    }
    return readModifiedOn(getPorts(), id).then(
      (modifiedOn) => judgeRetry({ ...facts, modifiedOn }, now).retry,
      () => false,
    );
  }

  return { retryInvoiceSync, retryInvoicesSync, syncConnectorNow, canRetry };
}

/** Sets a value that must reach the server even if the column's control is read-only. */
function setForSave(attribute: Xrm.Attributes.Attribute, value: unknown): void {
  (attribute as Xrm.Attributes.Attribute & { setValue(value: unknown): void }).setValue(value);
  attribute.setSubmitMode("always");
}

async function readModifiedOn(ports: ClientPorts, id: string): Promise<Date | null> {
  const row = await ports.webApi.retrieveRecord<Record<string, unknown>>(
    invoice.logicalName,
    id,
    toQueryOptions({ select: [invoiceCol.modifiedon] }),
  );
  return toDate(row[invoiceCol.modifiedon]);
}

async function readSelection(ports: ClientPorts, ids: readonly string[]): Promise<SelectedInvoice[]> {
  const rows: SelectedInvoice[] = [];
  for (let start = 0; start < ids.length; start += readChunk) {
    const chunk = ids.slice(start, start + readChunk);
    const result = await ports.webApi.retrieveMultipleRecords(
      invoice.logicalName,
      toQueryOptions({
        select: [invoice.primaryIdAttribute, invoiceCol.name, invoiceCol.mag_addtoxero, invoiceCol.mag_xerosyncstatus, invoiceCol.modifiedon],
        filter: inGuids(invoice.primaryIdAttribute, chunk),
      }),
    );
    for (const row of result.entities as Record<string, unknown>[]) rows.push(toSelectedInvoice(row));
  }
  return rows;
}

export function toSelectedInvoice(row: Record<string, unknown>): SelectedInvoice {
  const name = row[invoiceCol.name];
  const status = row[invoiceCol.mag_xerosyncstatus];
  const addToXero = row[invoiceCol.mag_addtoxero];
  return {
    id: toGuid(String(row[invoice.primaryIdAttribute])) ?? "",
    name: typeof name === "string" && name !== "" ? name : "(no name)",
    addToXero: typeof addToXero === "boolean" ? addToXero : null,
    syncStatus: typeof status === "number" ? status : null,
    modifiedOn: toDate(row[invoiceCol.modifiedon]),
  };
}

/** Updates each invoice, a few at a time; one failure never stops the others. Failures are listed in selection order. */
async function updateAll(ports: ClientPorts, invoices: readonly SelectedInvoice[]): Promise<RetryOutcome> {
  const failures: { index: number; name: string; error: string }[] = [];
  let queued = 0;
  let next = 0;
  async function worker(): Promise<void> {
    while (next < invoices.length) {
      const index = next;
      next += 1;
      const current = invoices[index];
      if (current === undefined) return;
      try {
        await ports.webApi.updateRecord(invoice.logicalName, current.id, toRetryUpdate());
        queued += 1;
      } catch (error) {
        failures.push({ index, name: current.name, error: describeError(error) });
      }
    }
  }
  await Promise.all(Array.from({ length: Math.min(updateConcurrency, invoices.length) }, worker));
  failures.sort((a, b) => a.index - b.index);
  return { queued, failed: failures.map(({ name, error }) => ({ name, error })) };
}

function toDate(value: unknown): Date | null {
  if (typeof value !== "string") return null;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? null : date;
}
