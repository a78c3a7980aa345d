// Create, update, upsert, delete, associate: the write side of the Web API over one organisation's store, with the
// schema enforced and the system columns kept. Every write records a change event for the webhook dispatcher.
// https://learn.microsoft.com/power-apps/developer/data-platform/webapi/create-entity-web-api
// https://learn.microsoft.com/power-apps/developer/data-platform/webapi/update-delete-entities-using-web-api
import { randomUUID } from "node:crypto";
import type { AttributeMetadata } from "../../../customizations/src/metadata";
import type { Clock } from "../clock";
import {
  badRequest,
  DataverseError,
  duplicateAlternateKey,
  duplicateRecord,
  invalidBodyProperty,
  invalidStatus,
  notValidFor,
  payloadError,
  recordNotFound,
  undeclaredProperty,
} from "./errors";
import { isReadOnlyInvoice, stateColumns, toInvoiceTotals, toLineAmounts } from "./invoice-rules";
import type { KeySpec } from "./references";
import { findRow, parseEntityReference, requireRow } from "./references";
import type { CollectionNavigation, SchemaIndex, TableIndex } from "./schema-index";
import { isLookup, stateName } from "./schema-index";
import type { LookupValue, OrgStore, Row, StoredValue } from "./store";
import type { Caller } from "./security";
import { isLookupValue } from "./store";
import { roundTo, toDataverseDateTime, toStoredValue } from "./values";

export interface OrgContext {
  name: string;
  organizationId: string;
  businessUnitId: string;
  /** The application user every client-credentials call runs as. */
  userId: string;
  store: OrgStore;
  schema: SchemaIndex;
  clock: Clock;
  /** `<org root>/api/data/v9.2/` */
  webApiUrl: string;
  /** The application user of the request being served; absent for the platform's own writes (seeds, tests). */
  caller?: Caller;
}

export interface ChangeEvent {
  message: "Create" | "Update";
  table: string;
  id: string;
  /** Columns the operation wrote (for Update: the changed ones). */
  attributes: string[];
  /** The row before an Update (for pre-images). */
  before?: Row;
}

export interface WriteSession {
  org: OrgContext;
  events: ChangeEvent[];
  /** `Content-ID` → the record a request in the same change set created. */
  contentIds: Map<string, { table: string; id: string }>;
}

export const newSession = (org: OrgContext): WriteSession => ({ org, events: [], contentIds: new Map() });

interface DeepInsert {
  navigation: string;
  target: CollectionNavigation;
  bodies: Array<Record<string, unknown>>;
}

interface ParsedBody {
  values: Map<string, StoredValue>;
  collections: DeepInsert[];
  singles: Array<{ attribute: AttributeMetadata; table: string; body: Record<string, unknown> }>;
}

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** Request bodies are JSON objects; anything else is the OData reader's error. */
export function requireObjectBody(body: unknown, table: TableIndex): Record<string, unknown> {
  if (isPlainObject(body)) return body;
  const kind = typeof body === "string" ? "PrimitiveValue" : Array.isArray(body) ? "StartArray" : "PrimitiveValue";
  throw payloadError(
    table.entitySetName,
    `An unexpected '${kind}' node was found when reading from the JSON reader. A 'StartObject' node was expected.`,
  );
}

function resolveBind(
  session: WriteSession,
  table: TableIndex,
  navigation: string,
  raw: unknown,
): { attribute: AttributeMetadata; value: LookupValue | null } {
  const lookup = table.lookupNavigations.get(navigation);
  if (lookup === undefined) throw undeclaredProperty(navigation, table.entitySetName);
  if (raw === null) return { attribute: lookup.attribute, value: null };
  if (typeof raw !== "string")
    throw payloadError(table.entitySetName, `The value of '${navigation}@odata.bind' must be a URI string.`);
  const { org } = session;
  const { table: targetTable, id } = resolveReference(session, raw);
  if (!lookup.targets.includes(targetTable)) {
    throw payloadError(
      table.entitySetName,
      `A reference to an entity of type 'Microsoft.Dynamics.CRM.${targetTable}' was found for the navigation property '${navigation}', which expects 'Microsoft.Dynamics.CRM.${lookup.targets.join("' or 'Microsoft.Dynamics.CRM.")}'.`,
    );
  }
  if (org.store.get(targetTable, id) === undefined) throw recordNotFound(targetTable, id);
  return { attribute: lookup.attribute, value: { id, table: targetTable } };
}

/** An existing record named by a URL (`accounts(<id>)`, a key, absolute or relative) or by `$<Content-ID>`. */
export function resolveReference(session: WriteSession, raw: string): { table: string; id: string } {
  const contentId = /^\$(\w+)$/.exec(raw.trim());
  if (contentId?.[1] !== undefined) {
    const created = session.contentIds.get(contentId[1]);
    if (created === undefined) {
      throw badRequest(`Content-ID reference '${raw}' does not match any request in the change set.`, "0x80060888");
    }
    return created;
  }
  const { org } = session;
  const reference = parseEntityReference(raw, org.webApiUrl, org.schema);
  const row = requireRow(org.store, reference.table, reference.key);
  return { table: reference.table.logicalName, id: row[reference.table.primaryId] as string };
}

function parseBody(session: WriteSession, table: TableIndex, body: Record<string, unknown>): ParsedBody {
  const parsed: ParsedBody = { values: new Map(), collections: [], singles: [] };
  for (const [key, raw] of Object.entries(body)) {
    if (key.startsWith("@")) continue;
    const at = key.indexOf("@");
    if (at !== -1) {
      const property = key.slice(0, at);
      if (key.slice(at + 1) !== "odata.bind") continue;
      const { attribute, value } = resolveBind(session, table, property, raw);
      if (value !== null && isLookupValue(parsed.values.get(attribute.logicalName))) {
        throw payloadError(table.entitySetName, `The lookup '${attribute.logicalName}' was bound more than once.`);
      }
      parsed.values.set(attribute.logicalName, value);
      continue;
    }
    const attribute = table.attributes.get(key);
    if (attribute !== undefined && !isLookup(attribute)) {
      parsed.values.set(key, toStoredValue(table, attribute, raw));
      continue;
    }
    const collection = table.collectionNavigations.get(key);
    if (collection !== undefined && Array.isArray(raw)) {
      parsed.collections.push({
        navigation: key,
        target: collection,
        bodies: raw.map((item) =>
          requireObjectBody(
            item,
            session.org.schema.table(collection.kind === "oneToMany" ? collection.childTable : collection.otherTable),
          ),
        ),
      });
      continue;
    }
    const single = table.lookupNavigations.get(key);
    if (single !== undefined && isPlainObject(raw)) {
      const target = single.targets[0];
      if (target === undefined || single.targets.length > 1)
        throw invalidBodyProperty(key, table.logicalName, table.entitySetName);
      parsed.singles.push({ attribute: single.attribute, table: target, body: raw });
      continue;
    }
    throw invalidBodyProperty(key, table.logicalName, table.entitySetName);
  }
  return parsed;
}

const nowText = (org: OrgContext): string => toDataverseDateTime(org.clock.now());

const userRef = (org: OrgContext): LookupValue => ({ id: org.userId, table: "systemuser" });

function defaultStatus(table: TableIndex, state: number): number | undefined {
  return table.attributes.get("statuscode")?.options?.find((option) => option.state === state)?.value;
}

/** statuscode must belong to statecode: https://learn.microsoft.com/power-apps/developer/data-platform/define-custom-state-model-transitions */
function checkStateAndStatus(table: TableIndex, row: Row, id: string): void {
  const state = row["statecode"];
  const status = row["statuscode"];
  if (typeof state !== "number" || typeof status !== "number") return;
  const option = table.attributes.get("statuscode")?.options?.find((candidate) => candidate.value === status);
  if (option?.state !== undefined && option.state !== state) {
    throw invalidStatus(status, stateName(table, state), table.logicalName, id);
  }
}

function checkAlternateKeys(store: OrgStore, table: TableIndex, row: Row, id: string): void {
  for (const key of table.meta.alternateKeys) {
    const values = key.keyAttributes.map((name) => row[name]);
    if (values.some((value) => value === undefined || value === null)) continue;
    const plain = values.map((value) => (isLookupValue(value) ? value.id : value));
    const clash = store.list(table.logicalName).find(
      (other) =>
        other[table.primaryId] !== id &&
        key.keyAttributes.every((name, index) => {
          const value = other[name];
          const mine = plain[index];
          const theirs = isLookupValue(value) ? value.id : value;
          return typeof theirs === "string" && typeof mine === "string"
            ? theirs.toLowerCase() === mine.toLowerCase()
            : theirs === mine;
        }),
    );
    if (clash !== undefined)
      throw duplicateAlternateKey(plain.map(String).join(", "), key.schemaName || key.logicalName);
  }
}

const only = (table: TableIndex, values: Record<string, StoredValue>): Record<string, StoredValue> =>
  Object.fromEntries(Object.entries(values).filter(([name]) => table.attributes.has(name)));

function baseCurrency(org: OrgContext): LookupValue | undefined {
  const organization = org.store.list("organization")[0];
  const base = organization?.["basecurrencyid"];
  if (isLookupValue(base)) return base;
  const first = org.store.list("transactioncurrency")[0];
  const id = first?.["transactioncurrencyid"];
  return typeof id === "string" ? { id, table: "transactioncurrency" } : undefined;
}

/** Lines take their price from the invoice's price list unless the price or the product is overridden. */
function priceFromList(org: OrgContext, line: Row): number | undefined {
  if (line["ispriceoverridden"] === true || line["isproductoverridden"] === true) return undefined;
  const product = line["productid"];
  const invoice = line["invoiceid"];
  if (!isLookupValue(product) || !isLookupValue(invoice)) return undefined;
  const priceLevel = org.store.get("invoice", invoice.id)?.["pricelevelid"];
  if (!isLookupValue(priceLevel)) return undefined;
  const unit = line["uomid"];
  const item = org.store.list("productpricelevel").find((candidate) => {
    const p = candidate["productid"];
    const l = candidate["pricelevelid"];
    const u = candidate["uomid"];
    return (
      isLookupValue(p) &&
      p.id === product.id &&
      isLookupValue(l) &&
      l.id === priceLevel.id &&
      (!isLookupValue(unit) || !isLookupValue(u) || u.id === unit.id)
    );
  });
  return typeof item?.["amount"] === "number" ? item["amount"] : undefined;
}

/** Table rules applied to a row before it is stored. */
function applyRules(session: WriteSession, table: TableIndex, row: Record<string, StoredValue>): void {
  const { org } = session;
  if (table.logicalName === "invoicedetail") {
    const invoice = row["invoiceid"];
    if (isLookupValue(invoice)) {
      const parent = org.store.get("invoice", invoice.id);
      if (parent !== undefined && isReadOnlyInvoice(parent)) throw readOnlyInvoice(invoice.id);
      // A line is always in its invoice's currency.
      const currency = parent?.["transactioncurrencyid"];
      if (isLookupValue(currency) && table.attributes.has("transactioncurrencyid"))
        row["transactioncurrencyid"] = currency;
    }
    const listed = priceFromList(org, row);
    if (listed !== undefined) row["priceperunit"] = listed;
    Object.assign(row, only(table, toLineAmounts(row)));
  }
  if (table.logicalName === "invoice") {
    const id = row[table.primaryId] as string;
    const lines = org.store.list("invoicedetail").filter((line) => parentInvoiceOf(line) === id);
    Object.assign(row, only(table, toInvoiceTotals(row, lines)));
  }
  const currencyAttribute = table.attributes.get("transactioncurrencyid");
  if (currencyAttribute !== undefined && isLookup(currencyAttribute) && !isLookupValue(row["transactioncurrencyid"])) {
    const priceLevel = row["pricelevelid"];
    const fromPriceLevel = isLookupValue(priceLevel)
      ? org.store.get("pricelevel", priceLevel.id)?.["transactioncurrencyid"]
      : undefined;
    const currency = isLookupValue(fromPriceLevel) ? fromPriceLevel : baseCurrency(org);
    if (currency !== undefined) row["transactioncurrencyid"] = currency;
  }
  Object.assign(row, toBaseAmounts(org, table, row));
}

/**
 * Rows in a currency keep its exchange rate and each money column's value in the base currency (`x_base`).
 * https://learn.microsoft.com/power-apps/developer/data-platform/transaction-currency-currency-entities
 */
function toBaseAmounts(org: OrgContext, table: TableIndex, row: Row): Record<string, StoredValue> {
  const currency = row["transactioncurrencyid"];
  if (!isLookupValue(currency) || !table.attributes.has("exchangerate")) return {};
  const rate = org.store.get("transactioncurrency", currency.id)?.["exchangerate"];
  if (typeof rate !== "number" || rate === 0) return {};
  const values: Record<string, StoredValue> = { exchangerate: rate };
  for (const attribute of table.attributes.values()) {
    const base = `${attribute.logicalName}_base`;
    const amount = row[attribute.logicalName];
    if (attribute.type === "Money" && table.attributes.has(base))
      values[base] = typeof amount === "number" ? roundTo(amount / rate, 4) : null;
  }
  return values;
}

const readOnlyInvoice = (id: string): DataverseError =>
  new DataverseError(
    400,
    "0x80040203",
    `Cannot perform the action because the record is read only: invoice ${id} is not Active, so only statecode and statuscode can change.`,
  );

function recomputeInvoice(session: WriteSession, invoiceId: string): void {
  const { org } = session;
  const table = org.schema.tables.get("invoice");
  const invoice = org.store.get("invoice", invoiceId);
  if (table === undefined || invoice === undefined) return;
  const lines = org.store.list("invoicedetail").filter((line) => {
    const parent = line["invoiceid"];
    return isLookupValue(parent) && parent.id === invoiceId;
  });
  const computed = only(table, toInvoiceTotals(invoice, lines));
  const totals = { ...computed, ...toBaseAmounts(org, table, { ...invoice, ...computed }) };
  const changed = Object.keys(totals).filter((name) => invoice[name] !== totals[name]);
  if (changed.length === 0) return;
  org.store.put("invoice", invoiceId, {
    ...invoice,
    ...totals,
    modifiedon: nowText(org),
    versionnumber: org.store.nextVersion(),
  });
  session.events.push({ message: "Update", table: "invoice", id: invoiceId, attributes: changed, before: invoice });
}

const parentInvoiceOf = (row: Row | undefined): string | undefined => {
  const parent = row?.["invoiceid"];
  return isLookupValue(parent) ? parent.id : undefined;
};

export interface CreateOptions {
  /** Key values from the URL of an upsert that creates. */
  presetValues?: Map<string, StoredValue>;
  presetId?: string;
}

export function createRow(
  session: WriteSession,
  table: TableIndex,
  rawBody: unknown,
  options: CreateOptions = {},
): string {
  const { org } = session;
  const body = requireObjectBody(rawBody, table);
  const parsed = parseBody(session, table, body);
  for (const [name] of parsed.values) {
    const attribute = table.attributes.get(name);
    if (attribute !== undefined && !attribute.isValidForCreate && name !== "statecode")
      throw notValidFor("create", name, table.logicalName);
  }
  for (const single of parsed.singles) {
    const id = createRow(session, org.schema.table(single.table), single.body);
    parsed.values.set(single.attribute.logicalName, { id, table: single.table });
  }
  const explicitId = parsed.values.get(table.primaryId);
  const id = (typeof explicitId === "string" ? explicitId : (options.presetId ?? randomUUID())).toLowerCase();
  if (org.store.get(table.logicalName, id) !== undefined) throw duplicateRecord();
  const row: Record<string, StoredValue> = {};
  for (const attribute of table.attributes.values()) {
    if (attribute.type === "Boolean" && attribute.isValidForCreate) row[attribute.logicalName] = false;
  }
  for (const [name, value] of options.presetValues ?? []) row[name] = value;
  for (const [name, value] of parsed.values) row[name] = value;
  row[table.primaryId] = id;
  // New rows start in the first state; for invoices: Active / New.
  const requestedState = row["statecode"];
  if (table.attributes.has("statecode")) {
    if (typeof requestedState === "number" && requestedState !== 0 && table.logicalName === "invoice") {
      throw notValidFor("create", "statecode", table.logicalName);
    }
    const state = typeof requestedState === "number" ? requestedState : 0;
    row["statecode"] = state;
    if (typeof row["statuscode"] !== "number") {
      const status = defaultStatus(table, state);
      if (status !== undefined) row["statuscode"] = status;
    }
    checkStateAndStatus(table, row, id);
  }
  const now = nowText(org);
  Object.assign(row, only(table, { createdon: now, modifiedon: now, versionnumber: org.store.nextVersion() }));
  for (const name of ["createdby", "modifiedby", "ownerid"]) {
    if (table.attributes.has(name) && !isLookupValue(row[name])) row[name] = userRef(org);
  }
  applyRules(session, table, row);
  checkAlternateKeys(org.store, table, row, id);
  org.store.put(table.logicalName, id, row);
  session.events.push({ message: "Create", table: table.logicalName, id, attributes: Object.keys(row) });
  for (const insert of parsed.collections) {
    for (const child of insert.bodies) {
      if (insert.target.kind === "oneToMany") {
        createRow(session, org.schema.table(insert.target.childTable), child, {
          presetValues: new Map([[insert.target.referencingAttribute, { id, table: table.logicalName }]]),
        });
      } else {
        const otherId = createRow(session, org.schema.table(insert.target.otherTable), child);
        associate(session, table, id, insert.navigation, { table: insert.target.otherTable, id: otherId });
      }
    }
  }
  const invoiceId = table.logicalName === "invoicedetail" ? parentInvoiceOf(row) : undefined;
  if (invoiceId !== undefined) recomputeInvoice(session, invoiceId);
  return id;
}

export function updateRow(session: WriteSession, table: TableIndex, existing: Row, rawBody: unknown): void {
  const { org } = session;
  const body = requireObjectBody(rawBody, table);
  const parsed = parseBody(session, table, body);
  const id = existing[table.primaryId] as string;
  if (parsed.collections.length > 0 || parsed.singles.length > 0) {
    throw badRequest("Deep insert is supported only when creating a record.", "0x80060888");
  }
  for (const [name, value] of parsed.values) {
    const attribute = table.attributes.get(name);
    if (attribute === undefined) continue;
    if (name === table.primaryId && value === id) {
      parsed.values.delete(name);
      continue;
    }
    // isproductoverridden is fixed when the line is created: https://learn.microsoft.com/power-apps/developer/data-platform/reference/entities/invoicedetail#BKMK_IsProductOverridden
    if (name === "isproductoverridden" && value !== existing[name])
      throw notValidFor("update", name, table.logicalName);
    if (!attribute.isValidForUpdate && value !== existing[name]) throw notValidFor("update", name, table.logicalName);
  }
  if (table.logicalName === "invoice" && isReadOnlyInvoice(existing)) {
    const other = [...parsed.values.keys()].find((name) => !stateColumns.has(name));
    if (other !== undefined) throw readOnlyInvoice(id);
  }
  const row: Record<string, StoredValue> = { ...existing };
  for (const [name, value] of parsed.values) row[name] = value;
  const changed = [...parsed.values.keys()];
  if (parsed.values.has("statecode") && !parsed.values.has("statuscode")) {
    const status = defaultStatus(table, row["statecode"] as number);
    if (status !== undefined) {
      row["statuscode"] = status;
      changed.push("statuscode");
    }
  }
  checkStateAndStatus(table, row, id);
  Object.assign(row, only(table, { modifiedon: nowText(org), versionnumber: org.store.nextVersion() }));
  if (table.attributes.has("modifiedby")) row["modifiedby"] = userRef(org);
  applyRules(session, table, row);
  checkAlternateKeys(org.store, table, row, id);
  org.store.put(table.logicalName, id, row);
  session.events.push({ message: "Update", table: table.logicalName, id, attributes: changed, before: existing });
  if (table.logicalName === "invoicedetail") {
    const before = parentInvoiceOf(existing);
    const after = parentInvoiceOf(row);
    for (const invoiceId of new Set([before, after])) if (invoiceId !== undefined) recomputeInvoice(session, invoiceId);
  }
}

export type UpsertCondition = "none" | "ifMatchAny" | "ifNoneMatchAny" | { etag: string };

export const toEtag = (row: Row): string => {
  const version = row["versionnumber"];
  return `W/"${typeof version === "number" ? version : 0}"`;
};

/**
 * PATCH on a key: update when the row exists, create when it does not (upsert). `If-Match: *` forbids the create,
 * `If-None-Match: *` forbids the update, `If-Match: <etag>` makes the update optimistic.
 * https://learn.microsoft.com/power-apps/developer/data-platform/webapi/perform-conditional-operations-using-web-api
 */
export function upsertRow(
  session: WriteSession,
  table: TableIndex,
  key: KeySpec,
  body: unknown,
  condition: UpsertCondition,
): { id: string; created: boolean } {
  const existing = findRow(session.org.store, table, key);
  if (existing !== undefined) {
    if (condition === "ifNoneMatchAny") throw duplicateRecord();
    if (typeof condition === "object" && condition.etag !== "*" && condition.etag !== toEtag(existing)) {
      throw new DataverseError(
        412,
        "0x80060882",
        "The version of the existing record doesn't match the RowVersion property provided.",
      );
    }
    updateRow(session, table, existing, body);
    return { id: existing[table.primaryId] as string, created: false };
  }
  if (condition === "ifMatchAny" || typeof condition === "object") {
    if (key.kind === "id") throw recordNotFound(table.logicalName, key.id);
    requireRow(session.org.store, table, key);
  }
  if (key.kind === "id") return { id: createRow(session, table, body, { presetId: key.id }), created: true };
  const presetValues = new Map<string, StoredValue>();
  for (const [name, value] of key.values) {
    const logical = /^_(.+)_value$/.exec(name)?.[1] ?? name;
    const attribute = table.attributes.get(logical);
    if (attribute === undefined) continue;
    const target = attribute.targets?.[0]?.table;
    presetValues.set(
      logical,
      isLookup(attribute) && target !== undefined ? { id: String(value), table: target } : value,
    );
  }
  return { id: createRow(session, table, body, { presetValues }), created: true };
}

export function deleteRow(session: WriteSession, table: TableIndex, row: Row): void {
  const { org } = session;
  const id = row[table.primaryId] as string;
  org.store.remove(table.logicalName, id);
  // Cascade: an invoice takes its lines with it; other children keep living with the link removed.
  for (const relationship of org.schema.metadata.oneToMany.filter(
    (candidate) => candidate.referencedEntity === table.logicalName,
  )) {
    const childTable = org.schema.tables.get(relationship.referencingEntity);
    if (childTable === undefined) continue;
    for (const child of org.store.list(childTable.logicalName)) {
      const link = child[relationship.referencingAttribute];
      if (!isLookupValue(link) || link.id !== id) continue;
      const childId = child[childTable.primaryId] as string;
      if (table.logicalName === "invoice" && childTable.logicalName === "invoicedetail")
        org.store.remove(childTable.logicalName, childId);
      else org.store.put(childTable.logicalName, childId, { ...child, [relationship.referencingAttribute]: null });
    }
  }
  for (const relationship of org.schema.metadata.manyToMany) {
    const links = org.store.links(relationship.schemaName);
    for (const link of [...links]) {
      const [one, two] = link.split("|");
      if (
        (relationship.entity1LogicalName === table.logicalName && one === id) ||
        (relationship.entity2LogicalName === table.logicalName && two === id)
      ) {
        links.delete(link);
      }
    }
  }
  if (table.logicalName === "invoicedetail") {
    const invoiceId = parentInvoiceOf(row);
    if (invoiceId !== undefined) recomputeInvoice(session, invoiceId);
  }
}

/**
 * `POST <set>(<id>)/<collection nav>/$ref` — N:N links a pair; 1:N sets the child's lookup.
 * https://learn.microsoft.com/power-apps/developer/data-platform/webapi/associate-disassociate-entities-using-web-api
 */
export function associate(
  session: WriteSession,
  table: TableIndex,
  id: string,
  navigation: string,
  other: { table: string; id: string },
): void {
  const { org } = session;
  const nav = table.collectionNavigations.get(navigation);
  if (nav === undefined) throw invalidBodyProperty(navigation, table.logicalName, table.entitySetName);
  const otherTable = nav.kind === "oneToMany" ? nav.childTable : nav.otherTable;
  if (other.table !== otherTable) {
    throw badRequest(
      `The entity reference of type '${other.table}' is not valid for the navigation property '${navigation}'.`,
      "0x80060888",
    );
  }
  if (org.store.get(other.table, other.id) === undefined) throw recordNotFound(other.table, other.id);
  if (nav.kind === "oneToMany") {
    const child = requireRow(org.store, org.schema.table(other.table), { kind: "id", id: other.id });
    updateRow(session, org.schema.table(other.table), child, {});
    const updated = org.store.get(other.table, other.id) ?? child;
    org.store.put(other.table, other.id, { ...updated, [nav.referencingAttribute]: { id, table: table.logicalName } });
    const last = session.events[session.events.length - 1];
    if (last !== undefined) last.attributes = [nav.referencingAttribute];
    return;
  }
  const pair = nav.fromEntity1 ? `${id}|${other.id}` : `${other.id}|${id}`;
  const links = org.store.links(nav.relationship.schemaName);
  if (links.has(pair)) throw new DataverseError(412, "0x80040237", "Cannot insert duplicate key.");
  links.add(pair);
}

export function disassociate(
  session: WriteSession,
  table: TableIndex,
  id: string,
  navigation: string,
  otherId: string | undefined,
): void {
  const { org } = session;
  const single = table.lookupNavigations.get(navigation);
  if (single !== undefined) {
    const row = requireRow(org.store, table, { kind: "id", id });
    updateRow(session, table, row, { [`${navigation}@odata.bind`]: null });
    return;
  }
  const nav = table.collectionNavigations.get(navigation);
  if (nav === undefined || otherId === undefined)
    throw invalidBodyProperty(navigation, table.logicalName, table.entitySetName);
  if (nav.kind === "oneToMany") {
    const childTable = org.schema.table(nav.childTable);
    const child = requireRow(org.store, childTable, { kind: "id", id: otherId });
    const link = child[nav.referencingAttribute];
    if (!isLookupValue(link) || link.id !== id) throw recordNotFound(nav.childTable, otherId);
    updateRow(session, childTable, child, {});
    const updated = org.store.get(nav.childTable, otherId) ?? child;
    org.store.put(nav.childTable, otherId, { ...updated, [nav.referencingAttribute]: null });
    return;
  }
  const pair = nav.fromEntity1 ? `${id}|${otherId}` : `${otherId}|${id}`;
  org.store.links(nav.relationship.schemaName).delete(pair);
}

/** Ids on the other side of a collection-valued navigation property. */
export function relatedRows(org: OrgContext, id: string, nav: CollectionNavigation): Row[] {
  if (nav.kind === "oneToMany") {
    return org.store.list(nav.childTable).filter((row) => {
      const link = row[nav.referencingAttribute];
      return isLookupValue(link) && link.id === id;
    });
  }
  const rows: Row[] = [];
  for (const link of org.store.links(nav.relationship.schemaName)) {
    const [one = "", two = ""] = link.split("|");
    const mine = nav.fromEntity1 ? one : two;
    const theirs = nav.fromEntity1 ? two : one;
    if (mine !== id) continue;
    const row = org.store.get(nav.otherTable, theirs);
    if (row !== undefined) rows.push(row);
  }
  return rows;
}
