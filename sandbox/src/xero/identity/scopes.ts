// The scopes Xero's identity service knows, with the words its consent screen shows for them.
// https://developer.xero.com/documentation/guides/oauth2/scopes/
// Apps created on or after 2 March 2026 may not request the broad accounting.transactions and accounting.reports.read;
// they use the granular scopes (accounting.invoices, accounting.payments, accounting.reports.aged.read, …) — the same
// page, "granular scopes", and PRODUCT.md. A scope missing from this list is refused as invalid_scope.

export interface ScopeInfo {
  /** What the consent screen says the app may do. */
  readonly words: string;
  /** True when the scope reaches into an organisation (the user must pick one); false for user scopes. */
  readonly organisation: boolean;
  /** The broad scopes that new apps may no longer request. */
  readonly broad?: true;
}

export const xeroScopes: Readonly<Record<string, ScopeInfo>> = {
  openid: { words: "Know who you are in Xero", organisation: false },
  profile: { words: "View your name and Xero user id", organisation: false },
  email: { words: "View your email address", organisation: false },
  offline_access: { words: "Keep access while you are not using the app", organisation: false },
  "accounting.transactions": { words: "View and manage your business transactions", organisation: true, broad: true },
  "accounting.transactions.read": { words: "View your business transactions", organisation: true, broad: true },
  "accounting.invoices": {
    words: "View and manage your invoices, credit notes, quotes and purchase orders",
    organisation: true,
  },
  "accounting.invoices.read": {
    words: "View your invoices, credit notes, quotes and purchase orders",
    organisation: true,
  },
  "accounting.payments": {
    words: "View and manage your payments, prepayments, overpayments and batch payments",
    organisation: true,
  },
  "accounting.payments.read": {
    words: "View your payments, prepayments, overpayments and batch payments",
    organisation: true,
  },
  "accounting.banktransactions": { words: "View and manage your bank transactions and transfers", organisation: true },
  "accounting.banktransactions.read": { words: "View your bank transactions and transfers", organisation: true },
  "accounting.manualjournals": { words: "View and manage your manual journals", organisation: true },
  "accounting.manualjournals.read": { words: "View your manual journals", organisation: true },
  "accounting.contacts": { words: "View and manage your contacts", organisation: true },
  "accounting.contacts.read": { words: "View your contacts", organisation: true },
  "accounting.settings": { words: "View and manage your organisation settings", organisation: true },
  "accounting.settings.read": { words: "View your organisation settings", organisation: true },
  "accounting.attachments": { words: "View and manage your attachments", organisation: true },
  "accounting.attachments.read": { words: "View your attachments", organisation: true },
  "accounting.classicexpenses": { words: "View and manage your expense claims and receipts", organisation: true },
  "accounting.classicexpenses.read": { words: "View your expense claims and receipts", organisation: true },
  "accounting.reports.read": { words: "View your reports", organisation: true, broad: true },
  "accounting.reports.aged.read": { words: "View your aged payables and receivables reports", organisation: true },
  "accounting.reports.balancesheet.read": { words: "View your balance sheet report", organisation: true },
  "accounting.reports.banksummary.read": { words: "View your bank summary report", organisation: true },
  "accounting.reports.budgetsummary.read": { words: "View your budget summary report", organisation: true },
  "accounting.reports.executivesummary.read": { words: "View your executive summary report", organisation: true },
  "accounting.reports.profitandloss.read": { words: "View your profit and loss report", organisation: true },
  "accounting.reports.trialbalance.read": { words: "View your trial balance report", organisation: true },
  "accounting.reports.taxreports.read": { words: "View your tax reports", organisation: true },
  "accounting.journals.read": { words: "View your general ledger", organisation: true },
  "accounting.budgets.read": { words: "View your budgets", organisation: true },
  "payroll.employees": { words: "View and manage your employees", organisation: true },
  "payroll.employees.read": { words: "View your employees", organisation: true },
  "payroll.payruns": { words: "View and manage your pay runs", organisation: true },
  "payroll.payruns.read": { words: "View your pay runs", organisation: true },
  "payroll.payslip": { words: "View and manage your payslips", organisation: true },
  "payroll.payslip.read": { words: "View your payslips", organisation: true },
  "payroll.timesheets": { words: "View and manage your timesheets", organisation: true },
  "payroll.timesheets.read": { words: "View your timesheets", organisation: true },
  "payroll.settings": { words: "View and manage your payroll settings", organisation: true },
  "payroll.settings.read": { words: "View your payroll settings", organisation: true },
  files: { words: "View and manage your file library", organisation: true },
  "files.read": { words: "View your file library", organisation: true },
  assets: { words: "View and manage your fixed assets", organisation: true },
  "assets.read": { words: "View your fixed assets", organisation: true },
  projects: { words: "View and manage your projects", organisation: true },
  "projects.read": { words: "View your projects", organisation: true },
};

export type ScopeCheck = { ok: true; scopes: readonly string[] } | { ok: false; reason: string };

/** Splits a space-separated scope string and checks every scope is known and allowed for the app. */
export function parseScopes(raw: string | undefined, options: { allowBroadScopes: boolean }): ScopeCheck {
  const scopes = [...new Set((raw ?? "").split(" ").filter((scope) => scope.length > 0))];
  if (scopes.length === 0) return { ok: false, reason: "scope is required" };
  for (const scope of scopes) {
    const info = xeroScopes[scope];
    if (info === undefined) return { ok: false, reason: `unknown scope ${scope}` };
    if (info.broad === true && !options.allowBroadScopes) {
      return { ok: false, reason: `apps created on or after 2 March 2026 cannot request ${scope}` };
    }
  }
  return { ok: true, scopes };
}

/** True when the scopes reach into an organisation, so the user must choose which ones to connect. */
export function needsOrganisation(scopes: readonly string[]): boolean {
  return scopes.some((scope) => xeroScopes[scope]?.organisation === true);
}
