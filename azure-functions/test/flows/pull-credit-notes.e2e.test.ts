import { createMemoryCursorStore, type PullCursorStore } from "../../src/flows/incremental-read";
import { PullCreditNotesFlow } from "../../src/flows/pull-credit-notes";
import {
  invoice_statecode,
  invoice_statuscode,
  mag_creditnote,
  mag_xerosyncstatus,
} from "../../src/generated/dataverse";
import {
  crashingCursorStore,
  createLinkedInvoice,
  invoiceState,
  pullDependencies,
  without,
  type Row,
} from "../support/pull";
import { startSandbox, warmReferenceData, type Sandbox } from "../support/sandbox";
import { xeroBooks, type XeroBooks } from "../support/xero-books";

let sandbox: Sandbox;
let books: XeroBooks;
let contactId: string;
const cursors = createMemoryCursorStore();
const cc = mag_creditnote.columns;

const creditNoteRows = (): Promise<Row[]> =>
  sandbox.client.retrieveMultiple<Row>(mag_creditnote.entitySetName, {
    select: [
      cc.mag_name,
      cc.mag_creditdate,
      cc.mag_creditnotenumber,
      cc.mag_reference,
      `_${cc.mag_invoiceid}_value`,
      cc.mag_amount,
      cc.mag_xeroid,
      cc.mag_synchedwithxero,
      cc.mag_addtoxero,
      cc.mag_xerosyncstatus,
      `_${cc.mag_xeroconnectorid}_value`,
    ],
    orderBy: [`${cc.mag_creditnotenumber} asc`, `${cc.mag_amount} asc`],
  });
const run = (store: PullCursorStore = cursors, pageSize?: number) =>
  new PullCreditNotesFlow(pullDependencies(sandbox, store), pageSize === undefined ? {} : { pageSize }).run(
    sandbox.scope("CreditNotesFromXero"),
  );
const line = (amount: number) => [
  { Description: "Services", Quantity: 1, UnitAmount: amount, AccountCode: "200", TaxType: "NONE" },
];

/** A Xero invoice of 100.00 for the contact, and its Dynamics 365 invoice linked by Xero id. */
async function linkedInvoice(number: string): Promise<{ xeroId: string; id: string }> {
  const created = await books.createInvoice({
    InvoiceNumber: number,
    Contact: { ContactID: contactId },
    Date: "2026-03-01",
    DueDate: "2026-03-31",
    LineItems: line(100),
  });
  const xeroId = String(created["InvoiceID"]);
  return { xeroId, id: await createLinkedInvoice(sandbox, xeroId, number, sandbox.seed.accounts["kauri"] as string) };
}

beforeAll(async () => {
  sandbox = await startSandbox();
  await warmReferenceData(sandbox);
  books = xeroBooks(sandbox.xero, sandbox.tenantId);
  contactId = await books.createContact({ Name: "Credit Customer Ltd" });
});
afterAll(async () => {
  await sandbox.stop();
});

test("a credit note over three invoices makes three rows; Canceled with no payment, Paid with one, open when still due", async () => {
  const canceled = await linkedInvoice("CN-INV-1");
  const paid = await linkedInvoice("CN-INV-2");
  const open = await linkedInvoice("CN-INV-3");
  await books.pay(paid.xeroId, 40);
  sandbox.clock.advance(60_000);
  const creditNoteId = await books.createCreditNote({
    CreditNoteNumber: "CN-0001",
    Reference: "Returned goods",
    Date: "2026-03-02",
    Contact: { ContactID: contactId },
    LineItems: line(200),
  });
  await books.allocate(creditNoteId, canceled.xeroId, 100);
  await books.allocate(creditNoteId, paid.xeroId, 60);
  await books.allocate(creditNoteId, open.xeroId, 40);

  const report = await run();
  expect(report.result).toMatchObject({ result: "Succeeded", synced: 3, failed: 0 });
  const common = {
    [cc.mag_creditdate]: "2026-03-02",
    [cc.mag_creditnotenumber]: "CN-0001",
    [cc.mag_reference]: "Returned goods",
    [cc.mag_xeroid]: creditNoteId,
    [cc.mag_synchedwithxero]: true,
    [cc.mag_addtoxero]: false,
    [cc.mag_xerosyncstatus]: mag_xerosyncstatus.Synced,
    [`_${cc.mag_xeroconnectorid}_value`]: sandbox.connectorId,
  };
  const strip = (row: Row): Row => without(row, cc.mag_creditnoteid);
  expect((await creditNoteRows()).map(strip)).toStrictEqual([
    { ...common, [cc.mag_name]: "CN-0001 · CN-INV-3", [cc.mag_amount]: 40, [`_${cc.mag_invoiceid}_value`]: open.id },
    { ...common, [cc.mag_name]: "CN-0001 · CN-INV-2", [cc.mag_amount]: 60, [`_${cc.mag_invoiceid}_value`]: paid.id },
    {
      ...common,
      [cc.mag_name]: "CN-0001 · CN-INV-1",
      [cc.mag_amount]: 100,
      [`_${cc.mag_invoiceid}_value`]: canceled.id,
    },
  ]);
  expect(await invoiceState(sandbox, canceled.id)).toStrictEqual({
    statecode: invoice_statecode.Canceled,
    statuscode: invoice_statuscode.Canceled,
  });
  expect(await invoiceState(sandbox, paid.id)).toStrictEqual({
    statecode: invoice_statecode.Paid,
    statuscode: invoice_statuscode.Complete,
  });
  expect((await invoiceState(sandbox, open.id)).statecode).toBe(invoice_statecode.Active);
});

test("a rerun creates nothing new", async () => {
  sandbox.clock.advance(60_000);
  const report = await run();
  expect(report.result.result).toBe("NothingToDo");
  expect((await creditNoteRows()).length).toBe(3);
});

test("killed after writing a page and before saving its cursor, the rerun duplicates nothing and misses nothing", async () => {
  const invoices = [await linkedInvoice("CN-INV-4"), await linkedInvoice("CN-INV-5"), await linkedInvoice("CN-INV-6")];
  const numbers = ["CN-0002", "CN-0003", "CN-0004"];
  for (const [index, number] of numbers.entries()) {
    sandbox.clock.advance(60_000);
    const id = await books.createCreditNote({
      CreditNoteNumber: number,
      Contact: { ContactID: contactId },
      Date: "2026-03-03",
      LineItems: line(10),
    });
    await books.allocate(id, invoices[index]?.xeroId as string, 10);
  }
  sandbox.clock.advance(60_000);
  // One credit note per page: the overlap re-reads CN-0001 (page 1), CN-0002 is written (page 2), CN-0003 is
  // written (page 3) and the process dies before that page's cursor is saved.
  await expect(run(crashingCursorStore(cursors, 3), 1)).rejects.toThrow("killed before the cursor was saved");
  expect((await creditNoteRows()).map((row) => row[cc.mag_creditnotenumber])).toStrictEqual([
    "CN-0001",
    "CN-0001",
    "CN-0001",
    "CN-0002",
    "CN-0003",
  ]);
  const report = await run(cursors, 1);
  expect(report.result).toMatchObject({ synced: 1, failed: 0 });
  expect((await creditNoteRows()).map((row) => row[cc.mag_creditnotenumber])).toStrictEqual([
    "CN-0001",
    "CN-0001",
    "CN-0001",
    "CN-0002",
    "CN-0003",
    "CN-0004",
  ]);
});
