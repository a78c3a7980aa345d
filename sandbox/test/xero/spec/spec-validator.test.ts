import { loadAccountingSpec, toJsonSchema } from "../../../src/xero/spec/load-spec";
import { sharedSpecValidator } from "../../../src/xero/spec/spec-validator";

describe("the vendored Xero Accounting spec", () => {
  const validator = sharedSpecValidator();

  it("is version 16.1.0 and names the operations the emulator serves", () => {
    const spec = loadAccountingSpec();
    expect(spec.version).toBe("16.1.0");
    expect(validator.operation("createInvoices")).toMatchObject({
      method: "PUT",
      path: "/Invoices",
      requestSchemaRef: "#/components/schemas/Invoices",
    });
    expect(validator.operation("emailInvoice").responseSchemaRefs).toEqual({ "204": null, "400": null });
    expect(validator.operation("getInvoices").scopes).toEqual([
      "accounting.transactions",
      "accounting.transactions.read",
    ]);
  });

  it("catches request bodies the SDK could not have produced", () => {
    const outcome = validator.validateRequest("createInvoices", {
      Invoices: [{ Type: "INVOICE", LineItems: [{ Quantity: "1" }], Contact: { ContactID: "nope" } }],
    });
    expect(outcome.ok).toBe(false);
    if (outcome.ok) return;
    expect(outcome.errors).toEqual(
      expect.arrayContaining([
        "/Invoices/0/Type must be equal to one of the allowed values",
        "/Invoices/0/LineItems/0/Quantity must be number",
        '/Invoices/0/Contact/ContactID must match format "uuid"',
      ]),
    );
  });

  it("catches responses Xero would never send, including bodies on 204 and undeclared success codes", () => {
    expect(validator.validateResponse("getInvoices", 200, { Invoices: [{ Total: "115.00" }] }).ok).toBe(false);
    expect(
      validator.validateResponse("getInvoices", 200, {
        Invoices: [{ Total: 115, Status: "AUTHORISED", Date: "/Date(1772409600000+0000)/" }],
      }).ok,
    ).toBe(true);
    expect(validator.validateResponse("emailInvoice", 204, undefined).ok).toBe(true);
    expect(validator.validateResponse("emailInvoice", 204, {}).ok).toBe(false);
    expect(validator.validateResponse("getInvoices", 201, {}).ok).toBe(false);
    expect(validator.validateResponse("createInvoices", 400, { ErrorNumber: "ten" }).ok).toBe(false);
    expect(
      validator.validateResponse("getInvoices", 400, { ErrorNumber: 16, Type: "QueryParseException", Message: "x" }).ok,
    ).toBe(true);
  });

  it("checks query parameter types against the operation's parameters", () => {
    expect(
      validator.validateQuery("getInvoices", new URLSearchParams("page=2&pageSize=10&Statuses=DRAFT,PAID&unitdp=4")).ok,
    ).toBe(true);
    expect(validator.validateQuery("getInvoices", new URLSearchParams("page=two")).ok).toBe(false);
    expect(validator.validateQuery("getInvoices", new URLSearchParams("IDs=not-a-guid")).ok).toBe(false);
    expect(validator.validateQuery("getInvoices", new URLSearchParams("summaryOnly=maybe")).ok).toBe(false);
  });

  it("turns OpenAPI 3.0 nullable and discriminator into JSON Schema", () => {
    expect(toJsonSchema({ type: "string", nullable: true, example: "x", "x-is-msdate": true })).toEqual({
      type: ["string", "null"],
    });
    expect(
      toJsonSchema({ properties: { nullable: { type: "boolean" } }, discriminator: { propertyName: "Type" } }),
    ).toEqual({ properties: { nullable: { type: "boolean" } } });
  });
});
