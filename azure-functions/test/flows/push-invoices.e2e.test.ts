// Invoices: Dynamics 365 → Xero on the sandbox (Dataverse and Xero emulators): mappings as sent, settings, per-invoice
// failures, faults, exactly-once across crashes, and the idle cycle's cost.
import { column, filter, toGuidLiteral } from "../../src/adapters/dataverse/odata";
import { PushInvoicesFlow } from "../../src/flows/push-invoices";
import {
  account,
  invoicedetail,
  manyToMany,
  mag_flow,
  mag_lastresult,
  mag_xerodataflow,
  mag_trackingoption,
  mag_xeroaccountcode,
  mag_xeroconnector,
  mag_xerostatus,
  mag_xerosynclog,
  mag_xerosyncstatus,
} from "../../src/generated/dataverse";
import { createAccount, createContact, createInvoice, readInvoice } from "../support/data";
import { startSandbox, warmReferenceData, type Sandbox } from "../support/sandbox";
import { failingCommit, killingXero, recordingXero } from "../support/wrappers";

let sandbox: Sandbox;
let counter = 0;
const nextNumber = (prefix: string) => `${prefix}-${String(++counter).padStart(4, "0")}`;

beforeAll(async () => {
  sandbox = await startSandbox({ timeoutMs: 2_000 });
  await warmReferenceData(sandbox);
});
afterAll(async () => {
  await sandbox.stop();
});
afterEach(() => {
  sandbox.xero.faults.clear();
});

const push = (overrides: Partial<Parameters<Sandbox["scope"]>[1]> = {}, deps: Partial<Sandbox["deps"]> = {}) =>
  new PushInvoicesFlow({ ...sandbox.deps, ...deps }).run(sandbox.scope("InvoicesToXero", overrides));

const xeroInvoicesNumbered = (number: string) =>
  [...sandbox.xero.store.tenant(sandbox.tenantId).invoices.values()].filter(
    (candidate) => candidate.InvoiceNumber === number,
  );

async function newCustomer(name: string, extra: Record<string, unknown> = {}): Promise<string> {
  return createAccount(sandbox.client, {
    [account.columns.name]: name,
    [account.columns.accountnumber]: `AC-${name.replace(/\W/g, "").slice(0, 10)}-${counter}`,
    ...extra,
  });
}

describe("Invoice, Line Items, Contact (Customer): what reaches Xero", () => {
  test("the demo invoices go as drafts; every mapped field as sent; write-back of synced, Xero id and the customers' Xero ids", async () => {
    const { port, invoices } = recordingXero(sandbox.xeroPort);
    for (const id of Object.values(sandbox.seed.invoices))
      await sandbox.client.update("invoices", id, { mag_addtoxero: true });
    const report = await push({}, { xero: port });
    expect(report.result).toMatchObject({ result: "Succeeded", synced: 4, failed: 0 });

    const sent = invoices.find((candidate) => candidate.InvoiceNumber === "INV-1002");
    const harbour = await sandbox.client.retrieve<Record<string, unknown>>(
      account.entitySetName,
      sandbox.seed.accounts["harbour"] ?? "",
      { select: [account.columns.mag_xerocontactid] },
    );
    const contactId = String(harbour?.[account.columns.mag_xerocontactid]);
    expect(sent).toStrictEqual({
      InvoiceNumber: "INV-1002",
      Contact: { ContactID: contactId },
      CurrencyCode: "NZD",
      Type: "ACCREC",
      Status: "DRAFT",
      LineAmountTypes: "Exclusive",
      LineItems: [
        {
          Description: "Gadget",
          ItemCode: "GADGET-200",
          Quantity: 3,
          UnitAmount: 120,
          AccountCode: "200",
          TaxType: "OUTPUT2",
          TaxAmount: 51,
          DiscountAmount: 20,
        },
        {
          Description: "Freight and handling",
          Quantity: 1,
          UnitAmount: 45,
          AccountCode: "200",
          TaxType: "OUTPUT2",
          TaxAmount: 15,
        },
      ],
    });
    const contact = sandbox.xero.store.tenant(sandbox.tenantId).contacts.get(contactId);
    expect(contact?.Name).toBe("Harbour Freight Co");
    expect(contact?.fields["AccountNumber"]).toBe("HARB-002");
    expect(contact?.fields["FirstName"]).toBe("James");
    expect((contact?.fields["ContactPersons"] as unknown[] | undefined)?.length).toBe(2);
    for (const id of Object.values(sandbox.seed.invoices)) {
      const row = await readInvoice(sandbox.client, id);
      expect(row).toMatchObject({
        mag_synchedwithxero: true,
        mag_xerosyncstatus: mag_xerosyncstatus.Synced,
        mag_xerosyncerror: null,
      });
      expect(typeof row["mag_xeroid"]).toBe("string");
    }
  });

  test("a stored Xero contact id is used without a lookup; a leading full stop adds a line; reference and account code", async () => {
    const { port, invoices } = recordingXero(sandbox.xeroPort);
    const codes = await sandbox.client.retrieveMultiple<Record<string, unknown>>(mag_xeroaccountcode.entitySetName, {
      select: [mag_xeroaccountcode.columns.mag_xeroaccountcodeid, mag_xeroaccountcode.columns.mag_code],
    });
    const otherRevenue = String(
      codes.find((row) => row[mag_xeroaccountcode.columns.mag_code] === "260")?.[
        mag_xeroaccountcode.columns.mag_xeroaccountcodeid
      ],
    );
    const number = nextNumber("FS");
    const id = await createInvoice(sandbox, {
      number,
      customer: { kind: "account", id: sandbox.seed.accounts["kauri"] ?? "" },
      description: ". Thank you for your business",
      reference: "PO-77",
      lines: [{ writeIn: "Site visit", quantity: 2, price: 99.5, tax: 29.85, accountCodeId: otherRevenue }],
    });
    const before = sandbox.calls.length;
    await push({}, { xero: port });
    expect(sandbox.calls.slice(before).map((call) => call.operation)).toStrictEqual(["saveContacts", "createInvoices"]);
    expect(invoices.at(-1)?.LineItems).toStrictEqual([
      {
        Description: "Site visit",
        Quantity: 2,
        UnitAmount: 99.5,
        AccountCode: "260",
        TaxType: "OUTPUT2",
        TaxAmount: 29.85,
      },
      { Description: "Thank you for your business" },
    ]);
    expect(invoices.at(-1)?.Reference).toBe("PO-77");
    expect((await readInvoice(sandbox.client, id))["mag_synchedwithxero"]).toBe(true);
  });

  test("a contact as customer, with its phones and email", async () => {
    const { port } = recordingXero(sandbox.xeroPort);
    const contactId = await createContact(sandbox.client, {
      firstname: "Rua",
      lastname: "Kenana",
      emailaddress1: "rua@example.com",
      telephone1: "111",
      mobilephone: "222",
    });
    const number = nextNumber("CT");
    await createInvoice(sandbox, {
      number,
      customer: { kind: "contact", id: contactId },
      lines: [{ product: "SERVICE-HR", quantity: 1 }],
    });
    await push({}, { xero: port });
    const [sent] = xeroInvoicesNumbered(number);
    const xeroContact = sandbox.xero.store.tenant(sandbox.tenantId).contacts.get(sent?.ContactID ?? "");
    expect(xeroContact?.Name).toBe("Rua Kenana");
    expect(xeroContact?.fields["EmailAddress"]).toBe("rua@example.com");
    expect(xeroContact?.fields["Phones"]).toEqual(
      expect.arrayContaining([expect.objectContaining({ PhoneType: "MOBILE", PhoneNumber: "222" })]),
    );
  });
});

describe("Line Item Tracking", () => {
  test("tracking options on a line reach Xero as category name and option", async () => {
    const { port, invoices } = recordingXero(sandbox.xeroPort);
    const number = nextNumber("TR");
    const id = await createInvoice(sandbox, {
      number,
      customer: { kind: "account", id: sandbox.seed.accounts["kauri"] ?? "" },
      lines: [{ product: "WIDGET-100", quantity: 2 }],
    });
    const [line] = await sandbox.client.retrieveMultiple<Record<string, unknown>>(invoicedetail.entitySetName, {
      select: [invoicedetail.columns.invoicedetailid],
      filter: filter`${column(`_${invoicedetail.columns.invoiceid}_value`)} eq ${toGuidLiteral(id)}`,
    });
    const options = await sandbox.client.retrieveMultiple<Record<string, unknown>>(mag_trackingoption.entitySetName, {
      select: [mag_trackingoption.columns.mag_trackingoptionid, mag_trackingoption.columns.mag_name],
    });
    const north = options.find((option) => option[mag_trackingoption.columns.mag_name] === "North");
    await sandbox.client.associate(
      invoicedetail.entitySetName,
      String(line?.[invoicedetail.columns.invoicedetailid]),
      manyToMany.mag_InvoiceDetail_TrackingOption.navigationFromEntity1,
      mag_trackingoption.entitySetName,
      String(north?.[mag_trackingoption.columns.mag_trackingoptionid]),
    );
    await push({}, { xero: port });
    expect(invoices.find((candidate) => candidate.InvoiceNumber === number)?.LineItems).toStrictEqual([
      {
        Description: "Widget",
        ItemCode: "WIDGET-100",
        Quantity: 2,
        UnitAmount: 25,
        AccountCode: "200",
        TaxType: "OUTPUT2",
        Tracking: [{ Option: "North", Name: "Region" }],
      },
    ]);
    expect(xeroInvoicesNumbered(number)[0]?.LineItems[0]?.Tracking).toEqual([
      expect.objectContaining({ Name: "Region", Option: "North" }),
    ]);
  });
});

describe("settings", () => {
  afterEach(async () => {
    await sandbox.setConnector({
      [mag_xeroconnector.columns.mag_autoapproveinvoices]: false,
      [mag_xeroconnector.columns.mag_markinvoicesassent]: false,
    });
  });

  test("auto approve and mark as sent: AUTHORISED, sent, and the pay-now link written back", async () => {
    await sandbox.setConnector({
      [mag_xeroconnector.columns.mag_autoapproveinvoices]: true,
      [mag_xeroconnector.columns.mag_markinvoicesassent]: true,
    });
    const number = nextNumber("AA");
    const id = await createInvoice(sandbox, {
      number,
      customer: { kind: "account", id: sandbox.seed.accounts["outback"] ?? "" },
      currency: "AUD",
      lines: [{ product: "WIDGET-100", quantity: 4 }],
    });
    await push();
    const [stored] = xeroInvoicesNumbered(number);
    expect(stored?.Status).toBe("AUTHORISED");
    expect(stored?.SentToContact).toBe(true);
    const row = await readInvoice(sandbox.client, id);
    expect(String(row["mag_xeropaynowlink"])).toMatch(/^https?:\/\//);
  });

  test("the default connector takes invoices without one; another connector's invoices are left alone", async () => {
    const other = await sandbox.client.create(mag_xeroconnector.entitySetName, {
      mag_name: "Other org",
      mag_xerotenantid: "other-tenant",
      mag_enabled: true,
      mag_isdefault: false,
      mag_xerostatus: mag_xerostatus.Connected,
    });
    const mine = await createInvoice(sandbox, {
      number: nextNumber("DC"),
      customer: { kind: "account", id: sandbox.seed.accounts["kauri"] ?? "" },
      lines: [{ product: "WIDGET-100", quantity: 1 }],
    });
    const theirs = await createInvoice(sandbox, {
      number: nextNumber("OC"),
      connectorId: other,
      customer: { kind: "account", id: sandbox.seed.accounts["kauri"] ?? "" },
      lines: [{ product: "WIDGET-100", quantity: 1 }],
    });
    const notDefault = await push({ isDefaultConnector: false });
    expect(notDefault.result.result).toBe("NothingToDo");
    await push();
    expect((await readInvoice(sandbox.client, mine))["mag_synchedwithxero"]).toBe(true);
    expect((await readInvoice(sandbox.client, theirs))["mag_synchedwithxero"]).not.toBe(true);
    await sandbox.client.update("invoices", theirs, { mag_addtoxero: false });
  });
});

describe("Line Items Count > 0", () => {
  test("invoices without lines wait, unchanged, and never fill the page ahead of invoices that have lines", async () => {
    const customer = { kind: "account" as const, id: sandbox.seed.accounts["kauri"] ?? "" };
    const lineless = [];
    for (let index = 0; index < 3; index++)
      lineless.push(await createInvoice(sandbox, { number: nextNumber("NL"), customer, lines: [] }));
    sandbox.clock.advance(60_000);
    const ready = await createInvoice(sandbox, { number: nextNumber("WL"), customer, lines: [{ product: "WIDGET-100", quantity: 1 }] });
    // A page of 2: before the selection asked for lines, the three older lineless invoices filled every page.
    const report = await new PushInvoicesFlow(sandbox.deps, { pageSize: 2 }).run(sandbox.scope("InvoicesToXero"));
    expect(report.result).toMatchObject({ synced: 1, failed: 0 });
    expect((await readInvoice(sandbox.client, ready))["mag_synchedwithxero"]).toBe(true);
    for (const id of lineless) {
      const row = await readInvoice(sandbox.client, id);
      expect(row["mag_synchedwithxero"]).not.toBe(true);
      expect(row["mag_xerosyncstatus"]).toBeNull();
      await sandbox.client.update("invoices", id, { mag_addtoxero: false });
    }
  });
});

describe("per-invoice failures leave the rest of the batch synced", () => {
  test("a bad account code, an invalid email and an archived contact fail alone, in plain words, with a sync log", async () => {
    const bad = await sandbox.client.create(mag_xeroaccountcode.entitySetName, {
      mag_name: "Retired code",
      mag_code: "999",
    });
    const good1 = await createInvoice(sandbox, {
      number: nextNumber("OK"),
      customer: { kind: "account", id: sandbox.seed.accounts["kauri"] ?? "" },
      lines: [{ product: "WIDGET-100", quantity: 1 }],
    });
    const badCode = await createInvoice(sandbox, {
      number: nextNumber("BC"),
      customer: { kind: "account", id: sandbox.seed.accounts["kauri"] ?? "" },
      lines: [
        { product: "WIDGET-100", quantity: 1 },
        { product: "GADGET-200", quantity: 1, accountCodeId: bad },
      ],
    });
    const invalidEmailCustomer = await newCustomer("Bad Email Ltd", {
      [account.columns.emailaddress1]: "not-an-email",
    });
    const invalidEmail = await createInvoice(sandbox, {
      number: nextNumber("IE"),
      customer: { kind: "account", id: invalidEmailCustomer },
      lines: [{ product: "WIDGET-100", quantity: 1 }],
    });
    const archivedNumber = `ARCH-${counter}`;
    const archivedCustomer = await newCustomer("Archived Co", { [account.columns.accountnumber]: archivedNumber });
    sandbox.xero.store.tenant(sandbox.tenantId).contacts.set("9f1d0f6e-0000-4000-8000-00000000a5c1", {
      ContactID: "9f1d0f6e-0000-4000-8000-00000000a5c1",
      Name: "Archived Co",
      ContactStatus: "ARCHIVED",
      IsCustomer: true,
      IsSupplier: false,
      UpdatedDateUTC: sandbox.clock.now(),
      fields: { AccountNumber: archivedNumber },
    });
    const archived = await createInvoice(sandbox, {
      number: nextNumber("AR"),
      customer: { kind: "account", id: archivedCustomer },
      lines: [{ product: "WIDGET-100", quantity: 1 }],
    });
    const good2 = await createInvoice(sandbox, {
      number: nextNumber("OK"),
      customer: { kind: "account", id: sandbox.seed.accounts["harbour"] ?? "" },
      lines: [{ product: "SERVICE-HR", quantity: 1 }],
    });

    const report = await push();
    expect(report.result).toMatchObject({ result: "PartiallySucceeded", synced: 2, failed: 3 });
    expect(report.followUps).toStrictEqual(["ReferenceData"]);
    for (const id of [good1, good2]) expect((await readInvoice(sandbox.client, id))["mag_synchedwithxero"]).toBe(true);
    const badRow = await readInvoice(sandbox.client, badCode);
    expect(badRow).toMatchObject({ mag_xerosyncstatus: mag_xerosyncstatus.Failed, mag_xeropushattempt: 1 });
    expect(badRow["mag_xerosyncerror"]).toBe(
      "Line 2 (Gadget): Account code '999' is not a valid code for this document.",
    );
    expect(String((await readInvoice(sandbox.client, invalidEmail))["mag_xerosyncerror"])).toContain(
      "emailAddress: is not a valid email address",
    );
    expect(String((await readInvoice(sandbox.client, archived))["mag_xerosyncerror"])).toContain("archived");
    const logs = await sandbox.client.retrieveMultiple<Record<string, unknown>>(mag_xerosynclog.entitySetName, {
      select: [mag_xerosynclog.columns.mag_recordid, mag_xerosynclog.columns.mag_errortext],
    });
    expect(logs.map((log) => log[mag_xerosynclog.columns.mag_recordid])).toEqual(
      expect.arrayContaining([badCode, invalidEmail, archived]),
    );

    // Failed invoices wait for "Retry Xero sync"; the next cycle does not call Xero for them.
    const before = sandbox.calls.length;
    expect((await push()).result.result).toBe("NothingToDo");
    expect(sandbox.calls.length).toBe(before);
    for (const id of [badCode, invalidEmail, archived])
      await sandbox.client.update("invoices", id, { mag_addtoxero: false });
  });
});

describe("429, 5xx and timeouts", () => {
  test("a 429, a 503 and a slow answer are retried; each invoice exists once", async () => {
    const numbers = [nextNumber("RT"), nextNumber("RT")];
    for (const number of numbers)
      await createInvoice(sandbox, {
        number,
        customer: { kind: "account", id: sandbox.seed.accounts["kauri"] ?? "" },
        lines: [{ product: "WIDGET-100", quantity: 1 }],
      });
    sandbox.xero.faults.inject({ kind: "429", count: 1, match: { method: "PUT", path: "/Invoices" } });
    sandbox.xero.faults.inject({ kind: "503", count: 1, match: { method: "PUT", path: "/Invoices" } });
    sandbox.xero.faults.inject({ kind: "slow", delayMs: 2_500, count: 1, match: { method: "PUT", path: "/Invoices" } });
    const report = await push();
    expect(report.result).toMatchObject({ result: "Succeeded", synced: 2 });
    for (const number of numbers) expect(xeroInvoicesNumbered(number)).toHaveLength(1);
  });
});

describe("exactly once across crashes", () => {
  const crashCase = async (prepare: () => Partial<Sandbox["deps"]> & { reached?: Promise<void> }) => {
    const number = nextNumber("CR");
    const id = await createInvoice(sandbox, {
      number,
      customer: { kind: "account", id: sandbox.seed.accounts["harbour"] ?? "" },
      lines: [{ product: "GADGET-200", quantity: 2 }],
    });
    const { reached, ...deps } = prepare();
    const first = push({}, deps);
    if (reached !== undefined) await reached;
    else await first.catch(() => undefined);
    // The rerun: a new "process" with the same durable state (Dataverse, Xero, the journal).
    const report = await push();
    expect(report.result.synced).toBe(1);
    expect(xeroInvoicesNumbered(number)).toHaveLength(1);
    const row = await readInvoice(sandbox.client, id);
    expect(row["mag_synchedwithxero"]).toBe(true);
    expect(row["mag_xeroid"]).toBe(xeroInvoicesNumbered(number)[0]?.InvoiceID);
  };

  test("killed before the Xero call", async () => {
    await crashCase(() => {
      const killed = killingXero(sandbox.xeroPort, "before");
      return { xero: killed.port, reached: killed.reached };
    });
  });

  test("Xero committed but the answer was lost (drop after commit), then killed", async () => {
    await crashCase(() => {
      const killed = killingXero(sandbox.xeroPort, "after");
      return { xero: killed.port, reached: killed.reached };
    });
  });

  test("Xero committed, the connection dropped: the same run reconciles", async () => {
    const number = nextNumber("DR");
    await createInvoice(sandbox, {
      number,
      customer: { kind: "account", id: sandbox.seed.accounts["kauri"] ?? "" },
      lines: [{ product: "WIDGET-100", quantity: 3 }],
    });
    sandbox.xero.faults.inject({ kind: "drop-after-commit", count: 1, match: { method: "PUT", path: "/Invoices" } });
    const report = await push();
    expect(report.result.synced).toBe(1);
    expect(xeroInvoicesNumbered(number)).toHaveLength(1);
    expect(sandbox.xero.stats().droppedAfterCommit).toBeGreaterThan(0);
  });

  test("answered, then the Dataverse write-back failed", async () => {
    await crashCase(() => ({ store: failingCommit(sandbox.store, "throw").store }));
  });

  test("answered, then killed before the write-back", async () => {
    await crashCase(() => {
      const killed = failingCommit(sandbox.store, "kill");
      return { store: killed.store, reached: killed.reached };
    });
  });
});

describe("run results", () => {
  test("land on the data-flow row (last run, result, counts) and the connector (last synched, calls left today)", async () => {
    const dataFlowId = await sandbox.client.create(mag_xerodataflow.entitySetName, {
      [mag_xerodataflow.columns.mag_name]: "Invoices to Xero",
      [`${mag_xerodataflow.navigation.mag_xeroconnectorid.mag_xeroconnector}@odata.bind`]: `/${mag_xeroconnector.entitySetName}(${sandbox.connectorId})`,
      [mag_xerodataflow.columns.mag_flow]: mag_flow.InvoicesToXero,
      [mag_xerodataflow.columns.mag_enabled]: true,
    });
    await createInvoice(sandbox, {
      number: nextNumber("RR"),
      customer: { kind: "account", id: sandbox.seed.accounts["kauri"] ?? "" },
      lines: [{ product: "WIDGET-100", quantity: 1 }],
    });
    sandbox.clock.advance(60_000);
    await push({ dataFlowId });
    const row = await sandbox.client.retrieve<Record<string, unknown>>(mag_xerodataflow.entitySetName, dataFlowId, {
      select: [
        mag_xerodataflow.columns.mag_lastrunon,
        mag_xerodataflow.columns.mag_lastresult,
        mag_xerodataflow.columns.mag_recordssynced,
        mag_xerodataflow.columns.mag_recordsfailed,
        mag_xerodataflow.columns.mag_lastrunmessage,
      ],
    });
    expect(row).toMatchObject({
      mag_lastresult: mag_lastresult.Succeeded,
      mag_recordssynced: 1,
      mag_recordsfailed: 0,
      mag_lastrunmessage: "1 synced, 0 failed.",
    });
    expect(Date.parse(String(row?.[mag_xerodataflow.columns.mag_lastrunon]))).toBe(
      Math.floor(sandbox.clock.now() / 1000) * 1000,
    );
    const connector = await sandbox.client.retrieve<Record<string, unknown>>(
      mag_xeroconnector.entitySetName,
      sandbox.connectorId,
      {
        select: [mag_xeroconnector.columns.mag_lastsynchedon, mag_xeroconnector.columns.mag_xerocallsremainingtoday],
      },
    );
    expect(Date.parse(String(connector?.[mag_xeroconnector.columns.mag_lastsynchedon]))).toBe(
      Math.floor(sandbox.clock.now() / 1000) * 1000,
    );
    expect(connector?.[mag_xeroconnector.columns.mag_xerocallsremainingtoday]).toBe(
      await sandbox.gate.callsRemainingToday(sandbox.tenantId),
    );
  });
});

describe("the idle cycle", () => {
  test("nothing to push: no Xero call, two Dataverse requests (the selection query and the result's $batch)", async () => {
    await push();
    const xeroBefore = sandbox.calls.length;
    const dataverseBefore = sandbox.dataverse.requestCount(sandbox.org);
    const report = await push();
    expect(report.result.result).toBe("NothingToDo");
    expect(sandbox.calls.length - xeroBefore).toBe(0);
    expect(sandbox.dataverse.requestCount(sandbox.org) - dataverseBefore).toBe(2);
  });
});

describe("auth", () => {
  test("a revoked grant disconnects the connector and stops calling Xero", async () => {
    await createInvoice(sandbox, {
      number: nextNumber("AU"),
      customer: { kind: "account", id: sandbox.seed.accounts["kauri"] ?? "" },
      lines: [{ product: "WIDGET-100", quantity: 1 }],
    });
    sandbox.xero.identity.revokeGrantsForTenant(sandbox.tenantId);
    const report = await push();
    expect(report.result.result).toBe("Failed");
    const connector = await sandbox.client.retrieve<Record<string, unknown>>(
      mag_xeroconnector.entitySetName,
      sandbox.connectorId,
      { select: [mag_xeroconnector.columns.mag_xerostatus] },
    );
    expect(connector?.[mag_xeroconnector.columns.mag_xerostatus]).toBe(mag_xerostatus.Disconnected);
  });
});
