import { Invoice } from "xero-node";
import { clientFor, expectNoSpecViolations, rejectionOf, startHarness, type Harness } from "../harness";

const minute = 60_000;

describe("Xero emulator: tokens, tenants and scopes", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h.emulator.stop();
    expectNoSpecViolations(h.emulator);
  });

  it("answers a missing or unknown token with Xero's 401 problem body", async () => {
    const none = await fetch(`${h.emulator.apiUrl}/Invoices`, { headers: { "xero-tenant-id": h.tenantId } });
    expect(none.status).toBe(401);
    expect(await none.json()).toMatchObject({
      Title: "Unauthorized",
      Status: 401,
      Detail: "AuthenticationUnsuccessful",
    });
    expect(none.headers.get("x-appminlimit-remaining")).not.toBeNull();
    const bogus = await fetch(`${h.emulator.apiUrl}/Invoices`, {
      headers: { authorization: "Bearer not-a-token", "xero-tenant-id": h.tenantId },
    });
    expect(bogus.status).toBe(401);
  });

  it("answers an expired token with 401 TokenExpired once the clock passes 30 minutes", async () => {
    const xero = clientFor(h.emulator, [h.tenantId]);
    await xero.accountingApi.getOrganisations(h.tenantId);
    h.clock.advance(31 * minute);
    const rejection = await rejectionOf(xero.accountingApi.getOrganisations(h.tenantId));
    expect(rejection.statusCode).toBe(401);
    expect(rejection.body).toMatchObject({
      Title: "Unauthorized",
      Status: 401,
      Detail: expect.stringMatching(/^TokenExpired: token expired at \d{2}\/\d{2}\/\d{4} \d{2}:\d{2}:\d{2}$/),
    });
  });

  it("answers 403 AuthenticationUnsuccessful for a tenant the token is not connected to", async () => {
    const other = h.emulator.createOrganisation({ name: "Other Org" });
    const xero = clientFor(h.emulator, [h.tenantId]);
    const rejection = await rejectionOf(xero.accountingApi.getInvoices(other.tenantId));
    expect(rejection.statusCode).toBe(403);
    expect(rejection.body).toMatchObject({ Title: "Forbidden", Status: 403, Detail: "AuthenticationUnsuccessful" });
  });

  it("answers 401 AuthorizationUnsuccessful when the token lacks the operation's scope", async () => {
    const readOnly = clientFor(h.emulator, [h.tenantId], ["offline_access", "accounting.settings"]);
    const settings = await readOnly.accountingApi.getAccounts(h.tenantId);
    expect(settings.body.accounts?.length).toBeGreaterThan(0);
    const rejection = await rejectionOf(readOnly.accountingApi.getInvoices(h.tenantId));
    expect(rejection.statusCode).toBe(401);
    expect(rejection.body).toMatchObject({ Detail: "AuthorizationUnsuccessful" });
    const reader = clientFor(h.emulator, [h.tenantId], ["accounting.invoices.read"]);
    expect((await reader.accountingApi.getInvoices(h.tenantId)).response.status).toBe(200);
    const write = await rejectionOf(reader.accountingApi.createInvoices(h.tenantId, { invoices: [] }));
    expect(write.statusCode).toBe(401);
  });

  it("lists the token's connections at /connections", async () => {
    const token = h.emulator.issueTokenSet({ tenantIds: [h.tenantId] });
    const answer = await fetch(h.emulator.connectionsUrl, {
      headers: { authorization: `Bearer ${token.access_token}` },
    });
    expect(answer.status).toBe(200);
    const connections = (await answer.json()) as Array<{ tenantId: string; tenantType: string }>;
    expect(connections.map((connection) => connection.tenantId)).toContain(h.tenantId);
  });

  it("refuses a body that does not match the spec with a 400 and counts it", async () => {
    const token = h.emulator.issueTokenSet({ tenantIds: [h.tenantId] }).access_token;
    const before = h.emulator.stats().requestViolations;
    const answer = await fetch(`${h.emulator.apiUrl}/Invoices`, {
      method: "PUT",
      headers: { authorization: `Bearer ${token}`, "xero-tenant-id": h.tenantId, "content-type": "application/json" },
      body: JSON.stringify({ Invoices: [{ Type: "NOT-A-TYPE", LineItems: [{ Quantity: "two" }] }] }),
    });
    expect(answer.status).toBe(400);
    expect(await answer.json()).toMatchObject({ Type: "PostDataInvalidException" });
    expect(h.emulator.stats().requestViolations).toBe(before + 1);
    const broken = await fetch(`${h.emulator.apiUrl}/Invoices`, {
      method: "PUT",
      headers: { authorization: `Bearer ${token}`, "xero-tenant-id": h.tenantId, "content-type": "application/json" },
      body: "{not json",
    });
    expect(await broken.json()).toMatchObject({
      ErrorNumber: 14,
      Type: "PostDataInvalidException",
      Message: "Invalid Json data",
    });
  });
});

describe("Xero emulator: reading lists", () => {
  let h: Harness;
  const ids: string[] = [];
  beforeAll(async () => {
    h = await startHarness();
    const contact = await h.xero.accountingApi.createContacts(h.tenantId, { contacts: [{ name: "Lister" }] });
    const contactID = contact.body.contacts?.[0]?.contactID ?? "";
    for (let index = 0; index < 5; index += 1) {
      h.clock.advance(minute);
      const answer = await h.xero.accountingApi.createInvoices(h.tenantId, {
        invoices: [
          {
            type: index === 4 ? Invoice.TypeEnum.ACCPAY : Invoice.TypeEnum.ACCREC,
            contact: { contactID },
            status: index % 2 === 0 ? Invoice.StatusEnum.AUTHORISED : Invoice.StatusEnum.DRAFT,
            reference: `REF-${index}`,
            lineItems: [{ description: "x", quantity: 1, unitAmount: 10 * (index + 1), accountCode: "200" }],
          },
        ],
      });
      ids.push(answer.body.invoices?.[0]?.invoiceID ?? "");
    }
  });
  afterAll(async () => {
    await h.emulator.stop();
    expectNoSpecViolations(h.emulator);
  });

  it("pages with page and pageSize and says so in the pagination envelope; line items only when paged", async () => {
    const page2 = await h.xero.accountingApi.getInvoices(
      h.tenantId,
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
      2,
      undefined,
      undefined,
      undefined,
      undefined,
      2,
    );
    expect(page2.body.invoices?.map((invoice) => invoice.invoiceID)).toEqual(ids.slice(2, 4));
    expect(page2.body.pagination).toMatchObject({ page: 2, pageSize: 2, pageCount: 3, itemCount: 5 });
    expect(page2.body.invoices?.[0]?.lineItems).toHaveLength(1);
    const unpaged = await h.xero.accountingApi.getInvoices(h.tenantId);
    expect(unpaged.body.invoices).toHaveLength(5);
    expect(unpaged.body.pagination).toBeUndefined();
    expect(unpaged.body.invoices?.[0]?.lineItems).toEqual([]);
    const capped = await h.xero.accountingApi.getInvoices(
      h.tenantId,
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
      1,
      undefined,
      undefined,
      undefined,
      undefined,
      5000,
    );
    expect(capped.body.pagination?.pageSize).toBe(1000);
    const sizeOnly = await h.xero.accountingApi.getInvoices(
      h.tenantId,
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
      3,
    );
    expect(sizeOnly.body.pagination).toMatchObject({ page: 1, pageSize: 3, pageCount: 2, itemCount: 5 });
    expect(sizeOnly.body.invoices).toHaveLength(3);
  });

  it("returns only what changed since If-Modified-Since (UpdatedDateUTC)", async () => {
    const third = await h.xero.accountingApi.getInvoice(h.tenantId, ids[2] ?? "");
    const since = third.body.invoices?.[0]?.updatedDateUTC;
    const changed = await h.xero.accountingApi.getInvoices(h.tenantId, since);
    expect(changed.body.invoices?.map((invoice) => invoice.invoiceID)).toEqual(ids.slice(2));
    const future = await h.xero.accountingApi.getInvoices(h.tenantId, new Date(Date.UTC(2200, 0, 1)));
    expect(future.body.invoices).toEqual([]);
  });

  it("filters with where (==, &&, ||, Guid, DateTime), Statuses, IDs, InvoiceNumbers, ContactIDs and orders", async () => {
    const where = async (expression: string): Promise<string[]> =>
      ((await h.xero.accountingApi.getInvoices(h.tenantId, undefined, expression)).body.invoices ?? []).map(
        (invoice) => invoice.reference ?? "",
      );
    expect(await where('Type=="ACCREC" && Status=="AUTHORISED"')).toEqual(["REF-0", "REF-2"]);
    expect(await where('Reference=="REF-1" || Reference=="REF-3"')).toEqual(["REF-1", "REF-3"]);
    expect(await where('Type=="ACCPAY"')).toEqual(["REF-4"]);
    expect(await where("Date >= DateTime(2026, 03, 02) AND Total > 30")).toEqual(["REF-2", "REF-3", "REF-4"]);
    expect(await where(`InvoiceID==Guid("${ids[1] ?? ""}")`)).toEqual(["REF-1"]);
    const first = await h.xero.accountingApi.getInvoice(h.tenantId, ids[0] ?? "");
    const number = first.body.invoices?.[0]?.invoiceNumber ?? "";
    expect(await where(`InvoiceNumber=="${number}"`)).toEqual(["REF-0"]);

    const statuses = await h.xero.accountingApi.getInvoices(
      h.tenantId,
      undefined,
      undefined,
      "Total DESC",
      undefined,
      undefined,
      undefined,
      ["DRAFT"],
    );
    expect(statuses.body.invoices?.map((invoice) => invoice.reference)).toEqual(["REF-3", "REF-1"]);
    const byIds = await h.xero.accountingApi.getInvoices(h.tenantId, undefined, undefined, undefined, [
      ids[3] ?? "",
      ids[0] ?? "",
    ]);
    expect(byIds.body.invoices?.map((invoice) => invoice.reference)).toEqual(["REF-0", "REF-3"]);
    const byNumbers = await h.xero.accountingApi.getInvoices(h.tenantId, undefined, undefined, undefined, undefined, [
      number,
    ]);
    expect(byNumbers.body.invoices).toHaveLength(1);
    const byContact = await h.xero.accountingApi.getInvoices(
      h.tenantId,
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
      [first.body.invoices?.[0]?.contact?.contactID ?? ""],
    );
    expect(byContact.body.invoices).toHaveLength(5);
  });

  it("refuses a where it cannot parse, or a field the type lacks, with Xero's 400", async () => {
    const unknownField = await rejectionOf(h.xero.accountingApi.getInvoices(h.tenantId, undefined, 'Colour=="Blue"'));
    expect(unknownField.statusCode).toBe(400);
    expect(unknownField.body).toMatchObject({
      Type: "QueryParseException",
      Message: "No property or field 'Colour' exists in type 'Invoice'",
    });
    const garbage = await rejectionOf(h.xero.accountingApi.getInvoices(h.tenantId, undefined, 'Type=="ACCREC" &&'));
    expect(garbage.statusCode).toBe(400);
    const badOrder = await rejectionOf(
      h.xero.accountingApi.getInvoices(h.tenantId, undefined, undefined, "Total SIDEWAYS"),
    );
    expect(badOrder.statusCode).toBe(400);
  });
});
