// OData query text is built only here, from validated parts, so a value can never change a query's meaning.
// Query options: https://learn.microsoft.com/power-apps/developer/data-platform/webapi/query/overview

const guidPattern = /^\{?([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})\}?$/;

/** A record id as Xrm returns it (`{ABC…}`) or bare, as the lowercase GUID the Web API expects; undefined when malformed. */
export function toGuid(id: string | null | undefined): string | undefined {
  const match = guidPattern.exec((id ?? "").trim());
  return match?.[1]?.toLowerCase();
}

/** Like `toGuid`, but a malformed id is a programming error. */
export function toGuidLiteral(id: string): string {
  const guid = toGuid(id);
  if (guid === undefined) throw new Error(`Not a record id: ${JSON.stringify(id)}`);
  return guid;
}

/**
 * The Web API names a lookup's value `_<logical name>_value` in results and filters.
 * https://learn.microsoft.com/power-apps/developer/data-platform/webapi/web-api-types-operations#lookup-properties
 */
export function toLookupValueName(lookupColumn: string): string {
  return `_${lookupColumn}_value`;
}

export interface ODataQuery {
  select: readonly string[];
  filter?: string;
  orderBy?: string;
  top?: number;
}

/** `?$select=…&$filter=…&$orderby=…&$top=…` for Xrm.WebApi's `options` argument. */
export function toQueryOptions(query: ODataQuery): string {
  const parts = [`$select=${query.select.join(",")}`];
  if (query.filter !== undefined) parts.push(`$filter=${query.filter}`);
  if (query.orderBy !== undefined) parts.push(`$orderby=${query.orderBy}`);
  if (query.top !== undefined) parts.push(`$top=${String(Math.max(1, Math.floor(query.top)))}`);
  return `?${parts.join("&")}`;
}

/** `column eq <guid>` with the id validated. */
export function eqGuid(column: string, id: string): string {
  return `${column} eq ${toGuidLiteral(id)}`;
}

/** `column ne <guid>` with the id validated. */
export function neGuid(column: string, id: string): string {
  return `${column} ne ${toGuidLiteral(id)}`;
}

/**
 * `Microsoft.Dynamics.CRM.In(PropertyName='…',PropertyValues=['…',…])` with every id validated.
 * https://learn.microsoft.com/power-apps/developer/data-platform/webapi/reference/in
 */
export function inGuids(column: string, ids: readonly string[]): string {
  const values = ids.map((id) => `'${toGuidLiteral(id)}'`).join(",");
  return `Microsoft.Dynamics.CRM.In(PropertyName='${column}',PropertyValues=[${values}])`;
}
