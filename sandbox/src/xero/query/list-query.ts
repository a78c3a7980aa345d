// The common read parameters of Xero's list endpoints: where, order, If-Modified-Since, page and pageSize.
// https://developer.xero.com/documentation/api/accounting/requests-and-responses
// Paging: `page` returns up to `pageSize` records (100 by default, at most 1000) and a `pagination` envelope.
// https://developer.xero.com/documentation/api/accounting/invoices#optional-parameters-for-get-invoices
import { XeroHttpError, toQueryParseError } from "../http/xero-errors";
import { fromXeroTimestamp } from "../model/ms-date";
import { WhereParseError, compileWhere, type FilterView } from "./where";

export interface ListQuery {
  where?: string;
  order?: string;
  ifModifiedSince?: number;
  page?: number;
  pageSize?: number;
}

export interface ListType<R> {
  typeName: string;
  fields: ReadonlySet<string>;
  toView(record: R): FilterView;
  updatedAt(record: R): number;
  defaultOrder: string;
}

export interface Pagination {
  page: number;
  pageSize: number;
  pageCount: number;
  itemCount: number;
}

export const defaultPageSize = 100;
export const maxPageSize = 1000;

export function toListQuery(query: URLSearchParams, headers: Record<string, string | string[] | undefined>): ListQuery {
  const out: ListQuery = {};
  const where = query.get("where");
  if (where !== null && where.trim() !== "") out.where = where;
  const order = query.get("order");
  if (order !== null && order.trim() !== "") out.order = order;
  const since = headers["if-modified-since"];
  if (typeof since === "string" && since !== "") {
    const at = fromXeroTimestamp(since);
    if (at !== undefined) out.ifModifiedSince = at;
  }
  const page = query.get("page");
  if (page !== null) out.page = Math.max(1, Number.parseInt(page, 10) || 1);
  const pageSize = query.get("pageSize");
  if (pageSize !== null) {
    out.pageSize = Math.min(maxPageSize, Math.max(1, Number.parseInt(pageSize, 10) || defaultPageSize));
    // A page size alone asks for paging: the first page.
    out.page ??= 1;
  }
  return out;
}

/** Filters, orders and pages records; throws a QueryParseException answer for what cannot be parsed. */
export function applyListQuery<R>(
  records: readonly R[],
  type: ListType<R>,
  query: ListQuery,
): { items: R[]; pagination?: Pagination } {
  let items = [...records];
  // If-Modified-Since returns records created or changed at or after the instant (UpdatedDateUTC).
  if (query.ifModifiedSince !== undefined) {
    const since = query.ifModifiedSince;
    items = items.filter((record) => type.updatedAt(record) >= since);
  }
  try {
    if (query.where !== undefined) {
      const predicate = compileWhere(query.where, type.typeName, type.fields);
      items = items.filter((record) => predicate(type.toView(record)));
    }
    items = sortBy(items, type, query.order ?? type.defaultOrder);
  } catch (error) {
    if (error instanceof WhereParseError) throw new XeroHttpError(toQueryParseError(error.message));
    throw error;
  }
  if (query.page === undefined) return { items };
  const pageSize = query.pageSize ?? defaultPageSize;
  const start = (query.page - 1) * pageSize;
  return {
    items: items.slice(start, start + pageSize),
    pagination: { page: query.page, pageSize, pageCount: Math.ceil(items.length / pageSize), itemCount: items.length },
  };
}

function sortBy<R>(items: R[], type: ListType<R>, order: string): R[] {
  const keys = order.split(",").map((part) => {
    const [field = "", direction = "ASC", ...rest] = part.trim().split(/\s+/);
    const upper = direction.toUpperCase();
    if (rest.length > 0 || (upper !== "ASC" && upper !== "DESC"))
      throw new WhereParseError(`Invalid order clause '${part.trim()}'`);
    if (!type.fields.has(field))
      throw new WhereParseError(`No property or field '${field}' exists in type '${type.typeName}'`);
    return { path: field.split("."), descending: upper === "DESC" };
  });
  const read = (record: R, path: readonly string[]): unknown => {
    let value: unknown = type.toView(record);
    for (const segment of path)
      value = value !== null && typeof value === "object" ? (value as Record<string, unknown>)[segment] : undefined;
    return typeof value === "string" ? value.toLowerCase() : value;
  };
  return items
    .map((record, index) => ({ record, index }))
    .sort((a, b) => {
      for (const key of keys) {
        const [x, y] = [read(a.record, key.path), read(b.record, key.path)];
        if (x === y) continue;
        if (x === undefined || x === null) return key.descending ? 1 : -1;
        if (y === undefined || y === null) return key.descending ? -1 : 1;
        const result = (x as number | string) < (y as number | string) ? -1 : 1;
        return key.descending ? -result : result;
      }
      return a.index - b.index;
    })
    .map((entry) => entry.record);
}

/** Comma-separated list parameters (IDs, Statuses, ContactIDs, InvoiceNumbers); undefined when absent. */
export function toListParameter(query: URLSearchParams, name: string): string[] | undefined {
  const value = query.get(name);
  if (value === null || value.trim() === "") return undefined;
  return value
    .split(",")
    .map((part) => part.trim())
    .filter((part) => part !== "");
}
