// OData is built only through these helpers: values become branded literals (escaped once, here), and a filter is a
// tagged template that accepts nothing but literals and column names. A raw string cannot reach a URL by accident.
// Literal syntax: https://docs.oasis-open.org/odata/odata/v4.01/odata-v4.01-part2-url-conventions.html#sec_PrimitiveLiterals
// Query options in Dataverse: https://learn.microsoft.com/power-apps/developer/data-platform/webapi/query/overview
import { SyncError } from "../../core/errors";

declare const literalBrand: unique symbol;
/** An escaped OData literal or identifier, safe to place in a URL expression. */
export interface ODataFragment {
  readonly [literalBrand]: true;
  readonly text: string;
}

function fragment(text: string): ODataFragment {
  return { text } as ODataFragment;
}

const guidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const identifierPattern = /^[A-Za-z_][A-Za-z0-9_]*(\/[A-Za-z_][A-Za-z0-9_]*)*$/;

function invalid(message: string): SyncError {
  return new SyncError(message, { kind: "validation", origin: "system", details: { source: "service", type: "InvalidODataValue" } });
}

export function isGuid(value: string): boolean {
  return guidPattern.test(value);
}

/** A GUID written bare (Web API v4 syntax); anything that is not a GUID is refused rather than escaped. */
export function toGuidLiteral(value: string): ODataFragment {
  const trimmed = value.trim().replace(/^\{|\}$/g, "");
  if (!isGuid(trimmed)) throw invalid("not a GUID");
  return fragment(trimmed.toLowerCase());
}

/** A string literal: single quotes doubled. */
export function toStringLiteral(value: string): ODataFragment {
  return fragment(`'${value.replace(/'/g, "''")}'`);
}

/** A DateTimeOffset literal in UTC, e.g. 2026-01-01T00:00:00Z. */
export function toDateTimeLiteral(value: Date | number): ODataFragment {
  const date = typeof value === "number" ? new Date(value) : value;
  if (Number.isNaN(date.getTime())) throw invalid("not a valid date");
  return fragment(date.toISOString().replace(/\.000Z$/, "Z"));
}

/** A Date literal (date-only columns), e.g. 2026-01-01. */
export function toDateLiteral(value: Date | number): ODataFragment {
  return fragment(toDateTimeLiteral(value).text.slice(0, 10));
}

export function toNumberLiteral(value: number): ODataFragment {
  if (!Number.isFinite(value)) throw invalid("not a finite number");
  return fragment(String(value));
}

export function toBooleanLiteral(value: boolean): ODataFragment {
  return fragment(value ? "true" : "false");
}

export const nullLiteral: ODataFragment = fragment("null");

/** A column, navigation property or path (`a/b`); only identifiers are accepted. */
export function column(name: string): ODataFragment {
  if (!identifierPattern.test(name)) throw invalid("not an OData identifier");
  return fragment(name);
}

/** A literal for a JS value of a known primitive type (GUID-shaped strings stay strings: use toGuidLiteral). */
export function toLiteral(value: string | number | boolean | Date | null): ODataFragment {
  if (value === null) return nullLiteral;
  if (typeof value === "string") return toStringLiteral(value);
  if (typeof value === "number") return toNumberLiteral(value);
  if (typeof value === "boolean") return toBooleanLiteral(value);
  return toDateTimeLiteral(value);
}

/**
 * A filter expression: `filter\`statecode eq ${toNumberLiteral(0)} and name eq ${toStringLiteral(x)}\``. The static
 * parts are the developer's; every interpolation must be an escaped fragment (a filter built earlier included).
 */
export function filter(strings: TemplateStringsArray, ...values: ODataFragment[]): ODataFragment {
  let text = strings[0] ?? "";
  values.forEach((value, index) => {
    text += value.text + (strings[index + 1] ?? "");
  });
  return fragment(text);
}

export function and(...parts: ODataFragment[]): ODataFragment {
  return fragment(parts.map((part) => `(${part.text})`).join(" and "));
}

export function or(...parts: ODataFragment[]): ODataFragment {
  return fragment(parts.map((part) => `(${part.text})`).join(" or "));
}

/** `column in (…)` is not in Dataverse's OData dialect; an `or` of equalities is. Empty lists match nothing. */
export function isIn(columnName: string, values: readonly ODataFragment[]): ODataFragment {
  if (values.length === 0) return fragment("false");
  const name = column(columnName).text;
  return fragment(values.map((value) => `${name} eq ${value.text}`).join(" or "));
}

/** Alternate-key values are typed so a lookup's GUID is written bare and a choice as a number. */
export type KeyValue = ODataFragment | string | number | boolean;

/**
 * A key segment for a path: a GUID (`(00000000-…)`) or an alternate key (`(mag_xeroid='abc')`, composite keys
 * comma-separated): https://learn.microsoft.com/power-apps/developer/data-platform/use-alternate-key-reference-record#using-alternate-keys
 */
export function toKeySegment(key: string | Readonly<Record<string, KeyValue>>): string {
  if (typeof key === "string") return `(${toGuidLiteral(key).text})`;
  const parts = Object.entries(key).map(([name, value]) => {
    const literal = typeof value === "object" ? value : toLiteral(value);
    return `${column(name).text}=${literal.text}`;
  });
  if (parts.length === 0) throw invalid("an alternate key needs at least one column");
  return `(${parts.join(",")})`;
}

export interface ODataQuery {
  select?: readonly string[];
  filter?: ODataFragment;
  orderBy?: readonly string[];
  /** `$expand` items, e.g. `{ property: "invoice_details", select: ["quantity"] }`. */
  expand?: readonly ExpandItem[];
  top?: number;
  count?: boolean;
}

export interface ExpandItem {
  property: string;
  select?: readonly string[];
  filter?: ODataFragment;
  orderBy?: readonly string[];
  top?: number;
}

const orderPattern = /^[A-Za-z_][A-Za-z0-9_]*( (asc|desc))?$/;

function toOrderBy(items: readonly string[]): string {
  for (const item of items) if (!orderPattern.test(item)) throw invalid("not an order-by item");
  return items.join(",");
}

function toExpand(item: ExpandItem): string {
  const options: string[] = [];
  if (item.select !== undefined) options.push(`$select=${item.select.map((name) => column(name).text).join(",")}`);
  if (item.filter !== undefined) options.push(`$filter=${item.filter.text}`);
  if (item.orderBy !== undefined) options.push(`$orderby=${toOrderBy(item.orderBy)}`);
  if (item.top !== undefined) options.push(`$top=${Math.trunc(item.top)}`);
  const name = column(item.property).text;
  return options.length === 0 ? name : `${name}(${options.join(";")})`;
}

/** The query string (without `?`), each option value percent-encoded. */
export function toQueryString(query: ODataQuery): string {
  const options: [string, string][] = [];
  if (query.select !== undefined && query.select.length > 0) options.push(["$select", query.select.map((name) => column(name).text).join(",")]);
  if (query.filter !== undefined) options.push(["$filter", query.filter.text]);
  if (query.orderBy !== undefined && query.orderBy.length > 0) options.push(["$orderby", toOrderBy(query.orderBy)]);
  if (query.expand !== undefined && query.expand.length > 0) options.push(["$expand", query.expand.map(toExpand).join(",")]);
  if (query.top !== undefined) options.push(["$top", String(Math.trunc(query.top))]);
  if (query.count === true) options.push(["$count", "true"]);
  return options.map(([name, value]) => `${name}=${encodeURIComponent(value)}`).join("&");
}
