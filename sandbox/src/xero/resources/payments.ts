// Payments: GET (list, one), PUT (create many), POST (create one), POST /Payments/{id} with Status DELETED.
// https://developer.xero.com/documentation/api/accounting/payments
import { randomUUID } from "node:crypto";
import { XeroHttpError, toNotFound } from "../http/xero-errors";
import { roundMoney } from "../model/money";
import { startOfUtcDay, toMsDate } from "../model/ms-date";
import { applyListQuery, toListQuery, type ListType } from "../query/list-query";
import type { AccountRecord, InvoiceRecord, PaymentRecord, Tenant, XeroObject } from "../store/types";
import { saveBatch, type ElementOutcome } from "./batch";
import { toNestedContact } from "./contacts";
import { bodyElements, toEnvelope, type Handler, type HandlerContext } from "./context";
import { readDay } from "./documents";
import { amountDue } from "./invoices";
import { findAccountByCode } from "./line-items";

const paymentFields = new Set([
  "PaymentID",
  "PaymentType",
  "Status",
  "Date",
  "Amount",
  "Reference",
  "UpdatedDateUTC",
  "IsReconciled",
  "Invoice.InvoiceID",
  "Invoice.InvoiceNumber",
  "Invoice.Type",
  "Invoice.Contact.ContactID",
  "Account.AccountID",
  "Account.Code",
]);

export function paymentListType(tenant: Tenant): ListType<PaymentRecord> {
  return {
    typeName: "Payment",
    fields: paymentFields,
    toView: (payment) => {
      const invoice = tenant.invoices.get(payment.InvoiceID);
      return {
        ...payment,
        Invoice: {
          InvoiceID: payment.InvoiceID,
          InvoiceNumber: invoice?.InvoiceNumber,
          Type: invoice?.Type,
          Contact: { ContactID: invoice?.ContactID },
        },
        Account: { AccountID: payment.AccountID, Code: tenant.accounts.get(payment.AccountID)?.Code },
      };
    },
    updatedAt: (payment) => payment.UpdatedDateUTC,
    defaultOrder: "UpdatedDateUTC ASC",
  };
}

export function toXeroPayment(tenant: Tenant, payment: PaymentRecord): XeroObject {
  const invoice = tenant.invoices.get(payment.InvoiceID);
  const account = tenant.accounts.get(payment.AccountID);
  return {
    PaymentID: payment.PaymentID,
    Date: toMsDate(payment.Date),
    BankAmount: payment.Amount,
    Amount: payment.Amount,
    ...(payment.Reference === undefined ? {} : { Reference: payment.Reference }),
    CurrencyRate: payment.CurrencyRate,
    PaymentType: payment.PaymentType,
    Status: payment.Status,
    UpdatedDateUTC: toMsDate(payment.UpdatedDateUTC),
    HasAccount: true,
    IsReconciled: payment.IsReconciled,
    Account: { AccountID: payment.AccountID, ...(account === undefined ? {} : { Code: account.Code }) },
    Invoice:
      invoice === undefined
        ? { InvoiceID: payment.InvoiceID }
        : {
            Type: invoice.Type,
            InvoiceID: invoice.InvoiceID,
            InvoiceNumber: invoice.InvoiceNumber,
            Contact: toNestedContact(tenant.contacts.get(invoice.ContactID)),
            CurrencyCode: invoice.CurrencyCode,
            HasErrors: false,
          },
    HasValidationErrors: false,
  };
}

function findInvoiceFor(tenant: Tenant, given: XeroObject | undefined): InvoiceRecord | undefined {
  if (given === undefined) return undefined;
  const id = given["InvoiceID"];
  if (typeof id === "string" && id !== "") return tenant.invoices.get(id.toLowerCase());
  const number = given["InvoiceNumber"];
  if (typeof number !== "string" || number === "") return undefined;
  for (const invoice of tenant.invoices.values())
    if (invoice.InvoiceNumber === number && invoice.Status !== "DELETED" && invoice.Status !== "VOIDED") return invoice;
  return undefined;
}

function findAccountFor(tenant: Tenant, given: XeroObject | undefined): AccountRecord | undefined {
  if (given === undefined) return undefined;
  const id = given["AccountID"];
  if (typeof id === "string" && id !== "") return tenant.accounts.get(id.toLowerCase());
  const code = given["Code"];
  return typeof code === "string" ? findAccountByCode(tenant, code) : undefined;
}

/** Applies or reverses money on an invoice: PAID when nothing is left to pay, AUTHORISED again when some is. */
export function settleInvoice(
  invoice: InvoiceRecord,
  change: { paid?: number; credited?: number },
  on: number,
  now: number,
): void {
  invoice.AmountPaid = roundMoney(invoice.AmountPaid + (change.paid ?? 0));
  invoice.AmountCredited = roundMoney(invoice.AmountCredited + (change.credited ?? 0));
  if (amountDue(invoice) === 0) {
    invoice.Status = "PAID";
    invoice.FullyPaidOnDate = on;
  } else if (invoice.Status === "PAID") {
    invoice.Status = "AUTHORISED";
    delete invoice.FullyPaidOnDate;
  }
  invoice.UpdatedDateUTC = now;
}

export function preparePayment(context: HandlerContext, element: XeroObject): ElementOutcome {
  const { tenant, now } = context;
  const errors: string[] = [];
  const invoice = findInvoiceFor(tenant, element["Invoice"] as XeroObject | undefined);
  if (invoice === undefined) errors.push("Invoice could not be found");
  // The account must be a bank account or one with payments enabled: https://developer.xero.com/documentation/api/accounting/payments#put-payments
  const account = findAccountFor(tenant, element["Account"] as XeroObject | undefined);
  if (account === undefined || account.Status !== "ACTIVE") errors.push("Account could not be found");
  else if (account.Type !== "BANK" && !account.EnablePaymentsToAccount)
    errors.push("Payments can only be made to bank accounts or accounts with payments enabled.");
  const amount = typeof element["Amount"] === "number" ? roundMoney(element["Amount"]) : undefined;
  if (amount === undefined || amount <= 0) errors.push("Payment amount must be greater than zero.");
  const date = readDay(element["Date"]);
  if (date === "invalid") errors.push("Date is not a valid date");
  if (invoice !== undefined) {
    // Payments apply to approved invoices only, and never for more than is due.
    if (invoice.Status !== "AUTHORISED") errors.push("Payments can only be made against Authorised documents.");
    else if (amount !== undefined && amount > amountDue(invoice))
      errors.push("Payment amount exceeds the amount outstanding on this document.");
  }
  if (errors.length > 0 || invoice === undefined || account === undefined || amount === undefined)
    return { ok: false, errors };
  return {
    ok: true,
    commit: () => {
      const on = typeof date === "number" ? date : startOfUtcDay(now);
      const payment: PaymentRecord = {
        PaymentID: randomUUID(),
        InvoiceID: invoice.InvoiceID,
        AccountID: account.AccountID,
        Date: on,
        Amount: amount,
        ...(typeof element["Reference"] === "string" ? { Reference: element["Reference"] } : {}),
        CurrencyRate: typeof element["CurrencyRate"] === "number" ? element["CurrencyRate"] : 1,
        Status: "AUTHORISED",
        PaymentType: invoice.Type === "ACCPAY" ? "ACCPAYPAYMENT" : "ACCRECPAYMENT",
        IsReconciled: element["IsReconciled"] === true,
        UpdatedDateUTC: now,
      };
      tenant.payments.set(payment.PaymentID, payment);
      settleInvoice(invoice, { paid: amount }, on, now);
      context.emit("INVOICE", invoice.InvoiceID, "UPDATE");
      return toXeroPayment(tenant, payment);
    },
  };
}

export const getPayments: Handler = (context) => {
  const { items, pagination } = applyListQuery(
    [...context.tenant.payments.values()],
    paymentListType(context.tenant),
    toListQuery(context.query, context.headers),
  );
  return {
    status: 200,
    body: toEnvelope(context, {
      ...(pagination === undefined ? {} : { pagination }),
      Payments: items.map((payment) => toXeroPayment(context.tenant, payment)),
    }),
  };
};

function requirePayment(context: HandlerContext): PaymentRecord {
  const payment = context.tenant.payments.get((context.params[0] ?? "").toLowerCase());
  if (payment === undefined) throw new XeroHttpError(toNotFound());
  return payment;
}

export const getPayment: Handler = (context) => ({
  status: 200,
  body: toEnvelope(context, { Payments: [toXeroPayment(context.tenant, requirePayment(context))] }),
});

export const createPayments: Handler = (context) =>
  saveBatch(
    context,
    bodyElements(context.body, "Payments"),
    { collection: "Payments", errorFlag: "HasValidationErrors" },
    (element) => preparePayment(context, element),
  );

/** POST /Payments takes one payment object, not a collection. */
export const createPayment: Handler = (context) =>
  saveBatch(
    { ...context, summarizeErrors: true },
    [(context.body ?? {}) as XeroObject],
    { collection: "Payments", errorFlag: "HasValidationErrors" },
    (element) => preparePayment(context, element),
  );

// Deleting a payment is a POST of {"Status":"DELETED"}; the invoice gets the amount back as due.
// https://developer.xero.com/documentation/api/accounting/payments#deleting-payments
export const deletePayment: Handler = (context) => {
  const payment = requirePayment(context);
  return saveBatch(
    { ...context, summarizeErrors: true },
    [(context.body ?? {}) as XeroObject],
    { collection: "Payments", errorFlag: "HasValidationErrors" },
    (element) => {
      if (element["Status"] !== "DELETED")
        return { ok: false, errors: ["Status must be DELETED to delete a payment."] };
      if (payment.Status === "DELETED") return { ok: false, errors: ["This payment has already been deleted."] };
      if (payment.IsReconciled) return { ok: false, errors: ["A reconciled payment cannot be deleted."] };
      return {
        ok: true,
        commit: () => {
          payment.Status = "DELETED";
          payment.UpdatedDateUTC = context.now;
          const invoice = context.tenant.invoices.get(payment.InvoiceID);
          if (invoice !== undefined) {
            settleInvoice(invoice, { paid: -payment.Amount }, payment.Date, context.now);
            context.emit("INVOICE", invoice.InvoiceID, "UPDATE");
          }
          return toXeroPayment(context.tenant, payment);
        },
      };
    },
  );
};
