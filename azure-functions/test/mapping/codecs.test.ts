import fc from "fast-check";
import {
  addressLines3And4,
  approvalToStatus,
  dataverseDate,
  decimal4,
  leadingFullStop,
  money,
  roundTo,
  xeroJsonDate,
  xeroRequestDate,
} from "../../src/mapping/codecs";

const dateOnly = fc
  .date({ min: new Date(Date.UTC(1970, 0, 1)), max: new Date(Date.UTC(2200, 11, 31)), noInvalidDate: true })
  .map((date) => date.toISOString().slice(0, 10));

describe("codecs", () => {
  test("Xero JSON dates round-trip", () => {
    fc.assert(fc.property(dateOnly, (day) => xeroJsonDate.decode(xeroJsonDate.encode(day)) === day));
    expect(xeroJsonDate.encode("2026-01-31")).toBe("/Date(1769817600000+0000)/");
    expect(xeroJsonDate.decode("/Date(1769817600000+0000)/")).toBe("2026-01-31");
    expect(() => xeroJsonDate.decode("2026-01-31")).toThrow(RangeError);
  });

  test("Dataverse dates keep the calendar day, and Xero answers decode either form", () => {
    fc.assert(fc.property(dateOnly, (day) => dataverseDate.decode(dataverseDate.encode(day)) === day));
    expect(dataverseDate.decode("2026-03-04T00:00:00Z")).toBe("2026-03-04");
    expect(xeroRequestDate.decode("/Date(1769817600000+0000)/")).toBe("2026-01-31");
    expect(xeroRequestDate.decode("2026-01-31T00:00:00")).toBe("2026-01-31");
  });

  test("money and decimals round half away from zero without drift, and are idempotent", () => {
    expect(roundTo(1.005, 2)).toBe(1.01);
    expect(roundTo(-1.005, 2)).toBe(-1.01);
    expect(money.encode(10.125)).toBe(10.13);
    expect(decimal4.encode(0.123456)).toBe(0.1235);
    fc.assert(
      fc.property(fc.double({ min: -1e9, max: 1e9, noNaN: true }), (amount) => {
        const once = money.encode(amount);
        return money.decode(once) === once && Math.abs(once - amount) <= 0.005 + 1e-6;
      }),
    );
  });

  test("auto approve ↔ status", () => {
    expect(approvalToStatus.encode(true)).toBe("AUTHORISED");
    expect(approvalToStatus.encode(false)).toBe("DRAFT");
    fc.assert(fc.property(fc.boolean(), (flag) => approvalToStatus.decode(approvalToStatus.encode(flag)) === flag));
  });

  test("the leading-full-stop description line", () => {
    expect(leadingFullStop.decode(".Thank you for your business")).toBe("Thank you for your business");
    expect(leadingFullStop.decode("A normal description")).toBeUndefined();
    expect(leadingFullStop.decode(null)).toBeUndefined();
    expect(leadingFullStop.decode(".")).toBeUndefined();
    const line = fc.string({ minLength: 1 }).filter((value) => value.trim() === value && value !== "");
    fc.assert(fc.property(line, (value) => leadingFullStop.decode(leadingFullStop.encode(value)) === value));
  });

  test("address lines 3 and 4 join with a comma and split back", () => {
    expect(addressLines3And4.encode({ line3: "Unit 4", line4: "Level 2" })).toBe("Unit 4, Level 2");
    expect(addressLines3And4.encode({ line3: "Unit 4" })).toBe("Unit 4");
    expect(addressLines3And4.encode({})).toBeNull();
    const part = fc.string({ minLength: 1 }).filter((value) => !value.includes(", "));
    fc.assert(
      fc.property(part, part, (line3, line4) => {
        const decoded = addressLines3And4.decode(addressLines3And4.encode({ line3, line4 }));
        return decoded.line3 === line3 && decoded.line4 === line4;
      }),
    );
  });
});
