// Column values: what the Web API accepts for each attribute type, how a value is stored, and how it is written back
// (plain and formatted). Types and Edm names: https://learn.microsoft.com/power-apps/developer/data-platform/webapi/web-api-types-operations
import type { AttributeMetadata } from "../../../customizations/src/metadata";
import { optionOutOfRange, payloadError, stringTooLong, valueOutOfRange } from "./errors";
import type { TableIndex } from "./schema-index";
import type { StoredValue } from "./store";
import { isLookupValue } from "./store";

const edmTypes: Record<AttributeMetadata["type"], string> = {
  String: "Edm.String",
  Memo: "Edm.String",
  EntityName: "Edm.String",
  Integer: "Edm.Int32",
  BigInt: "Edm.Int64",
  Decimal: "Edm.Decimal",
  Double: "Edm.Double",
  Money: "Edm.Decimal",
  Boolean: "Edm.Boolean",
  DateTime: "Edm.DateTimeOffset",
  Picklist: "Edm.Int32",
  State: "Edm.Int32",
  Status: "Edm.Int32",
  Lookup: "Edm.Guid",
  Customer: "Edm.Guid",
  Owner: "Edm.Guid",
  Uniqueidentifier: "Edm.Guid",
};

export const edmType = (attribute: AttributeMetadata): string =>
  attribute.type === "DateTime" && attribute.dateTimeBehavior === "DateOnly" ? "Edm.Date" : edmTypes[attribute.type];

export const guidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const int32 = { min: -2_147_483_648, max: 2_147_483_647 };

/** Dataverse writes date-times as `2026-01-01T00:00:00Z` (whole seconds, UTC). */
export const toDataverseDateTime = (ms: number): string =>
  new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(".000Z", "Z");

const literal = (raw: unknown): string => (typeof raw === "string" ? raw : (JSON.stringify(raw) ?? String(raw)));

/** Converts one JSON body value to the stored value of a non-lookup column, enforcing type, length and range. */
export function toStoredValue(table: TableIndex, attribute: AttributeMetadata, raw: unknown): StoredValue {
  if (raw === null) return null;
  const mismatch = () =>
    payloadError(
      table.entitySetName,
      `Cannot convert the literal '${literal(raw)}' to the expected type '${edmType(attribute)}'.`,
    );
  switch (attribute.type) {
    case "String":
    case "Memo":
    case "EntityName": {
      if (typeof raw !== "string") throw mismatch();
      const maxLength = attribute.maxLength ?? (attribute.type === "Memo" ? 1_048_576 : 4000);
      if (raw.length > maxLength) throw stringTooLong(attribute.logicalName, table.logicalName, maxLength);
      return raw;
    }
    case "Integer":
    case "BigInt": {
      if (typeof raw !== "number" || !Number.isInteger(raw)) throw mismatch();
      const min = attribute.minValue ?? (attribute.type === "Integer" ? int32.min : Number.MIN_SAFE_INTEGER);
      const max = attribute.maxValue ?? (attribute.type === "Integer" ? int32.max : Number.MAX_SAFE_INTEGER);
      if (raw < min || raw > max) throw valueOutOfRange(attribute.logicalName, table.logicalName, min, max);
      return raw;
    }
    case "Decimal":
    case "Double":
    case "Money": {
      if (typeof raw !== "number" || !Number.isFinite(raw)) throw mismatch();
      const min = attribute.minValue ?? (attribute.type === "Money" ? -922_337_203_685_477 : -100_000_000_000);
      const max = attribute.maxValue ?? (attribute.type === "Money" ? 922_337_203_685_477 : 100_000_000_000);
      if (raw < min || raw > max) throw valueOutOfRange(attribute.logicalName, table.logicalName, min, max);
      const precision = attribute.precision ?? (attribute.type === "Double" ? 5 : attribute.type === "Money" ? 4 : 2);
      return roundTo(raw, precision);
    }
    case "Boolean":
      if (typeof raw !== "boolean") throw mismatch();
      return raw;
    case "DateTime": {
      if (typeof raw !== "string") throw mismatch();
      if (attribute.dateTimeBehavior === "DateOnly") {
        if (!/^\d{4}-\d{2}-\d{2}$/.test(raw) || Number.isNaN(Date.parse(raw))) throw mismatch();
        return raw;
      }
      if (!/^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?)?$/.test(raw)) throw mismatch();
      const ms = Date.parse(raw);
      if (Number.isNaN(ms)) throw mismatch();
      return toDataverseDateTime(ms);
    }
    case "Picklist":
    case "State":
    case "Status": {
      if (typeof raw !== "number" || !Number.isInteger(raw)) throw mismatch();
      const accepted = (attribute.options ?? []).map((option) => option.value);
      if (!accepted.includes(raw)) throw optionOutOfRange(raw, attribute.logicalName, table.logicalName, accepted);
      return raw;
    }
    case "Uniqueidentifier":
      if (typeof raw !== "string" || !guidPattern.test(raw)) throw mismatch();
      return raw.toLowerCase();
    case "Lookup":
    case "Customer":
    case "Owner":
      throw mismatch();
  }
}

export const roundTo = (value: number, digits: number): number => {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
};

/** The plain JSON value of a stored column (lookups become their id). */
export const toJsonValue = (value: StoredValue | undefined): string | number | boolean | null =>
  value === undefined ? null : isLookupValue(value) ? value.id : value;

const monthDayYear = (date: Date): string => `${date.getUTCMonth() + 1}/${date.getUTCDate()}/${date.getUTCFullYear()}`;

const time = (date: Date): string => {
  const hours = date.getUTCHours();
  const minutes = String(date.getUTCMinutes()).padStart(2, "0");
  return `${hours % 12 === 0 ? 12 : hours % 12}:${minutes} ${hours < 12 ? "AM" : "PM"}`;
};

/**
 * The `@OData.Community.Display.V1.FormattedValue` of a column, as an en-US user in UTC sees it.
 * https://learn.microsoft.com/power-apps/developer/data-platform/webapi/query/select-columns#formatted-values
 */
export function toFormattedValue(
  attribute: AttributeMetadata,
  value: StoredValue | undefined,
  context: { currencySymbol: string; lookupName: (table: string, id: string) => string | null },
): string | null {
  if (value === undefined || value === null) return null;
  if (isLookupValue(value)) return context.lookupName(value.table, value.id);
  switch (attribute.type) {
    case "Picklist":
    case "State":
    case "Status":
      return attribute.options?.find((option) => option.value === value)?.label ?? String(value);
    case "Boolean": {
      const label = attribute.options?.find((option) => option.value === (value === true ? 1 : 0))?.label;
      return label ?? (value === true ? "Yes" : "No");
    }
    case "Money":
      return typeof value === "number"
        ? `${context.currencySymbol}${value.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`
        : null;
    case "Integer":
    case "BigInt":
    case "Decimal":
    case "Double":
      return typeof value === "number"
        ? value.toLocaleString("en-US", { maximumFractionDigits: attribute.precision ?? 5 })
        : null;
    case "DateTime": {
      if (typeof value !== "string") return null;
      const date = new Date(value);
      return attribute.dateTimeBehavior === "DateOnly" ? monthDayYear(date) : `${monthDayYear(date)} ${time(date)}`;
    }
    default:
      return null;
  }
}
