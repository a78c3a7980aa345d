import { PushInvoicesFlow } from "../../src/flows/push-invoices";
import { invoice } from "../../src/generated/dataverse";
import { startSandbox, warmReferenceData, type Sandbox } from "../support/sandbox";

let sandbox: Sandbox;

beforeAll(async () => {
  sandbox = await startSandbox();
  await warmReferenceData(sandbox);
});
afterAll(async () => {
  await sandbox.stop();
});

test("the demo invoices reach Xero as drafts and are written back", async () => {
  for (const id of Object.values(sandbox.seed.invoices)) await sandbox.client.update(invoice.entitySetName, id, { [invoice.columns.mag_addtoxero]: true });
  const report = await new PushInvoicesFlow(sandbox.deps).run(sandbox.scope("InvoicesToXero"));
  expect(report.result).toMatchObject({ result: "Succeeded", synced: 4, failed: 0 });
  const rows = await sandbox.client.retrieveMultiple<Record<string, unknown>>(invoice.entitySetName, { select: [invoice.columns.invoicenumber, invoice.columns.mag_synchedwithxero, invoice.columns.mag_xeroid] });
  expect(rows.every((row) => row[invoice.columns.mag_synchedwithxero] === true)).toBe(true);
  expect(sandbox.xero.store.tenant(sandbox.tenantId).invoices.size).toBe(4);
});

