// Invoice Emails: Dynamics 365 to Xero. Dynamics 365 picks the candidates (Send Email From Xero = Yes, Email Sent From
// Xero = No, synced, Xero Id present, modified in the window); Xero's side is checked in batches (the invoice is not
// sent and not a draft; the contact's primary person has an email); then Xero emails each invoice (one call each:
// https://developer.xero.com/documentation/api/accounting/invoices#emailing-an-invoice) and the invoice is marked
// Email Sent From Xero = Yes. The email's Idempotency-Key holds the day: a retry the same day cannot email twice; a
// failure is tried afresh the next day.
import { SyncError, toRecordMessage, toSyncError } from "../core/errors";
import { toIdempotencyKey } from "../adapters/xero/idempotency";
import { xeroBatchSize, type XeroPort } from "../adapters/xero/port";
import type { XeroInvoice } from "../adapters/xero/schemas";
import { chunk, createRetrying, type Retrying } from "./batching";
import type { FlowDependencies, RecordOutcome, RunScope, SyncLogEntry } from "./ports";
import { summariseRun, type FlowReport } from "./run-report";
import { toPlainWords } from "./xero-messages";

export interface PushInvoiceEmailsDependencies extends FlowDependencies {
  xero: XeroPort;
}

/** Why a Xero invoice does not qualify for an email, or undefined when it does (the reference docs' Xero criteria). */
export function toEmailBlocker(invoice: XeroInvoice | undefined, contactEmail: string | undefined): string | undefined {
  if (invoice === undefined) return "The invoice was not found in Xero.";
  if (invoice.SentToContact === true) return "Xero has already sent this invoice.";
  if (invoice.Status === "DRAFT" || invoice.Status === "SUBMITTED") return "The invoice is not approved in Xero.";
  if (invoice.Status === "DELETED" || invoice.Status === "VOIDED") return "The invoice is deleted or voided in Xero.";
  if (contactEmail === undefined || contactEmail.trim() === "")
    return "The Xero contact's primary person has no email address.";
  return undefined;
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
      const candidates = rows.flatMap((row) =>
        typeof row["mag_xeroid"] === "string"
          ? [
              {
                id: String(row["invoiceid"]),
                name: String(row["invoicenumber"] ?? row["invoiceid"]),
                xeroId: row["mag_xeroid"],
                row,
              },
            ]
          : [],
      );
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
      for (const candidate of candidates) {
        const invoice = invoices.get(candidate.xeroId.toLowerCase());
        const blocker = toEmailBlocker(invoice, emails.get(invoice?.Contact?.ContactID?.toLowerCase() ?? ""));
        if (blocker !== undefined) {
          skipped += 1;
          logger.info("invoice email not sent", { recordId: candidate.id, reason: blocker });
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
          });
        } catch (thrown) {
          const error = toSyncError(thrown, "xero");
          if (error.kind === "auth") throw error;
          const words =
            error.details.validationErrors === undefined
              ? error
              : new SyncError(`Xero did not email the invoice: ${toPlainWords(error.details.validationErrors)}`, {
                  kind: "validation",
                  origin: "user",
                });
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
    const synced = outcomes.length;
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
