// Bench section for the pull flows (Xero → Dynamics 365), run by `npm run bench` after the push sections on the same
// sandbox. Figures: `idlePullXeroCalls` — a timed cycle with the default flows enabled (Payments and Credit Notes from
// Xero) and nothing new in Xero; the target is at most one Xero call per enabled pull flow. Also the cost of pulling
// 100 new payments (Xero calls and Dataverse requests).
import { randomUUID } from "node:crypto";
import { AccountingApi, ObjectSerializer, type Payments } from "xero-node";
import {
  fromQueueMessageText,
  openQueue,
  syncWorkQueueName,
  toWorkMessage,
} from "../../azure-functions/src/adapters/queue/work-queue";
import {
  mag_direction,
  mag_flow,
  mag_xeroconnector,
  mag_xerodataflow,
} from "../../azure-functions/src/generated/dataverse";
import type { BenchContext, BenchSection } from "../bench";

/** The reference docs' defaults: Payments and Credit Notes from Xero on (3 hours), Invoices (15 minutes) and Contacts off. */
const pullFlows = [
  { flow: "PaymentsFromXero", enabled: true, interval: 180 },
  { flow: "CreditNotesFromXero", enabled: true, interval: 180 },
  { flow: "InvoicesFromXero", enabled: false, interval: 15 },
  { flow: "ContactsFromXero", enabled: false, interval: 180 },
] as const;

/** The Xero operations only the pull flows use. */
const pullOperations = new Set(["getPayments", "getCreditNotes", "getInvoices", "getContacts"]);

async function runCycle(context: BenchContext): Promise<void> {
  await context.service.scheduler.run();
  const queue = openQueue(context.azurite.connectionString, syncWorkQueueName);
  for (;;) {
    const received = await queue.receiveMessages({ numberOfMessages: 32 });
    if (received.receivedMessageItems.length === 0) break;
    for (const item of received.receivedMessageItems) {
      await context.service.worker.handle(fromQueueMessageText(item.messageText));
      await queue.deleteMessage(item.messageId, item.popReceipt);
    }
  }
}

/** Pays `count` approved invoices in Xero in one request, as a finance user (or the pay-now link) would. */
async function payInvoices(context: BenchContext, count: number): Promise<number> {
  const tenant = context.xero.store.tenant(context.tenantId);
  const unpaid = [...tenant.invoices.values()].filter((invoice) => invoice.Status === "AUTHORISED").slice(0, count);
  const api = new AccountingApi();
  api.basePath = context.xero.apiUrl;
  api.accessToken = context.xero.issueTokenSet({ tenantIds: [context.tenantId] }).access_token;
  const payments = unpaid.map((invoice) => ({
    Invoice: { InvoiceID: invoice.InvoiceID },
    Account: { Code: "090" },
    Amount: invoice.Total - invoice.AmountPaid - invoice.AmountCredited,
  }));
  await api.createPayments(
    context.tenantId,
    ObjectSerializer.deserialize({ Payments: payments }, "Payments") as Payments,
    false,
  );
  return unpaid.length;
}

export const benchSection: BenchSection = {
  name: "Xero → Dynamics 365 pulls",
  async run(context) {
    const figures: Record<string, number> = {};
    const dataverse = context.service.contextFor(
      await context.service.connections.require(context.connectionId),
    ).dataverse;
    for (const { flow, enabled, interval } of pullFlows) {
      await dataverse.create(mag_xerodataflow.entitySetName, {
        [mag_xerodataflow.columns.mag_name]: flow,
        [`${mag_xerodataflow.navigation.mag_xeroconnectorid.mag_xeroconnector}@odata.bind`]: `/${mag_xeroconnector.entitySetName}(${context.connectorId})`,
        [mag_xerodataflow.columns.mag_flow]: mag_flow[flow],
        [mag_xerodataflow.columns.mag_direction]: mag_direction.XeroToDynamics,
        [mag_xerodataflow.columns.mag_enabled]: enabled,
        [mag_xerodataflow.columns.mag_intervalminutes]: interval,
        [mag_xerodataflow.columns.mag_synclastxdays]: 7,
      });
    }
    const pullCalls = (): number => context.xeroCalls.filter((call) => pullOperations.has(call.operation)).length;
    const enabled = pullFlows.filter((flow) => flow.enabled).length;

    // First pull cycle: each enabled flow reads its "last 7 days" window and sets its cursor.
    context.clock.advance(3 * 60 * 60_000);
    await runCycle(context);

    // Idle pull cycle: nothing changed in Xero since.
    context.clock.advance(3 * 60 * 60_000);
    let calls = pullCalls();
    await runCycle(context);
    figures["idlePullXeroCalls"] = pullCalls() - calls;
    context.report(
      "idle pull cycle (default flows)",
      `${figures["idlePullXeroCalls"]} Xero calls for ${enabled} enabled pull flows (target ≤ ${enabled})`,
    );

    // 100 new payments, pulled by one run of the payments flow.
    context.clock.advance(60_000);
    const paid = await payInvoices(context, 100);
    context.clock.advance(60_000);
    calls = pullCalls();
    const requests = context.dataverse.requestCount(context.org);
    await context.service.worker.handle(
      toWorkMessage(context.clock, {
        connectionId: context.connectionId,
        flow: "PaymentsFromXero",
        reason: "sync-now",
        correlationId: randomUUID(),
      }),
    );
    figures["pullPaymentsXeroCalls"] = pullCalls() - calls;
    figures["pullPaymentsDataverseRequests"] = context.dataverse.requestCount(context.org) - requests;
    context.report(
      `pull ${paid} payments (closing ${paid} invoices)`,
      `${figures["pullPaymentsXeroCalls"]} Xero calls, ${figures["pullPaymentsDataverseRequests"]} Dataverse requests`,
    );
    // Leave Xero's minute window fresh for the sections after this one (the clock is shared).
    context.clock.advance(2 * 60_000);
    return figures;
  },
};
