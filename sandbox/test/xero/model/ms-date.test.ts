import { fromXeroDay, fromXeroTimestamp, toDateString, toMsDate } from "../../../src/xero/model/ms-date";

describe("Xero dates", () => {
  it("writes /Date(ms+0000)/ and reads it back", () => {
    const at = Date.UTC(2026, 2, 2, 9, 30, 15, 250);
    expect(toMsDate(at)).toBe("/Date(1772443815250+0000)/");
    expect(fromXeroTimestamp(toMsDate(at))).toBe(at);
    expect(fromXeroTimestamp("/Date(1772443815250)/")).toBe(at);
  });

  it("reads ISO timestamps with and without a zone (no zone means UTC)", () => {
    expect(fromXeroTimestamp("2026-03-02T09:30:15.250Z")).toBe(Date.UTC(2026, 2, 2, 9, 30, 15, 250));
    expect(fromXeroTimestamp("2026-03-02T09:30:15")).toBe(Date.UTC(2026, 2, 2, 9, 30, 15));
    expect(fromXeroTimestamp("2026-03-02T22:00:00+13:00")).toBe(Date.UTC(2026, 2, 2, 9, 0, 0));
    expect(fromXeroTimestamp("Mon, 02 Mar 2026 09:00:00 GMT")).toBe(Date.UTC(2026, 2, 2, 9, 0, 0));
    expect(fromXeroTimestamp("yesterday")).toBeUndefined();
  });

  it("keeps the calendar date of a date-only field as written", () => {
    const day = Date.UTC(2026, 2, 15);
    expect(fromXeroDay("2026-03-15")).toBe(day);
    expect(fromXeroDay("2026-03-15T00:00:00")).toBe(day);
    expect(fromXeroDay("2026-03-15T00:00:00+13:00")).toBe(day);
    expect(fromXeroDay("/Date(1773532800000+0000)/")).toBe(day);
    expect(fromXeroDay("2026-02-30")).toBeUndefined();
    expect(fromXeroDay("15/03/2026")).toBeUndefined();
    expect(toDateString(day)).toBe("2026-03-15T00:00:00");
  });
});
