// System query options: $select, $filter, $orderby, $top, $count, $expand (with nested options), $skiptoken.
// https://learn.microsoft.com/power-apps/developer/data-platform/webapi/query/overview
import type { AttributeMetadata } from "../../../../customizations/src/metadata";
import { badRequest, propertyNotFound } from "../errors";
import type { CollectionNavigation, LookupNavigation, SchemaIndex, TableIndex } from "../schema-index";
import { resolveProperty } from "../schema-index";
import type { FilterNode } from "./filter";
import { parseFilter } from "./filter";

export interface OrderBy {
  attribute: AttributeMetadata;
  descending: boolean;
}

export type ExpandTarget = ({ kind: "single" } & LookupNavigation) | CollectionNavigation;

export interface ExpandOption {
  navigation: string;
  target: ExpandTarget;
  table: TableIndex;
  options: QueryOptions;
}

export interface QueryOptions {
  select: AttributeMetadata[] | null;
  filter: FilterNode | null;
  orderBy: OrderBy[];
  top: number | null;
  count: boolean;
  expand: ExpandOption[];
  skipToken: number | null;
}

/** Splits on a separator outside parentheses and quotes. */
export function splitTopLevel(text: string, separator: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quoted = false;
  let current = "";
  for (const char of text) {
    if (char === "'") quoted = !quoted;
    if (!quoted && char === "(") depth += 1;
    if (!quoted && char === ")") depth -= 1;
    if (!quoted && depth === 0 && char === separator) {
      parts.push(current);
      current = "";
      continue;
    }
    current += char;
  }
  if (current.length > 0) parts.push(current);
  return parts.map((part) => part.trim()).filter((part) => part.length > 0);
}

const knownOptions = new Set([
  "$select",
  "$filter",
  "$orderby",
  "$top",
  "$count",
  "$expand",
  "$skiptoken",
  "$apply",
  "$format",
]);

/** `<cookie pagenumber="2" … />`, the shape of Dataverse's skip token (the emulator reads only the page number). */
export const toSkipToken = (page: number): string => `<cookie pagenumber="${page}" istracking="False" />`;

const fromSkipToken = (token: string): number => {
  const match = /pagenumber="(\d+)"/.exec(token);
  if (match?.[1] === undefined) throw badRequest("The $skiptoken is not valid.", "0x80060888");
  return Number(match[1]);
};

export function parseQueryOptions(
  entries: Array<[string, string]>,
  table: TableIndex,
  schema: SchemaIndex,
): QueryOptions {
  const options: QueryOptions = {
    select: null,
    filter: null,
    orderBy: [],
    top: null,
    count: false,
    expand: [],
    skipToken: null,
  };
  for (const [rawKey, value] of entries) {
    const key = rawKey.trim();
    if (!key.startsWith("$")) continue;
    if (!knownOptions.has(key)) throw badRequest(`The query parameter ${key} is not supported`, "0x80060888");
    switch (key) {
      case "$select":
        options.select = splitTopLevel(value, ",").map((name) => resolveProperty(table, name));
        break;
      case "$filter":
        options.filter = parseFilter(value, table, schema);
        break;
      case "$orderby":
        options.orderBy = splitTopLevel(value, ",").map((clause) => {
          const [name = "", direction = "asc"] = clause.split(/\s+/);
          if (direction !== "asc" && direction !== "desc")
            throw badRequest(`Syntax error in $orderby '${value}'.`, "0x80060888");
          return { attribute: resolveProperty(table, name), descending: direction === "desc" };
        });
        break;
      case "$top": {
        const top = Number(value);
        if (!Number.isInteger(top) || top < 0)
          throw badRequest(`Invalid value '${value}' for $top query option found.`, "0x80060888");
        options.top = top;
        break;
      }
      case "$count":
        if (value !== "true" && value !== "false")
          throw badRequest(`'${value}' is not a valid count option.`, "0x80060888");
        options.count = value === "true";
        break;
      case "$expand":
        options.expand = splitTopLevel(value, ",").map((clause) => parseExpand(clause, table, schema));
        break;
      case "$skiptoken":
        options.skipToken = fromSkipToken(value);
        break;
      default:
        break;
    }
  }
  return options;
}

function parseExpand(clause: string, table: TableIndex, schema: SchemaIndex): ExpandOption {
  const open = clause.indexOf("(");
  const navigation = (open === -1 ? clause : clause.slice(0, open)).trim();
  const inner = open === -1 ? "" : clause.slice(open + 1, clause.lastIndexOf(")"));
  const single = table.lookupNavigations.get(navigation);
  const collection = table.collectionNavigations.get(navigation);
  let target: ExpandTarget;
  let targetTable: TableIndex;
  if (single !== undefined) {
    target = { kind: "single", ...single };
    const first = single.targets[0];
    if (first === undefined || single.targets.length > 1) {
      throw badRequest(`Expanding the multi-table navigation property '${navigation}' is not supported.`, "0x80060888");
    }
    targetTable = schema.table(first);
  } else if (collection !== undefined) {
    target = collection;
    targetTable = schema.table(collection.kind === "oneToMany" ? collection.childTable : collection.otherTable);
  } else {
    throw propertyNotFound(navigation, table.logicalName);
  }
  const entries = splitTopLevel(inner, ";").map((part): [string, string] => {
    const equals = part.indexOf("=");
    return equals === -1 ? [part, ""] : [part.slice(0, equals), part.slice(equals + 1)];
  });
  const options = parseQueryOptions(entries, targetTable, schema);
  if (target.kind === "single" && (options.filter !== null || options.orderBy.length > 0 || options.top !== null)) {
    throw badRequest(
      `Only $select and $expand are supported when expanding the single-valued navigation property '${navigation}'.`,
      "0x80060888",
    );
  }
  return { navigation, target, table: targetTable, options };
}
