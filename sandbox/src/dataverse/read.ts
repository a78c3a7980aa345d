// The read side: rows serialised as the Web API writes them (lookups as `_x_value`, `@odata.etag`, annotations on
// request), collections filtered, ordered, counted and paged, navigation properties expanded.
// https://learn.microsoft.com/power-apps/developer/data-platform/webapi/query/overview
// https://learn.microsoft.com/power-apps/developer/data-platform/webapi/query/page-results
import type { AttributeMetadata } from "../../../customizations/src/metadata";
import { evaluateFilter } from "./odata/filter";
import type { ExpandOption, OrderBy, QueryOptions } from "./odata/query-options";
import { toSkipToken } from "./odata/query-options";
import type { OrgContext } from "./operations";
import { relatedRows, toEtag } from "./operations";
import type { TableIndex } from "./schema-index";
import { isLookup, toPropertyName } from "./schema-index";
import type { LookupValue, Row } from "./store";
import { isLookupValue } from "./store";
import { toFormattedValue, toJsonValue } from "./values";

export const formattedValueAnnotation = "OData.Community.Display.V1.FormattedValue";
const lookupLogicalNameAnnotation = "Microsoft.Dynamics.CRM.lookuplogicalname";
const navigationAnnotation = "Microsoft.Dynamics.CRM.associatednavigationproperty";

/** Which annotations `Prefer: odata.include-annotations="…"` asked for. */
export type AnnotationFilter = (annotation: string) => boolean;

export function toAnnotationFilter(prefer: string | undefined): AnnotationFilter {
  const match = /odata\.include-annotations\s*=\s*"?([^";]*)"?/i.exec(prefer ?? "");
  const patterns = (match?.[1] ?? "")
    .split(",")
    .map((pattern) => pattern.trim())
    .filter((pattern) => pattern.length > 0 && !pattern.startsWith("-"));
  return (annotation) =>
    patterns.some(
      (pattern) =>
        pattern === "*" ||
        pattern === annotation ||
        (pattern.endsWith(".*") && annotation.startsWith(pattern.slice(0, -1))),
    );
}

export interface ReadContext {
  org: OrgContext;
  annotations: AnnotationFilter;
}

function lookupName(org: OrgContext, table: string, id: string): string | null {
  const target = org.schema.tables.get(table);
  const row = org.store.get(table, id);
  const name = target === undefined ? undefined : row?.[target.primaryName];
  return typeof name === "string" ? name : null;
}

function currencySymbol(org: OrgContext, row: Row): string {
  const currency = row["transactioncurrencyid"];
  const symbol = isLookupValue(currency)
    ? org.store.get("transactioncurrency", currency.id)?.["currencysymbol"]
    : undefined;
  return typeof symbol === "string" ? symbol : "$";
}

function navigationPropertyOf(attribute: AttributeMetadata, target: string): string | undefined {
  return attribute.targets?.find((candidate) => candidate.table === target)?.navigationProperty;
}

export function serializeRow(
  read: ReadContext,
  table: TableIndex,
  row: Row,
  select: AttributeMetadata[] | null,
  expand: ExpandOption[],
): Record<string, unknown> {
  const { org, annotations } = read;
  const output: Record<string, unknown> = { "@odata.etag": toEtag(row) };
  const columns = select ?? [...table.attributes.values()];
  const primary = table.attributes.get(table.primaryId);
  const withPrimary = primary !== undefined && !columns.includes(primary) ? [...columns, primary] : columns;
  const context = {
    currencySymbol: currencySymbol(org, row),
    lookupName: (target: string, id: string) => lookupName(org, target, id),
  };
  for (const attribute of withPrimary) {
    const property = toPropertyName(attribute);
    const value = row[attribute.logicalName];
    if (annotations(formattedValueAnnotation)) {
      const formatted = toFormattedValue(attribute, value, context);
      if (formatted !== null) output[`${property}@${formattedValueAnnotation}`] = formatted;
    }
    if (isLookup(attribute) && isLookupValue(value)) {
      const navigation = navigationPropertyOf(attribute, value.table);
      if (annotations(navigationAnnotation) && navigation !== undefined)
        output[`${property}@${navigationAnnotation}`] = navigation;
      if (annotations(lookupLogicalNameAnnotation)) output[`${property}@${lookupLogicalNameAnnotation}`] = value.table;
    }
    output[property] = toJsonValue(value);
  }
  for (const option of expand) output[option.navigation] = expandNavigation(read, row, table, option);
  return output;
}

function expandNavigation(read: ReadContext, row: Row, table: TableIndex, option: ExpandOption): unknown {
  const { org } = read;
  if (option.target.kind === "single") {
    const value = row[option.target.attribute.logicalName];
    if (!isLookupValue(value) || !option.target.targets.includes(value.table)) return null;
    const related = org.store.get(value.table, value.id);
    return related === undefined
      ? null
      : serializeRow(read, option.table, related, option.options.select, option.options.expand);
  }
  const id = row[table.primaryId] as string;
  const rows = selectRows(org, relatedRows(org, id, option.target), option.options);
  const limited = option.options.top === null ? rows : rows.slice(0, option.options.top);
  return limited.map((related) =>
    serializeRow(read, option.table, related, option.options.select, option.options.expand),
  );
}

function compareRows(order: OrderBy[]): (a: Row, b: Row) => number {
  const valueOf = (row: Row, attribute: AttributeMetadata): string | number | boolean | null => {
    const value = row[attribute.logicalName];
    if (value === undefined || value === null) return null;
    if (isLookupValue(value)) return value.id;
    return typeof value === "string" ? value.toLowerCase() : value;
  };
  return (a, b) => {
    for (const { attribute, descending } of order) {
      const left = valueOf(a, attribute);
      const right = valueOf(b, attribute);
      if (left === right) continue;
      // Nulls sort first in ascending order, as SQL Server sorts them.
      const result = left === null ? -1 : right === null ? 1 : left < right ? -1 : 1;
      return descending ? -result : result;
    }
    return 0;
  };
}

/** Filter and order, before counting and paging. */
export function selectRows(org: OrgContext, rows: Row[], options: QueryOptions): Row[] {
  const now = org.clock.now();
  const filter = options.filter;
  const related = (value: LookupValue): Row | undefined => org.store.get(value.table, value.id);
  // Children by parent, indexed once per query (a lambda is evaluated for every candidate row).
  const childIndexes = new Map<string, Map<string, Row[]>>();
  const children = (table: string, attribute: string, parentId: string): Row[] => {
    const key = `${table}|${attribute}`;
    let index = childIndexes.get(key);
    if (index === undefined) {
      index = new Map();
      for (const child of org.store.list(table)) {
        const link = child[attribute];
        if (!isLookupValue(link)) continue;
        const siblings = index.get(link.id.toLowerCase()) ?? [];
        siblings.push(child);
        index.set(link.id.toLowerCase(), siblings);
      }
      childIndexes.set(key, index);
    }
    return index.get(parentId.toLowerCase()) ?? [];
  };
  const filtered = filter === null ? rows : rows.filter((row) => evaluateFilter(filter, row, now, { related, children }));
  return options.orderBy.length === 0 ? filtered : [...filtered].sort(compareRows(options.orderBy));
}

export const defaultPageSize = 5000;

export function contextUrl(
  org: OrgContext,
  table: TableIndex,
  select: AttributeMetadata[] | null,
  entity: boolean,
): string {
  const columns = select === null ? "" : `(${select.map(toPropertyName).join(",")})`;
  return `${org.webApiUrl}$metadata#${table.entitySetName}${columns}${entity ? "/$entity" : ""}`;
}

export interface CollectionPage {
  body: Record<string, unknown>;
}

export function readCollection(
  read: ReadContext,
  table: TableIndex,
  source: Row[],
  options: QueryOptions,
  pageSize: number,
  requestUrl: URL,
): CollectionPage {
  const rows = selectRows(read.org, source, options);
  const body: Record<string, unknown> = { "@odata.context": contextUrl(read.org, table, options.select, false) };
  if (options.count) body["@odata.count"] = Math.min(rows.length, 5000);
  let page: Row[];
  let nextLink: string | undefined;
  if (options.top !== null) {
    page = rows.slice(0, options.top);
  } else {
    const pageNumber = options.skipToken ?? 1;
    const start = (pageNumber - 1) * pageSize;
    page = rows.slice(start, start + pageSize);
    if (start + pageSize < rows.length) {
      const next = new URL(requestUrl.toString());
      next.searchParams.set("$skiptoken", toSkipToken(pageNumber + 1));
      nextLink = next.toString();
    }
  }
  body["value"] = page.map((row) => serializeRow(read, table, row, options.select, options.expand));
  if (nextLink !== undefined) body["@odata.nextLink"] = nextLink;
  return { body };
}
