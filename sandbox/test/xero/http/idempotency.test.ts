import { Invoice, type Invoices } from "xero-node";
import { IdempotencyStore } from "../../../src/xero/http/idempotency";
import { expectNoSpecViolations, rejectionOf, startHarness, type Harness } from "../harness";

describe("IdempotencyStore", () => {
  it("replays a finished answer, refuses a different request and a retry still running, forgets 5xx", () => {
    const store = new IdempotencyStore();
    const first = store.begin("t", "k", "body-1");
    if (first.kind !== "new") throw new Error("a new key starts a new request");
    expect(store.begin("t", "k", "body-1").kind).toBe("conflict");
    first.finish({ status: 200, body: { Invoices: [] } });
    expect(store.begin("t", "k", "body-1")).toEqual({
      kind: "replay",
      answer: { status: 200, body: { Invoices: [] } },
    });
    expect(store.begin("t", "k", "body-2").kind).toBe("mismatch");
    expect(store.begin("other-tenant", "k", "body-2").kind).toBe("new");
    const failing = store.begin("t", "k2", "x");
    if (failing.kind !== "new") throw new Error("new");
    failing.finish({ status: 503 });
    expect(store.begin("t", "k2", "x").kind).toBe("new");
  });
});

describe("Xero emulator: Idempotency-Key through xero-node", () => {
  let h: Harness;
  let contactID: string;
  beforeAll(async () => {
    h = await startHarness();
    const contact = await h.xero.accountingApi.createContacts(h.tenantId, { contacts: [{ name: "Once Only" }] });
    contactID = contact.body.contacts?.[0]?.contactID ?? "";
  });
  afterAll(async () => {
    await h.emulator.stop();
    expectNoSpecViolations(h.emulator);
  });

  const invoices = (unitAmount: number): Invoices => ({
    invoices: [
      {
        type: Invoice.TypeEnum.ACCREC,
        contact: { contactID },
        reference: "idem",
        lineItems: [{ description: "x", quantity: 1, unitAmount, accountCode: "200" }],
      },
    ],
  });
  const count = (): number =>
    [...h.emulator.store.tenant(h.tenantId).invoices.values()].filter((invoice) => invoice.Reference === "idem").length;

  it("replays the first answer for the same key and body, and creates nothing more", async () => {
    const first = await h.xero.accountingApi.createInvoices(
      h.tenantId,
      invoices(10),
      undefined,
      undefined,
      "invoice-42-attempt-1",
    );
    const second = await h.xero.accountingApi.createInvoices(
      h.tenantId,
      invoices(10),
      undefined,
      undefined,
      "invoice-42-attempt-1",
    );
    expect(second.body.invoices?.[0]?.invoiceID).toBe(first.body.invoices?.[0]?.invoiceID);
    expect(second.body.invoices?.[0]?.invoiceNumber).toBe(first.body.invoices?.[0]?.invoiceNumber);
    expect(count()).toBe(1);
    expect(h.emulator.stats().idempotentReplays).toBe(1);
    await h.xero.accountingApi.createInvoices(h.tenantId, invoices(10));
    expect(count()).toBe(2);
  });

  it("refuses the same key with a different body, and a key over 128 characters", async () => {
    await h.xero.accountingApi.createInvoices(h.tenantId, invoices(20), undefined, undefined, "reused-key");
    const mismatch = await rejectionOf(
      h.xero.accountingApi.createInvoices(h.tenantId, invoices(21), undefined, undefined, "reused-key"),
    );
    expect(mismatch.statusCode).toBe(400);
    const tooLong = await rejectionOf(
      h.xero.accountingApi.createInvoices(h.tenantId, invoices(22), undefined, undefined, "k".repeat(129)),
    );
    expect(tooLong.statusCode).toBe(400);
    expect(JSON.stringify(tooLong.body)).toContain("128");
    const longest = await h.xero.accountingApi.createInvoices(
      h.tenantId,
      invoices(23),
      undefined,
      undefined,
      "k".repeat(128),
    );
    expect(longest.response.status).toBe(200);
  });

  it("replays a remembered 400 too, so a retried bad request stays refused without side effects", async () => {
    const bad: Invoices = {
      invoices: [
        {
          type: Invoice.TypeEnum.ACCREC,
          contact: { contactID },
          lineItems: [{ description: "x", quantity: 1, unitAmount: 1, accountCode: "999" }],
        },
      ],
    };
    const first = await rejectionOf(
      h.xero.accountingApi.createInvoices(h.tenantId, bad, undefined, undefined, "bad-1"),
    );
    const again = await rejectionOf(
      h.xero.accountingApi.createInvoices(h.tenantId, bad, undefined, undefined, "bad-1"),
    );
    expect(again.statusCode).toBe(400);
    expect(again.body).toEqual(first.body);
  });
});
