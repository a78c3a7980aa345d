// Two-way value conversions between Dataverse, the canonical model and Xero. Each codec is a pair of pure functions
// with a round-trip test (test/mapping/codecs.test.ts).

export interface Codec<Inner, Outer> {
  /** model → edge (Xero payload, Dataverse column) */
  encode(value: Inner): Outer;
  /** edge → model */
  decode(value: Outer): Inner;
}

// Xero's JSON dates are Microsoft JSON dates, "/Date(1735689600000+0000)/", always UTC midnight for date fields:
// https://developer.xero.com/documentation/api/accounting/requests-and-responses#json-dates
const msDatePattern = /^\/Date\((-?\d+)([+-]\d{4})?\)\/$/;

export const xeroJsonDate: Codec<string, string> = {
  encode: (dateOnly) => `/Date(${Date.parse(`${dateOnly}T00:00:00Z`)}+0000)/`,
  decode: (json) => {
    const match = msDatePattern.exec(json);
    if (match?.[1] === undefined) throw new RangeError(`not a Xero JSON date: ${json}`);
    return new Date(Number(match[1])).toISOString().slice(0, 10);
  },
};

// Dataverse returns Date Only columns as "2026-01-31" and Date and Time columns as ISO instants; the model keeps the
// calendar date. https://learn.microsoft.com/power-apps/developer/data-platform/webapi/query/format-query-results
export const dataverseDate: Codec<string, string> = {
  encode: (dateOnly) => dateOnly,
  decode: (value) => {
    const day = value.slice(0, 10);
    if (!/^\d{4}-\d{2}-\d{2}$/.test(day)) throw new RangeError(`not a Dataverse date: ${value}`);
    return day;
  },
};

/** Xero accepts dates in a request body as "YYYY-MM-DD"; answers may use either form. */
export const xeroRequestDate: Codec<string, string> = {
  encode: (dateOnly) => dateOnly,
  decode: (value) => (msDatePattern.test(value) ? xeroJsonDate.decode(value) : value.slice(0, 10)),
};

/** Rounds half away from zero to `places` without binary drift (1.005 → 1.01). */
export function roundTo(value: number, places: number): number {
  const sign = value < 0 ? -1 : 1;
  const scale = 10 ** places;
  // 15 significant digits drop the binary tail (1.005 × 100 = 100.49999999999999 → 100.5).
  const shifted = Number((Math.abs(value) * scale).toPrecision(15));
  const rounded = (sign * Math.round(shifted)) / scale;
  return rounded === 0 ? 0 : rounded;
}

/** Money: two decimal places on both sides (Xero rounds line and tax amounts to 2 dp). */
export const money: Codec<number, number> = {
  encode: (amount) => roundTo(amount, 2),
  decode: (amount) => roundTo(amount, 2),
};

/** Unit amounts and quantities keep four places (Xero's `unitdp=4`; Dataverse's default decimal precision). */
export const decimal4: Codec<number, number> = {
  encode: (amount) => roundTo(amount, 4),
  decode: (amount) => roundTo(amount, 4),
};

/** A choice ↔ enum codec from one lookup table, so both directions come from the same data. */
export function enumCodec<Inner extends string | number | boolean, Outer extends string | number>(
  pairs: ReadonlyArray<readonly [Inner, Outer]>,
): Codec<Inner, Outer> {
  return {
    encode: (value) => {
      const pair = pairs.find(([inner]) => inner === value);
      if (pair === undefined) throw new RangeError(`no mapping for ${String(value)}`);
      return pair[1];
    },
    decode: (value) => {
      const pair = pairs.find(([, outer]) => outer === value);
      if (pair === undefined) throw new RangeError(`no mapping for ${String(value)}`);
      return pair[0];
    },
  };
}

/** Auto Approve Invoices (connector) → the Xero status a pushed invoice gets. */
export const approvalToStatus = enumCodec<boolean, "AUTHORISED" | "DRAFT">([
  [true, "AUTHORISED"],
  [false, "DRAFT"],
]);

// The reference docs: "If the D365 Invoice Description begins with a fullstop ( . ) the description will be added to
// the Xero Invoice as an additional line item." The full stop is the marker, not content.
export const leadingFullStop: Codec<string | undefined, string | null> = {
  encode: (line) => (line === undefined ? null : `.${line}`),
  decode: (description) => {
    if (description === null || !description.startsWith(".")) return undefined;
    const line = description.slice(1).trim();
    return line === "" ? undefined : line;
  },
};

// Reference docs (Xero → Dynamics 365): "If Line 3 & 4 both contain data in Xero, they are joined in Dynamics 365
// (separated by comma)."
export const addressLines3And4: Codec<{ line3?: string; line4?: string }, string | null> = {
  encode: ({ line3, line4 }) => {
    const parts = [line3, line4].filter((part): part is string => part !== undefined && part !== "");
    return parts.length === 0 ? null : parts.join(", ");
  },
  decode: (joined) => {
    if (joined === null || joined === "") return {};
    const comma = joined.indexOf(", ");
    if (comma < 0) return { line3: joined };
    return { line3: joined.slice(0, comma), line4: joined.slice(comma + 2) };
  },
};
