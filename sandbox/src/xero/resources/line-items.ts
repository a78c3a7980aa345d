// Line items of invoices and credit notes: the references they must make (account codes, tax types, items, tracking)
// and the amounts Xero works out from them.
// https://developer.xero.com/documentation/api/accounting/invoices#line-items
// https://developer.xero.com/documentation/api/accounting/invoices#rounding
import { randomUUID } from "node:crypto";
import { roundMoney, roundTo, sum } from "../model/money";
import type { AccountRecord, LineAmountTypes, LineItemRecord, Tenant, Totals, XeroObject } from "../store/types";

export interface LineOptions {
  lineAmountTypes: LineAmountTypes;
  unitdp: 2 | 4;
  /** Approved documents need an account code on every line. */
  approved: boolean;
}

const asString = (value: unknown): string | undefined =>
  typeof value === "string" && value !== "" ? value : undefined;
const asNumber = (value: unknown): number | undefined =>
  typeof value === "number" && Number.isFinite(value) ? value : undefined;

export function findAccountByCode(tenant: Tenant, code: string): AccountRecord | undefined {
  for (const account of tenant.accounts.values()) if (account.Code === code) return account;
  return undefined;
}

function resolveAccount(tenant: Tenant, input: XeroObject, errors: string[]): AccountRecord | undefined {
  const code = asString(input["AccountCode"]);
  const id = asString(input["AccountID"]);
  // Account codes must exist and be active: https://developer.xero.com/documentation/api/accounting/invoices#line-items
  const account =
    code !== undefined ? findAccountByCode(tenant, code) : id !== undefined ? tenant.accounts.get(id) : undefined;
  if ((code !== undefined || id !== undefined) && (account === undefined || account.Status !== "ACTIVE")) {
    errors.push(`Account code '${code ?? id ?? ""}' is not a valid code for this document.`);
    return undefined;
  }
  return account;
}

function resolveTracking(tenant: Tenant, input: XeroObject, errors: string[]): LineItemRecord["Tracking"] {
  const tracking = Array.isArray(input["Tracking"]) ? (input["Tracking"] as XeroObject[]) : [];
  // At most two tracking categories, each naming an active category and one of its active options:
  // https://developer.xero.com/documentation/api/accounting/trackingcategories
  if (tracking.length > 2) errors.push("A maximum of 2 tracking categories can be used on a line item.");
  const out: LineItemRecord["Tracking"] = [];
  for (const entry of tracking) {
    const categoryId = asString(entry["TrackingCategoryID"]);
    const name = asString(entry["Name"]);
    const category = [...tenant.trackingCategories.values()].find(
      (candidate) =>
        candidate.Status === "ACTIVE" &&
        (candidate.TrackingCategoryID === categoryId ||
          (categoryId === undefined && candidate.Name.toLowerCase() === name?.toLowerCase())),
    );
    if (category === undefined) {
      errors.push(`The tracking category '${name ?? categoryId ?? ""}' is not valid.`);
      continue;
    }
    const optionId = asString(entry["TrackingOptionID"]);
    const optionName = asString(entry["Option"]);
    const option = category.Options.find(
      (candidate) =>
        candidate.Status === "ACTIVE" &&
        (candidate.TrackingOptionID === optionId ||
          (optionId === undefined && candidate.Name.toLowerCase() === optionName?.toLowerCase())),
    );
    if (option === undefined) {
      errors.push(
        `The tracking option '${optionName ?? optionId ?? ""}' is not valid for the tracking category '${category.Name}'.`,
      );
      continue;
    }
    out.push({
      TrackingCategoryID: category.TrackingCategoryID,
      TrackingOptionID: option.TrackingOptionID,
      Name: category.Name,
      Option: option.Name,
    });
  }
  return out;
}

/** Checks the lines against the organisation's settings and computes each line's amounts. */
export function toLineItems(
  tenant: Tenant,
  inputs: readonly XeroObject[],
  options: LineOptions,
): { lines: LineItemRecord[]; errors: string[] } {
  const errors: string[] = [];
  const lines = inputs.map((input): LineItemRecord => {
    const itemCode = asString(input["ItemCode"]);
    const item =
      itemCode === undefined ? undefined : [...tenant.items.values()].find((candidate) => candidate.Code === itemCode);
    if (itemCode !== undefined && item === undefined) errors.push(`Item code '${itemCode}' is not valid.`);
    // An item fills the line's description, price, account and tax type where the line leaves them out.
    const sales = (item?.fields["SalesDetails"] ?? {}) as XeroObject;
    const withItem: XeroObject = {
      ...(item === undefined
        ? {}
        : {
            Description: item.fields["Description"],
            UnitAmount: sales["UnitPrice"],
            AccountCode: sales["AccountCode"],
            TaxType: sales["TaxType"],
          }),
      ...Object.fromEntries(Object.entries(input).filter(([, value]) => value !== undefined && value !== null)),
    };
    const errorsBefore = errors.length;
    const account = resolveAccount(tenant, withItem, errors);
    if (options.approved && account === undefined && errors.length === errorsBefore) {
      errors.push("Account code must be specified for each line item on an approved document.");
    }
    let taxType = options.lineAmountTypes === "NoTax" ? "NONE" : (asString(withItem["TaxType"]) ?? account?.TaxType);
    // Tax types must exist and be active: https://developer.xero.com/documentation/api/accounting/taxrates
    const taxRate = taxType === undefined ? undefined : tenant.taxRates.get(taxType);
    if (taxType !== undefined && (taxRate === undefined || taxRate.Status !== "ACTIVE")) {
      errors.push(`The TaxType code '${taxType}' does not exist or cannot be used with this type of transaction.`);
      taxType = undefined;
    }
    const quantity = roundTo(asNumber(withItem["Quantity"]) ?? 1, 4);
    const given = asNumber(withItem["LineAmount"]);
    const unitAmount = roundTo(
      asNumber(withItem["UnitAmount"]) ?? (given !== undefined && quantity !== 0 ? given / quantity : 0),
      options.unitdp,
    );
    const discountRate = asNumber(withItem["DiscountRate"]);
    const lineAmount = roundMoney(quantity * unitAmount * (1 - (discountRate ?? 0) / 100));
    const rate = options.lineAmountTypes === "NoTax" ? 0 : (taxRate?.EffectiveRate ?? 0) / 100;
    const taxAmount =
      options.lineAmountTypes === "Inclusive"
        ? roundMoney(lineAmount - lineAmount / (1 + rate))
        : roundMoney(lineAmount * rate);
    const description = asString(withItem["Description"]);
    return {
      LineItemID: asString(input["LineItemID"]) ?? randomUUID(),
      ...(description === undefined ? {} : { Description: description }),
      Quantity: quantity,
      UnitAmount: unitAmount,
      ...(itemCode === undefined ? {} : { ItemCode: itemCode }),
      ...(account === undefined ? {} : { AccountCode: account.Code, AccountID: account.AccountID }),
      ...(taxType === undefined ? {} : { TaxType: taxType }),
      TaxAmount: taxAmount,
      LineAmount: lineAmount,
      ...(discountRate === undefined ? {} : { DiscountRate: discountRate }),
      Tracking: resolveTracking(tenant, withItem, errors),
    };
  });
  return { lines, errors };
}

/** SubTotal, TotalTax and Total: with Inclusive amounts the tax is inside the line amounts. */
export function toTotals(lines: readonly LineItemRecord[], lineAmountTypes: LineAmountTypes): Totals {
  const lineTotal = sum(lines.map((line) => line.LineAmount));
  const totalTax = sum(lines.map((line) => line.TaxAmount));
  if (lineAmountTypes === "Inclusive")
    return { SubTotal: roundMoney(lineTotal - totalTax), TotalTax: totalTax, Total: lineTotal };
  return { SubTotal: lineTotal, TotalTax: totalTax, Total: roundMoney(lineTotal + totalTax) };
}

export function fromLineItem(line: LineItemRecord): XeroObject {
  return {
    LineItemID: line.LineItemID,
    ...(line.Description === undefined ? {} : { Description: line.Description }),
    Quantity: line.Quantity,
    UnitAmount: line.UnitAmount,
    ...(line.ItemCode === undefined ? {} : { ItemCode: line.ItemCode }),
    ...(line.AccountCode === undefined ? {} : { AccountCode: line.AccountCode, AccountID: line.AccountID }),
    ...(line.TaxType === undefined ? {} : { TaxType: line.TaxType }),
    TaxAmount: line.TaxAmount,
    LineAmount: line.LineAmount,
    ...(line.DiscountRate === undefined ? {} : { DiscountRate: line.DiscountRate }),
    Tracking: line.Tracking.map((tracking) => ({ ...tracking })),
  };
}
