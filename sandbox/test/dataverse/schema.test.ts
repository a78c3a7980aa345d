// Schema enforcement: what the real Web API rejects, the emulator rejects with the same status, code and message.
import type { TestOrg } from "./helpers";
import { entityIdOf, errorOf, startTestOrg } from "./helpers";

describe("schema enforcement", () => {
  let t: TestOrg;
  let accountId: string;
  beforeAll(async () => {
    t = await startTestOrg();
    const created = await t.api("accounts", { method: "POST", json: { name: "Schema Ltd" } });
    accountId = entityIdOf(created);
  });
  afterAll(async () => {
    await t.dv.stop();
  });

  it("answers an unknown entity set with 404 Resource not found for the segment", async () => {
    const response = await t.api("Account");
    expect(response.status).toBe(404);
    expect(await errorOf(response)).toStrictEqual({
      code: "0x8006088a",
      message: "Resource not found for the segment 'Account'.",
    });
  });

  it("answers an unknown column in $select with 0x80060888", async () => {
    const response = await t.api("invoices?$select=name,mag_nosuch");
    expect(response.status).toBe(400);
    expect(await errorOf(response)).toStrictEqual({
      code: "0x80060888",
      message: "Could not find a property named 'mag_nosuch' on type 'Microsoft.Dynamics.CRM.invoice'.",
    });
  });

  it("answers an unknown column in a body with the payload error", async () => {
    const response = await t.api("invoices", { method: "POST", json: { name: "x", Name: "y" } });
    expect(response.status).toBe(400);
    const error = await errorOf(response);
    expect(error.code).toBe("0x80048d19");
    expect(error.message).toContain("Invalid property 'Name' was found in entity 'Microsoft.Dynamics.CRM.invoice'");
  });

  it("rejects a lookup written by its logical name or as _x_value", async () => {
    const byName = await t.api("invoices", { method: "POST", json: { name: "x", customerid: accountId } });
    expect(byName.status).toBe(400);
    const byValue = await t.api("invoices", { method: "POST", json: { name: "x", _customerid_value: accountId } });
    expect(byValue.status).toBe(400);
  });

  it("answers an undeclared navigation property in @odata.bind", async () => {
    const response = await t.api("invoices", {
      method: "POST",
      json: { name: "x", "customerid@odata.bind": `/accounts(${accountId})` },
    });
    expect(response.status).toBe(400);
    const error = await errorOf(response);
    expect(error.code).toBe("0x80048d19");
    expect(error.message).toContain(
      "An undeclared property 'customerid' which only has property annotations in the payload",
    );
  });

  it("rejects a bind to the wrong table and to a missing record", async () => {
    const wrongTable = await t.api("invoices", {
      method: "POST",
      json: { name: "x", "customerid_contact@odata.bind": `/accounts(${accountId})` },
    });
    expect(wrongTable.status).toBe(400);
    const missing = await t.api("invoices", {
      method: "POST",
      json: { name: "x", "customerid_account@odata.bind": "/accounts(00000000-0000-0000-0000-000000000001)" },
    });
    expect(missing.status).toBe(404);
    expect((await errorOf(missing)).code).toBe("0x80040217");
  });

  it("rejects a value of the wrong type", async () => {
    const response = await t.api("invoices", { method: "POST", json: { name: "x", mag_xeropushattempt: "three" } });
    expect(response.status).toBe(400);
    expect((await errorOf(response)).message).toContain(
      "Cannot convert the literal 'three' to the expected type 'Edm.Int32'.",
    );
    const bool = await t.api("invoices", { method: "POST", json: { name: "x", mag_addtoxero: "true" } });
    expect(bool.status).toBe(400);
  });

  it("rejects a string over its maximum length with 0x80044331", async () => {
    const response = await t.api("invoices", { method: "POST", json: { name: "x", mag_xeroid: "x".repeat(51) } });
    expect(response.status).toBe(400);
    expect(await errorOf(response)).toStrictEqual({
      code: "0x80044331",
      message:
        "A validation error occurred. The length of the 'mag_xeroid' attribute of the 'invoice' entity exceeded the maximum allowed length of '50'.",
    });
  });

  it("rejects a choice value outside the option set with 0x8004431a", async () => {
    const response = await t.api("invoices", { method: "POST", json: { name: "x", mag_xerosyncstatus: 5 } });
    expect(response.status).toBe(400);
    const error = await errorOf(response);
    expect(error.code).toBe("0x8004431a");
    expect(error.message).toBe(
      "A validation error occurred. The value 5 of 'mag_xerosyncstatus' on record of type 'invoice' is outside the valid range. Accepted Values: 582100000,582100001,582100002,582100003",
    );
  });

  it("rejects calculated columns on create and update", async () => {
    const create = await t.api("invoices", { method: "POST", json: { name: "x", totalamount: 10 } });
    expect(create.status).toBe(400);
    expect((await errorOf(create)).message).toContain(
      "'totalamount' attribute of the 'invoice' entity is not valid for create",
    );
    const invoiceId = entityIdOf(await t.api("invoices", { method: "POST", json: { name: "ok" } }));
    const update = await t.api(`invoices(${invoiceId})`, { method: "PATCH", json: { totalamount: 10 } });
    expect(update.status).toBe(400);
  });

  it("keeps isproductoverridden as it was created", async () => {
    const invoiceId = entityIdOf(await t.api("invoices", { method: "POST", json: { name: "lines" } }));
    const lineId = entityIdOf(
      await t.api("invoicedetails", {
        method: "POST",
        json: {
          "invoiceid@odata.bind": `/invoices(${invoiceId})`,
          isproductoverridden: true,
          productdescription: "Write-in",
          quantity: 1,
          priceperunit: 5,
        },
      }),
    );
    const change = await t.api(`invoicedetails(${lineId})`, { method: "PATCH", json: { isproductoverridden: false } });
    expect(change.status).toBe(400);
    expect((await errorOf(change)).message).toContain(
      "'isproductoverridden' attribute of the 'invoicedetail' entity is not valid for update",
    );
    const same = await t.api(`invoicedetails(${lineId})`, {
      method: "PATCH",
      json: { isproductoverridden: true, quantity: 2 },
    });
    expect(same.status).toBe(204);
  });

  it("requires a JSON object body: a JSON string (double-stringified) is rejected", async () => {
    const doubled = JSON.stringify(JSON.stringify({ name: "Twice" }));
    const response = await t.api("invoices", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: doubled,
    });
    expect(response.status).toBe(400);
    const error = await errorOf(response);
    expect(error.code).toBe("0x80048d19");
    expect(error.message).toContain("An unexpected 'PrimitiveValue' node was found");
    const array = await t.api("invoices", { method: "POST", json: [{ name: "x" }] });
    expect(array.status).toBe(400);
    const plainText = await t.api("invoices", { method: "POST", body: JSON.stringify({ name: "No type" }) });
    expect(plainText.status).toBe(415);
    expect((await errorOf(plainText)).message).toBe(
      "The request entity's media type 'text/plain' is not supported for this resource.",
    );
    const broken = await t.api("invoices", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: "{name:",
    });
    expect(broken.status).toBe(400);
  });
});
