// Entity references in URLs and `@odata.bind` values: `accounts(<guid>)`, `invoices(mag_xeroid='INV-1')`,
// absolute or relative, or `$1` for a `Content-ID` earlier in the same change set.
// https://learn.microsoft.com/power-apps/developer/data-platform/webapi/retrieve-entity-using-web-api#retrieve-using-an-alternate-key
// https://learn.microsoft.com/power-apps/developer/data-platform/webapi/associate-disassociate-entities-using-web-api
import { badRequest, recordNotFound, recordNotFoundByKey, resourceNotFound } from "./errors";
import { splitTopLevel } from "./odata/query-options";
import type { SchemaIndex, TableIndex } from "./schema-index";
import type { OrgStore, Row } from "./store";
import { isLookupValue } from "./store";
import { guidPattern } from "./values";

export type KeySpec = { kind: "id"; id: string } | { kind: "alternate"; values: Map<string, string | number> };

/** Parses what sits between the parentheses of `set(…)`. */
export function parseKey(text: string): KeySpec {
  const trimmed = text.trim();
  if (guidPattern.test(trimmed)) return { kind: "id", id: trimmed.toLowerCase() };
  const values = new Map<string, string | number>();
  for (const pair of splitTopLevel(trimmed, ",")) {
    const equals = pair.indexOf("=");
    if (equals === -1)
      throw badRequest(`Bad Request - Error in query syntax: the key '${trimmed}' is not valid.`, "0x80060888");
    const name = pair.slice(0, equals).trim();
    const raw = pair.slice(equals + 1).trim();
    if (raw.startsWith("'") && raw.endsWith("'")) values.set(name, raw.slice(1, -1).replace(/''/g, "'"));
    else if (guidPattern.test(raw)) values.set(name, raw.toLowerCase());
    else if (/^-?\d+(\.\d+)?$/.test(raw)) values.set(name, Number(raw));
    else throw badRequest(`Bad Request - Error in query syntax: the key value '${raw}' is not valid.`, "0x80060888");
  }
  return { kind: "alternate", values };
}

const keyAttributeName = (name: string): string => /^_(.+)_value$/.exec(name)?.[1] ?? name;

const sameValue = (stored: Row[string] | undefined, wanted: string | number): boolean => {
  if (stored === undefined || stored === null) return false;
  const plain = isLookupValue(stored) ? stored.id : stored;
  return typeof plain === "string" && typeof wanted === "string"
    ? plain.toLowerCase() === wanted.toLowerCase()
    : plain === wanted;
};

/** Finds a row by id or alternate key; undefined when no row matches. Throws when the key is not defined. */
export function findRow(store: OrgStore, table: TableIndex, key: KeySpec): Row | undefined {
  if (key.kind === "id") return store.get(table.logicalName, key.id);
  const names = [...key.values.keys()].map(keyAttributeName).sort();
  const defined = table.meta.alternateKeys.some(
    (alternateKey) => [...alternateKey.keyAttributes].sort().join(",") === names.join(","),
  );
  if (!defined) {
    throw badRequest(
      `The key attribute(s) '${names.join(",")}' are not defined as an alternate key on the '${table.logicalName}' entity.`,
      "0x80060888",
    );
  }
  return store
    .list(table.logicalName)
    .find((row) => [...key.values].every(([name, value]) => sameValue(row[keyAttributeName(name)], value)));
}

export const describeKey = (key: KeySpec): string =>
  key.kind === "id" ? key.id : [...key.values].map(([name, value]) => `${name}=${String(value)}`).join(",");

export function requireRow(store: OrgStore, table: TableIndex, key: KeySpec): Row {
  const row = findRow(store, table, key);
  if (row !== undefined) return row;
  throw key.kind === "id"
    ? recordNotFound(table.logicalName, key.id)
    : recordNotFoundByKey(table.logicalName, describeKey(key));
}

export interface EntityReference {
  table: TableIndex;
  key: KeySpec;
}

/** Reads `[<web api url>|/]<set>(<key>)` into a table and a key. */
export function parseEntityReference(reference: string, webApiUrl: string, schema: SchemaIndex): EntityReference {
  let path = reference.trim();
  if (path.startsWith(webApiUrl)) path = path.slice(webApiUrl.length);
  else if (/^https?:\/\//.test(path)) {
    const marker = path.indexOf("/api/data/v9.");
    if (marker === -1)
      throw badRequest(`The URI '${reference}' is not valid because it is not based on '${webApiUrl}'.`, "0x80060888");
    path = path.slice(path.indexOf("/", marker + "/api/data/".length) + 1);
  }
  path = path.replace(/^\//, "");
  const match = /^([A-Za-z_][\w]*)\((.+)\)$/.exec(path);
  if (match?.[1] === undefined || match[2] === undefined)
    throw badRequest(`The URI '${reference}' is not valid for this operation.`, "0x80060888");
  const table = schema.byEntitySet.get(match[1]);
  if (table === undefined) throw resourceNotFound(match[1]);
  return { table, key: parseKey(match[2]) };
}
