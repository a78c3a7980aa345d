import { PullPaymentsFlow } from "../../src/flows/pull-payments";
import { createMemoryCursorStore } from "../../src/flows/incremental-read";
import {
  invoice_statecode,
  invoice_statuscode,
  mag_direction,
  mag_flow,
  mag_lastresult,
  mag_payment,
  mag_xeroaccountcode,
  mag_xeroconnector,
  mag_xerodataflow,
  mag_xerostatus,
} from "../../src/generated/dataverse";
import { invoiceState, pullDependencies, pushDemoInvoicesApproved, without, type Row } from "../support/pull";
import { startSandbox, warmReferenceData, type Sandbox } from "../support/sandbox";
import { xeroBooks, type XeroBooks } from "../support/xero-books";

let sandbox: Sandbox;
let books: XeroBooks;
let invoices: Map<string, { id: string; xeroId: string; number: string }>;
const cursors = createMemoryCursorStore();

const pc = mag_payment.columns;
const paymentRows = (): Promise<Row[]> =>
  sandbox.client.retrieveMultiple<Row>(mag_payment.entitySetName, {
    select: [
      pc.mag_name,
      pc.mag_xeropaymentid,
      pc.mag_paymentdate,
      pc.mag_amount,
      pc.mag_reference,
      `_${pc.mag_invoiceid}_value`,
      `_${pc.mag_xeroaccountcodeid}_value`,
      `_${pc.mag_xeroconnectorid}_value`,
      pc.statecode,
    ],
    orderBy: [`${pc.createdon} asc`],
  });
const run = (overrides: { dataFlowId?: string } = {}) =>
  new PullPaymentsFlow(pullDependencies(sandbox, cursors)).run(sandbox.scope("PaymentsFromXero", overrides));
const first = () => {
  const found = invoices.values().next().value;
  if (found === undefined) throw new Error("no pushed invoice");
  return found;
};

beforeAll(async () => {
  sandbox = await startSandbox();
  await warmReferenceData(sandbox);
  invoices = await pushDemoInvoicesApproved(sandbox);
  books = xeroBooks(sandbox.xero, sandbox.tenantId);
});
afterAll(async () => {
  await sandbox.stop();
});

test("a partial payment becomes a Xero Payment row with every mapped field; the invoice stays open", async () => {
  const target = first();
  sandbox.clock.advance(60_000);
  const paymentId = await books.pay(target.xeroId, 10, { Reference: "Deposit", Date: "2026-03-02" });
  const report = await run();
  expect(report.result).toMatchObject({ result: "Succeeded", synced: 1, failed: 0 });
  const codes = await sandbox.client.retrieveMultiple<Row>(mag_xeroaccountcode.entitySetName, {
    select: [mag_xeroaccountcode.columns.mag_xeroaccountcodeid, mag_xeroaccountcode.columns.mag_code],
  });
  const bank = codes.find((row) => row[mag_xeroaccountcode.columns.mag_code] === "090");
  const rows = await paymentRows();
  expect(rows.map((row) => without(row, pc.mag_paymentid))).toStrictEqual([
    {
      [pc.mag_name]: `Payment ${target.number} 2026-03-02`,
      [pc.mag_xeropaymentid]: paymentId,
      [pc.mag_paymentdate]: "2026-03-02",
      [pc.mag_amount]: 10,
      [pc.mag_reference]: "Deposit",
      [`_${pc.mag_invoiceid}_value`]: target.id,
      [`_${pc.mag_xeroaccountcodeid}_value`]: bank?.[mag_xeroaccountcode.columns.mag_xeroaccountcodeid],
      [`_${pc.mag_xeroconnectorid}_value`]: sandbox.connectorId,
      [pc.statecode]: 0,
    },
  ]);
  expect(await invoiceState(sandbox, target.id)).toStrictEqual({
    statecode: invoice_statecode.Active,
    statuscode: expect.any(Number),
  });
});

test("the final payment closes the invoice as Paid (statecode 2, statuscode 100001)", async () => {
  const target = first();
  sandbox.clock.advance(60_000);
  await books.pay(target.xeroId, books.amountDue(target.xeroId));
  const report = await run();
  expect(report.result).toMatchObject({ result: "Succeeded", failed: 0 });
  expect((await paymentRows()).length).toBe(2);
  expect(await invoiceState(sandbox, target.id)).toStrictEqual({
    statecode: invoice_statecode.Paid,
    statuscode: invoice_statuscode.Complete,
  });
});

test("a rerun with nothing new creates nothing and reads Xero once", async () => {
  sandbox.clock.advance(60 * 60_000);
  const before = sandbox.calls.length;
  const report = await run();
  expect(report.result.result).toBe("NothingToDo");
  expect(sandbox.calls.length - before).toBe(1);
  expect((await paymentRows()).length).toBe(2);
});

test("a payment deleted in Xero deactivates its row and reopens the invoice", async () => {
  const target = first();
  const rows = await paymentRows();
  const last = rows[1]?.[pc.mag_xeropaymentid];
  sandbox.clock.advance(60_000);
  await books.deletePayment(String(last));
  const report = await run();
  expect(report.result).toMatchObject({ result: "Succeeded", synced: 1, failed: 0 });
  const after = await paymentRows();
  expect(after.map((row) => row[pc.statecode])).toStrictEqual([0, 1]);
  expect(await invoiceState(sandbox, target.id)).toStrictEqual({
    statecode: invoice_statecode.Active,
    statuscode: invoice_statuscode.New,
  });
});

test("a cursor in the future does no work", async () => {
  await cursors.save(
    "connection-1",
    "PaymentsFromXero",
    { modifiedUpTo: "2200-01-01T00:00:00.000Z", retry: [] },
    (await cursors.get("connection-1", "PaymentsFromXero"))?.etag,
  );
  const before = sandbox.calls.length;
  const report = await run();
  expect(report.result.result).toBe("NothingToDo");
  expect(sandbox.calls.length).toBe(before);
});

test("Xero's 429 and 503 are retried within the run; the result lands on the data-flow row", async () => {
  await cursors.reset("connection-1", "PaymentsFromXero");
  const dataFlowId = await sandbox.client.create(mag_xerodataflow.entitySetName, {
    [mag_xerodataflow.columns.mag_name]: "Payments from Xero",
    [`${mag_xerodataflow.navigation.mag_xeroconnectorid.mag_xeroconnector}@odata.bind`]: `/${mag_xeroconnector.entitySetName}(${sandbox.connectorId})`,
    [mag_xerodataflow.columns.mag_flow]: mag_flow.PaymentsFromXero,
    [mag_xerodataflow.columns.mag_direction]: mag_direction.XeroToDynamics,
    [mag_xerodataflow.columns.mag_enabled]: true,
  });
  const target = [...invoices.values()][1];
  if (target === undefined) throw new Error("no second invoice");
  sandbox.clock.advance(60_000);
  await books.pay(target.xeroId, 5);
  sandbox.xero.faults.inject({ kind: "429", count: 1, match: { method: "GET", path: "/Payments" } });
  sandbox.xero.faults.inject({ kind: "503", count: 1, match: { method: "GET", path: "/Payments" } });
  const report = await run({ dataFlowId });
  expect(report.result).toMatchObject({ result: "Succeeded", synced: 1, failed: 0 });
  expect((await paymentRows()).length).toBe(3);
  const row = await sandbox.client.retrieve<Row>(mag_xerodataflow.entitySetName, dataFlowId, {
    select: [
      mag_xerodataflow.columns.mag_lastresult,
      mag_xerodataflow.columns.mag_recordssynced,
      mag_xerodataflow.columns.mag_recordsfailed,
      mag_xerodataflow.columns.mag_lastrunmessage,
    ],
  });
  expect([
    row?.[mag_xerodataflow.columns.mag_lastresult],
    row?.[mag_xerodataflow.columns.mag_recordssynced],
    row?.[mag_xerodataflow.columns.mag_recordsfailed],
    row?.[mag_xerodataflow.columns.mag_lastrunmessage],
  ]).toStrictEqual([mag_lastresult.Succeeded, 1, 0, "1 synced, 0 failed."]);
});

test("a revoked grant disconnects the connector and the run fails without writing", async () => {
  sandbox.xero.identity.revokeGrantsForTenant(sandbox.tenantId);
  const report = await run();
  expect(report.result.result).toBe("Failed");
  const connector = await sandbox.client.retrieve<Row>(mag_xeroconnector.entitySetName, sandbox.connectorId, {
    select: [mag_xeroconnector.columns.mag_xerostatus],
  });
  expect(connector?.[mag_xeroconnector.columns.mag_xerostatus]).toBe(mag_xerostatus.Disconnected);
});
