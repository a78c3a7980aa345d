import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { createServer, type Server } from "node:http";
import { join } from "node:path";
import { Invoice } from "xero-node";
import { verifyXeroWebhook } from "../../src/xero/webhooks";
import type { ChangeEvent } from "../../src/xero";
import { expectNoSpecViolations, rejectionOf, startHarness, type Harness } from "./harness";

describe("startXeroEmulator: change events and webhooks", () => {
  let h: Harness;
  let receiver: Server;
  let receiverUrl: string;
  const received: Array<{ body: string; signature: string | undefined }> = [];

  beforeAll(async () => {
    h = await startHarness();
    receiver = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (chunk: Buffer) => chunks.push(chunk));
      req.on("end", () => {
        const body = Buffer.concat(chunks).toString("utf8");
        const signature = req.headers["x-xero-signature"];
        received.push({ body, signature: typeof signature === "string" ? signature : undefined });
        res.writeHead(
          verifyXeroWebhook(h.emulator.webhooks.signingKey, body, typeof signature === "string" ? signature : undefined)
            ? 200
            : 401,
        );
        res.end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", () => resolve()));
    const address = receiver.address();
    receiverUrl = `http://127.0.0.1:${typeof address === "object" && address !== null ? address.port : 0}/webhooks/xero`;
  });
  afterAll(async () => {
    await h.emulator.stop();
    await new Promise<void>((resolve) => receiver.close(() => resolve()));
    expectNoSpecViolations(h.emulator);
  });

  it("raises CREATE and UPDATE events for contacts, invoices (payments too) and credit notes", async () => {
    const events: ChangeEvent[] = [];
    const unsubscribe = h.emulator.onChange((event) => events.push(event));
    const contact = await h.xero.accountingApi.createContacts(h.tenantId, { contacts: [{ name: "Eventful" }] });
    const contactID = contact.body.contacts?.[0]?.contactID ?? "";
    const invoice = await h.xero.accountingApi.createInvoices(h.tenantId, {
      invoices: [
        {
          type: Invoice.TypeEnum.ACCREC,
          contact: { contactID },
          status: Invoice.StatusEnum.AUTHORISED,
          lineItems: [{ description: "x", quantity: 1, unitAmount: 10, accountCode: "200" }],
        },
      ],
    });
    const invoiceID = invoice.body.invoices?.[0]?.invoiceID ?? "";
    await h.xero.accountingApi.createPayment(h.tenantId, {
      invoice: { invoiceID },
      account: { code: "090" },
      amount: 5,
    });
    await h.xero.accountingApi.createCreditNotes(h.tenantId, {
      creditNotes: [
        {
          type: "ACCRECCREDIT" as never,
          contact: { contactID },
          lineItems: [{ description: "x", quantity: 1, unitAmount: 1, accountCode: "200" }],
        },
      ],
    });
    unsubscribe();
    await h.xero.accountingApi.createContacts(h.tenantId, { contacts: [{ name: "Unheard" }] });
    expect(events.map((event) => [event.resource, event.eventType])).toEqual([
      ["CONTACT", "CREATE"],
      ["INVOICE", "CREATE"],
      ["INVOICE", "UPDATE"],
      ["CREDITNOTE", "CREATE"],
    ]);
    expect(events[1]).toEqual({
      tenantId: h.tenantId,
      resource: "INVOICE",
      resourceId: invoiceID,
      eventType: "CREATE",
      at: h.clock.now(),
    });
    expect(events[3]?.data).toEqual({ Type: "ACCRECCREDIT", Status: "DRAFT" });
  });

  it("sends the events as signed webhooks once a subscription is configured", async () => {
    const sender = h.emulator.webhooks.configure({
      url: receiverUrl,
      verified: true,
      autoDeliver: false,
      batchDelayMs: 0,
    });
    const contact = await h.xero.accountingApi.createContacts(h.tenantId, { contacts: [{ name: "Hooked" }] });
    await sender.flush();
    expect(received).toHaveLength(1);
    const [delivery] = received;
    expect(verifyXeroWebhook(h.emulator.webhooks.signingKey, delivery?.body ?? "", delivery?.signature)).toBe(true);
    const payload = JSON.parse(delivery?.body ?? "{}") as {
      events: Array<{
        eventCategory: string;
        eventType: string;
        resourceId: string;
        tenantId: string;
        resourceUrl: string;
      }>;
    };
    expect(payload.events).toEqual([
      expect.objectContaining({
        eventCategory: "CONTACT",
        eventType: "CREATE",
        resourceId: contact.body.contacts?.[0]?.contactID,
        tenantId: h.tenantId,
        resourceUrl: `${h.emulator.apiUrl}/Contacts/${contact.body.contacts?.[0]?.contactID ?? ""}`,
      }),
    ]);
    expect(h.emulator.webhooks.sender()).toBe(sender);
  });

  it("sends an app's events only for organisations connected to that app", async () => {
    const app = h.emulator.registerApp({ name: "Subscriber", redirectUris: ["http://127.0.0.1/cb"] });
    const sender = h.emulator.webhooks.configure({
      url: receiverUrl,
      clientId: app.clientId,
      verified: true,
      autoDeliver: false,
      batchDelayMs: 0,
    });
    received.length = 0;
    await h.xero.accountingApi.createContacts(h.tenantId, { contacts: [{ name: "Before Connecting" }] });
    await sender.flush();
    expect(received).toHaveLength(0);
    h.emulator.issueTokenSet({ tenantIds: [h.tenantId], clientId: app.clientId });
    await h.xero.accountingApi.createContacts(h.tenantId, { contacts: [{ name: "After Connecting" }] });
    await sender.flush();
    expect(received).toHaveLength(1);
    expect(sender.stats().eventsDropped).toBe(1);
  });
});

describe("startXeroEmulator: responses that break the spec are emulator bugs", () => {
  let h: Harness;
  afterEach(async () => {
    await h.emulator.stop();
  });

  it("answers 500 with the violation when strict (the default), so the calling test fails", async () => {
    h = await startHarness({ validationCountsDir: false });
    const sales = [...h.emulator.store.tenant(h.tenantId).accounts.values()].find((account) => account.Code === "200");
    if (sales === undefined) throw new Error("account 200 is seeded");
    sales.Type = "NOT-A-TYPE";
    const rejection = await rejectionOf(h.xero.accountingApi.getAccounts(h.tenantId));
    expect(rejection.statusCode).toBe(500);
    expect(JSON.stringify(rejection.body)).toContain("violates the Xero Accounting API spec");
    expect(h.emulator.stats().responseViolations).toBe(1);
    expect(h.emulator.stats().violations[0]).toMatchObject({
      operationId: "getAccounts",
      direction: "response",
      status: 200,
    });
  });

  it("passes the answer through but still counts the violation when not strict", async () => {
    h = await startHarness({ validationCountsDir: false, strictResponses: false });
    const sales = [...h.emulator.store.tenant(h.tenantId).accounts.values()].find((account) => account.Code === "200");
    if (sales === undefined) throw new Error("account 200 is seeded");
    sales.Type = "NOT-A-TYPE";
    expect((await h.xero.accountingApi.getAccounts(h.tenantId)).response.status).toBe(200);
    expect(h.emulator.stats().responseViolations).toBe(1);
  });
});

describe("startXeroEmulator: validation totals for the test suite", () => {
  it("writes each emulator's spec-validation counts to its own file when it stops", async () => {
    const dir = mkdtempSync(join(tmpdir(), "xero-validation-"));
    const h = await startHarness({ validationCountsDir: dir });
    await h.xero.accountingApi.getOrganisations(h.tenantId);
    await h.emulator.stop();
    const written = readdirSync(dir);
    expect(written).toHaveLength(1);
    expect(written[0]).toMatch(new RegExp(`^${process.pid}-[0-9a-f]{8}\\.json$`));
    expect(JSON.parse(readFileSync(join(dir, written[0] ?? ""), "utf8"))).toEqual({
      pid: process.pid,
      requestsValidated: 1,
      responsesValidated: 1,
      requestViolations: 0,
      responseViolations: 0,
    });
    rmSync(dir, { recursive: true, force: true });
  });
});
