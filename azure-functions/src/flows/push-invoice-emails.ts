// Invoice Emails: Dynamics 365 to Xero. Dynamics 365 picks the candidates (Send Email From Xero = Yes, Email Sent From
// Xero = No, synced, Xero Id present, modified in the window); Xero's side is checked in batches (the invoice is not
// sent and not a draft; the contact's primary person has an email); then Xero emails each invoice (one call each:
// https://developer.xero.com/documentation/api/accounting/invoices#emailing-an-invoice) and the invoice is marked
// Email Sent From Xero = Yes. The email's Idempotency-Key holds the day: a retry the same day cannot email twice; a
// failure is tried afresh the next day. An invoice Xero has not emailed (refused, or not qualifying yet) gets a note in
// its Xero Sync Error saying why and what to do (invoice-email-notes.ts), written only when the text changes and
// cleared in the same write that sets Email Sent From Xero; the sync status is never touched.
import { SyncError, toRecordMessage, toSyncError } from "../core/errors";
import { toIdempotencyKey } from "../adapters/xero/idempotency";
import { xeroBatchSize, type XeroPort } from "../adapters/xero/port";
import type { XeroInvoice } from "../adapters/xero/schemas";
import { invoice as invoiceTable } from "../generated/dataverse";
import { chunk, createRetrying, type Retrying } from "./batching";
import { isEmailNote, toBlockerNote, toNoteChange, toRefusalNote, type EmailBlocker } from "./invoice-email-notes";
import type { FlowDependencies, RecordOutcome, RunScope, SyncLogEntry } from "./ports";
import { summariseRun, type FlowReport } from "./run-report";
import { toPlainWords } from "./xero-messages";

export interface PushInvoiceEmailsDependencies extends FlowDependencies {
  xero: XeroPort;
}

/** Why a Xero invoice does not qualify for an email, or undefined when it does (the reference docs' Xero criteria). */
export function toEmailBlocker(
  invoice: XeroInvoice | undefined,
  contactEmail: string | undefined,
): EmailBlocker | undefined {
  if (invoice === undefined) return "not-found";
  if (invoice.SentToContact === true) return "already-sent";
  if (invoice.Status === "DRAFT" || invoice.Status === "SUBMITTED") return "not-approved";
  if (invoice.Status === "DELETED") return "deleted";
  if (invoice.Status === "VOIDED") return "voided";
  if (contactEmail === undefined || contactEmail.trim() === "") return "no-email";
  return undefined;
}

/** Xero's reasons for refusing an email, in plain words (its validation messages, else its detail or message). */
export function toRefusalWords(error: SyncError): string {
  const { validationErrors, detail, message } = error.details;
  if (validationErrors !== undefined && validationErrors.length > 0) return toPlainWords(validationErrors);
  return detail ?? message ?? error.message;
}

const ic = invoiceTable.columns;

/** The invoice's Xero Sync Error as read by the selection (null when empty). */
function readSyncError(row: Record<string, unknown>): string | null {
  const value = row[ic.mag_xerosyncerror];
  return typeof value === "string" && value !== "" ? value : null;
}

export class PushInvoiceEmailsFlow {
  private readonly retrying: Retrying;

  constructor(
    private readonly deps: PushInvoiceEmailsDependencies,
    private readonly options: { pageSize?: number } = {},
  ) {
    this.retrying = createRetrying(deps);
  }

  async run(scope: RunScope): Promise<FlowReport> {
    const { store, clock, xero, logger } = this.deps;
    const rows = await store.selectInvoiceEmailsToSend(scope, this.options.pageSize ?? 200);
    const outcomes: RecordOutcome[] = [];
    const logs: SyncLogEntry[] = [];
    let skipped = 0;
    let authError: SyncError | undefined;
    try {
      const candidates = rows.flatMap((row) => {
        const xeroId = row[ic.mag_xeroid];
        if (typeof xeroId !== "string") return [];
        const id = String(row[ic.invoiceid]);
        const number = row[ic.invoicenumber];
        const name = typeof number === "string" && number !== "" ? number : id;
        return [{ id, name, xeroId, syncError: readSyncError(row) }];
      });
      const invoices = new Map<string, XeroInvoice>();
      for (const ids of chunk(
        candidates.map((candidate) => candidate.xeroId),
        xeroBatchSize,
      )) {
        for (const invoice of await this.retrying(() => xero.findInvoices({ ids })))
          if (invoice.InvoiceID !== undefined) invoices.set(invoice.InvoiceID.toLowerCase(), invoice);
      }
      const contactIds = [
        ...new Set(
          [...invoices.values()].flatMap((invoice) =>
            invoice.Contact?.ContactID === undefined ? [] : [invoice.Contact.ContactID],
          ),
        ),
      ];
      const emails = new Map<string, string | undefined>();
      for (const ids of chunk(contactIds, xeroBatchSize)) {
        for (const contact of await this.retrying(() => xero.findContacts({ ids })))
          if (contact.ContactID !== undefined) emails.set(contact.ContactID.toLowerCase(), contact.EmailAddress);
      }
      /** Queues the note's write when it changes what the invoice holds (an idle run writes nothing). */
      const note = (candidate: { id: string; syncError: string | null }, text: string | null): void => {
        const change = toNoteChange(candidate.syncError, text);
        if (change.kind === "write")
          outcomes.push({ kind: "noted", table: "invoice", id: candidate.id, message: change.text });
      };
      for (const candidate of candidates) {
        const invoice = invoices.get(candidate.xeroId.toLowerCase());
        const blocker = toEmailBlocker(invoice, emails.get(invoice?.Contact?.ContactID?.toLowerCase() ?? ""));
        if (blocker !== undefined) {
          skipped += 1;
          logger.info("invoice email not sent", { recordId: candidate.id, reason: blocker });
          note(candidate, toBlockerNote(blocker, invoice?.Contact?.Name));
          continue;
        }
        try {
          await this.retrying(() =>
            xero.emailInvoice(
              candidate.xeroId,
              toIdempotencyKey("email", [{ id: candidate.id, attempt: Math.floor(clock.now() / 86_400_000) }]),
            ),
          );
          outcomes.push({
            kind: "synced",
            table: "invoice",
            id: candidate.id,
            xeroId: candidate.xeroId,
            emailSent: true,
            ...(isEmailNote(candidate.syncError) ? { clearNote: true } : {}),
          });
        } catch (thrown) {
          const error = toSyncError(thrown, "xero");
          if (error.kind === "auth") throw error;
          // A refusal is Xero's answer about this invoice: said on the invoice and kept until the email goes. Other
          // failures (Xero unreachable) are only logged: the next run tries again.
          const refusal = error.kind === "validation" ? toRefusalNote(toRefusalWords(error)) : undefined;
          if (refusal !== undefined) note(candidate, refusal);
          const words = refusal === undefined ? error : new SyncError(refusal, { kind: "validation", origin: "user" });
          logs.push({
            flow: scope.flow,
            table: "invoice",
            recordId: candidate.id,
            recordName: candidate.name,
            errorKind: words.kind,
            errorText: toRecordMessage(words),
            occurredOn: new Date(clock.now()),
            correlationId: scope.correlationId,
          });
        }
      }
    } catch (thrown) {
      const error = toSyncError(thrown, "xero");
      if (error.kind !== "auth") throw error;
      authError = error;
    }
    const synced = outcomes.filter((outcome) => outcome.kind === "synced").length;
    const failed = logs.length;
    const run =
      authError === undefined
        ? summariseRun(scope.flow, synced, failed, clock)
        : { ...summariseRun(scope.flow, synced, failed, clock), result: "Failed" as const, message: authError.message };
    if (skipped > 0 && authError === undefined) run.message = `${run.message} ${skipped} not yet eligible in Xero.`;
    await store.commit({
      scope,
      records: outcomes,
      customers: [],
      logs,
      run,
      connector: {
        lastSynchedOn: new Date(clock.now()),
        ...(authError === undefined ? {} : { disconnected: { reason: authError.message } }),
      },
    });
    return { result: run, followUps: [] };
  }
}
