// Invoice Emails on the sandbox: what the invoice says when Xero has not emailed it (the note in Xero Sync Error),
// that an unchanged reason writes nothing, and that the note goes when the email does, leaving other errors alone.
import type { XeroPort } from "../../src/adapters/xero/port";
import { emailNotePrefixes } from "../../src/flows/invoice-email-notes";
import type { SyncStore, WriteBack } from "../../src/flows/ports";
import { PushInvoiceEmailsFlow } from "../../src/flows/push-invoice-emails";
import { PushInvoicesFlow } from "../../src/flows/push-invoices";
import { invoice, mag_xeroconnector, mag_xerosynclog, mag_xerosyncstatus } from "../../src/generated/dataverse";
import { createAccount, createInvoice, readInvoice } from "../support/data";
import { startSandbox, warmReferenceData, type Sandbox } from "../support/sandbox";

let sandbox: Sandbox;
let counter = 0;

beforeAll(async () => {
  sandbox = await startSandbox();
  await warmReferenceData(sandbox);
  await sandbox.setConnector({ [mag_xeroconnector.columns.mag_autoapproveinvoices]: true });
});
afterAll(async () => {
  await sandbox.stop();
});

const tenant = () => sandbox.xero.store.tenant(sandbox.tenantId);

/** A store that keeps each run's write-back, to see which records a run wrote. */
function recordingStore(store: SyncStore): { store: SyncStore; writeBacks: WriteBack[] } {
  const writeBacks: WriteBack[] = [];
  const wrapped = new Proxy(store, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (property === "commit")
        return (writeBack: WriteBack) => {
          writeBacks.push(writeBack);
          return target.commit(writeBack);
        };
      return typeof value === "function" ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
  return { store: wrapped, writeBacks };
}

/** Someone edits the Xero contact's email in Xero right before the email call (between the flow's check and send). */
function editingContactFirst(port: XeroPort, contactId: string, email: string): XeroPort {
  return new Proxy(port, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (property === "emailInvoice")
        return (invoiceId: string, key: string) => {
          setXeroContactEmail(contactId, email);
          return target.emailInvoice(invoiceId, key);
        };
      return typeof value === "function" ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}

function setXeroContactEmail(contactId: string, email: string): void {
  const contact = tenant().contacts.get(contactId);
  if (contact === undefined) throw new Error(`no Xero contact ${contactId}`);
  contact.fields["EmailAddress"] = email;
}

/** An invoice for a new account with no email anywhere, pushed to Xero (approved unless told) with Send Email = Yes. */
async function emailableInvoice(
  options: { approve?: boolean; email?: string } = {},
): Promise<{ id: string; xeroId: string; contactId: string }> {
  counter += 1;
  const accountId = await createAccount(sandbox.client, {
    name: `Totara Traders ${counter}`,
    accountnumber: `TOT-${counter}`,
    ...(options.email === undefined ? {} : { emailaddress1: options.email }),
  });
  if (options.approve === false)
    await sandbox.setConnector({ [mag_xeroconnector.columns.mag_autoapproveinvoices]: false });
  const id = await createInvoice(sandbox, {
    number: `EMN-${counter}`,
    customer: { kind: "account", id: accountId },
    lines: [{ product: "WIDGET-100", quantity: 2, tax: 15 }],
  });
  await new PushInvoicesFlow(sandbox.deps).run(sandbox.scope("InvoicesToXero"));
  if (options.approve === false)
    await sandbox.setConnector({ [mag_xeroconnector.columns.mag_autoapproveinvoices]: true });
  await sandbox.client.update(invoice.entitySetName, id, { [invoice.columns.mag_sendemailfromxero]: true });
  const xeroId = String((await readInvoice(sandbox.client, id))[invoice.columns.mag_xeroid]);
  const contactId = tenant().invoices.get(xeroId.toLowerCase())?.ContactID;
  if (contactId === undefined) throw new Error("the invoice did not reach Xero");
  return { id, xeroId, contactId };
}

const emailRun = (deps: Partial<typeof sandbox.deps> = {}) =>
  new PushInvoiceEmailsFlow({ ...sandbox.deps, ...deps }).run(sandbox.scope("InvoiceEmailsToXero"));

/** The emulator's row version: it moves on every write, so an unchanged version proves nothing was written. */
const versionOf = async (id: string) =>
  (await sandbox.client.retrieve<Record<string, unknown>>(invoice.entitySetName, id, { select: ["versionnumber"] }))?.[
    "versionnumber"
  ];

describe("Invoice Emails: the note on the invoice", () => {
  test("a contact without email: the invoice says so, stays Synced, and a second run writes nothing", async () => {
    const { id, xeroId } = await emailableInvoice();
    const first = recordingStore(sandbox.store);
    await emailRun({ store: first.store });
    const row = await readInvoice(sandbox.client, id);
    expect(row[invoice.columns.mag_xerosyncerror]).toMatch(
      new RegExp(
        `^The invoice email waits: The Xero contact "Totara Traders \\d+" has no email address for its primary person\\. Add one`,
      ),
    );
    expect(row[invoice.columns.mag_xerosyncstatus]).toBe(mag_xerosyncstatus.Synced);
    expect(row[invoice.columns.mag_emailsentfromxero]).not.toBe(true);
    expect(tenant().invoices.get(xeroId.toLowerCase())?.SentToContact).not.toBe(true);
    expect(first.writeBacks.flatMap((writeBack) => writeBack.records)).toStrictEqual([
      { kind: "noted", table: "invoice", id, message: row[invoice.columns.mag_xerosyncerror] },
    ]);

    const version = await versionOf(id);
    const requests = sandbox.dataverse.requestCount(sandbox.org);
    const second = recordingStore(sandbox.store);
    await emailRun({ store: second.store });
    // The selection query and the run's result ($batch with the connector's last-synched time): no record written.
    expect(sandbox.dataverse.requestCount(sandbox.org) - requests).toBe(2);
    expect(second.writeBacks.flatMap((writeBack) => writeBack.records)).toStrictEqual([]);
    expect(await versionOf(id)).toBe(version);
  });

  test("a draft in Xero: an informational wait until it is approved", async () => {
    const { id } = await emailableInvoice({ approve: false, email: "accounts@draft.example" });
    await emailRun();
    expect((await readInvoice(sandbox.client, id))[invoice.columns.mag_xerosyncerror]).toMatch(
      /^The invoice email waits: the invoice is not approved in Xero yet, .*nothing to do here\.$/,
    );
  });

  test("Xero refuses: the refusal in plain words; then the email goes, Email Sent From Xero = Yes, the note cleared", async () => {
    const { id, xeroId, contactId } = await emailableInvoice({ email: "accounts@refused.example" });
    await emailRun({ xero: editingContactFirst(sandbox.xeroPort, contactId, "") });
    const refused = await readInvoice(sandbox.client, id);
    expect(refused[invoice.columns.mag_xerosyncerror]).toBe(
      "Xero did not email this invoice: The contact does not have an email address. Correct this in Xero; the " +
        "connector tries again the next day while Send Email From Xero is Yes.",
    );
    expect(refused[invoice.columns.mag_xerosyncstatus]).toBe(mag_xerosyncstatus.Synced);
    expect(refused[invoice.columns.mag_emailsentfromxero]).not.toBe(true);
    const logs = await sandbox.client.retrieveMultiple<Record<string, unknown>>(mag_xerosynclog.entitySetName, {
      select: [mag_xerosynclog.columns.mag_recordid, mag_xerosynclog.columns.mag_errortext],
    });
    expect(logs.filter((log) => log[mag_xerosynclog.columns.mag_recordid] === id)).toStrictEqual([
      expect.objectContaining({ [mag_xerosynclog.columns.mag_errortext]: refused[invoice.columns.mag_xerosyncerror] }),
    ]);

    // The contact gets its email back in Xero; the next day's run sends the invoice.
    setXeroContactEmail(contactId, "accounts@refused.example");
    sandbox.clock.advance(86_400_000);
    const report = await emailRun();
    expect(report.result).toMatchObject({ synced: 1 });
    const sent = await readInvoice(sandbox.client, id);
    expect(sent[invoice.columns.mag_emailsentfromxero]).toBe(true);
    expect(sent[invoice.columns.mag_xerosyncerror]).toBeNull();
    expect(sent[invoice.columns.mag_xerosyncstatus]).toBe(mag_xerosyncstatus.Synced);
    expect(tenant().invoices.get(xeroId.toLowerCase())?.SentToContact).toBe(true);
  });

  test("a sync error this flow did not write survives both the wait and the sent email", async () => {
    const { id, contactId } = await emailableInvoice();
    const foreign = "Checked by finance: call before chasing.";
    await sandbox.client.update(invoice.entitySetName, id, { [invoice.columns.mag_xerosyncerror]: foreign });
    await emailRun();
    expect((await readInvoice(sandbox.client, id))[invoice.columns.mag_xerosyncerror]).toBe(foreign);

    setXeroContactEmail(contactId, "accounts@foreign.example");
    await emailRun();
    const row = await readInvoice(sandbox.client, id);
    expect(row[invoice.columns.mag_emailsentfromxero]).toBe(true);
    expect(row[invoice.columns.mag_xerosyncerror]).toBe(foreign);
    expect(foreign.startsWith(emailNotePrefixes.waiting) || foreign.startsWith(emailNotePrefixes.refused)).toBe(false);
  });
});
