import type { AttributeMetadata } from "../../../customizations/src/metadata";
import { buildSchemaIndex } from "../../src/dataverse/schema-index";
import { toDataverseDateTime, toFormattedValue, toStoredValue } from "../../src/dataverse/values";
import { smallMetadata } from "./fixtures/small-metadata";

const invoice = buildSchemaIndex(smallMetadata).table("invoice");
const column = (type: AttributeMetadata["type"], extra: Partial<AttributeMetadata> = {}): AttributeMetadata => ({
  logicalName: "x",
  schemaName: "x",
  displayName: "x",
  type,
  requiredLevel: "None",
  isValidForCreate: true,
  isValidForUpdate: true,
  ...extra,
});
const context = { currencySymbol: "A$", lookupName: () => "Acme" };

describe("column values", () => {
  it("stores date-times as whole-second UTC and date-only columns as dates", () => {
    expect(toStoredValue(invoice, column("DateTime"), "2026-03-15T22:30:15.250+13:00")).toBe("2026-03-15T09:30:15Z");
    expect(toStoredValue(invoice, column("DateTime", { dateTimeBehavior: "DateOnly" }), "2026-03-15")).toBe(
      "2026-03-15",
    );
    expect(() =>
      toStoredValue(invoice, column("DateTime", { dateTimeBehavior: "DateOnly" }), "2026-03-15T00:00:00Z"),
    ).toThrow("Cannot convert the literal '2026-03-15T00:00:00Z' to the expected type 'Edm.Date'.");
    expect(() => toStoredValue(invoice, column("DateTime"), "15/03/2026")).toThrow("Edm.DateTimeOffset");
    expect(toDataverseDateTime(Date.UTC(2026, 0, 1, 0, 0, 0, 999))).toBe("2026-01-01T00:00:00Z");
  });

  it("checks numbers: integers, ranges, money rounded to its precision", () => {
    expect(() => toStoredValue(invoice, column("Integer"), 1.5)).toThrow("Edm.Int32");
    expect(() => toStoredValue(invoice, column("Integer", { minValue: 0, maxValue: 10 }), 11)).toThrow(
      "outside the valid range",
    );
    expect(toStoredValue(invoice, column("Money", { precision: 2 }), 10.005)).toBe(10.01);
    expect(() => toStoredValue(invoice, column("Money"), "10")).toThrow(
      "Cannot convert the literal '10' to the expected type 'Edm.Decimal'.",
    );
  });

  it("lower-cases GUIDs and refuses anything else", () => {
    expect(toStoredValue(invoice, column("Uniqueidentifier"), "0F8FAD5B-D9CB-469F-A165-70867728950E")).toBe(
      "0f8fad5b-d9cb-469f-a165-70867728950e",
    );
    expect(() => toStoredValue(invoice, column("Uniqueidentifier"), "not-a-guid")).toThrow("Edm.Guid");
  });

  it("formats values as an en-US user in UTC sees them", () => {
    const status = column("Picklist", { options: [{ value: 582100001, label: "Synced" }] });
    expect(toFormattedValue(status, 582100001, context)).toBe("Synced");
    expect(toFormattedValue(column("Money"), 1234.5, context)).toBe("A$1,234.50");
    expect(toFormattedValue(column("Boolean"), true, context)).toBe("Yes");
    expect(toFormattedValue(column("DateTime"), "2026-03-15T21:05:00Z", context)).toBe("3/15/2026 9:05 PM");
    expect(toFormattedValue(column("DateTime", { dateTimeBehavior: "DateOnly" }), "2026-03-15", context)).toBe(
      "3/15/2026",
    );
    expect(toFormattedValue(column("Lookup"), { id: "a", table: "account" }, context)).toBe("Acme");
    expect(toFormattedValue(column("String"), "plain", context)).toBeNull();
    expect(toFormattedValue(column("Money"), null, context)).toBeNull();
  });
});
