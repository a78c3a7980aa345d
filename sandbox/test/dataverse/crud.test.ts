// Create, retrieve, update, upsert, delete, alternate keys, lookups, deep insert and N:N associations.
import type { TestOrg } from "./helpers";
import { entityIdOf, errorOf, startTestOrg } from "./helpers";

type Json = Record<string, unknown>;

describe("records over the Web API", () => {
  let t: TestOrg;
  let accountId: string;
  beforeAll(async () => {
    t = await startTestOrg();
    accountId = entityIdOf(
      await t.api("accounts", { method: "POST", json: { name: "Crud Ltd", accountnumber: "CRUD-1" } }),
    );
  });
  afterAll(async () => {
    await t.dv.stop();
  });

  it("creates with 204 and OData-EntityId, and keeps system columns from the clock", async () => {
    const response = await t.api("invoices", {
      method: "POST",
      json: { name: "Created", "customerid_account@odata.bind": `/accounts(${accountId})` },
    });
    expect(response.status).toBe(204);
    expect(response.headers.get("odata-entityid")).toMatch(
      new RegExp(`^${t.org.webApiUrl.replace(/[.$]/g, "\\$&")}invoices\\([0-9a-f-]{36}\\)$`),
    );
    const id = entityIdOf(response);
    const row = (await (
      await t.api(
        `invoices(${id})?$select=name,createdon,modifiedon,versionnumber,statecode,statuscode,_customerid_value`,
      )
    ).json()) as Json;
    expect(row).toMatchObject({
      name: "Created",
      createdon: "2026-03-15T09:30:00Z",
      modifiedon: "2026-03-15T09:30:00Z",
      statecode: 0,
      statuscode: 1,
      _customerid_value: accountId,
      invoiceid: id,
    });
    expect(row["@odata.etag"]).toBe(`W/"${String(row["versionnumber"])}"`);
    expect(row["@odata.context"]).toBe(
      `${t.org.webApiUrl}$metadata#invoices(name,createdon,modifiedon,versionnumber,statecode,statuscode,_customerid_value)/$entity`,
    );
  });

  it("returns 201 with the record for Prefer: return=representation", async () => {
    const response = await t.api("accounts?$select=name", {
      method: "POST",
      json: { name: "Represented" },
      headers: { Prefer: "return=representation" },
    });
    expect(response.status).toBe(201);
    const body = (await response.json()) as Json;
    expect(body["name"]).toBe("Represented");
    expect(body["accountid"]).toBe(entityIdOf(response));
    expect(Object.keys(body).filter((key) => !key.startsWith("@"))).toStrictEqual(["name", "accountid"]);
  });

  it("updates with PATCH, moving modifiedon and the etag", async () => {
    const id = entityIdOf(await t.api("invoices", { method: "POST", json: { name: "Before" } }));
    const before = (await (await t.api(`invoices(${id})?$select=name`)).json()) as Json;
    t.clock.advance(60_000);
    expect(
      (await t.api(`invoices(${id})`, { method: "PATCH", json: { name: "After", mag_addtoxero: true } })).status,
    ).toBe(204);
    const after = (await (
      await t.api(`invoices(${id})?$select=name,mag_addtoxero,modifiedon,createdon`)
    ).json()) as Json;
    expect(after).toMatchObject({
      name: "After",
      mag_addtoxero: true,
      modifiedon: "2026-03-15T09:31:00Z",
      createdon: "2026-03-15T09:30:00Z",
    });
    expect(after["@odata.etag"]).not.toBe(before["@odata.etag"]);
    const stale = await t.api(`invoices(${id})`, {
      method: "PATCH",
      json: { name: "Stale" },
      headers: { "If-Match": String(before["@odata.etag"]) },
    });
    expect(stale.status).toBe(412);
    expect((await errorOf(stale)).code).toBe("0x80060882");
    const fresh = await t.api(`invoices(${id})`, {
      method: "PATCH",
      json: { name: "Fresh" },
      headers: { "If-Match": String(after["@odata.etag"]) },
    });
    expect(fresh.status).toBe(204);
    const notModified = await t.api(`invoices(${id})?$select=name`);
    const etag = ((await notModified.json()) as Json)["@odata.etag"] as string;
    expect((await t.api(`invoices(${id})?$select=name`, { headers: { "If-None-Match": etag } })).status).toBe(304);
  });

  it("upserts: PATCH creates a missing row unless If-Match: *, and If-None-Match: * only creates", async () => {
    const id = "5d0f4c1a-2b3c-4d5e-8f90-a1b2c3d4e5f6";
    expect(
      (await t.api(`accounts(${id})`, { method: "PATCH", json: { name: "Upserted" }, headers: { "If-Match": "*" } }))
        .status,
    ).toBe(404);
    const created = await t.api(`accounts(${id})`, { method: "PATCH", json: { name: "Upserted" } });
    expect(created.status).toBe(204);
    expect(entityIdOf(created)).toBe(id);
    expect(
      (await t.api(`accounts(${id})`, { method: "PATCH", json: { name: "Updated" }, headers: { "If-Match": "*" } }))
        .status,
    ).toBe(204);
    const again = await t.api(`accounts(${id})`, {
      method: "PATCH",
      json: { name: "Again" },
      headers: { "If-None-Match": "*" },
    });
    expect(again.status).toBe(412);
    expect(await errorOf(again)).toStrictEqual({
      code: "0x80040237",
      message: "A record with matching key values already exists.",
    });
    expect(((await (await t.api(`accounts(${id})?$select=name`)).json()) as Json)["name"]).toBe("Updated");
  });

  it("reads and upserts by alternate key, and refuses a duplicate key value", async () => {
    const created = await t.api("invoices(mag_xeroid='INV-ALT-1')", { method: "PATCH", json: { name: "By key" } });
    expect(created.status).toBe(204);
    const id = entityIdOf(created);
    const byKey = (await (await t.api("invoices(mag_xeroid='INV-ALT-1')?$select=name,mag_xeroid")).json()) as Json;
    expect(byKey).toMatchObject({ invoiceid: id, name: "By key", mag_xeroid: "INV-ALT-1" });
    expect(
      (await t.api("invoices(mag_xeroid='INV-ALT-1')", { method: "PATCH", json: { name: "Same row" } })).status,
    ).toBe(204);
    expect(t.dv.store.list(t.org, "invoice").filter((row) => row["mag_xeroid"] === "INV-ALT-1")).toHaveLength(1);
    const clash = await t.api("invoices", { method: "POST", json: { name: "Clash", mag_xeroid: "INV-ALT-1" } });
    expect(clash.status).toBe(412);
    expect((await errorOf(clash)).code).toBe("0x80060892");
    const missing = await t.api("invoices(mag_xeroid='NOPE')");
    expect(missing.status).toBe(404);
    const undefinedKey = await t.api("invoices(name='x')");
    expect(undefinedKey.status).toBe(400);
  });

  it("deletes, and answers 404 with 0x80040217 for a missing row", async () => {
    const id = entityIdOf(await t.api("accounts", { method: "POST", json: { name: "Doomed" } }));
    const stale = await t.api(`accounts(${id})`, { method: "DELETE", headers: { "If-Match": 'W/"1"' } });
    expect(stale.status).toBe(412);
    expect((await errorOf(stale)).code).toBe("0x80060882");
    expect((await t.api(`accounts(${id})`, { method: "DELETE" })).status).toBe(204);
    const gone = await t.api(`accounts(${id})`);
    expect(gone.status).toBe(404);
    expect(await errorOf(gone)).toStrictEqual({
      code: "0x80040217",
      message: `Entity 'account' With Id = ${id} Does Not Exist`,
    });
    expect((await t.api(`accounts(${id})`, { method: "DELETE" })).status).toBe(404);
  });

  it("returns lookups as _x_value with their annotations when asked", async () => {
    const contactId = entityIdOf(
      await t.api("contacts", { method: "POST", json: { firstname: "Ana", lastname: "Lookup" } }),
    );
    const id = entityIdOf(
      await t.api("invoices", {
        method: "POST",
        json: { name: "Customer contact", "customerid_contact@odata.bind": `contacts(${contactId})` },
      }),
    );
    const plain = (await (await t.api(`invoices(${id})?$select=_customerid_value`)).json()) as Json;
    expect(plain["_customerid_value"]).toBe(contactId);
    expect(plain["_customerid_value@Microsoft.Dynamics.CRM.lookuplogicalname"]).toBeUndefined();
    const annotated = (await (
      await t.api(`invoices(${id})?$select=_customerid_value`, {
        headers: { Prefer: 'odata.include-annotations="Microsoft.Dynamics.CRM.lookuplogicalname"' },
      })
    ).json()) as Json;
    expect(annotated["_customerid_value@Microsoft.Dynamics.CRM.lookuplogicalname"]).toBe("contact");
    expect(annotated["_customerid_value@OData.Community.Display.V1.FormattedValue"]).toBeUndefined();
  });

  it("deep-inserts an invoice with its lines and computes their amounts", async () => {
    const response = await t.api("invoices", {
      method: "POST",
      json: {
        name: "Deep",
        "customerid_account@odata.bind": `/accounts(${accountId})`,
        invoice_details: [
          {
            isproductoverridden: true,
            productdescription: "Labour",
            quantity: 3,
            priceperunit: 100,
            manualdiscountamount: 30,
            tax: 40.5,
          },
          { isproductoverridden: true, productdescription: "Parts", quantity: 2, priceperunit: 12.5 },
        ],
      },
    });
    expect(response.status).toBe(204);
    const id = entityIdOf(response);
    const invoice = (await (
      await t.api(
        `invoices(${id})?$select=totallineitemamount,totaltax,totalamount&$expand=invoice_details($select=productdescription,baseamount,extendedamount;$orderby=productdescription)`,
      )
    ).json()) as Json;
    expect(invoice).toMatchObject({ totallineitemamount: 295, totaltax: 40.5, totalamount: 335.5 });
    expect(
      (invoice["invoice_details"] as Json[]).map((line) => [
        line["productdescription"],
        line["baseamount"],
        line["extendedamount"],
      ]),
    ).toStrictEqual([
      ["Labour", 300, 310.5],
      ["Parts", 25, 25],
    ]);
  });

  it("associates and disassociates a many-to-many pair", async () => {
    const contactId = entityIdOf(
      await t.api("contacts", { method: "POST", json: { firstname: "Bill", lastname: "Ing" } }),
    );
    const nav = "mag_Account_Contact_BillingContacts";
    const associate = await t.api(`accounts(${accountId})/${nav}/$ref`, {
      method: "POST",
      json: { "@odata.id": `${t.org.webApiUrl}contacts(${contactId})` },
    });
    expect(associate.status).toBe(204);
    const duplicate = await t.api(`accounts(${accountId})/${nav}/$ref`, {
      method: "POST",
      json: { "@odata.id": `${t.org.webApiUrl}contacts(${contactId})` },
    });
    expect(duplicate.status).toBe(412);
    const related = (await (await t.api(`accounts(${accountId})/${nav}?$select=lastname`)).json()) as { value: Json[] };
    expect(related.value.map((row) => row["contactid"])).toStrictEqual([contactId]);
    const fromContact = (await (
      await t.api(`contacts(${contactId})?$select=lastname&$expand=${nav}($select=name)`)
    ).json()) as Json;
    expect((fromContact[nav] as Json[]).map((row) => row["name"])).toStrictEqual(["Crud Ltd"]);
    expect((await t.api(`accounts(${accountId})/${nav}(${contactId})/$ref`, { method: "DELETE" })).status).toBe(204);
    const after = (await (await t.api(`accounts(${accountId})/${nav}`)).json()) as { value: Json[] };
    expect(after.value).toStrictEqual([]);
  });

  it("sets and clears a single-valued navigation property through $ref", async () => {
    const contactId = entityIdOf(
      await t.api("contacts", { method: "POST", json: { firstname: "Pri", lastname: "Mary" } }),
    );
    const id = entityIdOf(await t.api("accounts", { method: "POST", json: { name: "Ref Ltd" } }));
    expect(
      (
        await t.api(`accounts(${id})/primarycontactid/$ref`, {
          method: "PUT",
          json: { "@odata.id": `contacts(${contactId})` },
        })
      ).status,
    ).toBe(204);
    expect(
      ((await (await t.api(`accounts(${id})?$select=_primarycontactid_value`)).json()) as Json)[
        "_primarycontactid_value"
      ],
    ).toBe(contactId);
    expect((await t.api(`accounts(${id})/primarycontactid/$ref`, { method: "DELETE" })).status).toBe(204);
    expect(
      ((await (await t.api(`accounts(${id})?$select=_primarycontactid_value`)).json()) as Json)[
        "_primarycontactid_value"
      ],
    ).toBeNull();
  });
});
