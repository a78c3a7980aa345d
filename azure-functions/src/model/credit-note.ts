// A credit note raised in Dynamics 365 against an invoice already in Xero.
import { z } from "zod";
import { Amount, DateOnly, Guid } from "./common";
import { InvoiceLine, LineAmountTypes } from "./invoice";

export const CreditNote = z.object({
  dynamicsId: Guid,
  number: z.string().optional(),
  type: z.literal("ACCRECCREDIT"),
  status: z.literal("AUTHORISED"),
  date: DateOnly.optional(),
  reference: z.string().optional(),
  /** From the related Xero invoice: its contact, amount types and lines. */
  xeroContactId: Guid,
  lineAmountTypes: LineAmountTypes,
  lines: z.array(InvoiceLine).min(1, "the related Xero invoice has no line items"),
  currencyCode: z.string().optional(),
  xeroCreditNoteId: Guid.optional(),
});
export type CreditNote = z.infer<typeof CreditNote>;

export const Allocation = z.object({
  xeroInvoiceId: Guid,
  amount: Amount.positive("the credit note amount must be more than zero"),
  date: DateOnly.optional(),
});
export type Allocation = z.infer<typeof Allocation>;
