// Payments: Xero to Dynamics 365. Accounts-receivable payments changed since the cursor become *Xero Payment* rows,
// upserted on the Xero payment id (alternate key), linked to the invoice whose Xero id matches and to the account
// code; a payment deleted in Xero deactivates its row. Then each invoice the page touched is read back from Xero and
// closed as Paid when nothing is left to pay, or reopened when a deleted payment made it due again.
// Reference docs: "Payments: Xero to Dynamics 365"; Xero: https://developer.xero.com/documentation/api/accounting/payments
import type { BatchOperation } from "../adapters/dataverse/batch";
import { toKeySegment } from "../adapters/dataverse/odata";
import type { XeroPayment } from "../adapters/xero/pull-schemas";
import {
  invoice,
  mag_payment,
  mag_payment_statecode,
  mag_payment_statuscode,
  mag_xeroaccountcode,
  mag_xeroconnector,
  transactioncurrency,
} from "../generated/dataverse";
import { fromXeroPayment, toPaymentColumns } from "../mapping/convert-from-xero";
import type { Plain } from "../mapping/engine";
import type { Payment } from "../model/payment";
import type { PageResult } from "./incremental-read";
import type { RunScope } from "./ports";
import {
  isFailure,
  planInvoiceStates,
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
import type { InvoiceRef, PaymentMatch, PullLookups } from "./pull-store";
import type { FlowReport } from "./run-report";

export class PullPaymentsFlow {
  constructor(
    private readonly deps: PullDependencies,
    private readonly options: PullOptions = {},
  ) {}

  run(scope: RunScope): Promise<FlowReport> {
    let lookups: PullLookups | undefined;
    const source = {
      read: (query: Parameters<PullDependencies["xero"]["getReceivablePayments"]>[0]) =>
        this.deps.xero.getReceivablePayments(query),
      id: (payment: XeroPayment) => payment.PaymentID,
      updatedAt: (payment: XeroPayment) => updatedAtOf(payment.UpdatedDateUTC),
    };
    return runPull(
      this.deps,
      scope,
      source,
      async (records, fail, page) => {
        lookups ??= await this.deps.pull.loadLookups(scope.connectorId);
        return this.writePage(scope, records, lookups, fail, page.retried);
      },
      this.options,
    );
  }

  private async writePage(
    scope: RunScope,
    records: XeroPayment[],
    lookups: PullLookups,
    fail: (failure: PullFailure) => void,
    retried: boolean,
  ): Promise<PageResult> {
    const { pull } = this.deps;
    const page: PageResult = { synced: 0, failed: 0, retryIds: [] };
    const payments: Payment[] = [];
    for (const record of records) {
      try {
        payments.push(fromXeroPayment(record));
      } catch (thrown) {
        page.failed += 1;
        fail({
          table: mag_payment.logicalName,
          xeroId: record.PaymentID,
          name: record.Reference ?? record.PaymentID,
          error: toUserError(thrown, "The Xero payment"),
        });
      }
    }
    if (payments.length === 0) return page;
    const invoices = new Map(
      (
        await pull.findInvoicesByXeroIds(
          payments.flatMap((payment) => (payment.xeroInvoiceId === undefined ? [] : [payment.xeroInvoiceId])),
        )
      ).map((ref) => [ref.xeroId, ref] as const),
    );
    const existing = new Map(
      (await pull.findPaymentsByXeroIds(payments.map((payment) => payment.xeroPaymentId))).map(
        (row) => [row.xeroPaymentId, row] as const,
      ),
    );

    const operations: Array<{ operation: BatchOperation; payments: Payment[] }> = [];
    // Invoices whose payments changed (or are read again after a failure): only those can need closing or reopening.
    const touched = new Map<string, InvoiceRef>();
    const touch = (ref: InvoiceRef | undefined): void => {
      if (ref !== undefined) touched.set(ref.id, ref);
    };
    for (const payment of payments) {
      const ref = payment.xeroInvoiceId === undefined ? undefined : invoices.get(payment.xeroInvoiceId.toLowerCase());
      const row = existing.get(payment.xeroPaymentId.toLowerCase());
      if (payment.status === "DELETED") {
        // Never synced, or already deactivated: nothing to undo (a retry still re-checks the invoice).
        if (row === undefined || !row.active) {
          if (retried) touch(ref);
          continue;
        }
        operations.push({ operation: toDeactivation(row.id), payments: [payment] });
        touch(ref);
        continue;
      }
      const planned = toPlannedPayment(payment, ref, lookups, currencyOf(records, payment));
      if (!retried && isUnchanged(planned, row)) continue;
      operations.push({ operation: toPaymentUpsert(scope, payment, planned), payments: [payment] });
      touch(ref);
    }
    const states = await planInvoiceStates(this.deps, retryingFor(this.deps), [...touched.values()]);
    for (const { ref, state } of states) {
      operations.push({
        operation: toInvoiceStateOperation(ref.id, state),
        payments: payments.filter((payment) => payment.xeroInvoiceId?.toLowerCase() === ref.xeroId),
      });
    }
    if (operations.length === 0) return page;

    const results = await pull.write(operations.map((entry) => entry.operation));
    const failedIds = new Set<string>();
    operations.forEach((entry, index) => {
      const result = results[index];
      if (!isFailure(result)) return;
      const error = toWriteError(result);
      for (const payment of entry.payments) {
        if (failedIds.has(payment.xeroPaymentId)) continue;
        failedIds.add(payment.xeroPaymentId);
        fail({
          table: entry.operation.path.startsWith(invoice.entitySetName) ? invoice.logicalName : mag_payment.logicalName,
          xeroId: payment.xeroPaymentId,
          name: toPaymentName(payment),
          error,
        });
      }
    });
    const written = new Set(
      operations.flatMap((entry) =>
        entry.operation.path.startsWith(mag_payment.entitySetName)
          ? entry.payments.map((payment) => payment.xeroPaymentId)
          : [],
      ),
    );
    page.synced += [...written].filter((id) => !failedIds.has(id)).length;
    page.failed += failedIds.size;
    page.retryIds.push(...failedIds);
    return page;
  }
}

function currencyOf(records: XeroPayment[], payment: Payment): string | undefined {
  const record = records.find((candidate) => candidate.PaymentID === payment.xeroPaymentId);
  return record?.Invoice?.CurrencyCode;
}

function toPaymentName(payment: Payment): string {
  const day = payment.date?.slice(0, 10);
  return ["Payment", payment.invoiceNumber, day]
    .filter((part) => part !== undefined && part !== "")
    .join(" ")
    .slice(0, 100);
}

export interface PlannedPayment {
  columns: Plain;
  /** lookup column → target row id (lower-cased) or null. */
  lookups: Record<string, string | null>;
}

export function toPlannedPayment(
  payment: Payment,
  ref: InvoiceRef | undefined,
  lookups: PullLookups,
  currencyCode: string | undefined,
): PlannedPayment {
  const c = mag_payment.columns;
  const columns: Plain = { ...toPaymentColumns(payment), [c.mag_name]: toPaymentName(payment) };
  delete columns[c.mag_xeropaymentid];
  const id = (value: string | undefined): string | null => (value === undefined ? null : value.toLowerCase());
  return {
    columns,
    lookups: {
      [c.mag_invoiceid]: id(ref?.id),
      [c.mag_xeroaccountcodeid]: id(
        payment.accountCode === undefined ? undefined : lookups.accountCodes.get(payment.accountCode.toLowerCase()),
      ),
      [c.transactioncurrencyid]: id(
        currencyCode === undefined ? undefined : lookups.currencies.get(currencyCode.toUpperCase()),
      ),
    },
  };
}

/** An overlapping re-read writes nothing when the row already says what Xero says. */
function isUnchanged(planned: PlannedPayment, existing: PaymentMatch | undefined): boolean {
  if (existing === undefined || !existing.active) return false;
  const sameColumns = Object.entries(planned.columns).every(
    ([name, value]) => (existing.columns[name] ?? null) === (value ?? null),
  );
  const sameLookups = Object.entries(planned.lookups).every(
    ([name, value]) => value === null || existing.lookups[name] === value,
  );
  return sameColumns && sameLookups;
}

/** PATCH by the alternate key with neither If-Match nor If-None-Match: an upsert. https://learn.microsoft.com/power-apps/developer/data-platform/use-upsert-insert-update-record */
export function toPaymentUpsert(scope: RunScope, payment: Payment, planned: PlannedPayment): BatchOperation {
  const nav = mag_payment.navigation;
  const c = mag_payment.columns;
  const bind = (column: string, navigation: string, entitySetName: string): Plain => {
    const id = planned.lookups[column];
    return id === null || id === undefined ? {} : toBind(navigation, entitySetName, id);
  };
  const body: Plain = {
    ...planned.columns,
    ...toBind(nav.mag_xeroconnectorid.mag_xeroconnector, mag_xeroconnector.entitySetName, scope.connectorId),
    ...bind(c.mag_invoiceid, nav.mag_invoiceid.invoice, invoice.entitySetName),
    ...bind(c.mag_xeroaccountcodeid, nav.mag_xeroaccountcodeid.mag_xeroaccountcode, mag_xeroaccountcode.entitySetName),
    ...bind(c.transactioncurrencyid, nav.transactioncurrencyid.transactioncurrency, transactioncurrency.entitySetName),
  };
  return {
    method: "PATCH",
    path: `${mag_payment.entitySetName}${toKeySegment({ [c.mag_xeropaymentid]: payment.xeroPaymentId })}`,
    body,
  };
}

function toDeactivation(paymentRowId: string): BatchOperation {
  return {
    method: "PATCH",
    path: `${mag_payment.entitySetName}${toKeySegment(paymentRowId)}`,
    headers: { "If-Match": "*" },
    body: {
      [mag_payment.columns.statecode]: mag_payment_statecode.Inactive,
      [mag_payment.columns.statuscode]: mag_payment_statuscode.Inactive,
    },
  };
}
