// The Sales rules the emulator copies for invoices and their lines: calculated amounts, and which state an invoice
// must be in to be edited. Column meanings: https://learn.microsoft.com/power-apps/developer/data-platform/reference/entities/invoice
// and https://learn.microsoft.com/power-apps/developer/data-platform/reference/entities/invoicedetail
import type { Row, StoredValue } from "./store";
import { roundTo } from "./values";

const amount = (value: StoredValue | undefined): number => (typeof value === "number" ? value : 0);

/**
 * invoicedetail: baseamount = quantity × priceperunit; extendedamount = baseamount − manualdiscountamount
 * − volumediscountamount + tax (the "Extended Amount" of a line, tax included).
 */
export function toLineAmounts(line: Row): Record<string, number> {
  const baseamount = roundTo(amount(line["quantity"]) * amount(line["priceperunit"]), 4);
  const extendedamount = roundTo(
    baseamount - amount(line["manualdiscountamount"]) - amount(line["volumediscountamount"]) + amount(line["tax"]),
    4,
  );
  return { baseamount, extendedamount };
}

/**
 * invoice: totallineitemamount is the sum of the lines before tax (after their discounts), totaltax the sum of the
 * lines' tax, totalamount = totallineitemamount − invoice discount + freight + tax.
 */
export function toInvoiceTotals(invoice: Row, lines: Row[]): Record<string, number> {
  const sum = (pick: (line: Row) => number): number =>
    roundTo(
      lines.reduce((total, line) => total + pick(line), 0),
      4,
    );
  const totallineitemamount = sum(
    (line) => amount(line["baseamount"]) - amount(line["manualdiscountamount"]) - amount(line["volumediscountamount"]),
  );
  const totallineitemdiscountamount = sum((line) => amount(line["manualdiscountamount"]));
  const totaldiscountamount = roundTo(
    amount(invoice["discountamount"]) + (totallineitemamount * amount(invoice["discountpercentage"])) / 100,
    4,
  );
  const totalamountlessfreight = roundTo(totallineitemamount - totaldiscountamount, 4);
  const totaltax = sum((line) => amount(line["tax"]));
  const totalamount = roundTo(totalamountlessfreight + amount(invoice["freightamount"]) + totaltax, 4);
  return {
    totallineitemamount,
    totallineitemdiscountamount,
    totaldiscountamount,
    totalamountlessfreight,
    totaltax,
    totalamount,
  };
}

/**
 * An invoice that is Paid, Canceled or Closed is read-only: only statecode and statuscode may change, which is how it
 * is reopened. https://learn.microsoft.com/dynamics365/sales/dynamics-365-sales-privacy (the read-only states; only
 * administrators may update such records through the SDK) and
 * https://markcarrington.dev/2023/01/24/msdyn365-internals-read-only-sales-entities/ (updates beyond the state fail).
 */
export const isReadOnlyInvoice = (invoice: Row): boolean =>
  invoice["statecode"] !== 0 && invoice["statecode"] !== undefined;

export const stateColumns = new Set(["statecode", "statuscode"]);
