// Organisation settings the service reads as reference data: Accounts, TaxRates, BrandingThemes, TrackingCategories
// (and options), Organisation and Currencies.
import { randomUUID } from "node:crypto";
import { XeroHttpError, toNotFound, toValidationException, type XeroAnswer } from "../http/xero-errors";
import { toMsDate } from "../model/ms-date";
import { applyListQuery, toListQuery, type ListType } from "../query/list-query";
import type {
  AccountRecord,
  BrandingThemeRecord,
  TaxRateRecord,
  TrackingCategoryRecord,
  XeroObject,
} from "../store/types";
import { toEnvelope, type Handler, type HandlerContext } from "./context";
import { findAccountByCode } from "./line-items";

// ---- Accounts: https://developer.xero.com/documentation/api/accounting/accounts ----

const accountListType: ListType<AccountRecord> = {
  typeName: "Account",
  fields: new Set([
    "AccountID",
    "Code",
    "Name",
    "Type",
    "Status",
    "TaxType",
    "Class",
    "BankAccountNumber",
    "BankAccountType",
    "CurrencyCode",
    "SystemAccount",
    "EnablePaymentsToAccount",
    "UpdatedDateUTC",
  ]),
  toView: (account) => ({ ...account }),
  updatedAt: (account) => account.UpdatedDateUTC,
  defaultOrder: "Code ASC",
};

export function toXeroAccount(account: AccountRecord): XeroObject {
  return { ...account, HasAttachments: false, AddToWatchlist: false, UpdatedDateUTC: toMsDate(account.UpdatedDateUTC) };
}

export const getAccounts: Handler = (context) => {
  const { items } = applyListQuery(
    [...context.tenant.accounts.values()],
    accountListType,
    toListQuery(context.query, context.headers),
  );
  return { status: 200, body: toEnvelope(context, { Accounts: items.map(toXeroAccount) }) };
};

export const getAccount: Handler = (context) => {
  const account = context.tenant.accounts.get((context.params[0] ?? "").toLowerCase());
  if (account === undefined) return toNotFound();
  return { status: 200, body: toEnvelope(context, { Accounts: [toXeroAccount(account)] }) };
};

const accountClasses: Record<string, AccountRecord["Class"]> = {
  BANK: "ASSET",
  CURRENT: "ASSET",
  FIXED: "ASSET",
  INVENTORY: "ASSET",
  NONCURRENT: "ASSET",
  PREPAYMENT: "ASSET",
  CURRLIAB: "LIABILITY",
  LIABILITY: "LIABILITY",
  TERMLIAB: "LIABILITY",
  PAYGLIABILITY: "LIABILITY",
  SUPERANNUATIONLIABILITY: "LIABILITY",
  WAGESPAYABLELIABILITY: "LIABILITY",
  EQUITY: "EQUITY",
  DEPRECIATN: "EXPENSE",
  DIRECTCOSTS: "EXPENSE",
  EXPENSE: "EXPENSE",
  OVERHEADS: "EXPENSE",
  SUPERANNUATIONEXPENSE: "EXPENSE",
  WAGESEXPENSE: "EXPENSE",
  OTHERINCOME: "REVENUE",
  REVENUE: "REVENUE",
  SALES: "REVENUE",
};

// Creating an account: its Code must be unique in the chart of accounts.
// https://developer.xero.com/documentation/api/accounting/accounts#put-accounts
export const createAccount: Handler = (context): XeroAnswer => {
  const element = (context.body ?? {}) as XeroObject;
  const errors: string[] = [];
  const code = typeof element["Code"] === "string" ? element["Code"] : undefined;
  const name = typeof element["Name"] === "string" ? element["Name"] : undefined;
  const type = typeof element["Type"] === "string" ? element["Type"] : undefined;
  if (code === undefined || code === "") errors.push("Please enter a Code.");
  else if (findAccountByCode(context.tenant, code) !== undefined) errors.push("Please enter a unique Code.");
  if (name === undefined || name === "") errors.push("Please enter a Name.");
  else if ([...context.tenant.accounts.values()].some((account) => account.Name.toLowerCase() === name.toLowerCase()))
    errors.push("Please enter a unique Name.");
  const accountClass = type === undefined ? undefined : accountClasses[type];
  if (accountClass === undefined) errors.push("Please select an Account Type.");
  const taxType = typeof element["TaxType"] === "string" ? element["TaxType"] : "NONE";
  if (context.tenant.taxRates.get(taxType)?.Status !== "ACTIVE")
    errors.push(`The TaxType code '${taxType}' does not exist or cannot be used with this type of transaction.`);
  if (
    errors.length > 0 ||
    code === undefined ||
    name === undefined ||
    type === undefined ||
    accountClass === undefined
  ) {
    return toValidationException([{ ...element, ValidationErrors: errors.map((message) => ({ Message: message })) }]);
  }
  const account: AccountRecord = {
    AccountID: randomUUID(),
    Code: code,
    Name: name,
    Type: type,
    Status: "ACTIVE",
    TaxType: taxType,
    Class: accountClass,
    ...(typeof element["Description"] === "string" ? { Description: element["Description"] } : {}),
    ...(typeof element["BankAccountNumber"] === "string"
      ? { BankAccountNumber: element["BankAccountNumber"], BankAccountType: "BANK" as const }
      : {}),
    EnablePaymentsToAccount: element["EnablePaymentsToAccount"] === true,
    ShowInExpenseClaims: element["ShowInExpenseClaims"] === true,
    UpdatedDateUTC: context.now,
  };
  context.tenant.accounts.set(account.AccountID, account);
  return { status: 200, body: toEnvelope(context, { Accounts: [toXeroAccount(account)] }) };
};

// ---- Tax rates: https://developer.xero.com/documentation/api/accounting/taxrates ----

const taxRateListType: ListType<TaxRateRecord> = {
  typeName: "TaxRate",
  fields: new Set([
    "Name",
    "TaxType",
    "Status",
    "ReportTaxType",
    "EffectiveRate",
    "DisplayTaxRate",
    "CanApplyToRevenue",
    "CanApplyToExpenses",
  ]),
  toView: (rate) => ({ ...rate }),
  updatedAt: () => 0,
  defaultOrder: "Name ASC",
};

export function toXeroTaxRate(rate: TaxRateRecord): XeroObject {
  return {
    ...rate,
    TaxComponents: [{ Name: "GST", Rate: rate.EffectiveRate, IsCompound: false, IsNonRecoverable: false }],
  };
}

export const getTaxRates: Handler = (context) => {
  const { items } = applyListQuery(
    [...context.tenant.taxRates.values()],
    taxRateListType,
    toListQuery(context.query, context.headers),
  );
  return { status: 200, body: toEnvelope(context, { TaxRates: items.map(toXeroTaxRate) }) };
};

// ---- Branding themes: https://developer.xero.com/documentation/api/accounting/brandingthemes ----

function toXeroBrandingTheme(theme: BrandingThemeRecord): XeroObject {
  return {
    BrandingThemeID: theme.BrandingThemeID,
    Name: theme.Name,
    LogoUrl: "",
    Type: "INVOICE",
    SortOrder: theme.SortOrder,
    CreatedDateUTC: toMsDate(theme.CreatedDateUTC),
  };
}

export const getBrandingThemes: Handler = (context) => ({
  status: 200,
  body: toEnvelope(context, {
    BrandingThemes: [...context.tenant.brandingThemes.values()]
      .sort((a, b) => a.SortOrder - b.SortOrder)
      .map(toXeroBrandingTheme),
  }),
});

export const getBrandingTheme: Handler = (context) => {
  const theme = context.tenant.brandingThemes.get((context.params[0] ?? "").toLowerCase());
  if (theme === undefined) return toNotFound();
  return { status: 200, body: toEnvelope(context, { BrandingThemes: [toXeroBrandingTheme(theme)] }) };
};

// ---- Tracking categories: https://developer.xero.com/documentation/api/accounting/trackingcategories ----

const trackingListType: ListType<TrackingCategoryRecord> = {
  typeName: "TrackingCategory",
  fields: new Set(["TrackingCategoryID", "Name", "Status"]),
  toView: (category) => ({ ...category }),
  updatedAt: () => 0,
  defaultOrder: "Name ASC",
};

function toXeroTrackingCategory(category: TrackingCategoryRecord, includeArchived: boolean): XeroObject {
  return {
    Name: category.Name,
    Status: category.Status,
    TrackingCategoryID: category.TrackingCategoryID,
    Options: category.Options.filter((option) => includeArchived || option.Status === "ACTIVE").map((option) => ({
      TrackingOptionID: option.TrackingOptionID,
      Name: option.Name,
      Status: option.Status,
    })),
  };
}

export const getTrackingCategories: Handler = (context) => {
  const includeArchived = context.query.get("includeArchived") === "true";
  const categories = [...context.tenant.trackingCategories.values()].filter(
    (category) => category.Status !== "DELETED" && (includeArchived || category.Status === "ACTIVE"),
  );
  const { items } = applyListQuery(categories, trackingListType, toListQuery(context.query, context.headers));
  return {
    status: 200,
    body: toEnvelope(context, {
      TrackingCategories: items.map((category) => toXeroTrackingCategory(category, includeArchived)),
    }),
  };
};

function requireCategory(context: HandlerContext): TrackingCategoryRecord {
  const category = context.tenant.trackingCategories.get((context.params[0] ?? "").toLowerCase());
  if (category === undefined || category.Status === "DELETED") throw new XeroHttpError(toNotFound());
  return category;
}

export const getTrackingCategory: Handler = (context) => ({
  status: 200,
  body: toEnvelope(context, { TrackingCategories: [toXeroTrackingCategory(requireCategory(context), true)] }),
});

// At most two active tracking categories, with unique names.
export const createTrackingCategory: Handler = (context): XeroAnswer => {
  const element = (context.body ?? {}) as XeroObject;
  const name = typeof element["Name"] === "string" ? element["Name"].trim() : "";
  const categories = [...context.tenant.trackingCategories.values()];
  const errors: string[] = [];
  if (name === "") errors.push("Tracking Category Name must be specified.");
  if (
    categories.some((category) => category.Status !== "DELETED" && category.Name.toLowerCase() === name.toLowerCase())
  )
    errors.push("A Tracking Category with that name already exists.");
  if (categories.filter((category) => category.Status === "ACTIVE").length >= 2)
    errors.push("You can only have 2 active tracking categories.");
  if (errors.length > 0)
    return toValidationException([{ ...element, ValidationErrors: errors.map((message) => ({ Message: message })) }]);
  const category: TrackingCategoryRecord = {
    TrackingCategoryID: randomUUID(),
    Name: name,
    Status: "ACTIVE",
    Options: [],
  };
  context.tenant.trackingCategories.set(category.TrackingCategoryID, category);
  return { status: 200, body: toEnvelope(context, { TrackingCategories: [toXeroTrackingCategory(category, true)] }) };
};

export const createTrackingOptions: Handler = (context): XeroAnswer => {
  const category = requireCategory(context);
  const element = (context.body ?? {}) as XeroObject;
  const name = typeof element["Name"] === "string" ? element["Name"].trim() : "";
  const errors: string[] = [];
  if (name === "") errors.push("Tracking Option Name must be specified.");
  if (
    category.Options.some((option) => option.Status !== "DELETED" && option.Name.toLowerCase() === name.toLowerCase())
  )
    errors.push("A Tracking Option with that name already exists.");
  if (errors.length > 0)
    return toValidationException([{ ...element, ValidationErrors: errors.map((message) => ({ Message: message })) }]);
  const option = { TrackingOptionID: randomUUID(), Name: name, Status: "ACTIVE" as const };
  category.Options.push(option);
  return {
    status: 200,
    body: toEnvelope(context, { Options: [{ ...option, TrackingCategoryID: category.TrackingCategoryID }] }),
  };
};

// ---- Organisation and currencies ----

// https://developer.xero.com/documentation/api/accounting/organisation
export const getOrganisations: Handler = (context) => {
  const organisation = context.tenant.organisation;
  return {
    status: 200,
    body: toEnvelope(context, {
      Organisations: [
        {
          OrganisationID: organisation.OrganisationID,
          APIKey: "",
          Name: organisation.Name,
          LegalName: organisation.LegalName,
          PaysTax: true,
          Version: organisation.Version,
          OrganisationType: "COMPANY",
          BaseCurrency: organisation.BaseCurrency,
          CountryCode: organisation.CountryCode,
          IsDemoCompany: organisation.IsDemoCompany,
          OrganisationStatus: "ACTIVE",
          FinancialYearEndDay: 31,
          FinancialYearEndMonth: 3,
          SalesTaxBasis: "INVOICE",
          SalesTaxPeriod: "TWOMONTHS",
          DefaultSalesTax: "Tax Exclusive",
          DefaultPurchasesTax: "Tax Inclusive",
          CreatedDateUTC: toMsDate(organisation.CreatedDateUTC),
          OrganisationEntityType: "COMPANY",
          Timezone: organisation.Timezone,
          ShortCode: organisation.ShortCode,
          Class: "DEMO",
          Edition: "BUSINESS",
          LineOfBusiness: "Software",
          Addresses: [],
          Phones: [],
          ExternalLinks: [],
          PaymentTerms: {},
        },
      ],
    }),
  };
};

// https://developer.xero.com/documentation/api/accounting/currencies
export const getCurrencies: Handler = (context) => ({
  status: 200,
  body: toEnvelope(context, {
    Currencies: [...context.tenant.currencies.values()].map((currency) => ({ ...currency })),
  }),
});
