import { Contact } from "xero-node";
import { expectNoSpecViolations, rejectionOf, startHarness, type Harness } from "../harness";

describe("Xero emulator: contacts through xero-node", () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h.emulator.stop();
    expectNoSpecViolations(h.emulator);
  });

  it("creates a contact the way Xero answers it: both address types, four phone types, ACTIVE", async () => {
    const answer = await h.xero.accountingApi.createContacts(h.tenantId, {
      contacts: [
        {
          name: "Bayside Club",
          emailAddress: "club@bayside.example",
          accountNumber: "BAY-1",
          addresses: [{ addressType: "STREET" as never, city: "Wellington" }],
        },
      ],
    });
    const contact = answer.body.contacts?.[0];
    expect(contact?.contactStatus).toBe(Contact.ContactStatusEnum.ACTIVE);
    expect(contact?.addresses?.map((address) => address.addressType)).toEqual(["POBOX", "STREET"]);
    expect(contact?.addresses?.[1]?.city).toBe("Wellington");
    expect(contact?.phones?.map((phone) => phone.phoneType)).toEqual(["DEFAULT", "DDI", "FAX", "MOBILE"]);
    expect(contact?.updatedDateUTC).toEqual(new Date(h.clock.now()));
  });

  it("keeps contact names unique among active contacts, ignoring case", async () => {
    await h.xero.accountingApi.createContacts(h.tenantId, { contacts: [{ name: "Marine Systems" }] });
    const rejection = await rejectionOf(
      h.xero.accountingApi.createContacts(h.tenantId, { contacts: [{ name: "marine systems" }] }),
    );
    expect(rejection.statusCode).toBe(400);
    expect(JSON.stringify(rejection.body)).toContain(
      "The contact name marine systems is already assigned to another contact. The contact name must be unique across all active contacts.",
    );
  });

  it("frees the name once the holder is archived, and archived contacts leave the default list", async () => {
    const first = await h.xero.accountingApi.createContacts(h.tenantId, { contacts: [{ name: "Hamilton Smith" }] });
    const id = first.body.contacts?.[0]?.contactID ?? "";
    await h.xero.accountingApi.updateContact(h.tenantId, id, {
      contacts: [{ contactStatus: Contact.ContactStatusEnum.ARCHIVED }],
    });
    const second = await h.xero.accountingApi.createContacts(h.tenantId, { contacts: [{ name: "Hamilton Smith" }] });
    expect(second.body.contacts?.[0]?.contactID).not.toBe(id);
    const active = await h.xero.accountingApi.getContacts(h.tenantId, undefined, 'Name=="Hamilton Smith"');
    expect(active.body.contacts?.map((contact) => contact.contactID)).toEqual([second.body.contacts?.[0]?.contactID]);
    const all = await h.xero.accountingApi.getContacts(
      h.tenantId,
      undefined,
      'Name=="Hamilton Smith"',
      undefined,
      undefined,
      undefined,
      true,
    );
    expect(all.body.contacts).toHaveLength(2);
    const activeOnly = await h.xero.accountingApi.getContacts(
      h.tenantId,
      undefined,
      'ContactStatus=="ACTIVE" && Name=="Hamilton Smith"',
      undefined,
      undefined,
      undefined,
      true,
    );
    expect(activeOnly.body.contacts).toHaveLength(1);
  });

  it("keeps account numbers unique", async () => {
    await h.xero.accountingApi.createContacts(h.tenantId, {
      contacts: [{ name: "City Agency", accountNumber: "ACC-42" }],
    });
    const rejection = await rejectionOf(
      h.xero.accountingApi.createContacts(h.tenantId, {
        contacts: [{ name: "Country Agency", accountNumber: "ACC-42" }],
      }),
    );
    expect(JSON.stringify(rejection.body)).toContain("Account Number already exists");
    const found = await h.xero.accountingApi.getContacts(h.tenantId, undefined, 'AccountNumber=="ACC-42"');
    expect(found.body.contacts?.map((contact) => contact.name)).toEqual(["City Agency"]);
  });

  it("updates by ContactID with POST, and reads one contact by id or by ContactNumber", async () => {
    const created = await h.xero.accountingApi.createContacts(h.tenantId, {
      contacts: [{ name: "Basket Case", contactNumber: "CN-7" }],
    });
    const id = created.body.contacts?.[0]?.contactID ?? "";
    const updated = await h.xero.accountingApi.updateOrCreateContacts(h.tenantId, {
      contacts: [{ contactID: id, emailAddress: "hello@basket.example" }],
    });
    expect(updated.body.contacts?.[0]?.name).toBe("Basket Case");
    expect(updated.body.contacts?.[0]?.emailAddress).toBe("hello@basket.example");
    const byId = await h.xero.accountingApi.getContact(h.tenantId, id);
    expect(byId.body.contacts?.[0]?.emailAddress).toBe("hello@basket.example");
    const byNumber = await h.xero.accountingApi.getContact(h.tenantId, "CN-7");
    expect(byNumber.body.contacts?.[0]?.contactID).toBe(id);
    expect(
      (await rejectionOf(h.xero.accountingApi.getContact(h.tenantId, "5b0d7b9e-7a8f-4f1c-9a4e-0c4f5f1d2e3a")))
        .statusCode,
    ).toBe(404);
  });

  it("answers summarizeErrors=false per contact with HasValidationErrors", async () => {
    const answer = await h.xero.accountingApi.createContacts(
      h.tenantId,
      { contacts: [{ name: "Unique One" }, { name: "Unique One" }] },
      false,
    );
    const [ok, failed] = answer.body.contacts ?? [];
    expect(ok?.statusAttributeString).toBe("OK");
    expect(failed?.statusAttributeString).toBe("ERROR");
    expect(failed?.hasValidationErrors).toBe(true);
    expect(failed?.validationErrors?.[0]?.message).toContain("already assigned to another contact");
  });

  it("searches and filters with where, IDs and searchTerm", async () => {
    const created = await h.xero.accountingApi.createContacts(h.tenantId, {
      contacts: [{ name: "Searchable Widgets", emailAddress: "w@widgets.example" }],
    });
    const id = created.body.contacts?.[0]?.contactID ?? "";
    const byIds = await h.xero.accountingApi.getContacts(h.tenantId, undefined, undefined, undefined, [id]);
    expect(byIds.body.contacts?.map((contact) => contact.name)).toEqual(["Searchable Widgets"]);
    const byTerm = await h.xero.accountingApi.getContacts(
      h.tenantId,
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
      "widgets",
    );
    expect(byTerm.body.contacts?.map((contact) => contact.contactID)).toEqual([id]);
    const byContains = await h.xero.accountingApi.getContacts(
      h.tenantId,
      undefined,
      'Name.Contains("Widget") || EmailAddress=="nobody@example.com"',
    );
    expect(byContains.body.contacts?.map((contact) => contact.contactID)).toEqual([id]);
    const byGuid = await h.xero.accountingApi.getContacts(h.tenantId, undefined, `ContactID==Guid("${id}")`);
    expect(byGuid.body.contacts).toHaveLength(1);
  });
});
