// Credit notes: GET (list, one), PUT (create), POST (create or update, update one), PUT …/Allocations.
// https://developer.xero.com/documentation/api/accounting/creditnotes
import { randomUUID } from "node:crypto";
import { XeroHttpError, toNotFound } from "../http/xero-errors";
import { roundMoney } from "../model/money";
import { startOfUtcDay, toDateString, toMsDate } from "../model/ms-date";
import { applyListQuery, toListQuery, type ListType } from "../query/list-query";
import type { AllocationRecord, CreditNoteRecord, DocumentStatus, Tenant, XeroObject } from "../store/types";
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
import { amountDue } from "./invoices";
import { fromLineItem, toLineItems, toTotals } from "./line-items";
import { settleInvoice } from "./payments";

function allocationsOf(tenant: Tenant, creditNoteId: string): AllocationRecord[] {
  return [...tenant.allocations.values()].filter(
    (allocation) => allocation.CreditNoteID === creditNoteId && !allocation.IsDeleted,
  );
}

export function remainingCredit(tenant: Tenant, creditNote: CreditNoteRecord): number {
  return roundMoney(
    creditNote.Total -
      allocationsOf(tenant, creditNote.CreditNoteID).reduce((total, allocation) => total + allocation.Amount, 0),
  );
}

const creditNoteFields = new Set([
  "CreditNoteID",
  "CreditNoteNumber",
  "Type",
  "Status",
  "Reference",
  "Date",
  "UpdatedDateUTC",
  "Total",
  "SubTotal",
  "TotalTax",
  "RemainingCredit",
  "CurrencyCode",
  "Contact.ContactID",
  "Contact.Name",
]);

export function creditNoteListType(tenant: Tenant): ListType<CreditNoteRecord> {
  return {
    typeName: "CreditNote",
    fields: creditNoteFields,
    toView: (creditNote) => ({
      ...creditNote,
      RemainingCredit: remainingCredit(tenant, creditNote),
      Contact: { ContactID: creditNote.ContactID, Name: tenant.contacts.get(creditNote.ContactID)?.Name },
    }),
    updatedAt: (creditNote) => creditNote.UpdatedDateUTC,
    defaultOrder: "UpdatedDateUTC ASC",
  };
}

function toXeroAllocation(tenant: Tenant, allocation: AllocationRecord): XeroObject {
  const invoice = tenant.invoices.get(allocation.InvoiceID);
  return {
    AllocationID: allocation.AllocationID,
    Amount: allocation.Amount,
    Date: toMsDate(allocation.Date),
    Invoice: {
      InvoiceID: allocation.InvoiceID,
      ...(invoice === undefined ? {} : { InvoiceNumber: invoice.InvoiceNumber, Type: invoice.Type }),
      HasErrors: false,
    },
    IsDeleted: allocation.IsDeleted,
  };
}

export function toXeroCreditNote(tenant: Tenant, creditNote: CreditNoteRecord): XeroObject {
  return {
    CreditNoteID: creditNote.CreditNoteID,
    CreditNoteNumber: creditNote.CreditNoteNumber,
    Type: creditNote.Type,
    Reference: creditNote.Reference ?? "",
    RemainingCredit: remainingCredit(tenant, creditNote),
    Allocations: allocationsOf(tenant, creditNote.CreditNoteID).map((allocation) =>
      toXeroAllocation(tenant, allocation),
    ),
    Payments: [],
    HasAttachments: false,
    HasErrors: false,
    Contact: toNestedContact(tenant.contacts.get(creditNote.ContactID)),
    DateString: toDateString(creditNote.Date),
    Date: toMsDate(creditNote.Date),
    ...(creditNote.DueDate === undefined ? {} : { DueDate: toMsDate(creditNote.DueDate) }),
    ...(creditNote.BrandingThemeID === undefined ? {} : { BrandingThemeID: creditNote.BrandingThemeID }),
    Status: creditNote.Status,
    LineAmountTypes: creditNote.LineAmountTypes,
    LineItems: creditNote.LineItems.map(fromLineItem),
    SubTotal: creditNote.SubTotal,
    TotalTax: creditNote.TotalTax,
    Total: creditNote.Total,
    UpdatedDateUTC: toMsDate(creditNote.UpdatedDateUTC),
    CurrencyCode: creditNote.CurrencyCode,
    CurrencyRate: creditNote.CurrencyRate,
    SentToContact: creditNote.SentToContact,
    ...(creditNote.FullyPaidOnDate === undefined ? {} : { FullyPaidOnDate: toMsDate(creditNote.FullyPaidOnDate) }),
  };
}

function isNumberTaken(tenant: Tenant, number: string, exceptId?: string): boolean {
  for (const creditNote of tenant.creditNotes.values()) {
    if (
      creditNote.CreditNoteID === exceptId ||
      creditNote.Type !== "ACCRECCREDIT" ||
      creditNote.Status === "DELETED" ||
      creditNote.Status === "VOIDED"
    )
      continue;
    if (creditNote.CreditNoteNumber.toLowerCase() === number.toLowerCase()) return true;
  }
  return false;
}

export function prepareCreditNote(
  context: HandlerContext,
  element: XeroObject,
  existing: CreditNoteRecord | undefined,
): ElementOutcome {
  const { tenant, now } = context;
  const errors: string[] = [];
  const type = (element["Type"] ?? existing?.Type) as CreditNoteRecord["Type"] | undefined;
  if (type === undefined) errors.push("Credit Note Type must be specified");
  const status: DocumentStatus = (element["Status"] as DocumentStatus | undefined) ?? existing?.Status ?? "DRAFT";
  if (existing === undefined && !creatableStatuses.includes(status))
    errors.push("Credit note not of valid status for creation");
  const allocated = existing === undefined ? 0 : roundMoney(existing.Total - remainingCredit(tenant, existing));
  if (existing !== undefined && (!canChangeStatus(existing.Status, status) || (status === "VOIDED" && allocated > 0)))
    errors.push("Credit note not of valid status for modification");
  if (existing !== undefined && allocated > 0 && element["LineItems"] !== undefined)
    errors.push("This document cannot be edited as it has a payment or credit note allocated to it.");

  const { contact, newContact } = chooseDocumentContact(tenant, element, existing?.ContactID, now, errors);

  const lineAmountTypes = toLineAmountTypes(element["LineAmountTypes"], existing?.LineAmountTypes ?? "Exclusive");
  const lineInputs = Array.isArray(element["LineItems"])
    ? (element["LineItems"] as XeroObject[])
    : (existing?.LineItems.map(fromLineItem) ?? []);
  const { lines, errors: lineErrors } =
    allocated > 0 && existing !== undefined
      ? { lines: existing.LineItems, errors: [] }
      : toLineItems(tenant, lineInputs, { lineAmountTypes, unitdp: context.unitdp, approved: isApproved(status) });
  errors.push(...lineErrors);
  if (status !== "DRAFT" && status !== "DELETED" && status !== "VOIDED" && lines.length === 0)
    errors.push("One or more line items must be specified");
  const date = readDay(element["Date"]);
  if (date === "invalid") errors.push("Date is not a valid date");
  const currencyError = checkCurrency(tenant, element["CurrencyCode"]);
  if (currencyError !== undefined) errors.push(currencyError);
  const brandingError = checkBrandingTheme(tenant, element["BrandingThemeID"]);
  if (brandingError !== undefined) errors.push(brandingError);
  const givenNumber =
    typeof element["CreditNoteNumber"] === "string" && element["CreditNoteNumber"] !== ""
      ? element["CreditNoteNumber"]
      : undefined;
  if (
    type === "ACCRECCREDIT" &&
    givenNumber !== undefined &&
    isNumberTaken(tenant, givenNumber, existing?.CreditNoteID)
  )
    errors.push("Credit Note # must be unique.");
  if (element["SentToContact"] === true && !isApproved(status))
    errors.push("Only approved credit notes can be marked as sent to contact.");
  if (errors.length > 0 || type === undefined || contact === undefined) return { ok: false, errors };

  const totals = toTotals(lines, lineAmountTypes);
  const chosenContact = contact;
  return {
    ok: true,
    commit: () => {
      if (newContact !== undefined) {
        tenant.contacts.set(newContact.ContactID, newContact);
        context.emit("CONTACT", newContact.ContactID, "CREATE");
      }
      const sequence = { value: tenant.sequences.creditNote };
      const number =
        givenNumber ??
        existing?.CreditNoteNumber ??
        (type === "ACCRECCREDIT"
          ? nextDocumentNumber("CN", sequence, (candidate) => isNumberTaken(tenant, candidate))
          : "");
      tenant.sequences.creditNote = sequence.value;
      const record: CreditNoteRecord = {
        CreditNoteID: existing?.CreditNoteID ?? randomUUID(),
        Type: type,
        ContactID: chosenContact.ContactID,
        Date: typeof date === "number" ? date : (existing?.Date ?? startOfUtcDay(now)),
        LineAmountTypes: lineAmountTypes,
        LineItems: lines,
        CreditNoteNumber: number,
        ...(typeof element["Reference"] === "string"
          ? { Reference: element["Reference"] }
          : existing?.Reference === undefined
            ? {}
            : { Reference: existing.Reference }),
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
        SentToContact:
          typeof element["SentToContact"] === "boolean" ? element["SentToContact"] : (existing?.SentToContact ?? false),
        ...totals,
        UpdatedDateUTC: now,
      };
      tenant.creditNotes.set(record.CreditNoteID, record);
      context.emit("CREDITNOTE", record.CreditNoteID, existing === undefined ? "CREATE" : "UPDATE");
      return toXeroCreditNote(tenant, record);
    },
  };
}

function requireCreditNote(context: HandlerContext): CreditNoteRecord {
  const key = context.params[0] ?? "";
  const byId = context.tenant.creditNotes.get(key.toLowerCase());
  const creditNote =
    byId ??
    [...context.tenant.creditNotes.values()].find(
      (candidate) => candidate.CreditNoteNumber !== "" && candidate.CreditNoteNumber === key,
    );
  if (creditNote === undefined) throw new XeroHttpError(toNotFound());
  return creditNote;
}

export const getCreditNotes: Handler = (context) => {
  const { items, pagination } = applyListQuery(
    [...context.tenant.creditNotes.values()],
    creditNoteListType(context.tenant),
    toListQuery(context.query, context.headers),
  );
  return {
    status: 200,
    body: toEnvelope(context, {
      ...(pagination === undefined ? {} : { pagination }),
      CreditNotes: items.map((creditNote) => toXeroCreditNote(context.tenant, creditNote)),
    }),
  };
};

export const getCreditNote: Handler = (context) => ({
  status: 200,
  body: toEnvelope(context, { CreditNotes: [toXeroCreditNote(context.tenant, requireCreditNote(context))] }),
});

export const createCreditNotes: Handler = (context) =>
  saveBatch(
    context,
    bodyElements(context.body, "CreditNotes"),
    { collection: "CreditNotes", errorFlag: "HasErrors" },
    (element) => prepareCreditNote(context, element, undefined),
  );

export const updateOrCreateCreditNotes: Handler = (context) =>
  saveBatch(
    context,
    bodyElements(context.body, "CreditNotes"),
    { collection: "CreditNotes", errorFlag: "HasErrors" },
    (element) => {
      const id = element["CreditNoteID"];
      if (typeof id === "string" && id !== "") {
        const existing = context.tenant.creditNotes.get(id.toLowerCase());
        return existing === undefined
          ? { ok: false, errors: ["Credit note could not be found"] }
          : prepareCreditNote(context, element, existing);
      }
      return prepareCreditNote(context, element, undefined);
    },
  );

export const updateCreditNote: Handler = (context) => {
  const creditNote = requireCreditNote(context);
  return saveBatch(
    context,
    bodyElements(context.body, "CreditNotes").slice(0, 1),
    { collection: "CreditNotes", errorFlag: "HasErrors" },
    (element) => prepareCreditNote(context, element, creditNote),
  );
};

// Allocating a credit note to an invoice of the same contact and currency: both must be approved, and the amount may
// exceed neither the credit left nor the amount due. The invoice's AmountDue falls (PAID at zero) and so does the
// credit note's RemainingCredit (PAID when used up).
// https://developer.xero.com/documentation/api/accounting/creditnotes#allocating-credit-notes
export const createCreditNoteAllocation: Handler = (context) => {
  const creditNote = requireCreditNote(context);
  const { tenant, now } = context;
  return saveBatch(
    context,
    bodyElements(context.body, "Allocations"),
    { collection: "Allocations" },
    (element): ElementOutcome => {
      const errors: string[] = [];
      const invoiceRef = element["Invoice"] as XeroObject | undefined;
      const invoiceId = typeof invoiceRef?.["InvoiceID"] === "string" ? invoiceRef["InvoiceID"].toLowerCase() : "";
      const invoice = tenant.invoices.get(invoiceId);
      const amount = typeof element["Amount"] === "number" ? roundMoney(element["Amount"]) : 0;
      const date = readDay(element["Date"]);
      if (creditNote.Status !== "AUTHORISED") errors.push("Credit note must be approved before it can be allocated.");
      if (invoice === undefined) errors.push("Invoice could not be found");
      else {
        if (invoice.Status !== "AUTHORISED")
          errors.push("Invoice must be approved before a credit note can be allocated to it.");
        if (invoice.ContactID !== creditNote.ContactID)
          errors.push("The credit note and the invoice must belong to the same contact.");
        if (invoice.CurrencyCode !== creditNote.CurrencyCode)
          errors.push("The credit note and the invoice must be in the same currency.");
        if ((invoice.Type === "ACCREC") !== (creditNote.Type === "ACCRECCREDIT"))
          errors.push("A sales credit note can only be allocated to a sales invoice.");
        if (amount > amountDue(invoice)) errors.push("The amount allocated exceeds the amount due on the invoice.");
      }
      if (amount <= 0) errors.push("The amount allocated must be greater than zero.");
      if (amount > remainingCredit(tenant, creditNote))
        errors.push("The amount allocated exceeds the remaining credit.");
      if (date === "invalid") errors.push("Date is not a valid date");
      if (errors.length > 0 || invoice === undefined) return { ok: false, errors };
      return {
        ok: true,
        commit: () => {
          const on = typeof date === "number" ? date : startOfUtcDay(now);
          const allocation: AllocationRecord = {
            AllocationID: randomUUID(),
            CreditNoteID: creditNote.CreditNoteID,
            InvoiceID: invoice.InvoiceID,
            Amount: amount,
            Date: on,
            IsDeleted: false,
          };
          tenant.allocations.set(allocation.AllocationID, allocation);
          settleInvoice(invoice, { credited: amount }, on, now);
          if (remainingCredit(tenant, creditNote) === 0) {
            creditNote.Status = "PAID";
            creditNote.FullyPaidOnDate = on;
          }
          creditNote.UpdatedDateUTC = now;
          context.emit("INVOICE", invoice.InvoiceID, "UPDATE");
          context.emit("CREDITNOTE", creditNote.CreditNoteID, "UPDATE");
          return {
            ...toXeroAllocation(tenant, allocation),
            CreditNote: {
              CreditNoteID: creditNote.CreditNoteID,
              CreditNoteNumber: creditNote.CreditNoteNumber,
              HasErrors: false,
            },
          };
        },
      };
    },
  );
};
