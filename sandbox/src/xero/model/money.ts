// Decimal rounding for money and quantities. Xero rounds half away from zero to 2 places (4 for unit amounts when
// unitdp=4): https://developer.xero.com/documentation/api/accounting/invoices#rounding

export function roundTo(value: number, places: number): number {
  const factor = 10 ** places;
  const scaled = Math.abs(value) * factor;
  // The small nudge absorbs binary noise such as 1.005 * 100 = 100.49999999999999.
  const rounded = Math.round(scaled + 1e-9) / factor;
  return value < 0 ? -rounded : rounded;
}

export const roundMoney = (value: number): number => roundTo(value, 2);

export function sum(values: readonly number[]): number {
  return roundMoney(values.reduce((total, value) => total + value, 0));
}
