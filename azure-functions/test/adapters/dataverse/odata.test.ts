import fc from "fast-check";
import {
  and,
  column,
  filter,
  isIn,
  or,
  toDateLiteral,
  toDateTimeLiteral,
  toGuidLiteral,
  toKeySegment,
  toNumberLiteral,
  toQueryString,
  toStringLiteral,
} from "../../../src/adapters/dataverse/odata";
import { SyncError } from "../../../src/core/errors";

describe("OData literals", () => {
  it("doubles single quotes in strings", () => {
    expect(toStringLiteral("O'Brien's").text).toBe("'O''Brien''s'");
  });

  it("round-trips any string through the quote escaping", () => {
    fc.assert(
      fc.property(fc.string(), (value) => {
        const text = toStringLiteral(value).text;
        return text.startsWith("'") && text.endsWith("'") && text.slice(1, -1).replace(/''/g, "'") === value && !/[^']'[^']/.test(text.slice(1, -1).replace(/''/g, ""));
      }),
    );
  });

  it("accepts only GUIDs as GUIDs", () => {
    expect(toGuidLiteral("{AAAAAAAA-BBBB-CCCC-DDDD-EEEEEEEEEEEE}").text).toBe("aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee");
    expect(() => toGuidLiteral("x') or true or ('")).toThrow(SyncError);
  });

  it("writes dates in UTC", () => {
    expect(toDateTimeLiteral(Date.UTC(2026, 0, 2, 3, 4, 5)).text).toBe("2026-01-02T03:04:05Z");
    expect(toDateTimeLiteral(Date.UTC(2026, 0, 2, 3, 4, 5, 120)).text).toBe("2026-01-02T03:04:05.120Z");
    expect(toDateLiteral(new Date(Date.UTC(2026, 6, 9))).text).toBe("2026-07-09");
    expect(() => toDateTimeLiteral(Number.NaN)).toThrow(SyncError);
  });

  it("refuses identifiers that are not identifiers", () => {
    expect(column("mag_xeroconnectorid").text).toBe("mag_xeroconnectorid");
    expect(() => column("name eq 'x'")).toThrow(SyncError);
  });
});

describe("filters and queries", () => {
  it("builds a filter only from fragments", () => {
    const expression = and(
      filter`mag_addtoxero eq ${toStringLiteral("it's")} and statecode eq ${toNumberLiteral(0)}`,
      or(filter`_mag_xeroconnectorid_value eq ${toGuidLiteral("11111111-2222-3333-4444-555555555555")}`, filter`modifiedon ge ${toDateTimeLiteral(0)}`),
    );
    expect(expression.text).toBe(
      "(mag_addtoxero eq 'it''s' and statecode eq 0) and ((_mag_xeroconnectorid_value eq 11111111-2222-3333-4444-555555555555) or (modifiedon ge 1970-01-01T00:00:00Z))",
    );
    expect(isIn("mag_xeroid", [toStringLiteral("a"), toStringLiteral("b")]).text).toBe("mag_xeroid eq 'a' or mag_xeroid eq 'b'");
    expect(isIn("mag_xeroid", []).text).toBe("false");
  });

  it("encodes the query string", () => {
    expect(
      toQueryString({
        select: ["name", "invoiceid"],
        filter: filter`name eq ${toStringLiteral("A&B #1")}`,
        orderBy: ["createdon desc"],
        expand: [{ property: "invoice_details", select: ["quantity"], top: 5 }],
        top: 10,
      }),
    ).toBe(
      "$select=name%2Cinvoiceid&$filter=name%20eq%20'A%26B%20%231'&$orderby=createdon%20desc&$expand=invoice_details(%24select%3Dquantity%3B%24top%3D5)&$top=10",
    );
    expect(() => toQueryString({ orderBy: ["name; drop"] })).toThrow(SyncError);
  });

  it("writes key segments for ids and alternate keys", () => {
    expect(toKeySegment("AAAAAAAA-BBBB-CCCC-DDDD-EEEEEEEEEEEE")).toBe("(aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee)");
    expect(toKeySegment({ mag_xeroid: "INV'1" })).toBe("(mag_xeroid='INV''1')");
    expect(toKeySegment({ mag_xeroconnectorid: toGuidLiteral("11111111-2222-3333-4444-555555555555"), mag_flow: 582100000 })).toBe(
      "(mag_xeroconnectorid=11111111-2222-3333-4444-555555555555,mag_flow=582100000)",
    );
    expect(() => toKeySegment("not-a-guid")).toThrow(SyncError);
  });
});
