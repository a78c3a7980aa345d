// The pull flows over the end-to-end sandbox: their dependencies (the sandbox's adapters, the Dataverse pull store,
// a cursor store in memory unless a test brings its own) and helpers to read what they wrote.
import { DataversePullStore } from "../../src/engine/dataverse-pull-store";
import { createMemoryCursorStore, type PullCursorStore } from "../../src/flows/incremental-read";
import type { PullDependencies } from "../../src/flows/pull-common";
import { invoice, mag_xeroconnector } from "../../src/generated/dataverse";
import { PushInvoicesFlow } from "../../src/flows/push-invoices";
import type { Sandbox } from "./sandbox";

export type Row = Record<string, unknown>;

/** A row without the named columns and without OData annotations (etag, formatted values). */
export function without(row: Row | undefined, ...names: string[]): Row {
  return Object.fromEntries(
    Object.entries(row ?? {}).filter(
      ([name]) => !names.includes(name) && !name.startsWith("@") && !name.includes("@OData."),
    ),
  );
}

export function pullDependencies(
  sandbox: Sandbox,
  cursors: PullCursorStore = createMemoryCursorStore(),
): PullDependencies {
  return { ...sandbox.deps, xero: sandbox.xeroPort, pull: new DataversePullStore(sandbox.client), cursors };
}

/** Pushes the demo invoices approved, so Xero has them AUTHORISED and Dynamics 365 knows their Xero ids. */
export async function pushDemoInvoicesApproved(
  sandbox: Sandbox,
): Promise<Map<string, { id: string; xeroId: string; number: string }>> {
  await sandbox.setConnector({ [mag_xeroconnector.columns.mag_autoapproveinvoices]: true });
  for (const id of Object.values(sandbox.seed.invoices))
    await sandbox.client.update(invoice.entitySetName, id, { [invoice.columns.mag_addtoxero]: true });
  await new PushInvoicesFlow(sandbox.deps).run(sandbox.scope("InvoicesToXero"));
  const rows = await sandbox.client.retrieveMultiple<Row>(invoice.entitySetName, {
    select: [invoice.columns.invoiceid, invoice.columns.invoicenumber, invoice.columns.mag_xeroid],
  });
  const byNumber = new Map<string, { id: string; xeroId: string; number: string }>();
  for (const row of rows) {
    if (typeof row[invoice.columns.mag_xeroid] !== "string") continue;
    const number = String(row[invoice.columns.invoicenumber]);
    byNumber.set(number, {
      id: String(row[invoice.columns.invoiceid]),
      xeroId: String(row[invoice.columns.mag_xeroid]),
      number,
    });
  }
  return byNumber;
}

export async function invoiceState(
  sandbox: Sandbox,
  invoiceId: string,
): Promise<{ statecode: unknown; statuscode: unknown }> {
  const row = await sandbox.client.retrieve<Row>(invoice.entitySetName, invoiceId, {
    select: [invoice.columns.statecode, invoice.columns.statuscode],
  });
  return { statecode: row?.[invoice.columns.statecode], statuscode: row?.[invoice.columns.statuscode] };
}

/** A Dynamics 365 invoice already linked to a Xero invoice (as a pushed one is), for the demo account, in NZD. */
export async function createLinkedInvoice(
  sandbox: Sandbox,
  xeroInvoiceId: string,
  number: string,
  accountId: string,
): Promise<string> {
  return sandbox.client.create(invoice.entitySetName, {
    [invoice.columns.name]: number,
    [invoice.columns.invoicenumber]: number,
    [invoice.columns.mag_xeroid]: xeroInvoiceId,
    [invoice.columns.mag_synchedwithxero]: true,
    [`${invoice.navigation.customerid.account}@odata.bind`]: `/accounts(${accountId})`,
    [`${invoice.navigation.pricelevelid.pricelevel}@odata.bind`]: `/pricelevels(${sandbox.seed.priceLists.NZD})`,
  });
}

/** A cursor store whose `failOnSave`-th save throws: the process "dies" after a page is written, before its cursor. */
export function crashingCursorStore(inner: PullCursorStore, failOnSave: number): PullCursorStore {
  let saves = 0;
  return {
    get: (connectionId, flow) => inner.get(connectionId, flow),
    reset: (connectionId, flow) => inner.reset(connectionId, flow),
    async save(connectionId, flow, cursor, etag) {
      saves += 1;
      if (saves === failOnSave) throw new Error("killed before the cursor was saved");
      return inner.save(connectionId, flow, cursor, etag);
    },
  };
}
