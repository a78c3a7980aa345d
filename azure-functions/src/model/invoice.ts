// A sales invoice as both systems agree on it.
import { z } from "zod";
import { Amount, CurrencyCode, DateOnly, Guid } from "./common";
import { CustomerRef } from "./customer";

export const TrackingAssignment = z.object({
  /** The tracking category's name in Xero, e.g. "Region". */
  category: z.string().min(1),
  option: z.string().min(1),
});
export type TrackingAssignment = z.infer<typeof TrackingAssignment>;

export const InvoiceLine = z.object({
  dynamicsId: Guid.optional(),
  description: z.string().optional(),
  itemCode: z.string().optional(),
  quantity: Amount.optional(),
  unitAmount: Amount.optional(),
  accountCode: z.string().optional(),
  taxType: z.string().optional(),
  taxAmount: Amount.optional(),
  discountAmount: Amount.optional(),
  tracking: z.array(TrackingAssignment).default([]),
});
export type InvoiceLine = z.infer<typeof InvoiceLine>;

export const InvoiceStatus = z.enum(["DRAFT", "SUBMITTED", "AUTHORISED", "PAID", "VOIDED", "DELETED"]);
export type InvoiceStatus = z.infer<typeof InvoiceStatus>;

export const LineAmountTypes = z.enum(["Exclusive", "Inclusive", "NoTax"]);
export type LineAmountTypes = z.infer<typeof LineAmountTypes>;

export const Invoice = z.object({
  dynamicsId: Guid,
  number: z.string().min(1, "the invoice has no invoice number"),
  type: z.literal("ACCREC"),
  status: InvoiceStatus,
  lineAmountTypes: LineAmountTypes,
  sentToContact: z.boolean().optional(),
  date: DateOnly.optional(),
  dueDate: DateOnly.optional(),
  customer: CustomerRef,
  /** Filled once the customer has a Xero contact id. */
  xeroContactId: Guid.optional(),
  brandingThemeId: Guid.optional(),
  reference: z.string().optional(),
  currencyCode: CurrencyCode.optional(),
  /** The invoice description when it begins with a full stop: pushed as an extra, text-only line. */
  descriptionLine: z.string().optional(),
  lines: z.array(InvoiceLine).min(1, "the invoice has no line items"),
  xeroInvoiceId: Guid.optional(),
  /** How many times a push was started for this invoice (mag_xeropushattempt); part of the Idempotency-Key. */
  pushAttempt: z.number().int().nonnegative(),
});
export type Invoice = z.infer<typeof Invoice>;
