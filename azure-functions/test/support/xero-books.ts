// Acting as the Xero user in end-to-end tests of the pull flows: contacts, invoices, payments and credit notes made
// through the real xero-node client against the Xero emulator (the sandbox's clock stamps UpdatedDateUTC).
import {
  AccountingApi,
  ObjectSerializer,
  type Allocations,
  type Contacts,
  type CreditNotes,
  type Invoices,
  type Items,
  type PaymentDelete,
  type Payments,
} from "xero-node";
import type { XeroEmulator } from "../../../sandbox/src/xero";

type Raw = Record<string, unknown>;

export interface XeroBooks {
  createContact(fields: Raw): Promise<string>;
  updateContact(contactId: string, fields: Raw): Promise<void>;
  createInvoice(fields: Raw): Promise<Raw>;
  pay(invoiceId: string, amount: number, fields?: Raw): Promise<string>;
  deletePayment(paymentId: string): Promise<void>;
  createCreditNote(fields: Raw): Promise<string>;
  allocate(creditNoteId: string, invoiceId: string, amount: number): Promise<void>;
  createItem(code: string, name: string): Promise<void>;
  amountDue(invoiceId: string): number;
}

const dataOf = (result: { response: { data: unknown } }, key: string): Raw[] =>
  ((result.response.data as Raw)[key] as Raw[] | undefined) ?? [];

export function xeroBooks(xero: XeroEmulator, tenantId: string): XeroBooks {
  const api = new AccountingApi();
  api.basePath = xero.apiUrl;
  const authorise = (): void => {
    api.accessToken = xero.issueTokenSet({ tenantIds: [tenantId] }).access_token;
  };
  const expectOk = (element: Raw | undefined, what: string): Raw => {
    if (
      element === undefined ||
      element["HasErrors"] === true ||
      (Array.isArray(element["ValidationErrors"]) && (element["ValidationErrors"] as unknown[]).length > 0)
    ) {
      throw new Error(`Xero refused ${what}: ${JSON.stringify(element?.["ValidationErrors"] ?? element)}`);
    }
    return element;
  };
  return {
    async createContact(fields) {
      authorise();
      const result = await api.createContacts(
        tenantId,
        ObjectSerializer.deserialize({ Contacts: [fields] }, "Contacts") as Contacts,
        false,
      );
      return String(expectOk(dataOf(result, "Contacts")[0], "the contact")["ContactID"]);
    },
    async updateContact(contactId, fields) {
      authorise();
      const result = await api.updateContact(
        tenantId,
        contactId,
        ObjectSerializer.deserialize({ Contacts: [{ ContactID: contactId, ...fields }] }, "Contacts") as Contacts,
      );
      expectOk(dataOf(result, "Contacts")[0], "the contact update");
    },
    async createInvoice(fields) {
      authorise();
      const body = { Type: "ACCREC", Status: "AUTHORISED", LineAmountTypes: "Exclusive", ...fields };
      const result = await api.createInvoices(
        tenantId,
        ObjectSerializer.deserialize({ Invoices: [body] }, "Invoices") as Invoices,
        false,
        4,
      );
      return expectOk(dataOf(result, "Invoices")[0], "the invoice");
    },
    async pay(invoiceId, amount, fields = {}) {
      authorise();
      const body = { Invoice: { InvoiceID: invoiceId }, Account: { Code: "090" }, Amount: amount, ...fields };
      const result = await api.createPayments(
        tenantId,
        ObjectSerializer.deserialize({ Payments: [body] }, "Payments") as Payments,
        false,
      );
      return String(expectOk(dataOf(result, "Payments")[0], "the payment")["PaymentID"]);
    },
    async deletePayment(paymentId) {
      authorise();
      await api.deletePayment(
        tenantId,
        paymentId,
        ObjectSerializer.deserialize({ Status: "DELETED" }, "PaymentDelete") as PaymentDelete,
      );
    },
    async createCreditNote(fields) {
      authorise();
      const body = { Type: "ACCRECCREDIT", Status: "AUTHORISED", LineAmountTypes: "Exclusive", ...fields };
      const result = await api.createCreditNotes(
        tenantId,
        ObjectSerializer.deserialize({ CreditNotes: [body] }, "CreditNotes") as CreditNotes,
        false,
        4,
      );
      return String(expectOk(dataOf(result, "CreditNotes")[0], "the credit note")["CreditNoteID"]);
    },
    async allocate(creditNoteId, invoiceId, amount) {
      authorise();
      const result = await api.createCreditNoteAllocation(
        tenantId,
        creditNoteId,
        ObjectSerializer.deserialize(
          { Allocations: [{ Invoice: { InvoiceID: invoiceId }, Amount: amount, Date: "2026-03-02" }] },
          "Allocations",
        ) as Allocations,
        false,
      );
      expectOk(dataOf(result, "Allocations")[0], "the allocation");
    },
    async createItem(code, name) {
      authorise();
      const result = await api.createItems(
        tenantId,
        ObjectSerializer.deserialize({ Items: [{ Code: code, Name: name }] }, "Items") as Items,
        false,
      );
      expectOk(dataOf(result, "Items")[0], "the item");
    },
    amountDue(invoiceId) {
      const record = xero.store.tenant(tenantId).invoices.get(invoiceId.toLowerCase());
      if (record === undefined) throw new Error(`no Xero invoice ${invoiceId}`);
      return Math.round((record.Total - record.AmountPaid - record.AmountCredited) * 100) / 100;
    },
  };
}
