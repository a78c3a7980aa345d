// Invoices: Xero to Dynamics 365 (off by default). Sales invoices approved in Xero (AUTHORISED or PAID) and changed
// since the cursor that Dynamics 365 does not have yet (by Xero id) are created with every mapping of the reference
// docs: the price list by currency (the connector's default price list wins for its currency), lines with the product
// by item code and its default unit, account code, tax rate, tax, discount and tracking options (N:N); the customer
// matched to an account by account number, then name — created when missing and never overwritten; the invoice's
// payments and credit notes with it; Paid / Canceled when nothing is due. Each invoice is one change set (all or
// nothing). Anything Dynamics 365 lacks (currency, price list, product, unit, account code, tax rate, branding theme,
// tracking option) fails the invoice on the sync log, naming what is missing.
// Reference docs: "Invoices: Xero to Dynamics 365"; Xero: https://developer.xero.com/documentation/api/accounting/invoices
import { randomUUID } from "node:crypto";
import type { BatchItem, BatchOperation } from "../adapters/dataverse/batch";
import { toGuidLiteral } from "../adapters/dataverse/odata";
import type { XeroPayment, XeroPulledInvoice } from "../adapters/xero/pull-schemas";
import { SyncError } from "../core/errors";
import { chunk } from "./batching";
import {
  invoice,
  invoicedetail,
  manyToMany,
  mag_brandingtheme,
  mag_taxrate,
  mag_trackingoption,
  mag_xeroaccountcode,
  mag_xeroconnector,
  mag_xerosyncstatus,
  pricelevel,
  product,
  transactioncurrency,
  uom,
  account,
} from "../generated/dataverse";
import {
  fromXeroContact,
  fromXeroInvoice,
  fromXeroPayment,
  toInvoiceColumns,
  toLineColumns,
} from "../mapping/convert-from-xero";
import { xeroRequestDate } from "../mapping/codecs";
import type { Plain } from "../mapping/engine";
import type { AccountFromXero, InvoiceFromXero, InvoiceLineFromXero } from "../model/payment";
import type { PageResult } from "./incremental-read";
import type { RunScope } from "./ports";
import { findAccountsFor, matchAccount, toAccountBody, toAccountCreate } from "./pull-accounts";
import {
  decideInvoiceState,
  isFailure,
  missing,
  retryingFor,
  runPull,
  toBind,
  toInvoiceStateOperation,
  toUserError,
  toWriteError,
  updatedAtOf,
  type PullDependencies,
  type PullFailure,
  type PullOptions,
} from "./pull-common";
import { toCreditNoteCreate } from "./pull-credit-notes";
import { toPaymentUpsert, toPlannedPayment } from "./pull-payments";
import type { AccountMatch, InvoiceRef, PullLookups } from "./pull-store";
import type { FlowReport } from "./run-report";

/** "Invoice: Status = AUTHORISED or PAID" */
const qualifyingStatuses = ["AUTHORISED", "PAID"] as const;

interface Product {
  id: string;
  defaultUnitId?: string;
}

interface Resolved {
  lookups: PullLookups;
  products: Map<string, Product>;
  customers: Map<string, { accountId: string } | { error: Error }>;
  payments: Map<string, XeroPayment[]>;
}

export class PullInvoicesFlow {
  constructor(
    private readonly deps: PullDependencies,
    private readonly options: PullOptions = {},
  ) {}

  run(scope: RunScope): Promise<FlowReport> {
    let lookups: PullLookups | undefined;
    return runPull(
      this.deps,
      scope,
      {
        read: (query) => this.deps.xero.getReceivableInvoices({ ...query, statuses: qualifyingStatuses }),
        id: (record: XeroPulledInvoice) => record.InvoiceID,
        updatedAt: (record: XeroPulledInvoice) => updatedAtOf(record.UpdatedDateUTC),
      },
      async (records, fail) => {
        lookups ??= await this.deps.pull.loadLookups(scope.connectorId);
        return this.writePage(scope, records, lookups, fail);
      },
      this.options,
    );
  }

  private async writePage(
    scope: RunScope,
    records: XeroPulledInvoice[],
    lookups: PullLookups,
    fail: (failure: PullFailure) => void,
  ): Promise<PageResult> {
    const { pull } = this.deps;
    const page: PageResult = { synced: 0, failed: 0, retryIds: [] };
    const known = new Set(
      (await pull.findInvoicesByXeroIds(records.map((record) => record.InvoiceID))).map((ref) => ref.xeroId),
    );
    const fresh: Array<{ record: XeroPulledInvoice; model: InvoiceFromXero }> = [];
    for (const record of records) {
      if (known.has(record.InvoiceID.toLowerCase())) continue;
      if (record.Type !== undefined && record.Type !== "ACCREC") continue;
      if (record.LineItems === undefined) {
        // A summary answer (Xero leaves line items out of unpaged lists): never create an invoice without its lines.
        page.failed += 1;
        page.retryIds.push(record.InvoiceID);
        fail({
          table: invoice.logicalName,
          xeroId: record.InvoiceID,
          name: record.InvoiceNumber ?? record.InvoiceID,
          error: new SyncError("Xero answered without the invoice's line items; it will be read again.", {
            kind: "transient",
          }),
        });
        continue;
      }
      try {
        fresh.push({ record, model: fromXeroInvoice(record) });
      } catch (thrown) {
        page.failed += 1;
        fail({
          table: invoice.logicalName,
          xeroId: record.InvoiceID,
          name: record.InvoiceNumber ?? record.InvoiceID,
          error: toUserError(thrown, "The Xero invoice"),
        });
      }
    }
    if (fresh.length === 0) return page;

    const accountOperations: BatchOperation[] = [];
    const resolved: Resolved = {
      lookups,
      products: await this.loadProducts(fresh.map((entry) => entry.model)),
      customers: await this.resolveCustomers(
        fresh.map((entry) => entry.model.xeroContactId),
        lookups,
        accountOperations,
      ),
      payments: await this.loadPayments(
        fresh.filter((entry) => (entry.record.Payments ?? []).length > 0).map((entry) => entry.model.xeroInvoiceId),
      ),
    };

    const changeSets: Array<{ changeSet: BatchOperation[]; model: InvoiceFromXero }> = [];
    for (const { record, model } of fresh) {
      try {
        changeSets.push({ changeSet: this.toChangeSet(scope, record, model, resolved), model });
      } catch (thrown) {
        page.failed += 1;
        page.retryIds.push(model.xeroInvoiceId);
        fail({
          table: invoice.logicalName,
          xeroId: model.xeroInvoiceId,
          name: model.number,
          error: toUserError(thrown, `The Xero invoice ${model.number}`),
        });
      }
    }
    if (changeSets.length === 0) return page;
    const items: BatchItem[] = [...accountOperations, ...changeSets.map((entry) => ({ changeSet: entry.changeSet }))];
    const results = await pull.write(items);
    // One result per operation, in order: the accounts first, then each invoice's change set.
    let index = accountOperations.length;
    for (const entry of changeSets) {
      const slice = results.slice(index, index + entry.changeSet.length);
      index += entry.changeSet.length;
      const failure = slice.find((result) => isFailure(result));
      if (failure === undefined && slice.length === entry.changeSet.length) {
        page.synced += 1;
        continue;
      }
      page.failed += 1;
      page.retryIds.push(entry.model.xeroInvoiceId);
      fail({
        table: invoice.logicalName,
        xeroId: entry.model.xeroInvoiceId,
        name: entry.model.number,
        error: toWriteError(failure),
      });
    }
    return page;
  }

  private async loadProducts(invoices: readonly InvoiceFromXero[]): Promise<Map<string, Product>> {
    const codes = invoices.flatMap((model) =>
      model.lines.flatMap((line) => (line.itemCode === undefined ? [] : [line.itemCode])),
    );
    if (codes.length === 0) return new Map();
    const rows = await this.deps.pull.findProducts(codes);
    return new Map(
      rows.map(
        (row) =>
          [
            row.number,
            { id: row.id, ...(row.defaultUnitId === undefined ? {} : { defaultUnitId: row.defaultUnitId }) },
          ] as const,
      ),
    );
  }

  /**
   * Each Xero contact of the page → an account: matched by account number, then name (then the stored Xero contact
   * id); created when missing (the create joins the page's $batch ahead of the invoices); never updated.
   */
  private async resolveCustomers(
    contactIds: readonly string[],
    lookups: PullLookups,
    operations: BatchOperation[],
  ): Promise<Map<string, { accountId: string } | { error: Error }>> {
    const unique = [...new Set(contactIds.map((id) => id.toLowerCase()))];
    const retrying = retryingFor(this.deps);
    const contacts: AccountFromXero[] = [];
    const customers = new Map<string, { accountId: string } | { error: Error }>();
    for (const ids of chunk(unique, 50)) {
      const found = await retrying(() => this.deps.xero.getContactsModified({ ids }));
      for (const record of found) {
        try {
          contacts.push(fromXeroContact(record));
        } catch (thrown) {
          customers.set(record.ContactID.toLowerCase(), {
            error: toUserError(thrown, `The Xero contact ${record.Name ?? record.ContactID}`),
          });
        }
      }
    }
    const accounts: AccountMatch[] = contacts.length === 0 ? [] : await findAccountsFor(this.deps.pull, contacts);
    for (const contact of contacts) {
      const existing = matchAccount(contact, accounts);
      if (existing !== undefined) {
        customers.set(contact.xeroContactId.toLowerCase(), { accountId: existing.id });
        continue;
      }
      try {
        const body = toAccountBody(contact, lookups);
        const created = toAccountCreate(body);
        operations.push(created.operation);
        accounts.push({
          id: created.id,
          name: contact.name,
          ...(contact.accountNumber === undefined ? {} : { accountNumber: contact.accountNumber }),
          xeroContactId: contact.xeroContactId.toLowerCase(),
          columns: body.columns,
          currencyId: body.currencyId,
        });
        customers.set(contact.xeroContactId.toLowerCase(), { accountId: created.id });
      } catch (thrown) {
        customers.set(contact.xeroContactId.toLowerCase(), {
          error: toUserError(thrown, `The Xero contact ${contact.name}`),
        });
      }
    }
    return customers;
  }

  /** The full payments (with their account) of invoices Xero says were paid: one call per 25 invoices. */
  private async loadPayments(invoiceIds: readonly string[]): Promise<Map<string, XeroPayment[]>> {
    const byInvoice = new Map<string, XeroPayment[]>();
    const retrying = retryingFor(this.deps);
    for (const ids of chunk(invoiceIds, 25)) {
      for (const payment of await retrying(() => this.deps.xero.getPaymentsOfInvoices(ids))) {
        const invoiceId = payment.Invoice?.InvoiceID?.toLowerCase();
        if (invoiceId === undefined || payment.Status === "DELETED") continue;
        byInvoice.set(invoiceId, [...(byInvoice.get(invoiceId) ?? []), payment]);
      }
    }
    return byInvoice;
  }

  /** The invoice, its lines with their tracking, its payments and credit notes, and its state: one change set. */
  private toChangeSet(
    scope: RunScope,
    record: XeroPulledInvoice,
    model: InvoiceFromXero,
    resolved: Resolved,
  ): BatchOperation[] {
    const { lookups } = resolved;
    const customer = resolved.customers.get(model.xeroContactId.toLowerCase());
    if (customer === undefined)
      throw missing(`The customer of Xero invoice ${model.number} could not be read from Xero.`);
    if ("error" in customer) throw customer.error;
    const currencyId = lookups.currencies.get(model.currencyCode);
    if (currencyId === undefined)
      throw missing(`The currency ${model.currencyCode} of Xero invoice ${model.number} is not in Dynamics 365.`);
    const priceListId = lookups.priceLists.get(model.currencyCode);
    if (priceListId === undefined)
      throw missing(`Dynamics 365 has no active price list in ${model.currencyCode} for Xero invoice ${model.number}.`);
    const themeId =
      model.brandingThemeId === undefined ? undefined : lookups.brandingThemes.get(model.brandingThemeId.toLowerCase());
    if (model.brandingThemeId !== undefined && themeId === undefined)
      throw missing(
        `The branding theme of Xero invoice ${model.number} is not in Dynamics 365 (refresh the reference data).`,
      );

    const id = randomUUID();
    const nav = invoice.navigation;
    const operations: BatchOperation[] = [
      {
        method: "POST",
        path: invoice.entitySetName,
        body: {
          [invoice.columns.invoiceid]: id,
          ...toInvoiceColumns(model),
          [invoice.columns.mag_addtoxero]: false,
          [invoice.columns.mag_xerosyncstatus]: mag_xerosyncstatus.Synced,
          [invoice.columns.mag_xerolastsyncedon]: new Date(this.deps.clock.now()).toISOString(),
          ...toBind(nav.customerid.account, account.entitySetName, customer.accountId),
          ...toBind(nav.transactioncurrencyid.transactioncurrency, transactioncurrency.entitySetName, currencyId),
          ...toBind(nav.pricelevelid.pricelevel, pricelevel.entitySetName, priceListId),
          ...toBind(nav.mag_xeroconnectorid.mag_xeroconnector, mag_xeroconnector.entitySetName, scope.connectorId),
          ...(themeId === undefined
            ? {}
            : toBind(nav.mag_brandingthemeid.mag_brandingtheme, mag_brandingtheme.entitySetName, themeId)),
        },
      },
    ];
    model.lines.forEach((line, index) =>
      operations.push(...this.toLineOperations(id, model, line, index + 1, resolved)),
    );

    const ref: InvoiceRef = { id, xeroId: model.xeroInvoiceId.toLowerCase(), number: model.number, statecode: 0 };
    for (const payment of resolved.payments.get(ref.xeroId) ?? []) {
      const parsed = fromXeroPayment(payment);
      operations.push(toPaymentUpsert(scope, parsed, toPlannedPayment(parsed, ref, lookups, model.currencyCode)));
    }
    for (const credit of record.CreditNotes ?? []) {
      if (
        credit.CreditNoteID === undefined ||
        credit.CreditNoteNumber === undefined ||
        credit.AppliedAmount === undefined
      )
        continue;
      const allocation = {
        xeroCreditNoteId: credit.CreditNoteID,
        number: credit.CreditNoteNumber,
        xeroInvoiceId: model.xeroInvoiceId,
        amount: credit.AppliedAmount,
        ...(credit.Date === undefined ? {} : { date: xeroRequestDate.decode(credit.Date) }),
      };
      operations.push(toCreditNoteCreate(scope, allocation, ref, lookups, model.currencyCode));
    }
    const state = decideInvoiceState(record, 0);
    if (state !== undefined) operations.push(toInvoiceStateOperation(id, state));
    return operations;
  }

  private toLineOperations(
    invoiceId: string,
    model: InvoiceFromXero,
    line: InvoiceLineFromXero,
    number: number,
    resolved: Resolved,
  ): BatchOperation[] {
    const { lookups } = resolved;
    const where = `line ${number} of Xero invoice ${model.number}`;
    const id = randomUUID();
    const nav = invoicedetail.navigation;
    const body: Plain = {
      [invoicedetail.columns.invoicedetailid]: id,
      ...toLineColumns(line),
      [invoicedetail.columns.ispriceoverridden]: true,
      ...toBind(nav.invoiceid.invoice, invoice.entitySetName, invoiceId),
    };
    if (line.itemCode === undefined) {
      // A write-in product: the description is the product (PRODUCT.md: productdescription + isproductoverridden).
      body[invoicedetail.columns.isproductoverridden] = true;
      body[invoicedetail.columns.productdescription] = line.description ?? "";
    } else {
      const found = resolved.products.get(line.itemCode.toLowerCase());
      if (found === undefined)
        throw missing(`The product ${line.itemCode} (item code of ${where}) is not in Dynamics 365.`);
      if (found.defaultUnitId === undefined)
        throw missing(`The product ${line.itemCode} (${where}) has no default unit in Dynamics 365.`);
      body[invoicedetail.columns.isproductoverridden] = false;
      Object.assign(
        body,
        toBind(nav.productid.product, product.entitySetName, found.id),
        toBind(nav.uomid.uom, uom.entitySetName, found.defaultUnitId),
      );
    }
    if (line.accountCode !== undefined) {
      const codeId = lookups.accountCodes.get(line.accountCode.toLowerCase());
      if (codeId === undefined)
        throw missing(
          `The account code ${line.accountCode} (${where}) is not in Dynamics 365 (refresh the reference data).`,
        );
      Object.assign(
        body,
        toBind(nav.mag_xeroaccountcodeid.mag_xeroaccountcode, mag_xeroaccountcode.entitySetName, codeId),
      );
    }
    if (line.taxType !== undefined) {
      const rateId = lookups.taxRates.get(line.taxType.toLowerCase());
      if (rateId === undefined)
        throw missing(`The tax rate ${line.taxType} (${where}) is not in Dynamics 365 (refresh the reference data).`);
      Object.assign(body, toBind(nav.mag_taxrateid.mag_taxrate, mag_taxrate.entitySetName, rateId));
    }
    const operations: BatchOperation[] = [{ method: "POST", path: invoicedetail.entitySetName, body }];
    const relationship = manyToMany.mag_InvoiceDetail_TrackingOption.navigationFromEntity1;
    for (const tracking of line.tracking) {
      const optionId = lookups.trackingOptions.get(
        `${tracking.category.toLowerCase()}|${tracking.option.toLowerCase()}`,
      );
      if (optionId === undefined)
        throw missing(
          `The tracking option ${tracking.category}: ${tracking.option} (${where}) is not in Dynamics 365 (refresh the reference data).`,
        );
      // Associate through the N:N: https://learn.microsoft.com/power-apps/developer/data-platform/webapi/associate-disassociate-entities-using-web-api
      operations.push({
        method: "POST",
        path: `${invoicedetail.entitySetName}(${toGuidLiteral(id).text})/${relationship}/$ref`,
        body: { "@odata.id": `${mag_trackingoption.entitySetName}(${toGuidLiteral(optionId).text})` },
      });
    }
    return operations;
  }
}
