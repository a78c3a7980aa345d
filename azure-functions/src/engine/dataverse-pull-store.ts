// The pull flows' store over the Dataverse Web API: the look-ups a Xero record needs before it can be written
// (invoices by Xero id, payments by Xero payment id, credit notes already synced, the connector's reference rows,
// accounts by number / name / Xero contact id, products by number), and one `$batch` per page of writes. Reads use
// $select and `or` filters of at most 100 values per request. Logical names come from the generated constants.
// Query syntax: https://learn.microsoft.com/power-apps/developer/data-platform/webapi/query/overview
// $batch: https://learn.microsoft.com/power-apps/developer/data-platform/webapi/execute-batch-operations-using-web-api
import type { BatchItem } from "../adapters/dataverse/batch";
import {
  and,
  column,
  filter,
  isIn,
  toGuidLiteral,
  toNumberLiteral,
  toStringLiteral,
  type ODataFragment,
} from "../adapters/dataverse/odata";
import type { BatchResult, DataversePort } from "../adapters/dataverse/port";
import { chunk } from "../flows/batching";
import type { AccountMatch, InvoiceRef, PaymentMatch, PullLookups, PullStore } from "../flows/pull-store";
import { accountFromXeroContact } from "../mapping/contact-from-xero";
import type { Plain } from "../mapping/engine";
import {
  account,
  invoice,
  mag_brandingtheme,
  mag_creditnote,
  mag_payment,
  mag_taxrate,
  mag_trackingcategory,
  mag_trackingoption,
  mag_xeroaccountcode,
  mag_xeroconnector,
  pricelevel,
  product,
  transactioncurrency,
} from "../generated/dataverse";

const perQuery = 100;
const text = (value: unknown): string | undefined => (typeof value === "string" && value !== "" ? value : undefined);
const key = (value: string): string => value.toLowerCase();

export class DataversePullStore implements PullStore {
  constructor(private readonly dataverse: DataversePort) {}

  private async inChunks(
    entitySetName: string,
    select: readonly string[],
    columnName: string,
    values: readonly string[],
    toLiteral: (value: string) => ODataFragment,
    extra?: ODataFragment,
  ): Promise<Plain[]> {
    const rows: Plain[] = [];
    for (const part of chunk([...new Set(values)], perQuery)) {
      const match = isIn(columnName, part.map(toLiteral));
      rows.push(
        ...(await this.dataverse.retrieveMultiple<Plain>(entitySetName, {
          select,
          filter: extra === undefined ? match : and(extra, match),
        })),
      );
    }
    return rows;
  }

  async findInvoicesByXeroIds(xeroIds: readonly string[]): Promise<InvoiceRef[]> {
    const c = invoice.columns;
    const rows = await this.inChunks(
      invoice.entitySetName,
      [c.invoiceid, c.invoicenumber, c.mag_xeroid, c.statecode],
      c.mag_xeroid,
      xeroIds,
      toStringLiteral,
    );
    return rows.flatMap((row) => {
      const xeroId = text(row[c.mag_xeroid]);
      return xeroId === undefined
        ? []
        : [
            {
              id: String(row[c.invoiceid]),
              xeroId: key(xeroId),
              number: text(row[c.invoicenumber]) ?? xeroId,
              statecode: Number(row[c.statecode] ?? 0),
            },
          ];
    });
  }

  async findPaymentsByXeroIds(xeroPaymentIds: readonly string[]): Promise<PaymentMatch[]> {
    const c = mag_payment.columns;
    const lookups = [c.mag_invoiceid, c.mag_xeroaccountcodeid, c.transactioncurrencyid].map(
      (lookup) => `_${lookup}_value`,
    );
    const rows = await this.inChunks(
      mag_payment.entitySetName,
      [
        c.mag_paymentid,
        c.mag_xeropaymentid,
        c.statecode,
        c.mag_name,
        c.mag_paymentdate,
        c.mag_amount,
        c.mag_reference,
        ...lookups,
      ],
      c.mag_xeropaymentid,
      xeroPaymentIds,
      toStringLiteral,
    );
    return rows.map((row) => ({
      id: String(row[c.mag_paymentid]),
      xeroPaymentId: key(String(row[c.mag_xeropaymentid])),
      active: Number(row[c.statecode] ?? 0) === 0,
      columns: Object.fromEntries(
        [c.mag_name, c.mag_paymentdate, c.mag_amount, c.mag_reference].map(
          (name) => [name, row[name] ?? null] as const,
        ),
      ),
      lookups: Object.fromEntries(
        [c.mag_invoiceid, c.mag_xeroaccountcodeid, c.transactioncurrencyid].map(
          (name) =>
            [name, typeof row[`_${name}_value`] === "string" ? key(String(row[`_${name}_value`])) : null] as const,
        ),
      ),
    }));
  }

  async findCreditNoteNumbers(invoiceIds: readonly string[]): Promise<Array<{ invoiceId: string; number: string }>> {
    const c = mag_creditnote.columns;
    const rows = await this.inChunks(
      mag_creditnote.entitySetName,
      [c.mag_creditnoteid, c.mag_creditnotenumber, `_${c.mag_invoiceid}_value`],
      `_${c.mag_invoiceid}_value`,
      invoiceIds,
      toGuidLiteral,
    );
    return rows.flatMap((row) => {
      const number = text(row[c.mag_creditnotenumber]);
      const invoiceId = text(row[`_${c.mag_invoiceid}_value`]);
      return number === undefined || invoiceId === undefined
        ? []
        : [{ invoiceId: key(invoiceId), number: key(number) }];
    });
  }

  async loadLookups(connectorId: string): Promise<PullLookups> {
    const own = (lookup: string): ODataFragment =>
      filter`${column(`_${lookup}_value`)} eq ${toGuidLiteral(connectorId)}`;
    const byColumn = async (
      table: { entitySetName: string; primaryIdAttribute: string },
      valueColumn: string,
      connectorColumn: string,
    ): Promise<Map<string, string>> => {
      const rows = await this.dataverse.retrieveMultiple<Plain>(table.entitySetName, {
        select: [table.primaryIdAttribute, valueColumn],
        filter: own(connectorColumn),
      });
      return new Map(
        rows.flatMap((row) =>
          text(row[valueColumn]) === undefined
            ? []
            : [[key(String(row[valueColumn])), String(row[table.primaryIdAttribute])] as const],
        ),
      );
    };
    const accountCodes = await byColumn(
      mag_xeroaccountcode,
      mag_xeroaccountcode.columns.mag_code,
      mag_xeroaccountcode.columns.mag_xeroconnectorid,
    );
    const taxRates = await byColumn(
      mag_taxrate,
      mag_taxrate.columns.mag_taxtype,
      mag_taxrate.columns.mag_xeroconnectorid,
    );
    const brandingThemes = await byColumn(
      mag_brandingtheme,
      mag_brandingtheme.columns.mag_xerobrandingthemeid,
      mag_brandingtheme.columns.mag_xeroconnectorid,
    );
    const categories = await byColumn(
      mag_trackingcategory,
      mag_trackingcategory.columns.mag_name,
      mag_trackingcategory.columns.mag_xeroconnectorid,
    );
    const categoryNames = new Map([...categories].map(([name, id]) => [key(id), name] as const));
    const oc = mag_trackingoption.columns;
    const options = await this.inChunks(
      mag_trackingoption.entitySetName,
      [oc.mag_trackingoptionid, oc.mag_name, `_${oc.mag_trackingcategoryid}_value`],
      `_${oc.mag_trackingcategoryid}_value`,
      [...categories.values()],
      toGuidLiteral,
    );
    const trackingOptions = new Map<string, string>();
    for (const row of options) {
      const category = categoryNames.get(key(String(row[`_${oc.mag_trackingcategoryid}_value`])));
      const name = text(row[oc.mag_name]);
      if (category !== undefined && name !== undefined)
        trackingOptions.set(`${category}|${key(name)}`, String(row[oc.mag_trackingoptionid]));
    }
    const cc = transactioncurrency.columns;
    const currencyRows = await this.dataverse.retrieveMultiple<Plain>(transactioncurrency.entitySetName, {
      select: [cc.transactioncurrencyid, cc.isocurrencycode],
    });
    const currencies = new Map(
      currencyRows.map(
        (row) => [String(row[cc.isocurrencycode]).toUpperCase(), String(row[cc.transactioncurrencyid])] as const,
      ),
    );
    const pc = pricelevel.columns;
    const priceRows = await this.dataverse.retrieveMultiple<Plain>(pricelevel.entitySetName, {
      select: [pc.pricelevelid, pc.name, `_${pc.transactioncurrencyid}_value`],
      filter: filter`${column(pc.statecode)} eq ${toNumberLiteral(0)}`,
      orderBy: [`${pc.name} asc`],
    });
    const connector = await this.dataverse.retrieve<Plain>(mag_xeroconnector.entitySetName, connectorId, {
      select: [`_${mag_xeroconnector.columns.mag_defaultpricelevelid}_value`],
    });
    const defaultPriceList = text(connector?.[`_${mag_xeroconnector.columns.mag_defaultpricelevelid}_value`]);
    const priceLists = new Map<string, string>();
    const codeOf = new Map([...currencies].map(([code, id]) => [key(id), code] as const));
    for (const row of priceRows) {
      const code = codeOf.get(key(String(row[`_${pc.transactioncurrencyid}_value`])));
      if (code === undefined) continue;
      const id = String(row[pc.pricelevelid]);
      // "Default Price List - The default Dynamics 365 Price List used on Invoices synced from Xero": it wins for its currency.
      if (!priceLists.has(code) || (defaultPriceList !== undefined && key(id) === key(defaultPriceList)))
        priceLists.set(code, id);
    }
    return { accountCodes, taxRates, brandingThemes, trackingOptions, currencies, priceLists };
  }

  async findAccounts(match: {
    numbers: readonly string[];
    names: readonly string[];
    xeroContactIds: readonly string[];
  }): Promise<AccountMatch[]> {
    const c = account.columns;
    const mapped = accountFromXeroContact.rows.flatMap((row) =>
      row.dynamics === undefined || row.dynamics.includes("/") ? [] : [row.dynamics],
    );
    const currency = `_${c.transactioncurrencyid}_value`;
    const select = [...new Set([c.accountid, c.name, c.accountnumber, c.mag_xerocontactid, ...mapped, currency])];
    const rows = [
      ...(await this.inChunks(account.entitySetName, select, c.accountnumber, match.numbers, toStringLiteral)),
      ...(await this.inChunks(account.entitySetName, select, c.name, match.names, toStringLiteral)),
      ...(await this.inChunks(
        account.entitySetName,
        select,
        c.mag_xerocontactid,
        match.xeroContactIds,
        toStringLiteral,
      )),
    ];
    const unique = new Map(rows.map((row) => [key(String(row[c.accountid])), row] as const));
    return [...unique.values()].map((row) => ({
      id: String(row[c.accountid]),
      name: text(row[c.name]) ?? "",
      ...(text(row[c.accountnumber]) === undefined ? {} : { accountNumber: text(row[c.accountnumber]) as string }),
      ...(text(row[c.mag_xerocontactid]) === undefined
        ? {}
        : { xeroContactId: key(text(row[c.mag_xerocontactid]) as string) }),
      columns: Object.fromEntries(mapped.map((name) => [name, row[name] ?? null] as const)),
      currencyId: text(row[currency]) === undefined ? null : key(text(row[currency]) as string),
    }));
  }

  async findProducts(
    numbers: readonly string[],
  ): Promise<Array<{ id: string; number: string; defaultUnitId?: string }>> {
    const c = product.columns;
    const rows = await this.inChunks(
      product.entitySetName,
      [c.productid, c.productnumber, `_${c.defaultuomid}_value`],
      c.productnumber,
      numbers,
      toStringLiteral,
    );
    return rows.map((row) => {
      const unit = text(row[`_${c.defaultuomid}_value`]);
      return {
        id: String(row[c.productid]),
        number: key(String(row[c.productnumber])),
        ...(unit === undefined ? {} : { defaultUnitId: unit }),
      };
    });
  }

  async write(items: readonly BatchItem[]): Promise<BatchResult[]> {
    if (items.length === 0) return [];
    return this.dataverse.executeBatch(items, { continueOnError: true });
  }
}
