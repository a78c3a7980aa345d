import {
  nextOccurrence,
  parseNcrontab,
  parseSchedule,
  parseTimeSpan,
  ScheduleError,
} from "../../src/functions-host/ncrontab";

const at = (iso: string) => Date.parse(iso);
const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** The first `count` occurrences after `from`. */
function occurrences(expression: string, from: string, count: number): Array<string | null> {
  const schedule = parseSchedule(expression);
  const result: Array<string | null> = [];
  let cursor = at(from);
  for (let index = 0; index < count; index += 1) {
    const next = schedule.next(cursor);
    result.push(iso(next));
    if (next === null) break;
    cursor = next;
  }
  return result;
}

describe("NCRONTAB schedules (the examples of the timer trigger docs)", () => {
  it("fires every five minutes on the minute: 0 */5 * * * *", () => {
    expect(occurrences("0 */5 * * * *", "2026-03-01T18:55:00Z", 3)).toStrictEqual([
      "2026-03-01T19:00:00.000Z",
      "2026-03-01T19:05:00.000Z",
      "2026-03-01T19:10:00.000Z",
    ]);
  });

  it("fires at the top of every hour from 9 to 17: 0 0 9-17 * * *", () => {
    expect(occurrences("0 0 9-17 * * *", "2026-03-01T16:30:00Z", 3)).toStrictEqual([
      "2026-03-01T17:00:00.000Z",
      "2026-03-02T09:00:00.000Z",
      "2026-03-02T10:00:00.000Z",
    ]);
  });

  it("fires at 9:30 on weekdays: 0 30 9 * * 1-5 (2026-03-06 is a Friday)", () => {
    expect(occurrences("0 30 9 * * 1-5", "2026-03-06T10:00:00Z", 2)).toStrictEqual([
      "2026-03-09T09:30:00.000Z",
      "2026-03-10T09:30:00.000Z",
    ]);
  });

  it("reads month and day names: 0 30 9 * Jan Mon", () => {
    expect(occurrences("0 30 9 * Jan Mon", "2026-02-01T00:00:00Z", 2)).toStrictEqual([
      "2027-01-04T09:30:00.000Z",
      "2027-01-11T09:30:00.000Z",
    ]);
  });

  it("handles lists, seconds and steps with a start: 5,35 * * * * * and 10/20 * * * * *", () => {
    expect(occurrences("5,35 * * * * *", "2026-01-01T00:00:00Z", 3)).toStrictEqual([
      "2026-01-01T00:00:05.000Z",
      "2026-01-01T00:00:35.000Z",
      "2026-01-01T00:01:05.000Z",
    ]);
    expect(occurrences("10/20 * * * * *", "2026-01-01T00:00:00Z", 3)).toStrictEqual([
      "2026-01-01T00:00:10.000Z",
      "2026-01-01T00:00:30.000Z",
      "2026-01-01T00:00:50.000Z",
    ]);
  });

  it("carries across month and year ends and skips months without the day", () => {
    expect(occurrences("0 0 0 31 * *", "2026-01-31T00:00:00Z", 3)).toStrictEqual([
      "2026-03-31T00:00:00.000Z",
      "2026-05-31T00:00:00.000Z",
      "2026-07-31T00:00:00.000Z",
    ]);
    expect(occurrences("0 0 0 29 2 *", "2026-01-01T00:00:00Z", 1)).toStrictEqual(["2028-02-29T00:00:00.000Z"]);
    expect(occurrences("59 59 23 31 12 *", "2026-12-31T23:59:59Z", 1)).toStrictEqual(["2027-12-31T23:59:59.000Z"]);
  });

  it("requires day and day-of-week to match together, as NCrontab does", () => {
    // The 13th that is a Friday: 2026-02-13 and 2026-03-13.
    expect(occurrences("0 0 12 13 * 5", "2026-01-01T00:00:00Z", 2)).toStrictEqual([
      "2026-02-13T12:00:00.000Z",
      "2026-03-13T12:00:00.000Z",
    ]);
  });

  it("answers strictly after the given instant, ignoring its milliseconds", () => {
    const every15 = parseNcrontab("0 */15 * * * *");
    expect(iso(nextOccurrence(every15, at("2026-01-01T00:15:00.000Z")))).toBe("2026-01-01T00:30:00.000Z");
    expect(iso(nextOccurrence(every15, at("2026-01-01T00:14:59.999Z")))).toBe("2026-01-01T00:15:00.000Z");
  });

  it("says when a schedule never fires", () => {
    expect(nextOccurrence(parseNcrontab("0 0 0 30 2 *"), at("2026-01-01T00:00:00Z"))).toBeNull();
  });

  it.each([
    ["five fields", "0 */5 * * *"],
    ["seconds out of range", "60 * * * * *"],
    ["backwards range", "0 0 17-9 * * *"],
    ["zero step", "*/0 * * * * *"],
    ["unknown name", "0 0 0 * Jax *"],
    ["names where numbers belong", "0 0 Mon * * *"],
    ["garbage", "0 0 0 * * 1x"],
  ])("rejects %s", (_label, expression) => {
    expect(() => parseNcrontab(expression)).toThrow(ScheduleError);
  });
});

describe("TimeSpan schedules", () => {
  it("parses hh:mm:ss and d.hh:mm:ss.fff", () => {
    expect(parseTimeSpan("00:00:30")).toBe(30_000);
    expect(parseTimeSpan("01:00:00")).toBe(3_600_000);
    expect(parseTimeSpan("1.02:03:04.5")).toBe(((24 + 2) * 3600 + 3 * 60 + 4) * 1000 + 500);
    expect(() => parseTimeSpan("30s")).toThrow(ScheduleError);
  });

  it("fires every interval counted from the origin", () => {
    const schedule = parseSchedule("00:05:00", at("2026-01-01T00:00:00Z"));
    expect(iso(schedule.next(at("2026-01-01T00:00:00Z")))).toBe("2026-01-01T00:05:00.000Z");
    expect(iso(schedule.next(at("2026-01-01T00:07:00Z")))).toBe("2026-01-01T00:10:00.000Z");
  });
});
