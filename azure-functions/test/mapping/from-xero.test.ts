// The Xero → Dynamics 365 tables, one test per table of the reference docs: Xero's payload in, the model and the
// Dataverse columns out (toStrictEqual), plus the codecs' round trips.
import fc from "fast-check";
import * as generated from "../../src/generated/dataverse";
import { addressLine3From3And4, phoneFromParts, xeroTimestamp } from "../../src/mapping/codecs-from-xero";
import { accountFromXeroContact } from "../../src/mapping/contact-from-xero";
import {
  fromXeroContact,
  fromXeroCreditNote,
  fromXeroInvoice,
  fromXeroPayment,
  toAccountColumns,
  toCreditNoteColumns,
  toInvoiceColumns,
  toLineColumns,
  toPaymentColumns,
} from "../../src/mapping/convert-from-xero";
import { creditNoteAllocationFromXero } from "../../src/mapping/credit-note-from-xero";
import type { MappingTable } from "../../src/mapping/engine";
import { invoiceFromXero, lineItemFromXero, lineTrackingFromXero } from "../../src/mapping/invoice-from-xero";
import { paymentFromXero } from "../../src/mapping/payment-from-xero";

const ids = {
  payment: "0f1e2d3c-4b5a-4678-9a0b-1c2d3e4f5a6b",
  invoice: "11111111-2222-4333-8444-555555555555",
  creditNote: "22222222-3333-4444-8555-666666666666",
  contact: "33333333-4444-4555-8666-777777777777",
  theme: "44444444-5555-4666-8777-888888888888",
};

describe("codecs (Xero → Dynamics 365)", () => {
  test("UpdatedDateUTC ↔ ISO instant round-trips to the millisecond", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 7_000_000_000_000 }),
        (ms) => xeroTimestamp.decode(xeroTimestamp.encode(new Date(ms).toISOString())) === new Date(ms).toISOString(),
      ),
    );
    expect(xeroTimestamp.decode("/Date(1772445600123+0000)/")).toBe("2026-03-02T10:00:00.123Z");
    expect(() => xeroTimestamp.decode("yesterday")).toThrow(RangeError);
  });

  test("address lines 3 and 4 join with a comma, and split back", () => {
    expect(addressLine3From3And4.decode({ AddressLine3: "Suite 5", AddressLine4: "Rear entrance" })).toBe(
      "Suite 5, Rear entrance",
    );
    expect(addressLine3From3And4.decode({ AddressLine3: "Suite 5" })).toBe("Suite 5");
    expect(addressLine3From3And4.decode({ AddressLine4: "Rear entrance" })).toBe("Rear entrance");
    expect(addressLine3From3And4.decode({ AddressLine3: " ", AddressLine4: "" })).toBeUndefined();
    expect(addressLine3From3And4.encode("Suite 5, Rear entrance")).toStrictEqual({
      AddressLine3: "Suite 5",
      AddressLine4: "Rear entrance",
    });
    const line = fc
      .string({ minLength: 1, maxLength: 20 })
      .filter((text) => !text.includes(",") && text.trim() === text && text !== "");
    fc.assert(
      fc.property(line, line, (line3, line4) => {
        const joined = addressLine3From3And4.decode({ AddressLine3: line3, AddressLine4: line4 });
        const split = addressLine3From3And4.encode(joined);
        return split.AddressLine3 === line3 && split.AddressLine4 === line4;
      }),
    );
  });

  test("a phone's parts join with spaces; no number, no phone", () => {
    expect(phoneFromParts.decode({ PhoneCountryCode: "64", PhoneAreaCode: "9", PhoneNumber: "555 0101" })).toBe(
      "64 9 555 0101",
    );
    expect(phoneFromParts.decode({ PhoneNumber: "555 0101" })).toBe("555 0101");
    expect(phoneFromParts.decode({ PhoneAreaCode: "9" })).toBeUndefined();
    expect(phoneFromParts.decode(phoneFromParts.encode("555 0101"))).toBe("555 0101");
  });
});

describe("Payments: Xero to Dynamics 365 › Payment", () => {
  test("every row: Payment ID, Payment Date, Amount, Reference, Account Code, Invoice ID", () => {
    const payment = fromXeroPayment({
      PaymentID: ids.payment,
      Date: "/Date(1772409600000+0000)/",
      Amount: 49.999,
      Reference: "Pay-now",
      Status: "AUTHORISED",
      PaymentType: "ACCRECPAYMENT",
      UpdatedDateUTC: "/Date(1772445600000+0000)/",
      Account: { AccountID: "a", Code: "090" },
      Invoice: { InvoiceID: ids.invoice, InvoiceNumber: "INV-1" },
    });
    expect(payment).toStrictEqual({
      xeroPaymentId: ids.payment,
      date: "2026-03-02",
      amount: 50,
      reference: "Pay-now",
      accountCode: "090",
      xeroInvoiceId: ids.invoice,
      invoiceNumber: "INV-1",
      status: "AUTHORISED",
      updatedAt: "2026-03-02T10:00:00.000Z",
    });
    expect(toPaymentColumns(payment)).toStrictEqual({
      mag_xeropaymentid: ids.payment,
      mag_paymentdate: "2026-03-02",
      mag_amount: 50,
      mag_reference: "Pay-now",
    });
  });

  test("a deleted payment keeps its status (the flow deactivates the row)", () => {
    expect(fromXeroPayment({ PaymentID: ids.payment, Amount: 10, Status: "DELETED" }).status).toBe("DELETED");
  });
});

describe("Credit Notes: Xero to Dynamics 365 › Credit Note Allocation", () => {
  test("one record per live allocation, every row mapped", () => {
    const allocations = fromXeroCreditNote({
      CreditNoteID: ids.creditNote,
      CreditNoteNumber: "CN-1",
      Reference: "Returned",
      Date: "/Date(1772409600000+0000)/",
      Allocations: [
        { Amount: 30, Date: "/Date(1772496000000+0000)/", Invoice: { InvoiceID: ids.invoice } },
        { Amount: 5, Invoice: { InvoiceID: ids.payment }, IsDeleted: true },
      ],
    });
    expect(allocations).toStrictEqual([
      {
        xeroCreditNoteId: ids.creditNote,
        number: "CN-1",
        date: "2026-03-02",
        reference: "Returned",
        xeroInvoiceId: ids.invoice,
        amount: 30,
      },
    ]);
    expect(allocations.map(toCreditNoteColumns)).toStrictEqual([
      {
        mag_creditdate: "2026-03-02",
        mag_creditnotenumber: "CN-1",
        mag_reference: "Returned",
        mag_amount: 30,
        mag_xeroid: ids.creditNote,
      },
    ]);
  });
});

describe("Contacts: Xero to Dynamics 365 › Contact (D365 Account)", () => {
  test("every row, Street = Address 1 and PO Box = Address 2, lines 3 & 4 joined", () => {
    const account = fromXeroContact({
      ContactID: ids.contact,
      Name: "Pohutukawa Traders",
      AccountNumber: "PT-1",
      EmailAddress: "ap@pt.example",
      Website: "https://pt.example",
      DefaultCurrency: "AUD",
      UpdatedDateUTC: "/Date(1772445600000+0000)/",
      Phones: [
        { PhoneType: "DEFAULT", PhoneAreaCode: "9", PhoneNumber: "555 0101" },
        { PhoneType: "FAX", PhoneNumber: "555 0102" },
        { PhoneType: "MOBILE", PhoneNumber: "021 000" },
      ],
      Addresses: [
        {
          AddressType: "POBOX",
          AddressLine1: "PO Box 1",
          AddressLine2: "Shortland",
          AddressLine3: "Counter 3",
          AddressLine4: "Level 1",
          City: "Auckland",
          PostalCode: "1140",
          Region: "AKL",
          Country: "NZ",
        },
        {
          AddressType: "STREET",
          AddressLine1: "1 Queen St",
          AddressLine2: "Level 2",
          AddressLine3: "Suite 5",
          AddressLine4: "Rear",
          City: "Auckland",
          PostalCode: "1010",
          Region: "AKL",
          Country: "NZ",
        },
      ],
    });
    expect(toAccountColumns(account)).toStrictEqual({
      name: "Pohutukawa Traders",
      accountnumber: "PT-1",
      emailaddress1: "ap@pt.example",
      websiteurl: "https://pt.example",
      telephone1: "9 555 0101",
      fax: "555 0102",
      address1_line1: "1 Queen St",
      address1_line2: "Level 2",
      address1_line3: "Suite 5, Rear",
      address1_city: "Auckland",
      address1_postalcode: "1010",
      address1_stateorprovince: "AKL",
      address1_country: "NZ",
      address2_line1: "PO Box 1",
      address2_line2: "Shortland",
      address2_line3: "Counter 3, Level 1",
      address2_city: "Auckland",
      address2_postalcode: "1140",
      address2_stateorprovince: "AKL",
      address2_country: "NZ",
      mag_xerocontactid: ids.contact,
    });
    expect(account.currencyCode).toBe("AUD");
  });

  test("what Xero leaves empty is left out (an update never clears a column Xero did not send)", () => {
    expect(
      toAccountColumns(
        fromXeroContact({
          ContactID: ids.contact,
          Name: "Bare Ltd",
          Addresses: [{ AddressType: "STREET" }],
          Phones: [{ PhoneType: "DEFAULT" }],
        }),
      ),
    ).toStrictEqual({ name: "Bare Ltd", mag_xerocontactid: ids.contact });
  });
});

describe("Invoices: Xero to Dynamics 365 › Invoice, Line Items, Line Item Tracking", () => {
  const xeroInvoice = {
    InvoiceID: ids.invoice,
    InvoiceNumber: "INV-9",
    Type: "ACCREC",
    Status: "AUTHORISED",
    Reference: "PO 1",
    Date: "/Date(1772323200000+0000)/",
    DueDate: "/Date(1774915200000+0000)/",
    BrandingThemeID: ids.theme,
    CurrencyCode: "NZD",
    Contact: { ContactID: ids.contact, Name: "Totara" },
    AmountDue: 103.5,
    AmountPaid: 0,
    UpdatedDateUTC: "/Date(1772445600000+0000)/",
    LineItems: [
      {
        Description: "Widgets",
        ItemCode: "WIDGET-100",
        Quantity: 4,
        UnitAmount: 25,
        AccountCode: "200",
        TaxType: "OUTPUT2",
        TaxAmount: 13.5,
        DiscountRate: 10,
        Tracking: [{ Name: "Region", Option: "North" }],
      },
      {
        Description: "Freight",
        Quantity: 1,
        UnitAmount: 15,
        AccountCode: "260",
        TaxType: "NONE",
        TaxAmount: 0,
        DiscountAmount: 1.25,
      },
    ],
  };

  test("the invoice's rows", () => {
    const model = fromXeroInvoice(xeroInvoice);
    expect({ ...model, lines: [] }).toStrictEqual({
      xeroInvoiceId: ids.invoice,
      number: "INV-9",
      date: "2026-03-01",
      dueDate: "2026-03-31",
      xeroContactId: ids.contact,
      brandingThemeId: ids.theme,
      reference: "PO 1",
      currencyCode: "NZD",
      synchedWithXero: true,
      amountDue: 103.5,
      amountPaid: 0,
      status: "AUTHORISED",
      lines: [],
      updatedAt: "2026-03-02T10:00:00.000Z",
    });
    expect(toInvoiceColumns(model)).toStrictEqual({
      invoicenumber: "INV-9",
      name: "INV-9",
      duedate: "2026-03-31",
      datedelivered: "2026-03-01",
      mag_reference: "PO 1",
      mag_xeroid: ids.invoice,
      mag_synchedwithxero: true,
    });
  });

  test("the lines' rows: discount from a rate or an amount, tracking by category and option", () => {
    const model = fromXeroInvoice(xeroInvoice);
    expect(model.lines).toStrictEqual([
      {
        description: "Widgets",
        itemCode: "WIDGET-100",
        quantity: 4,
        unitAmount: 25,
        accountCode: "200",
        taxType: "OUTPUT2",
        taxAmount: 13.5,
        discountAmount: 10,
        tracking: [{ option: "North", category: "Region" }],
      },
      {
        description: "Freight",
        quantity: 1,
        unitAmount: 15,
        accountCode: "260",
        taxType: "NONE",
        taxAmount: 0,
        discountAmount: 1.25,
        tracking: [],
      },
    ]);
    expect(model.lines.map(toLineColumns)).toStrictEqual([
      { description: "Widgets", quantity: 4, priceperunit: 25, tax: 13.5, manualdiscountamount: 10 },
      { description: "Freight", quantity: 1, priceperunit: 15, tax: 0, manualdiscountamount: 1.25 },
    ]);
  });

  test("an invoice without a currency or contact is refused with its path", () => {
    expect(() => fromXeroInvoice({ InvoiceID: ids.invoice, InvoiceNumber: "INV-10", Status: "AUTHORISED" })).toThrow(
      /currencyCode|xeroContactId/,
    );
  });
});

describe("every Xero → Dynamics 365 table's Dataverse side names real columns (the generated metadata)", () => {
  const tables: Array<[MappingTable, Record<string, unknown>]> = [
    [paymentFromXero, generated.mag_payment.columns],
    [creditNoteAllocationFromXero, generated.mag_creditnote.columns],
    [accountFromXeroContact, generated.account.columns],
    [invoiceFromXero, { ...generated.invoice.columns, ...generated.invoice.collections }],
    [lineItemFromXero, { ...generated.invoicedetail.columns, ...generated.manyToMany }],
    [lineTrackingFromXero, generated.mag_trackingoption.columns],
  ];
  test.each(tables.map(([table, columns]) => [table.source, table, columns] as const))(
    "%s",
    (_source, table, columns) => {
      const missing = table.rows.flatMap((row) =>
        row.dynamics === undefined || (row.dynamics.split("/")[0] as string) in columns ? [] : [row.dynamics],
      );
      expect(missing).toStrictEqual([]);
    },
  );
});
