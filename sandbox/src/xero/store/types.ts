// What one emulated Xero organisation holds. Records keep Xero's PascalCase field names; dates are kept as epoch
// milliseconds and turned into `/Date(…)/` only when an answer is rendered.

export type XeroObject = Record<string, unknown>;

export interface AccountRecord {
  AccountID: string;
  Code: string;
  Name: string;
  Type: string;
  Status: "ACTIVE" | "ARCHIVED" | "DELETED";
  TaxType: string;
  Class: "ASSET" | "EQUITY" | "EXPENSE" | "LIABILITY" | "REVENUE";
  Description?: string;
  BankAccountNumber?: string;
  BankAccountType?: "BANK" | "CREDITCARD" | "PAYPAL" | "NONE" | "";
  CurrencyCode?: string;
  SystemAccount?: string;
  EnablePaymentsToAccount: boolean;
  ShowInExpenseClaims: boolean;
  ReportingCode?: string;
  ReportingCodeName?: string;
  UpdatedDateUTC: number;
}

export interface TaxRateRecord {
  Name: string;
  TaxType: string;
  ReportTaxType: string;
  Status: "ACTIVE" | "DELETED" | "ARCHIVED" | "PENDING";
  /** Percentage, e.g. 15 for 15 %. */
  EffectiveRate: number;
  DisplayTaxRate: number;
  CanApplyToAssets: boolean;
  CanApplyToEquity: boolean;
  CanApplyToExpenses: boolean;
  CanApplyToLiabilities: boolean;
  CanApplyToRevenue: boolean;
}

export interface BrandingThemeRecord {
  BrandingThemeID: string;
  Name: string;
  SortOrder: number;
  CreatedDateUTC: number;
}

export interface TrackingOptionRecord {
  TrackingOptionID: string;
  Name: string;
  Status: "ACTIVE" | "ARCHIVED" | "DELETED";
}

export interface TrackingCategoryRecord {
  TrackingCategoryID: string;
  Name: string;
  Status: "ACTIVE" | "ARCHIVED" | "DELETED";
  Options: TrackingOptionRecord[];
}

export interface CurrencyRecord {
  Code: string;
  Description: string;
}

export interface ContactRecord {
  ContactID: string;
  Name: string;
  ContactStatus: "ACTIVE" | "ARCHIVED" | "GDPRREQUEST";
  IsCustomer: boolean;
  IsSupplier: boolean;
  UpdatedDateUTC: number;
  /** The writable fields the caller sent (FirstName, EmailAddress, Addresses, …), kept verbatim. */
  fields: XeroObject;
}

export interface LineItemRecord {
  LineItemID: string;
  Description?: string;
  Quantity: number;
  UnitAmount: number;
  ItemCode?: string;
  AccountCode?: string;
  AccountID?: string;
  TaxType?: string;
  TaxAmount: number;
  LineAmount: number;
  DiscountRate?: number;
  Tracking: Array<{ TrackingCategoryID: string; TrackingOptionID: string; Name: string; Option: string }>;
}

export type LineAmountTypes = "Exclusive" | "Inclusive" | "NoTax";

export type DocumentStatus = "DRAFT" | "SUBMITTED" | "DELETED" | "AUTHORISED" | "PAID" | "VOIDED";

export interface Totals {
  SubTotal: number;
  TotalTax: number;
  Total: number;
}

export interface InvoiceRecord extends Totals {
  InvoiceID: string;
  Type: string;
  ContactID: string;
  Date: number;
  DueDate?: number;
  ExpectedPaymentDate?: number;
  PlannedPaymentDate?: number;
  LineAmountTypes: LineAmountTypes;
  LineItems: LineItemRecord[];
  InvoiceNumber: string;
  Reference?: string;
  BrandingThemeID?: string;
  Url?: string;
  CurrencyCode: string;
  CurrencyRate: number;
  Status: DocumentStatus;
  SentToContact: boolean;
  AmountPaid: number;
  AmountCredited: number;
  FullyPaidOnDate?: number;
  UpdatedDateUTC: number;
  /** When an email was last sent from Xero, for tests to observe. */
  emailedAt?: number;
}

export interface CreditNoteRecord extends Totals {
  CreditNoteID: string;
  Type: "ACCPAYCREDIT" | "ACCRECCREDIT";
  ContactID: string;
  Date: number;
  DueDate?: number;
  LineAmountTypes: LineAmountTypes;
  LineItems: LineItemRecord[];
  CreditNoteNumber: string;
  Reference?: string;
  BrandingThemeID?: string;
  CurrencyCode: string;
  CurrencyRate: number;
  Status: DocumentStatus;
  SentToContact: boolean;
  FullyPaidOnDate?: number;
  UpdatedDateUTC: number;
}

export interface PaymentRecord {
  PaymentID: string;
  InvoiceID: string;
  AccountID: string;
  Date: number;
  Amount: number;
  Reference?: string;
  CurrencyRate: number;
  Status: "AUTHORISED" | "DELETED";
  PaymentType: "ACCRECPAYMENT" | "ACCPAYPAYMENT";
  IsReconciled: boolean;
  UpdatedDateUTC: number;
}

export interface AllocationRecord {
  AllocationID: string;
  CreditNoteID: string;
  InvoiceID: string;
  Amount: number;
  Date: number;
  IsDeleted: boolean;
}

export interface ItemRecord {
  ItemID: string;
  Code: string;
  UpdatedDateUTC: number;
  fields: XeroObject;
}

export interface OrganisationRecord {
  OrganisationID: string;
  Name: string;
  LegalName: string;
  ShortCode: string;
  BaseCurrency: string;
  CountryCode: string;
  Version: string;
  Timezone: string;
  IsDemoCompany: boolean;
  CreatedDateUTC: number;
}

/** One tenant: the organisation and everything in it. */
export interface Tenant {
  tenantId: string;
  organisation: OrganisationRecord;
  accounts: Map<string, AccountRecord>;
  taxRates: Map<string, TaxRateRecord>;
  brandingThemes: Map<string, BrandingThemeRecord>;
  trackingCategories: Map<string, TrackingCategoryRecord>;
  currencies: Map<string, CurrencyRecord>;
  contacts: Map<string, ContactRecord>;
  invoices: Map<string, InvoiceRecord>;
  creditNotes: Map<string, CreditNoteRecord>;
  payments: Map<string, PaymentRecord>;
  allocations: Map<string, AllocationRecord>;
  items: Map<string, ItemRecord>;
  sequences: { invoice: number; creditNote: number };
}
