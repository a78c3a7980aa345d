// The demo organisation's data: currencies (NZD base, AUD, USD), a price list per currency, a unit group with its
// unit, products, accounts with primary and billing contacts, contacts as customers, invoices with lines. Small,
// realistic and the same on every run (ids derive from names). Rows go through the same create rules as the Web
// API; columns the loaded metadata lacks are left out.
import { createRow, newSession, associate } from "./operations";
import type { OrgContext, WriteSession } from "./operations";
import type { TableIndex } from "./schema-index";
import { deterministicId, insertSystemRow } from "./system-rows";

export interface DemoSeed {
  currencies: Record<"NZD" | "AUD" | "USD", string>;
  priceLists: Record<"NZD" | "AUD" | "USD", string>;
  unitGroupId: string;
  unitId: string;
  products: Record<string, string>;
  accounts: Record<string, string>;
  contacts: Record<string, string>;
  invoices: Record<string, string>;
  invoiceLines: string[];
}

/** Keeps the columns and binds the table has, so the seed runs against any metadata that has the tables. */
function fit(table: TableIndex, body: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(body).filter(([key]) => {
      const bind = key.endsWith("@odata.bind") ? key.slice(0, -"@odata.bind".length) : undefined;
      return bind !== undefined ? table.lookupNavigations.has(bind) : table.attributes.has(key);
    }),
  );
}

function navigationTo(table: TableIndex, attribute: string, target: string): string {
  const navigation = table.attributes
    .get(attribute)
    ?.targets?.find((candidate) => candidate.table === target)?.navigationProperty;
  return navigation ?? attribute;
}

export function seedDemo(org: OrgContext, onCommit: (session: WriteSession) => void): DemoSeed {
  const session = newSession(org);
  const id = (text: string) => deterministicId(`${org.name}/demo/${text}`);
  const create = (tableName: string, key: string, body: Record<string, unknown>): string => {
    const table = org.schema.table(tableName);
    return createRow(session, table, { ...fit(table, body), [table.primaryId]: id(`${tableName}/${key}`) });
  };
  const bind = (tableName: string, attribute: string, target: string, targetId: string): Record<string, string> => {
    const table = org.schema.table(tableName);
    return {
      [`${navigationTo(table, attribute, target)}@odata.bind`]: `/${org.schema.table(target).entitySetName}(${targetId})`,
    };
  };

  const currencyRows = [
    { code: "NZD", name: "New Zealand Dollar", symbol: "$", rate: 1 },
    { code: "AUD", name: "Australian Dollar", symbol: "A$", rate: 0.92 },
    { code: "USD", name: "US Dollar", symbol: "US$", rate: 0.6 },
  ] as const;
  const currencies = {} as Record<"NZD" | "AUD" | "USD", string>;
  for (const currency of currencyRows) {
    currencies[currency.code] = create("transactioncurrency", currency.code, {
      isocurrencycode: currency.code,
      currencyname: currency.name,
      currencysymbol: currency.symbol,
      exchangerate: currency.rate,
      currencyprecision: 2,
    });
  }
  const organization = org.store.get("organization", org.organizationId);
  if (organization !== undefined) {
    insertSystemRow(org, "organization", {
      ...organization,
      basecurrencyid: { id: currencies.NZD, table: "transactioncurrency" },
    });
  }

  const unitGroupId = create("uomschedule", "default", { name: "Default Unit", baseuomname: "Each" });
  const unitId = create("uom", "each", {
    name: "Each",
    quantity: 1,
    ...bind("uom", "uomscheduleid", "uomschedule", unitGroupId),
  });

  const priceLists = {} as Record<"NZD" | "AUD" | "USD", string>;
  for (const currency of currencyRows) {
    priceLists[currency.code] = create("pricelevel", currency.code, {
      name: `${currency.code} Price List`,
      ...bind("pricelevel", "transactioncurrencyid", "transactioncurrency", currencies[currency.code]),
    });
  }

  const productRows = [
    { number: "WIDGET-100", name: "Widget", price: 25 },
    { number: "GADGET-200", name: "Gadget", price: 120 },
    { number: "SERVICE-HR", name: "Consulting hour", price: 180 },
  ];
  const products: Record<string, string> = {};
  for (const product of productRows) {
    products[product.number] = create("product", product.number, {
      name: product.name,
      productnumber: product.number,
      quantitydecimal: 2,
      price: product.price,
      ...bind("product", "defaultuomscheduleid", "uomschedule", unitGroupId),
      ...bind("product", "defaultuomid", "uom", unitId),
      ...bind("product", "pricelevelid", "pricelevel", priceLists.NZD),
    });
    for (const currency of currencyRows) {
      create("productpricelevel", `${product.number}/${currency.code}`, {
        amount: Math.round(product.price * currency.rate * 100) / 100,
        ...bind("productpricelevel", "productid", "product", products[product.number] as string),
        ...bind("productpricelevel", "pricelevelid", "pricelevel", priceLists[currency.code]),
        ...bind("productpricelevel", "uomid", "uom", unitId),
        ...bind("productpricelevel", "transactioncurrencyid", "transactioncurrency", currencies[currency.code]),
      });
    }
  }

  const contacts: Record<string, string> = {};
  const contact = (
    key: string,
    firstname: string,
    lastname: string,
    email: string,
    extra: Record<string, unknown> = {},
  ): string => {
    const contactId = create("contact", key, {
      firstname,
      lastname,
      emailaddress1: email,
      telephone1: "+64 9 555 0100",
      ...extra,
    });
    contacts[key] = contactId;
    return contactId;
  };

  const accountRows = [
    {
      key: "kauri",
      name: "Kauri Timber Ltd",
      number: "KAURI-001",
      city: "Auckland",
      country: "New Zealand",
      primary: ["Aroha", "Ngata"],
      billing: [["Mere", "Parata"]],
    },
    {
      key: "harbour",
      name: "Harbour Freight Co",
      number: "HARB-002",
      city: "Wellington",
      country: "New Zealand",
      primary: ["James", "Wilson"],
      billing: [
        ["Priya", "Shah"],
        ["Tom", "Baker"],
      ],
    },
    {
      key: "outback",
      name: "Outback Supplies Pty",
      number: "OUTB-003",
      city: "Sydney",
      country: "Australia",
      primary: ["Chloe", "Nguyen"],
      billing: [],
    },
  ];
  const accounts: Record<string, string> = {};
  for (const account of accountRows) {
    const [first = "", last = ""] = account.primary;
    const primaryId = contact(`${account.key}-primary`, first, last, `${first.toLowerCase()}@${account.key}.example`);
    accounts[account.key] = create("account", account.key, {
      name: account.name,
      accountnumber: account.number,
      emailaddress1: `accounts@${account.key}.example`,
      telephone1: "+64 9 555 0199",
      address1_line1: "1 Queen Street",
      address1_line2: "Level 2",
      address1_city: account.city,
      address1_postalcode: "1010",
      address1_country: account.country,
      ...bind("account", "primarycontactid", "contact", primaryId),
    });
    const billingNav = [...org.schema.table("account").collectionNavigations].find(
      ([, nav]) => nav.kind === "manyToMany" && nav.relationship.schemaName === "mag_Account_Contact_BillingContacts",
    )?.[0];
    for (const [billingFirst = "", billingLast = ""] of account.billing) {
      const billingId = contact(
        `${account.key}-billing-${billingFirst.toLowerCase()}`,
        billingFirst,
        billingLast,
        `${billingFirst.toLowerCase()}.billing@${account.key}.example`,
      );
      if (billingNav !== undefined)
        associate(session, org.schema.table("account"), accounts[account.key] as string, billingNav, {
          table: "contact",
          id: billingId,
        });
    }
  }
  contact("walkin-sam", "Sam", "Taylor", "sam.taylor@example.com", {
    address1_city: "Christchurch",
    address1_country: "New Zealand",
  });
  contact("walkin-lee", "Lee", "Morgan", "lee.morgan@example.com", {
    address1_city: "Dunedin",
    address1_country: "New Zealand",
  });

  const invoices: Record<string, string> = {};
  const invoiceLines: string[] = [];
  const invoiceRows = [
    {
      key: "INV-1001",
      customer: ["account", accounts["kauri"]],
      currency: "NZD",
      lines: [
        ["WIDGET-100", 10, 0, 37.5],
        ["SERVICE-HR", 2, 0, 54],
      ],
    },
    {
      key: "INV-1002",
      customer: ["account", accounts["harbour"]],
      currency: "NZD",
      lines: [
        ["GADGET-200", 3, 20, 51],
        ["write-in", 1, 0, 15],
      ],
    },
    { key: "INV-1003", customer: ["account", accounts["outback"]], currency: "AUD", lines: [["WIDGET-100", 40, 0, 0]] },
    {
      key: "INV-1004",
      customer: ["contact", contacts["walkin-sam"]],
      currency: "NZD",
      lines: [["SERVICE-HR", 1.5, 0, 40.5]],
    },
  ] as const;
  for (const invoice of invoiceRows) {
    const [customerTable, customerId] = invoice.customer;
    invoices[invoice.key] = create("invoice", invoice.key, {
      name: `Demo invoice ${invoice.key}`,
      invoicenumber: invoice.key,
      description: "Demo data",
      ...bind("invoice", "customerid", customerTable, customerId as string),
      ...bind("invoice", "pricelevelid", "pricelevel", priceLists[invoice.currency]),
      ...bind("invoice", "transactioncurrencyid", "transactioncurrency", currencies[invoice.currency]),
    });
    invoice.lines.forEach(([product, quantity, discount, tax], index) => {
      const parent = bind("invoicedetail", "invoiceid", "invoice", invoices[invoice.key] as string);
      const body =
        product === "write-in"
          ? {
              isproductoverridden: true,
              productdescription: "Freight and handling",
              priceperunit: 45,
              quantity,
              manualdiscountamount: discount,
              tax,
              ...parent,
            }
          : {
              isproductoverridden: false,
              quantity,
              manualdiscountamount: discount,
              tax,
              ...bind("invoicedetail", "productid", "product", products[product] as string),
              ...bind("invoicedetail", "uomid", "uom", unitId),
              ...parent,
            };
      invoiceLines.push(create("invoicedetail", `${invoice.key}/${index + 1}`, { lineitemnumber: index + 1, ...body }));
    });
  }
  onCommit(session);
  return { currencies, priceLists, unitGroupId, unitId, products, accounts, contacts, invoices, invoiceLines };
}
