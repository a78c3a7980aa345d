// Xero's JSON dates: `/Date(1518685950940+0000)/` (milliseconds since the epoch, UTC), as the API sends them.
// https://developer.xero.com/documentation/api/accounting/requests-and-responses#json-responses-and-date-formats

const msDatePattern = /^\/Date\((-?\d+)([+-]\d{4})?\)\/$/;
const isoPattern =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,7}))?)?)?(Z|[+-]\d{2}:?\d{2})?$/;

export function toMsDate(ms: number): string {
  return `/Date(${ms}+0000)/`;
}

/** The `DateString` companion Xero sends beside date fields: the calendar date without a zone. */
export function toDateString(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19);
}

/** Parses a timestamp as Xero accepts it (a `/Date(…)/` value or ISO 8601); undefined when unreadable. */
export function fromXeroTimestamp(value: string): number | undefined {
  const ms = msDatePattern.exec(value);
  if (ms !== null) return Number(ms[1]);
  if (!isoPattern.test(value)) {
    const parsed = Date.parse(value);
    return Number.isNaN(parsed) ? undefined : parsed;
  }
  const parsed = Date.parse(/[zZ]|[+-]\d{2}:?\d{2}$/.test(value) || value.length <= 10 ? value : `${value}Z`);
  return Number.isNaN(parsed) ? undefined : parsed;
}

/**
 * Parses a date-only field (invoice Date, DueDate, payment Date): Xero keeps the calendar date as written and drops
 * any time or offset, so `2026-01-15T00:00:00+13:00` is 15 January. Answers UTC midnight of that date.
 */
export function fromXeroDay(value: string): number | undefined {
  const ms = msDatePattern.exec(value);
  if (ms !== null) return startOfUtcDay(Number(ms[1]));
  const iso = isoPattern.exec(value);
  if (iso === null) return undefined;
  const [year, month, day] = [Number(iso[1]), Number(iso[2]), Number(iso[3])];
  const at = Date.UTC(year, month - 1, day);
  const check = new Date(at);
  if (check.getUTCFullYear() !== year || check.getUTCMonth() !== month - 1 || check.getUTCDate() !== day)
    return undefined;
  return at;
}

export function startOfUtcDay(ms: number): number {
  const date = new Date(ms);
  return Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate());
}
