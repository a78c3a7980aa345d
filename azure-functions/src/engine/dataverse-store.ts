// The flows' store over the Dataverse Web API (the infrastructure's DataversePort). Reads use $select / $expand and
// shape rows for the mapping tables: a looked-up row sits under its lookup's logical name, the customer lookup is
// `{ logicalName, id }`, lines sit under `invoice_details`. Every outcome of a run is written in ONE $batch (the
// commit point). Logical names come from the generated constants.
// Query syntax: https://learn.microsoft.com/power-apps/developer/data-platform/webapi/query/overview
// $batch: https://learn.microsoft.com/power-apps/developer/data-platform/webapi/execute-batch-operations-using-web-api
import type { BatchOperation } from "../adapters/dataverse/batch";
import {
  and,
  column,
  filter,
  isIn,
  nullLiteral,
  or,
  toBooleanLiteral,
  toDateTimeLiteral,
  toGuidLiteral,
  toKeySegment,
  toNumberLiteral,
  type ODataFragment,
} from "../adapters/dataverse/odata";
import type { DataversePort } from "../adapters/dataverse/port";
import type { Logger } from "../core/logger";
import { toDynamics, type Plain } from "../mapping/engine";
import {
  accountCodeFromXero,
  brandingThemeFromXero,
  taxRateFromXero,
  trackingCategoryFromXero,
  trackingOptionFromXero,
} from "../mapping/reference-data";
import {
  account,
  contact,
  invoice,
  invoicedetail,
  invoice_statecode,
  mag_brandingtheme,
  mag_creditnote,
  mag_flow,
  mag_lastresult,
  mag_taxrate,
  mag_trackingcategory,
  mag_trackingoption,
  mag_xeroaccountcode,
  mag_xeroconnector,
  mag_xerodataflow,
  mag_xerostatus,
  mag_xerosynclog,
  mag_xerosyncstatus,
  manyToMany,
  product,
  transactioncurrency,
} from "../generated/dataverse";
import { ConnectorSettings, type CustomerRef } from "../model";
import type { CommitResult, RecordOutcome, ReferenceData, RunScope, SyncStore, WriteBack } from "../flows/ports";
import { chunk } from "../flows/batching";

const ic = invoice.columns;
const dc = invoicedetail.columns;

/** Where an invoice's lines sit in the shaped row (the 1:N relationship's name, as the mapping table reads it). */
const linesKey: keyof typeof invoice.collections = "invoice_details";

/** Ids per `or` filter: 150 GUID comparisons keep a URL near 10 KB (Dataverse allows 32 KB; many HTTP stacks 16 KB). */
const idsPerQuery = 150;

/** Moves each expanded navigation property to its lookup's logical name (`mag_XeroAccountCodeId` → `mag_xeroaccountcodeid`). */
function nestLookups(row: Plain, navigationToLookup: Readonly<Record<string, string>>): Plain {
  const shaped: Plain = { ...row };
  for (const [navigation, lookup] of Object.entries(navigationToLookup)) {
    if (!(navigation in shaped)) continue;
    const value = shaped[navigation];
    delete shaped[navigation];
    shaped[lookup] = value;
  }
  return shaped;
}

const guidList = (ids: readonly string[]): ODataFragment[] => ids.map((id) => toGuidLiteral(id));

const choiceOf = {
  InvoicesToXero: mag_flow.InvoicesToXero,
  InvoicesFromXero: mag_flow.InvoicesFromXero,
  PaymentsFromXero: mag_flow.PaymentsFromXero,
  CreditNotesToXero: mag_flow.CreditNotesToXero,
  CreditNotesFromXero: mag_flow.CreditNotesFromXero,
  ContactsFromXero: mag_flow.ContactsFromXero,
  InvoiceEmailsToXero: mag_flow.InvoiceEmailsToXero,
  ReferenceData: mag_flow.ReferenceData,
} as const;

export class DataverseSyncStore implements SyncStore {
  constructor(
    private readonly dataverse: DataversePort,
    private readonly logger: Logger,
  ) {}

  /** The connector filter: this connector's records, and records without one when it is the default connector. */
  private connectorFilter(scope: RunScope, lookup: string): ODataFragment {
    const own = filter`${column(`_${lookup}_value`)} eq ${toGuidLiteral(scope.connectorId)}`;
    return scope.isDefaultConnector ? or(own, filter`${column(`_${lookup}_value`)} eq ${nullLiteral}`) : own;
  }

  // Selection criteria of "Invoices: Dynamics 365 to Xero": Active, Add to Xero = Yes, Synced with Xero = No,
  // modified in the window; failed ones wait for "Retry Xero sync" (which sets Pending). Lines come in a second read.
  async selectInvoicesToPush(scope: RunScope, top: number): Promise<Plain[]> {
    const rows = await this.dataverse.retrieveMultiple<Plain>(invoice.entitySetName, {
      select: [
        ic.invoiceid,
        ic.invoicenumber,
        ic.duedate,
        ic.datedelivered,
        ic.description,
        ic.mag_reference,
        ic.mag_xeropushattempt,
      ],
      filter: and(
        filter`${column(ic.statecode)} eq ${toNumberLiteral(invoice_statecode.Active)}`,
        filter`${column(ic.mag_addtoxero)} eq ${toBooleanLiteral(true)}`,
        or(
          filter`${column(ic.mag_synchedwithxero)} eq ${toBooleanLiteral(false)}`,
          filter`${column(ic.mag_synchedwithxero)} eq ${nullLiteral}`,
        ),
        or(
          filter`${column(ic.mag_xerosyncstatus)} ne ${toNumberLiteral(mag_xerosyncstatus.Failed)}`,
          filter`${column(ic.mag_xerosyncstatus)} eq ${nullLiteral}`,
        ),
        filter`${column(ic.modifiedon)} ge ${toDateTimeLiteral(scope.modifiedSince)}`,
        // "Line Items Count > 0", in the query itself: lineless invoices never fill the page and starve the rest.
        // Lambda operators: https://learn.microsoft.com/power-apps/developer/data-platform/webapi/query/filter-rows#filter-using-values-of-related-collections
        filter`${column(linesKey)}/any(d:d/${column(dc.invoicedetailid)} ne ${nullLiteral})`,
        this.connectorFilter(scope, ic.mag_xeroconnectorid),
        ...(scope.recordIds === undefined ? [] : [isIn(ic.invoiceid, guidList(scope.recordIds))]),
      ),
      orderBy: [`${ic.modifiedon} asc`],
      expand: [
        { property: invoice.navigation.customerid.account, select: [account.columns.accountid] },
        { property: invoice.navigation.customerid.contact, select: [contact.columns.contactid] },
        {
          property: invoice.navigation.transactioncurrencyid.transactioncurrency,
          select: [transactioncurrency.columns.isocurrencycode],
        },
        {
          property: invoice.navigation.mag_brandingthemeid.mag_brandingtheme,
          select: [mag_brandingtheme.columns.mag_xerobrandingthemeid],
        },
      ],
      top,
    });
    if (rows.length === 0) return [];
    const lines = await this.loadLines(rows.map((row) => String(row[ic.invoiceid])));
    return rows.flatMap((row) => {
      const id = String(row[ic.invoiceid]).toLowerCase();
      const invoiceLines = lines.get(id) ?? [];
      // A line deleted between the two queries: the invoice no longer qualifies.
      if (invoiceLines.length === 0) return [];
      const accountRow = row[invoice.navigation.customerid.account] as Plain | null | undefined;
      const contactRow = row[invoice.navigation.customerid.contact] as Plain | null | undefined;
      const customer =
        accountRow !== null && accountRow !== undefined
          ? { logicalName: account.logicalName, id: accountRow[account.columns.accountid] }
          : contactRow !== null && contactRow !== undefined
            ? { logicalName: contact.logicalName, id: contactRow[contact.columns.contactid] }
            : null;
      const shaped = nestLookups(row, {
        [invoice.navigation.transactioncurrencyid.transactioncurrency]: ic.transactioncurrencyid,
        [invoice.navigation.mag_brandingthemeid.mag_brandingtheme]: ic.mag_brandingthemeid,
      });
      delete shaped[invoice.navigation.customerid.account];
      delete shaped[invoice.navigation.customerid.contact];
      return [{ ...shaped, [ic.customerid]: customer, [linesKey]: invoiceLines }];
    });
  }

  /** Lines of the invoices, with product, account code, tax rate and tracking options (and their categories). */
  private async loadLines(invoiceIds: readonly string[]): Promise<Map<string, Plain[]>> {
    const byInvoice = new Map<string, Plain[]>();
    const tracking = manyToMany.mag_InvoiceDetail_TrackingOption.navigationFromEntity1;
    for (const ids of chunk(invoiceIds, idsPerQuery)) {
      const rows = await this.dataverse.retrieveMultiple<Plain>(invoicedetail.entitySetName, {
        select: [
          dc.invoicedetailid,
          dc.description,
          dc.productdescription,
          dc.quantity,
          dc.priceperunit,
          dc.tax,
          dc.manualdiscountamount,
          `_${dc.invoiceid}_value`,
        ],
        filter: isIn(`_${dc.invoiceid}_value`, guidList(ids)),
        orderBy: [`${dc.lineitemnumber} asc`],
        expand: [
          {
            property: invoicedetail.navigation.productid.product,
            select: [product.columns.name, product.columns.productnumber],
          },
          {
            property: invoicedetail.navigation.mag_xeroaccountcodeid.mag_xeroaccountcode,
            select: [mag_xeroaccountcode.columns.mag_code],
          },
          { property: invoicedetail.navigation.mag_taxrateid.mag_taxrate, select: [mag_taxrate.columns.mag_taxtype] },
          {
            property: tracking,
            select: [
              mag_trackingoption.columns.mag_name,
              `_${mag_trackingoption.columns.mag_trackingcategoryid}_value`,
            ],
          },
        ],
      });
      const categoryIds = new Set<string>();
      for (const row of rows)
        for (const option of (row[tracking] as Plain[] | undefined) ?? [])
          categoryIds.add(String(option[`_${mag_trackingoption.columns.mag_trackingcategoryid}_value`]));
      const categories = await this.loadTrackingCategoryNames([...categoryIds]);
      for (const row of rows) {
        const shaped = nestLookups(row, {
          [invoicedetail.navigation.productid.product]: dc.productid,
          [invoicedetail.navigation.mag_xeroaccountcodeid.mag_xeroaccountcode]: dc.mag_xeroaccountcodeid,
          [invoicedetail.navigation.mag_taxrateid.mag_taxrate]: dc.mag_taxrateid,
        });
        shaped[tracking] = ((row[tracking] as Plain[] | undefined) ?? []).map((option) => ({
          ...option,
          [mag_trackingoption.columns.mag_trackingcategoryid]: {
            [mag_trackingcategory.columns.mag_name]: categories.get(
              String(option[`_${mag_trackingoption.columns.mag_trackingcategoryid}_value`]),
            ),
          },
        }));
        const invoiceId = String(row[`_${dc.invoiceid}_value`]).toLowerCase();
        byInvoice.set(invoiceId, [...(byInvoice.get(invoiceId) ?? []), shaped]);
      }
    }
    return byInvoice;
  }

  private async loadTrackingCategoryNames(ids: readonly string[]): Promise<Map<string, string>> {
    const names = new Map<string, string>();
    for (const part of chunk(ids, idsPerQuery)) {
      const rows = await this.dataverse.retrieveMultiple<Plain>(mag_trackingcategory.entitySetName, {
        select: [mag_trackingcategory.columns.mag_trackingcategoryid, mag_trackingcategory.columns.mag_name],
        filter: isIn(mag_trackingcategory.columns.mag_trackingcategoryid, guidList(part)),
      });
      for (const row of rows)
        names.set(
          String(row[mag_trackingcategory.columns.mag_trackingcategoryid]),
          String(row[mag_trackingcategory.columns.mag_name]),
        );
    }
    return names;
  }

  async loadConnector(connectorId: string): Promise<ConnectorSettings> {
    const cc = mag_xeroconnector.columns;
    const row = await this.dataverse.retrieve<Plain>(mag_xeroconnector.entitySetName, connectorId, {
      select: [
        cc.mag_xeroconnectorid,
        cc.mag_name,
        cc.mag_xerotenantid,
        cc.mag_enabled,
        cc.mag_isdefault,
        cc.mag_autoapproveinvoices,
        cc.mag_markinvoicesassent,
      ],
      expand: [
        {
          property: mag_xeroconnector.navigation.mag_defaultaccountcodeid.mag_xeroaccountcode,
          select: [mag_xeroaccountcode.columns.mag_code],
        },
        {
          property: mag_xeroconnector.navigation.mag_defaulttaxrateid.mag_taxrate,
          select: [mag_taxrate.columns.mag_taxtype],
        },
      ],
    });
    if (row === undefined) throw new Error(`the Xero Connector ${connectorId} does not exist`);
    const accountCode = row[mag_xeroconnector.navigation.mag_defaultaccountcodeid.mag_xeroaccountcode] as
      Plain | null | undefined;
    const taxRate = row[mag_xeroconnector.navigation.mag_defaulttaxrateid.mag_taxrate] as Plain | null | undefined;
    const code = accountCode?.[mag_xeroaccountcode.columns.mag_code];
    const taxType = taxRate?.[mag_taxrate.columns.mag_taxtype];
    return ConnectorSettings.parse({
      connectorId: row[cc.mag_xeroconnectorid],
      ...(typeof row[cc.mag_name] === "string" ? { name: row[cc.mag_name] } : {}),
      xeroTenantId: row[cc.mag_xerotenantid] ?? "",
      enabled: row[cc.mag_enabled] === true,
      isDefault: row[cc.mag_isdefault] === true,
      autoApproveInvoices: row[cc.mag_autoapproveinvoices] === true,
      markInvoicesAsSent: row[cc.mag_markinvoicesassent] === true,
      ...(typeof code === "string" ? { defaultAccountCode: code } : {}),
      ...(typeof taxType === "string" ? { defaultTaxType: taxType } : {}),
    });
  }

  async loadCustomers(refs: readonly CustomerRef[]): Promise<Plain[]> {
    const rows: Plain[] = [];
    const accountIds = refs.filter((ref) => ref.kind === "account").map((ref) => ref.dynamicsId);
    const contactIds = refs.filter((ref) => ref.kind === "contact").map((ref) => ref.dynamicsId);
    const people = [contact.columns.firstname, contact.columns.lastname, contact.columns.emailaddress1];
    const address = (table: typeof account | typeof contact) => [
      table.columns.address1_line1,
      table.columns.address1_line2,
      table.columns.address1_line3,
      table.columns.address1_city,
      table.columns.address1_postalcode,
      table.columns.address1_stateorprovince,
      table.columns.address1_country,
      table.columns.address2_line1,
      table.columns.address2_line2,
      table.columns.address2_line3,
      table.columns.address2_city,
      table.columns.address2_postalcode,
      table.columns.address2_stateorprovince,
      table.columns.address2_country,
    ];
    const billing = manyToMany.mag_Account_Contact_BillingContacts.navigationFromEntity1;
    for (const ids of chunk(accountIds, idsPerQuery)) {
      const found = await this.dataverse.retrieveMultiple<Plain>(account.entitySetName, {
        select: [
          account.columns.accountid,
          account.columns.name,
          account.columns.accountnumber,
          account.columns.emailaddress1,
          account.columns.telephone1,
          account.columns.fax,
          account.columns.mag_xerocontactid,
          ...address(account),
        ],
        filter: isIn(account.columns.accountid, guidList(ids)),
        expand: [
          { property: account.navigation.primarycontactid.contact, select: people },
          {
            property: account.navigation.transactioncurrencyid.transactioncurrency,
            select: [transactioncurrency.columns.isocurrencycode],
          },
          { property: billing, select: people },
        ],
      });
      for (const row of found) {
        rows.push(
          nestLookups(row, {
            [account.navigation.primarycontactid.contact]: account.columns.primarycontactid,
            [account.navigation.transactioncurrencyid.transactioncurrency]: account.columns.transactioncurrencyid,
          }),
        );
      }
    }
    for (const ids of chunk(contactIds, idsPerQuery)) {
      const found = await this.dataverse.retrieveMultiple<Plain>(contact.entitySetName, {
        select: [
          contact.columns.contactid,
          contact.columns.fullname,
          ...people,
          contact.columns.telephone1,
          contact.columns.mobilephone,
          contact.columns.fax,
          contact.columns.mag_xerocontactid,
          ...address(contact),
        ],
        filter: isIn(contact.columns.contactid, guidList(ids)),
        expand: [
          {
            property: contact.navigation.transactioncurrencyid.transactioncurrency,
            select: [transactioncurrency.columns.isocurrencycode],
          },
        ],
      });
      for (const row of found) {
        const shaped = nestLookups(row, {
          [contact.navigation.transactioncurrencyid.transactioncurrency]: contact.columns.transactioncurrencyid,
        });
        // Dataverse computes fullname from first and last name; compose it when a row comes without it.
        if (typeof shaped[contact.columns.fullname] !== "string" || shaped[contact.columns.fullname] === "") {
          const composed = [shaped[contact.columns.firstname], shaped[contact.columns.lastname]]
            .filter((part) => typeof part === "string" && part !== "")
            .join(" ");
          if (composed !== "") shaped[contact.columns.fullname] = composed;
        }
        rows.push(shaped);
      }
    }
    return rows;
  }

  // "Credit Notes: Dynamics 365 to Xero": Add To Xero = Yes, Synched With Xero = No, modified in the window.
  async selectCreditNotesToPush(scope: RunScope, top: number): Promise<Plain[]> {
    const cn = mag_creditnote.columns;
    const rows = await this.dataverse.retrieveMultiple<Plain>(mag_creditnote.entitySetName, {
      select: [
        cn.mag_creditnoteid,
        cn.mag_creditdate,
        cn.mag_creditnotenumber,
        cn.mag_reference,
        cn.mag_amount,
        cn.mag_xeroid,
        cn.modifiedon,
      ],
      filter: and(
        filter`${column(cn.mag_addtoxero)} eq ${toBooleanLiteral(true)}`,
        or(
          filter`${column(cn.mag_synchedwithxero)} eq ${toBooleanLiteral(false)}`,
          filter`${column(cn.mag_synchedwithxero)} eq ${nullLiteral}`,
        ),
        or(
          filter`${column(cn.mag_xerosyncstatus)} ne ${toNumberLiteral(mag_xerosyncstatus.Failed)}`,
          filter`${column(cn.mag_xerosyncstatus)} eq ${nullLiteral}`,
        ),
        filter`${column(cn.modifiedon)} ge ${toDateTimeLiteral(scope.modifiedSince)}`,
        this.connectorFilter(scope, cn.mag_xeroconnectorid),
        ...(scope.recordIds === undefined ? [] : [isIn(cn.mag_creditnoteid, guidList(scope.recordIds))]),
      ),
      orderBy: [`${cn.modifiedon} asc`],
      expand: [
        { property: mag_creditnote.navigation.mag_invoiceid.invoice, select: [ic.mag_xeroid, ic.invoicenumber] },
      ],
      top,
    });
    return rows.map((row) => nestLookups(row, { [mag_creditnote.navigation.mag_invoiceid.invoice]: cn.mag_invoiceid }));
  }

  // "Invoice Emails: Dynamics 365 to Xero" (the Dynamics 365 criteria; Xero's are checked by the flow). Xero Sync
  // Error comes too: the flow writes its note only when the text would change.
  async selectInvoiceEmailsToSend(scope: RunScope, top: number): Promise<Plain[]> {
    return this.dataverse.retrieveMultiple<Plain>(invoice.entitySetName, {
      select: [ic.invoiceid, ic.invoicenumber, ic.mag_xeroid, ic.mag_xerosyncerror],
      filter: and(
        filter`${column(ic.mag_sendemailfromxero)} eq ${toBooleanLiteral(true)}`,
        or(
          filter`${column(ic.mag_emailsentfromxero)} eq ${toBooleanLiteral(false)}`,
          filter`${column(ic.mag_emailsentfromxero)} eq ${nullLiteral}`,
        ),
        filter`${column(ic.mag_synchedwithxero)} eq ${toBooleanLiteral(true)}`,
        filter`${column(ic.mag_xeroid)} ne ${nullLiteral}`,
        filter`${column(ic.modifiedon)} ge ${toDateTimeLiteral(scope.modifiedSince)}`,
        this.connectorFilter(scope, ic.mag_xeroconnectorid),
      ),
      orderBy: [`${ic.modifiedon} asc`],
      top,
    });
  }

  async selectProducts(modifiedSince: Date | undefined, top: number): Promise<Plain[]> {
    const pc = product.columns;
    return this.dataverse.retrieveMultiple<Plain>(
      product.entitySetName,
      {
        select: [pc.productid, pc.productnumber, pc.name],
        filter:
          modifiedSince === undefined
            ? filter`${column(pc.statecode)} eq ${toNumberLiteral(0)}`
            : and(
                filter`${column(pc.statecode)} eq ${toNumberLiteral(0)}`,
                filter`${column(pc.modifiedon)} gt ${toDateTimeLiteral(modifiedSince)}`,
              ),
        orderBy: [`${pc.modifiedon} asc`],
      },
      { maxRows: top },
    );
  }

  /** Matches on name per connector; updates what changed, creates what is new. Options match within their category. */
  async saveReferenceData(connectorId: string, data: ReferenceData): Promise<number> {
    const operations: BatchOperation[] = [];
    const connectorBind = (table: { navigation: { mag_xeroconnectorid: { mag_xeroconnector: string } } }) => ({
      [`${table.navigation.mag_xeroconnectorid.mag_xeroconnector}@odata.bind`]: `/${mag_xeroconnector.entitySetName}(${toGuidLiteral(connectorId).text})`,
    });
    const plan = async (
      table: {
        entitySetName: string;
        primaryIdAttribute: string;
        columns: { mag_name: string; mag_xeroconnectorid: string };
        navigation: { mag_xeroconnectorid: { mag_xeroconnector: string } };
      },
      rows: Plain[],
    ): Promise<Map<string, string>> => {
      const existing = await this.dataverse.retrieveMultiple<Plain>(table.entitySetName, {
        select: [table.primaryIdAttribute, table.columns.mag_name, ...Object.keys(rows[0] ?? {})],
        filter: filter`${column(`_${table.columns.mag_xeroconnectorid}_value`)} eq ${toGuidLiteral(connectorId)}`,
      });
      const byName = new Map(existing.map((row) => [String(row[table.columns.mag_name]).toLowerCase(), row] as const));
      const ids = new Map<string, string>();
      for (const row of rows) {
        const name = String(row[table.columns.mag_name]).toLowerCase();
        const current = byName.get(name);
        if (current === undefined) {
          const id = crypto.randomUUID();
          ids.set(name, id);
          operations.push({
            method: "POST",
            path: table.entitySetName,
            body: { [table.primaryIdAttribute]: id, ...row, ...connectorBind(table) },
          });
        } else {
          ids.set(name, String(current[table.primaryIdAttribute]));
          const changed = Object.entries(row).some(([key, value]) => current[key] !== value);
          if (changed)
            operations.push({
              method: "PATCH",
              path: `${table.entitySetName}${toKeySegment(String(current[table.primaryIdAttribute]))}`,
              headers: { "If-Match": "*" },
              body: row,
            });
        }
      }
      return ids;
    };
    await plan(
      mag_xeroaccountcode,
      data.accountCodes.map((code) => toDynamics(accountCodeFromXero, code)),
    );
    await plan(
      mag_taxrate,
      data.taxRates.map((rate) => toDynamics(taxRateFromXero, rate)),
    );
    await plan(
      mag_brandingtheme,
      data.brandingThemes.map((theme) => toDynamics(brandingThemeFromXero, theme)),
    );
    const categoryIds = await plan(
      mag_trackingcategory,
      data.trackingCategories.map((category) => toDynamics(trackingCategoryFromXero, category)),
    );
    for (const category of data.trackingCategories) {
      const categoryId = categoryIds.get(category.name.toLowerCase());
      if (categoryId === undefined || category.options.length === 0) continue;
      const existing = await this.dataverse.retrieveMultiple<Plain>(mag_trackingoption.entitySetName, {
        select: [
          mag_trackingoption.columns.mag_trackingoptionid,
          mag_trackingoption.columns.mag_name,
          mag_trackingoption.columns.mag_xerotrackingoptionid,
        ],
        filter: filter`${column(`_${mag_trackingoption.columns.mag_trackingcategoryid}_value`)} eq ${toGuidLiteral(categoryId)}`,
      });
      const byName = new Map(
        existing.map((row) => [String(row[mag_trackingoption.columns.mag_name]).toLowerCase(), row] as const),
      );
      for (const option of category.options) {
        const row = toDynamics(trackingOptionFromXero, option);
        const current = byName.get(option.name.toLowerCase());
        if (current === undefined) {
          operations.push({
            method: "POST",
            path: mag_trackingoption.entitySetName,
            body: {
              ...row,
              [`${mag_trackingoption.navigation.mag_trackingcategoryid.mag_trackingcategory}@odata.bind`]: `/${mag_trackingcategory.entitySetName}(${categoryId})`,
            },
          });
        } else if (Object.entries(row).some(([key, value]) => current[key] !== value)) {
          operations.push({
            method: "PATCH",
            path: `${mag_trackingoption.entitySetName}${toKeySegment(String(current[mag_trackingoption.columns.mag_trackingoptionid]))}`,
            headers: { "If-Match": "*" },
            body: row,
          });
        }
      }
    }
    if (operations.length === 0) return 0;
    const results = await this.dataverse.executeBatch(operations, { continueOnError: true });
    const failures = results.filter((result) => result.status >= 300);
    if (failures.length > 0)
      this.logger.warn("some reference data rows were not written", {
        failures: failures.length,
        error: failures[0]?.error,
      });
    return results.length - failures.length;
  }

  async commit(writeBack: WriteBack): Promise<CommitResult> {
    const { scope } = writeBack;
    const now = writeBack.run.ranOn.toISOString();
    const operations: { recordId?: string; operation: BatchOperation }[] = [];
    for (const outcome of writeBack.records)
      operations.push({ recordId: outcome.id, operation: toRecordOperation(outcome, now) });
    for (const link of writeBack.customers) {
      const table = link.ref.kind === "account" ? account : contact;
      operations.push({
        operation: {
          method: "PATCH",
          path: `${table.entitySetName}${toKeySegment(link.ref.dynamicsId)}`,
          headers: { "If-Match": "*" },
          body: { [table.columns.mag_xerocontactid]: link.xeroContactId },
        },
      });
    }
    const lc = mag_xerosynclog.columns;
    for (const log of writeBack.logs) {
      operations.push({
        operation: {
          method: "POST",
          path: mag_xerosynclog.entitySetName,
          body: {
            [lc.mag_name]: `${log.flow}: ${log.recordName}`.slice(0, 100),
            [`${mag_xerosynclog.navigation.mag_xeroconnectorid.mag_xeroconnector}@odata.bind`]: `/${mag_xeroconnector.entitySetName}(${toGuidLiteral(scope.connectorId).text})`,
            [lc.mag_flow]: choiceOf[log.flow],
            [lc.mag_recordtable]: log.table,
            [lc.mag_recordid]: log.recordId,
            [lc.mag_recordname]: log.recordName,
            [lc.mag_errorkind]: log.errorKind,
            [lc.mag_errortext]: log.errorText,
            [lc.mag_occurredon]: log.occurredOn.toISOString(),
            [lc.mag_correlationid]: log.correlationId,
          },
        },
      });
    }
    const fc = mag_xerodataflow.columns;
    if (scope.dataFlowId !== undefined) {
      operations.push({
        operation: {
          method: "PATCH",
          path: `${mag_xerodataflow.entitySetName}${toKeySegment(scope.dataFlowId)}`,
          headers: { "If-Match": "*" },
          body: {
            [fc.mag_lastrunon]: now,
            [fc.mag_lastresult]: mag_lastresult[writeBack.run.result],
            [fc.mag_recordssynced]: writeBack.run.synced,
            [fc.mag_recordsfailed]: writeBack.run.failed,
            [fc.mag_lastrunmessage]: writeBack.run.message,
          },
        },
      });
    }
    const cc = mag_xeroconnector.columns;
    const connectorBody: Plain = {};
    if (writeBack.connector.lastSynchedOn !== undefined)
      connectorBody[cc.mag_lastsynchedon] = writeBack.connector.lastSynchedOn.toISOString();
    if (writeBack.connector.callsRemainingToday !== undefined)
      connectorBody[cc.mag_xerocallsremainingtoday] = writeBack.connector.callsRemainingToday;
    if (writeBack.connector.disconnected !== undefined) {
      connectorBody[cc.mag_xerostatus] = mag_xerostatus.Disconnected;
      connectorBody[cc.mag_xerostatusreason] = writeBack.connector.disconnected.reason.slice(0, 1000);
      connectorBody[cc.mag_lasterror] = writeBack.connector.disconnected.reason;
    }
    if (Object.keys(connectorBody).length > 0) {
      operations.push({
        operation: {
          method: "PATCH",
          path: `${mag_xeroconnector.entitySetName}${toKeySegment(scope.connectorId)}`,
          headers: { "If-Match": "*" },
          body: connectorBody,
        },
      });
    }
    if (operations.length === 0) return { failedRecordIds: [] };
    const results = await this.dataverse.executeBatch(
      operations.map((entry) => entry.operation),
      { continueOnError: true },
    );
    const failedRecordIds: string[] = [];
    results.forEach((result, index) => {
      if (result.status < 300) return;
      const entry = operations[index];
      if (entry?.recordId !== undefined) failedRecordIds.push(entry.recordId);
      this.logger.warn("a write-back operation failed", {
        path: entry?.operation.path,
        status: result.status,
        error: result.error,
      });
    });
    return { failedRecordIds };
  }
}

function toRecordOperation(outcome: RecordOutcome, now: string): BatchOperation {
  const table = outcome.table === "invoice" ? invoice : mag_creditnote;
  const columns = table.columns;
  const path = `${table.entitySetName}${toKeySegment(outcome.id)}`;
  const headers = { "If-Match": "*" };
  switch (outcome.kind) {
    case "synced": {
      if (outcome.emailSent === true) {
        const body: Plain = { [ic.mag_emailsentfromxero]: true };
        if (outcome.clearNote === true) body[ic.mag_xerosyncerror] = null;
        return { method: "PATCH", path, headers, body };
      }
      const body: Plain = {
        [columns.mag_synchedwithxero]: true,
        [columns.mag_xeroid]: outcome.xeroId,
        [columns.mag_xerosyncstatus]: mag_xerosyncstatus.Synced,
        [columns.mag_xerosyncerror]: null,
      };
      if (outcome.table === "invoice") {
        body[ic.mag_xerolastsyncedon] = now;
        if (outcome.payNowLink !== undefined) body[ic.mag_xeropaynowlink] = outcome.payNowLink;
      }
      return { method: "PATCH", path, headers, body };
    }
    case "failed": {
      const body: Plain = {
        [columns.mag_xerosyncstatus]: mag_xerosyncstatus.Failed,
        [columns.mag_xerosyncerror]: outcome.message,
      };
      if (outcome.table === "invoice" && outcome.nextPushAttempt !== undefined)
        body[ic.mag_xeropushattempt] = outcome.nextPushAttempt;
      if (outcome.xeroId !== undefined) body[columns.mag_xeroid] = outcome.xeroId;
      return { method: "PATCH", path, headers, body };
    }
    case "noted":
      // Only the note: the invoice's sync status and the rest stay as the push left them.
      return { method: "PATCH", path, headers, body: { [ic.mag_xerosyncerror]: outcome.message } };
    case "retrying":
      return {
        method: "PATCH",
        path,
        headers,
        body: {
          [columns.mag_xerosyncstatus]: mag_xerosyncstatus.Retrying,
          [columns.mag_xerosyncerror]: outcome.message,
        },
      };
  }
}
