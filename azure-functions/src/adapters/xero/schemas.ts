// Xero's own shapes (PascalCase, as on the wire), validated with zod at the edge. Requests are strict (what we send
// is exactly what the mapping tables produce); answers are loose (Xero adds fields over time).
// https://developer.xero.com/documentation/api/accounting/invoices, …/contacts, …/creditnotes, …/items
import { z } from "zod";

const text = z.string();
const guid = z.string().min(1);

export const XeroValidationError = z.looseObject({ Message: z.string() });
export type XeroValidationError = z.infer<typeof XeroValidationError>;

/** Per-element outcome fields present when `summarizeErrors=false`. */
const elementStatus = {
  StatusAttributeString: z.string().optional(),
  HasErrors: z.boolean().optional(),
  ValidationErrors: z.array(XeroValidationError).optional(),
};

export const XeroTracking = z.object({ Name: text, Option: text });

export const XeroLineItemRequest = z.strictObject({
  Description: text.optional(),
  ItemCode: text.optional(),
  Quantity: z.number().optional(),
  UnitAmount: z.number().optional(),
  AccountCode: text.optional(),
  TaxType: text.optional(),
  TaxAmount: z.number().optional(),
  DiscountAmount: z.number().optional(),
  Tracking: z.array(XeroTracking).optional(),
});
export type XeroLineItemRequest = z.infer<typeof XeroLineItemRequest>;

export const XeroInvoiceRequest = z.strictObject({
  Type: z.literal("ACCREC"),
  InvoiceNumber: text,
  Contact: z.strictObject({ ContactID: guid }),
  Date: text.optional(),
  DueDate: text.optional(),
  BrandingThemeID: guid.optional(),
  Reference: text.optional(),
  CurrencyCode: text.optional(),
  Status: z.enum(["DRAFT", "AUTHORISED"]),
  LineAmountTypes: z.literal("Exclusive"),
  SentToContact: z.boolean().optional(),
  LineItems: z.array(XeroLineItemRequest).min(1),
});
export type XeroInvoiceRequest = z.infer<typeof XeroInvoiceRequest>;

export const XeroLineItem = z.looseObject({
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
  Tracking: z.array(z.looseObject({ Name: text, Option: text })).optional(),
  ValidationErrors: z.array(XeroValidationError).optional(),
});

export const XeroInvoice = z.looseObject({
  InvoiceID: guid.optional(),
  InvoiceNumber: text.optional(),
  Type: text.optional(),
  Status: text.optional(),
  Reference: text.optional(),
  Contact: z
    .looseObject({ ContactID: guid.optional(), Name: text.optional(), EmailAddress: text.optional() })
    .optional(),
  LineAmountTypes: text.optional(),
  LineItems: z.array(XeroLineItem).optional(),
  CurrencyCode: text.optional(),
  SentToContact: z.boolean().optional(),
  Total: z.number().optional(),
  AmountDue: z.number().optional(),
  ...elementStatus,
});
export type XeroInvoice = z.infer<typeof XeroInvoice>;

const XeroAddress = z.looseObject({
  AddressType: z.enum(["STREET", "POBOX", "DELIVERY"]),
  AddressLine1: text.optional(),
  AddressLine2: text.optional(),
  AddressLine3: text.optional(),
  AddressLine4: text.optional(),
  City: text.optional(),
  PostalCode: text.optional(),
  Region: text.optional(),
  Country: text.optional(),
});
const XeroPhone = z.looseObject({
  PhoneType: z.enum(["DEFAULT", "DDI", "MOBILE", "FAX"]),
  PhoneNumber: text.optional(),
});
const XeroContactPerson = z.looseObject({
  FirstName: text.optional(),
  LastName: text.optional(),
  EmailAddress: text.optional(),
  IncludeInEmails: z.boolean().optional(),
});

export const XeroContactRequest = z.strictObject({
  ContactID: guid.optional(),
  Name: text.min(1),
  AccountNumber: text.optional(),
  FirstName: text.optional(),
  LastName: text.optional(),
  EmailAddress: text.optional(),
  ContactPersons: z.array(XeroContactPerson).optional(),
  DefaultCurrency: text.optional(),
  Phones: z.array(XeroPhone).optional(),
  Addresses: z.array(XeroAddress).optional(),
});
export type XeroContactRequest = z.infer<typeof XeroContactRequest>;

export const XeroContact = z.looseObject({
  ContactID: guid.optional(),
  Name: text.optional(),
  AccountNumber: text.optional(),
  ContactStatus: text.optional(),
  EmailAddress: text.optional(),
  FirstName: text.optional(),
  LastName: text.optional(),
  ...elementStatus,
});
export type XeroContact = z.infer<typeof XeroContact>;

export const XeroCreditNoteRequest = z.strictObject({
  Type: z.literal("ACCRECCREDIT"),
  Status: z.literal("AUTHORISED"),
  Contact: z.strictObject({ ContactID: guid }),
  Date: text.optional(),
  CreditNoteNumber: text.optional(),
  Reference: text.optional(),
  CurrencyCode: text.optional(),
  LineAmountTypes: text,
  LineItems: z.array(XeroLineItemRequest).min(1),
});
export type XeroCreditNoteRequest = z.infer<typeof XeroCreditNoteRequest>;

export const XeroCreditNote = z.looseObject({
  CreditNoteID: guid.optional(),
  CreditNoteNumber: text.optional(),
  Status: text.optional(),
  Reference: text.optional(),
  RemainingCredit: z.number().optional(),
  ...elementStatus,
});
export type XeroCreditNote = z.infer<typeof XeroCreditNote>;

export const XeroAllocationRequest = z.strictObject({
  Invoice: z.strictObject({ InvoiceID: guid }),
  Amount: z.number(),
  Date: text.optional(),
});
export type XeroAllocationRequest = z.infer<typeof XeroAllocationRequest>;

export const XeroAllocation = z.looseObject({
  AllocationID: guid.optional(),
  Amount: z.number().optional(),
  ...elementStatus,
});
export type XeroAllocation = z.infer<typeof XeroAllocation>;

export const XeroItemRequest = z.strictObject({ ItemID: guid.optional(), Code: text.min(1), Name: text.optional() });
export type XeroItemRequest = z.infer<typeof XeroItemRequest>;

export const XeroItem = z.looseObject({ ItemID: guid.optional(), Code: text, Name: text.optional(), ...elementStatus });
export type XeroItem = z.infer<typeof XeroItem>;

export const XeroAccount = z.looseObject({
  AccountID: guid.optional(),
  Code: text.optional(),
  Name: text,
  Type: text.optional(),
  TaxType: text.optional(),
  Description: text.optional(),
  Status: text.optional(),
});
export type XeroAccount = z.infer<typeof XeroAccount>;

export const XeroTaxRate = z.looseObject({
  Name: text,
  TaxType: text.optional(),
  DisplayTaxRate: z.number().optional(),
  EffectiveRate: z.number().optional(),
  Status: text.optional(),
});
export type XeroTaxRate = z.infer<typeof XeroTaxRate>;

export const XeroBrandingTheme = z.looseObject({ BrandingThemeID: guid, Name: text });
export type XeroBrandingTheme = z.infer<typeof XeroBrandingTheme>;

export const XeroTrackingCategory = z.looseObject({
  TrackingCategoryID: guid.optional(),
  Name: text,
  Status: text.optional(),
  Options: z
    .array(z.looseObject({ TrackingOptionID: guid.optional(), Name: text, Status: text.optional() }))
    .optional(),
});
export type XeroTrackingCategory = z.infer<typeof XeroTrackingCategory>;

export const XeroOnlineInvoice = z.looseObject({ OnlineInvoiceUrl: z.string().optional() });
