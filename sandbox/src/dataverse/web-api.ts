// Routes one Web API request (already authenticated) to the read or write side and shapes the answer. Used by the
// HTTP server and, per operation, by `$batch`.
// https://learn.microsoft.com/power-apps/developer/data-platform/webapi/compose-http-requests-handle-errors
import type { AttributeMetadata, TableMetadata } from "../../../customizations/src/metadata";
import {
  badRequest,
  DataverseError,
  ensureDataverseError,
  methodNotAllowed,
  propertyNotFound,
  resourceNotFound,
  versionMismatch,
} from "./errors";
import { evaluateFilter } from "./odata/filter";
import type { QueryOptions } from "./odata/query-options";
import { parseQueryOptions, splitTopLevel } from "./odata/query-options";
import type { OrgContext, UpsertCondition, WriteSession } from "./operations";
import {
  associate,
  createRow,
  deleteRow,
  disassociate,
  relatedRows,
  resolveReference,
  toEtag,
  upsertRow,
} from "./operations";
import { contextUrl, defaultPageSize, readCollection, serializeRow, toAnnotationFilter } from "./read";
import type { KeySpec } from "./references";
import { findRow, parseEntityReference, parseKey, requireRow } from "./references";
import type { SchemaIndex, TableIndex } from "./schema-index";
import { buildSchemaIndex } from "./schema-index";
import { requirePrivilege } from "./security";
import { readOnlyPlatformTables } from "./solutions";

export interface WebApiRequest {
  method: string;
  /** Absolute URL of the request. */
  url: URL;
  headers: Record<string, string | undefined>;
  body: string;
}

export interface WebApiResponse {
  status: number;
  headers: Record<string, string>;
  body?: string;
}

const jsonHeaders = { "Content-Type": "application/json; odata.metadata=minimal", "OData-Version": "4.0" };

const json = (status: number, body: unknown, headers: Record<string, string> = {}): WebApiResponse => ({
  status,
  headers: { ...jsonHeaders, ...headers },
  body: JSON.stringify(body),
});

export const errorResponse = (error: DataverseError): WebApiResponse =>
  json(error.status, error.toBody(), error.headers);

const noContent = (headers: Record<string, string> = {}): WebApiResponse => ({
  status: 204,
  headers: { "OData-Version": "4.0", ...headers },
});

const header = (request: WebApiRequest, name: string): string | undefined => request.headers[name.toLowerCase()];

const maxPageSize = (request: WebApiRequest): number => {
  const match = /odata\.maxpagesize\s*=\s*(\d+)/i.exec(header(request, "prefer") ?? "");
  return match?.[1] === undefined ? defaultPageSize : Math.min(Number(match[1]), defaultPageSize);
};

const wantsRepresentation = (request: WebApiRequest): boolean =>
  /return\s*=\s*representation/i.test(header(request, "prefer") ?? "");

const queryEntries = (url: URL): Array<[string, string]> => [...url.searchParams.entries()];

function parseJsonBody(request: WebApiRequest, table: TableIndex): unknown {
  // The Web API reads JSON only: a body sent as text/plain (fetch's default for a string) is refused.
  const contentType = header(request, "content-type") ?? "";
  if (!/^application\/json\b/i.test(contentType.trim())) {
    const mediaType = contentType.split(";")[0]?.trim() ?? "";
    throw new DataverseError(
      415,
      "",
      `The request entity's media type '${mediaType}' is not supported for this resource.`,
    );
  }
  try {
    return JSON.parse(request.body) as unknown;
  } catch {
    throw badRequest(
      `Error identified in Payload provided by the user for Entity :'${table.entitySetName}', For more information on this error please follow this help link https://go.microsoft.com/fwlink/?linkid=2195293  ---->  InnerException : Microsoft.OData.ODataException: Invalid JSON. An unexpected token was found in the payload.`,
      "0x80048d19",
    );
  }
}

interface Segment {
  name: string;
  key?: string;
}

function toSegments(path: string): Segment[] {
  return splitTopLevel(path, "/").map((part) => {
    const open = part.indexOf("(");
    if (open === -1 || !part.endsWith(")")) return { name: part };
    return { name: part.slice(0, open), key: part.slice(open + 1, -1) };
  });
}

const entityIdHeader = (org: OrgContext, table: TableIndex, id: string): Record<string, string> => ({
  "OData-EntityId": `${org.webApiUrl}${table.entitySetName}(${id})`,
});

function upsertCondition(request: WebApiRequest): UpsertCondition {
  const ifMatch = header(request, "if-match");
  const ifNoneMatch = header(request, "if-none-match");
  if (ifNoneMatch?.trim() === "*") return "ifNoneMatchAny";
  if (ifMatch === undefined) return "none";
  return ifMatch.trim() === "*" ? "ifMatchAny" : { etag: ifMatch.trim() };
}

/** `EntityDefinitions` answers only the few properties clients use to find entity set names. */
const entityDefinitionColumns = [
  "LogicalName",
  "SchemaName",
  "EntitySetName",
  "LogicalCollectionName",
  "PrimaryIdAttribute",
  "PrimaryNameAttribute",
  "MetadataId",
  "IsCustomEntity",
];

const definitionAttribute = (name: string): AttributeMetadata => ({
  logicalName: name,
  schemaName: name,
  displayName: name,
  type: name === "IsCustomEntity" ? "Boolean" : "String",
  requiredLevel: "None",
  isValidForCreate: false,
  isValidForUpdate: false,
});

/** EntityMetadata as a one-table schema, so `$select` and `$filter` on definitions reuse the OData parser. */
const definitionsSchema: SchemaIndex = buildSchemaIndex({
  version: "0",
  tables: [
    {
      logicalName: "EntityMetadata",
      schemaName: "EntityMetadata",
      entitySetName: "EntityDefinitions",
      displayName: "Entity",
      primaryIdAttribute: "MetadataId",
      primaryNameAttribute: "LogicalName",
      isCustomEntity: false,
      ownershipType: "OrganizationOwned",
      attributes: entityDefinitionColumns.map(definitionAttribute),
      alternateKeys: [],
    },
  ],
  oneToMany: [],
  manyToMany: [],
});
const entityMetadataTable: TableIndex = definitionsSchema.table("EntityMetadata");

function toDefinitionRow(table: TableMetadata): Record<string, string | boolean> {
  return {
    LogicalName: table.logicalName,
    SchemaName: table.schemaName,
    EntitySetName: table.entitySetName,
    LogicalCollectionName: table.entitySetName,
    PrimaryIdAttribute: table.primaryIdAttribute,
    PrimaryNameAttribute: table.primaryNameAttribute,
    MetadataId: metadataId(table.logicalName),
    IsCustomEntity: table.isCustomEntity,
  };
}

const metadataId = (name: string): string => {
  let hash = 0;
  for (const char of name) hash = (hash * 31 + char.charCodeAt(0)) >>> 0;
  const hex = hash.toString(16).padStart(8, "0");
  return `${hex}-0000-4000-8000-${hex}0000`;
};

/**
 * `EntityDefinitions(LogicalName='x')` and `EntityDefinitions?$filter=LogicalName eq 'x'`.
 * https://learn.microsoft.com/power-apps/developer/data-platform/webapi/query-metadata-web-api
 */
function entityDefinitions(org: OrgContext, request: WebApiRequest, key: string | undefined): WebApiResponse {
  const options = parseQueryOptions(queryEntries(request.url), entityMetadataTable, definitionsSchema);
  const rows = org.schema.metadata.tables.map(toDefinitionRow);
  const pick = (row: Record<string, string | boolean>): Record<string, unknown> => {
    const columns = options.select?.map((attribute) => attribute.logicalName) ?? entityDefinitionColumns;
    return Object.fromEntries([...new Set([...columns, "MetadataId"])].map((name) => [name, row[name]]));
  };
  const base = `${org.webApiUrl}$metadata#EntityDefinitions`;
  if (key !== undefined) {
    const spec = parseKey(key);
    const logicalName = spec.kind === "alternate" ? spec.values.get("LogicalName") : undefined;
    const row = rows.find(
      (candidate) =>
        candidate["LogicalName"] === logicalName || (spec.kind === "id" && candidate["MetadataId"] === spec.id),
    );
    if (row === undefined)
      throw new DataverseError(404, "0x80040217", `Could not find entity with logical name '${String(logicalName)}'.`);
    return json(200, { "@odata.context": `${base}/$entity`, ...pick(row) });
  }
  const filter = options.filter;
  const now = org.clock.now();
  const matching = filter === null ? rows : rows.filter((row) => evaluateFilter(filter, row, now));
  return json(200, { "@odata.context": base, value: matching.map(pick) });
}

function whoAmI(org: OrgContext): WebApiResponse {
  // https://learn.microsoft.com/power-apps/developer/data-platform/webapi/reference/whoami
  return json(200, {
    "@odata.context": `${org.webApiUrl}$metadata#Microsoft.Dynamics.CRM.WhoAmIResponse`,
    BusinessUnitId: org.businessUnitId,
    UserId: org.userId,
    OrganizationId: org.organizationId,
  });
}

function serviceDocument(org: OrgContext): WebApiResponse {
  return json(200, {
    "@odata.context": `${org.webApiUrl}$metadata`,
    value: org.schema.metadata.tables.map((table) => ({
      name: table.entitySetName,
      kind: "EntitySet",
      url: table.entitySetName,
    })),
  });
}

export interface RouteOptions {
  session: WriteSession;
  /** The path after `…/api/data/v9.2/`, already resolved for `$n` Content-ID references. */
  path: string;
  /** Content-ID of this request inside a change set. */
  contentId?: string;
}

/** Serves one request; write errors propagate so a change set can roll back. */
export function routeWebApi(request: WebApiRequest, route: RouteOptions): WebApiResponse {
  const { session } = route;
  const { org } = session;
  const segments = toSegments(route.path);
  const [first, second, third] = segments;
  const method = request.method.toUpperCase();
  if (first === undefined) return serviceDocument(org);
  if (first.name === "WhoAmI" || first.name === "WhoAmI()") {
    if (method !== "GET") throw methodNotAllowed(request.url.toString());
    return whoAmI(org);
  }
  if (first.name === "EntityDefinitions") {
    if (method !== "GET" || second !== undefined) throw methodNotAllowed(request.url.toString());
    return entityDefinitions(org, request, first.key);
  }
  const table = org.schema.tableBySet(first.name);
  if (method !== "GET" && readOnlyPlatformTables.has(table.logicalName)) throw methodNotAllowed(request.url.toString());
  const read = { org, annotations: toAnnotationFilter(header(request, "prefer")) };
  if (first.key === undefined) {
    if (second !== undefined) throw resourceNotFound(second.name);
    if (method === "GET") {
      requirePrivilege(org, table, "Read");
      const options = parseQueryOptions(queryEntries(request.url), table, org.schema);
      const page = readCollection(
        read,
        table,
        org.store.list(table.logicalName),
        options,
        maxPageSize(request),
        request.url,
      );
      return json(200, page.body, preferenceApplied(request));
    }
    if (method === "POST") {
      requirePrivilege(org, table, "Create");
      const id = createRow(session, table, parseJsonBody(request, table));
      if (route.contentId !== undefined) session.contentIds.set(route.contentId, { table: table.logicalName, id });
      return afterWrite(request, org, table, id, 201);
    }
    throw methodNotAllowed(request.url.toString());
  }
  const key = parseKey(first.key);
  if (second === undefined) return entityRequest(request, route, table, key);
  return navigationRequest(request, route, table, key, second, third);
}

function preferenceApplied(request: WebApiRequest): Record<string, string> {
  const applied: string[] = [];
  const prefer = header(request, "prefer") ?? "";
  const pageSize = /odata\.maxpagesize\s*=\s*\d+/i.exec(prefer);
  if (pageSize !== null) applied.push(pageSize[0]);
  const annotations = /odata\.include-annotations\s*=\s*"?[^";,]*"?/i.exec(prefer);
  if (annotations !== null) applied.push(annotations[0]);
  return applied.length === 0 ? {} : { "Preference-Applied": applied.join(",") };
}

function afterWrite(
  request: WebApiRequest,
  org: OrgContext,
  table: TableIndex,
  id: string,
  createdStatus: 201 | 200,
): WebApiResponse {
  if (!wantsRepresentation(request)) return noContent(entityIdHeader(org, table, id));
  const options = parseQueryOptions(queryEntries(request.url), table, org.schema);
  const row = requireRow(org.store, table, { kind: "id", id });
  const read = { org, annotations: toAnnotationFilter(header(request, "prefer")) };
  return json(
    createdStatus,
    {
      "@odata.context": contextUrl(org, table, options.select, true),
      ...serializeRow(read, table, row, options.select, options.expand),
    },
    { ...entityIdHeader(org, table, id), "Preference-Applied": "return=representation" },
  );
}

function entityRequest(request: WebApiRequest, route: RouteOptions, table: TableIndex, key: KeySpec): WebApiResponse {
  const { session } = route;
  const { org } = session;
  const method = request.method.toUpperCase();
  if (method === "GET") {
    requirePrivilege(org, table, "Read");
    const options = parseQueryOptions(queryEntries(request.url), table, org.schema);
    const row = requireRow(org.store, table, key);
    const ifNoneMatch = header(request, "if-none-match");
    if (ifNoneMatch !== undefined && ifNoneMatch === toEtag(row))
      return { status: 304, headers: { "OData-Version": "4.0" } };
    const read = { org, annotations: toAnnotationFilter(header(request, "prefer")) };
    return json(
      200,
      {
        "@odata.context": contextUrl(org, table, options.select, true),
        ...serializeRow(read, table, row, options.select, options.expand),
      },
      preferenceApplied(request),
    );
  }
  if (method === "PATCH") {
    // An upsert is an update of a row that exists and a create otherwise: each needs its own privilege.
    requirePrivilege(org, table, findRow(org.store, table, key) === undefined ? "Create" : "Write");
    const { id, created } = upsertRow(session, table, key, parseJsonBody(request, table), upsertCondition(request));
    if (route.contentId !== undefined) session.contentIds.set(route.contentId, { table: table.logicalName, id });
    return afterWrite(request, org, table, id, created ? 201 : 200);
  }
  if (method === "DELETE") {
    requirePrivilege(org, table, "Delete");
    const row = requireRow(org.store, table, key);
    const ifMatch = header(request, "if-match");
    if (ifMatch !== undefined && ifMatch.trim() !== "*" && ifMatch.trim() !== toEtag(row)) {
      throw versionMismatch();
    }
    deleteRow(session, table, row);
    return noContent();
  }
  throw methodNotAllowed(request.url.toString());
}

function navigationRequest(
  request: WebApiRequest,
  route: RouteOptions,
  table: TableIndex,
  key: KeySpec,
  nav: Segment,
  ref: Segment | undefined,
): WebApiResponse {
  const { session } = route;
  const { org } = session;
  const method = request.method.toUpperCase();
  requirePrivilege(org, table, method === "GET" ? "Read" : "Append");
  const row = requireRow(org.store, table, key);
  const id = row[table.primaryId] as string;
  const single = table.lookupNavigations.get(nav.name);
  const collection = table.collectionNavigations.get(nav.name);
  if (single === undefined && collection === undefined) throw propertyNotFound(nav.name, table.logicalName);
  if (ref === undefined) {
    if (method !== "GET" || nav.key !== undefined) throw methodNotAllowed(request.url.toString());
    const read = { org, annotations: toAnnotationFilter(header(request, "prefer")) };
    if (single !== undefined) {
      const value = row[single.attribute.logicalName];
      const related = value !== null && typeof value === "object" ? org.store.get(value.table, value.id) : undefined;
      if (related === undefined || value === null || typeof value !== "object" || !single.targets.includes(value.table))
        return noContent();
      const target = org.schema.table(value.table);
      const options = parseQueryOptions(queryEntries(request.url), target, org.schema);
      return json(200, {
        "@odata.context": contextUrl(org, target, options.select, true),
        ...serializeRow(read, target, related, options.select, options.expand),
      });
    }
    const nav2 = collection as NonNullable<typeof collection>;
    const target = org.schema.table(nav2.kind === "oneToMany" ? nav2.childTable : nav2.otherTable);
    const options: QueryOptions = parseQueryOptions(queryEntries(request.url), target, org.schema);
    const page = readCollection(read, target, relatedRows(org, id, nav2), options, maxPageSize(request), request.url);
    return json(200, page.body, preferenceApplied(request));
  }
  if (ref.name !== "$ref") throw resourceNotFound(ref.name);
  if (method === "POST" && collection !== undefined) {
    const body = parseJsonBody(request, table) as Record<string, unknown> | null;
    const target = body?.["@odata.id"];
    if (typeof target !== "string")
      throw badRequest("The payload of an associate request must carry '@odata.id'.", "0x80048d19");
    associate(session, table, id, nav.name, resolveReference(session, target));
    return noContent();
  }
  if (method === "PUT" && single !== undefined) {
    const body = parseJsonBody(request, table) as Record<string, unknown> | null;
    const target = body?.["@odata.id"];
    if (typeof target !== "string")
      throw badRequest("The payload of an associate request must carry '@odata.id'.", "0x80048d19");
    upsertRow(session, table, { kind: "id", id }, { [`${nav.name}@odata.bind`]: target }, "ifMatchAny");
    return noContent();
  }
  if (method === "DELETE") {
    let otherId = nav.key === undefined ? undefined : parseKey(nav.key);
    const idParameter = request.url.searchParams.get("$id");
    if (otherId === undefined && idParameter !== null)
      otherId = parseEntityReference(idParameter, org.webApiUrl, org.schema).key;
    disassociate(session, table, id, nav.name, otherId?.kind === "id" ? otherId.id : undefined);
    return noContent();
  }
  throw methodNotAllowed(request.url.toString());
}

/** Serves one request outside a change set: errors become Dataverse's error answers. */
export function serveWebApi(request: WebApiRequest, route: RouteOptions): WebApiResponse {
  try {
    return routeWebApi(request, route);
  } catch (thrown) {
    return errorResponse(ensureDataverseError(thrown));
  }
}
