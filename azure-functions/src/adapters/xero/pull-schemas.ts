// Xero's shapes for the pull flows (Xero → Dynamics 365), as on the wire and validated with zod at the edge. Answers
// are loose: Xero adds fields over time. Kept apart from ./schemas.ts (the push shapes) so the two directions evolve
// independently.
// https://developer.xero.com/documentation/api/accounting/payments, …/creditnotes, …/invoices, …/contacts
import { z } from "zod";

const text = z.string();
const guid = z.string().min(1);

/** The pagination envelope Xero adds when `page` is given. */
export const XeroPagination = z.looseObject({
  page: z.number().optional(),
  pageSize: z.number().optional(),
  pageCount: z.number().optional(),
  itemCount: z.number().optional(),
});

export const XeroPayment = z.looseObject({
  PaymentID: guid,
  Date: text.optional(),
  Amount: z.number().optional(),
  Reference: text.optional(),
  PaymentType: text.optional(),
  Status: text.optional(),
  UpdatedDateUTC: text.optional(),
  Account: z.looseObject({ AccountID: guid.optional(), Code: text.optional() }).optional(),
  Invoice: z
    .looseObject({
      InvoiceID: guid.optional(),
      InvoiceNumber: text.optional(),
      Type: text.optional(),
      CurrencyCode: text.optional(),
    })
    .optional(),
});
export type XeroPayment = z.infer<typeof XeroPayment>;

export const XeroAllocation = z.looseObject({
  AllocationID: guid.optional(),
  Amount: z.number(),
  Date: text.optional(),
  Invoice: z.looseObject({ InvoiceID: guid, InvoiceNumber: text.optional() }),
  IsDeleted: z.boolean().optional(),
});
export type XeroAllocation = z.infer<typeof XeroAllocation>;

export const XeroPulledCreditNote = z.looseObject({
  CreditNoteID: guid,
  CreditNoteNumber: text.optional(),
  Type: text.optional(),
  Status: text.optional(),
  Reference: text.optional(),
  Date: text.optional(),
  CurrencyCode: text.optional(),
  UpdatedDateUTC: text.optional(),
  Allocations: z.array(XeroAllocation).optional(),
});
export type XeroPulledCreditNote = z.infer<typeof XeroPulledCreditNote>;

const XeroPulledTracking = z.looseObject({
  Name: text,
  Option: text,
  TrackingCategoryID: guid.optional(),
  TrackingOptionID: guid.optional(),
});

export const XeroPulledLineItem = z.looseObject({
  LineItemID: guid.optional(),
  Description: text.optional(),
  ItemCode: text.optional(),
  Quantity: z.number().optional(),
  UnitAmount: z.number().optional(),
  AccountCode: text.optional(),
  TaxType: text.optional(),
  TaxAmount: z.number().optional(),
  LineAmount: z.number().optional(),
  DiscountAmount: z.number().optional(),
  DiscountRate: z.number().optional(),
  Tracking: z.array(XeroPulledTracking).optional(),
});
export type XeroPulledLineItem = z.infer<typeof XeroPulledLineItem>;

export const XeroPulledInvoice = z.looseObject({
  InvoiceID: guid,
  InvoiceNumber: text.optional(),
  Type: text.optional(),
  Status: text.optional(),
  Reference: text.optional(),
  Date: text.optional(),
  DueDate: text.optional(),
  BrandingThemeID: guid.optional(),
  CurrencyCode: text.optional(),
  LineAmountTypes: text.optional(),
  Contact: z.looseObject({ ContactID: guid.optional(), Name: text.optional() }).optional(),
  LineItems: z.array(XeroPulledLineItem).optional(),
  Payments: z.array(z.looseObject({ PaymentID: guid, Amount: z.number().optional() })).optional(),
  CreditNotes: z
    .array(
      z.looseObject({
        CreditNoteID: guid.optional(),
        CreditNoteNumber: text.optional(),
        AppliedAmount: z.number().optional(),
        Date: text.optional(),
      }),
    )
    .optional(),
  AmountDue: z.number().optional(),
  AmountPaid: z.number().optional(),
  AmountCredited: z.number().optional(),
  Total: z.number().optional(),
  UpdatedDateUTC: text.optional(),
});
export type XeroPulledInvoice = z.infer<typeof XeroPulledInvoice>;

const XeroPulledAddress = z.looseObject({
  AddressType: text,
  AddressLine1: text.optional(),
  AddressLine2: text.optional(),
  AddressLine3: text.optional(),
  AddressLine4: text.optional(),
  City: text.optional(),
  PostalCode: text.optional(),
  Region: text.optional(),
  Country: text.optional(),
});

export const XeroPulledContact = z.looseObject({
  ContactID: guid,
  Name: text.optional(),
  AccountNumber: text.optional(),
  ContactStatus: text.optional(),
  EmailAddress: text.optional(),
  Website: text.optional(),
  DefaultCurrency: text.optional(),
  Phones: z
    .array(
      z.looseObject({
        PhoneType: text,
        PhoneNumber: text.optional(),
        PhoneAreaCode: text.optional(),
        PhoneCountryCode: text.optional(),
      }),
    )
    .optional(),
  Addresses: z.array(XeroPulledAddress).optional(),
  UpdatedDateUTC: text.optional(),
});
export type XeroPulledContact = z.infer<typeof XeroPulledContact>;
