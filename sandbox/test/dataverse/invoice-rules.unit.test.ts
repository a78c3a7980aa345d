import { isReadOnlyInvoice, toInvoiceTotals, toLineAmounts } from "../../src/dataverse/invoice-rules";

describe("invoice amounts", () => {
  it("computes a line's base and extended amounts", () => {
    expect(toLineAmounts({ quantity: 3, priceperunit: 19.99, manualdiscountamount: 5, tax: 8.25 })).toStrictEqual({
      baseamount: 59.97,
      extendedamount: 63.22,
    });
    expect(toLineAmounts({ quantity: null, priceperunit: 10 })).toStrictEqual({ baseamount: 0, extendedamount: 0 });
  });

  it("sums lines before tax, then applies the invoice discount, freight and tax", () => {
    const lines = [
      { baseamount: 100, manualdiscountamount: 10, tax: 13.5 },
      { baseamount: 50, tax: 7.5 },
    ];
    expect(toInvoiceTotals({ discountpercentage: 10, discountamount: 4, freightamount: 20 }, lines)).toStrictEqual({
      totallineitemamount: 140,
      totallineitemdiscountamount: 10,
      totaldiscountamount: 18,
      totalamountlessfreight: 122,
      totaltax: 21,
      totalamount: 163,
    });
  });

  it("treats every state but Active as read-only", () => {
    expect(isReadOnlyInvoice({ statecode: 0 })).toBe(false);
    expect(isReadOnlyInvoice({ statecode: 2 })).toBe(true);
    expect(isReadOnlyInvoice({ statecode: 3 })).toBe(true);
  });
});
