// Invoice form wiring: read the form, ask the rules, show the result. Registered as XeroConnector.InvoiceForm.*.
// Form events: https://learn.microsoft.com/power-apps/developer/model-driven-apps/clientapi/reference/events
import { invoice, mag_xerosyncstatus } from "../generated/dataverse";
import {
  lockColumns,
  readBoolean,
  readDate,
  readLookup,
  readNumber,
  readRecordId,
  readText,
  setColumnDisabled,
  showNotice,
  clearNotice,
} from "../shared/form";
import { describeError } from "../shared/errors";
import { toQueryOptions } from "../shared/odata";
import type { ClientPorts } from "../shared/ports";
import { loadConnectorFacts, loadLineFacts } from "./queries";
import type { AddToXeroDecision, ConnectorFacts } from "./rules";
import {
  evaluateAddToXero,
  evaluateSendEmail,
  isEmailNote,
  noticeIds,
  toAddToXeroNotice,
  toPayNowLink,
  toSyncNotification,
} from "./rules";

const col = invoice.columns;

/** The tab the solution's invoice form declares for Xero; if a customised form renames it, the tab holding *Add to Xero* is used. */
export const xeroTabName = "mag_xero";

/** Columns only the sync service writes: the form shows them read-only. */
export const serviceWrittenColumns = [
  col.mag_synchedwithxero,
  col.mag_xeroid,
  col.mag_xeropaynowlink,
  col.mag_xerosyncstatus,
  col.mag_xerosyncerror,
  col.mag_xerolastsyncedon,
  col.mag_emailsentfromxero,
] as const;

/** How long the "copied" confirmation stays up. */
const copiedNoticeMs = 5000;

/**
 * After a save leaves the invoice waiting for Xero, the form looks again after these delays, so the real-time
 * add-on's result (seconds) shows without a reload; the timed flow's (15 minutes) needs a reload anyway.
 */
export const followUpDelaysMs: readonly number[] = [3000, 10000, 30000];

export interface InvoiceFormHandlers {
  onLoad(context: Xrm.Events.EventContext): Promise<void>;
  onAddToXeroChange(context: Xrm.Events.EventContext): Promise<void>;
  onSendEmailFromXeroChange(context: Xrm.Events.EventContext): Promise<void>;
  /**
   * Returns a promise: the save waits (up to 10 s) for the Add to Xero check.
   * https://learn.microsoft.com/power-apps/developer/model-driven-apps/clientapi/reference/events/form-onsave
   */
  onSave(context: Xrm.Events.SaveEventContext): Promise<void>;
}

export function createInvoiceFormHandlers(getPorts: () => ClientPorts): InvoiceFormHandlers {
  /** The Add to Xero check under way, so onSave waits for the one onChange started instead of running another. */
  let addToXeroCheck: Promise<AddToXeroDecision | null> | null = null;
  const formsWithPostSave = new WeakSet<Xrm.Entity>();

  async function onLoad(context: Xrm.Events.EventContext): Promise<void> {
    const form = context.getFormContext();
    const ports = getPorts();
    showXeroTab(form);
    lockColumns(form, serviceWrittenColumns);
    // Once in Xero, later edits are not synced: turning Add to Xero off would only mislead.
    if (readBoolean(form, col.mag_synchedwithxero) === true) lockColumns(form, [col.mag_addtoxero]);
    renderStatus(form, ports);
    // OnLoad can run again for the same record (after a create's first save); register the post-save redraw once.
    if (!formsWithPostSave.has(form.data.entity)) {
      formsWithPostSave.add(form.data.entity);
      form.data.entity.addOnPostSave(() => {
        void renderAfterSave(form, getPorts());
      });
    }
    await renderSendEmail(form, ports);
  }

  async function onAddToXeroChange(context: Xrm.Events.EventContext): Promise<void> {
    const form = context.getFormContext();
    const ports = getPorts();
    clearNotice(form, noticeIds.addToXero);
    if (readBoolean(form, col.mag_addtoxero) === true) await checkAddToXero(form, ports);
    renderStatus(form, ports);
    await renderSendEmail(form, ports);
  }

  async function onSendEmailFromXeroChange(context: Xrm.Events.EventContext): Promise<void> {
    const form = context.getFormContext();
    const ports = getPorts();
    const decision = evaluateSendEmail(await readSendEmailFacts(form, ports));
    if (!decision.available && readBoolean(form, col.mag_sendemailfromxero) === true) {
      // The state changed since the form loaded (say, the invoice was un-synced): undo the choice and say why.
      form.getAttribute(col.mag_sendemailfromxero)?.setValue(false);
    }
    await renderSendEmail(form, ports);
  }

  async function onSave(context: Xrm.Events.SaveEventContext): Promise<void> {
    const form = context.getFormContext();
    const addToXero = form.getAttribute(col.mag_addtoxero);
    if (addToXero?.getValue() !== true || !addToXero.getIsDirty()) return;
    // A refused check sets the value back to No, so the save that follows stores No with the user's other edits.
    await checkAddToXero(form, getPorts());
  }

  /** Runs (or joins) the Add to Xero check; a refusal resets the value and shows why. */
  async function checkAddToXero(form: Xrm.FormContext, ports: ClientPorts): Promise<AddToXeroDecision | null> {
    addToXeroCheck ??= runAddToXeroCheck(form, ports).finally(() => {
      addToXeroCheck = null;
    });
    return addToXeroCheck;
  }

  return { onLoad, onAddToXeroChange, onSendEmailFromXeroChange, onSave };
}

async function runAddToXeroCheck(form: Xrm.FormContext, ports: ClientPorts): Promise<AddToXeroDecision | null> {
  const attribute = form.getAttribute(col.mag_addtoxero);
  const invoiceId = readRecordId(form);
  try {
    const [lines, connector] = await Promise.all([
      invoiceId === undefined
        ? Promise.resolve({ hasLines: false, linesWithoutAccountCode: [], linesWithoutTaxRate: [] })
        : loadLineFacts(ports.webApi, invoiceId),
      loadConnectorFacts(ports.webApi, readLookup(form, col.mag_xeroconnectorid)?.id ?? null),
    ]);
    const decision = evaluateAddToXero({ ...lines, hasCustomer: readLookup(form, col.customerid) !== null, connector });
    // The user may have set it back to No while we were asking: then there is nothing to refuse.
    if (attribute?.getValue() !== true) return decision;
    if (!decision.allowed) attribute.setValue(false);
    const notice = toAddToXeroNotice(decision);
    if (notice === null) clearNotice(form, noticeIds.addToXero);
    else showNotice(form, notice);
    return decision;
  } catch (error) {
    // Without the facts the form cannot judge; the service still validates, so keep the user's choice and say so.
    showNotice(form, {
      id: noticeIds.addToXero,
      level: "WARNING",
      message: `The invoice could not be checked before it goes to Xero (${describeError(error)}). If Xero rejects it, the reason will show here.`,
    });
    return null;
  }
}

async function renderAfterSave(form: Xrm.FormContext, ports: ClientPorts): Promise<void> {
  renderStatus(form, ports);
  if (isAwaitingXero(form)) scheduleFollowUp(form, ports, 0);
  await renderSendEmail(form, ports);
}

function isAwaitingXero(form: Xrm.FormContext): boolean {
  const status = readNumber(form, col.mag_xerosyncstatus);
  return readBoolean(form, col.mag_addtoxero) === true && (status === null || status === mag_xerosyncstatus.Pending);
}

function scheduleFollowUp(form: Xrm.FormContext, ports: ClientPorts, attempt: number): void {
  const delay = followUpDelaysMs[attempt];
  if (delay === undefined) return;
  ports.later(delay, () => void followUp(form, ports, attempt));
}

/**
 * Reads the invoice's sync status; once the service has moved it on, reloads the form's values (only when the user
 * has no unsaved edits, which a reload would throw away) and redraws. Otherwise looks again later.
 * https://learn.microsoft.com/power-apps/developer/model-driven-apps/clientapi/reference/formcontext-data/refresh
 */
async function followUp(form: Xrm.FormContext, ports: ClientPorts, attempt: number): Promise<void> {
  const id = readRecordId(form);
  if (id === undefined || !isAwaitingXero(form)) return;
  try {
    const row = await ports.webApi.retrieveRecord<Record<string, unknown>>(
      invoice.logicalName,
      id,
      toQueryOptions({ select: [col.mag_xerosyncstatus] }),
    );
    const status = row[col.mag_xerosyncstatus];
    if (typeof status !== "number" || status === mag_xerosyncstatus.Pending) {
      scheduleFollowUp(form, ports, attempt + 1);
      return;
    }
    if (form.data.entity.getIsDirty()) {
      showNotice(form, {
        id: noticeIds.syncStatus,
        level: "INFO",
        message: "The Xero sync has finished. Save your changes to see the result.",
      });
      return;
    }
    await form.data.refresh(false);
    if (readBoolean(form, col.mag_synchedwithxero) === true) lockColumns(form, [col.mag_addtoxero]);
    renderStatus(form, ports);
    await renderSendEmail(form, ports);
  } catch {
    // The banner already says the invoice is waiting; a failed look is not worth an error.
  }
}

function showXeroTab(form: Xrm.FormContext): void {
  const named = form.ui.tabs.get(xeroTabName) as Xrm.Controls.Tab | null | undefined;
  const holding = form.getControl<Xrm.Controls.StandardControl>(col.mag_addtoxero)?.getParent()?.getParent();
  (named ?? holding)?.setVisible(true);
}

/** The sync status banner and the pay-now link, both from values already on the form. */
function renderStatus(form: Xrm.FormContext, ports: ClientPorts): void {
  const notice = toSyncNotification(
    {
      addToXero: readBoolean(form, col.mag_addtoxero),
      syncStatus: readNumber(form, col.mag_xerosyncstatus),
      xeroId: readText(form, col.mag_xeroid),
      syncError: readText(form, col.mag_xerosyncerror),
      lastSyncedOn: readDate(form, col.mag_xerolastsyncedon),
    },
    ports.formatDateTime,
  );
  if (notice === null) clearNotice(form, noticeIds.syncStatus);
  else showNotice(form, notice);
  renderPayNowLink(form, ports);
}

/**
 * Offers to copy the pay-now link, as a recommendation on its field (its Apply button runs the copy). Opening needs no
 * script: the column is a URL field, which opens the link when selected, read-only or not. The message is kept under
 * the 50 characters the notification shows.
 * https://learn.microsoft.com/power-apps/developer/model-driven-apps/clientapi/reference/controls/addnotification
 */
function renderPayNowLink(form: Xrm.FormContext, ports: ClientPorts): void {
  const control = form.getControl<Xrm.Controls.StringControl>(col.mag_xeropaynowlink);
  if (control === null) return;
  control.clearNotification(noticeIds.payNowLink);
  const link = toPayNowLink(readText(form, col.mag_xeropaynowlink));
  if (link === null) return;
  control.addNotification({
    uniqueId: noticeIds.payNowLink,
    notificationLevel: "RECOMMENDATION",
    messages: ["Pay-now link ready for your customer"],
    actions: [
      { message: "Copy the link to send it to your customer (select the link to open it).", actions: [() => void copyPayNowLink(form, ports, link)] },
    ],
  });
}

export async function copyPayNowLink(form: Xrm.FormContext, ports: ClientPorts, link: string): Promise<void> {
  if (await ports.copyText(link)) {
    showNotice(form, { id: noticeIds.payNowCopied, level: "INFO", message: "Pay-now link copied." });
    ports.later(copiedNoticeMs, () => clearNotice(form, noticeIds.payNowCopied));
    return;
  }
  // The browser refused the clipboard (no focus, or a policy): show the link so the user can copy it by hand.
  await ports.navigation.openAlertDialog({ title: "Pay-now link", text: link, confirmButtonLabel: "Done" });
}

async function readSendEmailFacts(form: Xrm.FormContext, ports: ClientPorts) {
  const facts = {
    addToXero: readBoolean(form, col.mag_addtoxero),
    synchedWithXero: readBoolean(form, col.mag_synchedwithxero),
    xeroId: readText(form, col.mag_xeroid),
    sendEmailFromXero: readBoolean(form, col.mag_sendemailfromxero),
    emailSentFromXero: readBoolean(form, col.mag_emailsentfromxero),
    connectorAutoApproves: null as boolean | null,
    syncError: readText(form, col.mag_xerosyncerror),
  };
  // The connector only matters for the "drafts are not emailed" warning, so it is read only then (and not when the
  // service's note already says why the email waits).
  if (
    facts.sendEmailFromXero === true &&
    facts.synchedWithXero === true &&
    facts.emailSentFromXero !== true &&
    !isEmailNote(facts.syncError)
  ) {
    facts.connectorAutoApproves = (await loadConnectorQuietly(form, ports))?.autoApproveInvoices ?? null;
  }
  return facts;
}

async function loadConnectorQuietly(form: Xrm.FormContext, ports: ClientPorts): Promise<ConnectorFacts | null> {
  try {
    return await loadConnectorFacts(ports.webApi, readLookup(form, col.mag_xeroconnectorid)?.id ?? null);
  } catch {
    // A warning we cannot compute is not worth an error on the form.
    return null;
  }
}

async function renderSendEmail(form: Xrm.FormContext, ports: ClientPorts): Promise<void> {
  const decision = evaluateSendEmail(await readSendEmailFacts(form, ports));
  setColumnDisabled(form, col.mag_sendemailfromxero, !decision.available);
  if (decision.notice === null) clearNotice(form, noticeIds.sendEmail);
  else showNotice(form, decision.notice);
  if (decision.emailNote === null) clearNotice(form, noticeIds.emailNote);
  else showNotice(form, decision.emailNote);
}
