// What the pull flows (Xero → Dynamics 365) carry: a payment, a credit-note allocation, an account made from a Xero
// contact, and an invoice raised in Xero with its lines. Dates are calendar dates (the solution's date columns are
// Date Only); `updatedAt` is Xero's UpdatedDateUTC as an ISO instant (the read cursor).
import { z } from "zod";
import { Address, Amount, CurrencyCode, DateOnly, Guid } from "./common";

export const Instant = z.iso.datetime();

export const PaymentStatus = z.enum(["AUTHORISED", "DELETED"]);

export const Payment = z.object({
  xeroPaymentId: Guid,
  date: DateOnly.optional(),
  amount: Amount,
  reference: z.string().optional(),
  /** The Xero account code the payment was made to (a *Xero Account Code* row's code). */
  accountCode: z.string().optional(),
  xeroInvoiceId: Guid.optional(),
  invoiceNumber: z.string().optional(),
  status: PaymentStatus,
  updatedAt: Instant.optional(),
});
export type Payment = z.infer<typeof Payment>;

/** One allocation of a Xero credit note to one invoice: one *Xero Credit Note* row in Dynamics 365. */
export const CreditNoteAllocation = z.object({
  xeroCreditNoteId: Guid,
  number: z.string().min(1, "the credit note has no number"),
  date: DateOnly.optional(),
  reference: z.string().optional(),
  xeroInvoiceId: Guid,
  amount: Amount,
});
export type CreditNoteAllocation = z.infer<typeof CreditNoteAllocation>;

/** A Xero contact as a Dynamics 365 account (Contacts: Xero to Dynamics 365, and an invoice's customer). */
export const AccountFromXero = z.object({
  xeroContactId: Guid,
  name: z.string().min(1, "the Xero contact has no name"),
  accountNumber: z.string().optional(),
  emailAddress: z.string().optional(),
  website: z.string().optional(),
  currencyCode: CurrencyCode.optional(),
  phones: z.object({ default: z.string().optional(), fax: z.string().optional() }).default({}),
  /** line3 holds Xero's lines 3 and 4 joined. */
  streetAddress: Address.default({}),
  postalAddress: Address.default({}),
  updatedAt: Instant.optional(),
});
export type AccountFromXero = z.infer<typeof AccountFromXero>;

export const TrackingFromXero = z.object({ category: z.string().min(1), option: z.string().min(1) });

export const InvoiceLineFromXero = z.object({
  description: z.string().optional(),
  itemCode: z.string().optional(),
  quantity: Amount.default(1),
  unitAmount: Amount.optional(),
  accountCode: z.string().optional(),
  taxType: z.string().optional(),
  taxAmount: Amount.optional(),
  discountAmount: Amount.optional(),
  tracking: z.array(TrackingFromXero).default([]),
});
export type InvoiceLineFromXero = z.infer<typeof InvoiceLineFromXero>;

export const InvoiceFromXero = z.object({
  xeroInvoiceId: Guid,
  number: z.string().min(1, "the Xero invoice has no number"),
  date: DateOnly.optional(),
  dueDate: DateOnly.optional(),
  xeroContactId: Guid,
  brandingThemeId: Guid.optional(),
  reference: z.string().optional(),
  currencyCode: CurrencyCode,
  synchedWithXero: z.literal(true).default(true),
  amountDue: Amount.optional(),
  amountPaid: Amount.optional(),
  status: z.string(),
  lines: z.array(InvoiceLineFromXero),
  updatedAt: Instant.optional(),
});
export type InvoiceFromXero = z.infer<typeof InvoiceFromXero>;
