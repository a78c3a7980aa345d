import { Contact, Invoice, LineAmountTypes, type Invoices } from "xero-node";
import { expectNoSpecViolations, rejectionOf, startHarness, type Harness } from "../harness";

const { ACCREC, ACCPAY } = Invoice.TypeEnum;
const { DRAFT, AUTHORISED, SUBMITTED, VOIDED, DELETED } = Invoice.StatusEnum;

describe("Xero emulator: invoices through xero-node", () => {
  let h: Harness;
  let contactID: string;

  beforeAll(async () => {
    h = await startHarness();
    const created = await h.xero.accountingApi.createContacts(h.tenantId, {
      contacts: [{ name: "Ridgeway University", emailAddress: "accounts@ridgeway.example" }],
    });
    contactID = created.body.contacts?.[0]?.contactID ?? "";
  });
  afterAll(async () => {
    await h.emulator.stop();
    expectNoSpecViolations(h.emulator);
  });

  const salesInvoice = (overrides: Partial<Invoice> = {}): Invoice => ({
    type: ACCREC,
    contact: { contactID },
    date: "2026-03-02",
    dueDate: "2026-03-31",
    lineItems: [{ description: "Consulting", quantity: 2, unitAmount: 100, accountCode: "200", taxType: "OUTPUT2" }],
    ...overrides,
  });
  const create = async (invoice: Invoice, summarizeErrors?: boolean): Promise<Invoice> => {
    const answer = await h.xero.accountingApi.createInvoices(h.tenantId, { invoices: [invoice] }, summarizeErrors);
    const created = answer.body.invoices?.[0];
    if (created === undefined) throw new Error("no invoice in the answer");
    return created;
  };

  it("creates a draft with Xero's computed totals, an INV- number and /Date()/ dates the SDK turns into Dates", async () => {
    const invoice = await create(salesInvoice());
    expect(invoice.status).toBe(DRAFT);
    expect(invoice.invoiceNumber).toMatch(/^INV-\d{4}$/);
    expect([invoice.subTotal, invoice.totalTax, invoice.total, invoice.amountDue, invoice.amountPaid]).toEqual([
      200, 30, 230, 230, 0,
    ]);
    expect(invoice.lineItems?.[0]?.lineAmount).toBe(200);
    expect(invoice.lineItems?.[0]?.taxAmount).toBe(30);
    expect(invoice.date).toEqual(new Date(Date.UTC(2026, 2, 2)));
    expect(invoice.updatedDateUTC).toEqual(new Date(h.clock.now()));
    const raw = h.emulator.store.tenant(h.tenantId).invoices.get(invoice.invoiceID ?? "");
    expect(raw?.Total).toBe(230);
  });

  it("numbers invoices in sequence and refuses a duplicate number", async () => {
    const first = await create(salesInvoice());
    const second = await create(salesInvoice());
    expect(Number(second.invoiceNumber?.slice(4))).toBe(Number(first.invoiceNumber?.slice(4)) + 1);
    const rejection = await rejectionOf(create(salesInvoice({ invoiceNumber: first.invoiceNumber ?? "" })));
    expect(rejection.statusCode).toBe(400);
    expect(rejection.body).toMatchObject({
      ErrorNumber: 10,
      Type: "ValidationException",
      Message: "A validation exception occurred",
    });
    expect(JSON.stringify(rejection.body)).toContain("Invoice # must be unique.");
  });

  it("works out Inclusive, NoTax, discounts and four-decimal unit amounts", async () => {
    const inclusive = await create(
      salesInvoice({
        lineAmountTypes: LineAmountTypes.Inclusive,
        lineItems: [{ description: "a", quantity: 1, unitAmount: 115, accountCode: "200" }],
      }),
    );
    expect([inclusive.subTotal, inclusive.totalTax, inclusive.total]).toEqual([100, 15, 115]);
    const noTax = await create(
      salesInvoice({
        lineAmountTypes: LineAmountTypes.NoTax,
        lineItems: [{ description: "b", quantity: 3, unitAmount: 10, accountCode: "200" }],
      }),
    );
    expect([noTax.subTotal, noTax.totalTax, noTax.total]).toEqual([30, 0, 30]);
    expect(noTax.lineItems?.[0]?.taxType).toBe("NONE");
    const discounted = await create(
      salesInvoice({
        lineItems: [{ description: "c", quantity: 4, unitAmount: 25, discountRate: 10, accountCode: "200" }],
      }),
    );
    expect([discounted.subTotal, discounted.totalTax, discounted.total]).toEqual([90, 13.5, 103.5]);
    const precise = await h.xero.accountingApi.createInvoices(
      h.tenantId,
      {
        invoices: [
          salesInvoice({ lineItems: [{ description: "d", quantity: 3, unitAmount: 1.2345, accountCode: "200" }] }),
        ],
      },
      undefined,
      4,
    );
    expect(precise.body.invoices?.[0]?.lineItems?.[0]?.unitAmount).toBe(1.2345);
    expect(precise.body.invoices?.[0]?.subTotal).toBe(3.7);
    const rounded = await create(
      salesInvoice({ lineItems: [{ description: "e", quantity: 3, unitAmount: 1.2345, accountCode: "200" }] }),
    );
    expect(rounded.lineItems?.[0]?.unitAmount).toBe(1.23);
  });

  it("takes the tax type from the account when the line names none", async () => {
    const invoice = await create(
      salesInvoice({ lineItems: [{ description: "f", quantity: 1, unitAmount: 10, accountCode: "270" }] }),
    );
    expect(invoice.lineItems?.[0]?.taxType).toBe("NONE");
    expect(invoice.totalTax).toBe(0);
  });

  it("refuses unknown or archived account codes and unknown tax types", async () => {
    const tenant = h.emulator.store.tenant(h.tenantId);
    const advertising = [...tenant.accounts.values()].find((account) => account.Code === "400");
    if (advertising === undefined) throw new Error("the demo chart has account 400");
    advertising.Status = "ARCHIVED";
    try {
      for (const [line, message] of [
        [{ accountCode: "999" }, "Account code '999' is not a valid code for this document."],
        [{ accountCode: "400" }, "Account code '400' is not a valid code for this document."],
        [
          { accountCode: "200", taxType: "GST15" },
          "The TaxType code 'GST15' does not exist or cannot be used with this type of transaction.",
        ],
      ] as const) {
        const rejection = await rejectionOf(
          create(salesInvoice({ lineItems: [{ description: "x", quantity: 1, unitAmount: 1, ...line }] })),
        );
        expect(rejection.statusCode).toBe(400);
        expect(JSON.stringify(rejection.body)).toContain(message);
      }
    } finally {
      advertising.Status = "ACTIVE";
    }
  });

  it("needs a type, a contact, and line items with account codes once approved", async () => {
    const rejection = await rejectionOf(
      h.xero.accountingApi.createInvoices(h.tenantId, { invoices: [{ status: AUTHORISED }] }),
    );
    const text = JSON.stringify(rejection.body);
    expect(text).toContain("Invoice Type must be specified");
    expect(text).toContain("A Contact must be specified for this type of transaction");
    expect(text).toContain("One or more line items must be specified");
    const noAccount = await rejectionOf(
      create(salesInvoice({ status: AUTHORISED, lineItems: [{ description: "x", quantity: 1, unitAmount: 1 }] })),
    );
    expect(JSON.stringify(noAccount.body)).toContain("Account code must be specified");
  });

  it("creates a new contact when the invoice names one that does not exist, and marks it a customer", async () => {
    const invoice = await create(salesInvoice({ contact: { name: "Walk-in Customer" } }));
    const contact = h.emulator.store.tenant(h.tenantId).contacts.get(invoice.contact?.contactID ?? "");
    expect(contact?.Name).toBe("Walk-in Customer");
    expect(contact?.IsCustomer).toBe(true);
  });

  it("refuses archived contacts on new invoices", async () => {
    const archived = await h.xero.accountingApi.createContacts(h.tenantId, {
      contacts: [{ name: "Gone Ltd", contactStatus: Contact.ContactStatusEnum.ARCHIVED }],
    });
    const rejection = await rejectionOf(
      create(salesInvoice({ contact: { contactID: archived.body.contacts?.[0]?.contactID ?? "" } })),
    );
    expect(JSON.stringify(rejection.body)).toContain("archived");
  });

  it("allows SentToContact only on approved invoices", async () => {
    const draft = await rejectionOf(create(salesInvoice({ sentToContact: true })));
    expect(draft.statusCode).toBe(400);
    const approved = await create(salesInvoice({ status: AUTHORISED, sentToContact: true }));
    expect(approved.sentToContact).toBe(true);
  });

  it("moves through the statuses Xero allows and refuses the others", async () => {
    const invoice = await create(salesInvoice());
    const id = invoice.invoiceID ?? "";
    const update = (status: Invoice.StatusEnum) =>
      h.xero.accountingApi.updateInvoice(h.tenantId, id, { invoices: [{ status }] });
    expect((await update(SUBMITTED)).body.invoices?.[0]?.status).toBe(SUBMITTED);
    expect((await update(AUTHORISED)).body.invoices?.[0]?.status).toBe(AUTHORISED);
    const back = await rejectionOf(update(DRAFT));
    expect(JSON.stringify(back.body)).toContain("Invoice not of valid status for modification");
    expect((await update(VOIDED)).body.invoices?.[0]?.status).toBe(VOIDED);
    const other = await create(salesInvoice());
    const deleted = await h.xero.accountingApi.updateInvoice(h.tenantId, other.invoiceID ?? "", {
      invoices: [{ status: DELETED }],
    });
    expect(deleted.body.invoices?.[0]?.status).toBe(DELETED);
  });

  it("updates an invoice by POST and recomputes its totals", async () => {
    const invoice = await create(salesInvoice());
    const answer = await h.xero.accountingApi.updateOrCreateInvoices(h.tenantId, {
      invoices: [
        {
          invoiceID: invoice.invoiceID ?? "",
          reference: "PO-77",
          lineItems: [{ description: "More", quantity: 1, unitAmount: 50, accountCode: "200" }],
        },
      ],
    });
    const updated = answer.body.invoices?.[0];
    expect(updated?.invoiceID).toBe(invoice.invoiceID);
    expect(updated?.reference).toBe("PO-77");
    expect(updated?.total).toBe(57.5);
  });

  it("answers summarizeErrors=false with every element and its own status", async () => {
    const batch: Invoices = {
      invoices: [
        salesInvoice(),
        salesInvoice({ lineItems: [{ description: "bad", quantity: 1, unitAmount: 1, accountCode: "999" }] }),
      ],
    };
    const before = h.emulator.store.tenant(h.tenantId).invoices.size;
    const answer = await h.xero.accountingApi.createInvoices(h.tenantId, batch, false);
    expect(answer.response.status).toBe(200);
    const [ok, failed] = answer.body.invoices ?? [];
    expect(ok?.statusAttributeString).toBe("OK");
    expect(failed?.statusAttributeString).toBe("ERROR");
    expect(failed?.hasErrors).toBe(true);
    expect(failed?.validationErrors?.[0]?.message).toBe("Account code '999' is not a valid code for this document.");
    expect(h.emulator.store.tenant(h.tenantId).invoices.size).toBe(before + 1);
  });

  it("answers summarizeErrors=true (the default) with 400 listing only the failed elements", async () => {
    const batch: Invoices = {
      invoices: [
        salesInvoice({ reference: "kept" }),
        salesInvoice({
          reference: "refused",
          lineItems: [{ description: "bad", quantity: 1, unitAmount: 1, accountCode: "999" }],
        }),
      ],
    };
    const rejection = await rejectionOf(h.xero.accountingApi.createInvoices(h.tenantId, batch));
    expect(rejection.statusCode).toBe(400);
    const elements = (rejection.body as { Elements: Array<{ Reference: string; ValidationErrors: unknown[] }> })
      .Elements;
    expect(elements.map((element) => element.Reference)).toEqual(["refused"]);
    expect(elements[0]?.ValidationErrors).toEqual([
      { Message: "Account code '999' is not a valid code for this document." },
    ]);
  });

  it("emails only approved sales invoices to contacts with an email address, and marks them sent", async () => {
    const draft = await create(salesInvoice());
    const notYet = await rejectionOf(h.xero.accountingApi.emailInvoice(h.tenantId, draft.invoiceID ?? "", {}));
    expect(notYet.statusCode).toBe(400);
    const approved = await create(salesInvoice({ status: AUTHORISED }));
    const sent = await h.xero.accountingApi.emailInvoice(h.tenantId, approved.invoiceID ?? "", {});
    expect(sent.response.status).toBe(204);
    const after = await h.xero.accountingApi.getInvoice(h.tenantId, approved.invoiceID ?? "");
    expect(after.body.invoices?.[0]?.sentToContact).toBe(true);
    const silent = await h.xero.accountingApi.createContacts(h.tenantId, { contacts: [{ name: "No Email Co" }] });
    const noEmail = await create(
      salesInvoice({ status: AUTHORISED, contact: { contactID: silent.body.contacts?.[0]?.contactID ?? "" } }),
    );
    const refused = await rejectionOf(h.xero.accountingApi.emailInvoice(h.tenantId, noEmail.invoiceID ?? "", {}));
    expect(JSON.stringify(refused.body)).toContain("email address");
    const bill = await create(salesInvoice({ type: ACCPAY, status: AUTHORISED }));
    expect(
      (await rejectionOf(h.xero.accountingApi.emailInvoice(h.tenantId, bill.invoiceID ?? "", {}))).statusCode,
    ).toBe(400);
  });

  it("gives an online invoice link once the invoice is no longer a draft", async () => {
    const draft = await create(salesInvoice());
    expect(
      (await rejectionOf(h.xero.accountingApi.getOnlineInvoice(h.tenantId, draft.invoiceID ?? ""))).statusCode,
    ).toBe(400);
    const approved = await create(salesInvoice({ status: AUTHORISED }));
    const online = await h.xero.accountingApi.getOnlineInvoice(h.tenantId, approved.invoiceID ?? "");
    const url = online.body.onlineInvoices?.[0]?.onlineInvoiceUrl ?? "";
    expect(url.startsWith(h.emulator.baseUrl)).toBe(true);
    const page = await fetch(url);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain(approved.invoiceNumber ?? "?");
  });

  it("answers an unknown invoice with Xero's plain-text 404", async () => {
    const rejection = await rejectionOf(
      h.xero.accountingApi.getInvoice(h.tenantId, "0b2bd2a3-48d2-4a49-8d3b-6bb1f3e6e8f1"),
    );
    expect(rejection.statusCode).toBe(404);
    expect(rejection.body).toBe("The resource you're looking for cannot be found");
  });
});
