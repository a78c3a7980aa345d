// Reference data of a new organisation, modelled on Xero's "Demo Company (NZ)": its chart of accounts, GST tax rates,
// branding themes, the Region tracking category and currencies. No contacts, invoices or payments.
// Chart of accounts: https://developer.xero.com/documentation/api/accounting/accounts
// Tax types (NZ): https://developer.xero.com/documentation/api/accounting/types#tax-rates
import { randomUUID } from "node:crypto";
import type {
  AccountRecord,
  BrandingThemeRecord,
  CurrencyRecord,
  TaxRateRecord,
  Tenant,
  TrackingCategoryRecord,
} from "./types";

type AccountSeed = Pick<AccountRecord, "Code" | "Name" | "Type" | "TaxType" | "Class"> & Partial<AccountRecord>;

export interface ReferenceDataSeed {
  accounts: readonly AccountSeed[];
  taxRates: readonly TaxRateRecord[];
  brandingThemes: readonly string[];
  trackingCategories: ReadonlyArray<{ name: string; options: readonly string[] }>;
  currencies: readonly CurrencyRecord[];
}

const revenue = { CanApplyToRevenue: true, CanApplyToExpenses: false };
const everywhere = { CanApplyToAssets: true, CanApplyToEquity: true, CanApplyToLiabilities: true };

export const demoCompanySeed: ReferenceDataSeed = {
  accounts: [
    {
      Code: "090",
      Name: "Business Bank Account",
      Type: "BANK",
      TaxType: "NONE",
      Class: "ASSET",
      BankAccountNumber: "0209087654321050",
      BankAccountType: "BANK",
      CurrencyCode: "NZD",
    },
    {
      Code: "091",
      Name: "Business Savings Account",
      Type: "BANK",
      TaxType: "NONE",
      Class: "ASSET",
      BankAccountNumber: "0209087654321051",
      BankAccountType: "BANK",
      CurrencyCode: "NZD",
    },
    {
      Code: "200",
      Name: "Sales",
      Type: "REVENUE",
      TaxType: "OUTPUT2",
      Class: "REVENUE",
      Description: "Income from any normal business activity",
    },
    {
      Code: "260",
      Name: "Other Revenue",
      Type: "REVENUE",
      TaxType: "OUTPUT2",
      Class: "REVENUE",
      Description: "Any other income that does not relate to normal business activities and is not recurring",
    },
    { Code: "270", Name: "Interest Income", Type: "REVENUE", TaxType: "NONE", Class: "REVENUE" },
    { Code: "310", Name: "Cost of Goods Sold", Type: "DIRECTCOSTS", TaxType: "INPUT2", Class: "EXPENSE" },
    { Code: "400", Name: "Advertising", Type: "EXPENSE", TaxType: "INPUT2", Class: "EXPENSE" },
    { Code: "404", Name: "Bank Fees", Type: "EXPENSE", TaxType: "NONE", Class: "EXPENSE" },
    { Code: "412", Name: "Consulting & Accounting", Type: "EXPENSE", TaxType: "INPUT2", Class: "EXPENSE" },
    { Code: "429", Name: "General Expenses", Type: "EXPENSE", TaxType: "INPUT2", Class: "EXPENSE" },
    { Code: "453", Name: "Office Expenses", Type: "EXPENSE", TaxType: "INPUT2", Class: "EXPENSE" },
    { Code: "469", Name: "Rent", Type: "OVERHEADS", TaxType: "INPUT2", Class: "EXPENSE" },
    {
      Code: "610",
      Name: "Accounts Receivable",
      Type: "CURRENT",
      TaxType: "NONE",
      Class: "ASSET",
      SystemAccount: "DEBTORS",
    },
    {
      Code: "800",
      Name: "Accounts Payable",
      Type: "CURRLIAB",
      TaxType: "NONE",
      Class: "LIABILITY",
      SystemAccount: "CREDITORS",
    },
    { Code: "820", Name: "GST", Type: "CURRLIAB", TaxType: "NONE", Class: "LIABILITY", SystemAccount: "GST" },
    {
      Code: "960",
      Name: "Retained Earnings",
      Type: "EQUITY",
      TaxType: "NONE",
      Class: "EQUITY",
      SystemAccount: "RETAINEDEARNINGS",
    },
  ],
  taxRates: [
    {
      Name: "15% GST on Expenses",
      TaxType: "INPUT2",
      ReportTaxType: "INPUT",
      Status: "ACTIVE",
      EffectiveRate: 15,
      DisplayTaxRate: 15,
      ...everywhere,
      CanApplyToExpenses: true,
      CanApplyToRevenue: false,
    },
    {
      Name: "15% GST on Income",
      TaxType: "OUTPUT2",
      ReportTaxType: "OUTPUT",
      Status: "ACTIVE",
      EffectiveRate: 15,
      DisplayTaxRate: 15,
      ...everywhere,
      ...revenue,
    },
    {
      Name: "GST on Imports",
      TaxType: "GSTONIMPORTS",
      ReportTaxType: "GSTONIMPORTS",
      Status: "ACTIVE",
      EffectiveRate: 0,
      DisplayTaxRate: 0,
      CanApplyToAssets: false,
      CanApplyToEquity: false,
      CanApplyToLiabilities: true,
      CanApplyToExpenses: false,
      CanApplyToRevenue: false,
    },
    {
      Name: "No GST",
      TaxType: "NONE",
      ReportTaxType: "NONE",
      Status: "ACTIVE",
      EffectiveRate: 0,
      DisplayTaxRate: 0,
      ...everywhere,
      CanApplyToExpenses: true,
      CanApplyToRevenue: true,
    },
    {
      Name: "Zero Rated",
      TaxType: "ZERORATED",
      ReportTaxType: "OUTPUT",
      Status: "ACTIVE",
      EffectiveRate: 0,
      DisplayTaxRate: 0,
      ...everywhere,
      ...revenue,
    },
  ],
  brandingThemes: ["Standard", "Special Projects"],
  trackingCategories: [{ name: "Region", options: ["North", "South"] }],
  currencies: [
    { Code: "NZD", Description: "New Zealand Dollar" },
    { Code: "AUD", Description: "Australian Dollar" },
    { Code: "USD", Description: "United States Dollar" },
  ],
};

export interface TenantOptions {
  name: string;
  tenantId?: string;
  shortCode?: string;
  baseCurrency?: string;
  countryCode?: string;
  referenceData?: Partial<ReferenceDataSeed>;
}

export function createTenant(options: TenantOptions, now: number): Tenant {
  const seed: ReferenceDataSeed = { ...demoCompanySeed, ...options.referenceData };
  const tenantId = options.tenantId ?? randomUUID();
  const baseCurrency = options.baseCurrency ?? "NZD";
  const accounts = new Map<string, AccountRecord>();
  for (const account of seed.accounts) {
    const record: AccountRecord = {
      AccountID: randomUUID(),
      Status: "ACTIVE",
      EnablePaymentsToAccount: false,
      ShowInExpenseClaims: false,
      UpdatedDateUTC: now,
      ...account,
    };
    accounts.set(record.AccountID, record);
  }
  const brandingThemes = new Map<string, BrandingThemeRecord>();
  seed.brandingThemes.forEach((name, index) => {
    const id = randomUUID();
    brandingThemes.set(id, { BrandingThemeID: id, Name: name, SortOrder: index, CreatedDateUTC: now });
  });
  const trackingCategories = new Map<string, TrackingCategoryRecord>();
  for (const category of seed.trackingCategories) {
    const id = randomUUID();
    trackingCategories.set(id, {
      TrackingCategoryID: id,
      Name: category.name,
      Status: "ACTIVE",
      Options: category.options.map((name) => ({ TrackingOptionID: randomUUID(), Name: name, Status: "ACTIVE" })),
    });
  }
  return {
    tenantId,
    organisation: {
      OrganisationID: randomUUID(),
      Name: options.name,
      LegalName: options.name,
      ShortCode: options.shortCode ?? `!${tenantId.slice(0, 5)}`,
      BaseCurrency: baseCurrency,
      CountryCode: options.countryCode ?? "NZ",
      Version: "NZ",
      Timezone: "NEWZEALANDSTANDARDTIME",
      IsDemoCompany: false,
      CreatedDateUTC: now,
    },
    accounts,
    taxRates: new Map(seed.taxRates.map((rate) => [rate.TaxType, { ...rate }])),
    brandingThemes,
    trackingCategories,
    currencies: new Map(seed.currencies.map((currency) => [currency.Code, { ...currency }])),
    contacts: new Map(),
    invoices: new Map(),
    creditNotes: new Map(),
    payments: new Map(),
    allocations: new Map(),
    items: new Map(),
    sequences: { invoice: 0, creditNote: 0 },
  };
}
