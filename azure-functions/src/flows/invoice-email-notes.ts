// The note the Invoice Emails flow leaves in an invoice's Xero Sync Error when Xero has not emailed it: why, and what
// the user can do. The invoice stays Synced (the email is a separate thing from the sync), so a note is recognised by
// its opening words: the flow replaces or clears only its own notes, and the invoice form shows one as a warning
// (webresources/src/invoice-form/rules.ts holds the same openings; a test there keeps the two in step).
// Xero's rules for emailing an invoice: https://developer.xero.com/documentation/api/accounting/invoices#emailing-an-invoice
// This module imports nothing, so the web resources' test can read it.

/** How every note of this flow begins. */
export const emailNotePrefixes = {
  /** Xero refused the email, or will not send it: it does not go by itself. */
  refused: "Xero did not email this invoice: ",
  /** The invoice does not qualify in Xero yet: it goes once the reason is gone. */
  waiting: "The invoice email waits: ",
} as const;

/** Why a Xero invoice does not qualify for an email (the reference docs' Xero-side criteria). */
export type EmailBlocker = "not-found" | "already-sent" | "not-approved" | "deleted" | "voided" | "no-email";

/** `mag_xerosyncerror` is a memo of 4,000 characters. */
const noteMaxLength = 4000;

/** Whether a Xero Sync Error text is a note this flow wrote. */
export function isEmailNote(text: string | null | undefined): boolean {
  return typeof text === "string" && Object.values(emailNotePrefixes).some((prefix) => text.startsWith(prefix));
}

/** The note for an invoice Xero's side does not let the flow email yet; `contactName` is the Xero contact's name. */
export function toBlockerNote(blocker: EmailBlocker, contactName?: string): string {
  const contact =
    contactName === undefined || contactName.trim() === ""
      ? "The Xero contact"
      : `The Xero contact "${contactName.trim()}"`;
  switch (blocker) {
    case "no-email":
      return (
        `${emailNotePrefixes.waiting}${contact} has no email address for its primary person. Add one to the contact ` +
        "in Xero (or to the customer's primary billing contact in Dynamics 365: it reaches Xero the next time one of " +
        "the customer's invoices syncs); the invoice is emailed on the next Invoice Emails run after that."
      );
    case "not-approved":
      return (
        `${emailNotePrefixes.waiting}the invoice is not approved in Xero yet, and Xero emails only approved ` +
        "invoices. It is emailed on the first Invoice Emails run after it is approved in Xero; nothing to do here."
      );
    case "deleted":
    case "voided":
      return (
        `${emailNotePrefixes.waiting}the invoice is ${blocker} in Xero, so Xero cannot email it. If the customer ` +
        "still needs this invoice, ask whoever looks after Xero; otherwise set Send Email From Xero to No."
      );
    case "not-found":
      return (
        `${emailNotePrefixes.waiting}Xero has no invoice with this invoice's Xero Id (it may have been removed ` +
        "from Xero). Ask your administrator to check the Xero Id, or set Send Email From Xero to No."
      );
    case "already-sent":
      return (
        `${emailNotePrefixes.refused}Xero already shows it as sent to the customer (someone sent it from Xero, or ` +
        "the connector marks invoices as sent), and the connector does not send an invoice twice. If the customer " +
        "needs it, email it from Xero."
      );
  }
}

/** The note for an email Xero refused; `words` are Xero's reasons in plain words. */
export function toRefusalNote(words: string): string {
  const note =
    `${emailNotePrefixes.refused}${words.trim()} Correct this in Xero; the connector tries again the next day ` +
    "while Send Email From Xero is Yes.";
  return note.length <= noteMaxLength ? note : `${note.slice(0, noteMaxLength - 1)}…`;
}

export type NoteChange = { kind: "keep" } | { kind: "write"; text: string | null };

/**
 * What to write in Xero Sync Error, given what it holds and the note the flow would have there (null: none). Nothing
 * when the text is already there (an idle run writes nothing), and nothing over a sync error this flow did not write.
 */
export function toNoteChange(current: string | null, note: string | null): NoteChange {
  const held = current === null || current === "" ? null : current;
  if (held !== null && !isEmailNote(held)) return { kind: "keep" };
  if (held === note) return { kind: "keep" };
  return { kind: "write", text: note };
}
