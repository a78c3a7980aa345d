import { createMemoryCursorStore } from "../../src/flows/incremental-read";
import { PullContactsFlow } from "../../src/flows/pull-contacts";
import { account, mag_xerosynclog } from "../../src/generated/dataverse";
import { pullDependencies, without, type Row } from "../support/pull";
import { startSandbox, type Sandbox } from "../support/sandbox";
import { xeroBooks, type XeroBooks } from "../support/xero-books";

let sandbox: Sandbox;
let books: XeroBooks;
const cursors = createMemoryCursorStore();
const ac = account.columns;
const mapped = [
  ac.name,
  ac.accountnumber,
  ac.emailaddress1,
  ac.websiteurl,
  `_${ac.transactioncurrencyid}_value`,
  ac.telephone1,
  ac.fax,
  ac.address1_line1,
  ac.address1_line2,
  ac.address1_line3,
  ac.address1_city,
  ac.address1_postalcode,
  ac.address1_stateorprovince,
  ac.address1_country,
  ac.address2_line1,
  ac.address2_line2,
  ac.address2_line3,
  ac.address2_city,
  ac.address2_postalcode,
  ac.address2_stateorprovince,
  ac.address2_country,
  ac.mag_xerocontactid,
];
const accountsNamed = async (name: string): Promise<Row[]> =>
  (await sandbox.client.retrieveMultiple<Row>(account.entitySetName, { select: [ac.accountid, ...mapped] })).filter(
    (row) => row[ac.name] === name,
  );
const run = () => new PullContactsFlow(pullDependencies(sandbox, cursors)).run(sandbox.scope("ContactsFromXero"));
const strip = (row: Row): Row => without(row, ac.accountid);

beforeAll(async () => {
  sandbox = await startSandbox();
  books = xeroBooks(sandbox.xero, sandbox.tenantId);
});
afterAll(async () => {
  await sandbox.stop();
});

test("a new Xero contact becomes an account with every mapped field; lines 3 and 4 are joined with a comma", async () => {
  sandbox.clock.advance(60_000);
  const contactId = await books.createContact({
    Name: "Pohutukawa Traders",
    AccountNumber: "PT-001",
    EmailAddress: "accounts@pohutukawa.example",
    Website: "https://pohutukawa.example",
    DefaultCurrency: "AUD",
    Phones: [
      { PhoneType: "DEFAULT", PhoneCountryCode: "64", PhoneAreaCode: "9", PhoneNumber: "555 0101" },
      { PhoneType: "FAX", PhoneNumber: "555 0102" },
    ],
    Addresses: [
      {
        AddressType: "STREET",
        AddressLine1: "1 Queen St",
        AddressLine2: "Level 2",
        AddressLine3: "Suite 5",
        AddressLine4: "Rear entrance",
        City: "Auckland",
        PostalCode: "1010",
        Region: "Auckland",
        Country: "New Zealand",
      },
      {
        AddressType: "POBOX",
        AddressLine1: "PO Box 99",
        AddressLine2: "Shortland St",
        AddressLine3: "Counter 3",
        City: "Auckland",
        PostalCode: "1140",
        Region: "Auckland",
        Country: "New Zealand",
      },
    ],
  });
  const report = await run();
  expect(report.result).toMatchObject({ result: "Succeeded", synced: 1, failed: 0 });
  expect((await accountsNamed("Pohutukawa Traders")).map(strip)).toStrictEqual([
    {
      [ac.name]: "Pohutukawa Traders",
      [ac.accountnumber]: "PT-001",
      [ac.emailaddress1]: "accounts@pohutukawa.example",
      [ac.websiteurl]: "https://pohutukawa.example",
      [`_${ac.transactioncurrencyid}_value`]: sandbox.seed.currencies.AUD,
      [ac.telephone1]: "64 9 555 0101",
      [ac.fax]: "555 0102",
      [ac.address1_line1]: "1 Queen St",
      [ac.address1_line2]: "Level 2",
      [ac.address1_line3]: "Suite 5, Rear entrance",
      [ac.address1_city]: "Auckland",
      [ac.address1_postalcode]: "1010",
      [ac.address1_stateorprovince]: "Auckland",
      [ac.address1_country]: "New Zealand",
      [ac.address2_line1]: "PO Box 99",
      [ac.address2_line2]: "Shortland St",
      [ac.address2_line3]: "Counter 3",
      [ac.address2_city]: "Auckland",
      [ac.address2_postalcode]: "1140",
      [ac.address2_stateorprovince]: "Auckland",
      [ac.address2_country]: "New Zealand",
      [ac.mag_xerocontactid]: contactId,
    },
  ]);
});

test("a change in Xero updates the same account; a rerun writes nothing", async () => {
  const [before] = await accountsNamed("Pohutukawa Traders");
  sandbox.clock.advance(60_000);
  const contact = [...sandbox.xero.store.tenant(sandbox.tenantId).contacts.values()].find(
    (candidate) => candidate.Name === "Pohutukawa Traders",
  );
  await books.updateContact(String(contact?.ContactID), { Website: "https://pohutukawa.example/new" });
  expect((await run()).result).toMatchObject({ result: "Succeeded", synced: 1 });
  const after = await accountsNamed("Pohutukawa Traders");
  expect(after.map((row) => [row[ac.accountid], row[ac.websiteurl]])).toStrictEqual([
    [before?.[ac.accountid], "https://pohutukawa.example/new"],
  ]);
  sandbox.clock.advance(60_000);
  expect((await run()).result.result).toBe("NothingToDo");
  expect((await accountsNamed("Pohutukawa Traders")).length).toBe(1);
});

test("matched by account number first, then by name", async () => {
  const byNumberId = await sandbox.client.create(account.entitySetName, {
    [ac.name]: "Old Name Ltd",
    [ac.accountnumber]: "ON-7",
  });
  sandbox.clock.advance(60_000);
  await books.createContact({ Name: "New Name Ltd", AccountNumber: "ON-7" });
  await books.createContact({ Name: "Kauri Timber Ltd", EmailAddress: "ap@kauri.example" });
  const report = await run();
  expect(report.result).toMatchObject({ result: "Succeeded", synced: 2, failed: 0 });
  const renamed = await sandbox.client.retrieve<Row>(account.entitySetName, byNumberId, {
    select: [ac.name, ac.accountnumber],
  });
  expect([renamed?.[ac.name], renamed?.[ac.accountnumber]]).toStrictEqual(["New Name Ltd", "ON-7"]);
  const kauri = await accountsNamed("Kauri Timber Ltd");
  expect(kauri.map((row) => [row[ac.accountid], row[ac.emailaddress1]])).toStrictEqual([
    [sandbox.seed.accounts["kauri"], "ap@kauri.example"],
  ]);
});

test("a contact whose currency Dynamics 365 lacks fails on the sync log instead of being dropped", async () => {
  sandbox.clock.advance(60_000);
  await books.createContact({ Name: "Euro Imports GmbH", DefaultCurrency: "EUR" });
  const report = await run();
  expect(report.result).toMatchObject({ result: "Failed", synced: 0, failed: 1 });
  expect(await accountsNamed("Euro Imports GmbH")).toStrictEqual([]);
  const logs = await sandbox.client.retrieveMultiple<Row>(mag_xerosynclog.entitySetName, {
    select: [mag_xerosynclog.columns.mag_recordname, mag_xerosynclog.columns.mag_errortext],
  });
  expect(logs.map((row) => without(row, mag_xerosynclog.columns.mag_xerosynclogid))).toStrictEqual([
    {
      [mag_xerosynclog.columns.mag_recordname]: "Euro Imports GmbH",
      [mag_xerosynclog.columns.mag_errortext]:
        'The currency EUR of the Xero contact "Euro Imports GmbH" is not in Dynamics 365.',
    },
  ]);
});
