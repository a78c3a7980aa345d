// The invoice form's rules as pure functions: facts in, a decision or a notice out. The handlers gather the facts.
import { mag_xerosyncstatus } from "../generated/dataverse";
import type { Notice } from "../shared/notice";
import { toShortList } from "../shared/notice";

export const noticeIds = {
  addToXero: "mag_xero_addtoxero",
  syncStatus: "mag_xero_syncstatus",
  sendEmail: "mag_xero_sendemail",
  payNowLink: "mag_xero_paynowlink",
  payNowCopied: "mag_xero_paynowcopied",
  emailNote: "mag_xero_emailnote",
} as const;

/**
 * How the Invoice Emails flow's notes in *Xero Sync Error* begin (the service's
 * azure-functions/src/flows/invoice-email-notes.ts; a test keeps the two in step). The invoice stays Synced while its
 * email is held up, so the opening words are what tell such a note from a sync error.
 */
export const emailNotePrefixes = {
  refused: "Xero did not email this invoice: ",
  waiting: "The invoice email waits: ",
} as const;

/** Whether a *Xero Sync Error* text is a note of the Invoice Emails flow. */
export function isEmailNote(text: string | null): text is string {
  return text !== null && Object.values(emailNotePrefixes).some((prefix) => text.startsWith(prefix));
}

/** The connector an invoice syncs through, reduced to what the form needs. */
export interface ConnectorFacts {
  name: string;
  enabled: boolean;
  hasDefaultAccountCode: boolean;
  hasDefaultTaxRate: boolean;
  autoApproveInvoices: boolean;
  /** "invoice" when the invoice names it, "default" when it falls back to the default connector. */
  source: "invoice" | "default";
}

export interface AddToXeroFacts {
  hasCustomer: boolean;
  /** Whether the invoice has at least one product line. */
  hasLines: boolean;
  /** Labels of the lines without a Xero account code (at most a page of them). */
  linesWithoutAccountCode: readonly string[];
  linesWithoutTaxRate: readonly string[];
  /** null when the invoice names no connector and none is the default. */
  connector: ConnectorFacts | null;
}

export type AddToXeroRefusalCode =
  | "no-lines"
  | "no-customer"
  | "no-connector"
  | "missing-account-code"
  | "missing-tax-rate";

export interface AddToXeroDecision {
  allowed: boolean;
  reasons: { code: AddToXeroRefusalCode; message: string }[];
  /** Things that do not stop the sync but that the user should know. */
  warnings: string[];
}

/**
 * Whether *Add to Xero* may be set to Yes. The service selects only invoices with at least one line, and a line
 * without an account code or tax rate takes the connector's default ("Set to system default value if not
 * provided" in the reference docs), so a missing code is only a problem when the connector has no default either.
 * Xero rejects an ACCREC invoice without a contact or line items: https://developer.xero.com/documentation/api/accounting/invoices
 */
export function evaluateAddToXero(facts: AddToXeroFacts): AddToXeroDecision {
  const reasons: AddToXeroDecision["reasons"] = [];
  const warnings: string[] = [];
  if (!facts.hasLines) {
    reasons.push({
      code: "no-lines",
      message: "This invoice has no products. Add at least one product line, then set Add to Xero to Yes.",
    });
  }
  if (!facts.hasCustomer) {
    reasons.push({
      code: "no-customer",
      message: "This invoice has no customer. Choose the account or contact to bill, then set Add to Xero to Yes.",
    });
  }
  const connector = facts.connector;
  if (connector === null) {
    reasons.push({
      code: "no-connector",
      message: "No Xero Connector is chosen on this invoice and none is the default. Choose a Xero Connector first.",
    });
  } else {
    const where = `the Xero Connector "${connector.name}"`;
    if (facts.linesWithoutAccountCode.length > 0 && !connector.hasDefaultAccountCode) {
      reasons.push({
        code: "missing-account-code",
        message:
          `${capitalise(toShortList(facts.linesWithoutAccountCode))} ${isOrAre(facts.linesWithoutAccountCode)} no ` +
          `Xero account code and ${where} has no default account code. Set an account code on each line, or a ` +
          "default on the connector.",
      });
    }
    if (facts.linesWithoutTaxRate.length > 0 && !connector.hasDefaultTaxRate) {
      reasons.push({
        code: "missing-tax-rate",
        message:
          `${capitalise(toShortList(facts.linesWithoutTaxRate))} ${isOrAre(facts.linesWithoutTaxRate)} no tax rate ` +
          `and ${where} has no default tax rate. Set a tax rate on each line, or a default on the connector.`,
      });
    }
    if (!connector.enabled) {
      warnings.push(`The Xero Connector "${connector.name}" is disabled: this invoice will wait until it is enabled.`);
    }
  }
  return { allowed: reasons.length === 0, reasons, warnings };
}

/** The single form notification that explains a refusal (one line per reason). */
export function toAddToXeroNotice(decision: AddToXeroDecision): Notice | null {
  if (decision.allowed) {
    if (decision.warnings.length === 0) return null;
    return { id: noticeIds.addToXero, level: "WARNING", message: decision.warnings.join(" ") };
  }
  const reasons = decision.reasons.map((reason) => reason.message).join(" ");
  return { id: noticeIds.addToXero, level: "ERROR", message: `This invoice cannot be added to Xero yet. ${reasons}` };
}

export interface SyncState {
  addToXero: boolean | null;
  syncStatus: number | null;
  xeroId: string | null;
  syncError: string | null;
  lastSyncedOn: Date | null;
}

/**
 * The form notification for the invoice's Xero sync status, in words a sales user understands; null when the invoice
 * is not on its way to Xero. An invoice marked *Add to Xero* that the service has not yet picked up counts as pending.
 */
export function toSyncNotification(state: SyncState, formatDateTime: (value: Date) => string): Notice | null {
  const status = state.syncStatus ?? (state.addToXero === true ? mag_xerosyncstatus.Pending : null);
  const id = noticeIds.syncStatus;
  const when = state.lastSyncedOn === null ? "" : ` on ${formatDateTime(state.lastSyncedOn)}`;
  switch (status) {
    case mag_xerosyncstatus.Pending:
      return {
        id,
        level: "INFO",
        message:
          "Waiting to be sent to Xero. The connector picks it up on its next run (every 15 minutes, or within " +
          "seconds with real-time sync).",
      };
    case mag_xerosyncstatus.Synced:
      return {
        id,
        level: "INFO",
        message:
          state.xeroId === null
            ? `Synced with Xero${when}.`
            : `Synced with Xero${when}. Xero invoice id: ${state.xeroId}.`,
      };
    case mag_xerosyncstatus.Failed:
      return {
        id,
        level: "ERROR",
        message:
          state.syncError === null
            ? "Xero did not accept this invoice and gave no reason. Use Retry Xero sync, or ask your administrator to check the Xero Sync Log."
            : `Xero did not accept this invoice: ${state.syncError} Fix the invoice, then use Retry Xero sync.`,
      };
    case mag_xerosyncstatus.Retrying:
      return {
        id,
        level: "WARNING",
        message:
          state.syncError === null
            ? "Xero could not be reached. The connector will try again by itself; nothing to do for now."
            : `Xero could not be reached (${state.syncError}). The connector will try again by itself; nothing to do for now.`,
      };
    default:
      return null;
  }
}

export interface SendEmailFacts {
  addToXero: boolean | null;
  synchedWithXero: boolean | null;
  xeroId: string | null;
  sendEmailFromXero: boolean | null;
  emailSentFromXero: boolean | null;
  /** Whether the invoice's connector approves invoices in Xero; null when unknown. */
  connectorAutoApproves: boolean | null;
  /** *Xero Sync Error*: the Invoice Emails flow leaves its note there when Xero has not emailed the invoice. */
  syncError: string | null;
}

export interface SendEmailDecision {
  /** Whether the user may change *Send Email From Xero* now. */
  available: boolean;
  notice: Notice | null;
  /** Why Xero has not emailed the invoice yet and what to do (the service's note), as a warning of its own. */
  emailNote: Notice | null;
}

/**
 * Whether *Send Email From Xero* can work. The Invoice Emails flow selects invoices synced with a Xero id whose email
 * has not been sent, and Xero emails only approved (not draft) invoices:
 * https://developer.xero.com/documentation/api/accounting/invoices#emailing-an-invoice
 * When the flow has left a note on the invoice (Xero refused the email, or the invoice does not qualify in Xero yet),
 * the note is shown as a warning of its own and replaces the general notice, which would contradict it.
 */
export function evaluateSendEmail(facts: SendEmailFacts): SendEmailDecision {
  const decision = toSendEmailAvailability(facts);
  const emailNote = toEmailNoteNotice(facts);
  return emailNote === null ? { ...decision, emailNote } : { available: decision.available, notice: null, emailNote };
}

/** The service's note while it still applies: synced, *Send Email From Xero* = Yes, *Email Sent From Xero* = No. */
export function toEmailNoteNotice(facts: SendEmailFacts): Notice | null {
  const waiting =
    facts.synchedWithXero === true &&
    facts.xeroId !== null &&
    facts.sendEmailFromXero === true &&
    facts.emailSentFromXero !== true;
  if (!waiting || !isEmailNote(facts.syncError)) return null;
  return { id: noticeIds.emailNote, level: "WARNING", message: facts.syncError };
}

/** Whether the user may change *Send Email From Xero*, and the general notice about it. */
function toSendEmailAvailability(facts: SendEmailFacts): Omit<SendEmailDecision, "emailNote"> {
  const id = noticeIds.sendEmail;
  if (facts.emailSentFromXero === true) {
    return {
      available: false,
      notice: { id, level: "INFO", message: "Xero has emailed this invoice to the customer (Email Sent From Xero = Yes)." },
    };
  }
  const inXero = facts.synchedWithXero === true && facts.xeroId !== null;
  if (!inXero) {
    if (facts.sendEmailFromXero === true) {
      return {
        available: false,
        notice: { id, level: "INFO", message: "Xero will email this invoice to the customer once it has been synced." },
      };
    }
    if (facts.addToXero !== true) return { available: false, notice: null };
    return {
      available: false,
      notice: {
        id,
        level: "INFO",
        message: "Send Email From Xero becomes available once this invoice is in Xero (Synched With Xero = Yes).",
      },
    };
  }
  if (facts.sendEmailFromXero !== true) return { available: true, notice: null };
  if (facts.connectorAutoApproves === false) {
    return {
      available: true,
      notice: {
        id,
        level: "WARNING",
        message:
          "Xero emails only approved invoices, and this connector sends invoices to Xero as drafts. Approve the " +
          "invoice in Xero; it is emailed on the next Invoice Emails run after that.",
      },
    };
  }
  return {
    available: true,
    notice: {
      id,
      level: "INFO",
      message: "Xero will email this invoice to the customer's primary contact on the next Invoice Emails run (hourly).",
    },
  };
}

/**
 * The pay-now link as a URL safe to open, or null. Only https links are offered: the field is text, and opening
 * anything else (a `javascript:` URL, say) from a button would be a hole.
 */
export function toPayNowLink(value: string | null): string | null {
  if (value === null) return null;
  try {
    const url = new URL(value.trim());
    return url.protocol === "https:" ? url.href : null;
  } catch {
    return null;
  }
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function isOrAre(items: readonly string[]): string {
  return items.length === 1 ? "has" : "have";
}
