import { eqGuid, inGuids, neGuid, toGuid, toGuidLiteral, toLookupValueName, toQueryOptions } from "../../src/shared/odata";

describe("toGuid", () => {
  it("accepts an id with or without braces, in either case, and lowercases it", () => {
    expect(toGuid("{0A1B2C3D-0000-4000-8000-0000000000C1}")).toBe("0a1b2c3d-0000-4000-8000-0000000000c1");
    expect(toGuid(" 0a1b2c3d-0000-4000-8000-0000000000c1 ")).toBe("0a1b2c3d-0000-4000-8000-0000000000c1");
  });

  it.each([[""], [null], [undefined], ["0a1b2c3d"], ["0a1b2c3d-0000-4000-8000-0000000000c1' or 1 eq 1"]])("rejects %p", (value) => {
    expect(toGuid(value)).toBeUndefined();
  });
});

describe("query text", () => {
  it("never lets a malformed id into a filter", () => {
    expect(() => toGuidLiteral("x' or true")).toThrow(/Not a record id/);
    expect(() => eqGuid("invoiceid", "1 eq 1")).toThrow();
    expect(() => inGuids("invoiceid", ["0a1b2c3d-0000-4000-8000-0000000000c1", "') or ('"])).toThrow();
  });

  it("builds equality, inequality and In filters on validated ids", () => {
    expect(eqGuid("_invoiceid_value", "{0A1B2C3D-0000-4000-8000-0000000000C1}")).toBe(
      "_invoiceid_value eq 0a1b2c3d-0000-4000-8000-0000000000c1",
    );
    expect(neGuid("mag_xeroconnectorid", "0a1b2c3d-0000-4000-8000-0000000000c1")).toBe(
      "mag_xeroconnectorid ne 0a1b2c3d-0000-4000-8000-0000000000c1",
    );
    expect(inGuids("invoiceid", ["0a1b2c3d-0000-4000-8000-0000000000c1", "0a1b2c3d-0000-4000-8000-0000000000c2"])).toBe(
      "Microsoft.Dynamics.CRM.In(PropertyName='invoiceid',PropertyValues=['0a1b2c3d-0000-4000-8000-0000000000c1','0a1b2c3d-0000-4000-8000-0000000000c2'])",
    );
  });

  it("names a lookup's value property", () => {
    expect(toLookupValueName("mag_taxrateid")).toBe("_mag_taxrateid_value");
  });

  it("writes the options in a fixed order, with a whole positive $top", () => {
    expect(toQueryOptions({ select: ["a", "b"] })).toBe("?$select=a,b");
    expect(toQueryOptions({ select: ["a"], filter: "a eq 1", orderBy: "a asc", top: 2.7 })).toBe(
      "?$select=a&$filter=a eq 1&$orderby=a asc&$top=2",
    );
    expect(toQueryOptions({ select: ["a"], top: 0 })).toBe("?$select=a&$top=1");
  });
});
