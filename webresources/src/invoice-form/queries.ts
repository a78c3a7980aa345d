// The few Web API reads the invoice form makes, each with $select, $filter and $top so it moves only what it uses.
// Xrm.WebApi: https://learn.microsoft.com/power-apps/developer/model-driven-apps/clientapi/reference/xrm-webapi
import { invoicedetail, mag_xeroconnector } from "../generated/dataverse";
import { eqGuid, toLookupValueName, toQueryOptions } from "../shared/odata";
import type { ClientPorts } from "../shared/ports";
import type { ConnectorFacts } from "./rules";

type WebApi = ClientPorts["webApi"];

/** How many lines without a code are named in a message; more are summarised as "and N more". */
const missingLinesPage = 50;

const lineColumns = invoicedetail.columns;
const accountCodeValue = toLookupValueName(lineColumns.mag_xeroaccountcodeid);
const taxRateValue = toLookupValueName(lineColumns.mag_taxrateid);
const productValue = toLookupValueName(lineColumns.productid);
const formattedValue = "@OData.Community.Display.V1.FormattedValue";

export interface LineFacts {
  hasLines: boolean;
  linesWithoutAccountCode: string[];
  linesWithoutTaxRate: string[];
}

/** A line as the user knows it: its write-in description or the product's name. */
export function toLineLabel(row: Record<string, unknown>, position: number): string {
  const writeIn = row[lineColumns.productdescription];
  if (typeof writeIn === "string" && writeIn.trim() !== "") return `"${writeIn.trim()}"`;
  const product = row[`${productValue}${formattedValue}`];
  if (typeof product === "string" && product.trim() !== "") return `"${product.trim()}"`;
  return `line ${String(position)}`;
}

/**
 * Whether the invoice has lines, and which lack an account code or a tax rate. Two small reads in parallel: any line
 * at all ($top=1), and the lines missing a code (a page of them).
 */
export async function loadLineFacts(webApi: WebApi, invoiceId: string): Promise<LineFacts> {
  const ofInvoice = eqGuid(toLookupValueName(lineColumns.invoiceid), invoiceId);
  const [anyLine, missing] = await Promise.all([
    webApi.retrieveMultipleRecords(
      invoicedetail.logicalName,
      toQueryOptions({ select: [invoicedetail.primaryIdAttribute], filter: ofInvoice, top: 1 }),
    ),
    webApi.retrieveMultipleRecords(
      invoicedetail.logicalName,
      toQueryOptions({
        select: [invoicedetail.primaryIdAttribute, lineColumns.productdescription, productValue, accountCodeValue, taxRateValue],
        filter: `${ofInvoice} and (${accountCodeValue} eq null or ${taxRateValue} eq null)`,
        orderBy: `${lineColumns.sequencenumber} asc`,
        top: missingLinesPage,
      }),
    ),
  ]);
  const rows = missing.entities as Record<string, unknown>[];
  const labelled = rows.map((row, index) => ({ row, label: toLineLabel(row, index + 1) }));
  return {
    hasLines: anyLine.entities.length > 0 || rows.length > 0,
    linesWithoutAccountCode: labelled.filter(({ row }) => isEmpty(row[accountCodeValue])).map(({ label }) => label),
    linesWithoutTaxRate: labelled.filter(({ row }) => isEmpty(row[taxRateValue])).map(({ label }) => label),
  };
}

const connectorColumns = mag_xeroconnector.columns;
const connectorSelect = [
  mag_xeroconnector.primaryIdAttribute,
  connectorColumns.mag_name,
  connectorColumns.mag_enabled,
  connectorColumns.mag_autoapproveinvoices,
  toLookupValueName(connectorColumns.mag_defaultaccountcodeid),
  toLookupValueName(connectorColumns.mag_defaulttaxrateid),
];

export function toConnectorFacts(row: Record<string, unknown>, source: ConnectorFacts["source"]): ConnectorFacts {
  const name = row[connectorColumns.mag_name];
  return {
    name: typeof name === "string" ? name : "",
    enabled: row[connectorColumns.mag_enabled] !== false,
    autoApproveInvoices: row[connectorColumns.mag_autoapproveinvoices] === true,
    hasDefaultAccountCode: !isEmpty(row[toLookupValueName(connectorColumns.mag_defaultaccountcodeid)]),
    hasDefaultTaxRate: !isEmpty(row[toLookupValueName(connectorColumns.mag_defaulttaxrateid)]),
    source,
  };
}

/**
 * The connector the invoice syncs through: the one it names, else the active default connector ("Invoices tracked to
 * Xero without specifying a Xero Connector record will automatically sync to the Default Connector"). null if none.
 */
export async function loadConnectorFacts(webApi: WebApi, connectorId: string | null): Promise<ConnectorFacts | null> {
  if (connectorId !== null) {
    const row = await webApi.retrieveRecord<Record<string, unknown>>(
      mag_xeroconnector.logicalName,
      connectorId,
      toQueryOptions({ select: connectorSelect }),
    );
    return toConnectorFacts(row, "invoice");
  }
  const result = await webApi.retrieveMultipleRecords(
    mag_xeroconnector.logicalName,
    toQueryOptions({
      select: connectorSelect,
      filter: `${connectorColumns.mag_isdefault} eq true and ${connectorColumns.statecode} eq 0`,
      top: 1,
    }),
  );
  const row = result.entities[0] as Record<string, unknown> | undefined;
  return row === undefined ? null : toConnectorFacts(row, "default");
}

function isEmpty(value: unknown): boolean {
  return value === null || value === undefined || value === "";
}
