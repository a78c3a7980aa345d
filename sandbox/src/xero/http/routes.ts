// The Accounting API operations the emulator serves. Method and path of each come from the vendored spec, so a route
// can only exist where Xero has one.
import type { Handler } from "../resources/context";
import * as contacts from "../resources/contacts";
import * as creditNotes from "../resources/credit-notes";
import * as invoices from "../resources/invoices";
import * as items from "../resources/items";
import * as payments from "../resources/payments";
import * as settings from "../resources/settings";
import type { SpecValidator } from "../spec/spec-validator";

export const handlers: Readonly<Record<string, Handler>> = {
  getInvoices: invoices.getInvoices,
  createInvoices: invoices.createInvoices,
  updateOrCreateInvoices: invoices.updateOrCreateInvoices,
  getInvoice: invoices.getInvoice,
  updateInvoice: invoices.updateInvoice,
  getOnlineInvoice: invoices.getOnlineInvoice,
  emailInvoice: invoices.emailInvoice,
  getContacts: contacts.getContacts,
  createContacts: contacts.createContacts,
  updateOrCreateContacts: contacts.updateOrCreateContacts,
  getContact: contacts.getContact,
  updateContact: contacts.updateContact,
  getPayments: payments.getPayments,
  createPayments: payments.createPayments,
  createPayment: payments.createPayment,
  getPayment: payments.getPayment,
  deletePayment: payments.deletePayment,
  getCreditNotes: creditNotes.getCreditNotes,
  createCreditNotes: creditNotes.createCreditNotes,
  updateOrCreateCreditNotes: creditNotes.updateOrCreateCreditNotes,
  getCreditNote: creditNotes.getCreditNote,
  updateCreditNote: creditNotes.updateCreditNote,
  createCreditNoteAllocation: creditNotes.createCreditNoteAllocation,
  getItems: items.getItems,
  createItems: items.createItems,
  updateOrCreateItems: items.updateOrCreateItems,
  getItem: items.getItem,
  updateItem: items.updateItem,
  getAccounts: settings.getAccounts,
  getAccount: settings.getAccount,
  createAccount: settings.createAccount,
  getTaxRates: settings.getTaxRates,
  getBrandingThemes: settings.getBrandingThemes,
  getBrandingTheme: settings.getBrandingTheme,
  getTrackingCategories: settings.getTrackingCategories,
  getTrackingCategory: settings.getTrackingCategory,
  createTrackingCategory: settings.createTrackingCategory,
  createTrackingOptions: settings.createTrackingOptions,
  getOrganisations: settings.getOrganisations,
  getCurrencies: settings.getCurrencies,
};

export interface Route {
  operationId: string;
  method: string;
  pattern: RegExp;
  handler: Handler;
  /** The token needs at least one of these scopes. */
  scopes: ReadonlySet<string>;
}

// Apps created on or after 2 March 2026 use granular scopes in place of accounting.transactions(.read); the vendored
// spec (16.1.0) still names only the broad ones, so each path family gets its granular equivalent.
// https://developer.xero.com/faq/granular-scopes
const granularFamilies: ReadonlyArray<[RegExp, string]> = [
  [/^\/(Invoices|CreditNotes|Quotes|PurchaseOrders|RepeatingInvoices)\b/i, "accounting.invoices"],
  [/^\/(Payments|Prepayments|Overpayments|BatchPayments)\b/i, "accounting.payments"],
  [/^\/(BankTransactions|BankTransfers)\b/i, "accounting.banktransactions"],
  [/^\/ManualJournals\b/i, "accounting.manualjournals"],
];

function toScopes(path: string, specScopes: readonly string[]): Set<string> {
  const scopes = new Set(specScopes);
  const granular = granularFamilies.find(([pattern]) => pattern.test(path))?.[1];
  if (granular !== undefined) {
    if (specScopes.includes("accounting.transactions")) scopes.add(granular);
    if (specScopes.includes("accounting.transactions.read")) scopes.add(`${granular}.read`);
  }
  return scopes;
}

function toPattern(path: string): RegExp {
  const source = path.replace(/[.*+?^$()|[\]\\]/g, "\\$&").replace(/\{[^}]+\}/g, "([^/]+)");
  return new RegExp(`^${source}/?$`, "i");
}

export function buildRoutes(validator: SpecValidator): Route[] {
  return Object.entries(handlers).map(([operationId, handler]) => {
    const operation = validator.operation(operationId);
    return {
      operationId,
      method: operation.method,
      pattern: toPattern(operation.path),
      handler,
      scopes: toScopes(operation.path, operation.scopes),
    };
  });
}

export function matchRoute(
  routes: readonly Route[],
  method: string,
  path: string,
): { route: Route; params: string[] } | undefined {
  for (const route of routes) {
    if (route.method !== method) continue;
    const match = route.pattern.exec(path);
    if (match !== null) return { route, params: match.slice(1).map((value) => decodeURIComponent(value)) };
  }
  return undefined;
}
