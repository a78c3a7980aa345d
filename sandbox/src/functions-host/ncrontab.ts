// Timer trigger schedules as the Functions host reads them: six-field NCRONTAB
// `{second} {minute} {hour} {day} {month} {day-of-week}` with `*`, lists, ranges, steps and English names, or a
// TimeSpan `hh:mm:ss` (a fixed interval). Times are UTC, the host's default when WEBSITE_TIME_ZONE is not set.
// https://learn.microsoft.com/azure/azure-functions/functions-bindings-timer#ncrontab-expressions
// https://learn.microsoft.com/azure/azure-functions/functions-bindings-timer#timespan

export interface Schedule {
  /** The first occurrence strictly after `afterMs` (epoch ms), or null when there is none. */
  next(afterMs: number): number | null;
  /** The expression as written. */
  readonly expression: string;
}

interface FieldSpec {
  name: string;
  min: number;
  max: number;
  names?: readonly string[];
}

const monthNames = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"] as const;
const dayNames = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"] as const;

const fields: readonly FieldSpec[] = [
  { name: "second", min: 0, max: 59 },
  { name: "minute", min: 0, max: 59 },
  { name: "hour", min: 0, max: 23 },
  { name: "day", min: 1, max: 31 },
  { name: "month", min: 1, max: 12, names: monthNames },
  { name: "day-of-week", min: 0, max: 6, names: dayNames },
];

export class ScheduleError extends Error {
  override name = "ScheduleError";
}

/** The values one field allows, as a membership table indexed by value. */
type FieldSet = readonly boolean[];

export interface NcrontabFields {
  seconds: FieldSet;
  minutes: FieldSet;
  hours: FieldSet;
  days: FieldSet;
  months: FieldSet;
  daysOfWeek: FieldSet;
}

/** Parses a six-field NCRONTAB expression into its allowed values; throws ScheduleError on anything else. */
export function parseNcrontab(expression: string): NcrontabFields {
  const parts = expression.trim().split(/\s+/);
  if (parts.length !== 6) {
    throw new ScheduleError(
      `"${expression}" has ${parts.length} fields; NCRONTAB needs six: second minute hour day month day-of-week`,
    );
  }
  const sets = parts.map((part, index) => parseField(part, fields[index] as FieldSpec));
  const [seconds, minutes, hours, days, months, daysOfWeek] = sets as [
    FieldSet,
    FieldSet,
    FieldSet,
    FieldSet,
    FieldSet,
    FieldSet,
  ];
  return { seconds, minutes, hours, days, months, daysOfWeek };
}

function parseField(text: string, spec: FieldSpec): FieldSet {
  const allowed: boolean[] = new Array<boolean>(spec.max + 1).fill(false);
  for (const item of text.split(",")) {
    const [rangeText, stepText, extra] = item.split("/");
    if (rangeText === undefined || rangeText === "" || extra !== undefined) throw invalid(text, spec);
    const step = stepText === undefined ? 1 : parseNumber(stepText, text, spec);
    if (step < 1) throw invalid(text, spec);
    let from: number;
    let to: number;
    if (rangeText === "*") {
      from = spec.min;
      to = spec.max;
    } else if (rangeText.includes("-")) {
      const [a, b, more] = rangeText.split("-");
      if (a === undefined || b === undefined || more !== undefined) throw invalid(text, spec);
      from = parseValue(a, text, spec);
      to = parseValue(b, text, spec);
    } else {
      from = parseValue(rangeText, text, spec);
      // `5/15` means "from 5 to the end, every 15", as in NCrontab.
      to = stepText === undefined ? from : spec.max;
    }
    if (from > to) throw new ScheduleError(`${spec.name} range "${rangeText}" runs backwards`);
    for (let value = from; value <= to; value += step) allowed[value] = true;
  }
  return allowed;
}

function parseValue(token: string, field: string, spec: FieldSpec): number {
  if (/^[a-z]+$/i.test(token) && spec.names !== undefined) {
    const index = spec.names.findIndex((name) => token.toLowerCase().startsWith(name) && fullNameMatches(token, name));
    if (index < 0) throw invalid(field, spec);
    return index + spec.min;
  }
  const value = parseNumber(token, field, spec);
  if (value < spec.min || value > spec.max) {
    throw new ScheduleError(`${spec.name} value ${value} is outside ${spec.min}-${spec.max}`);
  }
  return value;
}

/** Accepts "Jan" and "January", "Mon" and "Monday" — not "Janx". */
function fullNameMatches(token: string, abbreviation: string): boolean {
  const lower = token.toLowerCase();
  if (lower.length === 3) return true;
  const full: Record<string, string> = {
    jan: "january",
    feb: "february",
    mar: "march",
    apr: "april",
    may: "may",
    jun: "june",
    jul: "july",
    aug: "august",
    sep: "september",
    oct: "october",
    nov: "november",
    dec: "december",
    sun: "sunday",
    mon: "monday",
    tue: "tuesday",
    wed: "wednesday",
    thu: "thursday",
    fri: "friday",
    sat: "saturday",
  };
  return full[abbreviation] === lower;
}

function parseNumber(token: string, field: string, spec: FieldSpec): number {
  if (!/^\d+$/.test(token)) throw invalid(field, spec);
  return Number(token);
}

function invalid(field: string, spec: FieldSpec): ScheduleError {
  return new ScheduleError(`"${field}" is not a valid ${spec.name} field`);
}

/** Next occurrence of an NCRONTAB schedule. Day and day-of-week must both match, as in NCrontab. */
export function nextOccurrence(schedule: NcrontabFields, afterMs: number, horizonYears = 8): number | null {
  const start = new Date(Math.floor(afterMs / 1000) * 1000 + 1000);
  let year = start.getUTCFullYear();
  let month = start.getUTCMonth() + 1;
  let day = start.getUTCDate();
  let hour = start.getUTCHours();
  let minute = start.getUTCMinutes();
  let second = start.getUTCSeconds();
  const lastYear = year + horizonYears;

  // Walk from the coarsest field to the finest; when a field has no match left, carry into the next coarser one.
  while (year <= lastYear) {
    if (!schedule.months[month]) {
      ({ year, month } = nextMonth(year, month));
      day = 1;
      hour = minute = second = 0;
      continue;
    }
    const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
    if (day > daysInMonth) {
      ({ year, month } = nextMonth(year, month));
      day = 1;
      hour = minute = second = 0;
      continue;
    }
    const weekday = new Date(Date.UTC(year, month - 1, day)).getUTCDay();
    if (!schedule.days[day] || !schedule.daysOfWeek[weekday]) {
      day += 1;
      hour = minute = second = 0;
      continue;
    }
    const h = firstFrom(schedule.hours, hour);
    if (h === null) {
      day += 1;
      hour = minute = second = 0;
      continue;
    }
    if (h !== hour) {
      hour = h;
      minute = second = 0;
    }
    const m = firstFrom(schedule.minutes, minute);
    if (m === null) {
      hour += 1;
      minute = second = 0;
      if (hour > 23) {
        day += 1;
        hour = 0;
      }
      continue;
    }
    if (m !== minute) {
      minute = m;
      second = 0;
    }
    const s = firstFrom(schedule.seconds, second);
    if (s === null) {
      minute += 1;
      second = 0;
      if (minute > 59) {
        hour += 1;
        minute = 0;
        if (hour > 23) {
          day += 1;
          hour = 0;
        }
      }
      continue;
    }
    return Date.UTC(year, month - 1, day, hour, minute, s);
  }
  return null;
}

function nextMonth(year: number, month: number): { year: number; month: number } {
  return month === 12 ? { year: year + 1, month: 1 } : { year, month: month + 1 };
}

function firstFrom(set: FieldSet, from: number): number | null {
  for (let value = from; value < set.length; value += 1) if (set[value]) return value;
  return null;
}

/** A TimeSpan `[d.]hh:mm:ss[.fff]` in milliseconds, as host.json and timer schedules write durations. */
export function parseTimeSpan(text: string): number {
  const match = /^(?:(\d+)\.)?(\d{1,2}):(\d{2}):(\d{2})(?:\.(\d{1,7}))?$/.exec(text.trim());
  if (match === null) throw new ScheduleError(`"${text}" is not a TimeSpan (hh:mm:ss)`);
  const [, days, hours, minutes, seconds, fraction] = match;
  const ms = fraction === undefined ? 0 : Math.round(Number(`0.${fraction}`) * 1000);
  return (((Number(days ?? 0) * 24 + Number(hours)) * 60 + Number(minutes)) * 60 + Number(seconds)) * 1000 + ms;
}

/** Parses either schedule form. A TimeSpan schedule fires every interval, counted from `originMs`. */
export function parseSchedule(expression: string, originMs = 0): Schedule {
  if (/^\s*(\d+\.)?\d{1,2}:\d{2}:\d{2}/.test(expression)) {
    const interval = parseTimeSpan(expression);
    if (interval <= 0) throw new ScheduleError(`TimeSpan schedule "${expression}" must be positive`);
    return {
      expression,
      next: (afterMs) => originMs + (Math.floor((afterMs - originMs) / interval) + 1) * interval,
    };
  }
  const parsed = parseNcrontab(expression);
  return { expression, next: (afterMs) => nextOccurrence(parsed, afterMs) };
}
