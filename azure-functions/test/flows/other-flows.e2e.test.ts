// Credit notes, invoice emails and reference data on the sandbox (Dataverse and Xero emulators).
import { XeroNodeAdapter } from "../../src/adapters/xero/xero-node-adapter";
import { SyncError } from "../../src/core/errors";
import { PushCreditNotesFlow } from "../../src/flows/push-credit-notes";
import { PushInvoiceEmailsFlow } from "../../src/flows/push-invoice-emails";
import { PushInvoicesFlow } from "../../src/flows/push-invoices";
import { ReferenceDataFlow } from "../../src/flows/reference-data";
import {
  invoice,
  mag_brandingtheme,
  mag_creditnote,
  mag_taxrate,
  mag_trackingcategory,
  mag_trackingoption,
  mag_xeroaccountcode,
  mag_xeroconnector,
  mag_xerosyncstatus,
} from "../../src/generated/dataverse";
import { createInvoice, readInvoice } from "../support/data";
import { startSandbox, warmReferenceData, type Sandbox } from "../support/sandbox";

let sandbox: Sandbox;

beforeAll(async () => {
  sandbox = await startSandbox();
  await warmReferenceData(sandbox);
  await sandbox.setConnector({ [mag_xeroconnector.columns.mag_autoapproveinvoices]: true });
});
afterAll(async () => {
  await sandbox.stop();
});

const tenant = () => sandbox.xero.store.tenant(sandbox.tenantId);

async function pushedInvoice(
  number: string,
  overrides: { approve?: boolean } = {},
): Promise<{ id: string; xeroId: string }> {
  if (overrides.approve === false)
    await sandbox.setConnector({ [mag_xeroconnector.columns.mag_autoapproveinvoices]: false });
  const id = await createInvoice(sandbox, {
    number,
    customer: { kind: "account", id: sandbox.seed.accounts["kauri"] ?? "" },
    lines: [
      { product: "WIDGET-100", quantity: 4, tax: 15 },
      { writeIn: "Delivery", quantity: 1, price: 20, tax: 3 },
    ],
  });
  await new PushInvoicesFlow(sandbox.deps).run(sandbox.scope("InvoicesToXero"));
  if (overrides.approve === false)
    await sandbox.setConnector({ [mag_xeroconnector.columns.mag_autoapproveinvoices]: true });
  return { id, xeroId: String((await readInvoice(sandbox.client, id))["mag_xeroid"]) };
}

describe("Reference data: Xero → Dynamics 365, products → Xero items", () => {
  test("account codes, tax rates, branding themes, tracking categories and options arrive once per name; products became items", async () => {
    const count = async (entitySet: string) =>
      (await sandbox.client.retrieveMultiple(entitySet, { select: ["mag_name"] })).length;
    expect(await count(mag_xeroaccountcode.entitySetName)).toBe(tenant().accounts.size);
    expect(await count(mag_taxrate.entitySetName)).toBe(tenant().taxRates.size);
    expect(await count(mag_brandingtheme.entitySetName)).toBe(2);
    const categories = await sandbox.client.retrieveMultiple<Record<string, unknown>>(
      mag_trackingcategory.entitySetName,
      { select: [mag_trackingcategory.columns.mag_name, mag_trackingcategory.columns.mag_xerostatus] },
    );
    expect(categories).toEqual([expect.objectContaining({ mag_name: "Region", mag_xerostatus: "ACTIVE" })]);
    const options = await sandbox.client.retrieveMultiple<Record<string, unknown>>(mag_trackingoption.entitySetName, {
      select: [mag_trackingoption.columns.mag_name],
    });
    expect(options.map((option) => option["mag_name"]).sort()).toStrictEqual(["North", "South"]);
    expect([...tenant().items.values()].map((item) => item.Code).sort()).toStrictEqual([
      "GADGET-200",
      "SERVICE-HR",
      "WIDGET-100",
    ]);
    const sales = (
      await sandbox.client.retrieveMultiple<Record<string, unknown>>(mag_xeroaccountcode.entitySetName, {
        select: [
          mag_xeroaccountcode.columns.mag_name,
          mag_xeroaccountcode.columns.mag_code,
          mag_xeroaccountcode.columns.mag_type,
          mag_xeroaccountcode.columns.mag_taxtype,
        ],
      })
    ).find((row) => row["mag_code"] === "200");
    expect(sales).toMatchObject({ mag_name: "Sales", mag_type: "REVENUE", mag_taxtype: "OUTPUT2" });
  });

  test("a second refresh reads accounts modified since, creates nothing twice and pushes no unchanged product", async () => {
    sandbox.clock.advance(60 * 60_000);
    const before = sandbox.calls.length;
    const accounts = (
      await sandbox.client.retrieveMultiple(mag_xeroaccountcode.entitySetName, { select: ["mag_name"] })
    ).length;
    await new ReferenceDataFlow(sandbox.deps).run(
      sandbox.scope("ReferenceData", { lastRunOn: new Date(sandbox.clock.now() - 30 * 60_000) }),
    );
    expect(sandbox.calls.slice(before).map((call) => call.operation)).toStrictEqual([
      "getAccounts",
      "getTaxRates",
      "getBrandingThemes",
      "getTrackingCategories",
    ]);
    expect(
      (await sandbox.client.retrieveMultiple(mag_xeroaccountcode.entitySetName, { select: ["mag_name"] })).length,
    ).toBe(accounts);
  });
});

describe("Credit Notes: Dynamics 365 → Xero", () => {
  test("ACCRECCREDIT, AUTHORISED, lines copied from the Xero invoice, one allocation for the amount and date", async () => {
    const { id, xeroId } = await pushedInvoice("CN-INV-1");
    const creditNoteId = await sandbox.client.create(mag_creditnote.entitySetName, {
      [mag_creditnote.columns.mag_name]: "Refund for CN-INV-1",
      [mag_creditnote.columns.mag_creditnotenumber]: "CN-0001",
      [mag_creditnote.columns.mag_creditdate]: "2026-03-02",
      [mag_creditnote.columns.mag_reference]: "Damaged widgets",
      [mag_creditnote.columns.mag_amount]: 50,
      [mag_creditnote.columns.mag_addtoxero]: true,
      [`${mag_creditnote.navigation.mag_invoiceid.invoice}@odata.bind`]: `/${invoice.entitySetName}(${id})`,
    });
    const report = await new PushCreditNotesFlow(sandbox.deps).run(sandbox.scope("CreditNotesToXero"));
    expect(report.result).toMatchObject({ result: "Succeeded", synced: 1 });
    const [creditNote] = [...tenant().creditNotes.values()].filter((note) => note.CreditNoteNumber === "CN-0001");
    expect(creditNote).toMatchObject({ Type: "ACCRECCREDIT", Status: "AUTHORISED", Reference: "Damaged widgets" });
    const xeroInvoice = tenant().invoices.get(xeroId.toLowerCase());
    expect(creditNote?.ContactID).toBe(xeroInvoice?.ContactID);
    expect(creditNote?.LineItems.map((line) => [line.Description, line.Quantity, line.UnitAmount])).toStrictEqual(
      xeroInvoice?.LineItems.map((line) => [line.Description, line.Quantity, line.UnitAmount]),
    );
    const allocations = [...tenant().allocations.values()].filter(
      (allocation) => allocation.CreditNoteID === creditNote?.CreditNoteID,
    );
    expect(allocations.map((allocation) => [allocation.InvoiceID.toLowerCase(), allocation.Amount])).toStrictEqual([
      [xeroId.toLowerCase(), 50],
    ]);
    const row = await sandbox.client.retrieve<Record<string, unknown>>(mag_creditnote.entitySetName, creditNoteId, {
      select: [
        mag_creditnote.columns.mag_synchedwithxero,
        mag_creditnote.columns.mag_xeroid,
        mag_creditnote.columns.mag_xerosyncstatus,
      ],
    });
    expect(row).toMatchObject({
      mag_synchedwithxero: true,
      mag_xeroid: creditNote?.CreditNoteID,
      mag_xerosyncstatus: mag_xerosyncstatus.Synced,
    });
  });

  test("an allocation Xero refuses leaves the credit note failed with its Xero id, in plain words", async () => {
    const { id } = await pushedInvoice("CN-INV-2");
    const creditNoteId = await sandbox.client.create(mag_creditnote.entitySetName, {
      [mag_creditnote.columns.mag_name]: "Too much",
      [mag_creditnote.columns.mag_creditnotenumber]: "CN-0002",
      [mag_creditnote.columns.mag_creditdate]: "2026-03-02",
      [mag_creditnote.columns.mag_amount]: 100_000,
      [mag_creditnote.columns.mag_addtoxero]: true,
      [`${mag_creditnote.navigation.mag_invoiceid.invoice}@odata.bind`]: `/${invoice.entitySetName}(${id})`,
    });
    await new PushCreditNotesFlow(sandbox.deps).run(sandbox.scope("CreditNotesToXero"));
    const row = await sandbox.client.retrieve<Record<string, unknown>>(mag_creditnote.entitySetName, creditNoteId, {
      select: [
        mag_creditnote.columns.mag_xerosyncstatus,
        mag_creditnote.columns.mag_xerosyncerror,
        mag_creditnote.columns.mag_xeroid,
      ],
    });
    expect(row?.[mag_creditnote.columns.mag_xerosyncstatus]).toBe(mag_xerosyncstatus.Failed);
    expect(String(row?.[mag_creditnote.columns.mag_xerosyncerror])).toMatch(
      /^The credit note was created in Xero but not allocated: /,
    );
    expect(typeof row?.[mag_creditnote.columns.mag_xeroid]).toBe("string");
  });
});

describe("Invoice Emails: Dynamics 365 → Xero", () => {
  test("an approved, synced invoice is emailed once and flagged; a draft is not", async () => {
    const approved = await pushedInvoice("EM-1");
    const draft = await pushedInvoice("EM-2", { approve: false });
    for (const { id } of [approved, draft])
      await sandbox.client.update(invoice.entitySetName, id, { [invoice.columns.mag_sendemailfromxero]: true });
    const report = await new PushInvoiceEmailsFlow(sandbox.deps).run(sandbox.scope("InvoiceEmailsToXero"));
    expect(report.result).toMatchObject({ synced: 1 });
    expect(tenant().invoices.get(approved.xeroId.toLowerCase())?.SentToContact).toBe(true);
    expect(tenant().invoices.get(draft.xeroId.toLowerCase())?.SentToContact).toBe(false);
    expect((await readInvoice(sandbox.client, approved.id))["mag_emailsentfromxero"]).toBe(true);
    expect((await readInvoice(sandbox.client, draft.id))["mag_emailsentfromxero"]).not.toBe(true);

    const before = sandbox.calls.filter((call) => call.operation === "emailInvoice").length;
    await new PushInvoiceEmailsFlow(sandbox.deps).run(sandbox.scope("InvoiceEmailsToXero"));
    expect(sandbox.calls.filter((call) => call.operation === "emailInvoice").length).toBe(before);
  });
});

describe("Xero errors are reduced to the allow-list", () => {
  test("a refused token never appears in the error, its JSON or its message", async () => {
    const secret = "eyJhbGciOiJSUzI1NiJ9.not-a-real-token-0123456789";
    const port = new XeroNodeAdapter({
      tenantId: sandbox.tenantId,
      apiUrl: sandbox.xero.apiUrl,
      accessToken: () => Promise.resolve(secret),
      gate: sandbox.gate,
      clock: sandbox.clock,
    });
    const error = await port.getTaxRates().then(
      () => undefined,
      (thrown: unknown) => thrown,
    );
    expect(error).toBeInstanceOf(SyncError);
    expect((error as SyncError).kind).toBe("auth");
    expect(JSON.stringify(error)).not.toContain("not-a-real-token");
    expect((error as SyncError).message).not.toContain("not-a-real-token");
    expect(String((error as SyncError).stack)).not.toContain("not-a-real-token");
  });
});
