// Invoices: GET (list, one), PUT (create), POST (create or update, update one), GET …/OnlineInvoice, POST …/Email.
// https://developer.xero.com/documentation/api/accounting/invoices
import { randomUUID } from "node:crypto";
import { XeroHttpError, toNotFound, toValidationMessage, type XeroAnswer } from "../http/xero-errors";
import { roundMoney } from "../model/money";
import { startOfUtcDay, toDateString, toMsDate } from "../model/ms-date";
import { applyListQuery, toListParameter, toListQuery, type ListType } from "../query/list-query";
import type { DocumentStatus, InvoiceRecord, Tenant, XeroObject } from "../store/types";
import { saveBatch, type ElementOutcome } from "./batch";
import { toNestedContact } from "./contacts";
import { bodyElements, toEnvelope, type Handler, type HandlerContext } from "./context";
import {
  canChangeStatus,
  checkBrandingTheme,
  checkCurrency,
  creatableStatuses,
  isApproved,
  nextDocumentNumber,
  readDay,
  chooseDocumentContact,
  toLineAmountTypes,
} from "./documents";
import { fromLineItem, toLineItems, toTotals } from "./line-items";

const invoiceTypes = ["ACCPAY", "ACCREC"] as const;

export const amountDue = (invoice: InvoiceRecord): number =>
  roundMoney(invoice.Total - invoice.AmountPaid - invoice.AmountCredited);

const invoiceFields = new Set([
  "InvoiceID",
  "InvoiceNumber",
  "Type",
  "Status",
  "Reference",
  "Date",
  "DueDate",
  "UpdatedDateUTC",
  "AmountDue",
  "AmountPaid",
  "AmountCredited",
  "Total",
  "SubTotal",
  "TotalTax",
  "CurrencyCode",
  "SentToContact",
  "BrandingThemeID",
  "FullyPaidOnDate",
  "Contact.ContactID",
  "Contact.Name",
  "Contact.ContactNumber",
]);

export function invoiceListType(tenant: Tenant): ListType<InvoiceRecord> {
  return {
    typeName: "Invoice",
    fields: invoiceFields,
    toView: (invoice) => {
      const contact = tenant.contacts.get(invoice.ContactID);
      return {
        ...invoice,
        AmountDue: amountDue(invoice),
        Contact: { ContactID: invoice.ContactID, Name: contact?.Name, ContactNumber: contact?.fields["ContactNumber"] },
      };
    },
    updatedAt: (invoice) => invoice.UpdatedDateUTC,
    defaultOrder: "UpdatedDateUTC ASC",
  };
}

export interface InvoiceRenderOptions {
  /**
   * Xero answers lists with empty LineItems unless a page is asked for: "When you retrieve multiple invoices … no line
   * details are returned … The line item details will be returned when you retrieve an individual invoice … or by
   * using the optional paging parameter" (https://developer.xero.com/documentation/api/accounting/invoices#get-invoices,
   * and https://github.com/XeroAPI/xero-ruby/issues/9: "it will return empty array as line items").
   */
  withLineItems: boolean;
}

export function toXeroInvoice(
  tenant: Tenant,
  invoice: InvoiceRecord,
  options: InvoiceRenderOptions = { withLineItems: true },
): XeroObject {
  const payments = [...tenant.payments.values()].filter(
    (payment) => payment.InvoiceID === invoice.InvoiceID && payment.Status === "AUTHORISED",
  );
  const allocations = [...tenant.allocations.values()].filter(
    (allocation) => allocation.InvoiceID === invoice.InvoiceID && !allocation.IsDeleted,
  );
  return {
    Type: invoice.Type,
    InvoiceID: invoice.InvoiceID,
    InvoiceNumber: invoice.InvoiceNumber,
    Reference: invoice.Reference ?? "",
    Payments: payments.map((payment) => ({
      PaymentID: payment.PaymentID,
      Date: toMsDate(payment.Date),
      Amount: payment.Amount,
      ...(payment.Reference === undefined ? {} : { Reference: payment.Reference }),
      CurrencyRate: payment.CurrencyRate,
      HasAccount: false,
      HasValidationErrors: false,
    })),
    CreditNotes: allocations.map((allocation) => {
      const creditNote = tenant.creditNotes.get(allocation.CreditNoteID);
      return {
        CreditNoteID: allocation.CreditNoteID,
        CreditNoteNumber: creditNote?.CreditNoteNumber ?? "",
        AppliedAmount: allocation.Amount,
        Date: toMsDate(allocation.Date),
        Total: creditNote?.Total ?? 0,
        HasErrors: false,
      };
    }),
    Prepayments: [],
    Overpayments: [],
    AmountDue: amountDue(invoice),
    AmountPaid: invoice.AmountPaid,
    AmountCredited: invoice.AmountCredited,
    CurrencyRate: invoice.CurrencyRate,
    IsDiscounted: invoice.LineItems.some((line) => line.DiscountRate !== undefined),
    HasAttachments: false,
    HasErrors: false,
    Contact: toNestedContact(tenant.contacts.get(invoice.ContactID)),
    DateString: toDateString(invoice.Date),
    Date: toMsDate(invoice.Date),
    ...(invoice.DueDate === undefined
      ? {}
      : { DueDateString: toDateString(invoice.DueDate), DueDate: toMsDate(invoice.DueDate) }),
    ...(invoice.ExpectedPaymentDate === undefined
      ? {}
      : { ExpectedPaymentDate: toMsDate(invoice.ExpectedPaymentDate) }),
    ...(invoice.PlannedPaymentDate === undefined ? {} : { PlannedPaymentDate: toMsDate(invoice.PlannedPaymentDate) }),
    ...(invoice.BrandingThemeID === undefined ? {} : { BrandingThemeID: invoice.BrandingThemeID }),
    ...(invoice.Url === undefined ? {} : { Url: invoice.Url }),
    Status: invoice.Status,
    LineAmountTypes: invoice.LineAmountTypes,
    LineItems: options.withLineItems ? invoice.LineItems.map(fromLineItem) : [],
    SubTotal: invoice.SubTotal,
    TotalTax: invoice.TotalTax,
    Total: invoice.Total,
    UpdatedDateUTC: toMsDate(invoice.UpdatedDateUTC),
    CurrencyCode: invoice.CurrencyCode,
    SentToContact: invoice.SentToContact,
    ...(invoice.FullyPaidOnDate === undefined ? {} : { FullyPaidOnDate: toMsDate(invoice.FullyPaidOnDate) }),
  };
}

/** Fields that may still change once money has been applied to an invoice. */
const editableWhenPaid = new Set([
  "InvoiceID",
  "InvoiceNumber",
  "SentToContact",
  "Reference",
  "ExpectedPaymentDate",
  "PlannedPaymentDate",
  "Url",
  "Status",
  "Type",
  "Contact",
  "HasErrors",
  "HasAttachments",
  "IsDiscounted",
]);

function isInvoiceNumberTaken(tenant: Tenant, number: string, exceptId?: string): boolean {
  for (const invoice of tenant.invoices.values()) {
    if (invoice.InvoiceID === exceptId || invoice.Type !== "ACCREC") continue;
    if (invoice.Status === "DELETED" || invoice.Status === "VOIDED") continue;
    if (invoice.InvoiceNumber.toLowerCase() === number.toLowerCase()) return true;
  }
  return false;
}

/** Validates one invoice element (a create when `existing` is undefined) and answers how to save it. */
export function prepareInvoice(
  context: HandlerContext,
  element: XeroObject,
  existing: InvoiceRecord | undefined,
): ElementOutcome {
  const { tenant, now } = context;
  const errors: string[] = [];
  const type = (element["Type"] ?? existing?.Type) as string | undefined;
  if (type === undefined) errors.push("Invoice Type must be specified");
  else if (!(invoiceTypes as readonly string[]).includes(type))
    errors.push(`Invoice Type '${type}' is not valid for an invoice`);

  const requested = element["Status"] as DocumentStatus | undefined;
  const status: DocumentStatus = requested ?? existing?.Status ?? "DRAFT";
  if (existing === undefined && !creatableStatuses.includes(status))
    errors.push("Invoice not of valid status for creation");
  if (existing !== undefined && !canChangeStatus(existing.Status, status))
    errors.push("Invoice not of valid status for modification");
  if (
    existing !== undefined &&
    status === "VOIDED" &&
    existing.Status !== "VOIDED" &&
    (existing.AmountPaid > 0 || existing.AmountCredited > 0)
  ) {
    errors.push("Invoice not of valid status for modification");
  }
  // Once a payment or credit note is applied, only a few header fields may change.
  if (existing !== undefined && (existing.AmountPaid > 0 || existing.AmountCredited > 0)) {
    const changed = Object.keys(element).filter((key) => element[key] !== undefined && !editableWhenPaid.has(key));
    if (changed.length > 0)
      errors.push("This document cannot be edited as it has a payment or credit note allocated to it.");
  }

  const { contact, newContact } = chooseDocumentContact(tenant, element, existing?.ContactID, now, errors);

  const lineAmountTypes = toLineAmountTypes(element["LineAmountTypes"], existing?.LineAmountTypes ?? "Exclusive");
  const lineInputs = Array.isArray(element["LineItems"]) ? (element["LineItems"] as XeroObject[]) : undefined;
  const { lines, errors: lineErrors } =
    lineInputs === undefined &&
    existing !== undefined &&
    element["LineAmountTypes"] === undefined &&
    !(isApproved(status) && !isApproved(existing.Status))
      ? { lines: existing.LineItems, errors: [] }
      : toLineItems(tenant, lineInputs ?? existing?.LineItems.map(fromLineItem) ?? [], {
          lineAmountTypes,
          unitdp: context.unitdp,
          approved: isApproved(status),
        });
  errors.push(...lineErrors);
  if (status !== "DRAFT" && status !== "DELETED" && status !== "VOIDED" && lines.length === 0)
    errors.push("One or more line items must be specified");

  const date = readDay(element["Date"]);
  const dueDate = readDay(element["DueDate"]);
  const expected = readDay(element["ExpectedPaymentDate"]);
  const planned = readDay(element["PlannedPaymentDate"]);
  if (date === "invalid") errors.push("Date is not a valid date");
  if (dueDate === "invalid") errors.push("Due Date is not a valid date");
  if (expected === "invalid" || planned === "invalid") errors.push("Expected payment date is not a valid date");

  const currencyError = checkCurrency(tenant, element["CurrencyCode"]);
  if (currencyError !== undefined) errors.push(currencyError);
  const brandingError = checkBrandingTheme(tenant, element["BrandingThemeID"]);
  if (brandingError !== undefined) errors.push(brandingError);

  // Invoice numbers of sales invoices are unique; Xero numbers them INV-0001, … when none is given.
  // https://developer.xero.com/documentation/api/accounting/invoices#post-invoices (InvoiceNumber)
  const givenNumber =
    typeof element["InvoiceNumber"] === "string" && element["InvoiceNumber"] !== ""
      ? element["InvoiceNumber"]
      : undefined;
  if (type === "ACCREC" && givenNumber !== undefined && isInvoiceNumberTaken(tenant, givenNumber, existing?.InvoiceID))
    errors.push("Invoice # must be unique.");

  // SentToContact may be set only on approved invoices: https://developer.xero.com/documentation/api/accounting/invoices#post-invoices
  const sentToContact =
    typeof element["SentToContact"] === "boolean" ? element["SentToContact"] : (existing?.SentToContact ?? false);
  if (element["SentToContact"] === true && !isApproved(status))
    errors.push("Only approved invoices can be marked as sent to contact.");

  if (errors.length > 0 || type === undefined || contact === undefined) return { ok: false, errors };

  const totals = toTotals(lines, lineAmountTypes);
  const paidAndCredited = roundMoney((existing?.AmountPaid ?? 0) + (existing?.AmountCredited ?? 0));
  if (totals.Total < paidAndCredited)
    return { ok: false, errors: ["The invoice total cannot be less than the amount already paid or credited."] };
  const chosenContact = contact;
  const invoiceNumber = givenNumber ?? existing?.InvoiceNumber;
  return {
    ok: true,
    commit: () => {
      if (newContact !== undefined) {
        tenant.contacts.set(newContact.ContactID, newContact);
        context.emit("CONTACT", newContact.ContactID, "CREATE");
      }
      // Xero marks a contact as a customer (or supplier) once it is used on a sales (or purchase) invoice.
      if (type === "ACCREC") chosenContact.IsCustomer = true;
      else chosenContact.IsSupplier = true;
      const sequence = { value: tenant.sequences.invoice };
      const number =
        invoiceNumber ??
        (type === "ACCREC"
          ? nextDocumentNumber("INV", sequence, (candidate) => isInvoiceNumberTaken(tenant, candidate))
          : "");
      tenant.sequences.invoice = sequence.value;
      const record: InvoiceRecord = {
        InvoiceID: existing?.InvoiceID ?? randomUUID(),
        Type: type,
        ContactID: chosenContact.ContactID,
        Date: typeof date === "number" ? date : (existing?.Date ?? startOfUtcDay(now)),
        ...(typeof dueDate === "number"
          ? { DueDate: dueDate }
          : existing?.DueDate === undefined
            ? {}
            : { DueDate: existing.DueDate }),
        ...(typeof expected === "number"
          ? { ExpectedPaymentDate: expected }
          : existing?.ExpectedPaymentDate === undefined
            ? {}
            : { ExpectedPaymentDate: existing.ExpectedPaymentDate }),
        ...(typeof planned === "number"
          ? { PlannedPaymentDate: planned }
          : existing?.PlannedPaymentDate === undefined
            ? {}
            : { PlannedPaymentDate: existing.PlannedPaymentDate }),
        LineAmountTypes: lineAmountTypes,
        LineItems: lines,
        InvoiceNumber: number,
        ...pick(element, existing, "Reference"),
        ...pick(element, existing, "Url"),
        ...(typeof element["BrandingThemeID"] === "string"
          ? { BrandingThemeID: element["BrandingThemeID"].toLowerCase() }
          : existing?.BrandingThemeID === undefined
            ? {}
            : { BrandingThemeID: existing.BrandingThemeID }),
        CurrencyCode:
          (element["CurrencyCode"] as string | undefined) ?? existing?.CurrencyCode ?? tenant.organisation.BaseCurrency,
        CurrencyRate:
          typeof element["CurrencyRate"] === "number" ? element["CurrencyRate"] : (existing?.CurrencyRate ?? 1),
        Status: status,
        SentToContact: sentToContact,
        AmountPaid: existing?.AmountPaid ?? 0,
        AmountCredited: existing?.AmountCredited ?? 0,
        ...totals,
        ...(existing?.FullyPaidOnDate === undefined ? {} : { FullyPaidOnDate: existing.FullyPaidOnDate }),
        UpdatedDateUTC: now,
        ...(existing?.emailedAt === undefined ? {} : { emailedAt: existing.emailedAt }),
      };
      tenant.invoices.set(record.InvoiceID, record);
      context.emit("INVOICE", record.InvoiceID, existing === undefined ? "CREATE" : "UPDATE");
      return toXeroInvoice(tenant, record);
    },
  };
}

function pick(
  element: XeroObject,
  existing: InvoiceRecord | undefined,
  key: "Reference" | "Url",
): Partial<Pick<InvoiceRecord, "Reference" | "Url">> {
  const value = element[key];
  if (typeof value === "string") return { [key]: value };
  const kept = existing?.[key];
  return kept === undefined ? {} : { [key]: kept };
}

function findInvoice(tenant: Tenant, idOrNumber: string): InvoiceRecord | undefined {
  const byId = tenant.invoices.get(idOrNumber.toLowerCase());
  if (byId !== undefined) return byId;
  // GET /Invoices/{InvoiceNumber} also works: https://developer.xero.com/documentation/api/accounting/invoices#get-invoices
  for (const invoice of tenant.invoices.values())
    if (invoice.InvoiceNumber !== "" && invoice.InvoiceNumber === idOrNumber) return invoice;
  return undefined;
}

function requireInvoice(context: HandlerContext): InvoiceRecord {
  const invoice = findInvoice(context.tenant, context.params[0] ?? "");
  if (invoice === undefined) throw new XeroHttpError(toNotFound());
  return invoice;
}

export const getInvoices: Handler = (context) => {
  const { tenant, query } = context;
  const ids = toListParameter(query, "IDs")?.map((id) => id.toLowerCase());
  const numbers = toListParameter(query, "InvoiceNumbers");
  const contactIds = toListParameter(query, "ContactIDs")?.map((id) => id.toLowerCase());
  const statuses = toListParameter(query, "Statuses");
  const searchTerm = query.get("searchTerm")?.toLowerCase();
  let invoices = [...tenant.invoices.values()];
  if (ids !== undefined) invoices = invoices.filter((invoice) => ids.includes(invoice.InvoiceID));
  if (numbers !== undefined) invoices = invoices.filter((invoice) => numbers.includes(invoice.InvoiceNumber));
  if (contactIds !== undefined) invoices = invoices.filter((invoice) => contactIds.includes(invoice.ContactID));
  if (statuses !== undefined) invoices = invoices.filter((invoice) => statuses.includes(invoice.Status));
  if (searchTerm !== undefined && searchTerm !== "") {
    invoices = invoices.filter(
      (invoice) =>
        invoice.InvoiceNumber.toLowerCase().includes(searchTerm) ||
        (invoice.Reference ?? "").toLowerCase().includes(searchTerm),
    );
  }
  const listQuery = toListQuery(query, context.headers);
  const { items, pagination } = applyListQuery(invoices, invoiceListType(tenant), listQuery);
  const withLineItems = listQuery.page !== undefined && query.get("summaryOnly") !== "true";
  return {
    status: 200,
    body: toEnvelope(context, {
      ...(pagination === undefined ? {} : { pagination }),
      Invoices: items.map((invoice) => toXeroInvoice(tenant, invoice, { withLineItems })),
    }),
  };
};

export const getInvoice: Handler = (context) => {
  const invoice = requireInvoice(context);
  return { status: 200, body: toEnvelope(context, { Invoices: [toXeroInvoice(context.tenant, invoice)] }) };
};

function existingFor(context: HandlerContext, element: XeroObject): InvoiceRecord | undefined | "missing" {
  const id = element["InvoiceID"];
  if (typeof id === "string" && id !== "") return context.tenant.invoices.get(id.toLowerCase()) ?? "missing";
  const number = element["InvoiceNumber"];
  if (typeof number !== "string" || number === "") return undefined;
  for (const invoice of context.tenant.invoices.values()) {
    if (
      invoice.Type === "ACCREC" &&
      invoice.InvoiceNumber === number &&
      invoice.Status !== "DELETED" &&
      invoice.Status !== "VOIDED"
    )
      return invoice;
  }
  return undefined;
}

export const createInvoices: Handler = (context) =>
  saveBatch(
    context,
    bodyElements(context.body, "Invoices"),
    { collection: "Invoices", errorFlag: "HasErrors" },
    (element) => prepareInvoice(context, element, undefined),
  );

export const updateOrCreateInvoices: Handler = (context) =>
  saveBatch(
    context,
    bodyElements(context.body, "Invoices"),
    { collection: "Invoices", errorFlag: "HasErrors" },
    (element) => {
      const existing = existingFor(context, element);
      if (existing === "missing") return { ok: false, errors: ["Invoice could not be found"] };
      return prepareInvoice(context, element, existing);
    },
  );

export const updateInvoice: Handler = (context) => {
  const invoice = requireInvoice(context);
  return saveBatch(
    context,
    bodyElements(context.body, "Invoices").slice(0, 1),
    { collection: "Invoices", errorFlag: "HasErrors" },
    (element) => prepareInvoice(context, element, invoice),
  );
};

// The online invoice link exists for sales invoices that are no longer drafts:
// https://developer.xero.com/documentation/api/accounting/invoices#retrieving-the-online-invoice-url
export const getOnlineInvoice: Handler = (context): XeroAnswer => {
  const invoice = requireInvoice(context);
  if (
    invoice.Type !== "ACCREC" ||
    invoice.Status === "DRAFT" ||
    invoice.Status === "DELETED" ||
    invoice.Status === "VOIDED"
  ) {
    return toValidationMessage("An online invoice can only be retrieved for an approved sales invoice.");
  }
  return {
    status: 200,
    body: toEnvelope(context, {
      OnlineInvoices: [{ OnlineInvoiceUrl: `${context.baseUrl}/in/${context.tenant.tenantId}/${invoice.InvoiceID}` }],
    }),
  };
};

// Emailing from Xero: only sales invoices that are SUBMITTED, AUTHORISED or PAID, to a contact with an email address.
// https://developer.xero.com/documentation/api/accounting/invoices#emailing-an-invoice
export const emailInvoice: Handler = (context): XeroAnswer => {
  const invoice = requireInvoice(context);
  if (invoice.Type !== "ACCREC" || !["SUBMITTED", "AUTHORISED", "PAID"].includes(invoice.Status)) {
    return toValidationMessage("Invoice not of valid status for sending.");
  }
  const email = context.tenant.contacts.get(invoice.ContactID)?.fields["EmailAddress"];
  if (typeof email !== "string" || email.trim() === "")
    return toValidationMessage("The contact does not have an email address.");
  invoice.emailedAt = context.now;
  // Xero marks an invoice it emails as sent to the contact.
  invoice.SentToContact = true;
  invoice.UpdatedDateUTC = context.now;
  context.emit("INVOICE", invoice.InvoiceID, "UPDATE");
  return { status: 204 };
};
