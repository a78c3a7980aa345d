// Value conversions of the Xero → Dynamics 365 direction, each a two-way codec with a round-trip test
// (test/mapping/codecs-from-xero.test.ts). Xero JSON dates: https://developer.xero.com/documentation/api/accounting/requests-and-responses#json-dates
import { addressLines3And4, type Codec } from "./codecs";

const msDatePattern = /^\/Date\((-?\d+)([+-]\d{4})?\)\/$/;

/** Xero's `UpdatedDateUTC` ("/Date(1735689600123+0000)/") ↔ an ISO instant with milliseconds. */
export const xeroTimestamp: Codec<string, string> = {
  encode: (instant) => `/Date(${Date.parse(instant)}+0000)/`,
  decode: (value) => {
    const match = msDatePattern.exec(value);
    const ms = match?.[1] === undefined ? Date.parse(value) : Number(match[1]);
    if (Number.isNaN(ms)) throw new RangeError(`not a Xero timestamp: ${value}`);
    return new Date(ms).toISOString();
  },
};

interface XeroAddressLines {
  AddressLine3?: string;
  AddressLine4?: string;
}

// Reference docs (Contacts: Xero to Dynamics 365): "If Line 3 & 4 both contain data in Xero, they are joined in
// Dynamics 365 (separated by comma)." The codec reads the whole Xero address and gives the Dynamics 365 line 3.
export const addressLine3From3And4: Codec<string | undefined, XeroAddressLines> = {
  encode: (joined) => {
    const { line3, line4 } = addressLines3And4.decode(joined ?? null);
    return {
      ...(line3 === undefined ? {} : { AddressLine3: line3 }),
      ...(line4 === undefined ? {} : { AddressLine4: line4 }),
    };
  },
  decode: (address) => {
    const line3 = address.AddressLine3?.trim();
    const line4 = address.AddressLine4?.trim();
    return (
      addressLines3And4.encode({
        ...(line3 === undefined ? {} : { line3 }),
        ...(line4 === undefined ? {} : { line4 }),
      }) ?? undefined
    );
  },
};

interface XeroPhoneParts {
  PhoneCountryCode?: string;
  PhoneAreaCode?: string;
  PhoneNumber?: string;
}

/** Xero keeps a phone in three parts (country, area, number); Dynamics 365 has one text column. */
export const phoneFromParts: Codec<string | undefined, XeroPhoneParts> = {
  encode: (phone) => (phone === undefined ? {} : { PhoneNumber: phone }),
  decode: (parts) => {
    const number = parts.PhoneNumber?.trim();
    if (number === undefined || number === "") return undefined;
    return [parts.PhoneCountryCode, parts.PhoneAreaCode, number]
      .map((part) => part?.trim())
      .filter((part) => part !== undefined && part !== "")
      .join(" ");
  },
};
