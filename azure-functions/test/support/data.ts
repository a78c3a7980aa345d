// Test data written through the Dataverse Web API (the emulator applies the same rules as for the service).
import type { DataversePort } from "../../src/adapters/dataverse/port";
import {
  account,
  contact,
  invoice,
  invoicedetail,
  mag_xeroaccountcode,
  mag_xeroconnector,
  manyToMany,
} from "../../src/generated/dataverse";
import type { Sandbox } from "./sandbox";

const bindTo = (entitySet: string, id: string): string => `/${entitySet}(${id})`;

export async function createAccount(client: DataversePort, values: Record<string, unknown>): Promise<string> {
  return client.create(account.entitySetName, values);
}

export async function createContact(client: DataversePort, values: Record<string, unknown>): Promise<string> {
  return client.create(contact.entitySetName, values);
}

export async function addBillingContact(client: DataversePort, accountId: string, contactId: string): Promise<void> {
  await client.associate(
    account.entitySetName,
    accountId,
    manyToMany.mag_Account_Contact_BillingContacts.navigationFromEntity1,
    contact.entitySetName,
    contactId,
  );
}

export interface LineSpec {
  product?: string;
  description?: string;
  writeIn?: string;
  quantity: number;
  price?: number;
  tax?: number;
  discount?: number;
  accountCodeId?: string;
}

export interface InvoiceSpec {
  number: string;
  customer: { kind: "account" | "contact"; id: string };
  currency?: "NZD" | "AUD" | "USD";
  description?: string;
  reference?: string;
  connectorId?: string | null;
  addToXero?: boolean;
  lines: LineSpec[];
}

export async function createInvoice(sandbox: Sandbox, spec: InvoiceSpec): Promise<string> {
  const { client, seed } = sandbox;
  const currency = spec.currency ?? "NZD";
  const nav = invoice.navigation;
  const id = await client.create(invoice.entitySetName, {
    [invoice.columns.name]: spec.number,
    [invoice.columns.invoicenumber]: spec.number,
    [invoice.columns.duedate]: "2026-03-31",
    [invoice.columns.datedelivered]: "2026-03-02",
    ...(spec.description === undefined ? {} : { [invoice.columns.description]: spec.description }),
    ...(spec.reference === undefined ? {} : { [invoice.columns.mag_reference]: spec.reference }),
    [`${spec.customer.kind === "account" ? nav.customerid.account : nav.customerid.contact}@odata.bind`]: bindTo(
      spec.customer.kind === "account" ? account.entitySetName : contact.entitySetName,
      spec.customer.id,
    ),
    [`${nav.pricelevelid.pricelevel}@odata.bind`]: bindTo("pricelevels", seed.priceLists[currency]),
    [`${nav.transactioncurrencyid.transactioncurrency}@odata.bind`]: bindTo(
      "transactioncurrencies",
      seed.currencies[currency],
    ),
    ...(spec.connectorId === undefined || spec.connectorId === null
      ? {}
      : {
          [`${nav.mag_xeroconnectorid.mag_xeroconnector}@odata.bind`]: bindTo(
            mag_xeroconnector.entitySetName,
            spec.connectorId,
          ),
        }),
  });
  let lineNumber = 0;
  for (const line of spec.lines) {
    lineNumber += 1;
    const ln = invoicedetail.navigation;
    await client.create(invoicedetail.entitySetName, {
      [invoicedetail.columns.lineitemnumber]: lineNumber,
      [`${ln.invoiceid.invoice}@odata.bind`]: bindTo(invoice.entitySetName, id),
      [invoicedetail.columns.quantity]: line.quantity,
      ...(line.product === undefined
        ? {
            [invoicedetail.columns.isproductoverridden]: true,
            [invoicedetail.columns.productdescription]: line.writeIn ?? "Write-in",
            [invoicedetail.columns.priceperunit]: line.price ?? 10,
          }
        : {
            [invoicedetail.columns.isproductoverridden]: false,
            [`${ln.productid.product}@odata.bind`]: bindTo("products", seed.products[line.product] ?? ""),
            [`${ln.uomid.uom}@odata.bind`]: bindTo("uoms", seed.unitId),
            ...(line.price === undefined
              ? {}
              : { [invoicedetail.columns.priceperunit]: line.price, [invoicedetail.columns.ispriceoverridden]: true }),
          }),
      ...(line.description === undefined ? {} : { [invoicedetail.columns.description]: line.description }),
      ...(line.tax === undefined ? {} : { [invoicedetail.columns.tax]: line.tax }),
      ...(line.discount === undefined ? {} : { [invoicedetail.columns.manualdiscountamount]: line.discount }),
      ...(line.accountCodeId === undefined
        ? {}
        : {
            [`${ln.mag_xeroaccountcodeid.mag_xeroaccountcode}@odata.bind`]: bindTo(
              mag_xeroaccountcode.entitySetName,
              line.accountCodeId,
            ),
          }),
    });
  }
  if (spec.addToXero !== false)
    await client.update(invoice.entitySetName, id, { [invoice.columns.mag_addtoxero]: true });
  return id;
}

export async function readInvoice(client: DataversePort, id: string): Promise<Record<string, unknown>> {
  const row = await client.retrieve<Record<string, unknown>>(invoice.entitySetName, id, {
    select: [
      invoice.columns.invoicenumber,
      invoice.columns.mag_synchedwithxero,
      invoice.columns.mag_xeroid,
      invoice.columns.mag_xerosyncstatus,
      invoice.columns.mag_xerosyncerror,
      invoice.columns.mag_xeropaynowlink,
      invoice.columns.mag_xeropushattempt,
      invoice.columns.mag_emailsentfromxero,
    ],
  });
  if (row === undefined) throw new Error(`invoice ${id} not found`);
  return row;
}
