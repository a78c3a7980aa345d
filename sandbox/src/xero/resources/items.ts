// Items: GET (list, one by ItemID or Code), PUT (create), POST (create or update, update one).
// https://developer.xero.com/documentation/api/accounting/items
import { randomUUID } from "node:crypto";
import { XeroHttpError, toNotFound } from "../http/xero-errors";
import { toMsDate } from "../model/ms-date";
import { applyListQuery, toListQuery, type ListType } from "../query/list-query";
import type { ItemRecord, Tenant, XeroObject } from "../store/types";
import { saveBatch, type ElementOutcome } from "./batch";
import { bodyElements, toEnvelope, type Handler, type HandlerContext } from "./context";
import { findAccountByCode } from "./line-items";

const writableFields = [
  "Name",
  "Description",
  "PurchaseDescription",
  "PurchaseDetails",
  "SalesDetails",
  "IsSold",
  "IsPurchased",
  "InventoryAssetAccountCode",
] as const;

export const itemListType: ListType<ItemRecord> = {
  typeName: "Item",
  fields: new Set(["ItemID", "Code", "Name", "Description", "IsSold", "IsPurchased", "UpdatedDateUTC"]),
  toView: (item) => ({ ...item.fields, ItemID: item.ItemID, Code: item.Code, UpdatedDateUTC: item.UpdatedDateUTC }),
  updatedAt: (item) => item.UpdatedDateUTC,
  defaultOrder: "Code ASC",
};

export function toXeroItem(item: ItemRecord): XeroObject {
  return {
    ItemID: item.ItemID,
    Code: item.Code,
    ...item.fields,
    IsSold: item.fields["IsSold"] ?? true,
    IsPurchased: item.fields["IsPurchased"] ?? true,
    IsTrackedAsInventory: false,
    UpdatedDateUTC: toMsDate(item.UpdatedDateUTC),
  };
}

function findItem(tenant: Tenant, idOrCode: string): ItemRecord | undefined {
  return tenant.items.get(idOrCode.toLowerCase()) ?? [...tenant.items.values()].find((item) => item.Code === idOrCode);
}

function prepareItem(context: HandlerContext, element: XeroObject, existing: ItemRecord | undefined): ElementOutcome {
  const { tenant, now } = context;
  const code = typeof element["Code"] === "string" ? element["Code"] : existing?.Code;
  const errors: string[] = [];
  // Item codes are unique: https://developer.xero.com/documentation/api/accounting/items#post-items
  if (code === undefined || code.trim() === "") errors.push("Item code must be specified.");
  else {
    const clash = findItem(tenant, code);
    if (clash !== undefined && clash.ItemID !== existing?.ItemID && clash.Code === code)
      errors.push(`Item code '${code}' already exists.`);
  }
  for (const details of ["SalesDetails", "PurchaseDetails"] as const) {
    const given = element[details] as XeroObject | undefined;
    const accountCode = given?.["AccountCode"];
    if (typeof accountCode === "string" && findAccountByCode(tenant, accountCode)?.Status !== "ACTIVE")
      errors.push(`Account code '${accountCode}' is not a valid code for this document.`);
    const taxType = given?.["TaxType"];
    if (typeof taxType === "string" && tenant.taxRates.get(taxType)?.Status !== "ACTIVE")
      errors.push(`The TaxType code '${taxType}' does not exist or cannot be used with this type of transaction.`);
  }
  if (errors.length > 0 || code === undefined) return { ok: false, errors };
  return {
    ok: true,
    commit: () => {
      const fields: XeroObject = { ...existing?.fields };
      for (const name of writableFields) if (element[name] !== undefined) fields[name] = element[name];
      const record: ItemRecord = { ItemID: existing?.ItemID ?? randomUUID(), Code: code, UpdatedDateUTC: now, fields };
      tenant.items.set(record.ItemID, record);
      return toXeroItem(record);
    },
  };
}

export const getItems: Handler = (context) => {
  const { items } = applyListQuery(
    [...context.tenant.items.values()],
    itemListType,
    toListQuery(context.query, context.headers),
  );
  return { status: 200, body: toEnvelope(context, { Items: items.map(toXeroItem) }) };
};

export const getItem: Handler = (context) => {
  const item = findItem(context.tenant, context.params[0] ?? "");
  if (item === undefined) return toNotFound();
  return { status: 200, body: toEnvelope(context, { Items: [toXeroItem(item)] }) };
};

export const createItems: Handler = (context) =>
  saveBatch(context, bodyElements(context.body, "Items"), { collection: "Items" }, (element) =>
    prepareItem(context, element, undefined),
  );

export const updateOrCreateItems: Handler = (context) =>
  saveBatch(context, bodyElements(context.body, "Items"), { collection: "Items" }, (element) => {
    const id = element["ItemID"];
    const existing =
      typeof id === "string" && id !== ""
        ? context.tenant.items.get(id.toLowerCase())
        : findItem(context.tenant, typeof element["Code"] === "string" ? element["Code"] : "");
    if (typeof id === "string" && id !== "" && existing === undefined)
      return { ok: false, errors: ["Item could not be found"] };
    return prepareItem(context, element, existing);
  });

export const updateItem: Handler = (context) => {
  const item = findItem(context.tenant, context.params[0] ?? "");
  if (item === undefined) throw new XeroHttpError(toNotFound());
  return saveBatch(context, bodyElements(context.body, "Items").slice(0, 1), { collection: "Items" }, (element) =>
    prepareItem(context, element, item),
  );
};
