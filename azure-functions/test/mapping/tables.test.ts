// One test per table of the reference docs: Dataverse data in, Xero payload out, compared whole.
import {
  toAllocation,
  toCreditNote,
  toCustomer,
  toInvoice,
  toItem,
  toXeroAllocationRequest,
  toXeroContactRequest,
  toXeroCreditNoteRequest,
  toXeroInvoiceRequest,
  toXeroItemRequest,
  fromXeroLineItems,
} from "../../src/mapping/convert";
import { accountToXeroContact, additionalPersonToXero, contactToXeroContact } from "../../src/mapping/contact-to-xero";
import { allocationToXero, creditNoteToXero } from "../../src/mapping/credit-note-to-xero";
import { fromXero, toDynamics, type MappingTable } from "../../src/mapping/engine";
import { invoiceToXero, lineItemToXero, trackingToXero } from "../../src/mapping/invoice-to-xero";
import {
  accountCodeFromXero,
  brandingThemeFromXero,
  productToXeroItem,
  taxRateFromXero,
  trackingCategoryFromXero,
  trackingOptionFromXero,
} from "../../src/mapping/reference-data";
import * as generated from "../../src/generated/dataverse";

const ids = {
  invoice: "11111111-1111-4111-8111-111111111111",
  line1: "22222222-2222-4222-8222-222222222221",
  line2: "22222222-2222-4222-8222-222222222222",
  line3: "22222222-2222-4222-8222-222222222223",
  account: "33333333-3333-4333-8333-333333333333",
  contact: "44444444-4444-4444-8444-444444444444",
  xeroContact: "55555555-5555-4555-8555-555555555555",
  theme: "66666666-6666-4666-8666-666666666666",
  creditNote: "77777777-7777-4777-8777-777777777777",
  xeroInvoice: "88888888-8888-4888-8888-888888888888",
  product: "99999999-9999-4999-8999-999999999999",
};

const settings = {
  autoApproveInvoices: false,
  markInvoicesAsSent: false,
  defaultAccountCode: "200",
  defaultTaxType: "OUTPUT2",
};

const line = (overrides: Record<string, unknown>) => ({
  invoicedetailid: ids.line1,
  description: null,
  productid: null,
  productdescription: null,
  quantity: 1,
  priceperunit: 10,
  tax: null,
  mag_xeroaccountcodeid: null,
  mag_taxrateid: null,
  mag_InvoiceDetail_TrackingOption: [],
  ...overrides,
});

const invoiceRow = (overrides: Record<string, unknown> = {}) => ({
  invoiceid: ids.invoice,
  invoicenumber: "INV-0001",
  duedate: "2026-02-28",
  datedelivered: "2026-01-31",
  description: null,
  mag_reference: "PO 4471",
  mag_xeropushattempt: 0,
  customerid: { logicalName: "account", id: ids.account },
  mag_brandingthemeid: { mag_xerobrandingthemeid: ids.theme },
  transactioncurrencyid: { isocurrencycode: "NZD" },
  invoice_details: [line({ description: "Consulting", quantity: 2, priceperunit: 150, tax: 45 })],
  ...overrides,
});

describe("Invoices: Dynamics 365 to Xero › Invoice", () => {
  test("every invoice row maps, Draft and not sent by default", () => {
    const invoice = toInvoice(invoiceRow(), { settings, xeroContactId: ids.xeroContact });
    expect(toXeroInvoiceRequest(invoice)).toStrictEqual({
      InvoiceNumber: "INV-0001",
      DueDate: "2026-02-28",
      Date: "2026-01-31",
      Contact: { ContactID: ids.xeroContact },
      BrandingThemeID: ids.theme,
      Reference: "PO 4471",
      CurrencyCode: "NZD",
      Type: "ACCREC",
      Status: "DRAFT",
      LineAmountTypes: "Exclusive",
      LineItems: [
        {
          Description: "Consulting",
          Quantity: 2,
          UnitAmount: 150,
          AccountCode: "200",
          TaxType: "OUTPUT2",
          TaxAmount: 45,
        },
      ],
    });
  });

  test("auto approve and mark as sent; a leading full stop adds a text line", () => {
    const invoice = toInvoice(
      invoiceRow({ description: ".Thank you for your business", mag_brandingthemeid: null, mag_reference: null }),
      {
        settings: { ...settings, autoApproveInvoices: true, markInvoicesAsSent: true },
        xeroContactId: ids.xeroContact,
      },
    );
    expect(toXeroInvoiceRequest(invoice)).toStrictEqual({
      InvoiceNumber: "INV-0001",
      DueDate: "2026-02-28",
      Date: "2026-01-31",
      Contact: { ContactID: ids.xeroContact },
      CurrencyCode: "NZD",
      Type: "ACCREC",
      Status: "AUTHORISED",
      LineAmountTypes: "Exclusive",
      SentToContact: true,
      LineItems: [
        {
          Description: "Consulting",
          Quantity: 2,
          UnitAmount: 150,
          AccountCode: "200",
          TaxType: "OUTPUT2",
          TaxAmount: 45,
        },
        { Description: "Thank you for your business" },
      ],
    });
  });

  test("an invoice description without a full stop is not pushed", () => {
    const invoice = toInvoice(invoiceRow({ description: "internal note" }), {
      settings,
      xeroContactId: ids.xeroContact,
    });
    expect(toXeroInvoiceRequest(invoice).LineItems).toHaveLength(1);
  });

  test("an invoice without lines is refused by the model", () => {
    expect(() => toInvoice(invoiceRow({ invoice_details: [] }), { settings, xeroContactId: ids.xeroContact })).toThrow(
      "no line items",
    );
  });
});

describe("Invoices: Dynamics 365 to Xero › Line Items and Line Item Tracking", () => {
  test("description precedence, item code, amounts, codes with connector defaults, tax, tracking", () => {
    const invoice = toInvoice(
      invoiceRow({
        invoice_details: [
          line({
            invoicedetailid: ids.line1,
            description: "Own words",
            productid: { name: "Widget", productnumber: "WID-1" },
            quantity: 3,
            priceperunit: 19.99555,
            tax: 9.0049,
            mag_xeroaccountcodeid: { mag_code: "400" },
            mag_taxrateid: { mag_taxtype: "INPUT2" },
            mag_InvoiceDetail_TrackingOption: [
              { mag_name: "North", mag_trackingcategoryid: { mag_name: "Region" } },
              { mag_name: "Retail", mag_trackingcategoryid: { mag_name: "Channel" } },
            ],
          }),
          line({ invoicedetailid: ids.line2, productid: { name: "Gadget", productnumber: "GAD-2" } }),
          line({ invoicedetailid: ids.line3, productdescription: "Write-in thing" }),
        ],
      }),
      { settings, xeroContactId: ids.xeroContact },
    );
    expect(toXeroInvoiceRequest(invoice).LineItems).toStrictEqual([
      {
        Description: "Own words",
        ItemCode: "WID-1",
        Quantity: 3,
        UnitAmount: 19.9956,
        AccountCode: "400",
        TaxType: "INPUT2",
        TaxAmount: 9,
        Tracking: [
          { Option: "North", Name: "Region" },
          { Option: "Retail", Name: "Channel" },
        ],
      },
      { Description: "Gadget", ItemCode: "GAD-2", Quantity: 1, UnitAmount: 10, AccountCode: "200", TaxType: "OUTPUT2" },
      { Description: "Write-in thing", Quantity: 1, UnitAmount: 10, AccountCode: "200", TaxType: "OUTPUT2" },
    ]);
  });
});

const address = (prefix: "address1" | "address2", label: string) => ({
  [`${prefix}_line1`]: `${label} 1`,
  [`${prefix}_line2`]: `${label} 2`,
  [`${prefix}_line3`]: `${label} 3`,
  [`${prefix}_city`]: `${label} City`,
  [`${prefix}_postalcode`]: `${label} 1010`,
  [`${prefix}_stateorprovince`]: `${label} Region`,
  [`${prefix}_country`]: `${label} Country`,
});

const xeroAddress = (type: string, label: string) => ({
  AddressType: type,
  AddressLine1: `${label} 1`,
  AddressLine2: `${label} 2`,
  AddressLine3: `${label} 3`,
  City: `${label} City`,
  PostalCode: `${label} 1010`,
  Region: `${label} Region`,
  Country: `${label} Country`,
});

describe("Contact (Customer) › D365 Account", () => {
  test("every account row: primary billing contact, additional people, currency, phones, both addresses", () => {
    const customer = toCustomer(
      "account",
      {
        accountid: ids.account,
        mag_xerocontactid: ids.xeroContact,
        name: "Fabrikam Ltd",
        accountnumber: "FAB-001",
        emailaddress1: "accounts@fabrikam.example",
        primarycontactid: { firstname: "Ana", lastname: "Bell", emailaddress1: "ana@fabrikam.example" },
        mag_Account_Contact_BillingContacts: [
          { firstname: "Cy", lastname: "Dee", emailaddress1: "cy@fabrikam.example" },
        ],
        transactioncurrencyid: { isocurrencycode: "AUD" },
        telephone1: "+64 9 555 0100",
        fax: "+64 9 555 0101",
        ...address("address1", "Street"),
        ...address("address2", "Box"),
      },
      "NZD",
    );
    expect(toXeroContactRequest(customer)).toStrictEqual({
      ContactID: ids.xeroContact,
      Name: "Fabrikam Ltd",
      AccountNumber: "FAB-001",
      FirstName: "Ana",
      LastName: "Bell",
      EmailAddress: "ana@fabrikam.example",
      ContactPersons: [
        { FirstName: "Cy", LastName: "Dee", EmailAddress: "cy@fabrikam.example", IncludeInEmails: true },
      ],
      DefaultCurrency: "AUD",
      Phones: [
        { PhoneType: "DEFAULT", PhoneNumber: "+64 9 555 0100" },
        { PhoneType: "FAX", PhoneNumber: "+64 9 555 0101" },
      ],
      Addresses: [xeroAddress("STREET", "Street"), xeroAddress("POBOX", "Box")],
    });
  });

  test("without a primary billing contact the account's email is used, and the invoice's currency", () => {
    const customer = toCustomer(
      "account",
      { accountid: ids.account, name: "Solo", emailaddress1: "solo@example.com", primarycontactid: null },
      "NZD",
    );
    expect(toXeroContactRequest(customer)).toStrictEqual({
      Name: "Solo",
      EmailAddress: "solo@example.com",
      DefaultCurrency: "NZD",
    });
  });
});

describe("Contact (Customer) › D365 Contact", () => {
  test("every contact row", () => {
    const customer = toCustomer(
      "contact",
      {
        contactid: ids.contact,
        fullname: "Dana Ng",
        firstname: "Dana",
        lastname: "Ng",
        emailaddress1: "dana@example.com",
        telephone1: "111",
        mobilephone: "222",
        fax: "333",
        ...address("address1", "Home"),
        ...address("address2", "Post"),
      },
      "GBP",
    );
    expect(toXeroContactRequest(customer)).toStrictEqual({
      Name: "Dana Ng",
      FirstName: "Dana",
      LastName: "Ng",
      EmailAddress: "dana@example.com",
      DefaultCurrency: "GBP",
      Phones: [
        { PhoneType: "DEFAULT", PhoneNumber: "111" },
        { PhoneType: "MOBILE", PhoneNumber: "222" },
        { PhoneType: "FAX", PhoneNumber: "333" },
      ],
      Addresses: [xeroAddress("STREET", "Home"), xeroAddress("POBOX", "Post")],
    });
  });
});

describe("Credit Notes: Dynamics 365 to Xero", () => {
  const xeroInvoice = {
    InvoiceID: ids.xeroInvoice,
    LineAmountTypes: "Exclusive",
    CurrencyCode: "NZD",
    Contact: { ContactID: ids.xeroContact },
    LineItems: [
      {
        LineItemID: ids.line1,
        Description: "Consulting",
        Quantity: 2,
        UnitAmount: 150,
        AccountCode: "200",
        TaxType: "OUTPUT2",
        TaxAmount: 45,
        LineAmount: 300,
        Tracking: [{ Name: "Region", Option: "North", TrackingCategoryID: ids.theme }],
      },
    ],
  };
  const row = {
    mag_creditnoteid: ids.creditNote,
    mag_creditdate: "2026-02-10",
    mag_creditnotenumber: "CN-7",
    mag_reference: "Refund",
    mag_amount: 120.5,
    mag_invoiceid: { mag_xeroid: ids.xeroInvoice },
  };

  test("Credit Note: lines, contact and amount types copied from the Xero invoice, ACCRECCREDIT, AUTHORISED", () => {
    const creditNote = toCreditNote(row, {
      xeroContactId: ids.xeroContact,
      lineAmountTypes: "Exclusive",
      lines: fromXeroLineItems(xeroInvoice),
      currencyCode: "NZD",
    });
    expect(toXeroCreditNoteRequest(creditNote)).toStrictEqual({
      Date: "2026-02-10",
      CreditNoteNumber: "CN-7",
      Reference: "Refund",
      Contact: { ContactID: ids.xeroContact },
      LineAmountTypes: "Exclusive",
      LineItems: [
        {
          Description: "Consulting",
          Quantity: 2,
          UnitAmount: 150,
          AccountCode: "200",
          TaxType: "OUTPUT2",
          TaxAmount: 45,
          Tracking: [{ Option: "North", Name: "Region" }],
        },
      ],
      CurrencyCode: "NZD",
      Type: "ACCRECCREDIT",
      Status: "AUTHORISED",
    });
  });

  test("Credit Note Allocation: one allocation for the invoice, amount and date", () => {
    expect(toXeroAllocationRequest(toAllocation(row))).toStrictEqual({
      Date: "2026-02-10",
      Amount: 120.5,
      Invoice: { InvoiceID: ids.xeroInvoice },
    });
  });
});

describe("Additional reference data", () => {
  test("Products (Items): product number and name", () => {
    expect(toXeroItemRequest(toItem({ productid: ids.product, productnumber: "WID-1", name: "Widget" }))).toStrictEqual(
      { Code: "WID-1", Name: "Widget" },
    );
  });

  test("Xero Account Codes → columns", () => {
    const model = fromXero(accountCodeFromXero, {
      AccountID: ids.theme,
      Code: "200",
      Name: "Sales",
      Type: "REVENUE",
      TaxType: "OUTPUT2",
      Description: "Income",
      Status: "ACTIVE",
    });
    expect(toDynamics(accountCodeFromXero, model)).toStrictEqual({
      mag_name: "Sales",
      mag_description: "Income",
      mag_type: "REVENUE",
      mag_code: "200",
      mag_taxtype: "OUTPUT2",
      mag_xeroaccountid: ids.theme,
    });
  });

  test("Tax Rates → columns", () => {
    const model = fromXero(taxRateFromXero, {
      Name: "GST on Income",
      TaxType: "OUTPUT2",
      DisplayTaxRate: 15,
      EffectiveRate: 15,
      Status: "ACTIVE",
    });
    expect(toDynamics(taxRateFromXero, model)).toStrictEqual({
      mag_name: "GST on Income",
      mag_taxtype: "OUTPUT2",
      mag_displaytaxrate: 15,
      mag_effectiverate: 15,
    });
  });

  test("Branding Themes → columns", () => {
    const model = fromXero(brandingThemeFromXero, { BrandingThemeID: ids.theme, Name: "Standard", SortOrder: 0 });
    expect(toDynamics(brandingThemeFromXero, model)).toStrictEqual({
      mag_name: "Standard",
      mag_xerobrandingthemeid: ids.theme,
    });
  });

  test("Tracking Categories and Options → model", () => {
    const model = fromXero(trackingCategoryFromXero, {
      TrackingCategoryID: ids.theme,
      Name: "Region",
      Status: "ACTIVE",
      Options: [{ TrackingOptionID: ids.product, Name: "North", Status: "ACTIVE" }],
    });
    expect(model).toStrictEqual({
      name: "Region",
      xeroTrackingCategoryId: ids.theme,
      status: "ACTIVE",
      options: [{ name: "North", xeroTrackingOptionId: ids.product, status: "ACTIVE" }],
    });
    expect(toDynamics(trackingCategoryFromXero, model)).toStrictEqual({
      mag_name: "Region",
      mag_xerotrackingcategoryid: ids.theme,
      mag_xerostatus: "ACTIVE",
    });
  });
});

describe("every table's Dataverse side names real columns (the generated metadata)", () => {
  const tables: Array<[MappingTable, Record<string, unknown>]> = [
    [invoiceToXero, { ...generated.invoice.columns, ...generated.invoice.collections }],
    [lineItemToXero, { ...generated.invoicedetail.columns, ...generated.manyToMany }],
    [trackingToXero, generated.mag_trackingoption.columns],
    [accountToXeroContact, { ...generated.account.columns, ...generated.manyToMany }],
    [additionalPersonToXero, generated.contact.columns],
    [contactToXeroContact, generated.contact.columns],
    [creditNoteToXero, generated.mag_creditnote.columns],
    [allocationToXero, generated.mag_creditnote.columns],
    [productToXeroItem, generated.product.columns],
    [accountCodeFromXero, generated.mag_xeroaccountcode.columns],
    [taxRateFromXero, generated.mag_taxrate.columns],
    [brandingThemeFromXero, generated.mag_brandingtheme.columns],
    [trackingCategoryFromXero, generated.mag_trackingcategory.columns],
    [trackingOptionFromXero, generated.mag_trackingoption.columns],
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
