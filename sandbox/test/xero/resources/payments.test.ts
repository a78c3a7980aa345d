import { CreditNote, Invoice } from "xero-node";
import { expectNoSpecViolations, rejectionOf, startHarness, type Harness } from "../harness";

describe("Xero emulator: payments and credit notes through xero-node", () => {
  let h: Harness;
  let contactID: string;

  beforeAll(async () => {
    h = await startHarness();
    const created = await h.xero.accountingApi.createContacts(h.tenantId, { contacts: [{ name: "Coco Cafe" }] });
    contactID = created.body.contacts?.[0]?.contactID ?? "";
  });
  afterAll(async () => {
    await h.emulator.stop();
    expectNoSpecViolations(h.emulator);
  });

  const approvedInvoice = async (
    unitAmount = 100,
    status: Invoice.StatusEnum = Invoice.StatusEnum.AUTHORISED,
  ): Promise<Invoice> => {
    const answer = await h.xero.accountingApi.createInvoices(h.tenantId, {
      invoices: [
        {
          type: Invoice.TypeEnum.ACCREC,
          contact: { contactID },
          status,
          lineItems: [{ description: "Catering", quantity: 1, unitAmount, accountCode: "200" }],
        },
      ],
    });
    const invoice = answer.body.invoices?.[0];
    if (invoice === undefined) throw new Error("no invoice");
    return invoice;
  };
  const invoiceNow = async (id: string): Promise<Invoice> => {
    const answer = await h.xero.accountingApi.getInvoice(h.tenantId, id);
    const invoice = answer.body.invoices?.[0];
    if (invoice === undefined) throw new Error("no invoice");
    return invoice;
  };

  it("reduces AmountDue, sets PAID at zero, and restores the invoice when the payment is deleted", async () => {
    const invoice = await approvedInvoice(100);
    const id = invoice.invoiceID ?? "";
    const first = await h.xero.accountingApi.createPayment(h.tenantId, {
      invoice: { invoiceID: id },
      account: { code: "090" },
      amount: 15,
      date: "2026-03-03",
      reference: "part",
    });
    expect(first.body.payments?.[0]?.paymentType).toBe("ACCRECPAYMENT");
    expect((await invoiceNow(id)).amountDue).toBe(100);
    expect((await invoiceNow(id)).amountPaid).toBe(15);
    const second = await h.xero.accountingApi.createPayments(h.tenantId, {
      payments: [
        {
          invoice: { invoiceNumber: invoice.invoiceNumber ?? "" },
          account: { code: "090" },
          amount: 100,
          date: "2026-03-04",
        },
      ],
    });
    const paid = await invoiceNow(id);
    expect(paid.status).toBe(Invoice.StatusEnum.PAID);
    expect(paid.amountDue).toBe(0);
    expect(paid.fullyPaidOnDate).toEqual(new Date(Date.UTC(2026, 2, 4)));
    expect(paid.payments?.map((payment) => payment.amount)).toEqual([15, 100]);

    const paymentID = second.body.payments?.[0]?.paymentID ?? "";
    const deleted = await h.xero.accountingApi.deletePayment(h.tenantId, paymentID, { status: "DELETED" });
    expect(deleted.body.payments?.[0]?.status).toBe("DELETED");
    const restored = await invoiceNow(id);
    expect(restored.status).toBe(Invoice.StatusEnum.AUTHORISED);
    expect(restored.amountDue).toBe(100);
    expect(restored.fullyPaidOnDate).toBeUndefined();
    const again = await rejectionOf(h.xero.accountingApi.deletePayment(h.tenantId, paymentID, { status: "DELETED" }));
    expect(again.statusCode).toBe(400);
  });

  it("refuses payments for more than is due, on drafts, or to accounts that take no payments", async () => {
    const invoice = await approvedInvoice(10);
    const id = invoice.invoiceID ?? "";
    const tooMuch = await rejectionOf(
      h.xero.accountingApi.createPayment(h.tenantId, {
        invoice: { invoiceID: id },
        account: { code: "090" },
        amount: 11.51,
      }),
    );
    expect(JSON.stringify(tooMuch.body)).toContain("Payment amount exceeds the amount outstanding on this document.");
    const wrongAccount = await rejectionOf(
      h.xero.accountingApi.createPayment(h.tenantId, {
        invoice: { invoiceID: id },
        account: { code: "200" },
        amount: 1,
      }),
    );
    expect(wrongAccount.statusCode).toBe(400);
    const noAccount = await rejectionOf(
      h.xero.accountingApi.createPayment(h.tenantId, {
        invoice: { invoiceID: id },
        account: { code: "999" },
        amount: 1,
      }),
    );
    expect(JSON.stringify(noAccount.body)).toContain("Account could not be found");
    const draft = await approvedInvoice(10, Invoice.StatusEnum.DRAFT);
    const onDraft = await rejectionOf(
      h.xero.accountingApi.createPayment(h.tenantId, {
        invoice: { invoiceID: draft.invoiceID ?? "" },
        account: { code: "090" },
        amount: 1,
      }),
    );
    expect(JSON.stringify(onDraft.body)).toContain("Authorised");
  });

  it("lists payments with paging and a PaymentType filter", async () => {
    const invoice = await approvedInvoice(1000);
    for (const amount of [1, 2, 3]) {
      await h.xero.accountingApi.createPayment(h.tenantId, {
        invoice: { invoiceID: invoice.invoiceID ?? "" },
        account: { code: "091" },
        amount,
      });
    }
    const all = await h.xero.accountingApi.getPayments(
      h.tenantId,
      undefined,
      'PaymentType=="ACCRECPAYMENT" && Status=="AUTHORISED"',
    );
    expect(all.body.payments?.length).toBeGreaterThanOrEqual(3);
    const page = await h.xero.accountingApi.getPayments(
      h.tenantId,
      undefined,
      `Invoice.InvoiceID==Guid("${invoice.invoiceID ?? ""}")`,
      "Amount DESC",
      1,
      2,
    );
    expect(page.body.payments?.map((payment) => payment.amount)).toEqual([3, 2]);
    expect(page.body.pagination).toMatchObject({ page: 1, pageSize: 2, pageCount: 2, itemCount: 3 });
    const none = await h.xero.accountingApi.getPayments(h.tenantId, undefined, 'PaymentType=="ACCPAYPAYMENT"');
    expect(none.body.payments).toEqual([]);
  });

  it("allocates an approved credit note: the invoice's AmountDue and the RemainingCredit fall together", async () => {
    const invoice = await approvedInvoice(100);
    const credit = await h.xero.accountingApi.createCreditNotes(h.tenantId, {
      creditNotes: [
        {
          type: CreditNote.TypeEnum.ACCRECCREDIT,
          contact: { contactID },
          status: CreditNote.StatusEnum.AUTHORISED,
          lineItems: [{ description: "Refund", quantity: 1, unitAmount: 40, accountCode: "200" }],
        },
      ],
    });
    const creditNote = credit.body.creditNotes?.[0];
    expect(creditNote?.creditNoteNumber).toMatch(/^CN-\d{4}$/);
    expect(creditNote?.total).toBe(46);
    expect(creditNote?.remainingCredit).toBe(46);
    const allocation = await h.xero.accountingApi.createCreditNoteAllocation(
      h.tenantId,
      creditNote?.creditNoteID ?? "",
      {
        allocations: [{ invoice: { invoiceID: invoice.invoiceID ?? "" }, amount: 30, date: "2026-03-05" }],
      },
    );
    expect(allocation.body.allocations?.[0]?.amount).toBe(30);
    const after = await invoiceNow(invoice.invoiceID ?? "");
    expect(after.amountDue).toBe(85);
    expect(after.amountCredited).toBe(30);
    expect(after.creditNotes?.[0]?.creditNoteID).toBe(creditNote?.creditNoteID);
    const note = await h.xero.accountingApi.getCreditNote(h.tenantId, creditNote?.creditNoteID ?? "");
    expect(note.body.creditNotes?.[0]?.remainingCredit).toBe(16);
    const tooMuch = await rejectionOf(
      h.xero.accountingApi.createCreditNoteAllocation(h.tenantId, creditNote?.creditNoteID ?? "", {
        allocations: [{ invoice: { invoiceID: invoice.invoiceID ?? "" }, amount: 17, date: "2026-03-05" }],
      }),
    );
    expect(JSON.stringify(tooMuch.body)).toContain("exceeds the remaining credit");
    await h.xero.accountingApi.createCreditNoteAllocation(h.tenantId, creditNote?.creditNoteID ?? "", {
      allocations: [{ invoice: { invoiceID: invoice.invoiceID ?? "" }, amount: 16, date: "2026-03-06" }],
    });
    const usedUp = await h.xero.accountingApi.getCreditNote(h.tenantId, creditNote?.creditNoteID ?? "");
    expect(usedUp.body.creditNotes?.[0]?.status).toBe(CreditNote.StatusEnum.PAID);
    expect((await invoiceNow(invoice.invoiceID ?? "")).amountDue).toBe(69);
  });

  it("refuses to allocate a draft credit note or to another contact's invoice", async () => {
    const draft = await h.xero.accountingApi.createCreditNotes(h.tenantId, {
      creditNotes: [
        {
          type: CreditNote.TypeEnum.ACCRECCREDIT,
          contact: { contactID },
          lineItems: [{ description: "r", quantity: 1, unitAmount: 5, accountCode: "200" }],
        },
      ],
    });
    const invoice = await approvedInvoice(50);
    const refused = await rejectionOf(
      h.xero.accountingApi.createCreditNoteAllocation(h.tenantId, draft.body.creditNotes?.[0]?.creditNoteID ?? "", {
        allocations: [{ invoice: { invoiceID: invoice.invoiceID ?? "" }, amount: 1, date: "2026-03-05" }],
      }),
    );
    expect(JSON.stringify(refused.body)).toContain("Credit note must be approved");
    const other = await h.xero.accountingApi.createContacts(h.tenantId, { contacts: [{ name: "Someone Else" }] });
    const theirs = await h.xero.accountingApi.createCreditNotes(h.tenantId, {
      creditNotes: [
        {
          type: CreditNote.TypeEnum.ACCRECCREDIT,
          contact: { contactID: other.body.contacts?.[0]?.contactID ?? "" },
          status: CreditNote.StatusEnum.AUTHORISED,
          lineItems: [{ description: "r", quantity: 1, unitAmount: 5, accountCode: "200" }],
        },
      ],
    });
    const crossed = await rejectionOf(
      h.xero.accountingApi.createCreditNoteAllocation(h.tenantId, theirs.body.creditNotes?.[0]?.creditNoteID ?? "", {
        allocations: [{ invoice: { invoiceID: invoice.invoiceID ?? "" }, amount: 1, date: "2026-03-05" }],
      }),
    );
    expect(JSON.stringify(crossed.body)).toContain("same contact");
  });

  it("will not let an invoice with money applied be edited or voided", async () => {
    const invoice = await approvedInvoice(20);
    await h.xero.accountingApi.createPayment(h.tenantId, {
      invoice: { invoiceID: invoice.invoiceID ?? "" },
      account: { code: "090" },
      amount: 5,
    });
    const edit = await rejectionOf(
      h.xero.accountingApi.updateInvoice(h.tenantId, invoice.invoiceID ?? "", {
        invoices: [{ lineItems: [{ description: "x", quantity: 1, unitAmount: 1, accountCode: "200" }] }],
      }),
    );
    expect(JSON.stringify(edit.body)).toContain(
      "This document cannot be edited as it has a payment or credit note allocated to it.",
    );
    const voided = await rejectionOf(
      h.xero.accountingApi.updateInvoice(h.tenantId, invoice.invoiceID ?? "", {
        invoices: [{ status: Invoice.StatusEnum.VOIDED }],
      }),
    );
    expect(JSON.stringify(voided.body)).toContain("Invoice not of valid status for modification");
    const sent = await h.xero.accountingApi.updateInvoice(h.tenantId, invoice.invoiceID ?? "", {
      invoices: [{ sentToContact: true }],
    });
    expect(sent.body.invoices?.[0]?.sentToContact).toBe(true);
  });
});
